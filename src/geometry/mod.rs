//! Building geometry: validated footprints, extrusion to meshes, and ray picking.
//!
//! Everything here works in scene metres (`f64`) and knows nothing of Bevy: a footprint is a
//! set of polygons in the horizontal plane, given as `[east, north]` pairs relative to the
//! scene origin ([`crate::georef`]). [`Footprint::new`] validates and normalises them;
//! [`extrude::extrude_into`] appends a prism (roof, walls, optional floor) to mesh buffers;
//! [`pick`] finds which prism a ray hits first.
//!
//! ```
//! use citytwin::geometry::{Footprint, extrude::{extrude_into, MeshBuffers, Palette}};
//! // A 10 m × 10 m square with a 4 m × 4 m courtyard.
//! let outer = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]];
//! let hole = vec![[3.0, 3.0], [3.0, 7.0], [7.0, 7.0], [7.0, 3.0], [3.0, 3.0]];
//! let footprint = Footprint::new(vec![vec![outer, hole]]).unwrap();
//! assert_eq!(footprint.area(), 84.0);
//! let mut buffers = MeshBuffers::default();
//! let stats = extrude_into(&mut buffers, &footprint, 0.0, 12.0, [0.0, 0.0], &Palette::default());
//! assert_eq!(stats.wall_quads, 8);
//! ```

pub mod extrude;
pub mod pick;
pub mod snap;
pub mod validate;
pub mod view;

use geo::orient::{Direction, Orient};
use geo::{Area, BoundingRect, Contains, Coord, Length, LineString, Polygon};

/// The tallest height accepted for a building, in metres (the tallest building on Earth is
/// 828 m); anything above is treated as a data error.
pub const MAX_BUILDING_HEIGHT: f64 = 1_000.0;

/// Polygons with more corners than this are simplified by area (Visvalingam–Whyatt, `n log n`)
/// rather than by distance (Douglas–Peucker, quadratic at worst).
const SIMPLIFY_BY_AREA_ABOVE: usize = 4_096;

/// The smallest area of a footprint's polygon (m²).
pub const MIN_AREA_M2: f64 = 1e-6;

/// The smallest mean width of a footprint's polygon (twice its area over its perimeter, m):
/// less is a line drawn as a polygon. Three points along a parallel of latitude enclose some
/// 10⁻⁵ m² once projected (the parallel curves), a mean width of micrometres; the thinnest
/// slivers in Midtown's OpenStreetMap buildings are 0.75 mm wide.
pub const MIN_MEAN_WIDTH_M: f64 = 1e-4;

/// A ring as given by the data: `[east, north]` points in scene metres, first = last.
pub type Ring = Vec<[f64; 2]>;

/// Why a footprint or height was rejected. Every variant is a reason a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FootprintError {
    /// No polygon, or a polygon with no rings.
    #[error("the footprint is empty")]
    Empty,
    /// A ring has fewer than 3 distinct points.
    #[error("ring {ring} of polygon {polygon} has {points} distinct points; at least 3 are needed")]
    TooFewPoints {
        /// Index of the polygon.
        polygon: usize,
        /// Index of the ring (0 = outline, then holes).
        ring: usize,
        /// Distinct points found.
        points: usize,
    },
    /// A ring does not end where it starts.
    #[error(
        "ring {ring} of polygon {polygon} is not closed (its last point differs from its first)"
    )]
    Unclosed {
        /// Index of the polygon.
        polygon: usize,
        /// Index of the ring.
        ring: usize,
    },
    /// A coordinate is NaN or infinite.
    #[error("ring {ring} of polygon {polygon} has a coordinate that is not a finite number")]
    NotFinite {
        /// Index of the polygon.
        polygon: usize,
        /// Index of the ring.
        ring: usize,
    },
    /// A coordinate is outside the valid range (longitude/latitude, or too far from the scene).
    #[error("{0}")]
    OutOfRange(String),
    /// The polygon's outline crosses itself or its holes are not inside it.
    #[error("polygon {polygon} is invalid: {reason}")]
    Invalid {
        /// Index of the polygon.
        polygon: usize,
        /// What [`validate`] found (self-intersection, hole outside, …).
        reason: String,
    },
    /// The footprint encloses no area.
    #[error("the footprint encloses no area (a line drawn as a polygon)")]
    ZeroArea,
    /// The height is not usable.
    #[error("{0}")]
    BadHeight(String),
    /// More corners, holes or parts than [`Limits`] allow.
    #[error("{0}")]
    TooLarge(String),
}

