//! `citytwin check`: load data without a window or GPU and report what would be drawn.

pub mod ground;
pub mod terrain;
pub mod tileset;

use crate::city::{self, LoadError};
use crate::config::{Config, SourceSetting};
use crate::demo::Demo;
use crate::geometry::extrude::Palette;
use crate::language::text::thousands;
use crate::ngsi_ld::SkippedItem;
use crate::scenario::{self, Kpis, Scenario};
use crate::source::Source;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

/// What `check` found. Serialised as the `--json` output; the keys `entities`, `buildings`,
/// `triangles`, `skipped` and `seconds` are a stable interface.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// What was read.
    pub source: String,
    /// Entities read.
    pub entities: usize,
    /// Entities read, by type.
    pub entities_by_type: BTreeMap<String, usize>,
    /// Buildings meshed.
    pub buildings: usize,
    /// Triangles in all building meshes.
    pub triangles: usize,
    /// Triangles in the simpler meshes drawn from afar (`buildings.simple_beyond`).
    pub far_triangles: usize,
    /// Triangles in the simplest meshes, drawn from four times as far.
    pub farthest_triangles: usize,
    /// Tiles (meshes, and so draw calls for buildings).
    pub tiles: usize,
    /// Sensors placed.
    pub sensors: usize,
    /// Sensors placed, by layer name.
    pub sensors_by_layer: BTreeMap<String, usize>,
    /// Buildings by where their height came from (`data`, `floors`, `default`).
    pub height_sources: BTreeMap<String, usize>,
    /// Everything not drawn, with the reason.
    pub skipped: Vec<SkippedItem>,
    /// Buildings that took unusually long to decode and check (0.1 s or more each).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slow: Vec<crate::city::SlowBuilding>,
    /// Scene origin `[longitude, latitude]`.
    pub origin: [f64; 2],
    /// Projected CRS used.
    pub crs: String,
    /// Seconds from start to the last mesh built.
    pub seconds: f64,
    /// The KPIs of the first scenario (`--scenario FILE`, else the configuration's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Kpis>,
    /// The KPIs of every scenario, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Kpis>,
    /// Where a scenario does not match the baseline (an id that is not in it), and what it
    /// adds that could not be placed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenario_warnings: Vec<String>,
    /// The ground features drawn, by class (`streets`, `water`, `parks`, …); empty when no
    /// ground source is configured.
    pub ground: BTreeMap<String, usize>,
    /// The rest of the ground's report: triangles, skipped features, problems, credits.
    pub ground_details: ground::GroundReport,
    /// The terrain (`--dem FILE` or `[terrain] file`): the DEM's `crs`, `width`, `height`,
    /// `min_m`, `max_m`, and its grid and tiles in the scene.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dem: Option<terrain::TerrainReport>,
    /// The 3D Tiles tileset given with `--tileset`: `version`, `tiles`, `content` kinds
    /// counted, `root_lonlat`, `geometric_error`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tileset: Option<crate::tiles3d::TilesetReport>,
}

