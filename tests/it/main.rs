//! Integration tests: the `citytwin` binary as a user runs it. One test binary, so Bevy is
//! linked once.

mod broker;
mod buildings;
mod check;
mod comments;
mod config;
mod exit;
mod faults;
mod fuzz;
mod kiosk;
mod layering;
mod live;
mod measure;
mod offline;
mod render;
mod scenarios;
mod secrets;
mod shadow;
mod sun;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn citytwin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_citytwin"));
    c.env_remove("CITYTWIN_CONFIG");
    c
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh empty folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citytwin-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs and returns the output, printing stderr when the test fails later.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the citytwin binary runs");
    eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}
