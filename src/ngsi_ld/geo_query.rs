//! NGSI-LD geo-queries (`georel`, `geometry`, `coordinates`, `geoproperty`), and conversion
//! between GeoJSON and geo's geometries.
//!
//! Relations are computed with geo on WGS84 longitude/latitude (`within`, `contains`,
//! `intersects`, `equals`, `disjoint`, `overlaps`); distances for `near` are computed in metres
//! on a local projection around the query point, which is exact to well under 1% within
//! tens of kilometres.
//!
//! ```
//! use citytwin::ngsi_ld::geo_query::GeoQuery;
//! let q = GeoQuery::parse("near;maxDistance==800", "Point", "[13.3777,52.5162]", None).unwrap();
//! assert_eq!(q.to_params()[0], ("georel".to_owned(), "near;maxDistance==800".to_owned()));
//! ```

use super::model::Entity;
use geo::{
    BoundingRect, Coord, Distance, Euclidean, Geometry, LineString, MultiLineString, MultiPoint,
    MultiPolygon, Point, Polygon, Relate,
};
use serde_json::{Value, json};

/// The most positions a query geometry may have: testing every entity against it costs in
/// proportion.
pub const MAX_QUERY_POSITIONS: usize = 10_000;

/// Metres per degree of latitude on the mean sphere (R = 6,371,008.8 m).
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// The relation asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeoRel {
    /// Within a distance band of the query geometry (metres).
    Near {
        /// `maxDistance`.
        max: Option<f64>,
        /// `minDistance`.
        min: Option<f64>,
    },
    /// The entity lies within the query geometry.
    Within,
    /// The entity contains the query geometry.
    Contains,
    /// They intersect.
    Intersects,
    /// They are equal.
    Equals,
    /// They do not intersect.
    Disjoint,
    /// They overlap.
    Overlaps,
}

/// A geo-query.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoQuery {
    /// The relation.
    pub georel: GeoRel,
    /// The query geometry (WGS84 longitude/latitude).
    pub geometry: Geometry<f64>,
    /// The GeoProperty tested (`location` by default).
    pub property: String,
}

/// A geo-query that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid geo-query: {0}")]
pub struct GeoQueryError(pub String);

impl GeoQuery {
    /// Parses the request parameters (`coordinates` is the JSON array as text).
    pub fn parse(
        georel: &str,
        geometry: &str,
        coordinates: &str,
        geoproperty: Option<&str>,
    ) -> Result<Self, GeoQueryError> {
        // A position takes at least four bytes ("[0,0"); the text is checked before parsing.
        if coordinates.len() > 64 * MAX_QUERY_POSITIONS {
            return Err(GeoQueryError(format!(
                "the coordinates are {} bytes long; a query geometry has at most \
                 {MAX_QUERY_POSITIONS} positions",
                coordinates.len()
            )));
        }
        let coords: Value = serde_json::from_str(coordinates)
            .map_err(|e| GeoQueryError(format!("coordinates are not a JSON array: {e}")))?;
        let geometry = geometry_from_geojson(&json!({"type": geometry, "coordinates": coords}))
            .map_err(GeoQueryError)?;
        let positions = geo::CoordsIter::coords_count(&geometry);
        if positions > MAX_QUERY_POSITIONS {
            return Err(GeoQueryError(format!(
                "the query geometry has {positions} positions; at most {MAX_QUERY_POSITIONS} \
                 are accepted"
            )));
        }
        Ok(Self {
            georel: parse_georel(georel)?,
            geometry,
            property: geoproperty.unwrap_or("location").to_owned(),
        })
    }

    /// `intersects` with a polygon given as a ring of `[longitude, latitude]` (closed or not),
    /// such as the camera's ground footprint.
    pub fn intersects_ring(ring: &[[f64; 2]]) -> Result<Self, GeoQueryError> {
        let mut coords: Vec<Coord<f64>> = ring.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
        if coords.len() < 3 {
            return Err(GeoQueryError(
                "a polygon needs at least three corners".to_owned(),
            ));
        }
        if coords.first() != coords.last() {
            coords.push(coords[0]);
        }
        Ok(Self {
            georel: GeoRel::Intersects,
            geometry: Geometry::Polygon(Polygon::new(LineString::new(coords), Vec::new())),
            property: "location".to_owned(),
        })
    }

