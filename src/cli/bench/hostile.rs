//! `citytwin bench hostile`: what a hostile or careless data provider can do to citytwin.
//!
//! **The data.** The first `good` buildings of the demo district (real OpenStreetMap
//! buildings, NGSI-LD) and then `hostile` entities of type Building, made by
//! [`super::hostile_cases`]: NaN, infinite and 1e308 coordinates and heights, rings of 10⁵
//! and 10⁶ corners, 5,000 holes, MultiPolygons of 10⁴ parts, spikes, repeated and collinear
//! points, zero-area, self-touching and self-crossing rings, 10⁴-deep JSON, 10 MB strings,
//! ids used twice, values of the wrong type, geometry types that are not footprints. Each
//! case says whether it should be drawn (a repeated point is cleaned, a 10 MB name clipped)
//! or skipped.
//!
//! **The three readers**, each a process of its own whose peak memory (`VmHWM`) is followed:
//! `citytwin check --file` on the data as one JSON array; a `citytwin broker` that every
//! entity is POSTed to one by one (four at a time), then `citytwin check --broker` reading it
//! back; and the viewer on the file (`--frame-stats`, under `xvfb-run` when there is no
//! display) until its first complete frame. For each: seconds, peak memory, buildings drawn,
//! and `unexpected`: every case whose outcome is not the expected one (none when all is well),
//! and `panics` (lines saying a thread panicked).

use super::hostile_cases::{Case, Expect, cases};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A process run to its end: status, output and error text, seconds and peak memory (MB).
struct Measured {
    ok: bool,
    stdout: String,
    stderr: String,
    seconds: f64,
    peak_mb: Option<f64>,
}

