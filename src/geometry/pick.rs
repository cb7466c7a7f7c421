//! Ray picking against extruded footprints, exact to the footprint (holes and concave
//! outlines included) and independent of how the prisms were batched into meshes.
//!
//! ```
//! use citytwin::geometry::{Footprint, pick::{Prism, Ray}};
//! let square = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]];
//! let prism = Prism { footprint: Footprint::new(vec![vec![square]]).unwrap(), base: 0.0, top: 20.0 };
//! // Looking straight down at the middle of the roof (north = 5 is scene z = −5).
//! let ray = Ray { origin: [5.0, 100.0, -5.0], direction: [0.0, -1.0, 0.0] };
//! assert_eq!(prism.hit(&ray), Some(80.0));
//! ```

use super::Footprint;

/// A ray in scene coordinates (x = east, y = up, z = −north).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ray {
    /// Start point.
    pub origin: [f64; 3],
    /// Direction (need not be normalised; distances are in its units).
    pub direction: [f64; 3],
}

impl Ray {
    /// The point at parameter `t`.
    pub fn at(&self, t: f64) -> [f64; 3] {
        [
            self.origin[0] + t * self.direction[0],
            self.origin[1] + t * self.direction[1],
            self.origin[2] + t * self.direction[2],
        ]
    }
}

/// A footprint extruded between two heights.
#[derive(Debug, Clone, PartialEq)]
pub struct Prism {
    /// The footprint, in scene metres (`[east, north]`).
    pub footprint: Footprint,
    /// Height of the base above the ground.
    pub base: f64,
    /// Height of the roof above the ground.
    pub top: f64,
}

impl Prism {
    /// The ray parameter of the first intersection with the prism's surface, if any.
    pub fn hit(&self, ray: &Ray) -> Option<f64> {
        hit(&self.footprint, self.base, self.top, ray)
    }
}

