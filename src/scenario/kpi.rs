//! The numbers planners judge a scenario by, against the baseline, in the scene's projected
//! CRS (m²): footprint (Swedish BYA, byggnadsarea), gross floor area (BTA, bruttoarea) and
//! the floor area ratio (exploateringstal e = BTA / land area), after SS 21054:2020.
//!
//! citytwin's footprint is the building's outline as the data draws it, not BYA's exact
//! rules for projections and overhangs.

use super::{Applied, Placed};
use crate::city::{Building, CityModel};
use crate::geometry::Footprint;
use serde::Serialize;

/// A scenario's KPIs; the keys are those of `citytwin check --scenario FILE --json`. The site
/// keys are `null` without a site.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// The scenario's name.
    pub name: String,
    /// Buildings in the baseline.
    pub buildings_baseline: usize,
    /// Buildings in the scenario (baseline − removed + added).
    pub buildings_scenario: usize,
    /// Buildings added.
    pub buildings_added: usize,
    /// Baseline buildings removed.
    pub buildings_removed: usize,
    /// Footprint of the added buildings (m²).
    pub footprint_added_m2: f64,
    /// Footprint of the removed buildings (m²).
    pub footprint_removed_m2: f64,
    /// Gross floor area added (m²).
    pub gfa_added_m2: f64,
    /// Gross floor area removed (m²).
    pub gfa_removed_m2: f64,
    /// Added − removed (m²).
    pub gfa_net_m2: f64,
    /// The site's area (m²).
    pub site_area_m2: Option<f64>,
    /// Σ footprint / site area of the buildings in the site, baseline.
    pub coverage_baseline: Option<f64>,
    /// The same, scenario.
    pub coverage_scenario: Option<f64>,
    /// Σ GFA / site area (floor area ratio, exploateringstal), baseline.
    pub far_baseline: Option<f64>,
    /// The same, scenario.
    pub far_scenario: Option<f64>,
    /// The tallest baseline building in the site (m); `null` also when none stands in it.
    pub max_height_baseline_m: Option<f64>,
    /// The tallest scenario building in the site (m).
    pub max_height_scenario_m: Option<f64>,
}

/// A building's floors: its `floors` (or `floorsAboveGround`) where the data gives them, else
/// max(1, round(height / storey height)).
///
/// ```
/// # use citytwin::city::{Building, HeightSource};
/// # use citytwin::geometry::Footprint;
/// let square = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]];
/// let mut b = Building { id: "b".into(), name: None, address: None, height: 13.0, base: 0.0,
///     height_source: HeightSource::Default, footprint: Footprint::new(vec![vec![square]]).unwrap(),
///     attributes: vec![], shell: None, elevation: 0.0, own_ground: None };
/// assert_eq!(citytwin::scenario::floors(&b, 3.2), 4.0);
/// b.attributes.push(("floors".into(), "6".into()));
/// assert_eq!(citytwin::scenario::floors(&b, 3.2), 6.0);
/// ```
pub fn floors(b: &Building, storey_height: f64) -> f64 {
    let given = ["floors", "floorsAboveGround"].iter().find_map(|key| {
        b.attributes
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite() && *f >= 0.0)
    });
    given.unwrap_or_else(|| (b.height / storey_height.max(0.1)).round().max(1.0))
}

/// A building's gross floor area (m²): footprint × floors.
fn gfa(b: &Building, storey_height: f64) -> f64 {
    b.footprint.area() * floors(b, storey_height)
}

/// An added building's GFA: a model's only when given (`gfa_m2`, or `floors` × its outline).
pub(crate) fn placed_gfa(p: &Placed, storey_height: f64) -> f64 {
    match (p.gfa_m2, p.floors) {
        (Some(g), _) => g,
        (None, Some(f)) => p.building.footprint.area() * f,
        (None, None) if p.is_model => 0.0,
        (None, None) => gfa(&p.building, storey_height),
    }
}

/// Σ footprint, Σ GFA and the tallest height of the buildings whose centroid lies in `site`.
#[derive(Default)]
struct InSite {
    footprint: f64,
    gfa: f64,
    tallest: Option<f64>,
}