    /// The request parameters for this query.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let g = geometry_to_geojson(&self.geometry);
        let mut params = vec![
            ("georel".to_owned(), georel_text(self.georel)),
            (
                "geometry".to_owned(),
                g["type"].as_str().unwrap_or("Point").to_owned(),
            ),
            ("coordinates".to_owned(), g["coordinates"].to_string()),
        ];
        if self.property != "location" {
            params.push(("geoproperty".to_owned(), self.property.clone()));
        }
        params
    }

    /// Whether an entity's GeoProperty satisfies the query (an entity without it does not;
    /// with several instances, any of them may).
    pub fn matches(&self, e: &Entity) -> bool {
        e.attributes
            .get(&self.property)
            .into_iter()
            .flatten()
            .filter_map(|a| geometry_from_geojson(a.plain_value()).ok())
            .any(|g| self.matches_geometry(&g))
    }

    /// Whether a geometry satisfies the query.
    pub fn matches_geometry(&self, g: &Geometry<f64>) -> bool {
        match self.georel {
            GeoRel::Near { max, min } => {
                let d = distance_m(g, &self.geometry);
                max.is_none_or(|m| d <= m) && min.is_none_or(|m| d >= m)
            }
            GeoRel::Within => g.relate(&self.geometry).is_within(),
            GeoRel::Contains => g.relate(&self.geometry).is_contains(),
            GeoRel::Intersects => g.relate(&self.geometry).is_intersects(),
            GeoRel::Equals => g.relate(&self.geometry).is_equal_topo(),
            GeoRel::Disjoint => g.relate(&self.geometry).is_disjoint(),
            GeoRel::Overlaps => g.relate(&self.geometry).is_overlaps(),
        }
    }

    /// A longitude/latitude box outside which no match can lie (`None` when matches may lie
    /// anywhere, as for `disjoint` or `minDistance`).
    pub fn candidate_bbox(&self) -> Option<[f64; 4]> {
        let r = self.geometry.bounding_rect()?;
        let (mut b, lat) = ([r.min().x, r.min().y, r.max().x, r.max().y], r.center().y);
        match self.georel {
            GeoRel::Disjoint | GeoRel::Near { max: None, .. } => None,
            GeoRel::Near { max: Some(m), .. } => {
                let dlat = m / METRES_PER_DEGREE * 1.01;
                let dlon = dlat / lat.to_radians().cos().max(0.01);
                b = [b[0] - dlon, b[1] - dlat, b[2] + dlon, b[3] + dlat];
                Some(b)
            }
            _ => Some(b),
        }
    }
}

fn parse_georel(s: &str) -> Result<GeoRel, GeoQueryError> {
    let mut parts = s.split(';');
    let rel = parts.next().unwrap_or_default().trim();
    let simple = match rel {
        "within" => Some(GeoRel::Within),
        "contains" => Some(GeoRel::Contains),
        "intersects" => Some(GeoRel::Intersects),
        "equals" => Some(GeoRel::Equals),
        "disjoint" => Some(GeoRel::Disjoint),
        "overlaps" => Some(GeoRel::Overlaps),
        "near" => None,
        other => {
            return Err(GeoQueryError(format!(
                "unknown georel `{other}`; use near, within, contains, intersects, equals, \
                 disjoint or overlaps"
            )));
        }
    };
    if let Some(rel) = simple {
        return Ok(rel);
    }
    let (mut max, mut min) = (None, None);
    for modifier in parts {
        let (key, value) = modifier.split_once("==").ok_or_else(|| {
            GeoQueryError(format!(
                "near needs maxDistance==N or minDistance==N, not `{modifier}`"
            ))
        })?;
        let metres: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|m: &f64| m.is_finite() && *m >= 0.0)
            .ok_or_else(|| GeoQueryError(format!("`{value}` is not a distance in metres")))?;
        match key.trim() {
            "maxDistance" => max = Some(metres),
            "minDistance" => min = Some(metres),
            other => return Err(GeoQueryError(format!("unknown near modifier `{other}`"))),
        }
    }
    if max.is_none() && min.is_none() {
        return Err(GeoQueryError(
            "near needs maxDistance==N or minDistance==N (metres)".to_owned(),
        ));
    }
    Ok(GeoRel::Near { max, min })
}

