//! `citytwin shadow`: a sun-hours study without a window. For a date and an area (a
//! scenario's site, `--site FILE`, or `--bbox`), the hours of sun of each ground cell among
//! the buildings, for the baseline and (with `--scenario`) the scenario, summarised beside
//! the BRE and Boverket criteria; and the hours at given points.

use super::check::with_source;
use crate::city::{self, CityModel, LoadError};
use crate::config::Config;
use crate::geometry::Footprint;
use crate::georef::{Georef, LonLat};
use crate::scenario::{self, Area, Scenario};
use crate::sunlight::{self, Grid, Occluders, Progress, Summary, samples};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The most cells a study takes (8 km² at 2 m).
pub const MAX_CELLS: usize = 2_000_000;

/// What to study.
#[derive(Debug, Clone)]
pub struct ShadowOptions {
    /// The day, at the place.
    pub date: NaiveDate,
    /// The scenario file, if any.
    pub scenario: Option<PathBuf>,
    /// A GeoJSON polygon to study.
    pub site: Option<PathBuf>,
    /// A box to study, `[west, south, east, north]` in degrees.
    pub bbox: Option<[f64; 4]>,
    /// Cell size (m).
    pub cell_m: f64,
    /// Minutes between samples of the sun.
    pub step_min: f64,
    /// Points to read, `[lon, lat]`.
    pub points: Vec<[f64; 2]>,
    /// Write the grid as CSV here (and the scenario's beside it, `-scenario` added).
    pub csv: Option<PathBuf>,
    /// Metres of ground around the area that count too.
    pub margin_m: f64,
}