impl InSite {
    fn add(&mut self, b: &Building, gfa: f64) {
        self.footprint += b.footprint.area();
        self.gfa += gfa;
        self.tallest = Some(self.tallest.map_or(b.height, |t: f64| t.max(b.height)));
    }
}

/// Whether a building belongs to the site: its footprint centroid lies inside. A building
/// whose bounding box misses the site's is out at once (its centroid lies in its box).
fn in_site(site: &Footprint, b: &Building) -> bool {
    let (s, f) = (site.bbox(), b.footprint.bbox());
    if f[2] < s[0] || f[0] > s[2] || f[3] < s[1] || f[1] > s[3] {
        return false;
    }
    site.contains(b.footprint.centroid())
}

impl Kpis {
    /// An added building's gross floor area as the KPIs count it (m²): a glTF model's only
    /// when the scenario gives its `floors` or `gfa_m2`.
    pub fn gfa_of(p: &Placed, storey_height: f64) -> f64 {
        placed_gfa(p, storey_height)
    }

    /// The KPIs of a scenario (`name`, placed as `applied`) against `baseline`.
    pub fn of(name: &str, baseline: &CityModel, applied: &Applied, storey_height: f64) -> Self {
        let removed = applied.removed.iter().map(|i| &baseline.buildings[*i]);
        let footprint_removed_m2 = removed.clone().map(|b| b.footprint.area()).sum();
        let gfa_removed_m2: f64 = removed.map(|b| gfa(b, storey_height)).sum();
        let footprint_added_m2 = applied
            .added
            .iter()
            .map(|p| p.building.footprint.area())
            .sum();
        let gfa_added_m2: f64 = applied
            .added
            .iter()
            .map(|p| placed_gfa(p, storey_height))
            .sum();
        let mut kpis = Self {
            name: name.to_owned(),
            buildings_baseline: baseline.buildings.len(),
            buildings_scenario: baseline.buildings.len() - applied.removed.len()
                + applied.added.len(),
            buildings_added: applied.added.len(),
            buildings_removed: applied.removed.len(),
            footprint_added_m2,
            footprint_removed_m2,
            gfa_added_m2,
            gfa_removed_m2,
            gfa_net_m2: gfa_added_m2 - gfa_removed_m2,
            site_area_m2: None,
            coverage_baseline: None,
            coverage_scenario: None,
            far_baseline: None,
            far_scenario: None,
            max_height_baseline_m: None,
            max_height_scenario_m: None,
        };
        if let Some(site) = &applied.site {
            let area = site.area();
            let (mut before, mut after) = (InSite::default(), InSite::default());
            for (i, b) in baseline.buildings.iter().enumerate() {
                if !in_site(site, b) {
                    continue;
                }
                let g = gfa(b, storey_height);
                before.add(b, g);
                if !applied.is_removed(i) {
                    after.add(b, g);
                }
            }
            for p in applied.added.iter().filter(|p| in_site(site, &p.building)) {
                after.add(&p.building, placed_gfa(p, storey_height));
            }
            kpis.site_area_m2 = Some(area);
            kpis.coverage_baseline = Some(before.footprint / area);
            kpis.coverage_scenario = Some(after.footprint / area);
            kpis.far_baseline = Some(before.gfa / area);
            kpis.far_scenario = Some(after.gfa / area);
            kpis.max_height_baseline_m = before.tallest;
            kpis.max_height_scenario_m = after.tallest;
        }
        kpis
    }

