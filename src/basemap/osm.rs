//! Ground features from an OpenStreetMap PBF extract (`osmpbf`): streets and paths from
//! ways, surfaces from closed ways and multipolygon relations, the sea from the coastline.
//!
//! The whole file is read once; node positions are kept for the ways that need them. A way
//! or relation that cannot be drawn (nodes missing from the extract, rings that do not close)
//! is skipped with its id and the reason.

use super::classify::{Decision, Tags, classify};
use super::{GroundClass, GroundData, GroundFeature, Shape, coast, rings};
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use std::collections::HashMap;

/// A way kept for later: its nodes, and what its own tags make of it.
struct Way {
    refs: Vec<i64>,
    decision: Decision,
    name: Option<String>,
}

/// A multipolygon relation drawn as a surface.
struct Relation {
    id: i64,
    class: GroundClass,
    name: Option<String>,
    outer: Vec<i64>,
    inner: Vec<i64>,
}

/// Everything read from the file, before geometry is built.
#[derive(Default)]
struct Read {
    nodes: HashMap<i64, [f64; 2]>,
    ways: HashMap<i64, Way>,
    /// Ways in the order read (for a stable output).
    way_order: Vec<i64>,
    relations: Vec<Relation>,
    coastline: Vec<Vec<i64>>,
    bbox: Option<[f64; 4]>,
}

/// Reads an OSM PBF extract. A file that is not PBF, or whose blocks cannot be decoded, is
/// an error; anything inside it that cannot be drawn is skipped with its reason.
pub fn read(bytes: &[u8]) -> Result<GroundData, String> {
    // osmpbf unwraps some enumerations of the format (a relation member's type): a broken
    // file must be refused, not end the program.
    let read = std::panic::catch_unwind(|| read_elements(bytes))
        .map_err(|_| "the file's blocks are broken".to_owned())??;
    std::panic::catch_unwind(move || build(read))
        .map_err(|_| "its geometry could not be assembled".to_owned())
}

fn read_elements(bytes: &[u8]) -> Result<Read, String> {
    let mut r = Read::default();
    let mut blocks = 0usize;
    for blob in BlobReader::new(std::io::Cursor::new(bytes)) {
        let blob = blob.map_err(|e| e.to_string())?;
        match blob.decode().map_err(|e| e.to_string())? {
            BlobDecode::OsmHeader(header) => {
                r.bbox = header.bbox().map(|b| {
                    [
                        b.left.min(b.right),
                        b.top.min(b.bottom),
                        b.left.max(b.right),
                        b.top.max(b.bottom),
                    ]
                });
            }
            BlobDecode::OsmData(block) => {
                blocks += 1;
                for element in block.elements() {
                    take(&mut r, element);
                }
            }
            BlobDecode::Unknown(_) => {}
        }
    }
    if blocks == 0 {
        return Err("it holds no OpenStreetMap data".into());
    }
    Ok(r)
}

fn take(r: &mut Read, element: Element) {
    match element {
        Element::Node(n) => {
            r.nodes.insert(n.id(), [n.lon(), n.lat()]);
        }
        Element::DenseNode(n) => {
            r.nodes.insert(n.id(), [n.lon(), n.lat()]);
        }
        Element::Way(w) => {
            let tags = Tags::new(w.tags().collect());
            let refs: Vec<i64> = w.refs().collect();
            if tags.get("natural") == Some("coastline") {
                r.coastline.push(refs.clone());
            }
            let closed = refs.len() >= 4 && refs.first() == refs.last();
            let decision = if tags.is_empty() {
                Decision::Ignore
            } else {
                classify(&tags, closed)
            };
            // Untagged ways are kept: they may be the rings of a multipolygon.
            if tags.is_empty() || decision != Decision::Ignore {
                let name = tags.get("name").map(str::to_owned);
                r.way_order.push(w.id());
                r.ways.insert(
                    w.id(),
                    Way {
                        refs,
                        decision,
                        name,
                    },
                );
            }
        }
        Element::Relation(rel) => {
            let tags = Tags::new(rel.tags().collect());
            if !matches!(tags.get("type"), Some("multipolygon")) {
                return;
            }
            let Decision::Area(class) = classify(&tags, true) else {
                return;
            };
            let mut relation = Relation {
                id: rel.id(),
                class,
                name: tags.get("name").map(str::to_owned),
                outer: Vec::new(),
                inner: Vec::new(),
            };
            for m in rel.members() {
                if m.member_type != RelMemberType::Way {
                    continue;
                }
                match m.role() {
                    Ok("inner") => relation.inner.push(m.member_id),
                    _ => relation.outer.push(m.member_id),
                }
            }
            r.relations.push(relation);
        }
    }
}

fn build(r: Read) -> GroundData {
    let mut data = GroundData {
        bbox: r.bbox,
        ..GroundData::default()
    };
    for id in &r.way_order {
        let way = &r.ways[id];
        let fid = format!("way/{id}");
        match way.decision {
            Decision::Ignore => {}
            Decision::LeaveOut(reason) if reason.contains("not closed") => {
                data.skip(fid, reason);
            }
            Decision::LeaveOut(reason) => data.leave_out(reason),
            Decision::Area(class) => match ring(&r.nodes, &way.refs) {
                Some(outline) => data.features.push(GroundFeature {
                    id: fid,
                    class,
                    name: way.name.clone(),
                    shape: Shape::Area(MultiPolygon(vec![Polygon::new(outline, vec![])])),
                }),
                None => data.skip(fid, "some of its nodes are not in the extract"),
            },
            Decision::Line(class, width_m) => {
                // Nodes outside the extract are dropped; the rest of the street is drawn.
                let line: Vec<Coord> = way
                    .refs
                    .iter()
                    .filter_map(|n| r.nodes.get(n))
                    .map(|p| Coord { x: p[0], y: p[1] })
                    .collect();
                if line.len() >= 2 {
                    data.features.push(GroundFeature {
                        id: fid,
                        class,
                        name: way.name.clone(),
                        shape: Shape::Line {
                            line: LineString(line),
                            width_m,
                        },
                    });
                } else {
                    data.skip(fid, "its nodes are not in the extract");
                }
            }
        }
    }
    for rel in &r.relations {
        multipolygon(&r, rel, &mut data);
    }
    sea(&r, &mut data);
    data
}