/// Caps on one footprint's size (`data.max_vertices_per_building` and the like): a footprint
/// beyond them is refused before any other work, whatever it holds.
///
/// ```
/// use citytwin::geometry::{Footprint, Limits, FootprintError};
/// let ring = vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
/// let limits = Limits { max_vertices: 4, ..Limits::default() };
/// let err = Footprint::with_limits(vec![vec![ring]], &limits).unwrap_err();
/// assert!(matches!(err, FootprintError::TooLarge(_)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most corners in all rings together.
    pub max_vertices: usize,
    /// Most holes in one polygon.
    pub max_holes: usize,
    /// Most polygons (MultiPolygon parts).
    pub max_parts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_vertices: 100_000,
            max_holes: 1_000,
            max_parts: 1_000,
        }
    }
}

impl Limits {
    /// Checks the counts of polygons given as rings of points (of any kind of coordinates).
    pub fn check<P>(&self, polygons: &[Vec<Vec<P>>]) -> Result<(), FootprintError> {
        if polygons.len() > self.max_parts {
            return Err(FootprintError::TooLarge(format!(
                "has {} parts, more than data.max_parts_per_building ({})",
                polygons.len(),
                self.max_parts
            )));
        }
        if let Some(holes) = polygons.iter().map(|p| p.len().saturating_sub(1)).max()
            && holes > self.max_holes
        {
            return Err(FootprintError::TooLarge(format!(
                "has {holes} holes in one polygon, more than data.max_holes_per_building ({})",
                self.max_holes
            )));
        }
        let vertices: usize = polygons.iter().flatten().map(Vec::len).sum();
        if vertices > self.max_vertices {
            return Err(FootprintError::TooLarge(format!(
                "has {vertices} corners, more than data.max_vertices_per_building ({})",
                self.max_vertices
            )));
        }
        Ok(())
    }
}

/// A validated footprint: one or more polygons with holes, in scene metres
/// (`x` = east, `y` = north), exteriors counter-clockwise and holes clockwise, without repeated
/// consecutive points.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Footprint {
    polygons: Vec<Polygon<f64>>,
    bbox: [f64; 4],
}

impl Footprint {
    /// Validates polygons given as rings (outline first, then holes), each closed, within the
    /// default [`Limits`].
    pub fn new(polygons: Vec<Vec<Ring>>) -> Result<Self, FootprintError> {
        Self::with_limits(polygons, &Limits::default())
    }

    /// Validates polygons given as rings (outline first, then holes), each closed, refusing
    /// those beyond `limits`. The work is about `n log n` in the number of corners
    /// ([`validate`]).
    pub fn with_limits(polygons: Vec<Vec<Ring>>, limits: &Limits) -> Result<Self, FootprintError> {
        limits.check(&polygons)?;
        if polygons.is_empty() || polygons.iter().all(Vec::is_empty) {
            return Err(FootprintError::Empty);
        }
        let mut out = Vec::with_capacity(polygons.len());
        for (pi, rings) in polygons.into_iter().enumerate() {
            if rings.is_empty() {
                return Err(FootprintError::Empty);
            }
            let mut lines = Vec::with_capacity(rings.len());
            for (ri, ring) in rings.into_iter().enumerate() {
                lines.push(clean_ring(ring, pi, ri)?);
            }
            let mut lines = lines.into_iter();
            let exterior = lines.next().ok_or(FootprintError::Empty)?;
            let polygon = Polygon::new(exterior, lines.collect()).orient(Direction::Default);
            let rings: Vec<LineString<f64>> = std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .cloned()
                .collect();
            let edges = rings.iter().map(|r| r.0.len()).sum();
            if let Err(problem) = validate::check_rings(&rings, validate::budget_for(edges)) {
                return Err(FootprintError::Invalid {
                    polygon: pi,
                    reason: problem.to_string(),
                });
            }
            let area = polygon.unsigned_area();
            if !area.is_finite() {
                return Err(FootprintError::OutOfRange(
                    "its area is too large to be a number (coordinates beyond any city)".into(),
                ));
            }
            let perimeter: f64 = std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .map(|r| geo::Euclidean.length(r))
                .sum();
            if area <= MIN_AREA_M2 || 2.0 * area / perimeter < MIN_MEAN_WIDTH_M {
                return Err(FootprintError::ZeroArea);
            }
            out.push(polygon);
        }
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in &out {
            if let Some(r) = p.bounding_rect() {
                bbox[0] = bbox[0].min(r.min().x);
                bbox[1] = bbox[1].min(r.min().y);
                bbox[2] = bbox[2].max(r.max().x);
                bbox[3] = bbox[3].max(r.max().y);
            }
        }
        Ok(Self {
            polygons: out,
            bbox,
        })
    }

