//! Benchmarks that print JSON: `citytwin bench live` ([`live`]: how fast changes in the
//! broker reach the scene) and `citytwin bench buildings` ([`buildings`]: load and frame
//! times of a replicated city, tiles against one mesh per building) and `citytwin bench
//! scenario` ([`scenario`]: switching a scenario on a replicated city) and `citytwin bench
//! kiosk` ([`kiosk`]: a kiosk left alone for minutes or hours, its memory and frame times)
//! `citytwin bench hostile` ([`hostile`]: hostile entities beside real buildings) and
//! `citytwin bench soak` ([`soak`]: 1,000 updates a second to a drawing viewer for minutes or
//! hours).

pub mod buildings;
pub mod hostile;
pub mod hostile_cases;
pub mod kiosk;
pub mod live;
pub mod scenario;
pub mod soak;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};

/// The viewer (this binary) started for a benchmark, under `xvfb-run` when there is no
/// display, its standard output's lines coming through `lines`; dropping it stops it (and
/// xvfb-run's server with it).
pub(crate) struct Viewer {
    child: Child,
    /// Lines of the viewer's standard output (`--frame-stats` JSON).
    pub(crate) lines: crossbeam_channel::Receiver<String>,
}

impl Viewer {
    /// Starts the viewer with `args`.
    pub(crate) fn start(args: &[&OsStr]) -> Result<Self, String> {
        let exe =
            std::env::current_exe().map_err(|e| format!("cannot find citytwin itself: {e}"))?;
        let display =
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
        let mut command = if display {
            Command::new(&exe)
        } else {
            let has_xvfb = Command::new("sh")
                .args(["-c", "command -v xvfb-run"])
                .output()
                .is_ok_and(|o| o.status.success());
            if !has_xvfb {
                return Err("no display and no xvfb-run to make one".to_owned());
            }
            let mut c = Command::new("xvfb-run");
            c.args(["-a", "-s", "-screen 0 1920x1200x24"]).arg(&exe);
            c
        };
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the viewer: {e}"))?;
        let stdout = child.stdout.take().ok_or("the viewer has no output")?;
        let (tx, lines) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Self { child, lines })
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `citytwin bench buildings`.
pub fn buildings_command(b: &buildings::BuildingsBench, json: bool) -> ExitCode {
    super::init_logs("warn");
    if b.count == 0 || b.timeout_s.is_nan() || b.timeout_s <= 0.0 {
        eprintln!("error: --count and --timeout must be above 0");
        return ExitCode::from(2);
    }
    let result = buildings::run(b, &mut |line| eprintln!("bench buildings: {line}"));
    crate::worker::warn_about_stray_threads();
    report(result, json)
}

/// `citytwin bench hostile`.
pub fn hostile_command(good: usize, hostile: usize, viewer: bool, json: bool) -> ExitCode {
    super::init_logs("warn");
    let result = hostile::run(good, hostile, viewer, &mut |line| {
        eprintln!("bench hostile: {line}");
    });
    report(result, json)
}

/// `citytwin bench soak`.
pub fn soak_command(minutes: f64, rate: f64, sensors: usize, json: bool) -> ExitCode {
    super::init_logs("warn");
    if !(minutes > 0.0 && minutes <= 24.0 * 60.0 && rate > 0.0 && sensors > 0) {
        eprintln!("error: --minutes (at most a day), --rate and --sensors must be above 0");
        return ExitCode::from(2);
    }
    let result = soak::run(minutes, rate, sensors, &mut |line| {
        eprintln!("bench soak: {line}");
    });
    crate::worker::warn_about_stray_threads();
    report(result, json)
}

/// `citytwin bench kiosk`.
pub fn kiosk_command(minutes: f64, json: bool) -> ExitCode {
    super::init_logs("warn");
    if !(minutes > 0.0 && minutes <= 24.0 * 60.0) {
        eprintln!("error: --minutes must be above 0 (at most a day)");
        return ExitCode::from(2);
    }
    let result = kiosk::run(minutes, &mut |line| eprintln!("bench kiosk: {line}"));
    report(result, json)
}

/// `citytwin bench scenario`.
pub fn scenario_command(count: usize, json: bool) -> ExitCode {
    super::init_logs("warn");
    if count == 0 {
        eprintln!("error: --count must be above 0");
        return ExitCode::from(2);
    }
    let result = scenario::run(count, &mut |line| eprintln!("bench scenario: {line}"));
    crate::worker::warn_about_stray_threads();
    report(result, json)
}

/// `citytwin bench live`.
pub fn live_command(b: &live::LiveBench, json: bool) -> ExitCode {
    super::init_logs("warn");
    if !(b.rate > 0.0 && b.seconds > 0.0 && b.sensors > 0) {
        eprintln!("error: --rate, --seconds and --sensors must be above 0");
        return ExitCode::from(2);
    }
    let result = live::live(b, &mut |line| eprintln!("bench live: {line}"));
    crate::worker::warn_about_stray_threads();
    report(result, json)
}

/// Prints a benchmark's JSON report (one line with `--json`, else indented), or its error.
fn report<E: std::fmt::Display>(result: Result<serde_json::Value, E>, json: bool) -> ExitCode {
    match result {
        Ok(report) => {
            if json {
                println!("{report}");
            } else {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `citytwin bench shadow`: a sun-hours study of a `side` × `side` metre square at `cell`
/// metres over the middle of the demo district on 20 March, 10-minute steps.
pub fn shadow_command(
    config: &crate::config::Config,
    side: f64,
    cell: f64,
    json: bool,
) -> ExitCode {
    super::init_logs("warn");
    if !((10.0..=5_000.0).contains(&side) && cell >= 0.25) {
        eprintln!("error: --side must be 10–5000 m and --cell at least 0.25 m");
        return ExitCode::from(2);
    }
    let mut config = config.clone();
    config.data.source = crate::config::SourceSetting::Demo;
    let types = vec![config.data.building_type.clone()];
    let started = std::time::Instant::now();
    let model = super::check::with_source(&config, types, |s| crate::city::load(s, &config));
    crate::worker::warn_about_stray_threads();
    let result = model.map_err(|e| e.to_string()).and_then(|model| {
        let load_s = started.elapsed().as_secs_f64();
        let georef = crate::georef::Georef::new(model.origin, Some(&model.crs))
            .map_err(|e| e.to_string())?;
        let [w, s, e, n] = model.bounds;
        let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
        let h = side / 2.0;
        let corner = |x: f64, y: f64| {
            georef
                .scene_to_lonlat([x, 0.0, -y])
                .map(|(l, _)| [l.lon, l.lat])
                .map_err(|e| e.to_string())
        };
        let (sw, ne) = (corner(cx - h, cy - h)?, corner(cx + h, cy + h)?);
        let options = super::shadow::ShadowOptions {
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap_or_default(),
            scenario: None,
            site: None,
            bbox: Some([sw[0], sw[1], ne[0], ne[1]]),
            cell_m: cell,
            step_min: 10.0,
            points: Vec::new(),
            csv: None,
            margin_m: 0.0,
        };
        let mut r =
            super::shadow::run(&config, &model, None, None, &options).map_err(|e| match e {
                super::shadow::Failure::Input(s) => s,
                super::shadow::Failure::Load(e) => e.to_string(),
            })?;
        r["buildings"] = serde_json::json!(model.buildings.len());
        r["load_seconds"] = serde_json::json!(load_s);
        r["side_m"] = serde_json::json!(side);
        Ok(r)
    });
    report(result, json)
}
