//! A scenario placed against a baseline city: its buildings georeferenced into the baseline's
//! scene, the baseline buildings it removes and restyles found by index.

use super::{Addition, Scenario};
use crate::city::decode::{self, DecodeSettings};
use crate::city::{Building, CityModel};
use crate::geometry::Footprint;
use crate::georef::Georef;
use crate::ngsi_ld::SkippedItem;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A building a scenario adds, in the baseline's scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The building.
    pub building: Building,
    /// Which `[[add]]` it came from (0-based).
    pub addition: usize,
    /// Floors given for a model (its GFA counts only with these or `gfa_m2`).
    pub floors: Option<f64>,
    /// Gross floor area given for a model (m²).
    pub gfa_m2: Option<f64>,
    /// Whether it is a glTF model (whose GFA counts only when given).
    pub is_model: bool,
}

/// A scenario against a baseline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// The buildings added.
    pub added: Vec<Placed>,
    /// Baseline buildings removed (indices into the baseline's buildings, ascending).
    pub removed: Vec<usize>,
    /// Baseline buildings restyled: index → colour (sRGB 0..1); a removed one is not here.
    pub restyled: BTreeMap<usize, [f32; 3]>,
    /// The site, in scene metres.
    pub site: Option<Footprint>,
    /// What does not match the baseline (an id that is not in it), for the user.
    pub warnings: Vec<String>,
    /// Added items that could not be placed, with the reason.
    pub skipped: Vec<SkippedItem>,
}

impl Applied {
    /// Whether a baseline building is removed.
    pub fn is_removed(&self, index: usize) -> bool {
        self.removed.binary_search(&index).is_ok()
    }

    /// The added building an index names in [`Applied::pick`]'s numbering (the baseline's
    /// count and beyond).
    pub fn placed(&self, baseline: &CityModel, index: usize) -> Option<&Placed> {
        self.added.get(index.checked_sub(baseline.buildings.len())?)
    }

    /// The buildings standing with the scenario: the baseline's it keeps, then those it adds.
    pub fn standing<'a>(&'a self, baseline: &'a CityModel) -> impl Iterator<Item = &'a Building> {
        standing(baseline, Some(self))
    }

    /// The building of the scenario hit first by a ray: a baseline building it keeps (its
    /// index) or one it adds (the baseline's count + its index among the added).
    pub fn pick(&self, baseline: &CityModel, ray: &crate::geometry::pick::Ray) -> Option<usize> {
        let kept = baseline
            .buildings
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_removed(*i));
        let added = self
            .added
            .iter()
            .enumerate()
            .map(|(j, p)| (baseline.buildings.len() + j, &p.building));
        let mut best: Option<(usize, f64)> = None;
        for (i, b) in kept.chain(added) {
            if let Some(t) = b.hit(ray)
                && best.is_none_or(|(_, bt)| t < bt)
            {
                best = Some((i, t));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The buildings standing: the baseline's (less those `applied` removes), then those it adds.
pub fn standing<'a>(
    baseline: &'a CityModel,
    applied: Option<&'a Applied>,
) -> impl Iterator<Item = &'a Building> {
    baseline
        .buildings
        .iter()
        .enumerate()
        .filter(move |(i, _)| !applied.is_some_and(|a| a.is_removed(*i)))
        .map(|(_, b)| b)
        .chain(
            applied
                .into_iter()
                .flat_map(|a| a.added.iter().map(|p| &p.building)),
        )
}

/// A scenario placed against a baseline, its KPIs, and what the user should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The scenario placed.
    pub applied: Applied,
    /// Its KPIs.
    pub kpis: super::Kpis,
    /// Its warnings, then each added item that could not be placed, with the reason.
    pub warnings: Vec<String>,
}

/// Places `scenario` against `baseline` ([`apply`]) and computes its KPIs, as `check` and the
/// viewer show them.
pub fn evaluate(
    scenario: &Scenario,
    baseline: &CityModel,
    settings: &DecodeSettings,
) -> Result<Evaluation, String> {
    let applied = apply(scenario, baseline, settings)?;
    let kpis = super::Kpis::of(&scenario.name, baseline, &applied, settings.storey_height);
    let mut warnings = applied.warnings.clone();
    warnings.extend(
        applied
            .skipped
            .iter()
            .map(|k| format!("{} not added: {}", k.id, k.reason)),
    );
    Ok(Evaluation {
        applied,
        kpis,
        warnings,
    })
}

