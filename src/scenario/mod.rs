//! Planning scenarios: a proposal as a second building set beside the baseline city. No Bevy.
//!
//! A scenario is a TOML file with its assets beside it (paths relative to the file): a name,
//! an optional description and site, baseline buildings it removes (by id, or every one whose
//! footprint centroid lies inside a polygon), buildings it adds (GeoJSON footprints, NGSI-LD
//! Buildings, CityJSON, or glTF models placed like `[models.*]`), and baseline buildings it
//! draws in another colour. [`Scenario::load`] reads one, refusing a wrong file with its
//! line and key ([`ScenarioError`]); [`apply`] places it against a baseline [`CityModel`];
//! [`Kpis`] are its numbers; [`save`] writes it back in the same format.
//!
//! ```toml
//! name = "Harbour towers"
//! site = "site.geojson"
//! [remove]
//! ids = ["urn:ngsi-ld:Building:way-35938543"]
//! inside = "site.geojson"
//! [[add]]
//! file = "proposal.geojson"
//! [[restyle]]
//! ids = ["urn:ngsi-ld:Building:way-1"]
//! color = "#7b3294"
//! ```
//!
//! [`CityModel`]: crate::city::CityModel

mod apply;
mod area;
mod edit;
mod file;
mod kpi;
pub mod publish;
mod save;

pub use apply::{Applied, Evaluation, Placed, apply, evaluate, standing};
pub use area::Area;
pub use edit::{Edit, History, Target, UNDO_STEPS};
pub use kpi::{KpiRow, Kpis, floors};
pub use save::save;

use crate::city::cityjson;
use crate::city::gltf::ModelMesh;
use crate::config::ModelConfig;
use crate::ngsi_ld::Entity;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A planning scenario, as read from its file (or drawn in the viewer).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Its name, as planners call it.
    pub name: String,
    /// What it proposes.
    pub description: String,
    /// The file it was read from (or last saved to); `None` for one never saved.
    pub file: Option<PathBuf>,
    /// The area the KPIs are for.
    pub site: Option<Area>,
    /// Baseline buildings removed, by id.
    pub remove_ids: Vec<String>,
    /// Baseline buildings removed because their footprint centroid lies inside.
    pub remove_inside: Option<Area>,
    /// Buildings added.
    pub additions: Vec<Addition>,
    /// Baseline buildings drawn in another colour.
    pub restyle: Vec<Restyle>,
}

/// Buildings a scenario adds.
#[derive(Debug, Clone, PartialEq)]
pub enum Addition {
    /// Footprints from GeoJSON or NGSI-LD Buildings (or drawn in the viewer, `file` empty).
    Entities {
        /// The file as written in the scenario.
        file: String,
        /// The buildings, as entities.
        entities: Vec<Entity>,
    },
    /// Buildings modelled in CityJSON.
    CityJson {
        /// The file as written in the scenario.
        file: String,
        /// Where it was read from.
        path: PathBuf,
        /// The document.
        document: Arc<cityjson::Document>,
    },
    /// A glTF model: one building.
    Model(ModelAddition),
}

/// A glTF model a scenario places in the city: one building, whose footprint is its ground
/// outline.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelAddition {
    /// The file as written in the scenario.
    pub file: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// Its meshes, in model units.
    pub meshes: Arc<Vec<ModelMesh>>,
    /// Where and how it stands (as `[models.*]`).
    pub placement: ModelConfig,
    /// Its floors, when given (for its GFA).
    pub floors: Option<f64>,
    /// Its gross floor area when given (m²); wins over `floors`.
    pub gfa_m2: Option<f64>,
}

/// Baseline buildings drawn in another colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Restyle {
    /// Their ids.
    pub ids: Vec<String>,
    /// The colour, "#rrggbb".
    pub color: String,
}

/// Why a scenario file was refused: the file, the line, the key and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// The line (1-based), when known.
    pub line: Option<usize>,
    /// The dotted key (`add[2].file`), empty for the file as a whole.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": `{}` {}", self.key, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Reads a scenario file and its assets (relative to the file).
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        file::read(path)
    }

    /// Parses a scenario's text; `path` names it and locates its assets.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ScenarioError> {
        file::parse(path, text)
    }

    /// An empty scenario, for drawing one from nothing.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: String::new(),
            file: None,
            site: None,
            remove_ids: Vec::new(),
            remove_inside: None,
            additions: Vec::new(),
            restyle: Vec::new(),
        }
    }
}