    /// The polygons, oriented (exterior counter-clockwise, holes clockwise).
    pub fn polygons(&self) -> &[Polygon<f64>] {
        &self.polygons
    }

    /// The enclosed area in square metres (holes excluded).
    pub fn area(&self) -> f64 {
        self.polygons.iter().map(Area::unsigned_area).sum()
    }

    /// Bounding box `[min_east, min_north, max_east, max_north]`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// The centre of the bounding box, `[east, north]`.
    pub fn center(&self) -> [f64; 2] {
        [
            (self.bbox[0] + self.bbox[2]) / 2.0,
            (self.bbox[1] + self.bbox[3]) / 2.0,
        ]
    }

    /// The area-weighted centroid `[east, north]` (holes subtracted, parts weighted by area).
    ///
    /// ```
    /// use citytwin::geometry::Footprint;
    /// let l = vec![[0.0, 0.0], [4.0, 0.0], [4.0, 1.0], [1.0, 1.0], [1.0, 4.0], [0.0, 4.0], [0.0, 0.0]];
    /// let c = Footprint::new(vec![vec![l]]).unwrap().centroid();
    /// // A 4 × 1 bar (centroid 2, 0.5) and a 1 × 3 bar above it (0.5, 2.5), by area.
    /// assert!((c[0] - 19.0 / 14.0).abs() < 1e-9 && (c[1] - 19.0 / 14.0).abs() < 1e-9);
    /// ```
    pub fn centroid(&self) -> [f64; 2] {
        use geo::Centroid;
        let (mut sum, mut x, mut y) = (0.0, 0.0, 0.0);
        for p in &self.polygons {
            let (a, Some(c)) = (p.unsigned_area(), p.centroid()) else {
                continue;
            };
            sum += a;
            x += a * c.x();
            y += a * c.y();
        }
        if sum > 0.0 {
            [x / sum, y / sum]
        } else {
            self.center()
        }
    }

    /// Whether the point `[east, north]` lies inside the footprint (not in a hole).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        if p[0] < self.bbox[0] || p[0] > self.bbox[2] || p[1] < self.bbox[1] || p[1] > self.bbox[3]
        {
            return false;
        }
        let c = Coord { x: p[0], y: p[1] };
        self.polygons.iter().any(|poly| poly.contains(&c))
    }

    /// A simpler footprint for distant views: every ring simplified with Douglas–Peucker so
    /// that no point moves more than `tolerance` metres; polygons and holes that collapse are
    /// dropped. `None` when nothing is left. The result is not validated again (a simplified
    /// ring may touch itself); it is meant for drawing, not for measuring.
    ///
    /// ```
    /// use citytwin::geometry::Footprint;
    /// // A square with a 0.3 m notch in one side.
    /// let ring = vec![[0.0, 0.0], [5.0, 0.0], [5.0, 0.3], [6.0, 0.3], [6.0, 0.0],
    ///                 [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]];
    /// let f = Footprint::new(vec![vec![ring]]).unwrap();
    /// assert_eq!(f.edge_count(), 8);
    /// assert_eq!(f.simplified(0.5).unwrap().edge_count(), 4);
    /// ```
    pub fn simplified(&self, tolerance: f64) -> Option<Footprint> {
        use geo::{Simplify, SimplifyVw};
        let polygons: Vec<Polygon<f64>> = self
            .polygons
            .iter()
            .map(|p| {
                // Douglas–Peucker is quadratic at worst; a ring of many corners is simplified
                // by Visvalingam–Whyatt (n log n) with the area of a tolerance-sized square.
                if p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()
                    > SIMPLIFY_BY_AREA_ABOVE
                {
                    p.simplify_vw(tolerance * tolerance)
                } else {
                    p.simplify(tolerance)
                }
            })
            .filter(|p| p.exterior().0.len() >= 4 && p.unsigned_area() > 1e-6)
            .map(|p| {
                let (exterior, holes) = p.into_inner();
                let holes = holes
                    .into_iter()
                    .filter(|h| {
                        h.0.len() >= 4 && Polygon::new(h.clone(), vec![]).unsigned_area() > 1e-6
                    })
                    .collect();
                Polygon::new(exterior, holes)
            })
            .collect();
        if polygons.is_empty() {
            return None;
        }
        Some(Self {
            polygons,
            bbox: self.bbox,
        })
    }

    /// Number of wall faces: one per edge of every ring.
    pub fn edge_count(&self) -> usize {
        self.polygons
            .iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.len().saturating_sub(1))
                    .sum::<usize>()
            })
            .sum()
    }
}

