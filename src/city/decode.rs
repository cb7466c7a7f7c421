//! Decoding one NGSI-LD Building entity (or GeoJSON feature) into a [`Building`].
//!
//! Smart Data Models' Building has no height; citytwin uses, in this order, a `height`
//! attribute, else `floorsAboveGround` × the storey height, else a default, and records which
//! ([`HeightSource`]). Plain GeoJSON files use `height_source`, `levels`, `min_height` and
//! `addr_*` properties instead; both spellings are read.

use super::{Building, HeightSource};
use crate::config::Config;
use crate::geometry::{Footprint, FootprintError, Limits, Ring, check_height};
use crate::georef::{Georef, LonLat};
use crate::ngsi_ld::{Attribute, AttributeKind, Entity};
use serde_json::Value;

/// Decoding settings taken from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeSettings {
    /// Height when the data has none (m).
    pub default_height: f64,
    /// Height of one storey (m).
    pub storey_height: f64,
    /// Farthest accepted distance from the origin (m).
    pub max_distance_m: f64,
    /// Caps on one footprint (`data.max_*_per_building`).
    pub limits: Limits,
}

impl DecodeSettings {
    /// From `[buildings]` and `[scene]`.
    pub fn from_config(c: &Config) -> Self {
        Self {
            default_height: c.buildings.default_height,
            storey_height: c.buildings.storey_height,
            max_distance_m: c.scene.max_distance_km * 1000.0,
            limits: c.data.footprint_limits(),
        }
    }
}

/// The first attribute found under any of `names`.
fn first<'a>(e: &'a Entity, names: &[&str]) -> Option<&'a Attribute> {
    names.iter().find_map(|n| e.attribute(n))
}

/// Decodes a building; the error is the reason it was skipped.
pub fn building(e: &Entity, georef: &Georef, s: &DecodeSettings) -> Result<Building, String> {
    let rings = footprint_lonlat(e)?;
    s.limits.check(&rings).map_err(|e| e.to_string())?;
    let footprint = project(&rings, georef, s)?;
    let (height, height_source) = height(e, s)?;
    let base = match first(e, &["minHeight", "min_height"]) {
        None => 0.0,
        Some(a) => length_in_metres(a).map_err(|m| format!("minHeight {m}"))?,
    };
    check_height(height, base).map_err(|e| e.to_string())?;
    Ok(Building {
        id: e.id.clone(),
        name: first(e, &["name"])
            .and_then(text)
            .map(|t| clip(t, MAX_NAME_CHARS)),
        address: address(e).map(|t| clip(t, MAX_NAME_CHARS)),
        height,
        base,
        height_source,
        footprint,
        attributes: inspector_attributes(e),
        shell: None,
        elevation: 0.0,
        own_ground: None,
    })
}

/// The `location` geometry as polygons of rings of [lon, lat].
fn footprint_lonlat(e: &Entity) -> Result<Vec<Vec<Vec<[f64; 2]>>>, String> {
    let Some(location) = e.attribute("location") else {
        return Err("has no location (a GeoProperty with its footprint)".to_owned());
    };
    if location.kind != AttributeKind::GeoProperty && location.kind != AttributeKind::Property {
        return Err(format!(
            "its location is a {}, not a GeoProperty",
            location.kind.name()
        ));
    }
    let geometry = location.plain_value();
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry.get("coordinates");
    match (kind, coords) {
        ("Polygon", Some(c)) => Ok(vec![polygon(c)?]),
        ("MultiPolygon", Some(Value::Array(polys))) => {
            if polys.is_empty() {
                return Err(FootprintError::Empty.to_string());
            }
            polys.iter().map(polygon).collect()
        }
        ("Polygon" | "MultiPolygon", _) => Err(format!("its {kind} has no coordinates array")),
        ("", _) => Err("its location is not a GeoJSON geometry".to_owned()),
        (other, _) => Err(format!(
            "its location is a {other}; a building needs a Polygon or MultiPolygon footprint"
        )),
    }
}

