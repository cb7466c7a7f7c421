//! A sensor layer: which entity type it shows, which attribute, and how a value becomes a
//! colour, a label and a legend entry.

use super::Reading;
use crate::config::{Config, SensorLayerConfig, parse_hex_color};
use crate::language::{Language, Localized};

use crate::config::MarkerShape;

/// Colour of a marker whose reading is too old.
pub const STALE_COLOR: [f32; 3] = [0.55, 0.55, 0.57];
/// Colour of a marker whose reading is missing or not on the layer's scale.
pub const NO_DATA_COLOR: [f32; 3] = [0.85, 0.85, 0.87];

/// How a layer colours values.
#[derive(Debug, Clone, PartialEq)]
pub enum Colors {
    /// A scale for numbers: each stop's lower bound, colour and legend text.
    Stops {
        /// `(at, colour, label)`, ascending.
        stops: Vec<(f64, [f32; 3], Localized)>,
        /// Blend between stops instead of bands.
        blend: bool,
    },
    /// A colour per text value: `(value, colour, label)`.
    Categories(Vec<(String, [f32; 3], Localized)>),
}

/// One line of a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// Swatch colour (sRGB, 0–1).
    pub color: [f32; 3],
    /// What it means.
    pub text: String,
}

/// A sensor layer, ready to use (colours parsed).
#[derive(Debug, Clone, PartialEq)]
pub struct SensorLayer {
    /// The configuration name (`[sensor_layers.ID]`).
    pub id: String,
    /// Name shown to people.
    pub name: Localized,
    /// Entity type.
    pub entity_type: String,
    /// Attribute read.
    pub attribute: String,
    /// Unit when the data gives none.
    pub unit: String,
    /// Multiplier applied to numbers.
    pub factor: f64,
    /// Decimals in labels.
    pub decimals: usize,
    /// Marker shape.
    pub marker: MarkerShape,
    /// Colours.
    pub colors: Colors,
    /// Label template.
    pub label: String,
    /// Shown at start.
    pub visible: bool,
}

impl SensorLayer {
    /// From a validated configuration entry.
    pub fn from_config(id: &str, c: &SensorLayerConfig) -> Self {
        let color = |s: &str| parse_hex_color(s).unwrap_or(NO_DATA_COLOR);
        let colors = if c.categories.is_empty() {
            Colors::Stops {
                stops: c
                    .stops
                    .iter()
                    .map(|s| (s.at, color(&s.color), s.label.clone()))
                    .collect(),
                blend: c.blend,
            }
        } else {
            Colors::Categories(
                c.categories
                    .iter()
                    .map(|k| (k.value.clone(), color(&k.color), k.label.clone()))
                    .collect(),
            )
        };
        Self {
            id: id.to_owned(),
            name: c.name.clone(),
            entity_type: c.entity_type.clone(),
            attribute: c.attribute.clone(),
            unit: c.unit.clone(),
            factor: c.factor,
            decimals: c.decimals as usize,
            marker: c.marker,
            colors,
            label: c.label.clone(),
            visible: c.visible,
        }
    }

    /// All layers of a configuration, in name order.
    pub fn all(config: &Config) -> Vec<SensorLayer> {
        config
            .sensor_layers
            .iter()
            .map(|(id, c)| Self::from_config(id, c))
            .collect()
    }

    /// The colour of a reading, or `None` when the scale has no colour for it.
    pub fn color(&self, reading: &Reading) -> Option<[f32; 3]> {
        match (&self.colors, reading) {
            (Colors::Stops { stops, blend }, Reading::Number(v)) => stop_color(stops, *blend, *v),
            (Colors::Categories(cats), r) => {
                let key = match r {
                    Reading::Text(t) => t.clone(),
                    Reading::Number(n) => n.to_string(),
                    Reading::Missing => return None,
                };
                cats.iter()
                    .find(|(v, _, _)| v.eq_ignore_ascii_case(&key))
                    .map(|(_, c, _)| *c)
            }
            _ => None,
        }
    }

    /// The legend: one entry per stop or category.
    pub fn legend(&self, language: Language) -> Vec<LegendEntry> {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        match &self.colors {
            Colors::Stops { stops, blend } => stops
                .iter()
                .enumerate()
                .map(|(i, (at, color, label))| {
                    let range = match (blend, stops.get(i + 1)) {
                        (false, Some((next, _, _))) => format!("{at}–{next}{unit}"),
                        (false, None) => format!("{at}+{unit}"),
                        (true, _) => format!("{at}{unit}"),
                    };
                    let text = if label.is_empty() {
                        range
                    } else {
                        format!("{range}  {}", label.get(language))
                    };
                    LegendEntry {
                        color: *color,
                        text,
                    }
                })
                .collect(),
            Colors::Categories(cats) => cats
                .iter()
                .map(|(value, color, label)| LegendEntry {
                    color: *color,
                    text: if label.is_empty() {
                        value.clone()
                    } else {
                        label.get(language).to_owned()
                    },
                })
                .collect(),
        }
    }
}

fn stop_color(stops: &[(f64, [f32; 3], Localized)], blend: bool, v: f64) -> Option<[f32; 3]> {
    if !v.is_finite() || stops.is_empty() {
        return None;
    }
    let i = stops.iter().rposition(|(at, _, _)| v >= *at);
    let Some(i) = i else {
        // Below the first stop: its colour (a scale starts at its lowest meaningful value).
        return Some(stops[0].1);
    };
    match (blend, stops.get(i + 1)) {
        (true, Some((next_at, next, _))) => {
            let (at, c, _) = &stops[i];
            let t = ((v - at) / (next_at - at)) as f32;
            Some([
                c[0] + (next[0] - c[0]) * t,
                c[1] + (next[1] - c[1]) * t,
                c[2] + (next[2] - c[2]) * t,
            ])
        }
        _ => Some(stops[i].1),
    }
}
