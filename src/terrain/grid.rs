//! The terrain's heights on a regular grid in the scene's metres: the DEM resampled through
//! PROJ once, so that every later question (a point's height, the lowest point under a
//! footprint, the mesh) needs neither PROJ nor the DEM's CRS.

use super::{Dem, DemError, bilinear};
use crate::georef::{Georef, Transformer};

/// The most nodes a side of the grid may have; a finer DEM is resampled coarser.
pub const MAX_SIDE: usize = 4_097;
/// Nodes between two points converted exactly through PROJ; those between are interpolated
/// (a projection bends less than a millimetre over this many DEM pixels).
const LATTICE: usize = 16;

/// Heights (m) on a square grid in scene metres: node `(col, row)` is at scene
/// `x = x0 + col·spacing`, `z = z0 + row·spacing` (rows go south, as scene z does).
#[derive(Debug, Clone)]
pub struct HeightGrid {
    /// Scene x of the first column.
    pub x0: f64,
    /// Scene z of the first row (the northernmost).
    pub z0: f64,
    /// Metres between nodes.
    pub spacing: f64,
    /// Columns.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// The lowest height (m).
    pub min_m: f32,
    /// The highest height (m).
    pub max_m: f32,
    heights: Vec<f32>,
}

impl HeightGrid {
    /// A grid from heights row by row (NaN where there is none).
    pub fn new(
        x0: f64,
        z0: f64,
        spacing: f64,
        cols: usize,
        rows: usize,
        heights: Vec<f32>,
    ) -> Self {
        assert_eq!(heights.len(), cols * rows, "one height a node");
        let (min_m, max_m) = super::height_range(&heights);
        Self {
            x0,
            z0,
            spacing,
            cols,
            rows,
            min_m,
            max_m,
            heights,
        }
    }

