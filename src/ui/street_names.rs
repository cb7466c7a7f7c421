//! Street names at street level: written along their streets on the ground, the nearest
//! first, never one over another (as the sensors' labels are placed), and only where the
//! street is longer on screen than its name.

use super::ViewCamera;
use crate::basemap::mesh::StreetName;
use crate::city::CityModel;
use crate::geometry::pick::Ray;
use crate::scene::{GroundState, Layers, Settings};
use bevy::prelude::*;
use bevy_egui::egui;

/// The camera is at street level below this height (m).
const STREET_LEVEL_M: f32 = 150.0;
/// Streets farther than this (m) from the camera are not named.
const NAMED_WITHIN_M: f32 = 600.0;
/// Names shown at most per camera.
const MAX_NAMES: usize = 14;
/// Height (m) above the ground the names are drawn at, so that they sit on the road.
const ON_THE_ROAD_M: f32 = 0.5;

/// Draws the names of the nearest streets over the 3D view: each name once, where the
/// street shows (not behind a building of `model`), on the terrain where there is one.
pub(super) fn street_names(
    ctx: &egui::Context,
    (ground, terrain): (&GroundState, Option<&crate::terrain::HeightGrid>),
    layers: &Layers,
    settings: &Settings,
    cameras: &[ViewCamera],
    model: Option<&CityModel>,
) {
    let ground_at = |x: f64, z: f64| {
        terrain
            .and_then(|g| g.height_at(x, z))
            .filter(|h| h.is_finite())
            .unwrap_or(0.0)
    };
    if !settings.ground.street_names
        || ground.streets.is_empty()
        || !layers.is_visible("ground-streets")
    {
        return;
    }
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Middle,
        egui::Id::new("street-names"),
    ));
    let font = egui::FontId::proportional(13.0);
    for camera in cameras {
        let eye = camera.transform.translation();
        if eye.y - ground_at(f64::from(eye.x), f64::from(eye.z)) > STREET_LEVEL_M {
            continue;
        }
        // Nearest first.
        let mut near: Vec<(f32, &StreetName)> = ground
            .streets
            .iter()
            .map(|s| {
                let d = Vec2::new(s.at[0] as f32 - eye.x, -(s.at[1] as f32) - eye.z).length();
                (d, s)
            })
            .filter(|(d, _)| *d < NAMED_WITHIN_M)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut placed: Vec<egui::Rect> = Vec::new();
        let mut named: Vec<&str> = Vec::new();
        for (_, street) in near {
            if placed.len() >= MAX_NAMES {
                break;
            }
            if named.contains(&street.name.as_str()) {
                continue;
            }
            let h = ground_at(street.at[0], -street.at[1]);
            let Some(label) = place(camera, (street, h), &painter, &font) else {
                continue;
            };
            if placed.iter().any(|r| r.intersects(label.bounds))
                || model.is_some_and(|m| hidden(m, eye, (street, h)))
            {
                continue;
            }
            placed.push(label.bounds);
            named.push(&street.name);
            painter.add(egui::Shape::convex_polygon(
                label.plate,
                egui::Color32::from_rgba_unmultiplied(30, 34, 40, 190),
                egui::Stroke::NONE,
            ));
            painter.add(
                egui::epaint::TextShape::new(label.text_at, label.galley, egui::Color32::WHITE)
                    .with_angle(label.angle),
            );
        }
    }
}

/// Whether a building stands between the eye and the middle of the street (its ground at
/// `h` m).
fn hidden(model: &CityModel, eye: Vec3, (street, h): (&StreetName, f32)) -> bool {
    let target = [street.at[0], 2.0 + f64::from(h), -street.at[1]];
    let origin = [f64::from(eye.x), f64::from(eye.y), f64::from(eye.z)];
    let d = [0, 1, 2].map(|i| target[i] - origin[i]);
    let length = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    if length < 1.0 {
        return false;
    }
    let ray = Ray {
        origin,
        direction: d.map(|v| v / length),
    };
    // Only buildings whose outline reaches the segment's box (east, north).
    let (e0, e1) = (origin[0].min(target[0]), origin[0].max(target[0]));
    let (n0, n1) = ((-origin[2]).min(-target[2]), (-origin[2]).max(-target[2]));
    model.buildings.iter().any(|b| {
        let [w, s, e, n] = b.footprint.bbox();
        e >= e0 && w <= e1 && n >= n0 && s <= n1 && b.hit(&ray).is_some_and(|t| t < length - 1.0)
    })
}

/// A name placed on the screen.
struct Placed {
    galley: std::sync::Arc<egui::Galley>,
    /// The text's upper-left corner (its pivot) and its angle (radians, clockwise).
    text_at: egui::Pos2,
    angle: f32,
    /// The plate behind the text, turned with it.
    plate: Vec<egui::Pos2>,
    /// What it covers on the screen, for the overlap test.
    bounds: egui::Rect,
}

/// Where a street's name goes on the screen, turned along the street, if the street is in
/// view and longer there than its name; its ground at `h` m.
fn place(
    camera: &ViewCamera,
    (street, h): (&StreetName, f32),
    painter: &egui::Painter,
    font: &egui::FontId,
) -> Option<Placed> {
    let bearing = (street.bearing_deg as f32).to_radians();
    // Along the street: east = +x, north = −z.
    let along = Vec3::new(bearing.sin(), 0.0, -bearing.cos());
    let middle = Vec3::new(
        street.at[0] as f32,
        ON_THE_ROAD_M + h,
        -(street.at[1] as f32),
    );
    let half = (street.length_m as f32 / 2.0).max(1.0);
    let centre = camera.to_window(middle)?;
    // The street's ends on the screen (or as far as is in view), for its direction and length.
    let end = |sign: f32| {
        [1.0, 0.5, 0.25]
            .into_iter()
            .find_map(|f| camera.to_window(middle + along * sign * half * f))
    };
    let (a, b) = (end(-1.0).unwrap_or(centre), end(1.0).unwrap_or(centre));
    let direction = b - a;
    let on_screen = direction.length();
    let galley = painter.layout_no_wrap(
        street_name_text(&street.name),
        font.clone(),
        egui::Color32::WHITE,
    );
    let size = galley.size() + egui::vec2(10.0, 4.0);
    if on_screen < size.x {
        return None;
    }
    // Never upside down.
    let mut angle = direction.y.atan2(direction.x);
    if angle > std::f32::consts::FRAC_PI_2 {
        angle -= std::f32::consts::PI;
    } else if angle < -std::f32::consts::FRAC_PI_2 {
        angle += std::f32::consts::PI;
    }
    let (s, c) = angle.sin_cos();
    let turn = |x: f32, y: f32| egui::pos2(centre.x + x * c - y * s, centre.y + x * s + y * c);
    let (hw, hh) = (size.x / 2.0, size.y / 2.0);
    let plate = vec![turn(-hw, -hh), turn(hw, -hh), turn(hw, hh), turn(-hw, hh)];
    let bounds = egui::Rect::from_points(&plate);
    let text = galley.size();
    Some(Placed {
        text_at: turn(-text.x / 2.0, -text.y / 2.0),
        angle,
        plate,
        bounds,
        galley,
    })
}

/// The name as drawn: as mapped, cut to a readable length.
fn street_name_text(name: &str) -> String {
    const LONGEST: usize = 40;
    if name.chars().count() <= LONGEST {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(LONGEST - 1).collect();
        format!("{cut}…")
    }
}
