//! Sun-hours: for each cell of a ground grid, the hours of a day when the sun stands above
//! the horizon and no building hides it. Pure, no Bevy: `citytwin shadow` and the viewer's
//! study run the same code.
//!
//! - [`samples`]: the sun's path over the day (every few minutes, sunrise to sunset);
//! - [`legend`]: the heat map's colours;
//! - [`bvh`]: the buildings' triangles in a bounding volume hierarchy;
//! - [`Occluders`]: the buildings' shells (extrusions, CityJSON and glTF models) gathered
//!   into one;
//! - [`study`]: the grid, traced on all cores, with progress and cancelling;
//! - [`Summary`]: the area's figures beside two published criteria.
//!
//! Scene coordinates are metres `[east, north]` on the projected CRS's grid; the sun's
//! azimuth is from true north, so the study turns it by the grid's convergence at the scene
//! origin ([`Occluders::grid_north_deg`]).

pub mod bvh;
pub mod legend;
pub mod samples;
mod study;

pub use study::{Grid, Hours, Progress, study, study_area, sun_hours_at};

use crate::city::Building;

/// The hours a cell needs for the BRE criterion (BR 209, 3rd ed. 2022, §3.3.17).
pub const BRE_HOURS: f64 = 2.0;
/// The hours between 09:00 and 17:00 Boverket's *Solklart* (2012) asks of play and sitting
/// areas at the equinox.
pub const BOVERKET_HOURS: f64 = 5.0;

/// The buildings' triangles, in metres `[east, north, up]` relative to `centre`, ready to
/// trace.
#[derive(Debug, Clone, Default)]
pub struct Occluders {
    /// Where the local frame's origin lies in the scene (`[east, north]`, metres).
    pub centre: [f64; 2],
    /// The hierarchy over the triangles.
    pub bvh: bvh::Bvh,
    /// Degrees from grid north to true north, clockwise (the grid's convergence): a true
    /// azimuth A is the grid azimuth A + this.
    pub grid_north_deg: f64,
    /// The terrain the cells lie on and that shades them, if any.
    pub terrain: Option<TerrainSurface>,
}

/// The terrain as the study traces it: the grid at most [`TERRAIN_SIDE`] cells a side, two
/// triangles a cell (a hill kilometres away shades the valley as well as one near).
#[derive(Debug, Clone)]
pub struct TerrainSurface {
    grid: std::sync::Arc<crate::terrain::HeightGrid>,
    /// Grid nodes a cell of the surface spans.
    step: usize,
}

/// Cells a side of the terrain surface traced, at most.
pub const TERRAIN_SIDE: usize = 256;

impl TerrainSurface {
    /// The surface over `grid`.
    pub fn new(grid: std::sync::Arc<crate::terrain::HeightGrid>) -> Self {
        let side = grid.cols.max(grid.rows).saturating_sub(1);
        let step = side.div_ceil(TERRAIN_SIDE).max(1);
        Self { grid, step }
    }

    /// A cell's corners as scene `(x, z, height)`: south-west, south-east, north-west,
    /// north-east in grid order (rows run with z), `None` where one has no height.
    fn corners(&self, c: usize, r: usize) -> Option<[[f64; 3]; 4]> {
        let g = &self.grid;
        let s = self.step;
        let at = |col: usize, row: usize| {
            let (col, row) = (col.min(g.cols - 1), row.min(g.rows - 1));
            let h = g.node(col, row);
            let (x, z) = g.node_position(col, row);
            h.is_finite().then_some([x, z, f64::from(h)])
        };
        Some([
            at(c * s, r * s)?,
            at(c * s + s, r * s)?,
            at(c * s, r * s + s)?,
            at(c * s + s, r * s + s)?,
        ])
    }

    fn cells(&self) -> (usize, usize) {
        let g = &self.grid;
        (
            (g.cols.saturating_sub(1)).div_ceil(self.step),
            (g.rows.saturating_sub(1)).div_ceil(self.step),
        )
    }