/// Checks closure and finiteness, drops repeated consecutive points.
fn clean_ring(ring: Ring, polygon: usize, ri: usize) -> Result<LineString<f64>, FootprintError> {
    if ring.iter().any(|p| !p[0].is_finite() || !p[1].is_finite()) {
        return Err(FootprintError::NotFinite { polygon, ring: ri });
    }
    let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
        return Err(FootprintError::TooFewPoints {
            polygon,
            ring: ri,
            points: 0,
        });
    };
    if ring.len() > 1 && first != last {
        return Err(FootprintError::Unclosed { polygon, ring: ri });
    }
    let mut coords: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    for p in &ring {
        let c = Coord { x: p[0], y: p[1] };
        if coords.last() != Some(&c) {
            coords.push(c);
        }
    }
    // `coords` is closed (first == last) when it has more than one point.
    let distinct = coords.len().saturating_sub(1);
    if distinct < 3 {
        return Err(FootprintError::TooFewPoints {
            polygon,
            ring: ri,
            points: distinct.max(usize::from(!coords.is_empty())),
        });
    }
    Ok(LineString::new(coords))
}

/// The unit normal of a triangle (counter-clockwise seen from its front); zero when it is
/// degenerate.
pub fn triangle_normal(t: &[[f64; 3]; 3]) -> [f64; 3] {
    let n = doubled_area_vector(t);
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    if len > 0.0 {
        n.map(|c| c / len)
    } else {
        [0.0; 3]
    }
}

/// (b − a) × (c − a): normal to the triangle, as long as twice its area.
fn doubled_area_vector(t: &[[f64; 3]; 3]) -> [f64; 3] {
    let u = [t[1][0] - t[0][0], t[1][1] - t[0][1], t[1][2] - t[0][2]];
    let v = [t[2][0] - t[0][0], t[2][1] - t[0][1], t[2][2] - t[0][2]];
    [
        u[1] * v[2] - u[2] * v[1],
        u[2] * v[0] - u[0] * v[2],
        u[0] * v[1] - u[1] * v[0],
    ]
}