fn georel_text(r: GeoRel) -> String {
    match r {
        GeoRel::Near { max, min } => {
            let mut s = "near".to_owned();
            if let Some(m) = max {
                s.push_str(&format!(";maxDistance=={m}"));
            }
            if let Some(m) = min {
                s.push_str(&format!(";minDistance=={m}"));
            }
            s
        }
        GeoRel::Within => "within".into(),
        GeoRel::Contains => "contains".into(),
        GeoRel::Intersects => "intersects".into(),
        GeoRel::Equals => "equals".into(),
        GeoRel::Disjoint => "disjoint".into(),
        GeoRel::Overlaps => "overlaps".into(),
    }
}

/// Distance in metres between two longitude/latitude geometries (0 when they touch).
pub fn distance_m(a: &Geometry<f64>, b: &Geometry<f64>) -> f64 {
    let origin = b
        .bounding_rect()
        .map_or(Coord { x: 0.0, y: 0.0 }, |r| r.center());
    let k = origin.y.to_radians().cos();
    let project = |g: &Geometry<f64>| {
        use geo::MapCoords;
        g.map_coords(|c| Coord {
            x: (c.x - origin.x) * k * METRES_PER_DEGREE,
            y: (c.y - origin.y) * METRES_PER_DEGREE,
        })
    };
    Euclidean.distance(&project(a), &project(b))
}

fn position(v: &Value) -> Result<Coord<f64>, String> {
    let (Some(x), Some(y)) = (
        v.get(0).and_then(Value::as_f64),
        v.get(1).and_then(Value::as_f64),
    ) else {
        return Err(format!("a position must be [longitude, latitude], not {v}"));
    };
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(format!(
            "the position [{x}, {y}] is outside longitude −180..180 and latitude −90..90"
        ));
    }
    Ok(Coord { x, y })
}

fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what} must be an array"))
}

fn line(v: &Value) -> Result<LineString<f64>, String> {
    Ok(LineString::new(
        array(v, "a line")?
            .iter()
            .map(position)
            .collect::<Result<_, _>>()?,
    ))
}

fn polygon(v: &Value) -> Result<Polygon<f64>, String> {
    let rings = array(v, "a polygon")?;
    let mut lines = rings.iter().map(line);
    let exterior = lines.next().ok_or("a polygon needs an outer ring")??;
    if exterior.0.len() < 4 || exterior.0.first() != exterior.0.last() {
        return Err("a polygon's rings must be closed and have at least 4 positions".to_owned());
    }
    Ok(Polygon::new(exterior, lines.collect::<Result<_, _>>()?))
}

/// A GeoJSON geometry as a geo geometry (altitudes are ignored).
pub fn geometry_from_geojson(v: &Value) -> Result<Geometry<f64>, String> {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
    let c = v.get("coordinates").unwrap_or(&Value::Null);
    Ok(match kind {
        "Point" => Geometry::Point(Point(position(c)?)),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint(
            array(c, "coordinates")?
                .iter()
                .map(|p| position(p).map(Point))
                .collect::<Result<_, _>>()?,
        )),
        "LineString" => Geometry::LineString(line(c)?),
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            array(c, "coordinates")?
                .iter()
                .map(line)
                .collect::<Result<_, _>>()?,
        )),
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            array(c, "coordinates")?
                .iter()
                .map(polygon)
                .collect::<Result<_, _>>()?,
        )),
        "" => return Err("not a GeoJSON geometry (no `type`)".to_owned()),
        other => return Err(format!("unsupported geometry type `{other}`")),
    })
}

