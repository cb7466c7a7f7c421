//! CityJSON 1.1 and 2.0 files and CityJSONSeq streams (`.city.json`, `.city.jsonl`): their
//! buildings with the surfaces of one level of detail, roofs, walls and ground told apart.
//! No Bevy and no reprojection here: coordinates stay in the file's CRS (the `transform`
//! applied), which [`Document::crs`] names for the georeference.
//!
//! * A `Building` and its `BuildingPart`s (found through `children`/`parents`) become one
//!   [`CityBuilding`]; a part without a parent is a building of its own.
//! * The LoD is the one asked for when a building has it, else its highest (`"2.2"` over
//!   `"1.3"`); LoD 0 (a footprint) is used as the footprint, never as the volume.
//! * Surfaces take their kind from the semantics (`RoofSurface`, `WallSurface`,
//!   `GroundSurface`, …); files without semantics (LoD1 extrusions) get it from each surface's
//!   orientation ([`SurfaceKind::from_normal`]).
//! * Objects of other types (roads, land use, water, bridges) are counted, not loaded; a
//!   building without usable geometry is skipped with the reason.
//!
//! ```
//! use citytwin::city::cityjson::{read, SurfaceKind};
//! let text = r#"{"type": "CityJSON", "version": "2.0",
//!   "transform": {"scale": [0.01, 0.01, 0.01], "translate": [1000, 2000, 0]},
//!   "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/7415"},
//!   "CityObjects": {"b1": {"type": "Building", "geometry": [{"type": "MultiSurface", "lod": "2",
//!       "boundaries": [[[0, 1, 2, 3]]],
//!       "semantics": {"surfaces": [{"type": "RoofSurface"}], "values": [0]}}]}},
//!   "vertices": [[0, 0, 500], [1000, 0, 500], [1000, 1000, 500], [0, 1000, 500]]}"#;
//! let doc = read(text, None).unwrap();
//! assert_eq!(doc.crs.as_deref(), Some("EPSG:7415"));
//! let b = &doc.buildings[0];
//! assert_eq!(b.surfaces[0].kind, SurfaceKind::Roof);
//! assert_eq!(b.surfaces[0].rings[0][2], [1010.0, 2010.0, 5.0]);
//! assert!((b.surfaces[0].area() - 100.0).abs() < 1e-9);
//! ```

use crate::ngsi_ld::SkippedItem;
use geo::TriangulateEarcut;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a surface is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum SurfaceKind {
    /// A roof (`RoofSurface`).
    Roof,
    /// A wall (`WallSurface`).
    Wall,
    /// The ground floor's underside (`GroundSurface`).
    Ground,
    /// Anything else: closures, ceilings, floors, doors, windows.
    Other,
}

impl SurfaceKind {
    /// From a CityJSON semantic surface type.
    pub fn from_semantic(name: &str) -> Self {
        match name {
            "RoofSurface" => Self::Roof,
            "WallSurface" => Self::Wall,
            "GroundSurface" => Self::Ground,
            _ => Self::Other,
        }
    }

    /// From a surface's unit normal (z up) when the data has no semantics: facing up is a
    /// roof, facing down the ground, the rest walls.
    pub fn from_normal(n: [f64; 3]) -> Self {
        if n[2] > 0.5 {
            Self::Roof
        } else if n[2] < -0.5 {
            Self::Ground
        } else {
            Self::Wall
        }
    }
}

/// One surface: an outer ring and its holes, in the file's CRS (metres, z up).
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// What it is.
    pub kind: SurfaceKind,
    /// Outer ring first, then holes; rings are open (the first point is not repeated).
    pub rings: Vec<Vec<[f64; 3]>>,
}

impl Surface {
    /// The unit normal by Newell's method over the outer ring (zero for a degenerate ring).
    pub fn normal(&self) -> [f64; 3] {
        let Some(ring) = self.rings.first() else {
            return [0.0; 3];
        };
        let n = newell(ring);
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        if len > 0.0 {
            n.map(|c| c / len)
        } else {
            [0.0; 3]
        }
    }