    /// The DEM resampled onto the scene: the grid covers the DEM's extent in scene metres at
    /// about its pixel size (coarser where the DEM has more than [`MAX_SIDE`] pixels a side,
    /// or `max_side` when given); nodes off the DEM hold no height.
    pub fn from_dem(dem: &Dem, georef: &Georef, max_side: Option<usize>) -> Result<Self, DemError> {
        let to_scene = georef.transformer_from(&dem.crs)?;
        let from_scene = Transformer::new(georef.projected_crs(), &dem.crs)?;
        let scene_of = |col: f64, row: f64| -> Result<(f64, f64), DemError> {
            let (x, y) = dem.pixel_centre(col, row);
            let (e, n) = to_scene.convert(x, y)?;
            let p = georef.projected_to_scene(e, n, 0.0);
            Ok((p[0], p[2]))
        };
        // The DEM's outline in the scene (its pixels' outer edges, half a pixel beyond the
        // outer centres), from points along its edges.
        let (w, h) = ((dem.width - 1) as f64, (dem.height - 1) as f64);
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for i in 0..=32 {
            let f = i as f64 / 32.0;
            let (c, r) = (f * (w + 1.0) - 0.5, f * (h + 1.0) - 0.5);
            for (c, r) in [(c, -0.5), (c, h + 0.5), (-0.5, r), (w + 0.5, r)] {
                let (x, z) = scene_of(c, r)?;
                lo = [lo[0].min(x), lo[1].min(z)];
                hi = [hi[0].max(x), hi[1].max(z)];
            }
        }
        // About one node a DEM pixel, measured in the scene (a geographic DEM's pixels are
        // in degrees).
        let (cx, cy) = (w / 2.0, h / 2.0);
        let centre = scene_of(cx, cy)?;
        let right = scene_of(cx + 1.0, cy)?;
        let down = scene_of(cx, cy + 1.0)?;
        let pixel = ((right.0 - centre.0).hypot(right.1 - centre.1)
            * (down.0 - centre.0).hypot(down.1 - centre.1))
        .sqrt();
        let max_side = max_side.unwrap_or(MAX_SIDE).clamp(2, MAX_SIDE);
        let longest = (hi[0] - lo[0]).max(hi[1] - lo[1]);
        let spacing = pixel.max(longest / (max_side - 1) as f64);
        if !(spacing.is_finite() && spacing > 0.0) {
            return Err(DemError::Invalid(
                "the DEM's pixels have no size in the scene".into(),
            ));
        }
        let cols = ((hi[0] - lo[0]) / spacing).ceil() as usize + 1;
        let rows = ((hi[1] - lo[1]) / spacing).ceil() as usize + 1;
        let (ox, oy) = georef.origin_projected();
        // The DEM's CRS at lattice nodes, exactly; between them, interpolated.
        let lattice_cols = (cols - 1).div_ceil(LATTICE) + 1;
        let lattice_rows = (rows - 1).div_ceil(LATTICE) + 1;
        let mut lattice = Vec::with_capacity(lattice_cols * lattice_rows);
        for lr in 0..lattice_rows {
            for lc in 0..lattice_cols {
                let x = lo[0] + (lc * LATTICE) as f64 * spacing;
                let z = lo[1] + (lr * LATTICE) as f64 * spacing;
                lattice.push(from_scene.convert(x + ox, oy - z).ok());
            }
        }
        let mut heights = Vec::with_capacity(cols * rows);
        for row in 0..rows {
            let (lr, fr) = (row / LATTICE, (row % LATTICE) as f64 / LATTICE as f64);
            for col in 0..cols {
                let (lc, fc) = (col / LATTICE, (col % LATTICE) as f64 / LATTICE as f64);
                let at = |c: usize, r: usize| {
                    lattice[r.min(lattice_rows - 1) * lattice_cols + c.min(lattice_cols - 1)]
                };
                let corners = [
                    at(lc, lr),
                    at(lc + 1, lr),
                    at(lc, lr + 1),
                    at(lc + 1, lr + 1),
                ];
                let height = match corners {
                    [Some(a), Some(b), Some(c), Some(d)] => {
                        let x = lerp2(a.0, b.0, c.0, d.0, fc, fr);
                        let y = lerp2(a.1, b.1, c.1, d.1, fc, fr);
                        dem.sample(x, y).unwrap_or(f32::NAN)
                    }
                    _ => f32::NAN,
                };
                heights.push(height);
            }
        }
        let grid = Self::new(lo[0], lo[1], spacing, cols, rows, heights);
        if grid.min_m.is_finite() {
            Ok(grid)
        } else {
            Err(DemError::Empty)
        }
    }

    /// How far scene `(x, z)` is from the grid (m; 0 on it).
    pub fn distance_from(&self, x: f64, z: f64) -> f64 {
        let (x1, z1) = self.node_position(self.cols - 1, self.rows - 1);
        let dx = (self.x0 - x).max(x - x1).max(0.0);
        let dz = (self.z0 - z).max(z - z1).max(0.0);
        dx.hypot(dz)
    }

