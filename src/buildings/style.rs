//! Thematic styles in the scene: when a city is in, the attributes worth colouring by are
//! found off the main thread ([`crate::city::style::choices`]); [`SetBuildingStyle`] re-meshes
//! the tiles with the theme's colours off the main thread and swaps the meshes in, so the
//! camera keeps moving meanwhile. `None` returns to the neutral style.

use super::scenario::ScenarioTile;
use super::{BuildingTile, FarTile, NearMesh, TileMeshes, palette};
use crate::city::CityModel;
use crate::city::style::{Choice, Theme};
use crate::city::tiles::{FarSpec, mesh_tile};
use crate::geometry::extrude::Palette;
use crate::scene::{BuildingStyle, CityState, SceneSet, SetBuildingStyle, Settings, Workers};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, Sender};
use std::collections::HashMap;
use std::sync::Arc;

enum Done {
    Choices(Arc<CityModel>, Vec<Choice>),
    Meshes(Arc<CityModel>, Option<Theme>, Vec<TileMeshes>),
}

#[derive(Resource)]
struct StyleWork {
    tx: Sender<Done>,
    rx: Receiver<Done>,
    city: Option<Arc<CityModel>>,
    /// The load the city belongs to; buildings coming by viewport keep the theme.
    load: Option<u64>,
    /// The theme to draw again once the new buildings are analysed.
    reapply: Option<String>,
}

impl Default for StyleWork {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        Self {
            tx,
            rx,
            city: None,
            load: None,
            reapply: None,
        }
    }
}

/// Registers the style systems (added by the buildings plugin).
pub(super) fn build(app: &mut App) {
    app.init_resource::<StyleWork>().add_systems(
        Update,
        (analyse_city, restyle, receive)
            .chain()
            .after(super::bring_near_meshes)
            .in_set(SceneSet::Load),
    );
}

/// sRGB to the linear colours vertex colours use.
fn linear(c: [f32; 3]) -> [f32; 4] {
    let l = Color::srgb(c[0], c[1], c[2]).to_linear();
    [l.red, l.green, l.blue, 1.0]
}

/// A building's palette in a theme: the roof in the theme's colour, walls a little darker so
/// that the massing stays readable.
pub fn themed_palette(c: [f32; 3]) -> Palette {
    Palette {
        roof: linear(c),
        wall: linear(c.map(|x| x * 0.8)),
    }
}

fn analyse_city(
    state: Res<CityState>,
    mut work: ResMut<StyleWork>,
    mut style: ResMut<BuildingStyle>,
    mut workers: ResMut<Workers>,
) {
    let Some(model) = state.model.as_ref() else {
        return;
    };
    if !state.is_ready() || work.city.as_ref().is_some_and(|c| Arc::ptr_eq(c, model)) {
        return;
    }
    work.city = Some(model.clone());
    if work.load == Some(state.load_id) {
        // Buildings loaded by viewport: the same choices until the new set is analysed,
        // then the same theme over it.
        work.reapply = style.theme.as_ref().map(|t| t.attribute.clone());
    } else {
        work.reapply = None;
        *style = BuildingStyle::default();
    }
    work.load = Some(state.load_id);
    let (model, tx) = (model.clone(), work.tx.clone());
    workers.run("style-analysis", move || {
        let choices = crate::city::style::choices(&model.buildings);
        let _ = tx.send(Done::Choices(model, choices));
    });
}

