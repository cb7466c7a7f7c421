//! Frame statistics for measuring interactivity (`citytwin --frame-stats`), as JSON lines on
//! standard output: when every building is in the scene (`all_buildings_in_scene`), when the
//! first frame showing them all is being drawn with every shader compiled
//! (`first_complete_frame`), and every two seconds the frames drawn with their median and
//! longest times (`frames`). Seconds count from the start of the app. The app loads drawing on
//! demand, as without statistics, and draws continuously from the complete frame on.

use crate::city::sensor::Reading;
use crate::scene::{CityState, SensorMarker};
use bevy::prelude::*;
use bevy::render::render_resource::PipelineCache;
use bevy::render::{Render, RenderApp, RenderSystems};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Shader pipelines still compiling, as the render world last saw them.
#[derive(Resource, Clone, Default)]
struct PendingPipelines(Arc<AtomicUsize>);

/// Collected frame times.
#[derive(Resource, Debug)]
pub struct FrameStats {
    started: Instant,
    window_start: Instant,
    frame_times_ms: Vec<f64>,
    last_frame: Option<Instant>,
    ready_reported: bool,
    frames_since_ready: u32,
    complete_reported: bool,
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
            frames_since_ready: 0,
            complete_reported: false,
        }
    }
}

/// Prints frame statistics.
pub struct FrameStatsPlugin;

impl Plugin for FrameStatsPlugin {
    fn build(&self, app: &mut App) {
        let pending = PendingPipelines::default();
        app.init_resource::<FrameStats>()
            .insert_resource(pending.clone())
            .add_systems(Last, record);
        if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
            render_app
                .insert_resource(pending)
                .add_systems(Render, count_pending.in_set(RenderSystems::Cleanup));
        }
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

fn count_pending(cache: Res<PipelineCache>, pending: Res<PendingPipelines>) {
    pending
        .0
        .store(cache.waiting_pipelines().count(), Ordering::Relaxed);
}

fn record(
    mut stats: ResMut<FrameStats>,
    city: Res<CityState>,
    sensors: Query<&SensorMarker>,
    pending: Res<PendingPipelines>,
    mut commands: Commands,
    mut redraw: MessageWriter<bevy::window::RequestRedraw>,
) {
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
    if stats.ready_reported && !stats.complete_reported {
        // Pipelines are queued a frame or two after the meshes arrive; once none are waiting,
        // the frame being drawn shows every building.
        stats.frames_since_ready += 1;
        // Keep frames coming until the complete one (the app draws on demand until then).
        redraw.write(bevy::window::RequestRedraw);
        if stats.frames_since_ready >= 3 && pending.0.load(Ordering::Relaxed) == 0 {
            stats.complete_reported = true;
            // From now on draw continuously: the frame times are what orbiting costs.
            commands.insert_resource(bevy::winit::WinitSettings::continuous());
            println!(
                "{{\"event\":\"first_complete_frame\",\"seconds\":{:.3}}}",
                stats.started.elapsed().as_secs_f64()
            );
        }
    }
    if now - stats.window_start >= Duration::from_secs(2) {
        let frames = stats.frame_times_ms.len();
        let (p50, max) = summarize(&mut stats.frame_times_ms);
        let mb = |v: Option<f64>| v.map_or("null".to_owned(), |mb| format!("{mb:.0}"));
        let (peak, rss) = (mb(peak_rss_mb()), mb(rss_mb()));
        // The sensors in the scene and the sum of their numbers, for a benchmark to compare
        // with what it wrote (`bench soak`).
        let (count, sum) =
            sensors
                .iter()
                .fold((0usize, 0.0f64), |(n, s), m| match m.sensor.reading {
                    Reading::Number(v) => (n + 1, s + v),
                    _ => (n + 1, s),
                });
        println!(
            "{{\"event\":\"frames\",\"t\":{:.1},\"frames\":{frames},\"frame_p50_ms\":{p50:.1},\"frame_max_ms\":{max:.1},\"peak_rss_mb\":{peak},\"rss_mb\":{rss},\"sensors\":{count},\"sensors_sum\":{sum}}}",
            stats.started.elapsed().as_secs_f64()
        );
        stats.frame_times_ms.clear();
        stats.window_start = now;
    }
}

/// The process's peak resident memory so far (MB; `VmHWM` on Linux, `None` elsewhere).
pub fn peak_rss_mb() -> Option<f64> {
    status_mb("VmHWM:")
}

/// The process's resident memory now (MB; `VmRSS` on Linux, `None` elsewhere).
pub fn rss_mb() -> Option<f64> {
    status_mb("VmRSS:")
}

/// A memory line of `/proc/self/status`, in MB.
fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_and_max() {
        assert_eq!(super::summarize(&mut [5.0, 1.0, 3.0]), (3.0, 5.0));
        assert_eq!(super::summarize(&mut []), (0.0, 0.0));
    }
}
