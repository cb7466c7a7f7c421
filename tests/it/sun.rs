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

fn starts(v: &serde_json::Value, key: &str, prefix: &str) -> bool {
    v[key].as_str().is_some_and(|s| s.starts_with(prefix))
}

#[test]
fn the_spa_example_and_a_polar_day_from_the_command_line() {
    // The SPA paper's example place and time (standard refraction here, not the paper's
    // 820 mbar: the azimuth is the same to 1e-4°, the elevation within 0.05°).
    let place = ["--lonlat", "-105.1786,39.742476", "--height", "1830.14"];
    let v = sun_json(&[&["--at", "2003-10-17T12:30:30-07:00"][..], &place].concat());
    assert!((v["azimuth_deg"].as_f64().unwrap() - 194.34024).abs() < 0.05);
    assert!((90.0 - v["elevation_deg"].as_f64().unwrap() - 50.11162).abs() < 0.05);
    // Answered in the place's zone, found from the coordinates: Denver, summer time that day.
    assert_eq!(v["time_zone"], "America/Denver");
    assert_eq!(v["at"], "2003-10-17T13:30:30-06:00");
    // The paper's sunrise 06:12:43 and sunset 17:18:51 at UTC−7, within a minute.
    let paper = sun_json(
        &[
            &["--at", "2003-10-17T12:30:30", "--time-zone", "Etc/GMT+7"][..],
            &place,
        ]
        .concat(),
    );
    assert_eq!(paper["azimuth_deg"], v["azimuth_deg"]);
    assert!(starts(&paper, "sunrise", "2003-10-17T06:12:"));
    assert!(starts(&paper, "sunset", "2003-10-17T17:18:"));
    assert!(paper["solar_noon"].as_str().unwrap().ends_with("-07:00"));
    // Kiruna at midsummer: no sunrise or sunset.
    let k = sun_json(&["--at", "2026-06-21T00:30", "--lonlat", "20.2253,67.8558"]);
    assert_eq!(k["polar_day"], true);
    assert!(k["sunrise"].is_null() && k["elevation_deg"].as_f64().unwrap() > 0.0);
    // A time that is neither RFC 3339 nor a wall-clock time is refused with a reason, and
    // so is the hour Stockholm's clocks skip in spring.
    for at in ["21 March at noon", "2026-03-29T02:30"] {
        let bad = run(citytwin().args(["sun", "--at", at, "--lonlat", "18.07,59.33"]));
        assert_eq!(bad.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
    }
}
