//! `citytwin sun`: the sun's position and day as a user asks for them.

use crate::{citytwin, run};

fn sun_json(args: &[&str]) -> serde_json::Value {
    let out = run(citytwin().arg("sun").args(args).arg("--json"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn the_spa_example_and_a_polar_day_from_the_command_line() {
    // The SPA paper's example place and time (standard refraction here, not the paper's
    // 820 mbar: the azimuth is the same to 1e-4°, the elevation within 0.05°).
    let v = sun_json(&[
        "--at",
        "2003-10-17T12:30:30-07:00",
        "--lonlat",
        "-105.1786,39.742476",
        "--height",
        "1830.14",
    ]);
    assert!((v["azimuth_deg"].as_f64().unwrap() - 194.34024).abs() < 0.05);
    assert!((90.0 - v["elevation_deg"].as_f64().unwrap() - 50.11162).abs() < 0.05);
    // The paper's sunrise 06:12:43 and sunset 17:18:51 local, within a minute; in --at's offset.
    assert!(
        v["sunrise"]
            .as_str()
            .unwrap()
            .starts_with("2003-10-17T06:12:")
    );
    assert!(
        v["sunset"]
            .as_str()
            .unwrap()
            .starts_with("2003-10-17T17:18:")
    );
    assert!(v["solar_noon"].as_str().unwrap().ends_with("-07:00"));
    // Kiruna at midsummer: no sunrise or sunset.
    let k = sun_json(&[
        "--at",
        "2026-06-21T00:30:00+02:00",
        "--lonlat",
        "20.2253,67.8558",
    ]);
    assert_eq!(k["polar_day"], true);
    assert!(k["sunrise"].is_null() && k["elevation_deg"].as_f64().unwrap() > 0.0);
    // A time without its offset is refused with a reason.
    let bad = run(citytwin().args(["sun", "--at", "2026-03-21 12:00", "--lonlat", "18,59"]));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}
