//! Orbit-camera arithmetic, free of input handling so it can be tested alone.
//!
//! The camera looks at a `focus` point on the ground from `distance` metres away, facing the
//! compass `heading` (0 = north, clockwise) and tilted `tilt` above the horizon. Every change
//! goes through [`OrbitState::clamped`], which keeps the tilt strictly between the horizon and
//! the zenith (never under the ground, never upside down), the distance within limits (never
//! through the focus), and the focus on the ground inside the allowed area.

use bevy::math::Vec3;
use std::f32::consts::{PI, TAU};

/// Where the camera is, as an orbit around a ground point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitState {
    /// The point looked at (on the ground, y = 0).
    pub focus: Vec3,
    /// Compass direction the camera looks towards, in radians (0 = north, π/2 = east).
    pub heading: f32,
    /// Angle above the horizon, in radians.
    pub tilt: f32,
    /// Distance from the focus in metres.
    pub distance: f32,
}

/// The bounds every [`OrbitState`] is kept in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitLimits {
    /// Closest distance (m).
    pub min_distance: f32,
    /// Farthest distance (m).
    pub max_distance: f32,
    /// Lowest tilt (radians, > 0).
    pub min_tilt: f32,
    /// Highest tilt (radians, < π/2).
    pub max_tilt: f32,
    /// Area the focus stays in: `[min_x, min_z, max_x, max_z]`.
    pub area: [f32; 4],
}

impl Default for OrbitLimits {
    fn default() -> Self {
        Self {
            min_distance: 25.0,
            max_distance: 25_000.0,
            min_tilt: 6f32.to_radians(),
            max_tilt: 89f32.to_radians(),
            area: [-20_000.0, -20_000.0, 20_000.0, 20_000.0],
        }
    }
}

impl OrbitState {
    /// The horizontal unit vector the camera faces.
    pub fn forward_flat(&self) -> Vec3 {
        Vec3::new(self.heading.sin(), 0.0, -self.heading.cos())
    }

    /// The horizontal unit vector to the camera's right.
    pub fn right_flat(&self) -> Vec3 {
        Vec3::new(self.heading.cos(), 0.0, self.heading.sin())
    }

    /// The camera position.
    pub fn eye(&self) -> Vec3 {
        let back = -self.forward_flat() * self.tilt.cos() + Vec3::Y * self.tilt.sin();
        self.focus + back * self.distance
    }

    /// This state brought within `limits`.
    pub fn clamped(mut self, limits: &OrbitLimits) -> Self {
        let finite = self.focus.is_finite()
            && self.heading.is_finite()
            && self.tilt.is_finite()
            && self.distance.is_finite();
        if !finite {
            // Never let a NaN from a degenerate gesture reach the transform.
            self = Self {
                focus: Vec3::ZERO,
                heading: 0.0,
                tilt: limits.max_tilt.min(1.0),
                distance: limits.max_distance.min(2000.0),
            };
        }
        self.heading = self.heading.rem_euclid(TAU);
        self.tilt = self.tilt.clamp(limits.min_tilt, limits.max_tilt);
        self.distance = self
            .distance
            .clamp(limits.min_distance, limits.max_distance);
        let [x0, z0, x1, z1] = limits.area;
        self.focus = Vec3::new(self.focus.x.clamp(x0, x1), 0.0, self.focus.z.clamp(z0, z1));
        self
    }

    /// Orbits by a drag of `dx`, `dy` pixels at `degrees_per_pixel`: right turns the view,
    /// down raises the camera.
    pub fn orbit(&mut self, dx: f32, dy: f32, degrees_per_pixel: f32) {
        self.heading -= (dx * degrees_per_pixel).to_radians();
        self.tilt += (dy * degrees_per_pixel).to_radians();
    }

    /// Pans by a drag of `dx`, `dy` pixels, so that the ground under the cursor follows it.
    /// `metres_per_pixel` is the scale at the focus ([`OrbitState::metres_per_pixel`]).
    pub fn pan(&mut self, dx: f32, dy: f32, metres_per_pixel: f32) {
        // Dragging down moves the ground toward the viewer: the focus moves away from it. At a
        // low tilt a pixel covers more ground in depth, by 1/sin(tilt).
        let depth_scale = 1.0 / self.tilt.sin().max(0.2);
        self.focus +=
            (-self.right_flat() * dx + self.forward_flat() * dy * depth_scale) * metres_per_pixel;
    }

