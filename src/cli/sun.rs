//! `citytwin sun --at TIME --lonlat LON,LAT [--json]`: the sun's azimuth and elevation at a
//! time and place, and that day's sunrise, sunset and solar noon, RFC 3339 in the place's
//! time zone (found offline from the coordinates; `--time-zone` names another). `--at` is an
//! RFC 3339 time, or a wall-clock time at the place (`2026-03-21T12:00`); default now.

use crate::sun::{self, zone};
use chrono::{DateTime, FixedOffset, Local, SecondsFormat};
use serde_json::json;
use std::process::ExitCode;

/// Runs the command.
pub fn command(
    at: Option<&str>,
    lonlat: [f64; 2],
    height_m: f64,
    (time_zone, json): (Option<&str>, bool),
) -> ExitCode {
    let tz = match time_zone {
        Some(name) => match zone::named(name) {
            Ok(tz) => tz,
            Err(why) => {
                eprintln!("citytwin sun: --time-zone {why}");
                return ExitCode::from(2);
            }
        },
        None => match zone::at(lonlat) {
            Some(tz) => tz,
            None => {
                eprintln!(
                    "citytwin sun: no time zone found at {},{}; give one with --time-zone",
                    lonlat[0], lonlat[1]
                );
                return ExitCode::from(2);
            }
        },
    };
    let time: DateTime<FixedOffset> = match at {
        None => zone::in_zone(&Local::now().fixed_offset(), tz),
        Some(t) => match DateTime::parse_from_rfc3339(t) {
            Ok(t) => zone::in_zone(&t, tz),
            Err(e) => match zone::local(t, tz) {
                Some(t) => t,
                None => {
                    eprintln!(
                        "citytwin sun: --at {t:?} is neither an RFC 3339 time (2026-03-21T12:00:00+01:00) nor a time that exists at the place (2026-03-21T12:00) ({e})"
                    );
                    return ExitCode::from(2);
                }
            },
        },
    };
    if !(-180.0..=180.0).contains(&lonlat[0]) || !(-90.0..=90.0).contains(&lonlat[1]) {
        eprintln!(
            "citytwin sun: --lonlat must be a longitude in -180..180 and a latitude in -90..90"
        );
        return ExitCode::from(2);
    }
    let (position, day) = match (
        sun::position(&time, lonlat, height_m),
        sun::day(time.date_naive(), *time.offset(), lonlat),
    ) {
        (Ok(p), Ok(d)) => (p, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("citytwin sun: {e}");
            return ExitCode::from(2);
        }
    };
    let show =
        |t: Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    if json {
        let mut out = json!({
            "at": time.to_rfc3339_opts(SecondsFormat::Secs, true),
            "lonlat": lonlat,
            "time_zone": tz.name(),
            "azimuth_deg": (position.azimuth_deg * 1e4).round() / 1e4,
            "elevation_deg": (position.elevation_deg * 1e4).round() / 1e4,
            "sunrise": show(day.sunrise),
            "sunset": show(day.sunset),
            "solar_noon": show(day.solar_noon),
        });
        if day.polar_day {
            out["polar_day"] = json!(true);
        }
        if day.polar_night {
            out["polar_night"] = json!(true);
        }
        println!("{out}");
    } else {
        let or = |t: Option<String>, none: &str| t.unwrap_or_else(|| none.to_owned());
        let no_rise = if day.polar_day {
            "none (the sun does not set)"
        } else {
            "none (the sun does not rise)"
        };
        println!(
            "at          {}",
            time.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        println!(
            "azimuth     {:.2}° (from north, clockwise)",
            position.azimuth_deg
        );
        println!("elevation   {:.2}° (apparent)", position.elevation_deg);
        println!("sunrise     {}", or(show(day.sunrise), no_rise));
        println!("solar noon  {}", or(show(day.solar_noon), "—"));
        println!("sunset      {}", or(show(day.sunset), no_rise));
    }
    ExitCode::SUCCESS
}