fn restyle(
    mut messages: MessageReader<SetBuildingStyle>,
    state: Res<CityState>,
    settings: Res<Settings>,
    work: Res<StyleWork>,
    mut style: ResMut<BuildingStyle>,
    tiles: Query<&BuildingTile, Without<ScenarioTile>>,
    mut workers: ResMut<Workers>,
) {
    let Some(SetBuildingStyle(wanted)) = messages.read().last().cloned() else {
        return;
    };
    let (Some(model), true) = (state.model.clone(), state.is_ready()) else {
        return;
    };
    let choice = wanted.and_then(|w| style.choices.iter().find(|c| c.attribute == w).cloned());
    if choice.as_ref().map(|c| &c.attribute) == style.theme.as_ref().map(|t| &t.attribute) {
        return;
    }
    style.busy = true;
    let neutral = palette(&settings);
    let simple_beyond = settings.buildings.simple_beyond;
    // The tiles as they are in the scene (cells, centres, members), meshed again.
    type Layout = ((i32, i32), [f64; 2], Vec<usize>, Vec<FarSpec>);
    let layout: Vec<Layout> = tiles
        .iter()
        .map(|t| {
            (
                t.cell,
                t.center,
                t.buildings.clone(),
                t.far_specs(simple_beyond),
            )
        })
        .collect();
    let tx = work.tx.clone();
    workers.run("restyle", move || {
        let theme = choice.map(|c| Theme::of(&c, &model.buildings));
        let palettes: Option<Vec<Palette>> = theme.as_ref().map(|t| {
            model
                .buildings
                .iter()
                .map(|b| themed_palette(t.color(b)))
                .collect()
        });
        let palette_of = |i: usize| palettes.as_ref().map_or(neutral, |p| p[i]);
        let meshes = layout
            .into_iter()
            .map(|(cell, center, members, far)| {
                TileMeshes::of(mesh_tile(
                    &model.buildings,
                    cell,
                    center,
                    members,
                    &far,
                    &palette_of,
                ))
            })
            .collect();
        let _ = tx.send(Done::Meshes(model, theme, meshes));
    });
}

/// A tile's full mesh: on the GPU, or waiting until the camera comes near.
type TileMeshesNow = (
    Entity,
    &'static BuildingTile,
    Option<&'static mut Mesh3d>,
    Option<&'static mut NearMesh>,
);

#[allow(clippy::type_complexity, reason = "a Bevy system")]
fn receive(
    mut work: ResMut<StyleWork>,
    settings: Res<Settings>,
    mut set: MessageWriter<SetBuildingStyle>,
    mut style: ResMut<BuildingStyle>,
    mut tiles: Query<TileMeshesNow, (Without<FarTile>, Without<ScenarioTile>)>,
    mut commands: Commands,
    mut far_tiles: Query<(&FarTile, &mut Mesh3d), (Without<BuildingTile>, Without<ScenarioTile>)>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let done: Vec<Done> = work.rx.try_iter().collect();
    for done in done {
        let current = |m: &Arc<CityModel>| work.city.as_ref().is_some_and(|c| Arc::ptr_eq(c, m));
        match done {
            Done::Choices(model, choices) if current(&model) => {
                // The theme drawn before new buildings came, else `buildings.color_by`, once
                // the attribute is known to be there.
                let wanted = match work.reapply.take() {
                    Some(again) => {
                        // Re-mesh even though the theme is the one drawn (new tiles came).
                        style.theme = None;
                        again
                    }
                    None => settings.buildings.color_by.clone(),
                };
                let wanted = &wanted;
                if !wanted.is_empty() {
                    if choices.iter().any(|c| &c.attribute == wanted) {
                        set.write(SetBuildingStyle(Some(wanted.clone())));
                    } else {
                        warn!("buildings.color_by: no attribute {wanted:?} in these buildings");
                    }
                }
                style.choices = choices;
            }
            Done::Meshes(model, theme, new) if current(&model) => {
                let mut near = HashMap::new();
                let mut far = HashMap::new();
                for t in new {
                    if let Some(m) = t.near {
                        near.insert(t.tile.cell, m);
                    }
                    for (level, (m, _)) in t.far.into_iter().enumerate() {
                        if let Some(m) = m {
                            far.insert((t.tile.cell, level), m);
                        }
                    }
                }
                for (e, tile, mesh, pending) in &mut tiles {
                    let Some(m) = near.remove(&tile.cell) else {
                        continue;
                    };
                    match (mesh, pending) {
                        // A full mesh not on the GPU yet is replaced where it waits.
                        (_, Some(mut pending)) if pending.0.is_some() => pending.0 = Some(m),
                        (Some(mut mesh), _) => mesh.0 = meshes.add(m),
                        // Handed to the GPU this very frame: replace it after.
                        _ => {
                            commands.entity(e).insert(Mesh3d(meshes.add(m)));
                        }
                    }
                }
                for (tile, mut mesh) in &mut far_tiles {
                    if let Some(m) = far.remove(&(tile.cell, tile.level)) {
                        mesh.0 = meshes.add(m);
                    }
                }
                style.theme = theme;
                style.busy = false;
                redraw.write(RequestRedraw);
            }
            // For a city since replaced.
            _ => {}
        }
    }
}
