//! Comment pins: a cone standing on its tip with a ball on top, in the category's colour,
//! kept about the same size on screen at any distance; a hidden comment (seen only by
//! moderators) grey; the picked one larger; the spot being written on white.

use crate::georef::{Georef, LonLat};
use crate::scene::{
    CityState, CommentPins, CommentsState, EditTool, MainCamera, SelectBuilding, SelectSensor,
    Settings, Tool, ViewArea, ViewClicked, ViewMapping,
};
use bevy::light::NotShadowCaster;
use bevy::prelude::*;
use std::collections::HashMap;

/// Pin height on screen (logical pixels).
const PIN_PX: f32 = 40.0;

/// The comments layer's root.
#[derive(Component)]
pub(super) struct PinRoot;

/// A comment's pin (or the draft's, with `id` empty).
#[derive(Component)]
pub(super) struct Pin {
    id: String,
    /// Where its tip stands (scene).
    at: Vec3,
    /// Drawn larger.
    picked: bool,
}

/// Meshes and materials shared by the pins.
#[derive(Resource)]
pub(super) struct PinAssets {
    cone: Handle<Mesh>,
    ball: Handle<Mesh>,
    by_colour: HashMap<String, Handle<StandardMaterial>>,
}

pub(super) fn setup(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>) {
    commands.insert_resource(PinAssets {
        cone: meshes.add(Cone::new(0.22, 0.9)),
        ball: meshes.add(Sphere::new(0.32).mesh().uv(16, 12)),
        by_colour: HashMap::new(),
    });
}

fn material(
    assets: &mut PinAssets,
    materials: &mut Assets<StandardMaterial>,
    hex: &str,
) -> Handle<StandardMaterial> {
    assets
        .by_colour
        .entry(hex.to_owned())
        .or_insert_with(|| {
            let c = crate::scene::color(hex);
            materials.add(StandardMaterial {
                base_color: c,
                emissive: c.to_linear() * 0.35,
                perceptual_roughness: 0.6,
                ..default()
            })
        })
        .clone()
}

/// Where each comment stands in the scene, worked out once per comment (and again when the
/// city or the comment's place changes), so that typing in the form does not set PROJ up again.
#[derive(Default)]
pub(super) struct Places {
    /// The city the places are in (its load).
    load: u64,
    /// Per comment: the place it was worked out for, and where that is in the scene.
    at: HashMap<String, (Place, Option<Vec3>)>,
}

/// A comment's place: longitude/latitude and height above the ground.
type Place = ([f64; 2], f64);

impl Places {
    fn update(&mut self, state: &CommentsState, city: &CityState) {
        if self.load != city.load_id {
            self.load = city.load_id;
            self.at.clear();
        }
        self.at.retain(|id, _| state.comments.contains_key(id));
        let stale: Vec<&crate::comment::Comment> = state
            .comments
            .values()
            .filter(|c| {
                self.at
                    .get(&c.id)
                    .is_none_or(|(place, _)| *place != (c.lonlat, c.height))
            })
            .collect();
        let Some(model) = city.model.as_ref().filter(|_| !stale.is_empty()) else {
            return;
        };
        let Ok(georef) = Georef::new(model.origin, Some(&model.crs)) else {
            return;
        };
        for c in stale {
            let p = georef
                .lonlat_to_scene(LonLat::new(c.lonlat[0], c.lonlat[1]), c.height)
                .ok()
                .map(as_vec3);
            self.at.insert(c.id.clone(), ((c.lonlat, c.height), p));
        }
    }
}