    /// Metres per pixel at the focus for a viewport `height` pixels high and a vertical field
    /// of view `fov` (radians).
    pub fn metres_per_pixel(&self, fov: f32, height: f32) -> f32 {
        2.0 * self.distance * (fov / 2.0).tan() / height.max(1.0)
    }

    /// Zooms by `factor` (< 1 moves closer), keeping `anchor` (a ground point under the
    /// cursor) where it is on screen; without an anchor, zooms toward the focus.
    pub fn zoom(&mut self, factor: f32, anchor: Option<Vec3>, limits: &OrbitLimits) {
        let target = (self.distance * factor).clamp(limits.min_distance, limits.max_distance);
        let applied = target / self.distance;
        if let Some(p) = anchor.filter(|p| p.is_finite()) {
            let p = Vec3::new(p.x, 0.0, p.z);
            self.focus = p + (self.focus - p) * applied;
        }
        self.distance = target;
    }

    /// Turns the view by `radians` (clockwise seen from above: the compass heading grows),
    /// around `anchor` (a ground point between two fingers, which stays where it is in the
    /// view); without an anchor, around the focus.
    pub fn turn(&mut self, radians: f32, anchor: Option<Vec3>) {
        if !radians.is_finite() {
            return;
        }
        let Some(p) = anchor.filter(|p| p.is_finite()) else {
            self.heading = (self.heading + radians).rem_euclid(TAU);
            return;
        };
        // The anchor's place relative to the focus, in the view's own right/forward terms.
        let p = Vec3::new(p.x, 0.0, p.z);
        let v = p - self.focus;
        let (r, f) = (v.dot(self.right_flat()), v.dot(self.forward_flat()));
        self.heading = (self.heading + radians).rem_euclid(TAU);
        self.focus = p - self.right_flat() * r - self.forward_flat() * f;
    }

    /// Interpolates toward `to` by `s` in 0..1, turning the short way round.
    pub fn lerp(&self, to: &Self, s: f32) -> Self {
        let mut dh = (to.heading - self.heading).rem_euclid(TAU);
        if dh > PI {
            dh -= TAU;
        }
        Self {
            focus: self.focus.lerp(to.focus, s),
            heading: (self.heading + dh * s).rem_euclid(TAU),
            tilt: self.tilt + (to.tilt - self.tilt) * s,
            // Interpolate distance geometrically so zooming feels even at every scale.
            distance: (self.distance.ln() + (to.distance.ln() - self.distance.ln()) * s).exp(),
        }
    }

    /// Whether two states are within a centimetre and a hundredth of a degree of each other.
    pub fn approx_eq(&self, other: &Self) -> bool {
        let dh = (self.heading - other.heading).rem_euclid(TAU);
        self.focus.distance(other.focus) < 0.01
            && (self.distance - other.distance).abs() < 0.01
            && (self.tilt - other.tilt).abs() < 2e-4
            && dh.min(TAU - dh) < 2e-4
    }

    /// A state that shows the rectangle `[min_x, min_z, max_x, max_z]` (on the ground) whole,
    /// filling about 90% of a viewport with vertical field of view `fov` (radians) and aspect
    /// ratio `aspect`, seen from `heading` and `tilt`.
    pub fn framing(area: [f32; 4], heading: f32, tilt: f32, fov: f32, aspect: f32) -> Self {
        let corners = [
            Vec3::new(area[0], 0.0, area[1]),
            Vec3::new(area[2], 0.0, area[1]),
            Vec3::new(area[0], 0.0, area[3]),
            Vec3::new(area[2], 0.0, area[3]),
        ];
        Self::framing_points(&corners, heading, tilt, fov, aspect)
    }

