//! `citytwin bench buildings --count N`: how the building pipeline scales, batched into tiles
//! and, for reference, naive (one entity and one mesh per building).
//!
//! **The data.** The demo's 7,981 real OpenStreetMap buildings (Midtown Manhattan, NGSI-LD
//! `Building` entities) replicated side by side to `count` buildings: copy `k` of the district
//! is shifted east and north by whole district extents plus a 50 m gap, on a square grid of
//! copies, ids suffixed `:copyK`; the last copy is partial. Every building keeps its real
//! footprint, height and attributes.
//!
//! **The figures**, for each of the two scenes: `parse_s` (JSON → NGSI-LD entities),
//! `georef_s` (decoding, validation, projection to scene metres), `mesh_s` (extrusion into
//! tiles, or one mesh per building), `triangles`, `far_triangles` and `farthest_triangles` (in
//! the tiles' simpler meshes for views from `buildings.simple_beyond` and from four times as
//! far; 0 for the naive scene, drawn in full at any distance), `draw_calls` (meshes drawn: one per tile, or one per building; a tile draws its
//! full or its simpler mesh, never both), `bytes_per_building` (vertex and index data, both
//! meshes) and `first_frame_s`: the
//! viewer started on the replicated file (`--file … --frame-stats`, under `xvfb-run` when there
//! is no display), seconds from its start to the first frame with every building drawn
//! (`first_complete_frame`), or `null` with the reason in `first_frame_note`; and
//! `frame_p50_ms`, the median time of a still frame at full resolution: the frames the viewer
//! draws in two seconds from 2.5 s after it (it redraws continuously in `--frame-stats` mode
//! from the complete frame on, and has sharpened from its quick 40% resolution by then).

use crate::city::{self, tiles};
use crate::config::Config;
use crate::geometry::extrude::Palette;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `bench buildings` does.
#[derive(Debug, Clone)]
pub struct BuildingsBench {
    /// Buildings in the replicated city.
    pub count: usize,
    /// Start the viewer to time the first complete frame.
    pub first_frame: bool,
    /// Longest wait for a first frame (s).
    pub timeout_s: f64,
}

/// Gap between copies of the district (m).
const GAP_M: f64 = 50.0;

/// The demo district replicated to `count` buildings, as NGSI-LD JSON bytes; with a sentence
/// saying how.
pub fn replicate(count: usize) -> Result<(Vec<u8>, String), String> {
    let demo = crate::source::demo_json().map_err(|e| e.to_string())?;
    let district: Vec<Value> = serde_json::from_slice(&demo).map_err(|e| e.to_string())?;
    let n = district.len();
    if n == 0 {
        return Err("the demo district is empty".to_owned());
    }
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for e in &district {
        if let Some(c) = e.pointer("/location/value/coordinates") {
            each_position(c, &mut |lon, lat| {
                bbox = [
                    bbox[0].min(lon),
                    bbox[1].min(lat),
                    bbox[2].max(lon),
                    bbox[3].max(lat),
                ];
            });
        }
    }
    let mid_lat = ((bbox[1] + bbox[3]) / 2.0).to_radians();
    let gap_lat = GAP_M / 111_132.0;
    let gap_lon = GAP_M / (111_320.0 * mid_lat.cos());
    let (dx, dy) = (bbox[2] - bbox[0] + gap_lon, bbox[3] - bbox[1] + gap_lat);
    let copies = count.div_ceil(n);
    let cols = (copies as f64).sqrt().ceil().max(1.0) as usize;
    let rows = copies.div_ceil(cols);
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let (copy, i) = (k / n, k % n);
        let mut e = district[i].clone();
        if copy > 0 {
            let (col, row) = ((copy % cols) as f64, (copy / cols) as f64);
            if let Some(id) = e.get("id").and_then(Value::as_str) {
                e["id"] = json!(format!("{id}:copy{copy}"));
            }
            if let Some(c) = e.pointer_mut("/location/value/coordinates") {
                shift(c, col * dx, row * dy);
            }
        }
        out.push(e);
    }
    let how = format!(
        "the demo's {n} OpenStreetMap buildings (Midtown Manhattan) copied {copies} times on a \
         {cols}×{rows} grid, each copy shifted by the district's extent plus {GAP_M} m, the last \
         copy partial"
    );
    let bytes = serde_json::to_vec(&out).map_err(|e| e.to_string())?;
    Ok((bytes, how))
}

fn each_position(v: &Value, f: &mut dyn FnMut(f64, f64)) {
    match v.as_array() {
        Some(a) if a.len() >= 2 && a[0].is_number() => {
            if let (Some(lon), Some(lat)) = (a[0].as_f64(), a[1].as_f64()) {
                f(lon, lat);
            }
        }
        Some(a) => a.iter().for_each(|x| each_position(x, f)),
        None => {}
    }
}