impl Addition {
    /// Reads an `[[add]] file`: CityJSON, else GeoJSON or NGSI-LD (every entity a building).
    pub(crate) fn read_file(path: &Path, as_written: &str) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
        let bytes = crate::source::gunzip(&bytes, path).map_err(|e| e.to_string())?;
        if crate::source::is_cityjson(&bytes) {
            let text = std::str::from_utf8(&bytes).map_err(|_| "is not UTF-8 text".to_owned())?;
            let document = cityjson::read(text, None)?;
            return Ok(Self::CityJson {
                file: as_written.to_owned(),
                path: path.to_owned(),
                document: Arc::new(document),
            });
        }
        let parsed = crate::source::parse_bytes(&bytes, path).map_err(|e| e.to_string())?;
        if parsed.entities.is_empty() {
            return Err(
                "holds no buildings (GeoJSON features, NGSI-LD entities or CityJSON)".into(),
            );
        }
        Ok(Self::Entities {
            file: as_written.to_owned(),
            entities: parsed.entities,
        })
    }
}

impl Addition {
    /// Reads a file dropped onto the window: a glTF model (`.glb`, `.gltf`: one building, in
    /// metres, Y up, placed later) or buildings in GeoJSON, NGSI-LD or CityJSON.
    pub fn read_dropped(path: &Path) -> Result<Self, String> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if ext == "glb" || ext == "gltf" {
            let meshes = crate::city::gltf::read(path)?;
            return Ok(Self::Model(ModelAddition {
                file: name.clone(),
                path: path.to_owned(),
                meshes: Arc::new(meshes),
                placement: ModelConfig {
                    file: name.clone(),
                    longitude: 0.0,
                    latitude: 0.0,
                    altitude: 0.0,
                    heading: 0.0,
                    units: crate::config::LengthUnit::Metre,
                    scale: 1.0,
                    up: crate::config::UpAxis::Y,
                    name: path
                        .file_stem()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                },
                floors: None,
                gfa_m2: None,
            }));
        }
        Self::read_file(path, &name)
    }
}

/// The scenarios the configuration names (`scenarios`, then `--scenario`), each read or
/// refused on its own, so one wrong file loses nothing else.
/// With the demo as the source, the demo's example follows them.
pub fn load_configured(config: &crate::config::Config) -> Vec<Result<Scenario, ScenarioError>> {
    let mut all: Vec<_> = find(&config.scenarios, &config.base_dir)
        .iter()
        .map(|p| Scenario::load(p))
        .collect();
    if config.data.source == crate::config::SourceSetting::Demo {
        let dir =
            std::env::temp_dir().join(format!("citytwin-example-scenario-{}", std::process::id()));
        // Its files are gone once read: saving it asks for a place of its own.
        all.push(demo_example(&dir).map(|mut s| {
            s.file = None;
            s
        }));
        // Everything is read: the files are not left behind.
        let _ = std::fs::remove_dir_all(&dir);
    }
    all
}

/// The demo's example scenario (invented, labelled so in its name and description), as its
/// files: built into the binary.
const EXAMPLE: [(&str, &str); 3] = [
    (
        "example.toml",
        include_str!("../../assets/demo/scenarios/example.toml"),
    ),
    (
        "example-site.geojson",
        include_str!("../../assets/demo/scenarios/example-site.geojson"),
    ),
    (
        "example-added.geojson",
        include_str!("../../assets/demo/scenarios/example-added.geojson"),
    ),
];

/// Writes the demo's example scenario into `dir` and reads it (its assets are then held in
/// memory).
pub fn demo_example(dir: &Path) -> Result<Scenario, ScenarioError> {
    let fail = |message: String| ScenarioError {
        file: dir.join(EXAMPLE[0].0),
        line: None,
        key: String::new(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot be written: {e}")))?;
    for (name, text) in EXAMPLE {
        std::fs::write(dir.join(name), text)
            .map_err(|e| fail(format!("cannot be written: {e}")))?;
    }
    Scenario::load(&dir.join(EXAMPLE[0].0))
}

/// The scenario files named by patterns (`scenarios/*.toml`; `*` and `?` in the file name),
/// relative to `base`, in name order; a pattern without a wildcard names its file, there or
/// not (so a missing file is reported when it is read).
pub fn find(patterns: &[String], base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for pattern in patterns {
        let full = base.join(pattern);
        let name = full
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.contains(['*', '?']) {
            out.push(full);
            continue;
        }
        let dir = full.parent().unwrap_or(Path::new(".")).to_owned();
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .is_some_and(|n| wildcard(&name, &n.to_string_lossy()))
            })
            .collect();
        found.sort();
        out.extend(found);
    }
    out.dedup();
    out
}

/// Whether `text` matches `pattern` (`*` any run, `?` one character).
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests;
