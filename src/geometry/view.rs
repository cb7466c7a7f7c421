//! What a camera can see, as the choice of tiles needs it: a cone around the view direction.

/// Whether any of the sphere (`centre`, `radius`) may lie within the cone of half-angle
/// `half_angle` (radians) around the unit vector `forward` from `eye`.
///
/// ```
/// use citytwin::geometry::view::sphere_in_view;
/// let (eye, ahead) = ([0.0, 0.0, 0.0], [0.0, 0.0, -1.0]);
/// assert!(sphere_in_view(eye, ahead, 0.5, [0.0, 0.0, -100.0], 1.0));
/// assert!(!sphere_in_view(eye, ahead, 0.5, [0.0, 0.0, 100.0], 1.0), "behind");
/// assert!(sphere_in_view(eye, ahead, 0.5, [0.0, 0.0, 100.0], 150.0), "around the eye");
/// ```
pub fn sphere_in_view(
    eye: [f64; 3],
    forward: [f64; 3],
    half_angle: f64,
    centre: [f64; 3],
    radius: f64,
) -> bool {
    let v = [0, 1, 2].map(|i| centre[i] - eye[i]);
    let d = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if d <= radius {
        return true;
    }
    let cos = (v[0] * forward[0] + v[1] * forward[1] + v[2] * forward[2]) / d;
    cos.clamp(-1.0, 1.0).acos() - (radius / d).asin() <= half_angle
}
