//! The surroundings: sky and sun (the ground is [`crate::ground`]'s).
//!
//! The sky is a dome with a vertical
//! gradient from the horizon colour to the zenith colour that travels with the camera. The sun
//! is a directional light with cascaded shadow maps sized for a city seen from street level to
//! a few kilometres up; it follows the scene's sun ([`light`]).

pub mod light;

use crate::scene::{self, MainCamera, SceneSet, SetShadows, Settings, color};
use bevy::asset::RenderAssetUsages;
use bevy::light::{
    CascadeShadowConfigBuilder, DirectionalLightShadowMap, NotShadowCaster, NotShadowReceiver,
};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

/// Radius of the sky dome (m); inside the camera's far plane.
const SKY_RADIUS: f32 = 150_000.0;
/// Distance (m) at which the haze hides everything but the brightest objects.
const HAZE_VISIBILITY: f32 = 40_000.0;

/// Marks the sun.
#[derive(Component, Debug)]
pub struct Sun;

/// Marks the sky dome.
#[derive(Component, Debug)]
pub struct Sky;

/// Sky and sun.
pub struct EnvironmentPlugin;

impl Plugin for EnvironmentPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(Startup, setup).add_systems(
            Update,
            (
                follow_camera,
                add_haze,
                apply_shadow_setting,
                light::follow_sun.after(add_haze),
            )
                .in_set(SceneSet::Show),
        );
    }
}

/// The unit vector pointing from the ground toward the sun, for a compass azimuth (degrees,
/// 0 = north, 90 = east) and an elevation above the horizon (degrees). Scene axes: east = +x,
/// up = +y, north = −z.
pub fn sun_direction(azimuth_deg: f32, elevation_deg: f32) -> Vec3 {
    let (a, e) = (azimuth_deg.to_radians(), elevation_deg.to_radians());
    Vec3::new(a.sin() * e.cos(), e.sin(), -a.cos() * e.cos())
}

fn setup(
    mut commands: Commands,
    settings: Res<Settings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let scene = &settings.scene;
    let sun = &settings.sun;
    let horizon = color(&scene.sky_horizon_color);
    commands.insert_resource(ClearColor(horizon));
    commands.insert_resource(GlobalAmbientLight {
        color: Color::srgb(0.80, 0.87, 1.0),
        brightness: 900.0,
        ..default()
    });
    commands.insert_resource(DirectionalLightShadowMap {
        size: sun.shadow_map_size as usize,
    });
    let direction = sun_direction(sun.azimuth_deg as f32, sun.elevation_deg as f32);
    commands.spawn((
        Sun,
        DirectionalLight {
            illuminance: sun.illuminance as f32,
            shadow_maps_enabled: sun.shadows,
            color: Color::srgb(1.0, 0.97, 0.92),
            ..default()
        },
        Transform::from_translation(direction * 1000.0).looking_at(Vec3::ZERO, Vec3::Y),
        CascadeShadowConfigBuilder {
            num_cascades: 4,
            minimum_distance: 1.0,
            first_cascade_far_bound: 350.0,
            maximum_distance: 9_000.0,
            overlap_proportion: 0.25,
        }
        .build(),
    ));

    commands.spawn((
        Sky,
        Mesh3d(meshes.add(sky_dome(horizon, color(&scene.sky_zenith_color)))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::WHITE,
            unlit: true,
            fog_enabled: false,
            cull_mode: None,
            ..default()
        })),
        Transform::from_scale(Vec3::splat(SKY_RADIUS)),
        NotShadowCaster,
        NotShadowReceiver,
    ));
}

/// A unit hemisphere (plus a skirt below the horizon) with vertex colours from `horizon` at
/// the bottom to `zenith` at the top.
fn sky_dome(horizon: Color, zenith: Color) -> Mesh {
    let (rings, sectors) = (24u32, 48u32);
    let (h, z) = (horizon.to_linear(), zenith.to_linear());
    let mut positions = Vec::new();
    let mut colors = Vec::new();
    for ring in 0..=rings {
        // From 10° below the horizon up to the zenith.
        let elevation = -10f32.to_radians() + (ring as f32 / rings as f32) * 100f32.to_radians();
        let elevation = elevation.min(std::f32::consts::FRAC_PI_2);
        // A gentle curve: most of the change happens well above the horizon.
        let t = (elevation.max(0.0).sin()).powf(0.6);
        let c = h.mix(&z, t);
        for sector in 0..=sectors {
            let a = sector as f32 / sectors as f32 * std::f32::consts::TAU;
            positions.push([
                elevation.cos() * a.cos(),
                elevation.sin(),
                elevation.cos() * a.sin(),
            ]);
            colors.push([c.red, c.green, c.blue, 1.0]);
        }
    }
    let mut indices = Vec::new();
    let row = sectors + 1;
    for ring in 0..rings {
        for sector in 0..sectors {
            let a = ring * row + sector;
            let b = a + row;
            indices.extend([a, b, a + 1, a + 1, b, b + 1]);
        }
    }
    let normals = vec![[0.0, -1.0, 0.0]; positions.len()];
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
    .with_inserted_indices(Indices::U32(indices))
}

/// The sky dome stays centred on the camera.
fn follow_camera(
    camera: Single<&Transform, (With<MainCamera>, Without<Sky>)>,
    mut surroundings: Query<&mut Transform, With<Sky>>,
) {
    let p = camera.translation;
    let wanted = Vec3::new(p.x, 0.0, p.z);
    for mut t in &mut surroundings {
        if t.translation != wanted {
            t.translation = wanted;
        }
    }
}

/// Aerial haze on the main camera, in the horizon colour, so distance reads and the ground
/// melts into the sky.
fn add_haze(
    mut commands: Commands,
    settings: Res<Settings>,
    cameras: Query<Entity, (With<MainCamera>, Without<DistanceFog>)>,
) {
    for camera in &cameras {
        commands.entity(camera).insert(DistanceFog {
            color: color(&settings.scene.sky_horizon_color),
            falloff: FogFalloff::from_visibility_squared(HAZE_VISIBILITY),
            ..default()
        });
    }
}

fn apply_shadow_setting(
    mut messages: MessageReader<SetShadows>,
    mut sun: Single<&mut DirectionalLight, With<Sun>>,
) {
    for SetShadows(on) in messages.read() {
        sun.shadow_maps_enabled = *on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sun_direction_follows_the_compass() {
        let south = sun_direction(180.0, 0.0);
        assert!(
            (south - Vec3::new(0.0, 0.0, 1.0)).length() < 1e-5,
            "south is +z"
        );
        let east = sun_direction(90.0, 0.0);
        assert!((east - Vec3::X).length() < 1e-5);
        let up = sun_direction(0.0, 90.0);
        assert!((up - Vec3::Y).length() < 1e-5);
    }
}