    /// A state that shows all `points` (e.g. the feet and tops of buildings), filling about
    /// 90% of the viewport, looking at the middle of their ground extent.
    pub fn framing_points(points: &[Vec3], heading: f32, tilt: f32, fov: f32, aspect: f32) -> Self {
        let (mut lo_xz, mut hi_xz) = (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN));
        for p in points {
            lo_xz = lo_xz.min(*p);
            hi_xz = hi_xz.max(*p);
        }
        if points.is_empty() {
            (lo_xz, hi_xz) = (Vec3::splat(-500.0), Vec3::splat(500.0));
        }
        let center = Vec3::new((lo_xz.x + hi_xz.x) / 2.0, 0.0, (lo_xz.z + hi_xz.z) / 2.0);
        let area = [lo_xz.x, lo_xz.z, hi_xz.x, hi_xz.z];
        let corners = points;
        let mut state = Self {
            focus: center,
            heading,
            tilt,
            distance: 1.0,
        };
        let tan_v = (fov / 2.0).tan();
        let tan_h = tan_v * aspect.max(0.1);
        // The largest normalised screen coordinate of the corners at a given distance; it
        // shrinks as the camera backs away, so bisect on the distance.
        let extent = |s: &Self| -> f32 {
            let eye = s.eye();
            let fwd = (s.focus - eye).normalize();
            let right = fwd.cross(Vec3::Y).normalize();
            let up = right.cross(fwd);
            corners
                .iter()
                .map(|c| {
                    let d = *c - eye;
                    let depth = d.dot(fwd);
                    if depth <= 1.0 {
                        return f32::INFINITY;
                    }
                    (d.dot(right) / (depth * tan_h))
                        .abs()
                        .max((d.dot(up) / (depth * tan_v)).abs())
                })
                .fold(0.0, f32::max)
        };
        let half_diag = Vec3::new(area[2] - area[0], 0.0, area[3] - area[1]).length() / 2.0;
        let (mut lo, mut hi) = (1.0_f32, (half_diag.max(10.0) / tan_v.min(tan_h)) * 20.0);
        for _ in 0..60 {
            state.distance = (lo * hi).sqrt();
            if extent(&state) > 0.9 {
                lo = state.distance;
            } else {
                hi = state.distance;
            }
        }
        state.distance = hi;
        state
    }
}

/// The part of the ground the camera sees, as a polygon of `[x, z]` scene points (closed,
/// counter-clockwise seen from above). Corner rays that do not meet the ground within
/// `max_distance` of the camera (above the horizon) are cut there, so the polygon stays finite.
/// This is the area to ask a broker for with a geo-query (`intersects`).
pub fn ground_footprint(
    state: &OrbitState,
    fov: f32,
    aspect: f32,
    max_distance: f32,
) -> Vec<[f32; 2]> {
    let eye = state.eye();
    let forward = (state.focus - eye).normalize();
    let right = forward.cross(Vec3::Y).normalize();
    let up = right.cross(forward);
    let tan_v = (fov / 2.0).tan();
    let tan_h = tan_v * aspect;
    // Bottom-left, bottom-right, top-right, top-left of the view.
    let corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
    let mut points: Vec<[f32; 2]> = corners
        .iter()
        .map(|(sx, sy)| {
            let dir = (forward + right * (sx * tan_h) + up * (sy * tan_v)).normalize();
            let p = ground_hit(eye, dir)
                .filter(|p| p.distance(eye) <= max_distance)
                .unwrap_or_else(|| {
                    // Beyond the horizon or too far: the farthest ground point in that direction.
                    let flat = Vec3::new(dir.x, 0.0, dir.z).normalize_or_zero();
                    let reach = (max_distance * max_distance - eye.y * eye.y)
                        .max(0.0)
                        .sqrt();
                    Vec3::new(eye.x, 0.0, eye.z) + flat * reach
                });
            [p.x, p.z]
        })
        .collect();
    // Bottom-left, bottom-right, top-right, top-left of the screen lie counter-clockwise on the
    // ground seen from above, as GeoJSON wants an outer ring.
    points.push(points[0]);
    points
}

