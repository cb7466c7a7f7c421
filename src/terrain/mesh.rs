//! The terrain cut into a quadtree of tiles for drawing with level of detail: every tile has
//! the same number of vertices, a parent covering four times the ground of a child at half
//! its resolution; each knows its geometric error (the most its surface departs from the
//! full-resolution grid), so the viewer draws coarse tiles far away and fine ones near
//! ([`Quadtree::select`], by screen-space error). Each tile hangs a skirt down from its edges
//! so that no crack shows where tiles of two levels meet; tiles of one level share their edge
//! vertices exactly.

use super::HeightGrid;

/// Cells along a tile's side (so 65 × 65 vertices).
pub const TILE_CELLS: usize = 64;

/// One tile of the quadtree.
#[derive(Debug, Clone)]
pub struct TerrainTile {
    /// Depth in the quadtree (0 for the root).
    pub level: u8,
    /// The grid node at its north-west corner.
    pub col0: usize,
    /// The grid node at its north-west corner.
    pub row0: usize,
    /// Grid cells between two of its vertices (1 for the finest tiles).
    pub step: usize,
    /// The most its surface departs from the grid's heights (m).
    pub geometric_error: f32,
    /// Scene bounds `[min x, min y, min z]`.
    pub min: [f64; 3],
    /// Scene bounds `[max x, max y, max z]`.
    pub max: [f64; 3],
    /// Its four children (indices into [`Quadtree::tiles`]), those on the grid.
    pub children: Vec<usize>,
}

/// The quadtree of a grid's tiles.
#[derive(Debug, Clone)]
pub struct Quadtree {
    /// Every tile, the root first; children after their parents.
    pub tiles: Vec<TerrainTile>,
}

/// A tile's mesh in scene coordinates (metres, y up).
#[derive(Debug, Clone, Default)]
pub struct TerrainMesh {
    /// Vertex positions.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals.
    pub normals: Vec<[f32; 3]>,
    /// Triangles, counter-clockwise seen from above.
    pub indices: Vec<u32>,
}

impl Quadtree {
    /// The quadtree over `grid`: the root's step is the power of two that fits the grid in
    /// one tile; children halve it down to 1.
    pub fn new(grid: &HeightGrid) -> Self {
        let cells = (grid.cols - 1).max(grid.rows - 1).max(1);
        let mut step = 1;
        while step * TILE_CELLS < cells {
            step *= 2;
        }
        let mut tree = Self { tiles: Vec::new() };
        tree.add(grid, 0, 0, 0, step);
        tree
    }

    fn add(
        &mut self,
        grid: &HeightGrid,
        level: u8,
        col0: usize,
        row0: usize,
        step: usize,
    ) -> usize {
        let index = self.tiles.len();
        let (c1, r1) = tile_end(grid, col0, row0, step);
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        let mut error = 0.0f32;
        for r in row0..=r1 {
            for c in col0..=c1 {
                let h = grid.node(c, r);
                if !h.is_finite() {
                    continue;
                }
                lo = lo.min(h);
                hi = hi.max(h);
                if step > 1 {
                    error =
                        error.max((h - coarse_height(grid, c, r, col0, row0, step, c1, r1)).abs());
                }
            }
        }
        if !lo.is_finite() {
            (lo, hi) = (grid.min_m, grid.min_m);
        }
        let (x0, z0) = grid.node_position(col0, row0);
        let (x1, z1) = grid.node_position(c1, r1);
        self.tiles.push(TerrainTile {
            level,
            col0,
            row0,
            step,
            geometric_error: if error.is_finite() { error } else { 0.0 },
            min: [x0, f64::from(lo), z0],
            max: [x1, f64::from(hi), z1],
            children: Vec::new(),
        });
        if step > 1 {
            let half = step / 2;
            let span = TILE_CELLS * half;
            for (dc, dr) in [(0, 0), (span, 0), (0, span), (span, span)] {
                let (c, r) = (col0 + dc, row0 + dr);
                if c < grid.cols - 1 && r < grid.rows - 1 {
                    let child = self.add(grid, level + 1, c, r, half);
                    self.tiles[index].children.push(child);
                }
            }
        }
        index
    }

    /// The tiles to draw for an eye at scene `eye`: from the root down, a tile is drawn
    /// whole where its geometric error on the screen (pixels, with `pixels_per_radian` the
    /// screen's height over the view's vertical angle) is at most `max_error_px`, else its
    /// children are looked at. The tiles returned cover the terrain once.
    pub fn select(&self, eye: [f64; 3], pixels_per_radian: f64, max_error_px: f64) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![0usize];
        while let Some(i) = stack.pop() {
            let Some(tile) = self.tiles.get(i) else {
                continue;
            };
            let d = distance_to_box(eye, tile.min, tile.max).max(1.0);
            let on_screen = f64::from(tile.geometric_error) * pixels_per_radian / d;
            if on_screen > max_error_px && !tile.children.is_empty() {
                stack.extend(tile.children.iter().copied());
            } else {
                out.push(i);
            }
        }
        out
    }

    /// The mesh of tile `index`, with its skirt.
    pub fn mesh(&self, grid: &HeightGrid, index: usize) -> TerrainMesh {
        let Some(tile) = self.tiles.get(index) else {
            return TerrainMesh::default();
        };
        let (c1, r1) = tile_end(grid, tile.col0, tile.row0, tile.step);
        // The vertex columns and rows: every step, and the grid's last where it ends inside.
        let along = |from: usize, to: usize| -> Vec<usize> {
            let mut v: Vec<usize> = (from..=to).step_by(tile.step).collect();
            if v.last() != Some(&to) {
                v.push(to);
            }
            v
        };
        let (cols, rows) = (along(tile.col0, c1), along(tile.row0, r1));
        let floor = grid.min_m;
        let mut mesh = TerrainMesh::default();
        let mut known = Vec::new();
        for &r in &rows {
            for &c in &cols {
                let h = grid.node(c, r);
                let (x, z) = grid.node_position(c, r);
                known.push(h.is_finite());
                let y = if h.is_finite() { h } else { floor };
                mesh.positions.push([x as f32, y, z as f32]);
                mesh.normals.push(normal(grid, c, r, tile.step));
            }
        }
        let n = cols.len();
        for r in 0..rows.len() - 1 {
            for c in 0..n - 1 {
                let (a, b) = ((r * n + c) as u32, (r * n + c + 1) as u32);
                let (d, e) = (((r + 1) * n + c) as u32, ((r + 1) * n + c + 1) as u32);
                if [a, b, d, e].iter().all(|&i| known[i as usize]) {
                    // Seen from above (y up, z south), a → d → b turns counter-clockwise.
                    mesh.indices.extend_from_slice(&[a, d, b, b, d, e]);
                }
            }
        }
        add_skirt(&mut mesh, &known, n, rows.len(), skirt_depth(tile, grid));
        mesh
    }
}

