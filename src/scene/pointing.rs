//! Pointing at the scene: the point a click or tap picks on a building's surface or on the
//! ground, snapped to a building's corner within a few pixels. The Measure tool and comments
//! pick their points this way.

use super::{MainCamera, Scenarios, ViewMapping};
use crate::city::{Building, CityModel};
use crate::geometry::pick::Ray;
use crate::scenario::Applied;
use crate::terrain::HeightGrid;
use bevy::prelude::*;

/// Pixels within which a click snaps to a building's corner or edge.
pub const SNAP_PIXELS: f32 = 12.0;

/// The farthest (m) a click looks for the terrain along its ray.
const FARTHEST_GROUND_M: f64 = 30_000.0;

/// What a picked point snapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Snapped {
    /// Nothing: the point where the ray met a surface or the ground.
    #[default]
    Free,
    /// A building's corner.
    Corner,
    /// A point on a building's edge (a footprint's side at the foot or the roof, or a wall's
    /// vertical edge).
    Edge,
}

/// The point under the window position `at` on the main camera's view (scene coordinates
/// `[x, up, −north]`) and whether it snapped to a corner; the scenario's buildings count
/// where the scenario is shown there. `None` over a panel, or where the ray meets neither
/// a building nor the ground.
pub fn point_on_view(
    at: Vec2,
    camera: &Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    view: &ViewMapping,
    model: &CityModel,
    scenarios: &Scenarios,
    terrain: Option<&HeightGrid>,
) -> Option<([f64; 3], Snapped)> {
    let (cam, transform) = camera.single().ok()?;
    let r = view.ray(cam, transform, at)?;
    let ray = Ray {
        origin: r.origin.as_dvec3().to_array(),
        direction: r.direction.as_dvec3().to_array(),
    };
    let x = (at.x - view.area.min.x) / view.area.size.x.max(1.0);
    let applied = scenarios
        .active_applied()
        .filter(|_| scenarios.scenario_at(x))
        .map(|a| a.as_ref());
    let project = |p: [f64; 3]| {
        view.world_to_window(
            cam,
            transform,
            Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32),
        )
    };
    point_at(model, applied, &ray, at, project, terrain)
}

/// The point a click at window position `click` picks along `ray` (scene coordinates): where
/// it meets the first building (of `applied` when the scenario is shown there) or else the
/// ground (the terrain where there is one), snapped to the nearest building corner within
/// [`SNAP_PIXELS`] as `project` puts
/// scene points on the window, else to the nearest point of a building's edge within as many
/// pixels. Returns the scene point and what it snapped to.
pub fn point_at(
    model: &CityModel,
    applied: Option<&Applied>,
    ray: &Ray,
    click: Vec2,
    project: impl Fn([f64; 3]) -> Option<Vec2>,
    terrain: Option<&HeightGrid>,
) -> Option<([f64; 3], Snapped)> {
    let hit = match applied {
        Some(a) => a.pick(model, ray),
        None => model.pick(ray),
    };
    let building: Option<&Building> = hit.and_then(|i| {
        model.buildings.get(i).or_else(|| {
            applied
                .and_then(|a| a.placed(model, i))
                .map(|p| &p.building)
        })
    });
    let on_building = building.and_then(|b| b.hit(ray).map(|t| (b, ray.at(t))));
    let on_terrain = || {
        terrain
            .and_then(|g| g.ray_hit(ray.origin, ray.direction, FARTHEST_GROUND_M))
            .map(|t| ray.at(t))
    };
    let point = match on_building {
        Some((_, p)) => p,
        None if terrain.is_some() => on_terrain()?,
        None if ray.direction[1] < -1e-9 => ray.at(-ray.origin[1] / ray.direction[1]),
        None => return None,
    };
    // Snap to a corner of the building hit, or of the buildings near the ground point.
    let near: Vec<&Building> = match on_building {
        Some((b, _)) => vec![b],
        None => {
            let (x, y) = (point[0], -point[2]);
            crate::scenario::standing(model, applied)
                .filter(|b| {
                    let [w, s, e, n] = b.footprint.bbox();
                    x > w - 30.0 && x < e + 30.0 && y > s - 30.0 && y < n + 30.0
                })
                .collect()
        }
    };
    // The nearest on the window; of corners the window shows at one place (a roof's above
    // its foot seen from straight above), the one nearest the point hit.
    let away = |c: [f64; 3]| {
        (c[0] - point[0])
            .hypot(c[1] - point[1])
            .hypot(c[2] - point[2])
    };
    // A corner or edge point hidden behind the building (a foot seen past its roof) is not
    // offered.
    let visible = |c: [f64; 3]| {
        let d = [
            c[0] - ray.origin[0],
            c[1] - ray.origin[1],
            c[2] - ray.origin[2],
        ];
        let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        if len < 1e-9 {
            return true;
        }
        let to_c = Ray {
            origin: ray.origin,
            direction: [d[0] / len, d[1] / len, d[2] / len],
        };
        near.iter()
            .all(|b| b.hit(&to_c).is_none_or(|t| t >= len - 0.05))
    };
    // The candidate nearest the click on the window, within SNAP_PIXELS (the ray cast of
    // `visible` only for those).
    let nearest = |candidates: &mut dyn Iterator<Item = [f64; 3]>| {
        let mut best: Option<([f64; 3], f32)> = None;
        for c in candidates {
            let Some(d) = project(c).map(|p| p.distance(click)) else {
                continue;
            };
            let better =
                best.is_none_or(|(bc, bd)| d < bd - 0.5 || (d <= bd + 0.5 && away(c) < away(bc)));
            if d <= SNAP_PIXELS && better && visible(c) {
                best = Some((c, d));
            }
        }
        best.map(|(c, _)| c)
    };
    if let Some(c) = nearest(&mut near.iter().flat_map(|b| corners(b))) {
        return Some((c, Snapped::Corner));
    }
    // Else the edge point nearest the ray, if it shows within as many pixels.
    let on_edges = &mut near
        .iter()
        .flat_map(|b| edges(b))
        .map(|(a, e)| nearest_on_segment(ray, a, e));
    Some(nearest(on_edges).map_or((point, Snapped::Free), |c| (c, Snapped::Edge)))
}

