//! Frame statistics for measuring interactivity (`citytwin --frame-stats`): every two
//! seconds one JSON line on standard output with the frames drawn and their times.

use crate::buildings::CityState;
use bevy::prelude::*;
use std::time::{Duration, Instant};

/// Collected frame times.
#[derive(Resource, Debug)]
pub struct FrameStats {
    started: Instant,
    window_start: Instant,
    frame_times_ms: Vec<f64>,
    last_frame: Option<Instant>,
    ready_reported: bool,
}

impl Default for FrameStats {
    fn default() -> Self {
        let now = Instant::now();
        Self {
            started: now,
            window_start: now,
            frame_times_ms: Vec::new(),
            last_frame: None,
            ready_reported: false,
        }
    }
}

/// Prints frame statistics.
pub struct FrameStatsPlugin;

impl Plugin for FrameStatsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FrameStats>().add_systems(Last, record);
    }
}

/// The median and maximum of a set of times.
pub fn summarize(times: &mut [f64]) -> (f64, f64) {
    if times.is_empty() {
        return (0.0, 0.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() - 1])
}

fn record(mut stats: ResMut<FrameStats>, city: Res<CityState>) {
    let now = Instant::now();
    if let Some(last) = stats.last_frame {
        let ms = (now - last).as_secs_f64() * 1000.0;
        stats.frame_times_ms.push(ms);
    }
    stats.last_frame = Some(now);
    if city.is_ready() && !stats.ready_reported {
        stats.ready_reported = true;
        let buildings = city.model.as_ref().map_or(0, |m| m.buildings.len());
        println!(
            "{{\"event\":\"all_buildings_in_scene\",\"buildings\":{buildings},\"seconds\":{:.3}}}",
            stats.started.elapsed().as_secs_f64()
        );
    }
    if now - stats.window_start >= Duration::from_secs(2) {
        let frames = stats.frame_times_ms.len();
        let (p50, max) = summarize(&mut stats.frame_times_ms);
        println!(
            "{{\"event\":\"frames\",\"t\":{:.1},\"frames\":{frames},\"frame_p50_ms\":{p50:.1},\"frame_max_ms\":{max:.1}}}",
            stats.started.elapsed().as_secs_f64()
        );
        stats.frame_times_ms.clear();
        stats.window_start = now;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_and_max() {
        assert_eq!(super::summarize(&mut [5.0, 1.0, 3.0]), (3.0, 5.0));
        assert_eq!(super::summarize(&mut []), (0.0, 0.0));
    }
}
