//! `citytwin bench kiosk --minutes N`: a kiosk left alone for N minutes, as in a library at
//! night: the viewer (under `xvfb-run` without a display) on the demo, whose simulator sends
//! 10 sensor updates a second to its local broker, in kiosk mode with the guided tour starting
//! after 10 s, drawing continuously (`--frame-stats`). From its reports every two seconds:
//! resident memory at the baseline (5 minutes in, or halfway for runs under 10 minutes) and at
//! the end, the growth between them in per cent (the aim: within 5%), and the median frame
//! time over the first and the last minute after the baseline.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One `frames` report.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    /// Seconds since the viewer started.
    pub(super) t: f64,
    /// Resident memory (MB).
    pub(super) rss_mb: f64,
    /// Median frame time over the report's two seconds.
    pub(super) frame_p50_ms: f64,
}

impl Sample {
    /// From a `frames` line of `--frame-stats`; None for other lines.
    pub(super) fn of(v: &Value) -> Option<Self> {
        if v["event"] != "frames" {
            return None;
        }
        Some(Self {
            t: v["t"].as_f64()?,
            rss_mb: v["rss_mb"].as_f64()?,
            frame_p50_ms: v["frame_p50_ms"].as_f64()?,
        })
    }
}

/// Runs the soak; `log` gets a line a minute.
pub fn run(minutes: f64, log: &mut dyn FnMut(&str)) -> Result<Value, String> {
    let config = std::env::temp_dir().join(format!("citytwin-soak-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        "[kiosk]\nenabled = true\nattract_after_s = 10\n[data]\ncache = \"off\"\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let viewer = super::Viewer::start(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--frame-stats".as_ref(),
        "--size".as_ref(),
        "1280x800".as_ref(),
    ]);
    let result = viewer.and_then(|v| soak(v, minutes, log));
    let _ = std::fs::remove_file(&config);
    result
}

/// Reads the viewer's reports for `minutes`.
fn soak(viewer: super::Viewer, minutes: f64, log: &mut dyn FnMut(&str)) -> Result<Value, String> {
    let total_s = minutes * 60.0;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut next_log = 60.0;
    while started.elapsed().as_secs_f64() < total_s + 5.0 {
        match viewer.lines.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let Some(sample) = Sample::of(&v) else {
                    continue;
                };
                let Sample {
                    t,
                    rss_mb,
                    frame_p50_ms,
                } = sample;
                samples.push(sample);
                if t >= next_log {
                    log(&format!(
                        "{:.0} min: {rss_mb:.0} MB, frames p50 {frame_p50_ms:.0} ms",
                        t / 60.0
                    ));
                    next_log += 60.0;
                }
                if t >= total_s {
                    break;
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                return Err("the viewer reported nothing for 30 s".to_owned());
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                return Err("the viewer ended".to_owned());
            }
        }
    }
    drop(viewer);
    summarize(
        &samples,
        total_s,
        "kiosk on the demo (10 simulated sensor updates/s), guided tour from 10 s, drawing continuously",
    )
}

/// The report from the samples of a run of `total_s` seconds of `what`: resident memory at
/// the baseline (5 minutes in, or halfway for shorter runs) and at the end, frame times.
pub(super) fn summarize(samples: &[Sample], total_s: f64, what: &str) -> Result<Value, String> {
    let baseline_s = (total_s / 2.0).min(300.0);
    let at = |s: f64| {
        samples
            .iter()
            .min_by(|a, b| (a.t - s).abs().total_cmp(&(b.t - s).abs()))
            .copied()
    };
    let (Some(base), Some(end)) = (at(baseline_s), samples.last().copied()) else {
        return Err("no frame reports".to_owned());
    };
    let median_in = |from: f64, to: f64| {
        let mut v: Vec<f64> = samples
            .iter()
            .filter(|s| s.t >= from && s.t < to)
            .map(|s| s.frame_p50_ms)
            .collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    Ok(json!({
        "minutes": round1(end.t / 60.0),
        "baseline_s": round1(base.t),
        "rss_mb_baseline": base.rss_mb,
        "rss_mb_end": end.rss_mb,
        "rss_growth_pct": round1((end.rss_mb / base.rss_mb - 1.0) * 100.0),
        "rss_mb_max": samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max),
        "frame_p50_ms_after_baseline": median_in(base.t, base.t + 60.0).map(round1),
        "frame_p50_ms_last_minute": median_in(end.t - 60.0, end.t + 1.0).map(round1),
        "reports": samples.len(),
        "what": what,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_measured_from_the_baseline_to_the_end() {
        let samples: Vec<Sample> = (0..=1800)
            .step_by(2)
            .map(|t| Sample {
                t: t as f64,
                rss_mb: 500.0 + t as f64 / 100.0,
                frame_p50_ms: 100.0,
            })
            .collect();
        let r = summarize(&samples, 1800.0, "test").unwrap();
        assert_eq!(r["baseline_s"], 300.0);
        assert_eq!(r["rss_mb_baseline"], 503.0);
        assert_eq!(r["rss_mb_end"], 518.0);
        assert_eq!(r["rss_growth_pct"], 3.0);
        assert!(summarize(&[], 60.0, "test").is_err());
    }
}