    /// The KPIs as a table: baseline, scenario and difference with units, named as planners
    /// name them (the Swedish term in brackets).
    pub fn rows(&self) -> Vec<KpiRow> {
        let n = |v: usize| Some(v as f64);
        let diff = |b: Option<f64>, s: Option<f64>| b.zip(s).map(|(b, s)| s - b);
        let row = |key: &'static str, label: &'static str, unit: &'static str, b, s| KpiRow {
            key,
            label,
            unit,
            baseline: b,
            scenario: s,
            difference: diff(b, s),
        };
        let change = |key, label, unit, v: f64| KpiRow {
            key,
            label,
            unit,
            baseline: None,
            scenario: None,
            difference: Some(v),
        };
        let site = |share: Option<f64>| share.zip(self.site_area_m2).map(|(c, a)| c * a);
        vec![
            row(
                "buildings",
                "Buildings",
                "",
                n(self.buildings_baseline),
                n(self.buildings_scenario),
            ),
            change(
                "buildings_added",
                "Buildings added",
                "",
                self.buildings_added as f64,
            ),
            change(
                "buildings_removed",
                "Buildings removed",
                "",
                -(self.buildings_removed as f64),
            ),
            change(
                "footprint_added_m2",
                "Footprint added (BYA)",
                "m²",
                self.footprint_added_m2,
            ),
            change(
                "footprint_removed_m2",
                "Footprint removed (BYA)",
                "m²",
                -self.footprint_removed_m2,
            ),
            change("gfa_added_m2", "GFA added (BTA)", "m²", self.gfa_added_m2),
            change(
                "gfa_removed_m2",
                "GFA removed (BTA)",
                "m²",
                -self.gfa_removed_m2,
            ),
            change("gfa_net_m2", "Net GFA (BTA)", "m²", self.gfa_net_m2),
            row(
                "site_area_m2",
                "Site area",
                "m²",
                self.site_area_m2,
                self.site_area_m2,
            ),
            row(
                "site_footprint_m2",
                "Footprint in the site (BYA)",
                "m²",
                site(self.coverage_baseline),
                site(self.coverage_scenario),
            ),
            row(
                "site_gfa_m2",
                "GFA in the site (BTA)",
                "m²",
                site(self.far_baseline),
                site(self.far_scenario),
            ),
            row(
                "coverage",
                "Site coverage",
                "",
                self.coverage_baseline,
                self.coverage_scenario,
            ),
            row(
                "far",
                "Floor area ratio (exploateringstal e)",
                "",
                self.far_baseline,
                self.far_scenario,
            ),
            row(
                "max_height_m",
                "Tallest building in the site",
                "m",
                self.max_height_baseline_m,
                self.max_height_scenario_m,
            ),
        ]
    }

    /// The table as CSV (comma-separated, a header line, numbers with a point).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("key,measure,unit,baseline,scenario,difference\n");
        for r in self.rows() {
            let cell = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
            out.push_str(&format!(
                "{},\"{}\",{},{},{},{}\n",
                r.key,
                r.label,
                r.unit,
                cell(r.baseline),
                cell(r.scenario),
                cell(r.difference)
            ));
        }
        out
    }
}

impl KpiRow {
    /// Decimals to show: none for counts, one for m² and m, three for ratios.
    pub fn decimals(&self) -> usize {
        match self.unit {
            "" if self.key.starts_with("buildings") => 0,
            "" => 3,
            _ => 1,
        }
    }

    /// A value as text with the row's decimals ("–" for none).
    pub fn format(&self, v: Option<f64>) -> String {
        v.map_or("–".to_owned(), |v| format!("{v:.*}", self.decimals()))
    }
}

/// One line of the KPI table.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiRow {
    /// A stable key.
    pub key: &'static str,
    /// What it is, as planners name it.
    pub label: &'static str,
    /// Its unit ("" for a count or a ratio).
    pub unit: &'static str,
    /// The baseline's value, where it has one.
    pub baseline: Option<f64>,
    /// The scenario's value, where it has one.
    pub scenario: Option<f64>,
    /// Scenario − baseline, or the change itself.
    pub difference: Option<f64>,
}

#[cfg(test)]
mod names {
    use crate::language::Language;

    #[test]
    fn every_kpi_has_a_name_in_both_languages() {
        for row in super::Kpis::default().rows() {
            let key = format!("kpi-{}", row.key.replace('_', "-"));
            for l in Language::ALL {
                assert_ne!(l.t(&key), key, "{l:?}: no message `{key}`");
            }
        }
    }
}