/// The area of a triangle in 3D (m²).
///
/// ```
/// assert_eq!(citytwin::geometry::triangle_area(&[[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 3.0, 0.0]]), 6.0);
/// ```
pub fn triangle_area(t: &[[f64; 3]; 3]) -> f64 {
    let n = doubled_area_vector(t);
    (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt() / 2.0
}

/// Checks a building's height and the height of its base (both metres above ground).
///
/// ```
/// use citytwin::geometry::check_height;
/// assert!(check_height(30.0, 0.0).is_ok());
/// assert!(check_height(-3.0, 0.0).is_err());
/// assert!(check_height(5_000.0, 0.0).is_err());
/// assert!(check_height(10.0, 12.0).is_err()); // base above the roof
/// ```
pub fn check_height(height: f64, base: f64) -> Result<(), FootprintError> {
    if !height.is_finite() {
        return Err(FootprintError::BadHeight(
            "the height is not a number".to_owned(),
        ));
    }
    if height <= 0.0 {
        return Err(FootprintError::BadHeight(format!(
            "the height {height} m is not positive"
        )));
    }
    if height > MAX_BUILDING_HEIGHT {
        return Err(FootprintError::BadHeight(format!(
            "the height {height} m is absurd (more than {MAX_BUILDING_HEIGHT} m)"
        )));
    }
    if !base.is_finite() || base < 0.0 {
        return Err(FootprintError::BadHeight(format!(
            "the base height {base} m is not a non-negative number"
        )));
    }
    if base >= height {
        return Err(FootprintError::BadHeight(format!(
            "the base height {base} m is not below the height {height} m"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, size: f64) -> Ring {
        vec![
            [x0, y0],
            [x0 + size, y0],
            [x0 + size, y0 + size],
            [x0, y0 + size],
            [x0, y0],
        ]
    }

    #[test]
    fn orientation_is_normalised() {
        let mut cw = square(0.0, 0.0, 10.0);
        cw.reverse();
        let f = Footprint::new(vec![vec![cw]]).unwrap();
        let ext = f.polygons()[0].exterior();
        let signed: f64 = ext
            .0
            .windows(2)
            .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
            .sum();
        assert!(signed > 0.0, "exterior should be counter-clockwise");
    }

    #[test]
    fn repeated_points_are_dropped() {
        let ring = vec![
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        let f = Footprint::new(vec![vec![ring]]).unwrap();
        assert_eq!(f.edge_count(), 4);
    }

    #[test]
    fn empty_footprints_are_rejected() {
        assert_eq!(Footprint::new(vec![]), Err(FootprintError::Empty));
        assert_eq!(Footprint::new(vec![vec![]]), Err(FootprintError::Empty));
        assert!(matches!(
            Footprint::new(vec![vec![vec![]]]),
            Err(FootprintError::TooFewPoints { points: 0, .. })
        ));
    }

    #[test]
    fn too_few_points_are_rejected() {
        let line = vec![[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
        assert!(matches!(
            Footprint::new(vec![vec![line]]),
            Err(FootprintError::TooFewPoints { points: 2, .. })
        ));
    }

    #[test]
    fn unclosed_rings_are_rejected() {
        let open = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let err = Footprint::new(vec![vec![open]]).unwrap_err();
        assert_eq!(
            err,
            FootprintError::Unclosed {
                polygon: 0,
                ring: 0
            }
        );
        assert!(err.to_string().contains("not closed"));
    }

    #[test]
    fn non_finite_coordinates_are_rejected() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut ring = square(0.0, 0.0, 10.0);
            ring[2][1] = bad;
            assert_eq!(
                Footprint::new(vec![vec![ring]]),
                Err(FootprintError::NotFinite {
                    polygon: 0,
                    ring: 0
                })
            );
        }
    }

    #[test]
    fn self_intersecting_bow_tie_is_rejected() {
        let bow_tie = vec![
            [0.0, 0.0],
            [10.0, 10.0],
            [10.0, 0.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        let err = Footprint::new(vec![vec![bow_tie]]).unwrap_err();
        assert!(
            matches!(&err, FootprintError::Invalid { reason, .. } if reason.contains("self-intersection")),
            "{err}"
        );
    }

    #[test]
    fn hole_outside_the_outline_is_rejected() {
        let outer = square(0.0, 0.0, 10.0);
        let hole = square(20.0, 20.0, 2.0);
        assert!(matches!(
            Footprint::new(vec![vec![outer, hole]]),
            Err(FootprintError::Invalid { .. })
        ));
    }

    #[test]
    fn a_footprint_of_many_corners_is_simplified_by_area() {
        // A 500 m circle of 50,000 corners, 6 cm apart: from afar (2 m) a few dozen are left,
        // and the outline moves less than the tolerance.
        let n = 50_000;
        let mut ring: Ring = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                [500.0 * a.cos(), 500.0 * a.sin()]
            })
            .collect();
        ring.push(ring[0]);
        let f = Footprint::new(vec![vec![ring]]).unwrap();
        let s = f.simplified(2.0).unwrap();
        assert!(s.edge_count() < 500, "{}", s.edge_count());
        assert!(s.edge_count() > 16, "{}", s.edge_count());
        let lost = 1.0 - s.area() / f.area();
        assert!(lost.abs() < 0.01, "{lost}");
    }

    #[test]
    fn contains_respects_holes_and_multipolygons() {
        let f = Footprint::new(vec![
            vec![square(0.0, 0.0, 10.0), square(4.0, 4.0, 2.0)],
            vec![square(20.0, 0.0, 5.0)],
        ])
        .unwrap();
        assert!(f.contains([1.0, 1.0]));
        assert!(!f.contains([5.0, 5.0]), "inside the hole");
        assert!(f.contains([22.0, 2.0]), "second polygon");
        assert!(!f.contains([15.0, 2.0]), "between the polygons");
        assert_eq!(f.area(), 100.0 - 4.0 + 25.0);
        assert_eq!(f.bbox(), [0.0, 0.0, 25.0, 10.0]);
    }

    #[test]
    fn heights_are_checked() {
        assert!(check_height(0.5, 0.0).is_ok());
        assert!(check_height(828.0, 0.0).is_ok());
        for (h, base) in [
            (0.0, 0.0),
            (-5.0, 0.0),
            (f64::NAN, 0.0),
            (f64::INFINITY, 0.0),
            (1_200.0, 0.0),
            (20.0, -1.0),
            (20.0, 20.0),
            (20.0, f64::NAN),
        ] {
            let err = check_height(h, base).unwrap_err();
            assert!(matches!(err, FootprintError::BadHeight(_)), "{h} {base}");
        }
    }
}
