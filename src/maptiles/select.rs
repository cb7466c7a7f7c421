//! Which tiles a view needs: from a few coarse tiles around the city down, a tile is split
//! into its four children while one of its pixels would cover more than `texel_px` pixels on
//! the screen (the screen-space error), and only where it is in front of the camera; the tiles
//! with the largest error are split first, so a budget of tiles goes where it shows most.

use super::{EQUATOR_M, TILE_PX, TileId};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// How far from the city's origin map tiles are drawn (m).
pub const REGION_M: f64 = 25_000.0;

/// The camera, as the choice of tiles needs it (scene metres, y up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileView {
    /// The eye.
    pub eye: [f64; 3],
    /// Where it looks (a unit vector).
    pub forward: [f64; 3],
    /// Half the view's diagonal angle (radians): tiles outside this cone are not refined.
    pub half_angle: f64,
    /// The screen's height in pixels over the view's vertical angle (radians).
    pub pixels_per_radian: f64,
    /// The most one pixel of a tile may cover on the screen.
    pub texel_px: f64,
    /// The most tiles drawn at once.
    pub max_tiles: usize,
}

/// A tile's bounds in the scene (metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileBox {
    /// `[min x, min y, min z]`.
    pub min: [f64; 3],
    /// `[max x, max y, max z]`.
    pub max: [f64; 3],
}

impl TileBox {
    /// Distance from `p` to the box (0 inside).
    pub fn distance_from(&self, p: [f64; 3]) -> f64 {
        let d = |i: usize| (self.min[i] - p[i]).max(p[i] - self.max[i]).max(0.0);
        (d(0).powi(2) + d(1).powi(2) + d(2).powi(2)).sqrt()
    }

    fn centre_and_radius(&self) -> ([f64; 3], f64) {
        let c = [0, 1, 2].map(|i| (self.min[i] + self.max[i]) / 2.0);
        let r = [0, 1, 2]
            .map(|i| (self.max[i] - self.min[i]) / 2.0)
            .iter()
            .map(|h| h * h)
            .sum::<f64>()
            .sqrt();
        (c, r)
    }
}

impl TileView {
    /// A tile's pixel size on the screen, in pixels.
    fn error_px(&self, b: &TileBox) -> f64 {
        let texel_m = (b.max[0] - b.min[0]).max(b.max[2] - b.min[2]) / TILE_PX;
        texel_m * self.pixels_per_radian / b.distance_from(self.eye).max(1.0)
    }

    /// Whether any of the box may be in front of the camera, within the view's cone.
    fn sees(&self, b: &TileBox) -> bool {
        let (c, r) = b.centre_and_radius();
        crate::geometry::view::sphere_in_view(self.eye, self.forward, self.half_angle, c, r)
    }
}

/// The coarse tiles that cover the region around the city: at the zoom level where a tile is
/// about as wide as the region's radius.
pub fn roots(lon: f64, lat: f64, max_zoom: u8) -> Vec<TileId> {
    let cos = lat.to_radians().cos().max(0.01);
    let z = ((EQUATOR_M * cos / REGION_M).log2().floor().max(0.0) as u8).min(max_zoom);
    let degrees_lat = REGION_M / 111_000.0;
    let degrees_lon = degrees_lat / cos;
    let nw = TileId::containing(lon - degrees_lon, lat + degrees_lat, z);
    let se = TileId::containing(lon + degrees_lon, lat - degrees_lat, z);
    let mut out = Vec::new();
    for y in nw.y..=se.y {
        for x in nw.x..=se.x {
            out.push(TileId { z, x, y });
        }
    }
    out
}

/// A tile waiting in the selection, ordered by its error on the screen.
struct Candidate {
    error: f64,
    tile: TileId,
    bounds: TileBox,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.error == other.error
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.error.total_cmp(&other.error)
    }
}

/// The tiles to draw for `view`, nearest first: from `roots` down to `max_zoom`, each tile
/// split while its error on the screen exceeds the view's `texel_px` and it can be seen, the
/// largest errors first, within `max_tiles`. `place` gives a tile's bounds in the scene (None
/// for a tile that cannot be placed, left out). The tiles returned cover what the roots cover
/// once.
pub fn select(
    view: &TileView,
    roots: &[TileId],
    max_zoom: u8,
    mut place: impl FnMut(TileId) -> Option<TileBox>,
) -> Vec<(TileId, TileBox)> {
    let mut heap = BinaryHeap::new();
    let mut push = |heap: &mut BinaryHeap<Candidate>, tile: TileId| {
        if let Some(bounds) = place(tile) {
            heap.push(Candidate {
                error: view.error_px(&bounds),
                tile,
                bounds,
            });
        }
    };
    for &r in roots {
        push(&mut heap, r);
    }
    let mut done = Vec::new();
    while let Some(c) = heap.pop() {
        let room = done.len() + heap.len() + 4 <= view.max_tiles;
        if c.error > view.texel_px && c.tile.z < max_zoom && room && view.sees(&c.bounds) {
            for child in c.tile.children() {
                push(&mut heap, child);
            }
        } else {
            done.push((c.tile, c.bounds));
        }
    }
    done.sort_by(|a, b| {
        a.1.distance_from(view.eye)
            .total_cmp(&b.1.distance_from(view.eye))
    });
    done
}
