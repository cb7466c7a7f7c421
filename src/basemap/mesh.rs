//! Ground features placed in scene metres and meshed flat, one mesh per tile and class, so
//! that a district's streets are a few dozen draw calls and each class can be shown or
//! hidden as a layer.
//!
//! Surfaces are triangulated as mapped (earcut, holes kept). Lines become bands of their
//! width: a quad per segment, a wedge on the outside of each bend and rounded ends, so that
//! streets meeting at a crossing leave no notch. Everything faces up (+y), each class a few
//! millimetres above the one below it in [`GroundClass::ALL`]'s order.

use super::{GroundClass, GroundData, GroundFeature, Shape, SkippedFeature};
use crate::cancel::Cancel;
use crate::geometry::extrude::MeshBuffers;
use crate::georef::{Georef, LonLat};
use geo::{Coord, LineString, Polygon, Simplify, TriangulateEarcut};
use std::collections::BTreeMap;

/// Height (m) of each class above the one below it, on top of the materials' depth bias.
pub const LIFT_PER_CLASS_M: f64 = 0.01;

/// Lines are simplified by this much (m) before they become bands.
const LINE_TOLERANCE_M: f64 = 0.1;

/// Features farther than this (m) from the scene origin are left out: they belong to
/// another city than the one shown.
pub const MAX_DISTANCE_M: f64 = 50_000.0;

/// The meshes of one class in one tile.
#[derive(Debug, Clone)]
pub struct GroundTile {
    /// Grid cell (east index, north index).
    pub cell: (i32, i32),
    /// The class drawn.
    pub class: GroundClass,
    /// Centre of the cell `[east, north]` (scene metres); the mesh is relative to it.
    pub center: [f64; 2],
    /// The triangles, facing up, at the class's height.
    pub mesh: MeshBuffers,
    /// Features in it.
    pub features: usize,
}

/// A named street, for labels along it at street level.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetName {
    /// The name as mapped.
    pub name: String,
    /// Where the label goes: the middle of the street's way `[east, north]` (scene metres).
    pub at: [f64; 2],
    /// The street's direction there, as a compass bearing in degrees (0..180, so that text
    /// along it never reads upside down from the south).
    pub bearing_deg: f64,
    /// The way's length (m); a label longer than its street is not drawn.
    pub length_m: f64,
}

/// Every ground tile, the street names, and what could not be placed.
#[derive(Debug, Clone, Default)]
pub struct GroundMeshes {
    /// Meshes by tile and class.
    pub tiles: Vec<GroundTile>,
    /// Named streets.
    pub streets: Vec<StreetName>,
    /// Features that could not be placed (outside the projection's reach, broken geometry).
    pub skipped: Vec<SkippedFeature>,
    /// Features drawn, by class key.
    pub drawn: BTreeMap<&'static str, usize>,
    /// Features left out for lying too far from the city shown.
    pub too_far: usize,
}

impl GroundMeshes {
    /// Triangles in all tiles.
    pub fn triangles(&self) -> usize {
        self.tiles.iter().map(|t| t.mesh.triangle_count()).sum()
    }
}

/// Places and meshes `data` in tiles of `tile_size` metres. Stops early (with what it has)
/// when `cancel` is set.
pub fn build(data: &GroundData, georef: &Georef, tile_size: f64, cancel: &Cancel) -> GroundMeshes {
    let tile_size = if tile_size.is_finite() && tile_size > 1.0 {
        tile_size
    } else {
        500.0
    };
    let mut out = GroundMeshes::default();
    let mut tiles: BTreeMap<((i32, i32), GroundClass), GroundTile> = BTreeMap::new();
    for (i, feature) in data.features.iter().enumerate() {
        if i % 256 == 0 && cancel.is_cancelled() {
            break;
        }
        let placed = match place(feature, georef) {
            Ok(p) => p,
            Err(reason) => {
                out.skipped.push(SkippedFeature {
                    id: feature.id.clone(),
                    reason,
                });
                continue;
            }
        };
        let Some(anchor) = placed.anchor() else {
            continue;
        };
        if anchor[0].hypot(anchor[1]) > MAX_DISTANCE_M {
            out.too_far += 1;
            continue;
        }
        let cell = (
            (anchor[0] / tile_size).floor() as i32,
            (anchor[1] / tile_size).floor() as i32,
        );
        let tile = tiles
            .entry((cell, feature.class))
            .or_insert_with(|| GroundTile {
                cell,
                class: feature.class,
                center: [
                    (f64::from(cell.0) + 0.5) * tile_size,
                    (f64::from(cell.1) + 0.5) * tile_size,
                ],
                mesh: MeshBuffers::default(),
                features: 0,
            });
        let height = LIFT_PER_CLASS_M * (feature.class.order() + 1) as f64;
        let before = tile.mesh.indices.len();
        match &placed {
            Placed::Area(polygons) => {
                for p in polygons {
                    surface(&mut tile.mesh, p, height, tile.center);
                }
            }
            Placed::Line(line, width) => band(&mut tile.mesh, line, *width, height, tile.center),
        }
        if tile.mesh.indices.len() > before {
            tile.features += 1;
            *out.drawn.entry(feature.class.key()).or_insert(0) += 1;
        }
        if let (Some(name), Placed::Line(line, _), GroundClass::Street) =
            (&feature.name, &placed, feature.class)
            && let Some(label) = street_name(name, line)
        {
            out.streets.push(label);
        }
    }
    out.tiles = tiles
        .into_values()
        .filter(|t| !t.mesh.indices.is_empty())
        .collect();
    out
}