/// Places `scenario` in the baseline's scene (its origin and projected CRS). Fails only when
/// the scene's georeference cannot be set up or an area cannot be projected.
pub fn apply(
    scenario: &Scenario,
    baseline: &CityModel,
    settings: &DecodeSettings,
) -> Result<Applied, String> {
    let georef = Georef::new(baseline.origin, Some(&baseline.crs)).map_err(|e| e.to_string())?;
    let mut out = Applied {
        site: scenario
            .site
            .as_ref()
            .map(|a| a.project(&georef))
            .transpose()?,
        ..Applied::default()
    };
    let by_id: HashMap<&str, usize> = baseline
        .buildings
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    let mut removed = BTreeSet::new();
    for id in &scenario.remove_ids {
        match by_id.get(id.as_str()) {
            Some(i) => {
                removed.insert(*i);
            }
            None => out.warnings.push(format!(
                "remove.ids: {id} is not a building of the baseline; nothing is removed for it"
            )),
        }
    }
    if let Some(area) = &scenario.remove_inside {
        let inside = area.project(&georef)?;
        let bb = inside.bbox();
        for (i, b) in baseline.buildings.iter().enumerate() {
            let f = b.footprint.bbox();
            if f[2] < bb[0] || f[0] > bb[2] || f[3] < bb[1] || f[1] > bb[3] {
                continue;
            }
            if inside.contains(b.footprint.centroid()) {
                removed.insert(i);
            }
        }
    }
    out.removed = removed.into_iter().collect();
    for (k, r) in scenario.restyle.iter().enumerate() {
        let Some(color) = crate::config::parse_hex_color(&r.color) else {
            continue;
        };
        for id in &r.ids {
            match by_id.get(id.as_str()) {
                Some(i) if !out.is_removed(*i) => {
                    out.restyled.insert(*i, color);
                }
                Some(_) => {}
                None => out.warnings.push(format!(
                    "restyle[{}].ids: {id} is not a building of the baseline",
                    k + 1
                )),
            }
        }
    }
    for (k, addition) in scenario.additions.iter().enumerate() {
        let place = |building: Building| Placed {
            building,
            addition: k,
            floors: None,
            gfa_m2: None,
            is_model: false,
        };
        match addition {
            Addition::Entities { entities, .. } => {
                for e in entities {
                    match decode::building(e, &georef, settings) {
                        // A published model or CityJSON building keeps the GFA it counted.
                        Ok(b) => out.added.push(Placed {
                            building: b,
                            addition: k,
                            floors: None,
                            gfa_m2: e
                                .attribute("grossFloorArea")
                                .and_then(crate::ngsi_ld::Attribute::as_f64)
                                .filter(|g| g.is_finite() && *g >= 0.0),
                            is_model: false,
                        }),
                        Err(reason) => out.skipped.push(SkippedItem {
                            id: e.id.clone(),
                            reason,
                        }),
                    }
                }
            }
            Addition::CityJson { document, .. } => {
                let (buildings, skipped) = crate::city::cityjson_in_scene(document, &georef, None)?;
                out.added.extend(buildings.into_iter().map(place));
                out.skipped.extend(skipped);
            }
            Addition::Model(m) => {
                let id = format!("model:{}", m.file);
                match crate::city::gltf::model_building(&id, &m.meshes, &m.placement, &georef) {
                    Ok(building) => out.added.push(Placed {
                        building,
                        addition: k,
                        floors: m.floors,
                        gfa_m2: m.gfa_m2,
                        is_model: true,
                    }),
                    Err(reason) => out.skipped.push(SkippedItem { id, reason }),
                }
            }
        }
    }
    // On a terrain the buildings added stand on it as the baseline's do.
    if let Some(grid) = &baseline.terrain {
        for p in &mut out.added {
            p.building.elevation = crate::city::standing::elevation_on(&p.building, grid);
        }
    }
    Ok(out)
}