/// Runs the command: prints the JSON report (`--json`) or its text.
pub fn command(config: &Config, options: &ShadowOptions, json: bool) -> ExitCode {
    super::init_logs("warn");
    if !((0.25..=100.0).contains(&options.cell_m) && (1.0..=120.0).contains(&options.step_min)) {
        eprintln!("citytwin shadow: --cell must be 0.25–100 m and --step-min 1–120 minutes");
        return ExitCode::from(2);
    }
    let scenario = match &options.scenario {
        Some(p) => match Scenario::load(p) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("citytwin shadow: scenario {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let site = match &options.site {
        Some(p) => match Area::read(p, &p.display().to_string()) {
            Ok(a) => Some(a),
            Err(e) => {
                eprintln!("citytwin shadow: --site {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let types = vec![config.data.building_type.clone()];
    let model = with_source(config, types, |source| city::load(source, config));
    crate::worker::warn_about_stray_threads();
    let model = match model {
        Ok(m) => m,
        Err(e) => return super::fail(e),
    };
    match run(config, &model, scenario.as_ref(), site.as_ref(), options) {
        Ok(report) => {
            if json {
                println!("{report}");
            } else {
                print!("{}", to_text(&report));
            }
            ExitCode::SUCCESS
        }
        Err(Failure::Input(why)) => {
            eprintln!("citytwin shadow: {why}");
            ExitCode::from(2)
        }
        Err(Failure::Load(e)) => super::fail(e),
    }
}

/// Why a study could not run.
#[derive(Debug)]
pub enum Failure {
    /// The arguments do not fit the data (an area outside the scene, too many cells).
    Input(String),
    /// The data could not be read.
    Load(LoadError),
}

/// The study of `model` (and `scenario` against it) as the JSON report `shadow --json`
/// prints; the area is `site`, else `--bbox`, else the scenario's site.
pub fn run(
    config: &Config,
    model: &CityModel,
    scenario: Option<&Scenario>,
    site: Option<&Area>,
    options: &ShadowOptions,
) -> Result<Value, Failure> {
    let started = Instant::now();
    let georef = Georef::new(model.origin, Some(&model.crs))
        .map_err(|e| Failure::Load(LoadError::Data(e.to_string())))?;
    let origin = [model.origin.lon, model.origin.lat];
    let zone = config.scene.zone_at(origin);
    let path = samples::path(options.date, zone, origin, options.step_min);
    let applied = match scenario {
        Some(s) => {
            let settings = city::decode::DecodeSettings::from_config(config);
            Some(scenario::apply(s, model, &settings).map_err(Failure::Input)?)
        }
        None => None,
    };
    // The area: a site file, a box, or the scenario's site.
    let footprint: Option<Footprint> = if let Some(a) = site {
        Some(a.project(&georef).map_err(Failure::Input)?)
    } else if let Some(b) = options.bbox {
        Some(bbox_area(&georef, b).map_err(Failure::Input)?)
    } else {
        applied.as_ref().and_then(|a| a.site.clone())
    };
    let area = footprint.map(|footprint| sunlight::StudyArea {
        footprint,
        margin: options.margin_m.max(0.0),
    });
    let grid = match &area {
        Some(a) => Some(Grid::covering(a.bounds(), options.cell_m, MAX_CELLS).ok_or_else(|| {
            Failure::Input(format!(
                "the area needs more than {} cells of {} m; give a smaller area or a larger --cell",
                crate::language::text::thousands(MAX_CELLS),
                options.cell_m
            ))
        })?),
        None => None,
    };
    if grid.is_none() && options.points.is_empty() {
        return Err(Failure::Input(
            "nothing to study: give --site, --bbox, a scenario with a site, or --point".into(),
        ));
    }
    let points: Vec<[f64; 2]> = options
        .points
        .iter()
        .map(|p| {
            georef
                .lonlat_to_scene(LonLat::new(p[0], p[1]), 0.0)
                .map(|s| [s[0], -s[2]])
                .map_err(|e| Failure::Input(format!("--point {},{}: {e}", p[0], p[1])))
        })
        .collect::<Result<_, _>>()?;
    let centre = grid.map_or(points.first().copied().unwrap_or([0.0, 0.0]), |g| {
        g.centre()
    });
    let convergence = sunlight::grid_convergence_deg(&georef);
    // On a configured terrain the cells lie on it and its hills shade them.
    let terrain = match crate::terrain::configured(config, model.origin, &model.crs) {
        Some(Ok(grid)) => Some(sunlight::TerrainSurface::new(grid)),
        Some(Err(e)) => {
            tracing::warn!("{e}; the study is made on flat ground");
            None
        }
        None => None,
    };
    let to_lonlat = |p: [f64; 2]| {
        georef
            .scene_to_lonlat([p[0], 0.0, -p[1]])
            .ok()
            .map(|(l, _)| [l.lon, l.lat])
    };
    let mut report = json!({
        "date": options.date.to_string(),
        "time_zone": zone.name(),
        "sunrise": path.sunrise.map(|t| rfc3339(t, zone)),
        "sunset": path.sunset.map(|t| rfc3339(t, zone)),
        "day_length_h": round(path.day_length_h, 4),
        "step_min": options.step_min,
        "cell_m": options.cell_m,
        "samples": path.samples.len(),
        "on_terrain": terrain.is_some(),
    });
    let mut summaries = Vec::new();
    let mut rays = 0u64;
    let mut trace_s = 0.0;
    let mut bvh_s = 0.0;
    let mut triangles = 0;
    let mut variants = vec![("baseline", None)];
    if let Some(a) = &applied {
        variants.push(("scenario", Some(a)));
    }
    for (name, scenario) in variants {
        let t = Instant::now();
        let standing = scenario::standing(model, scenario);
        let occluders = Occluders::on_terrain(standing, centre, convergence, terrain.clone());
        bvh_s += t.elapsed().as_secs_f64();
        triangles = triangles.max(occluders.bvh.len());
        let t = Instant::now();
        // Cells outside the area are not counted (NaN), in the figures and the CSV.
        let hours = grid.zip(area.as_ref()).and_then(|(g, a)| {
            sunlight::study_area(
                &occluders,
                &path,
                g,
                a,
                &crate::cancel::Cancel::new(),
                &Progress::default(),
            )
        });
        trace_s += t.elapsed().as_secs_f64();
        let summary = match &hours {
            Some(h) => Summary::of(h, |_| true),
            None => Summary {
                cells: 0,
                mean_sun_hours: None,
                share_at_least_2h: None,
                share_at_least_5h_9_to_17: None,
            },
        };
        rays += hours.as_ref().map_or(0, |h| h.rays);
        let readings: Vec<Value> = options
            .points
            .iter()
            .zip(&points)
            .map(|(ll, p)| {
                let h = sunlight::sun_hours_at(&occluders, &path, *p);
                json!({"lon": ll[0], "lat": ll[1], "sun_hours": h.map(|h| round(h.0, 3))})
            })
            .collect();
        if let (Some(h), Some(file)) = (&hours, &options.csv) {
            let file = if name == "baseline" {
                file.clone()
            } else {
                with_suffix(file, "-scenario")
            };
            std::fs::write(&file, h.to_csv(to_lonlat))
                .map_err(|e| Failure::Input(format!("cannot write {}: {e}", file.display())))?;
        }
        let mut v = summary_json(&summary);
        v["points"] = Value::Array(readings);
        report[name] = v;
        summaries.push(summary);
    }
    if let [base, scen] = &summaries[..]
        && let (Some(b), Some(s)) = (base.share_at_least_2h, scen.share_at_least_2h)
    {
        // BRE: an amenity area keeps at least 0.8 of its former share with 2 hours.
        report["scenario"]["share_at_least_2h_ratio"] = json!((b > 0.0).then(|| round(s / b, 4)));
    }
    report["grid_cells"] = json!(grid.map_or(0, |g| g.len()));
    report["triangles"] = json!(triangles);
    report["rays"] = json!(rays);
    report["bvh_seconds"] = json!(round(bvh_s, 3));
    report["trace_seconds"] = json!(round(trace_s, 3));
    report["rays_per_second"] = json!((trace_s > 0.0).then(|| (rays as f64 / trace_s).round()));
    report["threads"] = json!(std::thread::available_parallelism().map_or(1, |n| n.get()));
    report["seconds"] = json!(round(started.elapsed().as_secs_f64(), 3));
    Ok(report)
}

/// A box in degrees as a quadrilateral in the scene.
pub fn bbox_area(georef: &Georef, [w, s, e, n]: [f64; 4]) -> Result<Footprint, String> {
    let corners = [[w, s], [e, s], [e, n], [w, n], [w, s]];
    let ring: Vec<[f64; 2]> = corners
        .iter()
        .map(|c| {
            georef
                .lonlat_to_scene(LonLat::new(c[0], c[1]), 0.0)
                .map(|p| [p[0], -p[2]])
                .map_err(|e| format!("--bbox: {e}"))
        })
        .collect::<Result<_, _>>()?;
    Footprint::new(vec![vec![ring]]).map_err(|e| format!("--bbox: {e}"))
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "cells": s.cells,
        "mean_sun_hours": s.mean_sun_hours.map(|v| round(v, 3)),
        "share_at_least_2h": s.share_at_least_2h.map(|v| round(v, 4)),
        "share_at_least_5h_9_to_17": s.share_at_least_5h_9_to_17.map(|v| round(v, 4)),
    })
}

fn rfc3339(t: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    t.with_timezone(&zone)
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn round(v: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (v * k).round() / k
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let ext = file
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()));
    file.with_file_name(format!("{stem}{suffix}{}", ext.unwrap_or_default()))
}

/// The report as text.
fn to_text(r: &Value) -> String {
    let mut t = format!(
        "Sun-hours on {} ({}): sunrise {}, sunset {}, {:.2} h of daylight; {} min steps, {} m cells\n",
        r["date"].as_str().unwrap_or(""),
        r["time_zone"].as_str().unwrap_or(""),
        r["sunrise"].as_str().unwrap_or("none"),
        r["sunset"].as_str().unwrap_or("none"),
        r["day_length_h"].as_f64().unwrap_or(0.0),
        r["step_min"],
        r["cell_m"],
    );
    let pct = |v: &Value| {
        v.as_f64()
            .map_or("–".to_owned(), |x| format!("{:.1} %", x * 100.0))
    };
    for name in ["baseline", "scenario"] {
        let v = &r[name];
        if v.is_null() {
            continue;
        }
        t.push_str(&format!(
            "{name}: {} cells, mean {} h of sun; ≥ 2 h (BRE BR 209): {}; ≥ 5 h 09–17 (Boverket Solklart): {}\n",
            v["cells"],
            v["mean_sun_hours"].as_f64().map_or("–".to_owned(), |x| format!("{x:.2}")),
            pct(&v["share_at_least_2h"]),
            pct(&v["share_at_least_5h_9_to_17"]),
        ));
        for p in v["points"].as_array().into_iter().flatten() {
            t.push_str(&format!(
                "  {},{}: {}\n",
                p["lon"],
                p["lat"],
                p["sun_hours"]
                    .as_f64()
                    .map_or("under a building".to_owned(), |h| format!(
                        "{h:.2} h of sun"
                    ))
            ));
        }
    }
    t.push_str(&format!(
        "{} rays in {} s ({} rays/s on {} threads)\n",
        r["rays"], r["trace_seconds"], r["rays_per_second"], r["threads"]
    ));
    t
}
