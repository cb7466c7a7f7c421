//! Comparing a scenario with the baseline ([`Compare`]): which render layers the main camera
//! shows, and the second camera ([`CompareCamera`]) for the scenario side.
//!
//! - Toggle: one camera, showing the baseline's or the scenario's layers.
//! - Swipe: the main camera draws the baseline over the whole view; the second, with the same
//!   eye and a sub-view of the same projection ([`SubCameraView`]), draws the scenario right
//!   of the divider, so the two halves line up to the pixel. One extra pass, over part of the
//!   view.
//! - Side by side: the main camera in the left half, the second in the right, both from the
//!   same eye (locked together).
//!
//! The sun casts the shadows of the side shown; in swipe and side by side, of both sides'
//! buildings (one light serves both cameras).

use crate::scene::scenarios::{BASELINE_ONLY, SCENARIO_ONLY};
use crate::scene::{Compare, CompareCamera, MainCamera, Scenarios};
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{RenderTarget, SubCameraView, Viewport};
use bevy::pbr::DistanceFog;
use bevy::prelude::*;
use bevy::render::view::Msaa;

fn baseline_side() -> RenderLayers {
    RenderLayers::from_layers(&[0, BASELINE_ONLY])
}

fn scenario_side() -> RenderLayers {
    RenderLayers::from_layers(&[0, SCENARIO_ONLY])
}

type MainParts = (
    &'static Camera,
    &'static Transform,
    &'static Projection,
    &'static Msaa,
    Option<&'static RenderTarget>,
    Option<&'static DistanceFog>,
    Option<&'static RenderLayers>,
);

/// Keeps the cameras' layers, viewports and the second camera in step with [`Scenarios`].
#[allow(clippy::type_complexity, reason = "a Bevy system")]
pub(super) fn compare_cameras(
    mut commands: Commands,
    scenarios: Res<Scenarios>,
    main: Single<(Entity, MainParts), (With<MainCamera>, Without<CompareCamera>)>,
    mut second: Query<
        (Entity, &mut Camera, &mut Transform, &mut Projection),
        (With<CompareCamera>, Without<MainCamera>),
    >,
    mut lights: Query<(Entity, Option<&RenderLayers>), With<DirectionalLight>>,
) {
    let (main_entity, (camera, transform, projection, msaa, target, fog, layers)) = *main;
    let split = scenarios.active.is_some() && scenarios.compare != Compare::Toggle;
    let main_layers = if scenarios.active.is_some()
        && scenarios.compare == Compare::Toggle
        && scenarios.showing_scenario
    {
        scenario_side()
    } else {
        baseline_side()
    };
    if layers != Some(&main_layers) {
        commands.entity(main_entity).insert(main_layers.clone());
    }
    let light_layers = if split {
        RenderLayers::from_layers(&[0, BASELINE_ONLY, SCENARIO_ONLY])
    } else {
        main_layers
    };
    for (e, l) in &mut lights {
        if l != Some(&light_layers) {
            commands.entity(e).insert(light_layers.clone());
        }
    }
    // The views' places in the camera's image.
    let size = camera
        .physical_target_size()
        .unwrap_or(UVec2::new(1280, 800));
    let (main_viewport, second_viewport, sub_view) = match scenarios.compare {
        Compare::SideBySide if split => {
            let half = (size.x / 2).max(1);
            (
                Some(Viewport {
                    physical_position: UVec2::ZERO,
                    physical_size: UVec2::new(half, size.y),
                    ..default()
                }),
                Viewport {
                    physical_position: UVec2::new(half, 0),
                    physical_size: UVec2::new(size.x.saturating_sub(half).max(1), size.y),
                    ..default()
                },
                None,
            )
        }
        _ => {
            let at = ((scenarios.divider.clamp(0.0, 1.0) * size.x as f32).round() as u32)
                .min(size.x.saturating_sub(1));
            let right = UVec2::new(size.x - at, size.y);
            (
                None,
                Viewport {
                    physical_position: UVec2::new(at, 0),
                    physical_size: right,
                    ..default()
                },
                Some(SubCameraView {
                    full_size: size,
                    offset: Vec2::new(at as f32, 0.0),
                    size: right,
                }),
            )
        }
    };
    if !same_viewport(camera.viewport.as_ref(), main_viewport.as_ref()) {
        commands.queue(move |world: &mut World| {
            if let Some(mut c) = world.get_mut::<Camera>(main_entity) {
                c.viewport = main_viewport;
            }
        });
    }
    if !split {
        for (e, ..) in &second {
            commands.entity(e).despawn();
        }
        return;
    }
    match second.single_mut() {
        Ok((_, mut c, mut t, mut p)) => {
            if !same_viewport(c.viewport.as_ref(), Some(&second_viewport)) {
                c.viewport = Some(second_viewport);
            }
            if c.sub_camera_view != sub_view {
                c.sub_camera_view = sub_view;
            }
            if *t != *transform {
                *t = *transform;
            }
            if !same_projection(&p, projection) {
                *p = projection.clone();
            }
        }
        Err(_) => {
            let mut e = commands.spawn((
                CompareCamera,
                Camera3d::default(),
                Camera {
                    // After the main camera, before the UI camera that shows their picture.
                    order: camera.order + 1,
                    viewport: Some(second_viewport),
                    sub_camera_view: sub_view,
                    ..default()
                },
                *msaa,
                projection.clone(),
                *transform,
                scenario_side(),
                Name::new("Scenario camera"),
            ));
            if let Some(target) = target {
                e.insert(target.clone());
            }
            if let Some(fog) = fog {
                e.insert(fog.clone());
            }
        }
    }
}

fn same_viewport(a: Option<&Viewport>, b: Option<&Viewport>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.physical_position == b.physical_position && a.physical_size == b.physical_size
        }
        _ => false,
    }
}

fn same_projection(a: &Projection, b: &Projection) -> bool {
    match (a, b) {
        (Projection::Perspective(a), Projection::Perspective(b)) => {
            a.fov == b.fov && a.near == b.near && a.far == b.far
        }
        _ => false,
    }
}

/// The second camera draws into the main camera's image: when that is replaced (the view is
/// resized or its render scale changes), so is the second camera's target.
pub(super) fn follow_target(
    main: Query<&RenderTarget, (With<MainCamera>, Changed<RenderTarget>)>,
    mut second: Query<&mut RenderTarget, (With<CompareCamera>, Without<MainCamera>)>,
) {
    let Ok(target) = main.single() else { return };
    for mut t in &mut second {
        *t = target.clone();
    }
}
