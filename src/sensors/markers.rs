//! Sensor markers: one entity per sensor at its place, in its layer's shape and its value's
//! colour, kept about `sensors.marker_size_px` tall on screen and grey when stale.

use super::{SensorAssets, stale_ms};
use crate::city::sensor::{Place, Sensor, SensorLayer};
use crate::config::MarkerShape;
use crate::scene::{MainCamera, SensorLayers, SensorMarker, Settings, ViewArea};
use bevy::light::NotShadowCaster;
use bevy::prelude::*;
use std::time::{Duration, Instant};

/// One piece of a line marker (a lane segment), sized with the markers.
#[derive(Component, Debug, Clone, Copy)]
pub(super) struct LineSegment {
    length: f32,
}

pub(super) fn material_for(
    assets: &mut SensorAssets,
    materials: &mut Assets<StandardMaterial>,
    c: [f32; 3],
) -> Handle<StandardMaterial> {
    let key = c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8);
    assets
        .materials
        .entry(key)
        .or_insert_with(|| {
            let color = Color::srgb_u8(key[0], key[1], key[2]);
            materials.add(StandardMaterial {
                base_color: color,
                // Lit for shape, but bright enough that the colour matches the legend.
                emissive: color.to_linear() * 0.55,
                perceptual_roughness: 0.6,
                ..default()
            })
        })
        .clone()
}

/// Where a marker of `shape` hangs at `scale` metres: above its place (raised by `lift`, the
/// terrain under it), lifted so that it stands clear of the street.
fn marker_transform(sensor: &Sensor, shape: MarkerShape, scale: f32, lift: f32) -> Transform {
    let a = sensor.place.anchor();
    let ground = Vec3::new(a[0] as f32, a[1] as f32 + lift, a[2] as f32);
    match shape {
        MarkerShape::Column => Transform::from_translation(ground + Vec3::Y * scale * 0.75)
            .with_scale(Vec3::new(scale, scale * 1.5, scale)),
        MarkerShape::Cone => Transform::from_translation(ground + Vec3::Y * scale * 1.0)
            .with_rotation(Quat::from_rotation_x(std::f32::consts::PI))
            .with_scale(Vec3::splat(scale)),
        MarkerShape::Line => Transform::from_translation(ground + Vec3::Y * scale * 0.5)
            .with_scale(Vec3::new(scale, scale, scale)),
        _ => Transform::from_translation(ground + Vec3::Y * scale * 0.9)
            .with_scale(Vec3::splat(scale)),
    }
}

#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn spawn_marker(
    commands: &mut Commands,
    assets: &mut SensorAssets,
    materials: &mut Assets<StandardMaterial>,
    layers: &[SensorLayer],
    sensor: Sensor,
    now_ms: i64,
    stale_ms: i64,
) -> Entity {
    let layer = &layers[sensor.layer];
    let color = sensor.color_at(now_ms, stale_ms);
    let material = material_for(assets, materials, color);
    let root = assets.roots[sensor.layer];
    let shape = layer.marker;
    let mut entity = commands.spawn((
        marker_transform(&sensor, shape, 4.0, 0.0),
        Visibility::default(),
        ChildOf(root),
    ));
    if let (MarkerShape::Line, Place::Line(points)) = (shape, &sensor.place) {
        // Segments are children placed in scene coordinates relative to the anchor.
        let a = sensor.place.anchor();
        let anchor = Vec3::new(a[0] as f32, a[1] as f32, a[2] as f32);
        entity.insert(Transform::from_translation(anchor));
        for w in points.windows(2) {
            let p = Vec3::new(w[0][0] as f32, w[0][1] as f32, w[0][2] as f32) - anchor;
            let q = Vec3::new(w[1][0] as f32, w[1][1] as f32, w[1][2] as f32) - anchor;
            let length = p.distance(q);
            if length < 0.01 {
                continue;
            }
            let dir = (q - p) / length;
            entity.with_child((
                LineSegment { length },
                NotShadowCaster,
                Mesh3d(assets.segment.clone()),
                MeshMaterial3d(material.clone()),
                Transform::from_translation((p + q) / 2.0 + Vec3::Y * 1.0)
                    .with_rotation(Quat::from_rotation_arc(Vec3::Z, dir))
                    .with_scale(Vec3::new(4.0, 1.0, length)),
            ));
        }
    } else {
        // Markers are signs over the street, not things in the sun: they cast no shadow (and
        // are not drawn again for each of the sun's shadow cascades).
        entity.insert((
            Mesh3d(assets.meshes[&shape].clone()),
            MeshMaterial3d(material),
            NotShadowCaster,
        ));
    }
    entity.insert((
        Name::new(sensor.id.clone()),
        SensorMarker {
            sensor,
            drawn_color: color,
            updated: Instant::now(),
            shown: None,
        },
    ));
    entity.id()
}

