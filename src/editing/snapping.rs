//! Where a pointer position lands on the ground while drawing: snapped to the corners and
//! edges of the buildings shown (the baseline's, the active scenario's) and of the outline
//! being drawn, within [`SNAP_PIXELS`] on screen; else squared to a right angle with the edges
//! drawn ([`RIGHT_ANGLE_DEGREES`]); else where the pointer points.

use super::{RIGHT_ANGLE_DEGREES, SNAP_PIXELS};
use crate::city::CityModel;
use crate::geometry::snap::{Snap, closest_on_segment, square_corner};
use crate::scenario::Applied;
use crate::scene::ViewMapping;
use bevy::prelude::*;

/// Snaps the pointer at window position `at` (its ground point `ground`). `drawn` are the
/// outline's corners so far.
#[allow(clippy::too_many_arguments, reason = "the view and what it shows")]
pub(super) fn snap(
    view: &ViewMapping,
    camera: &Camera,
    transform: &GlobalTransform,
    at: Vec2,
    ground: [f64; 2],
    drawn: &[[f64; 2]],
    model: &CityModel,
    applied: Option<&Applied>,
) -> ([f64; 2], Snap) {
    let screen = |p: [f64; 2]| {
        view.world_to_window(camera, transform, Vec3::new(p[0] as f32, 0.0, -p[1] as f32))
    };
    let pixels = |p: [f64; 2]| screen(p).map_or(f64::MAX, |s| f64::from(s.distance(at)));
    // How many metres the snapping reach spans around the ground point: the metres between
    // it and the ground a few pixels away, with room to spare.
    let reach = view
        .ground_at(camera, transform, at + Vec2::new(SNAP_PIXELS as f32, 0.0))
        .map_or(50.0, |q| (q[0] - ground[0]).hypot(q[1] - ground[1]))
        * 3.0
        + 1.0;
    let mut best: Option<(f64, [f64; 2], Snap)> = None;
    let consider = |best: &mut Option<(f64, [f64; 2], Snap)>, d: f64, p: [f64; 2], kind: Snap| {
        let better = best.is_none_or(|(bd, _, bk)| rank(kind) < rank(bk) || (kind == bk && d < bd));
        if d <= SNAP_PIXELS && better {
            *best = Some((d, p, kind));
        }
    };
    let mut edges = Vec::new();
    for b in crate::scenario::standing(model, applied) {
        let bb = b.footprint.bbox();
        if ground[0] < bb[0] - reach
            || ground[0] > bb[2] + reach
            || ground[1] < bb[1] - reach
            || ground[1] > bb[3] + reach
        {
            continue;
        }
        for poly in b.footprint.polygons() {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                let pts: Vec<[f64; 2]> = ring.coords().map(|c| [c.x, c.y]).collect();
                for p in &pts {
                    consider(&mut best, pixels(*p), *p, Snap::Corner);
                }
                edges.extend(pts.windows(2).map(|w| (w[0], w[1])));
            }
        }
    }
    for p in drawn {
        consider(&mut best, pixels(*p), *p, Snap::Corner);
    }
    edges.extend(drawn.windows(2).map(|w| (w[0], w[1])));
    if best.is_none() {
        for (a, b) in edges {
            let q = closest_on_segment(ground, a, b);
            consider(&mut best, pixels(q), q, Snap::Edge);
        }
    }
    if let Some((_, p, kind)) = best {
        return (p, kind);
    }
    match square_corner(drawn, ground, RIGHT_ANGLE_DEGREES) {
        Some(p) => (p, Snap::RightAngle),
        None => (ground, Snap::Free),
    }
}

/// Corners before edges.
fn rank(s: Snap) -> u8 {
    match s {
        Snap::Corner => 0,
        Snap::Edge => 1,
        Snap::RightAngle => 2,
        Snap::Free => 3,
    }
}
