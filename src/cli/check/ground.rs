//! `check`'s report on the base map: the ground features the viewer would draw, by class.

use crate::basemap::mesh::build;
use crate::basemap::{SkippedFeature, sources};
use crate::cancel::Cancel;
use crate::city::CityModel;
use crate::config::Config;
use crate::georef::Georef;
use std::collections::BTreeMap;

/// What the ground sources hold once placed around the city.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GroundReport {
    /// Features drawn, by class (`streets`, `paths`, `squares`, `water`, `parks`, `landuse`,
    /// `railways`).
    pub drawn: BTreeMap<String, usize>,
    /// Triangles in the ground's meshes.
    pub triangles: usize,
    /// Tiles (meshes) of the ground, one per class and cell.
    pub tiles: usize,
    /// Features that could not be drawn, with the reason.
    pub skipped: Vec<SkippedFeature>,
    /// Features left out on purpose (in a tunnel, under ground), by reason.
    pub left_out: BTreeMap<String, usize>,
    /// Sources that could not be read.
    pub problems: Vec<String>,
    /// The credits the sources require.
    pub attributions: Vec<String>,
}

/// Reads the configured ground sources and places them as the viewer would around `model`.
pub fn report(config: &Config, model: &CityModel) -> GroundReport {
    let configured = sources::configured(config);
    if configured.is_empty() {
        return GroundReport::default();
    }
    let read = sources::read(&configured);
    let mut report = GroundReport {
        problems: read.problems,
        attributions: read.attributions,
        left_out: read.data.left_out.clone(),
        skipped: read.data.skipped.clone(),
        ..GroundReport::default()
    };
    match Georef::new(model.origin, Some(&model.crs)) {
        Ok(georef) => {
            let meshes = build(&read.data, &georef, config.ground.tile_size, &Cancel::new());
            report.triangles = meshes.triangles();
            report.tiles = meshes.tiles.len();
            report.drawn = meshes
                .drawn
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect();
            report.skipped.extend(meshes.skipped);
            if meshes.too_far > 0 {
                report
                    .left_out
                    .insert("too far from the city shown".into(), meshes.too_far);
            }
        }
        Err(e) => report
            .problems
            .push(format!("the ground cannot be placed: {e}")),
    }
    report
}