/// The ray parameter where `ray` meets the triangle `t` (scene coordinates, either face), if
/// it does in front of its origin (Möller–Trumbore).
///
/// ```
/// use citytwin::geometry::pick::{Ray, hit_triangle};
/// let t = [[0.0, 10.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, -10.0]];
/// let down = |x: f64, z: f64| Ray { origin: [x, 50.0, z], direction: [0.0, -1.0, 0.0] };
/// assert_eq!(hit_triangle(&t, &down(2.0, -2.0)), Some(40.0));
/// assert_eq!(hit_triangle(&t, &down(8.0, -8.0)), None); // beyond the hypotenuse
/// ```
pub fn hit_triangle(t: &[[f64; 3]; 3], ray: &Ray) -> Option<f64> {
    let sub = |a: [f64; 3], b: [f64; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let cross = |a: [f64; 3], b: [f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let (e1, e2) = (sub(t[1], t[0]), sub(t[2], t[0]));
    let p = cross(ray.direction, e2);
    let det = dot(e1, p);
    if det.abs() < 1e-12 {
        return None;
    }
    let s = sub(ray.origin, t[0]);
    let u = dot(s, p) / det;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = cross(s, e1);
    let v = dot(ray.direction, q) / det;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let hit = dot(e2, q) / det;
    (hit >= 0.0).then_some(hit)
}

/// The ray parameter of the first intersection of `ray` with `footprint` extruded from `base`
/// to `top`, if any.
pub fn hit(footprint: &Footprint, base: f64, top: f64, ray: &Ray) -> Option<f64> {
    if !bbox_hit(footprint, base, top, ray) {
        return None;
    }
    let mut best: Option<f64> = None;
    let mut keep = |t: f64| {
        if t >= 0.0 && best.is_none_or(|b| t < b) {
            best = Some(t);
        }
    };
    // Roof and floor.
    let dy = ray.direction[1];
    if dy.abs() > 1e-12 {
        for y in [top, base] {
            let t = (y - ray.origin[1]) / dy;
            let p = ray.at(t);
            if footprint.contains([p[0], -p[2]]) {
                keep(t);
            }
        }
    }
    // Walls: intersect the ray's ground projection with each edge.
    let (ox, on) = (ray.origin[0], -ray.origin[2]);
    let (dx, dn) = (ray.direction[0], -ray.direction[2]);
    for polygon in footprint.polygons() {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for edge in ring.0.windows(2) {
                let (a, b) = (edge[0], edge[1]);
                let (ex, en) = (b.x - a.x, b.y - a.y);
                let denom = dx * en - dn * ex;
                if denom.abs() < 1e-12 {
                    continue; // parallel
                }
                let (wx, wn) = (a.x - ox, a.y - on);
                let t = (wx * en - wn * ex) / denom;
                let s = (wx * dn - wn * dx) / denom;
                if !(0.0..=1.0).contains(&s) {
                    continue;
                }
                let y = ray.origin[1] + t * dy;
                if y >= base - 1e-9 && y <= top + 1e-9 {
                    keep(t);
                }
            }
        }
    }
    best
}

/// Slab test against the prism's bounding box.
fn bbox_hit(footprint: &Footprint, base: f64, top: f64, ray: &Ray) -> bool {
    let [min_e, min_n, max_e, max_n] = footprint.bbox();
    let lo = [min_e, base, -max_n];
    let hi = [max_e, top, -min_n];
    let (mut t0, mut t1) = (0.0_f64, f64::INFINITY);
    for k in 0..3 {
        let d = ray.direction[k];
        if d.abs() < 1e-12 {
            if ray.origin[k] < lo[k] || ray.origin[k] > hi[k] {
                return false;
            }
            continue;
        }
        let (a, b) = ((lo[k] - ray.origin[k]) / d, (hi[k] - ray.origin[k]) / d);
        t0 = t0.max(a.min(b));
        t1 = t1.min(a.max(b));
        if t0 > t1 + 1e-9 {
            return false;
        }
    }
    true
}

/// The index and ray parameter of the nearest prism hit by `ray`.
pub fn nearest<'a>(prisms: impl IntoIterator<Item = &'a Prism>, ray: &Ray) -> Option<(usize, f64)> {
    prisms
        .into_iter()
        .enumerate()
        .filter_map(|(i, p)| p.hit(ray).map(|t| (i, t)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prism(ring: Vec<[f64; 2]>, holes: Vec<Vec<[f64; 2]>>, top: f64) -> Prism {
        let mut rings = vec![ring];
        rings.extend(holes);
        Prism {
            footprint: Footprint::new(vec![rings]).unwrap(),
            base: 0.0,
            top,
        }
    }

    fn square(x0: f64, y0: f64, s: f64) -> Vec<[f64; 2]> {
        vec![
            [x0, y0],
            [x0 + s, y0],
            [x0 + s, y0 + s],
            [x0, y0 + s],
            [x0, y0],
        ]
    }

    fn down_at(east: f64, north: f64) -> Ray {
        Ray {
            origin: [east, 500.0, -north],
            direction: [0.0, -1.0, 0.0],
        }
    }

    #[test]
    fn roof_hit_and_courtyard_miss() {
        let p = prism(square(0.0, 0.0, 30.0), vec![square(10.0, 10.0, 10.0)], 20.0);
        assert_eq!(p.hit(&down_at(5.0, 5.0)), Some(480.0));
        assert_eq!(p.hit(&down_at(15.0, 15.0)), None, "the courtyard is open");
        assert_eq!(p.hit(&down_at(45.0, 5.0)), None);
    }

    #[test]
    fn wall_hit_from_the_side() {
        let p = prism(square(0.0, 0.0, 10.0), vec![], 20.0);
        // From the west at 5 m height, looking east: hits the west wall at east = 0.
        let ray = Ray {
            origin: [-50.0, 5.0, -5.0],
            direction: [1.0, 0.0, 0.0],
        };
        assert_eq!(p.hit(&ray), Some(50.0));
        // Above the roof: miss.
        let high = Ray {
            origin: [-50.0, 25.0, -5.0],
            direction: [1.0, 0.0, 0.0],
        };
        assert_eq!(p.hit(&high), None);
    }

    #[test]
    fn concave_notch_is_not_solid() {
        let l = vec![
            [0.0, 0.0],
            [30.0, 0.0],
            [30.0, 10.0],
            [10.0, 10.0],
            [10.0, 30.0],
            [0.0, 30.0],
            [0.0, 0.0],
        ];
        let p = prism(l, vec![], 10.0);
        assert!(p.hit(&down_at(20.0, 20.0)).is_none(), "inside the notch");
        assert!(p.hit(&down_at(20.0, 5.0)).is_some());
    }

    #[test]
    fn nearest_picks_the_front_building() {
        let front = prism(square(0.0, 0.0, 10.0), vec![], 10.0);
        let back = prism(square(30.0, 0.0, 10.0), vec![], 50.0);
        let ray = Ray {
            origin: [-100.0, 5.0, -5.0],
            direction: [1.0, 0.0, 0.0],
        };
        assert_eq!(nearest([&back, &front], &ray).map(|(i, _)| i), Some(1));
        // A ray that passes over the low front building reaches the tall one behind.
        let over = Ray {
            origin: [-100.0, 30.0, -5.0],
            direction: [1.0, 0.0, 0.0],
        };
        assert_eq!(nearest([&back, &front], &over).map(|(i, _)| i), Some(0));
    }
}