    /// Where a ray from scene `origin` along unit `direction` first meets the terrain: the
    /// distance along it, within `max_m`. Marched a node's spacing at a time, then narrowed
    /// down to a centimetre.
    pub fn ray_hit(&self, origin: [f64; 3], direction: [f64; 3], max_m: f64) -> Option<f64> {
        let at = |t: f64| [0, 1, 2].map(|i| origin[i] + direction[i] * t);
        let above = |t: f64| {
            let p = at(t);
            self.height_at(p[0], p[2]).map(|h| p[1] - f64::from(h))
        };
        let step = self.spacing.max(0.01);
        let mut previous: Option<f64> = None;
        let mut t = 0.0;
        while t <= max_m {
            if let Some(d) = above(t) {
                if d <= 0.0 {
                    // Between the last point above and this one.
                    let (mut lo, mut hi) = (previous.unwrap_or(t), t);
                    while hi - lo > 0.01 {
                        let mid = (lo + hi) / 2.0;
                        if above(mid).is_some_and(|d| d > 0.0) {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    return Some(hi);
                }
                previous = Some(t);
            } else {
                previous = None;
            }
            t += step;
        }
        None
    }

    /// The height stored at a node (NaN where there is none or off the grid).
    pub fn node(&self, col: usize, row: usize) -> f32 {
        if col < self.cols && row < self.rows {
            self.heights[row * self.cols + col]
        } else {
            f32::NAN
        }
    }

    /// The scene x and z of a node.
    pub fn node_position(&self, col: usize, row: usize) -> (f64, f64) {
        (
            self.x0 + col as f64 * self.spacing,
            self.z0 + row as f64 * self.spacing,
        )
    }

    /// The terrain's height at scene `(x, z)`, interpolated between the nodes around it;
    /// `None` off the terrain.
    pub fn height_at(&self, x: f64, z: f64) -> Option<f32> {
        let c = (x - self.x0) / self.spacing;
        let r = (z - self.z0) / self.spacing;
        let (max_c, max_r) = ((self.cols - 1) as f64, (self.rows - 1) as f64);
        if !(0.0..=max_c).contains(&c) || !(0.0..=max_r).contains(&r) {
            return None;
        }
        let (c0, r0) = (c.floor() as usize, r.floor() as usize);
        let (c1, r1) = ((c0 + 1).min(self.cols - 1), (r0 + 1).min(self.rows - 1));
        bilinear(
            [
                self.node(c0, r0),
                self.node(c1, r0),
                self.node(c0, r1),
                self.node(c1, r1),
            ],
            (c - c0 as f64) as f32,
            (r - r0 as f64) as f32,
        )
    }

    /// The lowest terrain under a footprint given as its outline in scene `[x, z]`: the least
    /// of the heights at its corners and at the grid's nodes inside it. `None` where no part
    /// of it is on the terrain.
    pub fn lowest_under(&self, outline: &[[f64; 2]]) -> Option<f32> {
        let mut lowest: Option<f32> = None;
        let mut take = |h: Option<f32>| {
            if let Some(h) = h.filter(|h| h.is_finite()) {
                lowest = Some(lowest.map_or(h, |l| l.min(h)));
            }
        };
        for p in outline {
            take(self.height_at(p[0], p[1]));
        }
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in outline {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        if !(lo[0].is_finite() && hi[0].is_finite()) {
            return lowest;
        }
        let first = |v: f64, o: f64| ((v - o) / self.spacing).ceil().max(0.0) as usize;
        let last = |v: f64, o: f64, n: usize| {
            (((v - o) / self.spacing).floor().max(-1.0) as i64).min(n as i64 - 1)
        };
        let (c0, c1) = (first(lo[0], self.x0), last(hi[0], self.x0, self.cols));
        let (r0, r1) = (first(lo[1], self.z0), last(hi[1], self.z0, self.rows));
        // A building covers few nodes; a district-sized outline is read at its corners only.
        let count = (c1 - c0 as i64 + 1).max(0) * (r1 - r0 as i64 + 1).max(0);
        if count > 0 && count <= 250_000 {
            for r in r0..=r1 as usize {
                for c in c0..=c1 as usize {
                    let (x, z) = self.node_position(c, r);
                    if inside(outline, x, z) {
                        take(Some(self.node(c, r)));
                    }
                }
            }
        }
        lowest
    }
}

/// Bilinear interpolation of four corner values (top-left, top-right, bottom-left,
/// bottom-right).
fn lerp2(a: f64, b: f64, c: f64, d: f64, fx: f64, fy: f64) -> f64 {
    let top = a + (b - a) * fx;
    let bottom = c + (d - c) * fx;
    top + (bottom - top) * fy
}

/// Whether `(x, z)` is inside the ring (even–odd rule).
fn inside(ring: &[[f64; 2]], x: f64, z: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > z) != (b[1] > z) && x < (b[0] - a[0]) * (z - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
        j = i;
    }
    inside
}