/// The peak resident memory of process `pid` so far (MB), from `/proc`.
fn peak_of(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs `cmd` to its end, following its peak memory.
fn measure(cmd: &mut Command) -> Result<Measured, String> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start citytwin: {e}"))?;
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let mut peak: Option<f64> = None;
    let status = loop {
        if let Some(p) = peak_of(child.id()) {
            peak = Some(peak.map_or(p, |q| q.max(p)));
        }
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ok(Measured {
        ok: status.success(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        seconds: started.elapsed().as_secs_f64(),
        peak_mb: peak,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The outcome of a `check --json` report against the cases: drawn, skipped, and every case
/// that did not end as expected. `refused` holds the cases a broker refused (skipped with
/// that reason): right for any hostile case (a broker may be stricter than the viewer, as with
/// an attribute without a value), wrong for a good building.
fn judge(report: &Value, cases: &[Case], refused: &HashMap<usize, String>) -> Value {
    let mut reasons: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in report["skipped"].as_array().into_iter().flatten() {
        if let (Some(id), Some(r)) = (s["id"].as_str(), s["reason"].as_str()) {
            reasons.entry(id).or_default().push(r);
        }
    }
    let mut unexpected = Vec::new();
    let mut expected_drawn = 0;
    let mut by_kind: BTreeMap<&str, (usize, Option<String>)> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        let entry = by_kind.entry(c.kind).or_default();
        entry.0 += 1;
        let found = reasons.get(c.id.as_str());
        // A case that uses another's id is found by its reason.
        let skipped_reason = match (refused.get(&i), found) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(rs)) if c.kind == "duplicate_id" => rs
                .iter()
                .find(|r| r.contains("same id"))
                .map(|r| (*r).to_owned()),
            // Skipped attributes leave the entity drawn.
            (None, Some(rs)) => rs
                .iter()
                .find(|r| !r.contains("same id") && !r.starts_with("attribute `"))
                .map(|r| (*r).to_owned()),
            (None, None) => None,
        };
        if entry.1.is_none() {
            entry.1.clone_from(&skipped_reason);
        }
        let expect = if refused.contains_key(&i) && c.kind != "good" {
            Expect::Skipped
        } else {
            c.expect
        };
        match (expect, &skipped_reason) {
            (Expect::Drawn, None) => expected_drawn += 1,
            (Expect::Skipped, Some(_)) => {}
            (Expect::Drawn, Some(r)) => unexpected
                .push(json!({"id": c.id, "kind": c.kind, "expected": "drawn", "reason": r})),
            (Expect::Skipped, None) => unexpected
                .push(json!({"id": c.id, "kind": c.kind, "expected": "skipped", "reason": null})),
        }
    }
    let drawn = report["buildings"].as_u64().unwrap_or(0) as usize;
    if drawn != expected_drawn {
        unexpected.push(json!({"expected_drawn": expected_drawn, "drawn": drawn}));
    }
    let kinds: BTreeMap<&str, Value> = by_kind
        .into_iter()
        .map(|(k, (n, r))| (k, json!({"count": n, "reason": r})))
        .collect();
    json!({"drawn": drawn, "expected_drawn": expected_drawn,
           "skipped": report["skipped"].as_array().map_or(0, Vec::len),
           "unexpected": unexpected.into_iter().take(20).collect::<Vec<_>>(), "kinds": kinds})
}

fn panics(text: &str) -> usize {
    text.lines().filter(|l| l.contains("panicked at")).count()
}

/// The cases as one JSON array, written to `path`.
fn write_file(cases: &[Case], path: &Path) -> Result<f64, String> {
    let mut text = String::with_capacity(cases.iter().map(|c| c.json.len() + 2).sum::<usize>() + 2);
    text.push('[');
    for (i, c) in cases.iter().enumerate() {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&c.json);
    }
    text.push(']');
    std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(text.len() as f64 / 1e6)
}

/// Runs the benchmark; `log` gets progress lines.
pub fn run(
    good: usize,
    hostile: usize,
    viewer: bool,
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find citytwin itself: {e}"))?;
    let dir = std::env::temp_dir().join(format!("citytwin-bench-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = run_in(&exe, &dir, good, hostile, viewer, log);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(
    exe: &Path,
    dir: &Path,
    good: usize,
    hostile: usize,
    viewer: bool,
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    let cases = cases(good, hostile)?;
    let file = dir.join("hostile.json");
    let file_mb = write_file(&cases, &file)?;
    log(&format!(
        "{} entities, {file_mb:.0} MB written to {}",
        cases.len(),
        file.display()
    ));
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        "[data]\ncache = \"off\"\n[sensors]\nmax_labels = 0\n",
    )
    .map_err(|e| e.to_string())?;

    log("citytwin check --file");
    let check = measure(
        Command::new(exe)
            .args(["check", "--json", "--config"])
            .arg(&config)
            .arg("--file")
            .arg(&file)
            .env("RUST_LOG", "error"),
    )?;
    let report: Value = serde_json::from_str(&check.stdout)
        .map_err(|e| format!("check wrote no report ({e}): {}", check.stderr))?;
    let mut check_json = judge(&report, &cases, &HashMap::new());
    check_json["seconds"] = json!(round2(check.seconds));
    check_json["peak_rss_mb"] = json!(check.peak_mb.map(|m| m.round()));
    check_json["exit_ok"] = json!(check.ok);
    check_json["panics"] = json!(panics(&check.stderr));

    log("citytwin broker, each entity POSTed");
    let broker_json = through_broker(exe, &config, &cases, log)?;

    let viewer_json = if viewer {
        log("the viewer on the file");
        on_viewer(&config, &file)
    } else {
        json!(null)
    };
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        *kinds.entry(c.kind).or_default() += 1;
    }
    Ok(json!({
        "good": good,
        "hostile": hostile,
        "file_mb": round2(file_mb),
        "cases_by_kind": kinds,
        "check": check_json,
        "broker": broker_json,
        "viewer": viewer_json,
    }))
}

/// The cases POSTed to a `citytwin broker` process one by one, then read back by `check
/// --broker`.
fn through_broker(
    exe: &Path,
    config: &Path,
    cases: &[Case],
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut broker = Command::new(exe)
        .args([
            "broker",
            "--db",
            ":memory:",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the broker: {e}"))?;
    let pid = broker.id();
    let stderr = broker.stderr.take();
    let broker_err = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut r) = stderr {
            let _ = r.read_to_string(&mut s);
        }
        s
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let _ = broker.kill();
            return Err("the broker did not start listening".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = Instant::now();
    let answers = post_all(&url, cases);
    let post_s = started.elapsed().as_secs_f64();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let max_body = crate::config::Config::default().local_broker.max_body_mb * 1e6;
    let mut refused = HashMap::new();
    let mut failures = Vec::new();
    for (i, a) in answers.into_iter().enumerate() {
        match a {
            Ok((status, title)) => {
                *statuses.entry(status.to_string()).or_default() += 1;
                if status >= 500 {
                    failures
                        .push(json!({"id": cases[i].id, "kind": cases[i].kind, "status": status}));
                } else if status >= 400 {
                    refused.insert(i, format!("refused by the broker: {status} {title}"));
                }
            }
            // A broker may close the connection on a body over its limit before it is sent
            // whole, instead of answering 413.
            Err(_) if cases[i].json.len() as f64 > max_body => {
                *statuses
                    .entry("closed on an oversized body".into())
                    .or_default() += 1;
                refused.insert(i, "refused by the broker: body over its limit".to_owned());
            }
            Err(e) => failures.push(json!({"id": cases[i].id, "kind": cases[i].kind, "error": e})),
        }
    }
    log(&format!("POSTed in {post_s:.1} s; citytwin check --broker"));
    let check = measure(
        Command::new(exe)
            .args(["check", "--json", "--config"])
            .arg(config)
            .args(["--broker", &url])
            .env("RUST_LOG", "error"),
    );
    let broker_peak = peak_of(pid);
    let _ = broker.kill();
    let _ = broker.wait();
    let broker_stderr = broker_err.join().unwrap_or_default();
    let check = check?;
    let report: Value = serde_json::from_str(&check.stdout)
        .map_err(|e| format!("check --broker wrote no report ({e}): {}", check.stderr))?;
    let mut out = judge(&report, cases, &refused);
    out["post_seconds"] = json!(round2(post_s));
    out["statuses"] = json!(statuses);
    out["failures"] = json!(failures.into_iter().take(20).collect::<Vec<_>>());
    out["broker_peak_rss_mb"] = json!(broker_peak.map(f64::round));
    out["check_seconds"] = json!(round2(check.seconds));
    out["check_peak_rss_mb"] = json!(check.peak_mb.map(f64::round));
    out["panics"] = json!(panics(&broker_stderr) + panics(&check.stderr));
    Ok(out)
}

/// Each case POSTed to `/ngsi-ld/v1/entities`, four at a time: the status and the
/// ProblemDetails' title, or why there was no answer.
fn post_all(url: &str, cases: &[Case]) -> Vec<Result<(u16, String), String>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        return vec![Err("no runtime".into()); cases.len()];
    };
    let http = reqwest::Client::new();
    let endpoint = format!("{url}/ngsi-ld/v1/entities");
    rt.block_on(async {
        use tokio::sync::Semaphore;
        let permits = std::sync::Arc::new(Semaphore::new(4));
        let mut tasks = Vec::with_capacity(cases.len());
        for c in cases {
            let (http, endpoint, body) = (http.clone(), endpoint.clone(), c.json.clone());
            let permit = permits.clone().acquire_owned().await;
            tasks.push(tokio::spawn(async move {
                let _permit = permit;
                // The demo's entities carry their @context.
                let kind = if body.contains("\"@context\"") {
                    "application/ld+json"
                } else {
                    "application/json"
                };
                let r = http
                    .post(&endpoint)
                    .header("Content-Type", kind)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                Ok((
                    status,
                    body["title"].as_str().unwrap_or_default().to_owned(),
                ))
            }));
        }
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await.unwrap_or_else(|e| Err(e.to_string())));
        }
        out
    })
}

/// The viewer on the file until its first complete frame, and the frames after.
fn on_viewer(config: &Path, file: &Path) -> Value {
    let viewer = match super::Viewer::start(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--file".as_ref(),
        file.as_os_str(),
        "--frame-stats".as_ref(),
        "--size".as_ref(),
        "1280x800".as_ref(),
    ]) {
        Ok(v) => v,
        Err(e) => return json!({"error": e}),
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    let (mut buildings, mut complete, mut frames) = (None, None, None);
    while Instant::now() < deadline && frames.is_none() {
        let Ok(line) = viewer.lines.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        match v["event"].as_str() {
            Some("all_buildings_in_scene") => buildings = v["buildings"].as_u64(),
            Some("first_complete_frame") => complete = v["seconds"].as_f64(),
            Some("frames") if complete.is_some() => frames = Some(v),
            _ => {}
        }
    }
    json!({
        "buildings": buildings,
        "first_complete_frame_s": complete,
        "frame_p50_ms": frames.as_ref().and_then(|f| f["frame_p50_ms"].as_f64()),
        "peak_rss_mb": frames.as_ref().and_then(|f| f["peak_rss_mb"].as_f64()),
    })
}