    /// Its area: the outer ring's less the holes' (m²).
    pub fn area(&self) -> f64 {
        let normal = self.normal();
        let ring_area = |r: &Vec<[f64; 3]>| {
            let n = newell(r);
            (n[0] * normal[0] + n[1] * normal[1] + n[2] * normal[2]).abs() / 2.0
        };
        let mut rings = self.rings.iter();
        let outer = rings.next().map_or(0.0, ring_area);
        outer - rings.map(ring_area).sum::<f64>()
    }

    /// Triangles covering it, holes left open (earcut in the surface's plane); none for a
    /// degenerate surface.
    pub fn triangulate(&self) -> Vec<[[f64; 3]; 3]> {
        let n = self.normal();
        if n == [0.0; 3]
            || n.iter().any(|v| !v.is_finite())
            || self.rings.first().is_none_or(|r| r.len() < 3)
        {
            return Vec::new();
        }
        // A basis of the plane: u along the larger horizontal or vertical direction.
        let helper = if n[2].abs() < 0.9 {
            [0.0, 0.0, 1.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        let u = normalise(cross(helper, n));
        let v = cross(n, u);
        let flat = |p: &[f64; 3]| geo::coord! { x: dot(*p, u), y: dot(*p, v) };
        let rings: Vec<geo::LineString<f64>> = self
            .rings
            .iter()
            .map(|r| r.iter().map(flat).collect())
            .collect();
        // Coordinates so large that the plane's products overflow.
        if rings
            .iter()
            .flatten()
            .any(|c| !(c.x.is_finite() && c.y.is_finite()))
        {
            return Vec::new();
        }
        let mut rings = rings.into_iter();
        let Some(outer) = rings.next() else {
            return Vec::new();
        };
        let polygon = geo::Polygon::new(outer, rings.collect());
        // Earcut wants rings of three corners or more (a ring may shrink in the plane).
        if std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .any(|r| r.0.len() < 4)
        {
            return Vec::new();
        }
        let raw = polygon.earcut_triangles_raw();
        let points: Vec<[f64; 3]> = self.rings.iter().flatten().copied().collect();
        if raw.vertices.len() != points.len() {
            return Vec::new();
        }
        // Each triangle wound like the surface (counter-clockwise seen from where it faces).
        raw.triangle_indices
            .chunks_exact(3)
            .map(|t| {
                let (a, b, c) = (points[t[0]], points[t[1]], points[t[2]]);
                let tn = cross(sub(b, a), sub(c, a));
                if dot(tn, n) < 0.0 {
                    [a, c, b]
                } else {
                    [a, b, c]
                }
            })
            .collect()
    }
}

fn newell(ring: &[[f64; 3]]) -> [f64; 3] {
    let mut n = [0.0; 3];
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        n[0] += (a[1] - b[1]) * (a[2] + b[2]);
        n[1] += (a[2] - b[2]) * (a[0] + b[0]);
        n[2] += (a[0] - b[0]) * (a[1] + b[1]);
    }
    n
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalise(a: [f64; 3]) -> [f64; 3] {
    let len = dot(a, a).sqrt();
    if len > 0.0 { a.map(|c| c / len) } else { a }
}

/// A building of the file: its own surfaces and its parts', at one LoD.
#[derive(Debug, Clone, PartialEq)]
pub struct CityBuilding {
    /// The CityObject id of the building.
    pub id: String,
    /// Its attributes (the parts' are not merged).
    pub attributes: Map<String, Value>,
    /// The LoD used (`"2.2"`).
    pub lod: String,
    /// Every LoD the building has (with its parts).
    pub lods: BTreeSet<String>,
    /// Surfaces of that LoD, in the file's CRS.
    pub surfaces: Vec<Surface>,
    /// The LoD 0 footprint when the file has one (outer ring and holes, in x/y).
    pub footprint: Option<Vec<Vec<[f64; 2]>>>,
    /// How many `BuildingPart`s it gathers.
    pub parts: usize,
}

impl CityBuilding {
    /// The lowest and highest z of its surfaces.
    pub fn z_range(&self) -> Option<(f64, f64)> {
        let mut zs = self.surfaces.iter().flat_map(|s| s.rings.iter().flatten());
        let first = zs.next()?[2];
        Some(zs.fold((first, first), |(lo, hi), p| (lo.min(p[2]), hi.max(p[2]))))
    }
}

/// What a CityJSON file or stream holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The CityJSON version (`"2.0"`).
    pub version: String,
    /// The declared CRS as `EPSG:CODE` (from `metadata.referenceSystem`), if any.
    pub crs: Option<String>,
    /// The buildings, in file order.
    pub buildings: Vec<CityBuilding>,
    /// Objects that are not buildings, counted by type.
    pub others: BTreeMap<String, usize>,
    /// Buildings that could not be read, with the reason.
    pub skipped: Vec<SkippedItem>,
    /// Whether it was a CityJSONSeq stream.
    pub sequence: bool,
    /// Who made it, from `metadata` (title, point of contact, website), for the About window.
    pub attribution: Option<String>,
}

/// `https://www.opengis.net/def/crs/EPSG/0/7415` (or `urn:ogc:def:crs:EPSG::7415`) as
/// `EPSG:7415`.
pub fn crs_code(reference: &str) -> Option<String> {
    let r = reference.trim();
    if let Some(rest) = r.split("/crs/").nth(1) {
        let parts: Vec<&str> = rest.split('/').collect();
        if let (Some(auth), Some(code)) = (parts.first(), parts.last()) {
            return Some(format!("{auth}:{code}"));
        }
    }
    if let Some(rest) = r.strip_prefix("urn:ogc:def:crs:") {
        let parts: Vec<&str> = rest.split(':').filter(|p| !p.is_empty()).collect();
        if let (Some(auth), Some(code)) = (parts.first(), parts.last()) {
            return Some(format!("{auth}:{code}"));
        }
    }
    r.contains(':').then(|| r.to_owned())
}

/// The vertex transform of a file.
#[derive(Debug, Clone, Copy)]
struct Transform {
    scale: [f64; 3],
    translate: [f64; 3],
}

impl Transform {
    fn of(doc: &Value) -> Self {
        let three = |key: &str, default: f64| -> [f64; 3] {
            let mut out = [default; 3];
            if let Some(a) = doc
                .pointer(&format!("/transform/{key}"))
                .and_then(Value::as_array)
            {
                for (o, v) in out.iter_mut().zip(a) {
                    *o = v.as_f64().unwrap_or(default);
                }
            }
            out
        };
        Self {
            scale: three("scale", 1.0),
            translate: three("translate", 0.0),
        }
    }