    /// The surface's triangles as scene `(x, z, height)` corners.
    fn triangles(&self) -> impl Iterator<Item = [[f64; 3]; 3]> + '_ {
        let (cols, rows) = self.cells();
        (0..rows)
            .flat_map(move |r| (0..cols).map(move |c| (c, r)))
            .filter_map(|(c, r)| self.corners(c, r))
            .flat_map(|[a, b, c, d]| [[a, b, d], [a, d, c]])
    }

    /// The surface's height at scene `(x, z)` (on its triangles, as traced), `None` off it.
    pub fn height_at(&self, x: f64, z: f64) -> Option<f64> {
        let g = &self.grid;
        let span = g.spacing * self.step as f64;
        let (fc, fr) = ((x - g.x0) / span, (z - g.z0) / span);
        let (cols, rows) = self.cells();
        if !(fc >= 0.0 && fr >= 0.0) || fc > cols as f64 || fr > rows as f64 {
            return None;
        }
        let (c, r) = ((fc as usize).min(cols - 1), (fr as usize).min(rows - 1));
        let [a, b, cc, d] = self.corners(c, r)?;
        // The last cell may be narrower: its corners say where it ends.
        let u = ((x - a[0]) / (b[0] - a[0]).max(1e-9)).clamp(0.0, 1.0);
        let v = ((z - a[1]) / (cc[1] - a[1]).max(1e-9)).clamp(0.0, 1.0);
        // The two triangles split the cell along a–d: [a, b, d] below the diagonal.
        Some(if u >= v {
            a[2] + u * (b[2] - a[2]) + v * (d[2] - b[2])
        } else {
            a[2] + v * (cc[2] - a[2]) + u * (d[2] - cc[2])
        })
    }
}

impl Occluders {
    /// The shells of `buildings` (a model's triangles when it has one, else its footprint
    /// extruded), in a frame centred on `centre`; `grid_north_deg` as
    /// [`grid_convergence_deg`] finds it.
    pub fn new<'a>(
        buildings: impl IntoIterator<Item = &'a Building>,
        centre: [f64; 2],
        grid_north_deg: f64,
    ) -> Self {
        Self::on_terrain(buildings, centre, grid_north_deg, None)
    }

    /// [`Self::new`] on a terrain: its surface shades the cells too, and the cells lie on it.
    pub fn on_terrain<'a>(
        buildings: impl IntoIterator<Item = &'a Building>,
        centre: [f64; 2],
        grid_north_deg: f64,
        terrain: Option<TerrainSurface>,
    ) -> Self {
        let palette = crate::geometry::extrude::Palette::default();
        let mut mesh = crate::geometry::extrude::MeshBuffers::default();
        for b in buildings {
            b.mesh_into(&mut mesh, centre, &palette);
        }
        // Mesh axes: x = east, y = up, z = −north.
        let corner = |i: u32| {
            let p = mesh.positions[i as usize];
            [p[0], -p[2], p[1]]
        };
        let mut triangles: Vec<[[f32; 3]; 3]> = mesh
            .indices
            .chunks_exact(3)
            .map(|t| [corner(t[0]), corner(t[1]), corner(t[2])])
            .collect();
        if let Some(t) = &terrain {
            // Scene (x, z, up) to the local [east, north, up].
            let local = |p: [f64; 3]| {
                [
                    (p[0] - centre[0]) as f32,
                    (-p[1] - centre[1]) as f32,
                    p[2] as f32,
                ]
            };
            triangles.extend(t.triangles().map(|tri| tri.map(local)));
        }
        Self {
            centre,
            bvh: bvh::Bvh::new(&triangles),
            grid_north_deg,
            terrain,
        }
    }

    /// The direction towards the sun in the local frame.
    pub fn towards(&self, sun: &crate::sun::SunPosition) -> [f32; 3] {
        crate::sun::SunPosition {
            azimuth_deg: sun.azimuth_deg + self.grid_north_deg,
            // The top of the disc shows a little before the centre: aim level at first.
            elevation_deg: sun.elevation_deg.max(0.0),
        }
        .direction_enu()
        .map(|v| v as f32)
    }
}

