//! Fuzzing on stable Rust, without coverage guidance: inputs made from seeds (the fixtures)
//! by byte mutations (flips, cuts, repeats, splices, tokens such as `1e999` or `[[[`) and by
//! JSON-aware ones (a value replaced by an extreme number, a huge string, a deep nest, a
//! value of another type), fed to each reader citytwin has for outside data. A panic, an input
//! that takes over 10 s (a hang) or memory past 3 GB is a finding: the input is written under
//! the target folder and the test fails naming it. Findings kept in `tests/fuzz/TARGET/` are
//! read again by every run first (regressions).
//!
//! Each target runs `FUZZ_SECONDS` seconds (3 by default, in `make test`); `make fuzz
//! SECONDS=N` runs every target N seconds, two at a time; `CPU_SECONDS=M` (`FUZZ_CPU_SECONDS`)
//! ends each once it has had M seconds of CPU time, for runs on a machine doing other work.
//! Each reports its inputs, wall-clock seconds and CPU-seconds.

use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A small random generator (xorshift), seeded from the clock unless `FUZZ_SEED` is set.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::env::var("FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("fuzz seed {seed} (FUZZ_SEED={seed} repeats this run)");
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "\"",
    ",",
    ":",
    "null",
    "true",
    "-0",
    "1e999",
    "-1e999",
    "1e308",
    "4.9e-324",
    "NaN",
    "18446744073709551616",
    "\"type\"",
    "\"id\"",
    "\"value\"",
    "\"Polygon\"",
    "\"MultiPolygon\"",
    "\"coordinates\"",
    "\"GeoProperty\"",
    "\"Property\"",
    "[[[",
    "]]]",
    "\\u0000",
    "\\ud800",
    "é",
    "\u{202e}",
    ";",
    "|",
    "(",
    ")",
    "==",
    "..",
    "~=",
    "!=",
    "'",
    "\n",
    "=",
    "#",
    "[[",
    "\"\"\"",
];

/// One extreme or odd JSON value.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => serde_json::json!(1e308),
        1 => serde_json::json!(-1e308),
        2 => serde_json::json!(0),
        3 => serde_json::json!(-0.0),
        4 => serde_json::json!(u64::MAX),
        5 => serde_json::json!(5e-324),
        6 => Value::String("x".repeat(rng.below(100_000))),
        7 => Value::Array(Vec::new()),
        8 => serde_json::json!({}),
        9 => {
            let mut v = serde_json::json!(1);
            for _ in 0..rng.below(200) {
                v = Value::Array(vec![v]);
            }
            v
        }
        10 => Value::Null,
        _ => serde_json::json!([[[0, 0], [1, 0], [0, 1], [0, 0]]]),
    }
}

/// A node found by a random walk of `depth` steps from `node`.
fn pick<'a>(rng: &mut Rng, node: &'a mut Value, depth: usize) -> &'a mut Value {
    let len = match node {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    if depth == 0 || len == 0 {
        return node;
    }
    let i = rng.below(len);
    match node {
        Value::Array(a) => pick(rng, &mut a[i], depth - 1),
        Value::Object(o) => pick(rng, o.values_mut().nth(i).expect("i < len"), depth - 1),
        other => other,
    }
}

/// A JSON-aware mutation: one node of the tree replaced, removed, repeated or grown.
fn mutate_json(rng: &mut Rng, v: &mut Value) {
    let depth = rng.below(12);
    let node = pick(rng, v, depth);
    match (rng.below(5), node) {
        (0, Value::Array(a)) if !a.is_empty() => {
            let i = rng.below(a.len());
            let copy = a[i].clone();
            for _ in 0..1 + rng.below(50) {
                a.push(copy.clone());
            }
        }
        (1, Value::Array(a)) if !a.is_empty() => {
            let i = rng.below(a.len());
            a.remove(i);
        }
        (2, Value::Object(o)) if !o.is_empty() => {
            let key = o
                .keys()
                .nth(rng.below(o.len()))
                .cloned()
                .unwrap_or_default();
            o.remove(&key);
        }
        (_, node) => *node = odd_value(rng),
    }
}

