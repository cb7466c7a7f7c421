//! The Measure tool: while it is on ([`Tool::Measure`]), a click or tap picks a point on a
//! building's surface (where the ray meets it) or on the ground, snapped to a building's
//! corner (at its foot or its roof) within a few pixels; Escape clears. The points go to
//! [`MeasureState`]; the UI shows the result ([`crate::measure`]).

use crate::city::{Building, CityModel};
use crate::geometry::pick::Ray;
use crate::measure::{Kind, Measurement};
use crate::scenario::Applied;
use crate::scene::{
    self, CityState, EditTool, MainCamera, MeasureCommand, MeasureState, Scenarios, SceneSet,
    SetTool, Tool, ViewClicked, ViewMapping,
};
use bevy::prelude::*;
use bevy::window::RequestRedraw;

/// Pixels within which a click snaps to a building's corner.
pub const SNAP_PIXELS: f32 = 12.0;

/// The Measure tool.
pub struct MeasuringPlugin;

impl Plugin for MeasuringPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(
            Update,
            (
                commands.in_set(SceneSet::Input),
                pick_point.in_set(SceneSet::Pick),
            ),
        );
        if app.world().contains_resource::<ButtonInput<KeyCode>>() {
            app.add_systems(Update, escape_clears.in_set(SceneSet::Input));
        }
    }
}

fn commands(
    mut messages: MessageReader<MeasureCommand>,
    mut state: ResMut<MeasureState>,
    tool: Res<EditTool>,
    mut set_tool: MessageWriter<SetTool>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for m in messages.read() {
        redraw.write(RequestRedraw);
        match *m {
            MeasureCommand::Start(kind) => {
                state.active = true;
                state.measurement = Measurement {
                    kind,
                    points: Vec::new(),
                };
                state.snapped = false;
                set_tool.write(SetTool(Tool::Measure));
            }
            MeasureCommand::UndoPoint => {
                state.measurement.points.pop();
            }
            MeasureCommand::Clear => {
                state.measurement.points.clear();
                state.snapped = false;
            }
            MeasureCommand::Stop => {
                state.active = false;
                state.measurement.points.clear();
                set_tool.write(SetTool(Tool::Select));
            }
        }
    }
    // Another tool chosen: measuring stops (the last measurement stays shown until then).
    if state.active && tool.tool != Tool::Measure && tool.is_changed() {
        state.active = false;
    }
}

fn escape_clears(
    keys: Res<ButtonInput<KeyCode>>,
    tool: Res<EditTool>,
    mut state: ResMut<MeasureState>,
) {
    if tool.tool == Tool::Measure && keys.just_pressed(KeyCode::Escape) {
        state.measurement.points.clear();
    }
}

/// A click while measuring: the point on a building or the ground, snapped to a corner.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn pick_point(
    mut clicks: MessageReader<ViewClicked>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    view: ViewMapping,
    tool: Res<EditTool>,
    city: Res<CityState>,
    scenarios: Res<Scenarios>,
    mut state: ResMut<MeasureState>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    if tool.tool != Tool::Measure {
        return;
    }
    let (Ok((cam, transform)), Some(model)) = (camera.single(), city.model.as_ref()) else {
        return;
    };
    let Some(r) = view.ray(cam, transform, at) else {
        return;
    };
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
    let Some((scene_point, snapped)) = point_at(model, applied, &ray, at, project) else {
        return;
    };
    state.snapped = snapped;
    // Scene [x, up, −north] → [east, north, up].
    let mut p = [scene_point[0], -scene_point[2], scene_point[1]];
    let m = &mut state.measurement;
    match m.kind {
        Kind::Distance => m.points.push(p),
        Kind::Height => m.points = vec![p],
        Kind::Area => {
            p[2] = 0.0;
            m.points.push(p);
        }
    }
}