fn polygon(v: &Value) -> Result<Vec<Vec<[f64; 2]>>, String> {
    let Value::Array(rings) = v else {
        return Err("a polygon's coordinates must be an array of rings".to_owned());
    };
    if rings.is_empty() {
        return Err(FootprintError::Empty.to_string());
    }
    rings
        .iter()
        .map(|ring| {
            let Value::Array(points) = ring else {
                return Err("a ring must be an array of positions".to_owned());
            };
            points
                .iter()
                .map(|p| {
                    let (Some(lon), Some(lat)) = (
                        p.get(0).and_then(Value::as_f64),
                        p.get(1).and_then(Value::as_f64),
                    ) else {
                        return Err(format!("has a position that is not two numbers: {p}"));
                    };
                    if !LonLat::new(lon, lat).is_valid() {
                        return Err(format!(
                            "has the coordinate ({lon}, {lat}), outside longitude −180..180 \
                             and latitude −90..90"
                        ));
                    }
                    Ok([lon, lat])
                })
                .collect()
        })
        .collect()
}

/// Projects rings into scene metres and validates the footprint.
fn project(
    polygons: &[Vec<Vec<[f64; 2]>>],
    georef: &Georef,
    s: &DecodeSettings,
) -> Result<Footprint, String> {
    let max_distance = s.max_distance_m;
    let mut out: Vec<Vec<Ring>> = Vec::with_capacity(polygons.len());
    for rings in polygons {
        let mut projected = Vec::with_capacity(rings.len());
        for ring in rings {
            let mut r = Vec::with_capacity(ring.len());
            for p in ring {
                let s = georef
                    .lonlat_to_scene(LonLat::new(p[0], p[1]), 0.0)
                    .map_err(|e| e.to_string())?;
                let d = s[0].hypot(s[2]);
                if d > max_distance {
                    return Err(format!(
                        "lies {:.0} km from the scene origin, farther than scene.max_distance_km \
                         ({:.0} km); are longitude and latitude swapped?",
                        d / 1000.0,
                        max_distance / 1000.0
                    ));
                }
                r.push([s[0], -s[2]]);
            }
            projected.push(r);
        }
        out.push(projected);
    }
    Footprint::with_limits(out, &s.limits).map_err(|e| e.to_string())
}

/// A length attribute in metres, honouring `unitCode`.
fn length_in_metres(a: &Attribute) -> Result<f64, String> {
    let Some(v) = a.as_f64() else {
        return Err(format!("is not a number ({})", a.display_value()));
    };
    let factor = match a.unit_code.as_deref() {
        None | Some("MTR") => 1.0,
        Some("CMT") => 0.01,
        Some("MMT") => 0.001,
        Some("FOT") => 0.3048,
        Some(other) => {
            return Err(format!(
                "has the unit {other}; citytwin reads MTR, CMT, MMT and FOT"
            ));
        }
    };
    Ok(v * factor)
}

fn height(e: &Entity, s: &DecodeSettings) -> Result<(f64, HeightSource), String> {
    if let Some(h) = e.attribute("height") {
        let metres = length_in_metres(h).map_err(|m| format!("its height {m}"))?;
        let detail = h
            .sub("heightSource")
            .and_then(text)
            .or_else(|| first(e, &["heightSource", "height_source"]).and_then(text));
        return Ok((metres, HeightSource::Attribute { detail }));
    }
    if let Some(floors) = first(e, &["floorsAboveGround", "levels"]).and_then(Attribute::as_f64)
        && floors > 0.0
    {
        return Ok((
            floors * s.storey_height,
            HeightSource::Floors {
                floors,
                storey_height: s.storey_height,
            },
        ));
    }
    Ok((s.default_height, HeightSource::Default))
}