    fn vertices(&self, doc: &Value) -> Vec<[f64; 3]> {
        doc.get("vertices")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        let c = |i: usize| v.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
                        [0, 1, 2].map(|i| c(i) * self.scale[i] + self.translate[i])
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads a CityJSON document, or a CityJSONSeq stream (a `CityJSON` header line, then one
/// `CityJSONFeature` per line), taking LoD `lod` where a building has it.
pub fn read(text: &str, lod: Option<&str>) -> Result<Document, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().ok_or("the file is empty")?;
    // A stream's first line is a complete header object; a document may span many lines.
    if let Ok(header) = serde_json::from_str::<Value>(first)
        && header.get("type").and_then(Value::as_str) == Some("CityJSON")
        && lines.clone().next().is_some()
    {
        let mut doc = start(&header)?;
        doc.sequence = true;
        let transform = Transform::of(&header);
        for (i, line) in lines.enumerate() {
            match serde_json::from_str::<Value>(line) {
                Ok(feature) => add_objects(&mut doc, &feature, transform, lod),
                Err(e) => doc.skipped.push(SkippedItem {
                    id: format!("line {}", i + 2),
                    reason: format!("not a JSON CityJSONFeature: {e}"),
                }),
            }
        }
        return Ok(doc);
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON (line {}, column {}): {e}", e.line(), e.column()))?;
    let mut doc = start(&value)?;
    add_objects(&mut doc, &value, Transform::of(&value), lod);
    Ok(doc)
}

fn start(header: &Value) -> Result<Document, String> {
    let kind = header.get("type").and_then(Value::as_str).unwrap_or("");
    if kind != "CityJSON" {
        return Err(format!(
            "not CityJSON: its \"type\" is {kind:?}, where CityJSON files say \"CityJSON\""
        ));
    }
    let version = header
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !(version.starts_with("1.1") || version.starts_with("2.")) {
        return Err(format!(
            "CityJSON {version} is not supported: citytwin reads 1.1 and 2.0 (upgrade older files with `cjio file.json upgrade save new.json`)"
        ));
    }
    let crs = header
        .pointer("/metadata/referenceSystem")
        .and_then(Value::as_str)
        .and_then(crs_code);
    let text = |pointer: &str| {
        header
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let parts: Vec<&str> = [
        text("/metadata/title"),
        text("/metadata/pointOfContact/contactName")
            .or(text("/metadata/pointOfContact/organisationName")),
        text("/metadata/pointOfContact/website"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Document {
        version,
        crs,
        attribution: (!parts.is_empty()).then(|| parts.join(" · ")),
        ..Document::default()
    })
}

/// A geometry's surfaces, with their kinds (`None` where the data gives no semantics).
fn surfaces_of(geometry: &Value, vertices: &[[f64; 3]]) -> Result<Vec<Surface>, String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let boundaries = geometry.get("boundaries").unwrap_or(&Value::Null);
    let semantics = geometry.get("semantics");
    let names: Vec<&str> = semantics
        .and_then(|s| s.get("surfaces"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| s.get("type").and_then(Value::as_str).unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    let values = semantics.and_then(|s| s.get("values"));
    // Depth of nesting from the geometry to a surface.
    let depth = match kind {
        "MultiSurface" | "CompositeSurface" => 0,
        "Solid" => 1,
        "MultiSolid" | "CompositeSolid" => 2,
        "GeometryInstance" => return Err("a GeometryInstance (templates are not read)".into()),
        other => return Err(format!("a {other:?} geometry")),
    };
    let mut out = Vec::new();
    collect(boundaries, values, depth, vertices, &names, &mut out)?;
    Ok(out)
}

fn collect(
    boundaries: &Value,
    values: Option<&Value>,
    depth: usize,
    vertices: &[[f64; 3]],
    names: &[&str],
    out: &mut Vec<Surface>,
) -> Result<(), String> {
    let list = boundaries
        .as_array()
        .ok_or("its boundaries are not arrays")?;
    for (i, item) in list.iter().enumerate() {
        let value = values.and_then(|v| v.get(i));
        if depth > 0 {
            collect(item, value, depth - 1, vertices, names, out)?;
            continue;
        }
        let rings = item
            .as_array()
            .ok_or("a surface is not an array of rings")?
            .iter()
            .map(|ring| {
                let mut points: Vec<[f64; 3]> = ring
                    .as_array()
                    .ok_or("a ring is not an array of vertex indices")?
                    .iter()
                    .map(|ix| {
                        ix.as_u64()
                            .and_then(|ix| vertices.get(ix as usize))
                            .copied()
                            .ok_or_else(|| format!("vertex index {ix} is out of range"))
                    })
                    .collect::<Result<_, String>>()?;
                if points.len() > 1 && points.first() == points.last() {
                    points.pop();
                }
                Ok(points)
            })
            .collect::<Result<Vec<_>, String>>()?;
        if rings.first().is_none_or(|r| r.len() < 3) {
            continue;
        }
        let named = value
            .and_then(Value::as_u64)
            .and_then(|ix| names.get(ix as usize))
            .map(|n| SurfaceKind::from_semantic(n));
        let mut surface = Surface {
            kind: SurfaceKind::Other,
            rings,
        };
        surface.kind = named.unwrap_or_else(|| SurfaceKind::from_normal(surface.normal()));
        out.push(surface);
    }
    Ok(())
}

/// A LoD as a number for comparison (`"2.2"` → 2.2; unreadable ones last).
fn lod_rank(lod: &str) -> f64 {
    lod.parse().unwrap_or(-1.0)
}

/// Adds the buildings of one document or feature.
fn add_objects(doc: &mut Document, value: &Value, transform: Transform, lod: Option<&str>) {
    let vertices = transform.vertices(value);
    let Some(objects) = value.get("CityObjects").and_then(Value::as_object) else {
        return;
    };
    // Parts go to their parent building.
    let mut parts_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, o) in objects {
        if o.get("type").and_then(Value::as_str) != Some("BuildingPart") {
            continue;
        }
        let parent = o
            .get("parents")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .and_then(Value::as_str)
            .filter(|p| objects.contains_key(*p));
        if let Some(p) = parent {
            parts_of.entry(p).or_default().push(id);
        }
    }
    let with_parent: std::collections::HashSet<&str> =
        parts_of.values().flatten().copied().collect();
    for (id, o) in objects {
        let kind = o.get("type").and_then(Value::as_str).unwrap_or("");
        let is_root = match kind {
            "Building" => true,
            "BuildingPart" => !with_parent.contains(id.as_str()),
            _ => false,
        };
        if !is_root {
            if !matches!(kind, "BuildingPart" | "Building") {
                *doc.others.entry(kind.to_owned()).or_default() += 1;
            }
            continue;
        }
        let parts = parts_of.get(id.as_str()).cloned().unwrap_or_default();
        let members: Vec<&Value> = std::iter::once(o)
            .chain(parts.iter().filter_map(|p| objects.get(*p)))
            .collect();
        match building(id, o, &members, &vertices, lod) {
            Ok(mut b) => {
                b.parts = parts.len();
                doc.buildings.push(b);
            }
            Err(reason) => doc.skipped.push(SkippedItem {
                id: id.clone(),
                reason,
            }),
        }
    }
}

fn building(
    id: &str,
    object: &Value,
    members: &[&Value],
    vertices: &[[f64; 3]],
    lod: Option<&str>,
) -> Result<CityBuilding, String> {
    let geometries: Vec<&Value> = members
        .iter()
        .filter_map(|m| m.get("geometry").and_then(Value::as_array))
        .flatten()
        .collect();
    // CityJSON 1.0 wrote LoDs as numbers; read those too.
    let lod_of = |g: &Value| -> String {
        match g.get("lod") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let lods: BTreeSet<String> = geometries.iter().map(|g| lod_of(g)).collect();
    let volume_lods: Vec<&String> = lods.iter().filter(|l| lod_rank(l) >= 1.0).collect();
    let chosen = match lod {
        Some(want) if volume_lods.iter().any(|l| *l == want) => want.to_owned(),
        _ => volume_lods
            .iter()
            .max_by(|a, b| lod_rank(a).total_cmp(&lod_rank(b)))
            .map(|l| (*l).clone())
            .ok_or_else(|| {
                if lods.is_empty() {
                    "it has no geometry".to_owned()
                } else {
                    format!(
                        "it has no volume, only LoD {}",
                        lods.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            })?,
    };
    let mut surfaces = Vec::new();
    let mut footprint = None;
    for g in &geometries {
        let this = lod_of(g);
        if this == chosen {
            surfaces.extend(surfaces_of(g, vertices)?);
        } else if lod_rank(&this) == 0.0 && footprint.is_none() {
            footprint = surfaces_of(g, vertices)
                .ok()
                .and_then(|s| s.into_iter().next())
                .map(|s| {
                    s.rings
                        .iter()
                        .map(|r| r.iter().map(|p| [p[0], p[1]]).collect())
                        .collect()
                });
        }
    }
    if surfaces.is_empty() {
        return Err(format!("its LoD {chosen} geometry has no surfaces"));
    }
    if surfaces
        .iter()
        .flat_map(|s| s.rings.iter().flatten())
        .any(|p| !p.iter().all(|c| c.is_finite()))
    {
        return Err("it has a vertex that is not a number".to_owned());
    }
    Ok(CityBuilding {
        id: id.to_owned(),
        attributes: object
            .get("attributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        lod: chosen,
        lods,
        surfaces,
        footprint,
        parts: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture of `tests/fixtures/city/` (stored gzipped).
    fn fixture(name: &str) -> String {
        use std::io::Read;
        let path = format!(
            "{}/tests/fixtures/city/{name}.gz",
            env!("CARGO_MANIFEST_DIR")
        );
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        text
    }

    fn kinds(b: &CityBuilding) -> BTreeMap<SurfaceKind, usize> {
        let mut out = BTreeMap::new();
        for s in &b.surfaces {
            *out.entry(s.kind).or_default() += 1;
        }
        out
    }

    #[test]
    fn the_3dbag_stream_gives_its_buildings_at_lod_2_2_with_roofs_and_walls() {
        let doc = read(&fixture("3dbag_delft_v20240420.city.jsonl"), None).unwrap();
        assert!(doc.sequence);
        assert_eq!(doc.version, "2.0");
        assert_eq!(doc.crs.as_deref(), Some("EPSG:7415"));
        assert_eq!(
            doc.attribution.as_deref(),
            Some("3DBAG · 3DBAG Team · https://3dbag.nl")
        );
        assert_eq!(
            doc.buildings.len(),
            1115,
            "{:?}",
            &doc.skipped[..doc.skipped.len().min(3)]
        );
        assert!(doc.skipped.is_empty(), "{:?}", &doc.skipped[..3]);
        let b = doc
            .buildings
            .iter()
            .find(|b| b.id == "NL.IMBAG.Pand.0503100000012869")
            .unwrap();
        assert_eq!(b.lod, "2.2");
        assert_eq!(b.parts, 1);
        assert!(
            b.lods.contains("0") && b.lods.contains("1.2"),
            "{:?}",
            b.lods
        );
        assert!(b.footprint.is_some(), "LoD 0 is the footprint");
        assert_eq!(
            kinds(b),
            BTreeMap::from([
                (SurfaceKind::Roof, 1),
                (SurfaceKind::Wall, 4),
                (SurfaceKind::Ground, 1)
            ])
        );
        // Its roof lies at the 3DBAG's measured heights (NAP): between b3_h_dak_min and max.
        let roof = b
            .surfaces
            .iter()
            .find(|s| s.kind == SurfaceKind::Roof)
            .unwrap();
        for p in &roof.rings[0] {
            assert!((3.09..=3.26).contains(&p[2]), "{p:?}");
        }
        // Roofs face up and walls sideways, in every building.
        for b in &doc.buildings {
            for s in &b.surfaces {
                let n = s.normal();
                match s.kind {
                    SurfaceKind::Roof => assert!(n[2] > 0.0, "{} roof {n:?}", b.id),
                    SurfaceKind::Wall => assert!(n[2].abs() < 0.3, "{} wall {n:?}", b.id),
                    _ => {}
                }
            }
        }
        // Asking for LoD 1.2 gives flat roofs.
        let lod12 = read(&fixture("3dbag_delft_v20240420.city.jsonl"), Some("1.2")).unwrap();
        assert!(lod12.buildings.iter().all(|b| b.lod == "1.2"));
    }

    #[test]
    fn the_zurich_lod2_file_gathers_parts_into_buildings() {
        let doc = read(&fixture("zurich_subset_lod2.city.json"), None).unwrap();
        assert!(!doc.sequence);
        assert_eq!(doc.version, "1.1");
        assert_eq!(doc.crs.as_deref(), Some("EPSG:2056"));
        assert_eq!(doc.buildings.len(), 49);
        assert_eq!(doc.buildings.iter().map(|b| b.parts).sum::<usize>(), 161);
        assert!(doc.others.is_empty(), "{:?}", doc.others);
        let all: BTreeMap<SurfaceKind, usize> =
            doc.buildings
                .iter()
                .flat_map(kinds)
                .fold(BTreeMap::new(), |mut m, (k, n)| {
                    *m.entry(k).or_default() += n;
                    m
                });
        assert!(
            all[&SurfaceKind::Roof] > 100 && all[&SurfaceKind::Wall] > 500,
            "{all:?}"
        );
        // Zürich lies 390–630 m above sea level (LN02 heights).
        for b in &doc.buildings {
            let (lo, hi) = b.z_range().unwrap();
            assert!(lo > 390.0 && hi < 630.0 && hi > lo, "{} {lo}..{hi}", b.id);
        }
    }

    #[test]
    fn a_lod1_file_without_semantics_takes_kinds_from_orientation_and_counts_other_objects() {
        let doc = read(&fixture("delft_lod1_bgt.city.json"), None).unwrap();
        assert_eq!(doc.version, "2.0");
        assert_eq!(doc.buildings.len(), 160);
        assert_eq!(doc.others.get("Road"), Some(&143));
        assert_eq!(doc.others.get("PlantCover"), Some(&126));
        assert_eq!(doc.others.values().sum::<usize>(), 570 - 160);
        for b in &doc.buildings {
            let k = kinds(b);
            assert!(k.get(&SurfaceKind::Roof) >= Some(&1), "{}: {k:?}", b.id);
            assert!(k.get(&SurfaceKind::Wall) >= Some(&3), "{}: {k:?}", b.id);
        }
    }

    #[test]
    fn a_surface_with_a_hole_triangulates_to_its_area() {
        // A 10 m × 8 m sloped roof with a 2 m × 2 m hole (a courtyard light well).
        let slope = |x: f64, y: f64| [x, y, 10.0 + 0.5 * y];
        let roof = Surface {
            kind: SurfaceKind::Roof,
            rings: vec![
                vec![
                    slope(0.0, 0.0),
                    slope(10.0, 0.0),
                    slope(10.0, 8.0),
                    slope(0.0, 8.0),
                ],
                vec![
                    slope(4.0, 3.0),
                    slope(4.0, 5.0),
                    slope(6.0, 5.0),
                    slope(6.0, 3.0),
                ],
            ],
        };
        let true_area = (10.0 * 8.0 - 2.0 * 2.0) * (1.0f64 + 0.25).sqrt();
        assert!((roof.area() - true_area).abs() < 1e-9, "{}", roof.area());
        let triangles = roof.triangulate();
        let area: f64 = triangles.iter().map(crate::geometry::triangle_area).sum();
        assert!((area - true_area).abs() < 1e-6, "{area} vs {true_area}");
        assert_eq!(
            triangles.len(),
            8,
            "4 + 4 vertices, one hole: n + 2h = 8 triangles"
        );
    }

    #[test]
    fn real_roofs_with_holes_triangulate_to_their_area() {
        let doc = read(&fixture("3dbag_delft_v20240420.city.jsonl"), None).unwrap();
        let mut checked = 0;
        for s in doc.buildings.iter().flat_map(|b| &b.surfaces) {
            if s.kind != SurfaceKind::Roof || s.rings.len() < 2 {
                continue;
            }
            let area: f64 = s
                .triangulate()
                .iter()
                .map(crate::geometry::triangle_area)
                .sum();
            assert!(
                (area - s.area()).abs() < 1e-3 * s.area().max(1.0),
                "{area} vs {}",
                s.area()
            );
            checked += 1;
        }
        assert!(checked > 0, "the 3DBAG tile has roofs with holes");
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(read("", None).unwrap_err().contains("empty"));
        assert!(
            read("{\"type\": \"FeatureCollection\"}", None)
                .unwrap_err()
                .contains("not CityJSON")
        );
        assert!(
            read("{\"type\": \"CityJSON\", \"version\": \"1.0\"}", None)
                .unwrap_err()
                .contains("1.0 is not supported")
        );
        let doc = read(
            r#"{"type": "CityJSON", "version": "2.0", "CityObjects": {
                "a": {"type": "Building", "geometry": [{"type": "MultiSurface", "lod": "2", "boundaries": [[[0, 1, 7]]]}]},
                "b": {"type": "Building"}}, "vertices": [[0, 0, 0], [1, 0, 0], [1, 1, 0]]}"#,
            None,
        )
        .unwrap();
        assert!(doc.buildings.is_empty());
        let reasons: Vec<&str> = doc.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("out of range")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("no geometry")),
            "{reasons:?}"
        );
        assert_eq!(
            crs_code("urn:ogc:def:crs:EPSG::2056").as_deref(),
            Some("EPSG:2056")
        );
    }
}