fn shift(v: &mut Value, dlon: f64, dlat: f64) {
    let Some(a) = v.as_array_mut() else {
        return;
    };
    if a.len() >= 2 && a[0].is_number() {
        if let (Some(lon), Some(lat)) = (a[0].as_f64(), a[1].as_f64()) {
            a[0] = json!(lon + dlon);
            a[1] = json!(lat + dlat);
        }
    } else {
        a.iter_mut().for_each(|x| shift(x, dlon, dlat));
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Times one scene: parse, georeference and mesh, and (if asked) the viewer's first complete
/// frame on `file`.
fn measure(
    bytes: &[u8],
    file: &Path,
    batch: bool,
    b: &BuildingsBench,
    config: &Config,
    log: &mut dyn FnMut(&str),
) -> Result<Value, String> {
    let what = if batch { "tiles" } else { "naive" };
    let t = Instant::now();
    let parsed = crate::source::parse_bytes(bytes, file).map_err(|e| e.to_string())?;
    let parse_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let model =
        city::from_entities(parsed.entities, config, &mut |_| {}).map_err(|e| e.to_string())?;
    let georef_s = t.elapsed().as_secs_f64();
    let palette = Palette::default();
    let t = Instant::now();
    let mut settings = config.buildings.clone();
    settings.batch = batch;
    let (_, stats) = tiles::build_configured(&model.buildings, &settings, &palette);
    let mesh_s = t.elapsed().as_secs_f64();
    let buildings = model.buildings.len();
    log(&format!(
        "{what}: {buildings} buildings, parse {parse_s:.2} s, georef {georef_s:.2} s, mesh {mesh_s:.2} s, {} draw calls",
        stats.tiles
    ));
    // Batched: twice, with the city cache on in a fresh folder: the first start reads the
    // file and writes the cache, the second starts from it.
    let cache = batch.then(|| file.with_extension("cache"));
    let timed = |cache: Option<&Path>| -> (Option<f64>, Option<f64>, Option<f64>, Option<String>) {
        if !b.first_frame {
            return (
                None,
                None,
                None,
                Some("not measured (--no-frame)".to_owned()),
            );
        }
        match first_frame(file, batch, b.timeout_s, cache) {
            Ok(f) => (
                Some(round3(f.first_s)),
                f.p50_ms.map(round3),
                f.peak_rss_mb.map(f64::round),
                None,
            ),
            Err(why) => (None, None, None, Some(why)),
        }
    };
    log(&format!("{what}: starting the viewer for the first frame"));
    let (first_frame_s, frame_p50_ms, peak_rss_mb, note) = timed(cache.as_deref());
    if let Some(s) = first_frame_s {
        log(&format!("{what}: first complete frame after {s:.2} s"));
    }
    let (cached_first_frame_s, cached_peak_rss_mb) = match &cache {
        Some(dir) if first_frame_s.is_some() => {
            log(&format!(
                "{what}: starting the viewer again, from the city cache"
            ));
            let (s, _, peak, _) = timed(Some(dir));
            if let Some(s) = s {
                log(&format!(
                    "{what}: first complete frame from the cache after {s:.2} s"
                ));
            }
            let _ = std::fs::remove_dir_all(dir);
            (s, peak)
        }
        _ => (None, None),
    };
    Ok(json!({
        "count": buildings,
        "parse_s": round3(parse_s),
        "georef_s": round3(georef_s),
        "mesh_s": round3(mesh_s),
        "first_frame_s": first_frame_s,
        "first_frame_note": note,
        "peak_rss_mb": peak_rss_mb,
        "cached_first_frame_s": cached_first_frame_s,
        "cached_peak_rss_mb": cached_peak_rss_mb,
        "frame_p50_ms": frame_p50_ms,
        "triangles": stats.triangles,
        "far_triangles": stats.far_triangles,
        "farthest_triangles": stats.farthest_triangles,
        "draw_calls": stats.tiles,
        "bytes_per_building": stats.bytes.checked_div(buildings).unwrap_or(0),
    }))
}

/// What one start of the viewer measured.
struct FirstFrame {
    /// Seconds to the first complete frame.
    first_s: f64,
    /// Median still frame after it (ms).
    p50_ms: Option<f64>,
    /// The viewer's peak resident memory by then (MB).
    peak_rss_mb: Option<f64>,
}

/// Starts the viewer on `file` (with the city cache in `cache`, if given) and waits for its
/// `first_complete_frame` line, then for the median frame time and peak memory of the next
/// report.
fn first_frame(
    file: &Path,
    batch: bool,
    timeout_s: f64,
    cache: Option<&Path>,
) -> Result<FirstFrame, String> {
    let config = file.with_extension("toml");
    let data = match cache {
        Some(dir) => format!(
            "[data]\ncache = \"on\"\ncache_dir = \"{}\"\n",
            dir.display()
        ),
        None => "[data]\ncache = \"off\"\n".to_owned(),
    };
    std::fs::write(
        &config,
        format!("{data}[buildings]\nbatch = {batch}\n[sensors]\nmax_labels = 0\n"),
    )
    .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let viewer = super::Viewer::start(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--file".as_ref(),
        file.as_os_str(),
        "--frame-stats".as_ref(),
        "--size".as_ref(),
        "1280x800".as_ref(),
    ])?;
    let rx = &viewer.lines;
    let mut deadline = Instant::now() + Duration::from_secs_f64(timeout_s);
    let mut result = Err(format!("no complete frame within {timeout_s} s"));
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                match (&result, v["event"].as_str()) {
                    (Err(_), Some("first_complete_frame")) => {
                        if let Some(s) = v["seconds"].as_f64() {
                            result = Ok(FirstFrame {
                                first_s: s,
                                p50_ms: None,
                                peak_rss_mb: None,
                            });
                            // The next report covers frames drawn after it.
                            deadline = Instant::now() + Duration::from_secs(30);
                        }
                    }
                    // A report of two seconds that start 2.5 s after the complete frame: the
                    // view has sharpened to full resolution by then (it is drawn at 40% while
                    // the city comes in, on a software renderer).
                    (Ok(f), Some("frames"))
                        if f.p50_ms.is_none() && v["t"].as_f64() >= Some(f.first_s + 4.5) =>
                    {
                        result = Ok(FirstFrame {
                            first_s: f.first_s,
                            p50_ms: v["frame_p50_ms"].as_f64(),
                            peak_rss_mb: v["peak_rss_mb"].as_f64(),
                        });
                        break;
                    }
                    _ => {}
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                result = Err("the viewer ended before a complete frame".to_owned());
                break;
            }
        }
    }
    drop(viewer);
    let _ = std::fs::remove_file(&config);
    result
}