/// A geo geometry as GeoJSON.
pub fn geometry_to_geojson(g: &Geometry<f64>) -> Value {
    let pos = |c: &Coord<f64>| json!([c.x, c.y]);
    let line = |l: &LineString<f64>| Value::Array(l.0.iter().map(pos).collect());
    let poly = |p: &Polygon<f64>| {
        Value::Array(
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(line)
                .collect(),
        )
    };
    match g {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": pos(&p.0)}),
        Geometry::MultiPoint(m) => {
            json!({"type": "MultiPoint", "coordinates": m.0.iter().map(|p| pos(&p.0)).collect::<Vec<_>>()})
        }
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": line(l)}),
        Geometry::MultiLineString(m) => {
            json!({"type": "MultiLineString", "coordinates": m.0.iter().map(line).collect::<Vec<_>>()})
        }
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": poly(p)}),
        Geometry::MultiPolygon(m) => {
            json!({"type": "MultiPolygon", "coordinates": m.0.iter().map(poly).collect::<Vec<_>>()})
        }
        other => {
            let r = other.bounding_rect();
            json!({"type": "Point", "coordinates": r.map_or(json!([0, 0]), |r| pos(&r.center()))})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, d: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]})
    }

    #[test]
    fn relations() {
        let building = geometry_from_geojson(&square(10.0, 50.0, 0.001)).unwrap();
        let around = GeoQuery::parse(
            "within",
            "Polygon",
            &square(9.99, 49.99, 0.1)["coordinates"].to_string(),
            None,
        )
        .unwrap();
        assert!(around.matches_geometry(&building));
        let crossing = GeoQuery::parse(
            "intersects",
            "Polygon",
            &square(10.0005, 50.0005, 0.01)["coordinates"].to_string(),
            None,
        )
        .unwrap();
        assert!(crossing.matches_geometry(&building));
        let within_crossing = GeoQuery {
            georel: GeoRel::Within,
            ..crossing.clone()
        };
        assert!(!within_crossing.matches_geometry(&building));
        let far = GeoQuery::parse("disjoint", "Point", "[11, 51]", None).unwrap();
        assert!(far.matches_geometry(&building));
        let inside_point =
            GeoQuery::parse("contains", "Point", "[10.0005, 50.0005]", None).unwrap();
        assert!(inside_point.matches_geometry(&building));
    }

    #[test]
    fn near_in_metres() {
        // 0.001° of latitude ≈ 111.2 m.
        let p = geometry_from_geojson(&json!({"type": "Point", "coordinates": [10.0, 50.001]}))
            .unwrap();
        let q = |r: &str| {
            GeoQuery::parse(r, "Point", "[10.0, 50.0]", None)
                .unwrap()
                .matches_geometry(&p)
        };
        assert!(q("near;maxDistance==112") && !q("near;maxDistance==110"));
        assert!(q("near;minDistance==100") && !q("near;minDistance==120"));
        assert!(q("near;minDistance==100;maxDistance==120"));
        // Distance to a polygon is to its edge.
        let b = geometry_from_geojson(&square(10.0, 50.001, 0.001)).unwrap();
        assert!(
            GeoQuery::parse("near;maxDistance==112", "Point", "[10.0005, 50.0]", None)
                .unwrap()
                .matches_geometry(&b)
        );
    }

    #[test]
    fn bad_queries_are_explained() {
        assert!(
            GeoQuery::parse("nearby", "Point", "[1,2]", None)
                .unwrap_err()
                .0
                .contains("unknown georel")
        );
        assert!(
            GeoQuery::parse("near", "Point", "[1,2]", None)
                .unwrap_err()
                .0
                .contains("maxDistance")
        );
        assert!(
            GeoQuery::parse("near;maxDistance=10", "Point", "[1,2]", None).is_err(),
            "a single = is refused"
        );
        assert!(
            GeoQuery::parse("within", "Polygon", "[[[0,0],[1,0],[1,1]]]", None)
                .unwrap_err()
                .0
                .contains("closed")
        );
        assert!(
            GeoQuery::parse("within", "Point", "[200, 0]", None)
                .unwrap_err()
                .0
                .contains("outside")
        );
        assert!(
            GeoQuery::parse("within", "Point", "nope", None)
                .unwrap_err()
                .0
                .contains("JSON")
        );
    }

    #[test]
    fn geojson_round_trip_and_params() {
        let g = square(1.0, 2.0, 0.5);
        assert_eq!(geometry_to_geojson(&geometry_from_geojson(&g).unwrap()), g);
        let q = GeoQuery::parse(
            "intersects",
            "Polygon",
            &g["coordinates"].to_string(),
            Some("footprint"),
        )
        .unwrap();
        let params = q.to_params();
        assert_eq!(params[1].1, "Polygon");
        assert_eq!(
            params[3],
            ("geoproperty".to_owned(), "footprint".to_owned())
        );
        let again =
            GeoQuery::parse(&params[0].1, &params[1].1, &params[2].1, Some(&params[3].1)).unwrap();
        assert_eq!(again, q);
        let bbox = GeoQuery::parse("near;maxDistance==1000", "Point", "[10, 50]", None)
            .unwrap()
            .candidate_bbox()
            .unwrap();
        // 1 km is 0.009° of latitude and 0.014° of longitude at 50°N.
        assert!(bbox[1] < 49.991 && bbox[3] > 50.009 && bbox[0] < 9.986 && bbox[0] > 9.98);
    }
}
