//! A clean exit: the viewer, `check` and `bench` stop every thread they started (the loader
//! and viewport streamer, the live feed, the demo's simulator and broker) and join it before
//! `main` returns, so none can still be freeing PROJ, SQLite or a tokio runtime while the
//! process exits (which corrupted the heap: `malloc_consolidate(): unaligned fastbin chunk
//! detected`, status 134, about one run in five with the view streaming from a broker).
//!
//! Each command is run several times with both cores kept busy (which made the race likelier)
//! and must exit with status 0, print no allocator error, and name no thread of its own still
//! running at exit (the commands check `/proc/self/task` before returning).

use crate::broker::{free_port, start};
use crate::{citytwin, run, temp_dir};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Keeps `n` cores busy until dropped.
struct BusyCpu {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyCpu {
    fn new(n: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                        std::hint::black_box(x);
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for BusyCpu {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Asserts a clean exit: status 0, no allocator error, no thread of ours left.
fn assert_clean(what: &str, run_no: usize, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what}, run {run_no}: exit status {:?}",
        out.status
    );
    for bad in [
        "malloc",
        "double free",
        "corrupted",
        "threads still running at exit",
    ] {
        assert!(
            !stderr.contains(bad),
            "{what}, run {run_no}: stderr says {bad:?}"
        );
    }
}

fn streaming_config(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("stream.toml");
    // Every broker counts as big: the loader becomes the viewport streamer.
    std::fs::write(&file, "[data]\nstream_above = 0\n").unwrap();
    file
}

fn screenshot(config: &Path, out: &Path, extra: &[&str]) -> Output {
    run(Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_citytwin"))
        .arg("--config")
        .arg(config)
        .arg("--screenshot")
        .arg(out)
        .args(["--size", "640x400"])
        .args(extra)
        .env("WGPU_FORCE_FALLBACK_ADAPTER", "1")
        .env_remove("CITYTWIN_CONFIG"))
}

#[test]
fn the_viewer_exits_cleanly_while_streaming_with_the_cpu_busy() {
    if !crate::render::headless_available() {
        return;
    }
    let dir = temp_dir("exit-view");
    let config = streaming_config(&dir);
    // The demo: its in-process broker, simulator and live feed, and the streamer.
    {
        let _busy = BusyCpu::new(2);
        for i in 1..=3 {
            let out = screenshot(&config, &dir.join(format!("demo-{i}.png")), &[]);
            assert_clean("the demo streaming, --screenshot", i, &out);
        }
    }
    // A separate broker process with the demo district.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/manhattan_midtown_buildings.ngsild.json.gz");
    let broker = start(
        &["--db", ":memory:", "--seed", demo.to_str().unwrap()],
        free_port(),
    );
    let _busy = BusyCpu::new(2);
    for i in 1..=2 {
        let out = screenshot(
            &config,
            &dir.join(format!("broker-{i}.png")),
            &["--broker", &broker.url],
        );
        assert_clean("a broker streaming, --screenshot", i, &out);
    }
}

#[test]
fn check_and_bench_exit_cleanly_with_the_cpu_busy() {
    let dir = temp_dir("exit-check");
    let config = streaming_config(&dir);
    let _busy = BusyCpu::new(2);
    for i in 1..=3 {
        let out = run(citytwin()
            .args(["check", "--json", "--config"])
            .arg(&config));
        assert_clean("check on the demo", i, &out);
    }
    for i in 1..=2 {
        let out = run(citytwin().args([
            "bench",
            "live",
            "--json",
            "--rate",
            "200",
            "--seconds",
            "1",
            "--sensors",
            "50",
        ]));
        assert_clean("bench live", i, &out);
    }
    let out = run(citytwin().args([
        "bench",
        "buildings",
        "--json",
        "--count",
        "2000",
        "--no-frame",
    ]));
    assert_clean("bench buildings", 1, &out);
}