/// A feature in scene metres (x = east, y = north).
enum Placed {
    Area(Vec<Polygon<f64>>),
    Line(LineString<f64>, f64),
}

impl Placed {
    /// The point that decides the tile: the first point.
    fn anchor(&self) -> Option<[f64; 2]> {
        let c = match self {
            Placed::Area(ps) => ps.first()?.exterior().0.first()?,
            Placed::Line(l, _) => l.0.first()?,
        };
        Some([c.x, c.y])
    }
}

fn place(feature: &GroundFeature, georef: &Georef) -> Result<Placed, String> {
    let to_scene = |line: &LineString<f64>| -> Result<LineString<f64>, String> {
        line.0
            .iter()
            .map(|c| {
                let p = georef
                    .lonlat_to_scene(LonLat::new(c.x, c.y), 0.0)
                    .map_err(|e| format!("cannot be placed: {e}"))?;
                // Scene z is −north.
                if p[0].is_finite() && p[2].is_finite() {
                    Ok(Coord { x: p[0], y: -p[2] })
                } else {
                    Err("cannot be placed: a position outside the projection".to_owned())
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(LineString)
    };
    match &feature.shape {
        Shape::Area(m) => {
            let polygons =
                m.0.iter()
                    .map(|p| {
                        let holes = p
                            .interiors()
                            .iter()
                            .map(to_scene)
                            .collect::<Result<_, _>>()?;
                        Ok(Polygon::new(to_scene(p.exterior())?, holes))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
            Ok(Placed::Area(polygons))
        }
        Shape::Line { line, width_m } => {
            let line = to_scene(line)?.simplify(LINE_TOLERANCE_M);
            Ok(Placed::Line(line, *width_m))
        }
    }
}

/// Pushes an upward-facing vertex at `[east, north]`.
fn vertex(out: &mut MeshBuffers, p: [f64; 2], height: f64, offset: [f64; 2]) -> u32 {
    let i = out.positions.len() as u32;
    out.positions.push([
        (p[0] - offset[0]) as f32,
        height as f32,
        (offset[1] - p[1]) as f32,
    ]);
    out.normals.push([0.0, 1.0, 0.0]);
    out.colors.push([255, 255, 255, 255]);
    i
}

/// Pushes a triangle, turned counter-clockwise in east/north (so it faces up in Bevy).
fn triangle(out: &mut MeshBuffers, [a, b, c]: [u32; 3]) {
    let p = |i: u32| out.positions[i as usize];
    let (pa, pb, pc) = (p(a), p(b), p(c));
    // Positions are [east, h, −north]: counter-clockwise in east/north is clockwise in x/z.
    let cross = (pb[0] - pa[0]) * (pc[2] - pa[2]) - (pc[0] - pa[0]) * (pb[2] - pa[2]);
    if cross < 0.0 {
        out.indices.extend([a, b, c]);
    } else {
        out.indices.extend([a, c, b]);
    }
}

/// A flat surface: earcut over the outline and its holes.
fn surface(out: &mut MeshBuffers, polygon: &Polygon<f64>, height: f64, offset: [f64; 2]) {
    let tri = polygon.earcut_triangles_raw();
    let first = out.positions.len() as u32;
    for v in &tri.vertices {
        vertex(out, [v[0], v[1]], height, offset);
    }
    for t in tri.triangle_indices.chunks_exact(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| first + i as u32);
        triangle(out, [a, b, c]);
    }
}

/// A band `width` wide along `line`: a quad per segment, a wedge on the outside of each bend,
/// a rounded cap at each end.
fn band(out: &mut MeshBuffers, line: &LineString<f64>, width: f64, height: f64, offset: [f64; 2]) {
    let pts: Vec<[f64; 2]> = line.0.iter().map(|c| [c.x, c.y]).collect();
    let h = width / 2.0;
    let mut dirs: Vec<[f64; 2]> = Vec::with_capacity(pts.len());
    for w in pts.windows(2) {
        let (dx, dy) = (w[1][0] - w[0][0], w[1][1] - w[0][1]);
        let len = dx.hypot(dy);
        if len > 1e-6 {
            dirs.push([dx / len, dy / len]);
            let n = [-dy / len * h, dx / len * h];
            let q = [
                vertex(out, [w[0][0] + n[0], w[0][1] + n[1]], height, offset),
                vertex(out, [w[0][0] - n[0], w[0][1] - n[1]], height, offset),
                vertex(out, [w[1][0] - n[0], w[1][1] - n[1]], height, offset),
                vertex(out, [w[1][0] + n[0], w[1][1] + n[1]], height, offset),
            ];
            triangle(out, [q[0], q[1], q[2]]);
            triangle(out, [q[0], q[2], q[3]]);
        } else {
            dirs.push(dirs.last().copied().unwrap_or([1.0, 0.0]));
        }
    }
    if dirs.is_empty() {
        return;
    }
    // Bends: the outside is the side the line turns away from.
    for (k, p) in pts
        .iter()
        .enumerate()
        .skip(1)
        .take(pts.len().saturating_sub(2))
    {
        let (a, b) = (dirs[k - 1], dirs[k]);
        let turn = a[0] * b[1] - a[1] * b[0];
        let angle_a = a[1].atan2(a[0]);
        let mut sweep = (b[1].atan2(b[0]) - angle_a).rem_euclid(std::f64::consts::TAU);
        if sweep > std::f64::consts::PI {
            sweep -= std::f64::consts::TAU;
        }
        if sweep.abs() < 0.05 {
            continue;
        }
        // Left turn: the gap is on the right (normals at −90°), and the other way round.
        let side = if turn > 0.0 { -1.0 } else { 1.0 };
        let start = angle_a + side * std::f64::consts::FRAC_PI_2;
        fan(out, *p, h, start, sweep, height, offset);
    }
    // Rounded ends: half discs.
    let (first, last) = (dirs[0], dirs[dirs.len() - 1]);
    let back = first[1].atan2(first[0]) + std::f64::consts::FRAC_PI_2;
    fan(out, pts[0], h, back, std::f64::consts::PI, height, offset);
    let fore = last[1].atan2(last[0]) - std::f64::consts::FRAC_PI_2;
    fan(
        out,
        pts[pts.len() - 1],
        h,
        fore,
        std::f64::consts::PI,
        height,
        offset,
    );
}

/// A fan of triangles around `center`, radius `r`, from angle `start` through `sweep`
/// (radians, either way), in steps of at most 45°.
fn fan(
    out: &mut MeshBuffers,
    center: [f64; 2],
    r: f64,
    start: f64,
    sweep: f64,
    height: f64,
    offset: [f64; 2],
) {
    let steps = ((sweep.abs() / std::f64::consts::FRAC_PI_4).ceil() as usize).clamp(1, 8);
    let c = vertex(out, center, height, offset);
    let at = |t: f64| [center[0] + r * t.cos(), center[1] + r * t.sin()];
    let mut prev = vertex(out, at(start), height, offset);
    for s in 1..=steps {
        let next = vertex(
            out,
            at(start + sweep * s as f64 / steps as f64),
            height,
            offset,
        );
        triangle(out, [c, prev, next]);
        prev = next;
    }
}

/// Where a street's name goes: the middle of its way, along it.
fn street_name(name: &str, line: &LineString<f64>) -> Option<StreetName> {
    let pts = &line.0;
    let length: f64 = pts
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum();
    if length.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || name.trim().is_empty() {
        return None;
    }
    let mut left = length / 2.0;
    for w in pts.windows(2) {
        let (dx, dy) = (w[1].x - w[0].x, w[1].y - w[0].y);
        let seg = dx.hypot(dy);
        if seg >= left && seg > 0.0 {
            let t = left / seg;
            let bearing = dx.atan2(dy).to_degrees().rem_euclid(180.0);
            return Some(StreetName {
                name: name.trim().to_owned(),
                at: [w[0].x + dx * t, w[0].y + dy * t],
                bearing_deg: bearing,
                length_m: length,
            });
        }
        left -= seg;
    }
    None
}

#[cfg(test)]
mod tests;
