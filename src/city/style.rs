//! Thematic styles: buildings coloured by a numeric attribute (height, year built, energy
//! use) on a sequential ramp with quantile classes, or by a category (use, energy class) with
//! one colour per value. No Bevy here; the `buildings` plugin re-meshes the tiles with these
//! colours and the UI draws [`Theme::legend`].
//!
//! ```
//! use citytwin::city::style::{Theme, ThemeKind};
//! let values = [3.0, 6.0, 9.0, 12.0, 30.0, 60.0];
//! let t = Theme::numeric("height", "m", &values);
//! assert_eq!(t.kind, ThemeKind::Numeric);
//! assert_eq!(t.legend().len(), 5);
//! assert_ne!(t.color_of_number(3.0), t.color_of_number(60.0));
//! ```

use super::Building;
use std::collections::{BTreeMap, HashMap};

/// A sequential ramp, light to dark (viridis, reversed so that more is darker), sRGB.
const RAMP: [[f32; 3]; 5] = [
    [0.992, 0.906, 0.145],
    [0.369, 0.788, 0.384],
    [0.129, 0.569, 0.549],
    [0.231, 0.322, 0.545],
    [0.267, 0.004, 0.329],
];

/// Distinct colours for categories (Tableau 10), sRGB.
const CATEGORY_COLORS: [[f32; 3]; 10] = [
    [0.306, 0.475, 0.655],
    [0.949, 0.557, 0.169],
    [0.882, 0.341, 0.349],
    [0.463, 0.718, 0.698],
    [0.349, 0.631, 0.310],
    [0.929, 0.788, 0.282],
    [0.690, 0.478, 0.631],
    [1.000, 0.616, 0.655],
    [0.612, 0.459, 0.373],
    [0.729, 0.690, 0.675],
];

/// The colour of buildings without a value (or in none of the shown categories).
pub const NO_VALUE: [f32; 3] = [0.78, 0.78, 0.78];

/// Most categories given colours of their own; the rest are "other".
pub const MAX_CATEGORIES: usize = 10;

/// How a theme colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeKind {
    /// Numbers on a ramp.
    Numeric,
    /// One colour per value.
    Categories,
}

/// An attribute buildings can be coloured by.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The attribute (`height` is the building's drawn height).
    pub attribute: String,
    /// Numbers or categories.
    pub kind: ThemeKind,
    /// Buildings that have a value.
    pub count: usize,
}

/// A building's value of an attribute: `height` is its drawn height; others come from its
/// attributes (the inspector's text), read as a number when the text is one (a unit after a
/// space is allowed: "12.5 m").
pub fn value_of<'a>(b: &'a Building, attribute: &str) -> Option<Value<'a>> {
    if attribute == "height" {
        return Some(Value::Number(b.height));
    }
    let text = b
        .attributes
        .iter()
        .find(|(k, _)| k == attribute)
        .map(|(_, v)| v.as_str())?
        .trim();
    if text.is_empty() || text == "null" {
        return None;
    }
    let first = text.split_whitespace().next().unwrap_or(text);
    match first.parse::<f64>() {
        Ok(n) if n.is_finite() && text.split_whitespace().count() <= 2 => Some(Value::Number(n)),
        _ => Some(Value::Text(text)),
    }
}

/// A value of an attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A number.
    Number(f64),
    /// Text.
    Text(&'a str),
}

