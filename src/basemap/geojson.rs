//! Ground features from a GeoJSON FeatureCollection in WGS84: polygons are surfaces, lines
//! are bands. Each feature's class is the one configured for the file, or else read from its
//! properties as OSM tags (`highway`, `natural`, `leisure`, `landuse`, …, as exports from
//! OpenStreetMap carry them).
//!
//! ```
//! use citytwin::basemap::{GroundClass, geojson::read};
//! let file = r#"{"type": "FeatureCollection", "features": [
//!   {"type": "Feature", "id": "b1", "properties": {"highway": "cycleway", "name": "Kanalvägen"},
//!    "geometry": {"type": "LineString", "coordinates": [[11.96, 57.70], [11.97, 57.70]]}},
//!   {"type": "Feature", "properties": {"note": "a bench"},
//!    "geometry": {"type": "Point", "coordinates": [11.96, 57.70]}}]}"#;
//! let data = read(file.as_bytes(), None).unwrap();
//! assert_eq!(data.features.len(), 1);
//! assert_eq!(data.features[0].class, GroundClass::Path);
//! assert_eq!(data.features[0].name.as_deref(), Some("Kanalvägen"));
//! ```

use super::classify::{Decision, Tags, classify};
use super::{GroundClass, GroundData, GroundFeature, Shape};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// Reads a GeoJSON FeatureCollection (or a single Feature). `class`: every feature's class;
/// without it, classes come from the properties.
pub fn read(bytes: &[u8], class: Option<GroundClass>) -> Result<GroundData, String> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let features: Vec<&Value> = match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Value::as_array)
            .ok_or("its `features` is not a list")?
            .iter()
            .collect(),
        Some("Feature") => vec![&root],
        _ => return Err("its `type` is neither FeatureCollection nor Feature".into()),
    };
    let mut data = GroundData::default();
    for (i, f) in features.into_iter().enumerate() {
        let id = match f.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => format!("feature {i}"),
        };
        feature(&mut data, id, f, class);
    }
    data.bbox = features_bbox(&data);
    Ok(data)
}

fn feature(data: &mut GroundData, id: String, f: &Value, class: Option<GroundClass>) {
    let properties: Vec<(String, String)> = f
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k.clone(), s.clone())),
                    Value::Number(n) => Some((k.clone(), n.to_string())),
                    Value::Bool(b) => Some((k.clone(), if *b { "yes" } else { "no" }.into())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let tags = Tags::new(
        properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    );
    let name = tags.get("name").map(str::to_owned);
    let geometry = f.get("geometry").unwrap_or(&Value::Null);
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry.get("coordinates").unwrap_or(&Value::Null);
    let is_area = matches!(kind, "Polygon" | "MultiPolygon");
    let decision = match class {
        Some(c) if is_area => Decision::Area(c),
        Some(c) => Decision::Line(c, line_width(&tags, c)),
        None => classify(&tags, is_area),
    };
    let (class, width_m) = match decision {
        Decision::Ignore => return,
        Decision::LeaveOut(reason) => {
            data.leave_out(reason);
            return;
        }
        Decision::Area(c) => (c, None),
        Decision::Line(c, w) => (c, Some(w)),
    };
    // The geometry decides between surface and band: a polygon is a surface whatever its
    // tags; a line is a band, or a surface when its tags call for one and it is closed.
    let shape = match (kind, width_m) {
        ("Polygon", _) => polygon(coords).map(|p| Shape::Area(MultiPolygon(vec![p]))),
        ("MultiPolygon", _) => coords
            .as_array()
            .and_then(|ps| ps.iter().map(polygon).collect::<Option<Vec<_>>>())
            .map(|ps| Shape::Area(MultiPolygon(ps))),
        ("LineString", Some(width_m)) => line(coords).map(|line| Shape::Line { line, width_m }),
        ("LineString", None) => line(coords)
            .filter(|l| l.0.len() >= 4 && l.0.first() == l.0.last())
            .map(|l| Shape::Area(MultiPolygon(vec![Polygon::new(l, vec![])]))),
        ("MultiLineString", Some(width_m)) => {
            let Some(parts) = coords.as_array() else {
                data.skip(id, "its coordinates are not a list of lines");
                return;
            };
            for (k, part) in parts.iter().enumerate() {
                match line(part) {
                    Some(line) => data.features.push(GroundFeature {
                        id: format!("{id}/{k}"),
                        class,
                        name: name.clone(),
                        shape: Shape::Line { line, width_m },
                    }),
                    None => data.skip(format!("{id}/{k}"), "a line of fewer than two valid points"),
                }
            }
            return;
        }
        ("Point" | "MultiPoint", _) => {
            data.leave_out("a point, not a surface or a line");
            return;
        }
        ("", _) => {
            data.skip(id, "no geometry");
            return;
        }
        (other, _) => {
            data.skip(
                id,
                format!("a {other} geometry where a surface or a line was expected"),
            );
            return;
        }
    };
    match shape {
        Some(shape) => data.features.push(GroundFeature {
            id,
            class,
            name,
            shape,
        }),
        None => data.skip(id, "its coordinates are not valid longitudes and latitudes"),
    }
}

/// The width of a line of a class given for the whole file: its `width` or `lanes`
/// property, else one usual for the class.
fn line_width(tags: &Tags, class: GroundClass) -> f64 {
    let default = match class {
        GroundClass::Street => 7.0,
        GroundClass::Path => 2.5,
        GroundClass::Railway => 3.0,
        GroundClass::Water => 5.0,
        _ => 3.0,
    };
    tags.get("width")
        .and_then(super::classify::parse_length_m)
        .or_else(|| {
            tags.get("lanes")
                .and_then(|l| l.trim().parse::<f64>().ok())
                .filter(|l| l.is_finite() && *l >= 1.0 && *l <= 20.0)
                .map(|l| l * super::classify::LANE_WIDTH_M)
        })
        .unwrap_or(default)
        .clamp(0.5, 80.0)
}

/// A position as `[lon, lat]`, when both are finite and in range.
fn position(v: &Value) -> Option<Coord<f64>> {
    let a = v.as_array()?;
    let (x, y) = (a.first()?.as_f64()?, a.get(1)?.as_f64()?);
    ((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)).then_some(Coord { x, y })
}

fn line(v: &Value) -> Option<LineString<f64>> {
    let points: Option<Vec<Coord<f64>>> = v.as_array()?.iter().map(position).collect();
    let points = points?;
    (points.len() >= 2).then_some(LineString(points))
}

fn polygon(v: &Value) -> Option<Polygon<f64>> {
    let mut rings = v.as_array()?.iter().map(line);
    let outer = rings.next()??;
    let holes: Option<Vec<LineString<f64>>> = rings.collect();
    (outer.0.len() >= 4).then(|| Polygon::new(outer, holes.unwrap_or_default()))
}

fn features_bbox(data: &GroundData) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let mut b: Option<[f64; 4]> = None;
    for f in &data.features {
        let r = match &f.shape {
            Shape::Area(m) => m.bounding_rect(),
            Shape::Line { line, .. } => line.bounding_rect(),
        };
        if let Some(r) = r {
            let (lo, hi) = (r.min(), r.max());
            b = Some(match b {
                Some(b) => [
                    b[0].min(lo.x),
                    b[1].min(lo.y),
                    b[2].max(hi.x),
                    b[3].max(hi.y),
                ],
                None => [lo.x, lo.y, hi.x, hi.y],
            });
        }
    }
    b
}