/// The point of the segment `a`–`b` nearest the ray (closest approach of two lines, the
/// parameter kept on the segment).
fn nearest_on_segment(ray: &Ray, a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    let sub = |p: [f64; 3], q: [f64; 3]| [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
    let dot = |p: [f64; 3], q: [f64; 3]| p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
    let u = sub(b, a);
    let v = ray.direction;
    let w = sub(a, ray.origin);
    let (uu, uv, vv, uw, vw) = (dot(u, u), dot(u, v), dot(v, v), dot(u, w), dot(v, w));
    let denom = uu * vv - uv * uv;
    let s = if denom.abs() < 1e-12 || uu < 1e-12 {
        0.0
    } else {
        ((uv * vw - vv * uw) / denom).clamp(0.0, 1.0)
    };
    [a[0] + u[0] * s, a[1] + u[1] * s, a[2] + u[2] * s]
}

/// A building's edges in scene coordinates: its footprint's sides at the foot and the roof
/// and its vertical edges, or its model's triangles' edges.
fn edges(b: &Building) -> Vec<([f64; 3], [f64; 3])> {
    let mut out = Vec::new();
    if let Some(shell) = &b.shell {
        for (t, _) in &shell.triangles {
            let p: Vec<[f64; 3]> = t
                .iter()
                .map(|p| [p[0], p[1] + b.elevation, -p[2]])
                .collect();
            out.extend([(p[0], p[1]), (p[1], p[2]), (p[2], p[0])]);
        }
        return out;
    }
    for polygon in b.footprint.polygons() {
        let ring: Vec<_> = polygon.exterior().coords().collect();
        for w in ring.windows(2) {
            let (a, e) = (w[0], w[1]);
            let (base, top) = (b.base + b.elevation, b.height + b.elevation);
            for h in [base, top] {
                out.push(([a.x, h, -a.y], [e.x, h, -e.y]));
            }
            out.push(([a.x, base, -a.y], [a.x, top, -a.y]));
        }
    }
    out
}

/// A building's corners in scene coordinates: its footprint's at its base and at its roof,
/// or its model's vertices.
fn corners(b: &Building) -> Vec<[f64; 3]> {
    if let Some(shell) = &b.shell {
        return shell
            .triangles
            .iter()
            .flat_map(|(t, _)| t.iter().map(|p| [p[0], p[1] + b.elevation, -p[2]]))
            .collect();
    }
    let mut out = Vec::new();
    for polygon in b.footprint.polygons() {
        for c in polygon.exterior().coords() {
            out.push([c.x, b.base + b.elevation, -c.y]);
            out.push([c.x, b.height + b.elevation, -c.y]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::HeightSource;
    use crate::geometry::Footprint;

    fn model_with_a_box() -> CityModel {
        let ring = vec![
            [0.0, 0.0],
            [20.0, 0.0],
            [20.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        let b = Building {
            id: "urn:ngsi-ld:Building:box".into(),
            name: None,
            address: None,
            height: 30.0,
            base: 0.0,
            height_source: HeightSource::Default,
            footprint: Footprint::new(vec![vec![ring]]).unwrap(),
            attributes: Vec::new(),
            shell: None,
            elevation: 0.0,
            own_ground: None,
        };
        CityModel {
            source_label: "test".into(),
            attribution: None,
            entities_read: 1,
            entities_by_type: Default::default(),
            buildings: vec![b],
            skipped: Vec::new(),
            origin: crate::georef::LonLat::new(18.07, 59.33),
            crs: "EPSG:32634".into(),
            bounds: [0.0, 0.0, 20.0, 10.0],
            timings: Default::default(),
            view_points: Default::default(),
            terrain: None,
            sensors: Vec::new(),
            slow: Vec::new(),
        }
    }

    /// Straight down from 500 m; 10 px per metre on the window, north up.
    fn down(x: f64, north: f64) -> (Ray, Vec2) {
        let ray = Ray {
            origin: [x, 500.0, -north],
            direction: [0.0, -1.0, 0.0],
        };
        (ray, Vec2::new((x * 10.0) as f32, (-north * 10.0) as f32))
    }

    fn project(p: [f64; 3]) -> Option<Vec2> {
        Some(Vec2::new((p[0] * 10.0) as f32, (p[2] * 10.0) as f32))
    }

    #[test]
    fn clicks_land_on_roofs_and_the_ground_and_snap_to_corners() {
        let model = model_with_a_box();
        // The middle of the roof: 30 m up, no corner near.
        let (ray, click) = down(10.0, 5.0);
        let (p, snapped) = point_at(&model, None, &ray, click, project, None).unwrap();
        assert_eq!((p, snapped), ([10.0, 30.0, -5.0], Snapped::Free));
        // 0.8 m (8 px) from the roof's north-east corner: snapped onto it exactly.
        let (ray, click) = down(19.4, 9.5);
        let (p, snapped) = point_at(&model, None, &ray, click, project, None).unwrap();
        assert_eq!(snapped, Snapped::Corner);
        assert_eq!(p, [20.0, 30.0, -10.0]);
        // The ground 5 m away from every corner: as clicked, at height 0.
        let (ray, click) = down(10.0, -5.0);
        let (p, snapped) = point_at(&model, None, &ray, click, project, None).unwrap();
        assert_eq!((p, snapped), ([10.0, 0.0, 5.0], Snapped::Free));
        // The ground 1 m south-west of the south-west corner: its foot (top-down its roof
        // corner is the same pixel; the foot is nearer the point hit).
        let (ray, click) = down(-0.7, -0.7);
        let (p, snapped) = point_at(&model, None, &ray, click, project, None).unwrap();
        assert_eq!((p, snapped), ([0.0, 0.0, 0.0], Snapped::Corner));
        // Half a metre (5 px) inside the roof's north edge, 10 m from its corners: onto the
        // roof's edge (not the foot's, which shows at the same place from above).
        let (ray, click) = down(10.0, 9.5);
        let (p, snapped) = point_at(&model, None, &ray, click, project, None).unwrap();
        assert_eq!((p, snapped), ([10.0, 30.0, -10.0], Snapped::Edge));
        // Looking up: nothing.
        let up = Ray {
            origin: [0.0, 10.0, 0.0],
            direction: [0.0, 1.0, 0.0],
        };
        assert!(point_at(&model, None, &up, Vec2::ZERO, project, None).is_none());
    }
}