/// Spawns and removes pins when the comments, the filters or the spot change.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn sync(
    state: Res<CommentsState>,
    city: Res<CityState>,
    settings: Res<Settings>,
    root: Query<Entity, With<PinRoot>>,
    pins: Query<(Entity, &Pin)>,
    mut assets: ResMut<PinAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut places: Local<Places>,
    mut commands: Commands,
) {
    if !state.is_changed() && !city.is_changed() {
        return;
    }
    let (Some(_), Ok(root)) = (city.model.as_ref(), root.single()) else {
        return;
    };
    places.update(&state, &city);
    let mut wanted: Vec<(String, Vec3, String, bool)> = state
        .listed()
        .into_iter()
        .filter_map(|c| {
            let p = places.at.get(&c.id).and_then(|(_, p)| *p)?;
            let colour = if c.hidden {
                "#8a8a8a".to_owned()
            } else {
                settings
                    .comments
                    .category(&c.category)
                    .map_or("#b070e0", |k| k.color.as_str())
                    .to_owned()
            };
            let picked = state.selected.as_deref() == Some(c.id.as_str());
            Some((c.id.clone(), p, colour, picked))
        })
        .collect();
    if let Some(s) = state.spot.filter(|_| state.writing != Default::default()) {
        wanted.push((String::new(), as_vec3(s.scene), "#ffffff".to_owned(), true));
    }
    // Pins that are right stay; the rest are replaced.
    let mut keep = std::collections::HashSet::new();
    for (e, pin) in &pins {
        let same = wanted.iter().position(|(id, at, _, picked)| {
            *id == pin.id && *at == pin.at && *picked == pin.picked
        });
        match same {
            Some(i) if !keep.contains(&i) => {
                keep.insert(i);
            }
            _ => commands.entity(e).despawn(),
        }
    }
    for (i, (id, at, colour, picked)) in wanted.into_iter().enumerate() {
        if keep.contains(&i) {
            continue;
        }
        let m = material(&mut assets, &mut materials, &colour);
        let pin = commands
            .spawn((
                Transform::from_translation(at),
                Visibility::default(),
                Pin { id, at, picked },
            ))
            .with_children(|p| {
                // Pins are notes on the scene, not things in the sun: no shadows.
                p.spawn((
                    NotShadowCaster,
                    Mesh3d(assets.cone.clone()),
                    MeshMaterial3d(m.clone()),
                    // The cone's tip down, at the pin's foot.
                    Transform::from_translation(Vec3::Y * 0.45)
                        .with_rotation(Quat::from_rotation_x(std::f32::consts::PI)),
                ));
                p.spawn((
                    NotShadowCaster,
                    Mesh3d(assets.ball.clone()),
                    MeshMaterial3d(m),
                    Transform::from_translation(Vec3::Y * 1.05),
                ));
            })
            .id();
        commands.entity(root).add_child(pin);
    }
}

fn as_vec3(p: [f64; 3]) -> Vec3 {
    Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32)
}

/// A tap within a few pixels of a pin's head picks its comment (before the building behind
/// it); a tap elsewhere lets the picked comment go.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn pick(
    mut clicks: MessageReader<ViewClicked>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    pins: Query<(&Pin, &GlobalTransform, &InheritedVisibility)>,
    view: ViewMapping,
    tool: Res<EditTool>,
    mut state: ResMut<CommentsState>,
    mut buildings: MessageWriter<SelectBuilding>,
    mut sensors: MessageWriter<SelectSensor>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    let Ok((cam, eye)) = camera.single() else {
        return;
    };
    if tool.tool != Tool::Select {
        return;
    }
    let mut best: Option<(f32, &str)> = None;
    for (pin, t, visible) in &pins {
        if !visible.get() || pin.id.is_empty() {
            continue;
        }
        let head = t.translation() + Vec3::Y * t.scale().y * 1.05;
        let Some(p) = view.world_to_window(cam, eye, head) else {
            continue;
        };
        let d = p.distance(at);
        if d < 18.0 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, &pin.id));
        }
    }
    match best {
        Some((_, id)) => {
            state.selected = Some(id.to_owned());
            buildings.write(SelectBuilding(None));
            sensors.write(SelectSensor(None));
        }
        None if state.selected.is_some() => state.selected = None,
        None => {}
    }
}

/// Keeps pins about [`PIN_PX`] tall on screen, and where their heads are for the UI.
pub(super) fn size(
    camera: Query<(&GlobalTransform, &Projection), With<MainCamera>>,
    area: Res<ViewArea>,
    mut pins: Query<(&Pin, &mut Transform)>,
    mut heads: ResMut<CommentPins>,
) {
    let Ok((cam, projection)) = camera.single() else {
        return;
    };
    let per_metre = area.metres_per_pixel_at_one_metre(projection);
    let eye = cam.translation();
    let mut placed = std::collections::HashMap::new();
    for (pin, mut t) in &mut pins {
        let factor = if pin.picked { 1.5 } else { 1.0 };
        let scale = (pin.at.distance(eye) * per_metre * PIN_PX * factor / 1.4).clamp(0.5, 400.0);
        if (t.scale.x - scale).abs() > scale * 0.01 {
            t.scale = Vec3::splat(scale);
        }
        if !pin.id.is_empty() {
            placed.insert(pin.id.clone(), pin.at + Vec3::Y * scale * 1.4);
        }
    }
    if heads.0 != placed {
        heads.0 = placed;
    }
}