/// The point where a ray meets the ground (y = 0), if it goes down to it.
pub fn ground_hit(origin: Vec3, direction: Vec3) -> Option<Vec3> {
    if direction.y >= -1e-6 {
        return None;
    }
    let t = -origin.y / direction.y;
    (t > 0.0).then(|| origin + direction * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> OrbitState {
        OrbitState {
            focus: Vec3::ZERO,
            heading: 0.0,
            tilt: 0.6,
            distance: 1000.0,
        }
    }

    #[test]
    fn a_twist_keeps_the_point_between_the_fingers_in_place() {
        let mut s = start();
        let anchor = Vec3::new(120.0, 0.0, -40.0);
        let seen = |s: &OrbitState| {
            let v = anchor - s.focus;
            (v.dot(s.right_flat()), v.dot(s.forward_flat()))
        };
        let before = seen(&s);
        s.turn(0.5, Some(anchor));
        let after = seen(&s);
        assert!((s.heading - 0.5).abs() < 1e-6);
        assert!((before.0 - after.0).abs() < 1e-3 && (before.1 - after.1).abs() < 1e-3);
        assert!(
            s.focus.distance(Vec3::ZERO) > 1.0,
            "the focus moved round the anchor"
        );
        let mut t = start();
        t.turn(-0.25, None);
        assert_eq!(t.focus, Vec3::ZERO);
        assert!((t.heading - (TAU - 0.25)).abs() < 1e-6);
    }

    #[test]
    fn eye_is_behind_and_above_the_focus() {
        let s = start();
        let eye = s.eye();
        assert!(eye.y > 0.0);
        assert!(eye.z > 0.0, "looking north (−z) means standing south (+z)");
        assert!((eye.length() - 1000.0).abs() < 0.01);
        let east = OrbitState {
            heading: std::f32::consts::FRAC_PI_2,
            ..s
        };
        assert!(east.eye().x < -500.0, "looking east means standing west");
    }

    #[test]
    fn the_camera_never_goes_under_the_ground_or_flips() {
        let limits = OrbitLimits::default();
        let mut s = start();
        for _ in 0..100 {
            s.orbit(0.0, -500.0, 0.25); // drag up hard: toward and past the horizon
            s = s.clamped(&limits);
            assert!(s.eye().y > 0.0 && s.tilt >= limits.min_tilt);
        }
        for _ in 0..100 {
            s.orbit(0.0, 500.0, 0.25); // past the zenith
            s = s.clamped(&limits);
            assert!(s.tilt <= limits.max_tilt && s.tilt < std::f32::consts::FRAC_PI_2);
        }
    }

    #[test]
    fn zoom_never_passes_through_the_focus() {
        let limits = OrbitLimits::default();
        let mut s = start();
        for _ in 0..200 {
            s.zoom(0.5, None, &limits);
            s = s.clamped(&limits);
        }
        assert_eq!(s.distance, limits.min_distance);
        assert!(s.eye().y > 0.0);
        for _ in 0..200 {
            s.zoom(2.0, None, &limits);
        }
        assert_eq!(s.distance, limits.max_distance);
    }

    #[test]
    fn zoom_to_cursor_keeps_the_anchor_in_line() {
        let limits = OrbitLimits::default();
        let mut s = start();
        let anchor = Vec3::new(300.0, 0.0, -200.0);
        let before = (anchor - s.eye()).normalize();
        s.zoom(0.5, Some(anchor), &limits);
        let after = (anchor - s.eye()).normalize();
        assert!(
            before.dot(after) > 0.9999,
            "the anchor stays in the same direction"
        );
        assert_eq!(s.distance, 500.0);
    }

    #[test]
    fn pan_moves_the_focus_with_the_drag() {
        let mut s = start();
        let mpp = s.metres_per_pixel(45f32.to_radians(), 800.0);
        s.pan(100.0, 0.0, mpp);
        assert!(s.focus.x < 0.0, "dragging right moves the view left");
        assert!((s.focus.x + 100.0 * mpp).abs() < 1e-3);
    }

    #[test]
    fn nan_never_survives_clamping() {
        let s = OrbitState {
            focus: Vec3::new(f32::NAN, 0.0, 0.0),
            ..start()
        }
        .clamped(&OrbitLimits::default());
        assert!(s.eye().is_finite());
    }

    #[test]
    fn focus_stays_in_the_area_and_on_the_ground() {
        let s = OrbitState {
            focus: Vec3::new(1e6, 50.0, -1e6),
            ..start()
        }
        .clamped(&OrbitLimits::default());
        assert_eq!(s.focus, Vec3::new(20_000.0, 0.0, -20_000.0));
    }

    #[test]
    fn lerp_turns_the_short_way() {
        let a = OrbitState {
            heading: 350f32.to_radians(),
            ..start()
        };
        let b = OrbitState {
            heading: 10f32.to_radians(),
            ..start()
        };
        let mid = a.lerp(&b, 0.5);
        assert!(
            (mid.heading.to_degrees().rem_euclid(360.0) - 0.0).abs() < 0.01
                || (mid.heading.to_degrees() - 360.0).abs() < 0.01
        );
    }

    #[test]
    fn easing_settles_across_north() {
        // Easing from 350° to 10° must settle (approx_eq), not chase 370°.
        let target = OrbitState {
            heading: 10f32.to_radians(),
            ..start()
        };
        let mut s = OrbitState {
            heading: 350f32.to_radians(),
            ..start()
        };
        let mut frames = 0;
        while !s.approx_eq(&target) {
            s = s.lerp(&target, 0.2);
            frames += 1;
            assert!(frames < 200, "never settles: {s:?}");
        }
    }

    #[test]
    fn framing_fits_the_area() {
        let s = OrbitState::framing(
            [-1000.0, -500.0, 1000.0, 500.0],
            0.0,
            0.8,
            45f32.to_radians(),
            1.6,
        );
        assert_eq!(s.focus, Vec3::ZERO);
        assert!(s.distance > 1118.0 && s.distance < 5000.0, "{}", s.distance);
        // Tighter framings are further away: a tall narrow viewport needs more distance.
        let narrow = OrbitState::framing(
            [-1000.0, -500.0, 1000.0, 500.0],
            0.0,
            0.8,
            45f32.to_radians(),
            0.5,
        );
        assert!(narrow.distance > s.distance);
    }

    #[test]
    fn the_ground_footprint_of_a_view() {
        // Straight down (as far as the tilt allows) from 1 km: a near-square around the focus.
        let s = OrbitState {
            focus: Vec3::new(100.0, 0.0, -50.0),
            heading: 0.0,
            tilt: 89f32.to_radians(),
            distance: 1000.0,
        };
        let f = ground_footprint(&s, 90f32.to_radians(), 1.0, 50_000.0);
        assert_eq!(f.len(), 5);
        assert_eq!(f[0], f[4]);
        let (xs, zs): (Vec<f32>, Vec<f32>) = f.iter().map(|p| (p[0], p[1])).unzip();
        let width = xs.iter().cloned().fold(f32::MIN, f32::max)
            - xs.iter().cloned().fold(f32::MAX, f32::min);
        assert!(
            (width - 2000.0).abs() < 100.0,
            "90° field of view from 1 km covers 2 km: {width}"
        );
        assert!(zs.iter().any(|&z| z < -50.0) && zs.iter().any(|&z| z > -50.0));
        // Looking at the horizon: the far edge is cut at the maximum distance.
        let low = OrbitState {
            tilt: 5f32.to_radians(),
            ..s
        };
        let far = ground_footprint(&low, 45f32.to_radians(), 1.6, 5_000.0);
        assert!(
            far.iter()
                .all(|p| Vec3::new(p[0], 0.0, p[1]).distance(low.eye()) <= 5_001.0)
        );
        // Counter-clockwise seen from above: positive area in east/north (x, −z).
        let area: f32 = far
            .windows(2)
            .map(|w| w[0][0] * -w[1][1] - w[1][0] * -w[0][1])
            .sum();
        assert!(area > 0.0, "{area}");
    }

    #[test]
    fn ground_hit_only_downwards() {
        assert_eq!(
            ground_hit(Vec3::new(0.0, 10.0, 0.0), Vec3::new(1.0, -1.0, 0.0)),
            Some(Vec3::new(10.0, 0.0, 0.0))
        );
        assert_eq!(
            ground_hit(Vec3::new(0.0, 10.0, 0.0), Vec3::new(1.0, 0.1, 0.0)),
            None
        );
    }
}
