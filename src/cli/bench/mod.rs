//! Benchmarks that print JSON: `citytwin bench live` ([`live`]: how fast changes in the
//! broker reach the scene) and `citytwin bench buildings` ([`buildings`]: load and frame
//! times of a replicated city, tiles against one mesh per building) and `citytwin bench
//! scenario` ([`scenario`]: switching a scenario on a replicated city).

pub mod buildings;
pub mod live;
pub mod scenario;

use std::process::ExitCode;

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
