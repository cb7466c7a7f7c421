//! A layer of your own on top of citytwin, as a hackathon team would write it.
//!
//! The app is Bevy's `DefaultPlugins`, bevy_egui, citytwin's [`CityTwinPlugins`] and one
//! system of ours: once the city is loaded, it puts a beacon at each named view and registers
//! them as the "Landmarks" layer, which then appears in the side panel's layer list with an
//! on/off switch.
//!
//! Run it with `cargo run --example custom_layer` (add `WGPU_FORCE_FALLBACK_ADAPTER=1` on a
//! machine without a GPU).

use bevy::prelude::*;
use citytwin::app::{CityTwinPlugins, Settings};
use citytwin::config::Config;
use citytwin::scene::CityState;
use citytwin::scene::{LayerMember, Layers};
use std::sync::Arc;

fn main() {
    App::new()
        .add_plugins(DefaultPlugins)
        .add_plugins(bevy_egui::EguiPlugin::default())
        .insert_resource(Settings(Arc::new(Config::default())))
        .add_plugins(CityTwinPlugins)
        .add_systems(Update, add_landmarks)
        .run();
}

/// Reads the loaded city (ECS state) and adds one beacon per named view, once.
fn add_landmarks(
    mut commands: Commands,
    city: Res<CityState>,
    mut layers: ResMut<Layers>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut done: Local<bool>,
) {
    let Some(model) = city.model.as_ref().filter(|_| !*done) else {
        return;
    };
    *done = true;
    layers.register("landmarks", "Landmarks").count = Some(model.view_points.len());
    let beacon = meshes.add(Cylinder::new(6.0, 300.0));
    let red = materials.add(StandardMaterial {
        base_color: Color::srgb(0.9, 0.1, 0.1),
        emissive: LinearRgba::rgb(2.0, 0.2, 0.2),
        ..default()
    });
    let root = commands
        .spawn((
            LayerMember::of("landmarks"),
            Transform::default(),
            Visibility::default(),
        ))
        .id();
    // Scene coordinates: x = east, y = up, z = −north (metres from the scene origin).
    for [east, north] in model.view_points.values() {
        commands.spawn((
            Mesh3d(beacon.clone()),
            MeshMaterial3d(red.clone()),
            Transform::from_xyz(*east as f32, 150.0, -*north as f32),
            ChildOf(root),
        ));
    }
}