/// The attributes worth colouring by: `height` first, then attributes that at least a fifth of
/// the buildings have and that are numbers (in four of five buildings having them) or have 2
/// to 24 distinct values, by how many buildings have them.
pub fn choices(buildings: &[Building]) -> Vec<Choice> {
    let mut seen: HashMap<&str, (usize, usize, HashMap<&str, usize>)> = HashMap::new();
    for b in buildings {
        for (k, _) in &b.attributes {
            if k == "height" {
                continue;
            }
            let entry = seen.entry(k.as_str()).or_default();
            match value_of(b, k) {
                Some(Value::Number(_)) => entry.0 += 1,
                Some(Value::Text(t)) => {
                    entry.1 += 1;
                    if entry.2.len() <= 24 {
                        *entry.2.entry(t).or_default() += 1;
                    }
                }
                None => {}
            }
        }
    }
    let enough = buildings.len().div_ceil(5).max(1);
    let mut out: Vec<Choice> = seen
        .into_iter()
        .filter_map(|(k, (numbers, texts, distinct))| {
            let count = numbers + texts;
            if count < enough {
                return None;
            }
            let kind = if numbers * 5 >= count * 4 {
                ThemeKind::Numeric
            } else if (2..=24).contains(&distinct.len()) {
                ThemeKind::Categories
            } else {
                return None;
            };
            Some(Choice {
                attribute: k.to_owned(),
                kind,
                count,
            })
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.attribute.cmp(&b.attribute)));
    if !buildings.is_empty() {
        out.insert(
            0,
            Choice {
                attribute: "height".to_owned(),
                kind: ThemeKind::Numeric,
                count: buildings.len(),
            },
        );
    }
    out
}

/// A theme ready to colour buildings.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The attribute.
    pub attribute: String,
    /// Numbers or categories.
    pub kind: ThemeKind,
    /// Numeric: the lower bound of each class after the first (quantiles).
    pub breaks: Vec<f64>,
    /// Numeric: the smallest and largest value.
    pub range: (f64, f64),
    /// Unit shown in the legend.
    pub unit: String,
    /// Categories: the values with colours, most frequent first, with their counts.
    pub categories: Vec<(String, usize)>,
}