/// A text value: a string, or the English (else first) entry of a LanguageProperty.
fn text(a: &Attribute) -> Option<String> {
    match (a.kind, a.plain_value()) {
        (_, Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        (AttributeKind::LanguageProperty, Value::Object(map)) => map
            .get("en")
            .or_else(|| map.get("@none"))
            .or_else(|| map.values().next())
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

/// One line: "620 8th Avenue, New York, NY 10018".
fn address(e: &Entity) -> Option<String> {
    let join = |parts: &[Option<String>], sep: &str| {
        let v: Vec<String> = parts
            .iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect();
        (!v.is_empty()).then(|| v.join(sep))
    };
    if let Some(Value::Object(a)) = e.attribute("address").map(Attribute::plain_value) {
        let get = |k: &str| {
            a.get(k)
                .and_then(Value::as_str)
                .map(|s| s.trim().to_owned())
        };
        let street = join(&[get("streetNr"), get("streetAddress")], " ");
        let region = join(&[get("addressRegion"), get("postalCode")], " ");
        return join(
            &[
                street,
                get("addressLocality"),
                region,
                get("addressCountry"),
            ],
            ", ",
        );
    }
    let get = |k: &str| e.attribute(k).and_then(text);
    let street = join(&[get("addr_housenumber"), get("addr_street")], " ");
    let region = join(&[get("addr_state"), get("addr_postcode")], " ");
    join(&[street, get("addr_city"), region], ", ")
}

/// The longest name or address kept for a building (characters).
const MAX_NAME_CHARS: usize = 200;

/// The longest attribute value kept for the inspector (characters).
const MAX_VALUE_CHARS: usize = 2_000;

/// `text` cut to `max` characters, saying how long it was.
fn clip(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text,
        Some((cut, _)) => format!("{}… ({} characters)", &text[..cut], text.chars().count()),
    }
}

/// Every attribute as readable text, sub-attributes as `name.sub`, each value at most
/// [`MAX_VALUE_CHARS`] characters.
pub(crate) fn inspector_attributes(e: &Entity) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, instances) in &e.attributes {
        for a in instances {
            let label = match &a.dataset_id {
                Some(d) => format!("{name} [{d}]"),
                None => name.clone(),
            };
            let value = if a.kind == AttributeKind::GeoProperty {
                describe_geometry(a.plain_value())
            } else {
                a.display_value()
            };
            out.push((label.clone(), clip(value, MAX_VALUE_CHARS)));
            for (sub, subs) in &a.sub_attributes {
                for s in subs {
                    out.push((
                        format!("{label}.{sub}"),
                        clip(s.display_value(), MAX_VALUE_CHARS),
                    ));
                }
            }
            if let Some(t) = &a.observed_at {
                out.push((format!("{label}.observedAt"), t.clone()));
            }
        }
    }
    out
}

fn describe_geometry(g: &Value) -> String {
    fn count(v: &Value) -> usize {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_number) => 1,
            Value::Array(items) => items.iter().map(count).sum(),
            _ => 0,
        }
    }
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("geometry");
    let points = g.get("coordinates").map_or(0, count);
    format!("{kind}, {points} points")
}