/// Degrees from the projected grid's north to true north at the georeference's origin
/// (clockwise), measured by projecting a point a little north of it.
pub fn grid_convergence_deg(georef: &crate::georef::Georef) -> f64 {
    let o = georef.origin();
    let a = georef.lonlat_to_projected(o);
    let b =
        georef.lonlat_to_projected(crate::georef::LonLat::new(o.lon, (o.lat + 0.01).min(89.99)));
    match (a, b) {
        (Ok(a), Ok(b)) => (b.0 - a.0).atan2(b.1 - a.1).to_degrees(),
        _ => 0.0,
    }
}

/// The ground a study covers: a footprint (a site, a box), and optionally the ground within
/// `margin` metres around it, where a new building's shadow falls on its neighbours.
///
/// ```
/// use citytwin::geometry::Footprint;
/// use citytwin::sunlight::StudyArea;
/// let square = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]];
/// let area = StudyArea { footprint: Footprint::new(vec![vec![square]]).unwrap(), margin: 5.0 };
/// assert!(area.contains([5.0, 5.0]) && area.contains([13.0, 5.0]) && !area.contains([16.0, 5.0]));
/// assert_eq!(area.bounds(), [-5.0, -5.0, 15.0, 15.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StudyArea {
    /// The footprint.
    pub footprint: crate::geometry::Footprint,
    /// Metres around it that count too.
    pub margin: f64,
}

impl StudyArea {
    /// Whether a scene point lies in the area.
    pub fn contains(&self, p: [f64; 2]) -> bool {
        use geo::{Distance, Euclidean};
        if self.footprint.contains(p) {
            return true;
        }
        self.margin > 0.0 && {
            let point = geo::Point::new(p[0], p[1]);
            self.footprint
                .polygons()
                .iter()
                .any(|poly| Euclidean.distance(&point, poly) <= self.margin)
        }
    }

    /// `[west, south, east, north]` with the margin.
    pub fn bounds(&self) -> [f64; 4] {
        let [w, s, e, n] = self.footprint.bbox();
        let m = self.margin.max(0.0);
        [w - m, s - m, e + m, n + m]
    }
}

/// An area's figures for one day.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Open ground cells counted (cells under a building are not).
    pub cells: usize,
    /// Mean hours of sun over the cells.
    pub mean_sun_hours: Option<f64>,
    /// Share (0–1) of the cells with at least 2 hours of sun (BRE BR 209 asks this of at
    /// least half of an amenity area on 21 March).
    pub share_at_least_2h: Option<f64>,
    /// Share (0–1) of the cells with at least 5 hours of sun between 09:00 and 17:00
    /// (Boverket's *Solklart* at the equinox).
    pub share_at_least_5h_9_to_17: Option<f64>,
}

impl Summary {
    /// The figures of `hours` over the cells `inside` says belong to the area.
    pub fn of(hours: &Hours, inside: impl Fn([f64; 2]) -> bool) -> Self {
        let (mut n, mut sum, mut two, mut five) = (0usize, 0.0, 0usize, 0usize);
        for (i, (h, w)) in hours.total.iter().zip(&hours.window).enumerate() {
            if h.is_nan() || !inside(hours.grid.centre_of(i)) {
                continue;
            }
            n += 1;
            sum += f64::from(*h);
            // A hair under, so that the sum of samples' hours (floating point) counts.
            two += usize::from(f64::from(*h) >= BRE_HOURS - 1e-6);
            five += usize::from(f64::from(*w) >= BOVERKET_HOURS - 1e-6);
        }
        let share = |k: usize| (n > 0).then(|| k as f64 / n as f64);
        Self {
            cells: n,
            mean_sun_hours: (n > 0).then(|| sum / n as f64),
            share_at_least_2h: share(two),
            share_at_least_5h_9_to_17: share(five),
        }
    }
}

#[cfg(test)]
mod tests;
