//! The grid and its tracing: for each cell, a ray from the ground towards the sun at each
//! sample; rows shared out over all cores, progress counted, cancelling checked per row.

use super::Occluders;
use super::samples::SunPath;
use crate::cancel::Cancel;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Height above the ground the rays start at (m): above the ground's own noise, below any
/// kerb.
const EYE: f32 = 0.05;

/// A traced row: its index, hours in all and in 09–17, rays.
type Row = (usize, Vec<f32>, Vec<f32>, u64);

/// A grid of square cells over a rectangle of the scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// The south-west corner (`[east, north]`, scene metres).
    pub origin: [f64; 2],
    /// Cell size (m).
    pub cell: f64,
    /// Cells west to east.
    pub cols: usize,
    /// Cells south to north.
    pub rows: usize,
}

impl Grid {
    /// The cells covering `[west, south, east, north]` (scene metres), `cell` metres each;
    /// `None` when the box is empty, the cell not positive, or the grid over `max_cells`.
    pub fn covering(bounds: [f64; 4], cell: f64, max_cells: usize) -> Option<Self> {
        let [w, s, e, n] = bounds;
        if !(cell > 0.0 && e > w && n > s && bounds.iter().all(|v| v.is_finite())) {
            return None;
        }
        let cols = ((e - w) / cell).ceil().max(1.0);
        let rows = ((n - s) / cell).ceil().max(1.0);
        if cols * rows > max_cells as f64 {
            return None;
        }
        Some(Self {
            origin: [w, s],
            cell,
            cols: cols as usize,
            rows: rows as usize,
        })
    }

    /// Cells in all.
    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// Whether it has no cell.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The centre of cell `i` (row-major from the south-west corner), scene metres.
    pub fn centre_of(&self, i: usize) -> [f64; 2] {
        let (row, col) = (i / self.cols.max(1), i % self.cols.max(1));
        [
            self.origin[0] + (col as f64 + 0.5) * self.cell,
            self.origin[1] + (row as f64 + 0.5) * self.cell,
        ]
    }

    /// The cell holding a scene point, if inside.
    pub fn cell_at(&self, p: [f64; 2]) -> Option<usize> {
        let col = ((p[0] - self.origin[0]) / self.cell).floor();
        let row = ((p[1] - self.origin[1]) / self.cell).floor();
        (col >= 0.0 && row >= 0.0 && (col as usize) < self.cols && (row as usize) < self.rows)
            .then(|| row as usize * self.cols + col as usize)
    }

    /// Its middle (`[east, north]`, scene metres).
    pub fn centre(&self) -> [f64; 2] {
        let [w, s, e, n] = self.bounds();
        [(w + e) / 2.0, (s + n) / 2.0]
    }

    /// `[west, south, east, north]`.
    pub fn bounds(&self) -> [f64; 4] {
        [
            self.origin[0],
            self.origin[1],
            self.origin[0] + self.cols as f64 * self.cell,
            self.origin[1] + self.rows as f64 * self.cell,
        ]
    }
}

/// The hours of sun of each cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    /// The grid.
    pub grid: Grid,
    /// Hours of sun in the day, row-major; NaN for a cell under a building.
    pub total: Vec<f32>,
    /// Of those, the hours between 09:00 and 17:00 local time.
    pub window: Vec<f32>,
    /// Rays traced.
    pub rays: u64,
}

impl Hours {
    /// The hours of the cell holding a scene point (NaN under a building), if inside.
    pub fn at(&self, p: [f64; 2]) -> Option<f32> {
        self.grid.cell_at(p).map(|i| self.total[i])
    }

    /// The grid as CSV, `lon,lat,hours` per open cell (`to_lonlat` turns a scene point into
    /// longitude and latitude), with a header line.
    pub fn to_csv(&self, to_lonlat: impl Fn([f64; 2]) -> Option<[f64; 2]>) -> String {
        let mut out = String::from("lon,lat,sun_hours\n");
        for (i, h) in self.total.iter().enumerate() {
            if h.is_nan() {
                continue;
            }
            if let Some([lon, lat]) = to_lonlat(self.grid.centre_of(i)) {
                out.push_str(&format!("{lon:.7},{lat:.7},{h:.2}\n"));
            }
        }
        out
    }
}

/// How far a study has come: rows done of rows in all.
#[derive(Debug, Default)]
pub struct Progress {
    /// Rows traced.
    pub done: AtomicUsize,
    /// Rows in all.
    pub total: AtomicUsize,
}