/// The median of the entities' first coordinates (of any GeoJSON location): a robust middle
/// of the data, unmoved by a few misplaced entities.
pub fn median_location(entities: &[&Entity]) -> Option<LonLat> {
    fn first_position(v: &Value) -> Option<[f64; 2]> {
        let items = v.as_array()?;
        match (
            items.first()?.as_f64(),
            items.get(1).and_then(Value::as_f64),
        ) {
            (Some(lon), Some(lat)) => Some([lon, lat]),
            _ => first_position(items.first()?),
        }
    }
    let mut lons = Vec::with_capacity(entities.len());
    let mut lats = Vec::with_capacity(entities.len());
    for e in entities {
        let Some(p) = e
            .attribute("location")
            .and_then(|l| l.plain_value().get("coordinates"))
            .and_then(first_position)
        else {
            continue;
        };
        if !LonLat::new(p[0], p[1]).is_valid() {
            continue;
        }
        lons.push(p[0]);
        lats.push(p[1]);
    }
    if lons.is_empty() {
        return None;
    }
    lons.sort_by(f64::total_cmp);
    lats.sort_by(f64::total_cmp);
    Some(LonLat::new(lons[lons.len() / 2], lats[lats.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ngsi_ld::{Representation, parse_entity};
    use serde_json::json;

    #[test]
    fn long_texts_are_clipped_with_their_length() {
        assert_eq!(clip("abcdef".into(), 3), "abc… (6 characters)");
        assert_eq!(clip("åäö".into(), 3), "åäö");
        let e = entity(
            json!({"id": "urn:long", "type": "Building", "name": "x".repeat(1_000_000),
            "note": "y".repeat(1_000_000), "location": square_at(-73.985, 40.75)}),
        );
        let b = building(&e, &georef(), &settings()).unwrap();
        assert!(b.name.unwrap().ends_with("(1000000 characters)"));
        let note = &b.attributes.iter().find(|(k, _)| k == "note").unwrap().1;
        assert!(note.chars().count() < 2_100, "{}", note.len());
    }

    fn settings() -> DecodeSettings {
        DecodeSettings {
            default_height: 9.6,
            storey_height: 3.2,
            max_distance_m: 50_000.0,
            limits: Limits::default(),
        }
    }

    fn georef() -> Georef {
        Georef::new(LonLat::new(-73.99, 40.75), None).unwrap()
    }

    fn entity(v: Value) -> Entity {
        parse_entity(&v, Representation::Auto).unwrap().0
    }

    fn square_at(lon: f64, lat: f64) -> Value {
        let d = 0.0002;
        json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
    }

    #[test]
    fn height_rules_in_order() {
        let g = georef();
        let with_height = entity(json!({"id": "urn:a", "type": "Building",
            "location": {"type": "GeoProperty", "value": square_at(-73.99, 40.75)},
            "height": {"type": "Property", "value": 100, "unitCode": "FOT",
                       "heightSource": {"type": "Property", "value": "height_tag"}},
            "floorsAboveGround": {"type": "Property", "value": 7}}));
        let b = building(&with_height, &g, &settings()).unwrap();
        assert!((b.height - 30.48).abs() < 1e-9);
        assert!(
            b.height_source
                .describe()
                .contains("OpenStreetMap height tag")
        );

        let with_floors = entity(json!({"id": "urn:b", "type": "Building",
            "location": {"type": "GeoProperty", "value": square_at(-73.99, 40.75)},
            "floorsAboveGround": {"type": "Property", "value": 7}}));
        let b = building(&with_floors, &g, &settings()).unwrap();
        assert!((b.height - 22.4).abs() < 1e-9);
        assert_eq!(b.height_source.label(), "floors");

        let bare = entity(json!({"id": "urn:c", "type": "Building",
            "location": {"type": "GeoProperty", "value": square_at(-73.99, 40.75)}}));
        let b = building(&bare, &g, &settings()).unwrap();
        assert_eq!((b.height, b.height_source), (9.6, HeightSource::Default));
    }

    #[test]
    fn bad_buildings_have_reasons() {
        let g = georef();
        let cases = [
            (
                json!({"id": "urn:1", "type": "Building"}),
                "has no location",
            ),
            (
                json!({"id": "urn:2", "type": "Building", "location": {"type": "Point", "coordinates": [-73.99, 40.75]}}),
                "is a Point",
            ),
            (
                json!({"id": "urn:3", "type": "Building", "location": square_at(-73.99, 40.75), "height": -4}),
                "not positive",
            ),
            (
                json!({"id": "urn:4", "type": "Building", "location": square_at(-73.99, 40.75), "height": 5000}),
                "absurd",
            ),
            (
                json!({"id": "urn:5", "type": "Building", "location": square_at(-73.99, 40.75), "height": "tall"}),
                "not a number",
            ),
            (
                json!({"id": "urn:6", "type": "Building", "location": square_at(40.75, -73.99)}),
                "are longitude and latitude swapped",
            ),
            (
                json!({"id": "urn:7", "type": "Building", "location": square_at(-200.0, 40.75)}),
                "outside longitude",
            ),
            (
                json!({"id": "urn:8", "type": "Building", "location": {"type": "Polygon", "coordinates": [[[-73.99, 40.75], [-73.98, 40.75], [-73.98, 40.76]]]}}),
                "not closed",
            ),
            (
                json!({"id": "urn:9", "type": "Building", "location": {"type": "Polygon", "coordinates": []}}),
                "empty",
            ),
            (
                json!({"id": "urn:10", "type": "Building", "location": {"type": "Polygon", "coordinates": [[[-73.99, 40.75], [-73.98, 40.76], [-73.98, 40.75], [-73.99, 40.76], [-73.99, 40.75]]]}}),
                "self-intersection",
            ),
            (
                json!({"id": "urn:11", "type": "Building", "location": {"type": "Polygon", "coordinates": [[[-73.99, 40.75], ["x", 40.76]]]}}),
                "not two numbers",
            ),
        ];
        for (v, expected) in cases {
            let e = entity(v);
            let err = building(&e, &g, &settings()).unwrap_err();
            assert!(err.contains(expected), "{}: {err}", e.id);
        }
    }

    #[test]
    fn geojson_style_properties() {
        let e = entity(
            json!({"id": "way/1", "type": "Building", "location": square_at(-73.99, 40.75),
            "height": 20.0, "height_source": "levels", "min_height": 4.0,
            "addr_housenumber": "350", "addr_street": "5th Avenue", "addr_city": "New York",
            "addr_state": "NY", "addr_postcode": "10118"}),
        );
        let b = building(&e, &georef(), &settings()).unwrap();
        assert_eq!(b.base, 4.0);
        assert_eq!(
            b.address.as_deref(),
            Some("350 5th Avenue, New York, NY 10118")
        );
        assert!(b.height_source.describe().contains("building:levels"));
    }
}