/// The point a click at window position `click` picks along `ray` (scene coordinates): where
/// it meets the first building (of `applied` when the scenario is shown there) or else the
/// ground, snapped to the nearest building corner within [`SNAP_PIXELS`] as `project` puts
/// scene points on the window. Returns the scene point and whether it snapped.
pub fn point_at(
    model: &CityModel,
    applied: Option<&Applied>,
    ray: &Ray,
    click: Vec2,
    project: impl Fn([f64; 3]) -> Option<Vec2>,
) -> Option<([f64; 3], bool)> {
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
    let point = match on_building {
        Some((_, p)) => p,
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
    let mut best: Option<([f64; 3], f32)> = None;
    for b in near {
        for c in corners(b) {
            if let Some(p) = project(c) {
                let d = p.distance(click);
                let better = best
                    .is_none_or(|(bc, bd)| d < bd - 0.5 || (d <= bd + 0.5 && away(c) < away(bc)));
                if d <= SNAP_PIXELS && better {
                    best = Some((c, d));
                }
            }
        }
    }
    Some(best.map_or((point, false), |(c, _)| (c, true)))
}

/// A building's corners in scene coordinates: its footprint's at its base and at its roof,
/// or its model's vertices.
fn corners(b: &Building) -> Vec<[f64; 3]> {
    if let Some(shell) = &b.shell {
        return shell
            .triangles
            .iter()
            .flat_map(|(t, _)| t.iter().map(|p| [p[0], p[1], -p[2]]))
            .collect();
    }
    let mut out = Vec::new();
    for polygon in b.footprint.polygons() {
        for c in polygon.exterior().coords() {
            out.push([c.x, b.base, -c.y]);
            out.push([c.x, b.height, -c.y]);
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
            sensors: Vec::new(),
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
        let (p, snapped) = point_at(&model, None, &ray, click, project).unwrap();
        assert_eq!((p, snapped), ([10.0, 30.0, -5.0], false));
        // 0.8 m (8 px) from the roof's north-east corner: snapped onto it exactly.
        let (ray, click) = down(19.4, 9.5);
        let (p, snapped) = point_at(&model, None, &ray, click, project).unwrap();
        assert!(snapped);
        assert_eq!(p, [20.0, 30.0, -10.0]);
        // The ground 5 m away from every corner: as clicked, at height 0.
        let (ray, click) = down(10.0, -5.0);
        let (p, snapped) = point_at(&model, None, &ray, click, project).unwrap();
        assert_eq!((p, snapped), ([10.0, 0.0, 5.0], false));
        // The ground 1 m south-west of the south-west corner: its foot (top-down its roof
        // corner is the same pixel; the foot is nearer the point hit).
        let (ray, click) = down(-0.7, -0.7);
        let (p, snapped) = point_at(&model, None, &ray, click, project).unwrap();
        assert_eq!((p, snapped), ([0.0, 0.0, 0.0], true));
        // Looking up: nothing.
        let up = Ray {
            origin: [0.0, 10.0, 0.0],
            direction: [0.0, 1.0, 0.0],
        };
        assert!(point_at(&model, None, &up, Vec2::ZERO, project).is_none());
    }

    #[test]
    fn a_measured_distance_between_two_corners_matches_proj_to_the_centimetre() {
        // Two corners given in longitude/latitude, placed by the scene's georeference (PROJ)
        // as the buildings are; the distance measured between the snapped corners equals the
        // one computed from the projected coordinates directly.
        let georef =
            crate::georef::Georef::new(crate::georef::LonLat::new(-73.9857, 40.7484), None)
                .unwrap();
        let a = georef
            .lonlat_to_projected(crate::georef::LonLat::new(-73.98565, 40.74845))
            .unwrap();
        let b = georef
            .lonlat_to_projected(crate::georef::LonLat::new(-73.97551, 40.75163))
            .unwrap();
        let sa = georef.projected_to_scene(a.0, a.1, 0.0);
        let sb = georef.projected_to_scene(b.0, b.1, 0.0);
        let direct = (b.0 - a.0).hypot(b.1 - a.1);
        let m = crate::measure::Measurement {
            kind: crate::measure::Kind::Distance,
            points: vec![[sa[0], -sa[2], 0.0], [sb[0], -sb[2], 0.0]],
        };
        assert!((m.total().horizontal - direct).abs() < 0.01);
    }
}
