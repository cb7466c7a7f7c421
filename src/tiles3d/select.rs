//! Which tiles of a tileset a view draws: from the root down, a tile is refined while its
//! geometric error would cover more than `max_error_px` pixels on the screen; `REPLACE`
//! children draw instead of their parent, `ADD` children beside it. Each tile is first placed
//! in the scene as a bounding sphere ([`place`]), so that the choice needs no PROJ.

use super::ecef;
use super::{Refine, Tileset, Volume};
use crate::georef::{Georef, LonLat};

/// A tile as the choice needs it, in scene metres.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedTile {
    /// Its bounding sphere's centre in the scene.
    pub centre: [f64; 3],
    /// Its bounding sphere's radius (m).
    pub radius: f64,
    /// Its geometric error (m).
    pub error: f64,
    /// Its children.
    pub children: Vec<usize>,
    /// Whether it has content to draw.
    pub has_content: bool,
    /// How its children refine it.
    pub refine: Refine,
}

/// An ECEF point in the scene, its height taken from `ground_m` (the ellipsoidal height that
/// stands at the scene's 0).
pub fn to_scene(georef: &Georef, p: [f64; 3], ground_m: f64) -> Option<[f64; 3]> {
    let (lon, lat, h) = ecef::to_geodetic(p);
    georef
        .lonlat_to_scene(LonLat::new(lon, lat), h - ground_m)
        .ok()
}

/// Every tile placed in the scene (None where a tile cannot be).
pub fn place(tileset: &Tileset, georef: &Georef, ground_m: f64) -> Vec<Option<PlacedTile>> {
    tileset
        .tiles
        .iter()
        .map(|t| {
            let centre = to_scene(georef, t.centre_ecef(), ground_m)?;
            let radius = match &t.volume {
                Volume::Box(b) => {
                    let axes = [[b[3], b[4], b[5]], [b[6], b[7], b[8]], [b[9], b[10], b[11]]];
                    axes.iter()
                        .map(|a| norm(ecef::apply_vector(&t.world, *a)).powi(2))
                        .sum::<f64>()
                        .sqrt()
                }
                Volume::Sphere(s) => s[3] * norm(ecef::apply_vector(&t.world, [1.0, 0.0, 0.0])),
                Volume::Region(r) => {
                    let sw = ecef::from_geodetic(r[0].to_degrees(), r[1].to_degrees(), r[4]);
                    let ne = ecef::from_geodetic(r[2].to_degrees(), r[3].to_degrees(), r[5]);
                    norm([ne[0] - sw[0], ne[1] - sw[1], ne[2] - sw[2]]) / 2.0
                }
            };
            Some(PlacedTile {
                centre,
                radius,
                error: t.geometric_error,
                children: t.children.clone(),
                has_content: !t.contents.is_empty(),
                refine: t.refine,
            })
        })
        .collect()
}

fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// The camera, as the choice of tiles needs it (scene metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eye {
    /// Where it is.
    pub at: [f64; 3],
    /// Where it looks (a unit vector).
    pub forward: [f64; 3],
    /// Half the view's diagonal angle (radians): tiles outside are neither drawn nor read.
    pub half_angle: f64,
    /// The screen's height in pixels over the view's vertical angle (radians).
    pub pixels_per_radian: f64,
}

/// The tiles whose content to draw for `eye`, nearest first: those in view, refined while a
/// tile's error covers more than `max_error_px` on the screen, within `max_tiles` tiles with
/// content.
pub fn select(
    tiles: &[Option<PlacedTile>],
    eye: &Eye,
    max_error_px: f64,
    max_tiles: usize,
) -> Vec<usize> {
    let (pixels_per_radian, at) = (eye.pixels_per_radian, eye.at);
    let distance = |t: &PlacedTile| {
        let d = norm([
            t.centre[0] - at[0],
            t.centre[1] - at[1],
            t.centre[2] - at[2],
        ]);
        (d - t.radius).max(1.0)
    };
    let mut out: Vec<usize> = Vec::new();
    // Breadth first, so that a budget of tiles goes to the coarse levels first.
    let mut level = vec![0usize];
    let content_of = |i: &usize| {
        tiles
            .get(*i)
            .is_some_and(|t| t.as_ref().is_some_and(|t| t.has_content))
    };
    while !level.is_empty() {
        let mut next = Vec::new();
        // Tiles this level draws at least, and those its refinements add below it.
        let mut committed = out.len() + level.iter().filter(|i| content_of(i)).count();
        for i in level {
            let Some(Some(t)) = tiles.get(i) else {
                continue;
            };
            let seen = crate::geometry::view::sphere_in_view(
                at,
                eye.forward,
                eye.half_angle,
                t.centre,
                t.radius,
            );
            if !seen {
                continue;
            }
            let on_screen = t.error * pixels_per_radian / distance(t);
            let added = t.children.iter().filter(|c| content_of(c)).count();
            let room = committed + added <= max_tiles;
            let refine = on_screen > max_error_px && !t.children.is_empty() && room;
            if refine {
                committed += added;
            }
            if t.has_content && (!refine || t.refine == Refine::Add) {
                out.push(i);
            }
            if refine {
                next.extend(t.children.iter().copied());
            }
        }
        level = next;
    }
    out.sort_by(|&a, &b| {
        let d = |i: usize| tiles[i].as_ref().map_or(f64::MAX, distance);
        d(a).total_cmp(&d(b))
    });
    out
}