/// `citytwin check`: prints the report (JSON with `json`); status 3 with `strict` when
/// anything was skipped.
pub fn command(
    config: &Config,
    json: bool,
    strict: bool,
    types: &[String],
    tileset: Option<&str>,
) -> ExitCode {
    super::init_logs("warn");
    let broker = || crate::tileset_feed::broker_of(config);
    let tileset = match tileset.map(|t| tileset::report(t, broker())) {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
        None => None,
    };
    // A wrong scenario file stops the check before the city is read.
    let mut scenarios = Vec::new();
    for s in scenario::load_configured(config) {
        match s {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                eprintln!("error: scenario {e}");
                return ExitCode::from(2);
            }
        }
    }
    let result = run_configured(config, types, &scenarios).map(|mut r| {
        r.tileset = tileset;
        r
    });
    crate::worker::warn_about_stray_threads();
    match result {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else {
                print!("{}", report.to_text());
            }
            if strict && !report.skipped.is_empty() {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Checks the source the configuration names, as the viewer reads it: the demo district
/// through a local broker started for the purpose, a broker through the client (asking for
/// `types`, by default the building type and the types of the sensor layers), or a file.
pub fn run_configured(
    config: &Config,
    types: &[String],
    scenarios: &[Scenario],
) -> Result<CheckReport, LoadError> {
    let types = if types.is_empty() {
        config.entity_types()
    } else {
        types.to_vec()
    };
    with_source(config, types, |source| run(source, config, scenarios))
}

/// Runs `work` on the source the configuration names, asking a broker for `types`: the demo
/// district through a local broker started for the purpose (and stopped after), a broker, or
/// a file.
pub fn with_source<T>(
    config: &Config,
    types: Vec<String>,
    work: impl FnOnce(&Source) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    if config.data.source == SourceSetting::Demo {
        let demo = Demo::start(config)?;
        let mut broker = demo.source().clone();
        broker.types = types;
        let result = work(&Source::Broker(Box::new(broker)));
        demo.stop();
        return result;
    }
    let mut source = Source::from_config(config)?;
    if let Source::Broker(b) = &mut source {
        b.types = types;
    }
    work(&source)
}

/// Loads and meshes `source` as the viewer would, and counts; the KPIs of `scenarios`
/// against it.
pub fn run(
    source: &Source,
    config: &Config,
    scenarios: &[Scenario],
) -> Result<CheckReport, LoadError> {
    let started = Instant::now();
    let model = city::load(source, config)?;
    let (_, stats) =
        city::tiles::build_configured(&model.buildings, &config.buildings, &Palette::default());
    let mut height_sources = BTreeMap::new();
    for b in &model.buildings {
        *height_sources
            .entry(b.height_source.label().to_owned())
            .or_insert(0) += 1;
    }
    let layers = crate::city::sensor::SensorLayer::all(config);
    let mut sensors_by_layer = BTreeMap::new();
    for s in &model.sensors {
        *sensors_by_layer
            .entry(
                layers[s.layer]
                    .name
                    .get(crate::language::Language::English)
                    .to_owned(),
            )
            .or_insert(0) += 1;
    }
    let ground = ground::report(config, &model);
    let dem = match terrain::report(config, Some((model.origin, model.crs.as_str()))) {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => return Err(LoadError::Data(e)),
        None => None,
    };
    let settings = crate::city::decode::DecodeSettings::from_config(config);
    let mut kpis = Vec::new();
    let mut scenario_warnings = Vec::new();
    for s in scenarios {
        let e = scenario::evaluate(s, &model, &settings).map_err(LoadError::Data)?;
        scenario_warnings.extend(e.warnings.iter().map(|w| format!("{}: {w}", s.name)));
        kpis.push(e.kpis);
    }
    Ok(CheckReport {
        scenario: kpis.first().cloned(),
        scenarios: if kpis.len() > 1 { kpis } else { Vec::new() },
        scenario_warnings,
        sensors: model.sensors.len(),
        sensors_by_layer,
        source: model.source_label,
        entities: model.entities_read,
        entities_by_type: model.entities_by_type,
        buildings: model.buildings.len(),
        triangles: stats.triangles,
        far_triangles: stats.far_triangles,
        farthest_triangles: stats.farthest_triangles,
        tiles: stats.tiles,
        height_sources,
        skipped: model.skipped,
        slow: model.slow,
        origin: [model.origin.lon, model.origin.lat],
        crs: model.crs,
        seconds: started.elapsed().as_secs_f64(),
        ground: ground.drawn.clone(),
        ground_details: ground,
        dem,
        tileset: None,
    })
}

impl CheckReport {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let by_type: Vec<String> = self
            .entities_by_type
            .iter()
            .map(|(k, v)| format!("{k} {}", thousands(*v)))
            .collect();
        let heights: Vec<String> = self
            .height_sources
            .iter()
            .map(|(k, v)| format!("{} from {k}", thousands(*v)))
            .collect();
        let _ = writeln!(t, "citytwin check: {}", self.source);
        let _ = writeln!(
            t,
            "  entities read     {} ({})",
            thousands(self.entities),
            by_type.join(", ")
        );
        let _ = writeln!(
            t,
            "  buildings meshed  {} in {} tiles, {} triangles ({} from afar, {} from farther)",
            thousands(self.buildings),
            self.tiles,
            thousands(self.triangles),
            thousands(self.far_triangles),
            thousands(self.farthest_triangles)
        );
        if !heights.is_empty() {
            let _ = writeln!(t, "  heights           {}", heights.join(", "));
        }
        let layers: Vec<String> = self
            .sensors_by_layer
            .iter()
            .map(|(k, v)| format!("{k} {}", thousands(*v)))
            .collect();
        let _ = writeln!(
            t,
            "  sensors placed    {}{}",
            thousands(self.sensors),
            if layers.is_empty() {
                String::new()
            } else {
                format!(" ({})", layers.join(", "))
            }
        );
        if !self.ground.is_empty() || !self.ground_details.problems.is_empty() {
            let classes: Vec<String> = self
                .ground
                .iter()
                .map(|(k, v)| format!("{k} {}", thousands(*v)))
                .collect();
            let g = &self.ground_details;
            let _ = writeln!(
                t,
                "  ground drawn      {} ({} triangles in {} tiles; {} not drawn)",
                classes.join(", "),
                thousands(g.triangles),
                g.tiles,
                thousands(g.skipped.len())
            );
            for p in &g.problems {
                let _ = writeln!(t, "  ground problem    {p}");
            }
        }
        if let Some(d) = &self.dem {
            let _ = writeln!(
                t,
                "  terrain           {} × {} pixels in {}, {:.1} to {:.1} m; {} tiles in {} levels{}",
                thousands(d.dem.width),
                thousands(d.dem.height),
                d.dem.crs,
                d.dem.min_m,
                d.dem.max_m,
                thousands(d.tiles),
                d.levels,
                d.away_from_city_km
                    .map(|k| format!(" ({k:.0} km from the city: not under it)"))
                    .unwrap_or_default()
            );
        }
        if let Some(ts) = &self.tileset {
            let kinds: Vec<String> = ts.content.iter().map(|(k, n)| format!("{n} {k}")).collect();
            let _ = writeln!(
                t,
                "  3D Tiles          {} tiles ({}) in {} levels, version {}, root at {:.5}, {:.5}",
                thousands(ts.tiles),
                kinds.join(", "),
                ts.levels,
                ts.version,
                ts.root_lonlat[0],
                ts.root_lonlat[1]
            );
        }
        let _ = writeln!(t, "  skipped           {}", thousands(self.skipped.len()));
        for s in &self.skipped {
            let _ = writeln!(t, "    {}: {}", s.id, s.reason);
        }
        for s in &self.slow {
            let _ = writeln!(t, "  slow to check     {} ({:.2} s)", s.id, s.seconds);
        }
        let _ = writeln!(
            t,
            "  scene origin      {:.6}, {:.6} ({})",
            self.origin[0], self.origin[1], self.crs
        );
        let all: Vec<&Kpis> = if self.scenarios.is_empty() {
            self.scenario.iter().collect()
        } else {
            self.scenarios.iter().collect()
        };
        for k in all {
            let _ = writeln!(t, "  scenario          {}", k.name);
            for r in k.rows() {
                let _ = writeln!(
                    t,
                    "    {:<38} {:>12} {:>12} {:>12} {}",
                    r.label,
                    r.format(r.baseline),
                    r.format(r.scenario),
                    r.format(r.difference),
                    r.unit
                );
            }
        }
        for w in &self.scenario_warnings {
            let _ = writeln!(t, "  scenario warning  {w}");
        }
        let _ = writeln!(t, "  seconds           {:.2}", self.seconds);
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(7981), "7,981");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