/// An input made from the seeds.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut d = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(6) {
        let len = d.len().max(1);
        match rng.below(9) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = rng.next() as u8;
            }
            2 if !d.is_empty() => {
                let a = rng.below(d.len());
                let b = (a + rng.below(64)).min(d.len());
                d.drain(a..b);
            }
            3 if !d.is_empty() => {
                let a = rng.below(d.len());
                let b = (a + 1 + rng.below(256)).min(d.len());
                let piece = d[a..b].to_vec();
                let at = rng.below(d.len());
                for _ in 0..1 + rng.below(4) {
                    d.splice(at..at, piece.iter().copied());
                }
            }
            4 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let at = rng.below(len).min(d.len());
                d.splice(at..at, t.iter().copied());
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + rng.below(512)).min(other.len());
                    let at = rng.below(len).min(d.len());
                    d.splice(at..at, other[a..b].iter().copied());
                }
            }
            6 if !d.is_empty() => d.truncate(rng.below(d.len())),
            _ => {
                if let Ok(mut v) = serde_json::from_slice::<Value>(&d) {
                    mutate_json(rng, &mut v);
                    d = serde_json::to_vec(&v).unwrap_or(d);
                }
            }
        }
    }
    d.truncate(4 << 20);
    d
}

/// What the watchdog knows of the input being read.
/// Targets may run side by side, each with its own entry.
type Reading = std::collections::HashMap<String, (Vec<u8>, Instant)>;
static CURRENT: Mutex<Option<Reading>> = Mutex::new(None);

fn findings_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings")
}

fn save_finding(target: &str, data: &[u8], what: &str) -> PathBuf {
    let dir = findings_dir();
    let _ = std::fs::create_dir_all(&dir);
    let hash = data.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    });
    let path = dir.join(format!("{target}-{what}-{hash:016x}.bin"));
    let _ = std::fs::write(&path, data);
    path
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Aborts the process on an input that runs past 10 s or grows memory past 3 GB, after
/// writing it down.
fn start_watchdog() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let Ok(current) = CURRENT.lock() else {
                    continue;
                };
                for (target, (data, since)) in current.iter().flatten() {
                    let what = if since.elapsed() > Duration::from_secs(10) {
                        "hang"
                    } else if rss_mb() > 3_000.0 {
                        "memory"
                    } else {
                        continue;
                    };
                    let path = save_finding(target, data, what);
                    eprintln!(
                        "fuzz {target}: {what} on the input written to {}",
                        path.display()
                    );
                    std::process::abort();
                }
            }
        });
    });
}

/// Runs `target` on the kept findings, then on mutated seeds for the time given; fails on a
/// panic with the input's path.
fn fuzz(name: &str, seeds: Vec<Vec<u8>>, target: &dyn Fn(&[u8])) {
    start_watchdog();
    let seconds: f64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let kept = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(name);
    let mut regressions: Vec<Vec<u8>> = std::fs::read_dir(&kept)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    let mut rng = Rng::new();
    let started = Instant::now();
    // On a shared machine `FUZZ_CPU_SECONDS` ends the run once the target has had that much
    // CPU time, whatever the wall-clock time left.
    let cpu_budget: Option<f64> = std::env::var("FUZZ_CPU_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut next_cpu_look = Instant::now();
    let mut cpu_spent = false;
    let mut runs = 0usize;
    let mut panics = Vec::new();
    while !regressions.is_empty() || (Instant::now() < deadline && !cpu_spent && panics.is_empty())
    {
        if let Some(budget) = cpu_budget.filter(|_| Instant::now() >= next_cpu_look) {
            next_cpu_look = Instant::now() + Duration::from_secs(1);
            cpu_spent = process_cpu_seconds().is_some_and(|cpu| cpu >= budget);
        }
        let data = regressions
            .pop()
            .unwrap_or_else(|| mutate(&mut rng, &seeds));
        if let Ok(mut c) = CURRENT.lock() {
            c.get_or_insert_default()
                .insert(name.to_owned(), (data.clone(), Instant::now()));
        }
        if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
            panics.push(save_finding(name, &data, "panic"));
        }
        if let Ok(mut c) = CURRENT.lock() {
            c.get_or_insert_default().remove(name);
        }
        runs += 1;
    }
    let wall = started.elapsed().as_secs_f64();
    match process_cpu_seconds() {
        Some(cpu) => eprintln!("fuzz {name}: {runs} inputs in {wall:.0} s, {cpu:.0} CPU-seconds"),
        None => eprintln!("fuzz {name}: {runs} inputs in {wall:.0} s"),
    }
    assert!(panics.is_empty(), "fuzz {name}: panics on {panics:?}");
}

/// CPU time this process has used (user and system), from `/proc/self/stat` at Linux's 100
/// ticks a second: with nextest each target runs in a process of its own, so this is the
/// target's CPU time even where it shares the machine.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name in parentheses, which may itself hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

mod targets;
