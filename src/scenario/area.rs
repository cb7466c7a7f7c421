//! An area of a scenario (its site, or where it clears the baseline): a GeoJSON Polygon or
//! MultiPolygon in longitude and latitude.

use crate::geometry::Footprint;
use crate::georef::{Georef, LonLat};
use serde_json::{Value, json};
use std::path::Path;

/// A polygon area in WGS 84: polygons of rings (outline first, then holes) of `[lon, lat]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// The file as written in the scenario.
    pub file: String,
    /// The polygons.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

impl Area {
    /// Reads a GeoJSON geometry, Feature, or the first feature of a FeatureCollection; it must
    /// be a Polygon or a MultiPolygon.
    pub fn read(path: &Path, as_written: &str) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| format!("is not GeoJSON: {e}"))?;
        Self::from_geojson(&value, as_written)
    }

    /// From a GeoJSON value (geometry, Feature or FeatureCollection).
    ///
    /// ```
    /// let v = serde_json::json!({"type": "Polygon",
    ///     "coordinates": [[[0.0, 0.0], [0.001, 0.0], [0.001, 0.001], [0.0, 0.0]]]});
    /// let a = citytwin::scenario::Area::from_geojson(&v, "site.geojson").unwrap();
    /// assert_eq!(a.polygons[0][0].len(), 4);
    /// ```
    pub fn from_geojson(value: &Value, as_written: &str) -> Result<Self, String> {
        let geometry = match value.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => value
                .get("features")
                .and_then(Value::as_array)
                .and_then(|f| f.first())
                .and_then(|f| f.get("geometry"))
                .ok_or("is a FeatureCollection without a feature with a geometry")?,
            Some("Feature") => value
                .get("geometry")
                .ok_or("is a Feature without a geometry")?,
            _ => value,
        };
        let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
        let coordinates = geometry
            .get("coordinates")
            .ok_or("has a geometry without coordinates")?;
        let ring = |r: &Value| -> Result<Vec<[f64; 2]>, String> {
            r.as_array()
                .ok_or("has a ring that is not an array")?
                .iter()
                .map(|p| match p.as_array().map(Vec::as_slice) {
                    Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok([x, y]),
                        _ => Err("has a position that is not two numbers".to_owned()),
                    },
                    _ => Err("has a position that is not [longitude, latitude]".to_owned()),
                })
                .collect()
        };
        let polygon = |p: &Value| -> Result<Vec<Vec<[f64; 2]>>, String> {
            p.as_array()
                .ok_or("has a polygon that is not an array of rings")?
                .iter()
                .map(ring)
                .collect()
        };
        let polygons = match kind {
            "Polygon" => vec![polygon(coordinates)?],
            "MultiPolygon" => coordinates
                .as_array()
                .ok_or("has MultiPolygon coordinates that are not an array")?
                .iter()
                .map(polygon)
                .collect::<Result<_, _>>()?,
            other => {
                return Err(format!(
                    "must hold a Polygon or a MultiPolygon, not {}",
                    if other.is_empty() {
                        "no geometry"
                    } else {
                        other
                    }
                ));
            }
        };
        if polygons
            .iter()
            .flatten()
            .flatten()
            .any(|p| !LonLat::new(p[0], p[1]).is_valid())
        {
            return Err("has a position outside longitude −180…180, latitude −90…90".into());
        }
        Ok(Self {
            file: as_written.to_owned(),
            polygons,
        })
    }

    /// The area as a GeoJSON geometry.
    pub fn to_geojson(&self) -> Value {
        if self.polygons.len() == 1 {
            json!({"type": "Polygon", "coordinates": self.polygons[0]})
        } else {
            json!({"type": "MultiPolygon", "coordinates": self.polygons})
        }
    }

    /// The area in scene metres.
    pub fn project(&self, georef: &Georef) -> Result<Footprint, String> {
        let mut polygons = Vec::with_capacity(self.polygons.len());
        for p in &self.polygons {
            let mut rings = Vec::with_capacity(p.len());
            for r in p {
                let mut ring = Vec::with_capacity(r.len() + 1);
                for q in r {
                    let s = georef
                        .lonlat_to_scene(LonLat::new(q[0], q[1]), 0.0)
                        .map_err(|e| e.to_string())?;
                    ring.push([s[0], -s[2]]);
                }
                if ring.first() != ring.last()
                    && let Some(first) = ring.first().copied()
                {
                    ring.push(first);
                }
                rings.push(ring);
            }
            polygons.push(rings);
        }
        Footprint::new(polygons).map_err(|e| format!("{}: {e}", self.file))
    }
}
