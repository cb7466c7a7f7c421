//! `citytwin bench soak --minutes N`: a long stream of changes to a drawing viewer.
//!
//! A local broker (in this process, in memory) holds the demo district and `sensors` simulated
//! noise sensors over it; the viewer (under `xvfb-run` without a display) reads it, follows
//! it live with HTTP notifications, and starts with the time panel playing (`--play`), drawing
//! continuously (`--frame-stats`). Once every sensor is in its scene, a writer sends `rate`
//! updates a second for N minutes through ordinary NGSI-LD batch updates. Reported: resident
//! memory at 5 minutes (halfway for shorter runs) and at the end, the frame times, the updates
//! written and failed, and `lost`: whether the viewer's sensors end with exactly the values
//! written last (the sum of its sensors' values, which every `frames` report carries, against
//! the sum of the last values written; the values are whole numbers, so the sums are exact).

use super::kiosk::{Sample, summarize};
use super::live::{LastValues, seeded_broker, spawn_writer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The value every sensor starts with in the broker.
const FIRST_VALUE: f64 = 50.0;

/// Runs the soak; `log` gets a line a minute.
pub fn run(
    minutes: f64,
    rate: f64,
    sensors: usize,
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    let (_broker, url) = seeded_broker(sensors)?;
    let config = std::env::temp_dir().join(format!("citytwin-soak-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        format!(
            "[data]\nsource = \"broker\"\ncache = \"off\"\n[broker]\nurl = \"{url}\"\n\
             [live]\nmode = \"http\"\n"
        ),
    )
    .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let viewer = super::Viewer::start(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--frame-stats".as_ref(),
        "--play".as_ref(),
        "--size".as_ref(),
        "1280x800".as_ref(),
    ]);
    let result = viewer.and_then(|v| soak(&v, &url, minutes, rate, sensors, log));
    let _ = std::fs::remove_file(&config);
    result
}

/// The next `frames` report with its sensor figures, waiting up to 30 s.
fn next_report(viewer: &super::Viewer) -> Result<(Sample, usize, f64), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let line = match viewer.lines.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => line,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                return Err("the viewer ended".to_owned());
            }
        };
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let (Some(s), Some(n), Some(sum)) = (
            Sample::of(&v),
            v["sensors"].as_u64(),
            v["sensors_sum"].as_f64(),
        ) {
            return Ok((s, n as usize, sum));
        }
    }
    Err("the viewer reported nothing for 30 s".to_owned())
}

fn soak(
    viewer: &super::Viewer,
    url: &str,
    minutes: f64,
    rate: f64,
    sensors: usize,
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    // Every sensor in the scene first.
    let ready = Instant::now();
    loop {
        let (s, n, _) = next_report(viewer)?;
        if n >= sensors {
            log(&format!("{n} sensors in the scene after {:.0} s", s.t));
            break;
        }
        if ready.elapsed() > Duration::from_secs(300) {
            return Err(format!(
                "only {n} of {sensors} sensors in the scene after 300 s"
            ));
        }
    }
    let total_s = minutes * 60.0;
    let last: LastValues = LastValues::default();
    let writer = spawn_writer(url.to_owned(), (rate, total_s, sensors), None, last.clone());
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut next_log = 60.0;
    while !writer.is_finished() {
        let (s, _, _) = next_report(viewer)?;
        let t = started.elapsed().as_secs_f64();
        samples.push(Sample { t, ..s });
        if t >= next_log {
            log(&format!(
                "{:.0} min: {:.0} MB, frames p50 {:.0} ms",
                t / 60.0,
                s.rss_mb,
                s.frame_p50_ms
            ));
            next_log += 60.0;
        }
    }
    let (written, failed) = writer
        .join()
        .map_err(|_| "the writer stopped".to_owned())??;
    // The last changes reach the scene: the sums meet, or 30 s pass.
    let want: f64 = {
        let last = last.lock().map_err(|_| "writer state")?;
        (0..sensors)
            .map(|i| last.get(&i).copied().unwrap_or(FIRST_VALUE))
            .sum()
    };
    let drained = Instant::now();
    let mut got = f64::NAN;
    while drained.elapsed() < Duration::from_secs(30) {
        let (_, _, sum) = next_report(viewer)?;
        got = sum;
        if got == want {
            break;
        }
    }
    let mut report = summarize(
        &samples,
        total_s,
        &format!(
            "the demo district and {sensors} sensors in a local broker, {rate} updates/s through \
             it to a viewer drawing continuously with the time panel playing"
        ),
    )?;
    report["rate"] = json!(rate);
    report["sensors"] = json!(sensors);
    report["written"] = json!(written);
    report["failed"] = json!(failed);
    // Every sensor ends with the value written last (else some change was lost).
    report["last_values_in_scene"] = json!(got == want);
    report["drain_s"] = json!((drained.elapsed().as_secs_f64() * 10.0).round() / 10.0);
    report["sensors_sum_wanted"] = json!(want);
    report["sensors_sum_in_scene"] = json!(got);
    Ok(report)
}