/// The closed ring through `refs`, when every node is known.
fn ring(nodes: &HashMap<i64, [f64; 2]>, refs: &[i64]) -> Option<LineString<f64>> {
    let coords: Option<Vec<Coord>> = refs
        .iter()
        .map(|n| nodes.get(n).map(|p| Coord { x: p[0], y: p[1] }))
        .collect();
    let coords = coords?;
    (coords.len() >= 4).then_some(LineString(coords))
}

/// A multipolygon relation's surface: outer rings with the inner rings inside each.
fn multipolygon(r: &Read, rel: &Relation, data: &mut GroundData) {
    let fid = format!("relation/{}", rel.id);
    let members = |ids: &[i64]| -> Option<Vec<Vec<i64>>> {
        ids.iter()
            .map(|id| r.ways.get(id).map(|w| w.refs.clone()))
            .collect()
    };
    let (Some(outer), Some(inner)) = (members(&rel.outer), members(&rel.inner)) else {
        data.skip(fid, "some of its ways are not in the extract");
        return;
    };
    let (outer, open_outer) = rings::join(outer);
    let (inner, _) = rings::join(inner);
    let outer: Option<Vec<LineString<f64>>> = outer.iter().map(|o| ring(&r.nodes, o)).collect();
    let inner: Option<Vec<LineString<f64>>> = inner.iter().map(|o| ring(&r.nodes, o)).collect();
    let (Some(outer), Some(inner)) = (outer, inner) else {
        data.skip(fid, "some of its nodes are not in the extract");
        return;
    };
    if outer.is_empty() || !open_outer.is_empty() {
        data.skip(
            fid,
            "its outline does not close (ways missing from the extract)",
        );
        return;
    }
    let mut polygons: Vec<(LineString<f64>, Vec<LineString<f64>>)> =
        outer.into_iter().map(|o| (o, Vec::new())).collect();
    for hole in inner {
        let Some(first) = hole.0.first().copied() else {
            continue;
        };
        let around = polygons
            .iter_mut()
            .find(|(o, _)| Polygon::new(o.clone(), vec![]).contains(&Point(first)));
        if let Some((_, holes)) = around {
            holes.push(hole);
        }
    }
    data.features.push(GroundFeature {
        id: fid,
        class: rel.class,
        name: rel.name.clone(),
        shape: Shape::Area(MultiPolygon(
            polygons
                .into_iter()
                .map(|(o, holes)| Polygon::new(o, holes))
                .collect(),
        )),
    });
}

/// The sea: the extract's box on the water side of its coastline.
fn sea(r: &Read, data: &mut GroundData) {
    if r.coastline.is_empty() {
        return;
    }
    let Some(bbox) = r.bbox.or_else(|| nodes_bbox(&r.nodes)) else {
        return;
    };
    let (closed, open) = rings::join(r.coastline.clone());
    let coords = |refs: &Vec<i64>| -> Vec<[f64; 2]> {
        refs.iter()
            .filter_map(|n| r.nodes.get(n).copied())
            .collect()
    };
    let islands: Vec<Vec<[f64; 2]>> = closed.iter().map(coords).collect();
    let chains: Vec<Vec<[f64; 2]>> = open.iter().map(coords).collect();
    if let Some(water) = coast::sea(&chains, &islands, bbox) {
        data.features.push(GroundFeature {
            id: "coastline".into(),
            class: GroundClass::Water,
            name: None,
            shape: Shape::Area(water),
        });
    }
}

fn nodes_bbox(nodes: &HashMap<i64, [f64; 2]>) -> Option<[f64; 4]> {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in nodes.values() {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    b.iter().all(|v| v.is_finite()).then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Intersects;

    fn water_at(data: &GroundData, lon: f64, lat: f64) -> Vec<String> {
        data.features
            .iter()
            .filter(|f| f.class == GroundClass::Water)
            .filter(|f| match &f.shape {
                Shape::Area(m) => m.intersects(&Point::new(lon, lat)),
                Shape::Line { .. } => false,
            })
            .map(|f| f.id.clone())
            .collect()
    }

    #[test]
    fn the_demo_extract_has_the_hudson_and_the_east_river_but_not_on_midtown() {
        let data = crate::basemap::demo().unwrap();
        let bbox = data.bbox.unwrap();

        assert!(
            (bbox[0] + 74.014).abs() < 1e-3 && (bbox[3] - 40.759).abs() < 1e-3,
            "{bbox:?}"
        );
        // The Hudson off Chelsea Piers, the East River off Kips Bay.
        assert_eq!(water_at(&data, -74.0125, 40.7500), vec!["coastline"]);
        assert_eq!(water_at(&data, -73.9655, 40.7420), vec!["coastline"]);
        // The Empire State Building, Bryant Park.
        assert!(water_at(&data, -73.9857, 40.7484).is_empty());
        assert!(water_at(&data, -73.9832, 40.7536).is_empty());
    }
}
