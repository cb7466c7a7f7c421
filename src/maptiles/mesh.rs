//! A map tile's mesh in the scene: a grid of vertices placed through PROJ from the tile's
//! Web Mercator corners into scene metres, so the image lands where it belongs in any scene
//! CRS, and lifted onto the terrain's heights where there is one (draped).

use super::TileId;
use super::select::TileBox;
use crate::georef::{Georef, LonLat};
use crate::terrain::HeightGrid;

/// Cells along a tile's side (so 17 × 17 vertices): enough to follow the projection's curve
/// and, on terrain, the ground's shape at the tile's scale.
pub const GRID: usize = 16;

/// How far above the terrain a draped tile lies (m), so that the terrain's own coarser
/// triangles do not cut through it.
pub const LIFT_M: f32 = 0.3;

/// A tile's mesh, its vertices relative to `centre`.
#[derive(Debug, Clone, Default)]
pub struct TileMesh {
    /// The tile's centre in the scene (m).
    pub centre: [f64; 3],
    /// Vertex positions, relative to `centre`.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals.
    pub normals: Vec<[f32; 3]>,
    /// Texture coordinates (0,0 the image's top left).
    pub uvs: Vec<[f32; 2]>,
    /// Triangles, counter-clockwise seen from above.
    pub indices: Vec<u32>,
}

/// How far above flat ground a tile lies (m): over the base map's classes, which are lifted
/// [`crate::basemap::mesh::LIFT_PER_CLASS_M`] each.
pub const FLAT_LIFT_M: f64 = 0.1;

/// The ground's height at scene `(x, z)`, lifted a little.
fn ground(terrain: Option<&HeightGrid>, x: f64, z: f64) -> f64 {
    terrain
        .and_then(|g| g.height_at(x, z))
        .map_or(FLAT_LIFT_M, |h| f64::from(h + LIFT_M))
}

/// The tile's bounds in the scene (its edges sampled; heights the terrain's range), or None
/// where it cannot be projected.
pub fn bounds(tile: TileId, georef: &Georef, terrain: Option<&HeightGrid>) -> Option<TileBox> {
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for (u, v) in [
        (0.0, 0.0),
        (0.5, 0.0),
        (1.0, 0.0),
        (0.0, 0.5),
        (1.0, 0.5),
        (0.0, 1.0),
        (0.5, 1.0),
        (1.0, 1.0),
    ] {
        let (lon, lat) = tile.lonlat_at(u, v);
        let p = georef.lonlat_to_scene(LonLat::new(lon, lat), 0.0).ok()?;
        for i in [0, 2] {
            lo[i] = lo[i].min(p[i]);
            hi[i] = hi[i].max(p[i]);
        }
    }
    (lo[1], hi[1]) = terrain.map_or((FLAT_LIFT_M, FLAT_LIFT_M), |g| {
        (f64::from(g.min_m), f64::from(g.max_m) + f64::from(LIFT_M))
    });
    lo.iter()
        .chain(&hi)
        .all(|c| c.is_finite())
        .then_some(TileBox { min: lo, max: hi })
}

/// The tile's mesh, draped on `terrain` if given; None where it cannot be projected.
pub fn mesh(tile: TileId, georef: &Georef, terrain: Option<&HeightGrid>) -> Option<TileMesh> {
    let n = GRID + 1;
    let mut world = Vec::with_capacity(n * n);
    let mut uvs = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            let (u, v) = (col as f64 / GRID as f64, row as f64 / GRID as f64);
            let (lon, lat) = tile.lonlat_at(u, v);
            let p = georef.lonlat_to_scene(LonLat::new(lon, lat), 0.0).ok()?;
            if !(p[0].is_finite() && p[2].is_finite()) {
                return None;
            }
            world.push([p[0], ground(terrain, p[0], p[2]), p[2]]);
            uvs.push([u as f32, v as f32]);
        }
    }
    let centre = {
        let (a, b) = (world[0], world[n * n - 1]);
        [(a[0] + b[0]) / 2.0, 0.0, (a[2] + b[2]) / 2.0]
    };
    let mut indices = Vec::with_capacity(GRID * GRID * 6);
    for row in 0..GRID {
        for col in 0..GRID {
            let i = (row * n + col) as u32;
            let (right, below) = (i + 1, i + n as u32);
            // Rows run south (+z in the scene), columns east (+x): counter-clockwise from
            // above is north-west, south-west, north-east.
            indices.extend_from_slice(&[i, below, right, right, below, below + 1]);
        }
    }
    let mut normals = vec![[0.0f64; 3]; world.len()];
    for t in indices.chunks_exact(3) {
        let [a, b, c] = [0, 1, 2].map(|k| world[t[k] as usize]);
        let (u, v) = (sub(b, a), sub(c, a));
        let face = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        for &k in t {
            for d in 0..3 {
                normals[k as usize][d] += face[d];
            }
        }
    }
    Some(TileMesh {
        centre,
        positions: world
            .iter()
            .map(|p| {
                [
                    (p[0] - centre[0]) as f32,
                    p[1] as f32,
                    (p[2] - centre[2]) as f32,
                ]
            })
            .collect(),
        normals: normals
            .iter()
            .map(|v| {
                let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                if l > 0.0 {
                    [(v[0] / l) as f32, (v[1] / l) as f32, (v[2] / l) as f32]
                } else {
                    [0.0, 1.0, 0.0]
                }
            })
            .collect(),
        uvs,
        indices,
    })
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
