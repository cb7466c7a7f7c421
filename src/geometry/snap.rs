//! Snapping while drawing: to the nearest corner or edge within a few pixels, and a right
//! angle helper that squares the corner being drawn. Pure 2D geometry; the viewer feeds it
//! screen positions (pixels) for snapping and scene metres for right angles.

/// The point of segment `a`–`b` nearest to `p`.
///
/// ```
/// use citytwin::geometry::snap::closest_on_segment;
/// assert_eq!(closest_on_segment([5.0, 3.0], [0.0, 0.0], [10.0, 0.0]), [5.0, 0.0]);
/// assert_eq!(closest_on_segment([-4.0, 1.0], [0.0, 0.0], [10.0, 0.0]), [0.0, 0.0]);
/// ```
pub fn closest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    if len2 <= f64::EPSILON {
        return a;
    }
    let t = (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0);
    [a[0] + t * d[0], a[1] + t * d[1]]
}

/// The distance between two points.
pub fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// What a position snapped to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Snap {
    /// Nothing near: the position as it is.
    Free,
    /// A corner (a footprint's vertex, or a corner already drawn).
    Corner,
    /// A point on an edge.
    Edge,
    /// Squared to a right angle with the edge drawn before (or the first edge).
    RightAngle,
}

/// Snaps `p` to the nearest of `corners` within `radius`, else to the nearest point of
/// `edges` within `radius`; corners win over edges. Returns the index of the corner or edge
/// with the point.
///
/// ```
/// use citytwin::geometry::snap::{snap_to, Snap};
/// let corners = [[10.0, 10.0]];
/// let edges = [([0.0, 0.0], [0.0, 100.0])];
/// assert_eq!(snap_to([12.0, 11.0], &corners, &edges, 6.0), ([10.0, 10.0], Snap::Corner));
/// assert_eq!(snap_to([3.0, 50.0], &corners, &edges, 6.0), ([0.0, 50.0], Snap::Edge));
/// assert_eq!(snap_to([30.0, 50.0], &corners, &edges, 6.0), ([30.0, 50.0], Snap::Free));
/// ```
pub fn snap_to(
    p: [f64; 2],
    corners: &[[f64; 2]],
    edges: &[([f64; 2], [f64; 2])],
    radius: f64,
) -> ([f64; 2], Snap) {
    let nearest_corner = corners
        .iter()
        .map(|c| (distance(p, *c), *c))
        .filter(|(d, _)| *d <= radius)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, c)) = nearest_corner {
        return (c, Snap::Corner);
    }
    let nearest_edge = edges
        .iter()
        .map(|(a, b)| {
            let q = closest_on_segment(p, *a, *b);
            (distance(p, q), q)
        })
        .filter(|(d, _)| *d <= radius)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match nearest_edge {
        Some((_, q)) => (q, Snap::Edge),
        None => (p, Snap::Free),
    }
}

/// The right angle helper (scene metres). With the corners drawn so far, squares the next
/// corner `p`: when the new edge from the last corner is within `tolerance_deg` of
/// perpendicular to the edge before it, `p` moves onto that perpendicular; when, as well, the
/// closing edge back to the first corner is within the tolerance of perpendicular to the first
/// edge, `p` moves to where both are square (the fourth corner of a rectangle). `None` when
/// neither applies.
///
/// ```
/// use citytwin::geometry::snap::square_corner;
/// // Two sides of a 20 × 10 rectangle drawn; the third corner a little off.
/// let drawn = [[0.0, 0.0], [20.0, 0.0]];
/// let p = square_corner(&drawn, [20.4, 10.0], 8.0).unwrap();
/// assert!((p[0] - 20.0).abs() < 1e-9 && (p[1] - 10.0).abs() < 1e-9);
/// // The fourth corner squared to both neighbours.
/// let drawn = [[0.0, 0.0], [20.0, 0.0], [20.0, 10.0]];
/// let p = square_corner(&drawn, [0.5, 9.6], 8.0).unwrap();
/// assert!(p[0].abs() < 1e-9 && (p[1] - 10.0).abs() < 1e-9);
/// ```
pub fn square_corner(drawn: &[[f64; 2]], p: [f64; 2], tolerance_deg: f64) -> Option<[f64; 2]> {
    let n = drawn.len();
    if n < 2 {
        return None;
    }
    let (prev, last) = (drawn[n - 2], drawn[n - 1]);
    // The line through `last` perpendicular to prev→last, if p is near it.
    let along_last = perpendicular_line(prev, last, p, tolerance_deg);
    // The line through the first corner perpendicular to first→second, if p is near it.
    let along_first = if n >= 3 {
        perpendicular_line(drawn[1], drawn[0], p, tolerance_deg)
    } else {
        None
    };
    match (along_last, along_first) {
        (Some(a), Some(b)) => intersect(a, b).or(Some(project(a, p))),
        (Some(a), None) => Some(project(a, p)),
        (None, Some(b)) => Some(project(b, p)),
        (None, None) => None,
    }
}

/// A line: a point on it and its unit direction.
type Line = ([f64; 2], [f64; 2]);

/// The line through `at` perpendicular to `from`→`at`, when `at`→`p` is within `tolerance`
/// degrees of it.
fn perpendicular_line(from: [f64; 2], at: [f64; 2], p: [f64; 2], tolerance: f64) -> Option<Line> {
    let e = [at[0] - from[0], at[1] - from[1]];
    let len = e[0].hypot(e[1]);
    let q = [p[0] - at[0], p[1] - at[1]];
    let qlen = q[0].hypot(q[1]);
    if len < 1e-9 || qlen < 1e-9 {
        return None;
    }
    let dir = [-e[1] / len, e[0] / len];
    // The angle between q and the perpendicular (either way along it).
    let cos = ((q[0] * dir[0] + q[1] * dir[1]) / qlen).abs().min(1.0);
    (cos.acos().to_degrees() <= tolerance).then_some((at, dir))
}

fn project((o, d): Line, p: [f64; 2]) -> [f64; 2] {
    let t = (p[0] - o[0]) * d[0] + (p[1] - o[1]) * d[1];
    [o[0] + t * d[0], o[1] + t * d[1]]
}

fn intersect((o1, d1): Line, (o2, d2): Line) -> Option<[f64; 2]> {
    let det = d1[0] * d2[1] - d1[1] * d2[0];
    if det.abs() < 1e-9 {
        return None;
    }
    let t = ((o2[0] - o1[0]) * d2[1] - (o2[1] - o1[1]) * d2[0]) / det;
    Some([o1[0] + t * d1[0], o1[1] + t * d1[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corner_off_by_more_than_the_tolerance_stays_free() {
        let drawn = [[0.0, 0.0], [20.0, 0.0]];
        // 45° off the perpendicular.
        assert_eq!(square_corner(&drawn, [30.0, 10.0], 8.0), None);
        // Too few corners for an angle.
        assert_eq!(square_corner(&[[0.0, 0.0]], [5.0, 5.0], 8.0), None);
    }

    #[test]
    fn squaring_works_at_any_orientation() {
        // A rectangle turned by 30°.
        let (s, c) = 30f64.to_radians().sin_cos();
        let r = |x: f64, y: f64| [x * c - y * s + 100.0, x * s + y * c - 50.0];
        let drawn = [r(0.0, 0.0), r(20.0, 0.0), r(20.0, 10.0)];
        let off = r(0.4, 10.3);
        let p = square_corner(&drawn, off, 8.0).unwrap();
        let want = r(0.0, 10.0);
        assert!(distance(p, want) < 1e-9, "{p:?} != {want:?}");
    }
}