/// What sizing and colouring a marker touches.
type MarkerParts = (
    &'static mut SensorMarker,
    &'static mut Transform,
    Option<&'static mut MeshMaterial3d<StandardMaterial>>,
    Option<&'static Children>,
);

/// Keeps markers about `marker_size_px` tall on screen and their colours current (a reading
/// turns grey when it gets older than `stale_after_min`).
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn size_and_colour_markers(
    settings: Res<Settings>,
    sensor_layers: Res<SensorLayers>,
    camera: Query<(&GlobalTransform, &Projection), With<MainCamera>>,
    area: Res<ViewArea>,
    mut assets: ResMut<SensorAssets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut markers: Query<MarkerParts>,
    mut segments: Query<
        (
            &LineSegment,
            &mut Transform,
            &mut MeshMaterial3d<StandardMaterial>,
        ),
        Without<SensorMarker>,
    >,
    mut last_colour_check: Local<Option<Instant>>,
    terrain: Option<Res<crate::scene::TerrainState>>,
) {
    let Ok((cam, projection)) = camera.single() else {
        return;
    };
    let per_metre = area.metres_per_pixel_at_one_metre(projection);
    let px = settings.sensors.marker_size_px as f32;
    let cam_pos = cam.translation();
    let check_colours = last_colour_check.is_none_or(|t| t.elapsed() > Duration::from_secs(1));
    if check_colours {
        *last_colour_check = Some(Instant::now());
    }
    let now = crate::timestamp::now_millis();
    let stale = stale_ms(&settings);
    for (mut marker, mut transform, material, children) in &mut markers {
        let a = marker.sensor.place.anchor();
        let mut ground = Vec3::new(a[0] as f32, a[1] as f32, a[2] as f32);
        // On a terrain a marker stands on the ground under it.
        let lift = terrain
            .as_ref()
            .map_or(0.0, |t| t.height_at(ground.x, ground.z));
        ground.y += lift;
        let scale = (ground.distance(cam_pos) * per_metre * px).clamp(1.0, 400.0);
        let shape = sensor_layers.0[marker.sensor.layer].marker;
        let colour = if check_colours || marker.drawn_color[0] < 0.0 {
            let c = marker.color(now, stale);
            (c != marker.drawn_color).then_some(c)
        } else {
            None
        };
        if let Some(c) = colour {
            marker.drawn_color = c;
        }
        let handle = colour.map(|c| material_for(&mut assets, &mut materials, c));
        match (shape, children, &marker.sensor.place) {
            (MarkerShape::Line, Some(children), Place::Line(_)) => {
                if transform.translation != ground {
                    transform.translation = ground;
                }
                for child in children {
                    if let Ok((segment, mut t, mut m)) = segments.get_mut(*child) {
                        let width = (scale * 0.8).max(3.0);
                        let wanted = Vec3::new(width, (width * 0.3).max(0.5), segment.length);
                        if t.scale != wanted {
                            t.scale = wanted;
                        }
                        if let Some(h) = &handle {
                            m.0 = h.clone();
                        }
                    }
                }
            }
            _ => {
                let wanted = marker_transform(&marker.sensor, shape, scale, lift);
                if transform.translation.distance_squared(wanted.translation) > 1e-4
                    || transform.scale != wanted.scale
                {
                    *transform = wanted;
                }
                if let (Some(mut m), Some(h)) = (material, handle) {
                    m.0 = h;
                }
            }
        }
    }
}