impl Progress {
    /// The fraction done (0–1).
    pub fn fraction(&self) -> f64 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            0.0
        } else {
            self.done.load(Ordering::Relaxed) as f64 / total as f64
        }
    }
}

/// The hours of sun at one scene point on the ground (`None` when a building stands over it).
pub fn sun_hours_at(occluders: &Occluders, path: &SunPath, p: [f64; 2]) -> Option<(f64, f64)> {
    let dirs = directions(occluders, path);
    cell_hours(occluders, &dirs, local(occluders, p)).map(|(h, w)| (f64::from(h), f64::from(w)))
}

/// Traces every cell of `grid` on all cores. `None` when cancelled.
pub fn study(
    occluders: &Occluders,
    path: &SunPath,
    grid: Grid,
    cancel: &Cancel,
    progress: &Progress,
) -> Option<Hours> {
    let dirs = directions(occluders, path);
    progress.total.store(grid.rows, Ordering::Relaxed);
    progress.done.store(0, Ordering::Relaxed);
    let next_row = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut total = vec![f32::NAN; grid.len()];
    let mut window = vec![f32::NAN; grid.len()];
    let mut rays = 0u64;
    let parts: Vec<Vec<Row>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut rows = Vec::new();
                    loop {
                        if cancel.is_cancelled() {
                            break;
                        }
                        let row = next_row.fetch_add(1, Ordering::Relaxed);
                        if row >= grid.rows {
                            break;
                        }
                        let mut t = Vec::with_capacity(grid.cols);
                        let mut w = Vec::with_capacity(grid.cols);
                        let mut n = 0u64;
                        for col in 0..grid.cols {
                            let p = grid.centre_of(row * grid.cols + col);
                            let (h, win) = cell_hours(occluders, &dirs, local(occluders, p))
                                .unwrap_or((f32::NAN, f32::NAN));
                            n += if h.is_nan() { 1 } else { 1 + dirs.len() as u64 };
                            t.push(h);
                            w.push(win);
                        }
                        rows.push((row, t, w, n));
                        progress.done.fetch_add(1, Ordering::Relaxed);
                    }
                    rows
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    if cancel.is_cancelled() {
        return None;
    }
    for (row, t, w, n) in parts.into_iter().flatten() {
        let at = row * grid.cols;
        total[at..at + grid.cols].copy_from_slice(&t);
        window[at..at + grid.cols].copy_from_slice(&w);
        rays += n;
    }
    Some(Hours {
        grid,
        total,
        window,
        rays,
    })
}

/// [`study`], with the cells whose centre lies outside `area` marked as not counted (NaN).
pub fn study_area(
    occluders: &Occluders,
    path: &SunPath,
    grid: Grid,
    area: &super::StudyArea,
    cancel: &Cancel,
    progress: &Progress,
) -> Option<Hours> {
    let mut hours = study(occluders, path, grid, cancel, progress)?;
    for (i, (t, w)) in hours
        .total
        .iter_mut()
        .zip(hours.window.iter_mut())
        .enumerate()
    {
        if !area.contains(grid.centre_of(i)) {
            *t = f32::NAN;
            *w = f32::NAN;
        }
    }
    Some(hours)
}

/// Each sample's direction in the local frame, its hours and whether it is in 09–17.
fn directions(occluders: &Occluders, path: &SunPath) -> Vec<([f32; 3], f32, bool)> {
    path.samples
        .iter()
        .map(|s| (occluders.towards(&s.sun), s.hours as f32, s.in_9_to_17))
        .collect()
}

/// A cell's point in the local frame: on the terrain's surface where there is one.
fn local(occluders: &Occluders, p: [f64; 2]) -> [f32; 3] {
    let ground = occluders
        .terrain
        .as_ref()
        .and_then(|t| t.height_at(p[0], -p[1]))
        .unwrap_or(0.0);
    [
        (p[0] - occluders.centre[0]) as f32,
        (p[1] - occluders.centre[1]) as f32,
        ground as f32 + EYE,
    ]
}

/// A cell's hours in all and in 09–17, or `None` when a building stands over it.
fn cell_hours(
    occluders: &Occluders,
    dirs: &[([f32; 3], f32, bool)],
    origin: [f32; 3],
) -> Option<(f32, f32)> {
    let bvh = &occluders.bvh;
    if bvh.occluded(origin, [0.0, 0.0, 1.0]) {
        return None;
    }
    let (mut total, mut window) = (0.0f32, 0.0f32);
    for (d, hours, in_window) in dirs {
        if !bvh.occluded(origin, *d) {
            total += hours;
            if *in_window {
                window += hours;
            }
        }
    }
    Some((total, window))
}