impl Theme {
    /// A numeric theme over `values`: five classes at the quintiles.
    pub fn numeric(attribute: &str, unit: &str, values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            v.get(((v.len() as f64 - 1.0) * p).round() as usize)
                .copied()
        };
        let mut breaks: Vec<f64> = [0.2, 0.4, 0.6, 0.8].iter().filter_map(|p| q(*p)).collect();
        breaks.dedup();
        Self {
            attribute: attribute.to_owned(),
            kind: ThemeKind::Numeric,
            range: (
                v.first().copied().unwrap_or(0.0),
                v.last().copied().unwrap_or(0.0),
            ),
            breaks,
            unit: unit.to_owned(),
            categories: Vec::new(),
        }
    }

    /// A categorical theme: the most frequent values get colours.
    pub fn categories(attribute: &str, values: &[&str]) -> Self {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for v in values {
            *counts.entry(v).or_default() += 1;
        }
        let mut categories: Vec<(String, usize)> =
            counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
        categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        categories.truncate(MAX_CATEGORIES);
        Self {
            attribute: attribute.to_owned(),
            kind: ThemeKind::Categories,
            breaks: Vec::new(),
            range: (0.0, 0.0),
            unit: String::new(),
            categories,
        }
    }

    /// The theme of `choice` over these buildings.
    pub fn of(choice: &Choice, buildings: &[Building]) -> Self {
        match choice.kind {
            ThemeKind::Numeric => {
                let values: Vec<f64> = buildings
                    .iter()
                    .filter_map(|b| match value_of(b, &choice.attribute) {
                        Some(Value::Number(n)) => Some(n),
                        _ => None,
                    })
                    .collect();
                let unit = if choice.attribute == "height" {
                    "m"
                } else {
                    ""
                };
                Self::numeric(&choice.attribute, unit, &values)
            }
            ThemeKind::Categories => {
                let values: Vec<&str> = buildings
                    .iter()
                    .filter_map(|b| match value_of(b, &choice.attribute) {
                        Some(Value::Text(t)) => Some(t),
                        _ => None,
                    })
                    .collect();
                Self::categories(&choice.attribute, &values)
            }
        }
    }

    /// The colour of a number (sRGB).
    pub fn color_of_number(&self, x: f64) -> [f32; 3] {
        let class = self.breaks.iter().filter(|b| x >= **b).count();
        RAMP[class.min(RAMP.len() - 1)]
    }

    /// A building's colour (sRGB): [`NO_VALUE`] when it has no value for the theme.
    pub fn color(&self, b: &Building) -> [f32; 3] {
        match (self.kind, value_of(b, &self.attribute)) {
            (ThemeKind::Numeric, Some(Value::Number(x))) => self.color_of_number(x),
            (ThemeKind::Categories, Some(Value::Text(t))) => self
                .categories
                .iter()
                .position(|(c, _)| c == t)
                .map_or(NO_VALUE, |i| CATEGORY_COLORS[i % CATEGORY_COLORS.len()]),
            _ => NO_VALUE,
        }
    }

    /// The legend: a swatch and a text per class or category, then "no value".
    pub fn legend(&self) -> Vec<([f32; 3], String)> {
        let mut out = Vec::new();
        let fmt = |x: f64| {
            if x.abs() >= 100.0 || x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.1}")
            }
        };
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        match self.kind {
            ThemeKind::Numeric => {
                let mut bounds = vec![self.range.0];
                bounds.extend(&self.breaks);
                for (i, lo) in bounds.iter().enumerate() {
                    let text = match bounds.get(i + 1) {
                        Some(hi) => format!("{} – {}{unit}", fmt(*lo), fmt(*hi)),
                        None => format!("{} – {}{unit}", fmt(*lo), fmt(self.range.1)),
                    };
                    out.push((self.color_of_number(*lo), text));
                }
            }
            ThemeKind::Categories => {
                for (i, (c, n)) in self.categories.iter().enumerate() {
                    out.push((
                        CATEGORY_COLORS[i % CATEGORY_COLORS.len()],
                        format!("{c} ({n})"),
                    ));
                }
                out.push((NO_VALUE, "other or none".to_owned()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delft() -> Vec<Building> {
        use std::io::Read;
        let path = format!(
            "{}/tests/fixtures/city/3dbag_delft_v20240420.city.jsonl.gz",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let doc = super::super::cityjson::read(&text, None).unwrap();
        super::super::from_cityjson(doc, &crate::config::Config::default(), &mut |_| {})
            .unwrap()
            .buildings
    }

    #[test]
    fn real_attributes_are_offered_as_numbers_or_categories() {
        let buildings = delft();
        let choices = choices(&buildings);
        assert_eq!(choices[0].attribute, "height");
        let kind = |name: &str| choices.iter().find(|c| c.attribute == name).map(|c| c.kind);
        // 3DBAG: the year built (oorspronkelijkbouwjaar) is a number, the roof type a category.
        assert_eq!(
            kind("oorspronkelijkbouwjaar"),
            Some(ThemeKind::Numeric),
            "{choices:?}"
        );
        assert_eq!(
            kind("b3_dak_type"),
            Some(ThemeKind::Categories),
            "{choices:?}"
        );
        // Ids are neither: every building has its own.
        assert_eq!(kind("identificatie"), None);
    }

    #[test]
    fn a_numeric_theme_spreads_buildings_over_its_classes_and_a_category_theme_names_them() {
        let buildings = delft();
        let all = choices(&buildings);
        let year = all
            .iter()
            .find(|c| c.attribute == "oorspronkelijkbouwjaar")
            .unwrap();
        let theme = Theme::of(year, &buildings);
        let mut per_colour: HashMap<[u32; 3], usize> = HashMap::new();
        for b in &buildings {
            let c = theme.color(b);
            *per_colour.entry(c.map(f32::to_bits)).or_default() += 1;
        }
        // Quintiles: five classes, none empty, none holding most buildings.
        assert!(per_colour.len() >= 5, "{per_colour:?}");
        assert!(
            per_colour.values().all(|n| *n < buildings.len() / 2),
            "{per_colour:?}"
        );
        let legend = theme.legend();
        assert_eq!(legend.len(), 5);
        assert!(
            legend[0]
                .1
                .starts_with(&format!("{}", theme.range.0 as i64)),
            "{legend:?}"
        );

        let roof = all.iter().find(|c| c.attribute == "b3_dak_type").unwrap();
        let theme = Theme::of(roof, &buildings);
        let legend = theme.legend();
        assert!(
            legend.iter().any(|(_, t)| t.starts_with("slanted")),
            "{legend:?}"
        );
        assert_eq!(legend.last().unwrap().1, "other or none");
        let slanted = buildings
            .iter()
            .find(|b| {
                b.attributes
                    .iter()
                    .any(|(k, v)| k == "b3_dak_type" && v == "slanted")
            })
            .unwrap();
        assert_ne!(theme.color(slanted), NO_VALUE);
    }
}
