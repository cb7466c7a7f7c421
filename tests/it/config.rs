//! Configuration errors as a user meets them on the command line.

use crate::{citytwin, run, temp_dir};

#[test]
fn a_misspelt_key_names_the_file_the_key_and_the_allowed_keys() {
    let dir = temp_dir("config");
    let file = dir.join("workshop.toml");
    std::fs::write(&file, "[camera]\nmin_distance = 40\nmax_distanse = 900\n").unwrap();
    let out = run(citytwin().args(["check", "--config"]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("workshop.toml"), "{err}");
    assert!(err.contains("camera.max_distanse"), "{err}");
    assert!(err.contains("did you mean `max_distance`"), "{err}");
    assert!(
        err.contains("min_tilt_deg"),
        "the allowed keys are listed: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_value_out_of_range_says_what_is_allowed() {
    let dir = temp_dir("config-range");
    let file = dir.join("c.toml");
    std::fs::write(&file, "[sun]\nshadow_map_size = 3000\n").unwrap();
    let out = run(citytwin().args(["check", "--config"]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("sun.shadow_map_size") && err.contains("1024, 2048, 4096 or 8192"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flags_override_the_file_and_are_checked_too() {
    // The configuration is checked before any window opens.
    let out = run(citytwin().args(["--view", "moon"]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("command line") && err.contains("known views: overview"),
        "{err}"
    );
    let out = run(citytwin().args(["check", "--json", "--origin", "-73.9857,40.7484"]));
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["origin"][0], -73.9857);
}