/// Runs the benchmark; `log` gets progress lines.
pub fn run(b: &BuildingsBench, log: &mut dyn FnMut(&str)) -> Result<Value, String> {
    log(&format!(
        "replicating the demo district to {} buildings",
        b.count
    ));
    let (bytes, how) = replicate(b.count)?;
    let file: PathBuf = std::env::temp_dir().join(format!(
        "citytwin-bench-{}-{}.ngsild.json",
        b.count,
        std::process::id()
    ));
    std::fs::write(&file, &bytes).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let config = Config::default();
    let result = (|| {
        let mut report = measure(&bytes, &file, true, b, &config, log)?;
        let naive = measure(&bytes, &file, false, b, &config, log)?;
        let ratio = |key: &str| match (report[key].as_f64(), naive[key].as_f64()) {
            (Some(t), Some(n)) if t > 0.0 => json!(round3(n / t)),
            _ => Value::Null,
        };
        report["naive_over_tiles"] = json!({
            "first_frame_s": ratio("first_frame_s"),
            "draw_calls": ratio("draw_calls"),
            "frame_p50_ms": ratio("frame_p50_ms"),
            "mesh_s": ratio("mesh_s"),
        });
        report["naive"] = naive;
        report["data"] = json!(how);
        report["file_mb"] = json!(round3(bytes.len() as f64 / 1e6));
        Ok(report)
    })();
    let _ = std::fs::remove_file(&file);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_district_replicates_to_the_count_with_distinct_ids_side_by_side() {
        let (bytes, how) = replicate(20_000).unwrap();
        assert!(how.contains("3 times on a 2×2 grid"), "{how}");
        let v: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v.len(), 20_000);
        let ids: std::collections::HashSet<&str> =
            v.iter().filter_map(|e| e["id"].as_str()).collect();
        assert_eq!(ids.len(), 20_000, "ids are distinct");
        // The copies do not overlap: copy 1 lies wholly east of copy 0.
        let max_lon = |copy: &str| {
            let mut m = f64::MIN;
            for e in v.iter().filter(|e| {
                let id = e["id"].as_str().unwrap_or_default();
                if copy.is_empty() {
                    !id.contains(":copy")
                } else {
                    id.ends_with(copy)
                }
            }) {
                each_position(&e["location"]["value"]["coordinates"], &mut |lon, _| {
                    m = m.max(lon)
                });
            }
            m
        };
        let min_lon_copy1 = {
            let mut m = f64::MAX;
            for e in v
                .iter()
                .filter(|e| e["id"].as_str().unwrap_or_default().ends_with(":copy1"))
            {
                each_position(&e["location"]["value"]["coordinates"], &mut |lon, _| {
                    m = m.min(lon)
                });
            }
            m
        };
        assert!(
            min_lon_copy1 > max_lon(""),
            "{min_lon_copy1} vs {}",
            max_lon("")
        );
    }
}
