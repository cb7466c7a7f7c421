//! Flat ground meshes (the base map's streets, water and parks) laid on the terrain: their
//! triangles split until no edge is longer than about a grid cell, so the surface can follow
//! the relief, then every vertex raised by the terrain under it.

use super::HeightGrid;
use crate::geometry::extrude::MeshBuffers;
use std::collections::HashMap;

/// Triangles a draped mesh may grow to; past it the edges are left longer.
const MAX_TRIANGLES: f64 = 400_000.0;

/// Lays a flat, upward-facing mesh on the terrain. Its positions are `[east, up, −north]`
/// relative to the scene point `[east, north]` `centre`; each vertex keeps its own height as
/// a lift over the ground, plus `lift_m`, and its normal follows the slope. Triangles are
/// split at edge midpoints shared by both triangles of an edge (no cracks); vertices off the
/// terrain stay where they are.
///
/// ```
/// use citytwin::geometry::extrude::MeshBuffers;
/// use citytwin::terrain::{HeightGrid, drape};
/// // A slope rising 1 m a metre eastwards, 100 m square, 10 m between nodes.
/// let heights = (0..11).flat_map(|_| (0..11).map(|c| c as f32 * 10.0)).collect();
/// let grid = HeightGrid::new(0.0, -100.0, 10.0, 11, 11, heights);
/// // One flat triangle 80 m long, 0.05 m up.
/// let mut mesh = MeshBuffers {
///     positions: vec![[0.0, 0.05, 0.0], [80.0, 0.05, 0.0], [0.0, 0.05, -80.0]],
///     normals: vec![[0.0, 1.0, 0.0]; 3],
///     colors: vec![[255; 4]; 3],
///     indices: vec![0, 2, 1],
/// };
/// drape(&mut mesh, [0.0, 0.0], &grid, 0.2);
/// assert!(mesh.triangle_count() >= 64);
/// for p in &mesh.positions {
///     assert!((p[1] - (p[0] + 0.25)).abs() < 1e-3); // on the slope, 0.25 m above it
/// }
/// ```
pub fn drape(mesh: &mut MeshBuffers, centre: [f64; 2], grid: &HeightGrid, lift_m: f32) {
    let longest = max_edge(mesh, grid.spacing.max(1.0) * 1.5);
    split(mesh, longest);
    let height = |x: f64, z: f64| grid.height_at(x, z).filter(|h| h.is_finite());
    for (p, n) in mesh.positions.iter_mut().zip(&mut mesh.normals) {
        let (x, z) = (centre[0] + f64::from(p[0]), -centre[1] + f64::from(p[2]));
        let Some(h) = height(x, z) else {
            continue;
        };
        p[1] += h + lift_m;
        let d = grid.spacing.max(0.5);
        let slope = |a: Option<f32>, b: Option<f32>| match (a, b) {
            (Some(a), Some(b)) => (a - b) / (2.0 * d as f32),
            _ => 0.0,
        };
        let dx = slope(height(x + d, z), height(x - d, z));
        let dz = slope(height(x, z + d), height(x, z - d));
        let len = (dx * dx + 1.0 + dz * dz).sqrt();
        *n = [-dx / len, 1.0 / len, -dz / len];
    }
}

/// The longest edge to keep: `wanted`, or longer where the mesh would pass its budget.
fn max_edge(mesh: &MeshBuffers, wanted: f64) -> f64 {
    let area: f64 = mesh
        .indices
        .chunks_exact(3)
        .map(|t| {
            let p = |i: u32| mesh.positions[i as usize].map(f64::from);
            let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
            ((b[0] - a[0]) * (c[2] - a[2]) - (c[0] - a[0]) * (b[2] - a[2])).abs() / 2.0
        })
        .sum();
    // A triangle of edge L covers about L²/2.
    let expected = 2.0 * area / (wanted * wanted);
    if expected > MAX_TRIANGLES {
        wanted * (expected / MAX_TRIANGLES).sqrt()
    } else {
        wanted
    }
}

/// Splits every triangle at the middle of its longest edge until no edge is longer than
/// `longest` (metres, in the ground plane).
fn split(mesh: &mut MeshBuffers, longest: f64) {
    let limit = longest * longest;
    let mut middles: HashMap<(u32, u32), u32> = HashMap::new();
    let mut work: Vec<[u32; 3]> = mesh
        .indices
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .collect();
    let mut out = Vec::with_capacity(mesh.indices.len());
    while let Some(t) = work.pop() {
        let length = |a: u32, b: u32| {
            let (p, q) = (mesh.positions[a as usize], mesh.positions[b as usize]);
            f64::from(p[0] - q[0]).powi(2) + f64::from(p[2] - q[2]).powi(2)
        };
        // The longest edge, as (from, to, opposite) in the triangle's own turn.
        let edges = [(t[0], t[1], t[2]), (t[1], t[2], t[0]), (t[2], t[0], t[1])];
        let (a, b, c) = edges
            .into_iter()
            .max_by(|x, y| length(x.0, x.1).total_cmp(&length(y.0, y.1)))
            .unwrap_or((t[0], t[1], t[2]));
        if length(a, b) <= limit || out.len() / 3 > 4 * MAX_TRIANGLES as usize {
            out.extend(t);
            continue;
        }
        let key = (a.min(b), a.max(b));
        let m = *middles.entry(key).or_insert_with(|| {
            let (p, q) = (mesh.positions[a as usize], mesh.positions[b as usize]);
            mesh.positions.push([0, 1, 2].map(|k| (p[k] + q[k]) / 2.0));
            mesh.normals.push(mesh.normals[a as usize]);
            mesh.colors.push(mesh.colors[a as usize]);
            (mesh.positions.len() - 1) as u32
        });
        work.push([a, m, c]);
        work.push([m, b, c]);
    }
    mesh.indices = out;
}