/// The last grid node a tile reaches.
fn tile_end(grid: &HeightGrid, col0: usize, row0: usize, step: usize) -> (usize, usize) {
    (
        (col0 + TILE_CELLS * step).min(grid.cols - 1),
        (row0 + TILE_CELLS * step).min(grid.rows - 1),
    )
}

/// The height a tile of `step` shows at grid node `(c, r)`: bilinear between its vertices.
#[allow(clippy::too_many_arguments)]
fn coarse_height(
    grid: &HeightGrid,
    c: usize,
    r: usize,
    col0: usize,
    row0: usize,
    step: usize,
    c1: usize,
    r1: usize,
) -> f32 {
    let ca = col0 + (c - col0) / step * step;
    let ra = row0 + (r - row0) / step * step;
    let (cb, rb) = ((ca + step).min(c1), (ra + step).min(r1));
    let fx = if cb > ca {
        (c - ca) as f32 / (cb - ca) as f32
    } else {
        0.0
    };
    let fy = if rb > ra {
        (r - ra) as f32 / (rb - ra) as f32
    } else {
        0.0
    };
    super::bilinear(
        [
            grid.node(ca, ra),
            grid.node(cb, ra),
            grid.node(ca, rb),
            grid.node(cb, rb),
        ],
        fx,
        fy,
    )
    .unwrap_or(f32::NAN)
}

/// The surface's normal at a node from the heights `step` nodes around it.
fn normal(grid: &HeightGrid, c: usize, r: usize, step: usize) -> [f32; 3] {
    let h = |c: usize, r: usize| {
        let v = grid.node(c.min(grid.cols - 1), r.min(grid.rows - 1));
        if v.is_finite() { Some(v) } else { None }
    };
    let here = h(c, r).unwrap_or(0.0);
    let (cl, cr) = (c.saturating_sub(step), (c + step).min(grid.cols - 1));
    let (ru, rd) = (r.saturating_sub(step), (r + step).min(grid.rows - 1));
    let slope = |a: Option<f32>, b: Option<f32>, n: usize| {
        if n == 0 {
            return 0.0;
        }
        (b.unwrap_or(here) - a.unwrap_or(here)) / (n as f64 * grid.spacing) as f32
    };
    let dx = slope(h(cl, r), h(cr, r), cr - cl);
    let dz = slope(h(c, ru), h(c, rd), rd - ru);
    let len = (dx * dx + 1.0 + dz * dz).sqrt();
    [-dx / len, 1.0 / len, -dz / len]
}

/// How far a tile's skirt hangs: past the most a neighbour of another level can differ.
fn skirt_depth(tile: &TerrainTile, grid: &HeightGrid) -> f32 {
    tile.geometric_error * 2.0 + (tile.step as f64 * grid.spacing * 0.1) as f32 + 1.0
}

/// Hangs a vertical strip down from each edge of an `n × m` vertex grid, drawn from both
/// sides.
fn add_skirt(mesh: &mut TerrainMesh, known: &[bool], n: usize, m: usize, depth: f32) {
    let edges: [Vec<usize>; 4] = [
        (0..n).collect(),
        ((m - 1) * n..m * n).collect(),
        (0..m).map(|r| r * n).collect(),
        (0..m).map(|r| r * n + n - 1).collect(),
    ];
    for edge in edges {
        let mut below = Vec::with_capacity(edge.len());
        for &i in &edge {
            let [x, y, z] = mesh.positions[i];
            below.push(mesh.positions.len() as u32);
            mesh.positions.push([x, y - depth, z]);
            mesh.normals.push(mesh.normals[i]);
        }
        for k in 0..edge.len() - 1 {
            if !(known[edge[k]] && known[edge[k + 1]]) {
                continue;
            }
            let (a, b) = (edge[k] as u32, edge[k + 1] as u32);
            let (c, d) = (below[k], below[k + 1]);
            mesh.indices
                .extend_from_slice(&[a, c, b, b, c, d, a, b, c, b, d, c]);
        }
    }
}

/// Distance from a point to an axis-aligned box (0 inside).
fn distance_to_box(p: [f64; 3], min: [f64; 3], max: [f64; 3]) -> f64 {
    let d = |i: usize| (min[i] - p[i]).max(0.0).max(p[i] - max[i]);
    (d(0).powi(2) + d(1).powi(2) + d(2).powi(2)).sqrt()
}
