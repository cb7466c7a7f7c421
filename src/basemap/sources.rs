//! The ground sources a configuration asks for, and reading them all: the demo's extract
//! with the demo, then each `[ground.NAME]`. A source that cannot be read is reported and the
//! others are drawn.

use super::{GroundClass, GroundData, GroundFormat};
use crate::config::{Config, SourceSetting};
use std::path::PathBuf;

/// A source of ground features.
#[derive(Debug, Clone, PartialEq)]
pub enum GroundSource {
    /// The OpenStreetMap extract built in for the demo ([`super::DEMO_PBF`]).
    Demo,
    /// A configured file.
    File {
        /// The file (relative paths already joined to the configuration's folder).
        path: PathBuf,
        /// Its format, when the configuration says.
        format: Option<GroundFormat>,
        /// The class of every feature (GeoJSON), when the configuration says.
        class: Option<GroundClass>,
        /// The credit it requires.
        attribution: String,
    },
}

/// The sources `config` asks for.
pub fn configured(config: &Config) -> Vec<GroundSource> {
    let mut out = Vec::new();
    if config.ground.demo && matches!(config.data.source, SourceSetting::Demo) {
        out.push(GroundSource::Demo);
    }
    for s in config.ground.sources.values() {
        out.push(GroundSource::File {
            path: config.base_dir.join(&s.file),
            format: match s.format.as_str() {
                "osm" => Some(GroundFormat::Osm),
                "geojson" => Some(GroundFormat::Geojson),
                _ => None,
            },
            class: GroundClass::from_key(&s.class),
            attribution: s.attribution.clone(),
        });
    }
    out
}

/// Everything the sources held.
#[derive(Debug, Clone, Default)]
pub struct ReadSources {
    /// Their features together.
    pub data: GroundData,
    /// Sources that could not be read, each with what to do.
    pub problems: Vec<String>,
    /// The credits the sources read require, each once.
    pub attributions: Vec<String>,
}

/// Reads every source.
pub fn read(sources: &[GroundSource]) -> ReadSources {
    let mut out = ReadSources::default();
    for source in sources {
        let (read, attribution) = match source {
            GroundSource::Demo => (
                super::demo().map_err(|e| format!("the demo's ground: {e}")),
                super::DEMO_ATTRIBUTION.to_owned(),
            ),
            GroundSource::File {
                path,
                format,
                class,
                attribution,
            } => (
                super::read_file(path, *format, *class)
                    .map_err(|e| format!("{e}; check [ground] in the configuration")),
                attribution.clone(),
            ),
        };
        match read {
            Ok(d) => {
                out.data.extend(d);
                if !attribution.is_empty() && !out.attributions.contains(&attribution) {
                    out.attributions.push(attribution);
                }
            }
            Err(e) => out.problems.push(e),
        }
    }
    out
}
