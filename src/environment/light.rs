//! Daylight from the scene's sun: the directional light's direction, colour and strength,
//! the ambient light, the sky's tint and the haze follow the sun's elevation — white and
//! strong by day, low and warm at dawn and dusk, none after sunset, and a cool, dim
//! moonlight at night so the city still reads.
//!
//! The moonlight is a look, not the moon: it comes from opposite the sun, 35° up.

use super::{Sky, Sun, sun_direction};
use crate::scene::{MainCamera, SceneSun, Settings, color};
use bevy::prelude::*;

/// The light of the scene for a sun elevation (degrees, apparent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Daylight {
    /// Direction towards the light (the sun or the moon), scene axes.
    pub direction: Vec3,
    /// The directional light's strength as a share of `sun.illuminance`.
    pub strength: f32,
    /// Its colour (linear).
    pub color: LinearRgba,
    /// Ambient brightness (Bevy's units).
    pub ambient: f32,
    /// Ambient colour.
    pub ambient_color: LinearRgba,
    /// Multiplies the sky's and the haze's colours.
    pub sky_tint: LinearRgba,
}

fn smoothstep(a: f32, b: f32, x: f32) -> f32 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn mix(a: LinearRgba, b: LinearRgba, t: f32) -> LinearRgba {
    LinearRgba::rgb(
        a.red + (b.red - a.red) * t,
        a.green + (b.green - a.green) * t,
        a.blue + (b.blue - a.blue) * t,
    )
}

/// The light for a sun at `azimuth_deg` (grid) and `elevation_deg`.
///
/// ```
/// use citytwin::environment::light::daylight;
/// let noon = daylight(180.0, 45.0);
/// let dusk = daylight(270.0, 2.0);
/// let night = daylight(0.0, -30.0);
/// assert!(noon.strength > 0.99 && dusk.strength < 0.5 && night.strength < 0.1);
/// assert!(dusk.color.blue < dusk.color.red * 0.7, "warm at dusk");
/// assert!(night.direction.y > 0.5, "the moonlight comes from above");
/// assert!(night.ambient < noon.ambient);
/// ```
pub fn daylight(azimuth_deg: f32, elevation_deg: f32) -> Daylight {
    let e = elevation_deg;
    let white = LinearRgba::rgb(1.0, 0.94, 0.84);
    let warm = LinearRgba::rgb(1.0, 0.55, 0.25);
    let moon_color = LinearRgba::rgb(0.55, 0.66, 1.0);
    // Night: from civil twilight's end (−6°) to −12° the moonlight comes up.
    let night = 1.0 - smoothstep(-12.0, -4.0, e);
    let (direction, strength, light) = if e > -2.0 {
        (
            sun_direction(azimuth_deg, e.max(0.5)),
            smoothstep(-0.5, 12.0, e),
            mix(warm, white, smoothstep(0.0, 25.0, e)),
        )
    } else {
        (
            sun_direction(azimuth_deg + 180.0, 35.0),
            0.07 * night,
            moon_color,
        )
    };
    let day = smoothstep(-10.0, 6.0, e);
    // A glow at the horizon around sunrise and sunset.
    let glow = 1.0 - smoothstep(0.0, 8.0, (e - 1.0).abs());
    let sky_day = mix(LinearRgba::rgb(0.05, 0.07, 0.16), LinearRgba::WHITE, day);
    let sky_tint = mix(sky_day, LinearRgba::rgb(1.0, 0.62, 0.42), glow * 0.85);
    Daylight {
        direction,
        strength,
        color: light,
        ambient: 140.0 + (900.0 - 140.0) * day,
        ambient_color: mix(
            LinearRgba::rgb(0.45, 0.55, 0.9),
            LinearRgba::rgb(0.8, 0.87, 1.0),
            day,
        ),
        sky_tint,
    }
}

/// Sets the light, the sky and the haze from the scene's sun when it moves.
pub(super) fn follow_sun(
    scene_sun: Res<SceneSun>,
    settings: Res<Settings>,
    mut sun: Single<(&mut DirectionalLight, &mut Transform), With<Sun>>,
    sky: Query<&MeshMaterial3d<StandardMaterial>, With<Sky>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut ambient: ResMut<GlobalAmbientLight>,
    mut clear: ResMut<ClearColor>,
    mut fog: Query<&mut DistanceFog, With<MainCamera>>,
    mut fogged: Local<usize>,
) {
    let fog_count = fog.iter().count();
    if !scene_sun.is_changed() && *fogged == fog_count {
        return;
    }
    *fogged = fog_count;
    let Some(p) = scene_sun.position.filter(|_| scene_sun.follows_clock) else {
        return;
    };
    let azimuth = (p.azimuth_deg + scene_sun.grid_north_deg) as f32;
    let d = daylight(azimuth, p.elevation_deg as f32);
    let (light, transform) = &mut *sun;
    light.illuminance = settings.sun.illuminance as f32 * d.strength;
    light.color = d.color.into();
    **transform = Transform::from_translation(d.direction * 1000.0).looking_at(Vec3::ZERO, Vec3::Y);
    ambient.brightness = d.ambient;
    ambient.color = d.ambient_color.into();
    let tint = |c: Color| {
        let c = c.to_linear();
        Color::from(LinearRgba::rgb(
            c.red * d.sky_tint.red,
            c.green * d.sky_tint.green,
            c.blue * d.sky_tint.blue,
        ))
    };
    let horizon = tint(color(&settings.scene.sky_horizon_color));
    clear.0 = horizon;
    for mut f in &mut fog {
        f.color = horizon;
    }
    for m in &sky {
        if let Some(mut material) = materials.get_mut(&m.0) {
            material.base_color = d.sky_tint.into();
        }
    }
}
