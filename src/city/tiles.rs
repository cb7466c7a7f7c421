//! Batching buildings into square tiles: one mesh per tile, so a district of thousands of
//! buildings draws in tens of draw calls. Each tile remembers which buildings it holds;
//! picking is exact per building ([`crate::geometry::pick`]), independent of the batching.
//!
//! Each tile also has simpler meshes for distant views ([`FarMesh`], one per entry of
//! [`FAR_LEVELS`]): outlines smoothed, flat roofs, buildings under a few pixels left out. The
//! viewer shows one of a tile's meshes by the camera's distance to it, so a tile is still one
//! draw call.

use super::Building;
use crate::geometry::extrude::{MeshBuffers, Palette};
use std::collections::BTreeMap;

/// One tile: its mesh (positions relative to `center`) and the buildings in it.
#[derive(Debug, Clone)]
pub struct Tile {
    /// Grid cell (east index, north index).
    pub cell: (i32, i32),
    /// Centre of the cell in scene metres `[east, north]`; the mesh is relative to it.
    pub center: [f64; 2],
    /// The merged mesh of all its buildings.
    pub mesh: MeshBuffers,
    /// Indices into the building list.
    pub buildings: Vec<usize>,
    /// The simpler meshes shown from afar, nearest first (none: always drawn in full).
    pub far: Vec<FarMesh>,
}

/// A tile's mesh for distant views.
#[derive(Debug, Clone)]
pub struct FarMesh {
    /// The simpler mesh, relative to the tile's centre like the full one.
    pub mesh: MeshBuffers,
    /// Camera distance to the tile's centre (m) from which it replaces the full mesh: the
    /// configured distance plus half the tile's diagonal, so that no building of the tile
    /// is nearer than the configured distance when it is drawn simpler.
    pub from_distance: f64,
}

/// The distances of the simpler meshes, in multiples of `buildings.simple_beyond`: one drawn
/// from there, a simpler one from four times as far.
pub const FAR_LEVELS: [f64; 2] = [1.0, 4.0];

/// How far outlines may move in a mesh for views from `distance` metres or more: 1/500 of it
/// (2 m at 1 km, about two pixels of a 1280×800 view with a 45° field of view).
pub fn far_tolerance(distance: f64) -> f64 {
    distance / 500.0
}

/// Totals over all tiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TileStats {
    /// Number of tiles (= meshes = draw calls for buildings).
    pub tiles: usize,
    /// Triangles in all tiles.
    pub triangles: usize,
    /// Triangles in all tiles' meshes for distant views (the first level).
    pub far_triangles: usize,
    /// Triangles in all tiles' meshes for the most distant views (the last level).
    pub farthest_triangles: usize,
    /// Bytes of vertex and index data.
    pub bytes: usize,
}

/// The grid cell that holds a building: the one containing its bounding-box centre.
pub fn cell_of(b: &Building, tile_size: f64) -> (i32, i32) {
    let c = b.footprint.center();
    (
        (c[0] / tile_size).floor() as i32,
        (c[1] / tile_size).floor() as i32,
    )
}

/// The tile size to use: `wanted` metres, grown by a quarter at a time until the buildings
/// occupy at most `max_tiles` tiles (each tile is one draw call, so a city of 100,000
/// buildings spread over 170 km² still draws in at most `max_tiles` calls).
///
/// ```
/// use citytwin::city::tiles::fit_tile_size;
/// assert_eq!(fit_tile_size(&[], 400.0, 100), 400.0);
/// ```
pub fn fit_tile_size(buildings: &[Building], wanted: f64, max_tiles: usize) -> f64 {
    let mut size = wanted.max(1.0);
    for _ in 0..64 {
        let cells: std::collections::HashSet<(i32, i32)> =
            buildings.iter().map(|b| cell_of(b, size)).collect();
        if cells.len() <= max_tiles.max(1) {
            break;
        }
        size *= 1.25;
    }
    size
}

/// Groups buildings into tiles of `tile_size` metres and meshes each tile.
/// With `simple_beyond` > 0, each tile also gets its [`FarMesh`]es for views from that far.
pub fn build_tiles(
    buildings: &[Building],
    tile_size: f64,
    simple_beyond: f64,
    palette: &Palette,
) -> (Vec<Tile>, TileStats) {
    build_tiles_with(buildings, tile_size, simple_beyond, &|_| *palette)
}

fn build_tiles_with(
    buildings: &[Building],
    tile_size: f64,
    simple_beyond: f64,
    palette_of: &dyn Fn(usize) -> Palette,
) -> (Vec<Tile>, TileStats) {
    let mut cells: BTreeMap<(i32, i32), Vec<usize>> = BTreeMap::new();
    for (i, b) in buildings.iter().enumerate() {
        cells.entry(cell_of(b, tile_size)).or_default().push(i);
    }
    let mut stats = TileStats::default();
    let tiles: Vec<Tile> = cells
        .into_iter()
        .map(|(cell, members)| {
            let center = [
                (f64::from(cell.0) + 0.5) * tile_size,
                (f64::from(cell.1) + 0.5) * tile_size,
            ];
            let far = far_levels(simple_beyond, tile_size);
            let tile = mesh_tile(buildings, cell, center, members, &far, palette_of);
            stats.tiles += 1;
            stats.triangles += tile.mesh.triangle_count();
            stats.bytes += tile.mesh.byte_size();
            for (level, f) in tile.far.iter().enumerate() {
                if level == 0 {
                    stats.far_triangles += f.mesh.triangle_count();
                }
                if level + 1 == tile.far.len() {
                    stats.farthest_triangles += f.mesh.triangle_count();
                }
                stats.bytes += f.mesh.byte_size();
            }
            tile
        })
        .collect();
    (tiles, stats)
}

/// How a tile's mesh for distant views is made: for views from `simple_beyond` metres
/// ([`far_tolerance`]), shown from `from_distance` to the tile's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FarSpec {
    /// The distance the simpler mesh is made for (m).
    pub simple_beyond: f64,
    /// Camera distance to the tile's centre from which it is shown (m).
    pub from_distance: f64,
}

/// The simpler meshes a tile of `tile_size` gets for `simple_beyond` (none for 0): one per
/// [`FAR_LEVELS`], each shown from its distance plus half the tile's diagonal to the tile's
/// centre, so that no building of the tile is nearer than the level's distance.
///
/// ```
/// use citytwin::city::tiles::far_levels;
/// let levels = far_levels(1000.0, 200.0);
/// assert_eq!(levels.len(), 2);
/// assert_eq!(levels[1].simple_beyond, 4000.0);
/// assert!(far_levels(0.0, 200.0).is_empty());
/// ```
pub fn far_levels(simple_beyond: f64, tile_size: f64) -> Vec<FarSpec> {
    if simple_beyond <= 0.0 {
        return Vec::new();
    }
    FAR_LEVELS
        .iter()
        .map(|k| FarSpec {
            simple_beyond: simple_beyond * k,
            from_distance: simple_beyond * k + tile_size * std::f64::consts::FRAC_1_SQRT_2,
        })
        .collect()
}

/// Meshes one tile: `members` (indices into `buildings`) relative to `center`, in full and,
/// for each of `far`, simpler for distant views; each building in `palette_of(index)`. Used to build
/// tiles and to re-mesh the tiles in the scene in a new style.
pub fn mesh_tile(
    buildings: &[Building],
    cell: (i32, i32),
    center: [f64; 2],
    members: Vec<usize>,
    far: &[FarSpec],
    palette_of: &dyn Fn(usize) -> Palette,
) -> Tile {
    let mut mesh = MeshBuffers::default();
    for &i in &members {
        buildings[i].mesh_into(&mut mesh, center, &palette_of(i));
    }
    let far = far.iter().map(|spec| {
        let tolerance = far_tolerance(spec.simple_beyond);
        let mut far = MeshBuffers::default();
        for &i in &members {
            buildings[i].far_into(&mut far, center, &palette_of(i), tolerance);
        }
        FarMesh {
            mesh: far,
            from_distance: spec.from_distance,
        }
    });
    let far = far.collect();
    Tile {
        cell,
        center,
        mesh,
        buildings: members,
        far,
    }
}

/// Meshes buildings as `[buildings]` says: tiles of `tile_size` grown to fit `max_tiles`, or
/// one mesh per building when `batch` is false.
pub fn build_configured(
    buildings: &[Building],
    c: &crate::config::BuildingsConfig,
    palette: &Palette,
) -> (Vec<Tile>, TileStats) {
    build_configured_with(buildings, c, &|_| *palette)
}

/// [`build_configured`] with each building's colours from `palette_of(index)` (a thematic
/// style).
pub fn build_configured_with(
    buildings: &[Building],
    c: &crate::config::BuildingsConfig,
    palette_of: &dyn Fn(usize) -> Palette,
) -> (Vec<Tile>, TileStats) {
    if c.batch {
        let size = fit_tile_size(buildings, c.tile_size, c.max_tiles);
        build_tiles_with(buildings, size, c.simple_beyond, palette_of)
    } else {
        build_single_with(buildings, palette_of)
    }
}

/// One "tile" per building, each its own mesh around its own centre: the naive scene that
/// `citytwin bench buildings` compares batching with (and `buildings.batch = false`).
pub fn build_single(buildings: &[Building], palette: &Palette) -> (Vec<Tile>, TileStats) {
    build_single_with(buildings, &|_| *palette)
}

fn build_single_with(
    buildings: &[Building],
    palette_of: &dyn Fn(usize) -> Palette,
) -> (Vec<Tile>, TileStats) {
    let mut stats = TileStats::default();
    let tiles = buildings
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let cell = (i32::try_from(i).unwrap_or(i32::MAX), i32::MIN);
            let tile = mesh_tile(
                buildings,
                cell,
                b.footprint.center(),
                vec![i],
                &[],
                palette_of,
            );
            stats.tiles += 1;
            stats.triangles += tile.mesh.triangle_count();
            stats.bytes += tile.mesh.byte_size();
            tile
        })
        .collect();
    (tiles, stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::HeightSource;
    use crate::geometry::Footprint;
    use crate::geometry::pick::{Prism, Ray, nearest};

    fn building(id: usize, east: f64, north: f64) -> Building {
        let s = 8.0;
        let ring = vec![
            [east, north],
            [east + s, north],
            [east + s, north + s],
            [east, north + s],
            [east, north],
        ];
        Building {
            id: format!("urn:ngsi-ld:Building:{id}"),
            name: None,
            address: None,
            height: 10.0 + id as f64,
            base: 0.0,
            height_source: HeightSource::Default,
            footprint: Footprint::new(vec![vec![ring]]).unwrap(),
            attributes: Vec::new(),
            shell: None,
            elevation: 0.0,
            own_ground: None,
        }
    }

    #[test]
    fn every_building_lands_in_exactly_one_tile() {
        let buildings: Vec<Building> = (0..60)
            .map(|i| {
                building(
                    i,
                    (i % 10) as f64 * 90.0 - 400.0,
                    (i / 10) as f64 * 90.0 - 250.0,
                )
            })
            .collect();
        let (tiles, stats) = build_tiles(&buildings, 200.0, 0.0, &Palette::default());
        let mut seen: Vec<usize> = tiles.iter().flat_map(|t| t.buildings.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
        assert_eq!(stats.tiles, tiles.len());
        assert!(stats.tiles < 60, "buildings are batched");
        // 2 roof triangles + 4 wall quads per box.
        assert_eq!(stats.triangles, 60 * (2 + 8));
        for t in &tiles {
            // Positions are relative to the tile centre, so they stay within the tile (plus
            // the overhang of a building whose centre is inside).
            assert!(
                t.mesh
                    .positions
                    .iter()
                    .all(|p| p[0].abs() <= 110.0 && p[2].abs() <= 110.0)
            );
        }
    }

    #[test]
    fn tiles_grow_until_the_buildings_fit_in_the_most_tiles_allowed() {
        // 400 buildings on a 20 × 20 grid 100 m apart: 2 km across.
        let buildings: Vec<Building> = (0..400)
            .map(|i| building(i, (i % 20) as f64 * 100.0, (i / 20) as f64 * 100.0))
            .collect();
        assert_eq!(
            fit_tile_size(&buildings, 100.0, 1000),
            100.0,
            "400 tiles are allowed"
        );
        let size = fit_tile_size(&buildings, 100.0, 16);
        let (tiles, stats) = build_tiles(&buildings, size, 0.0, &Palette::default());
        assert!(
            tiles.len() <= 16 && tiles.len() > 4,
            "{} tiles of {size} m",
            tiles.len()
        );
        assert_eq!(stats.tiles, tiles.len());
        assert_eq!(tiles.iter().map(|t| t.buildings.len()).sum::<usize>(), 400);
    }

    #[test]
    fn a_tile_of_n_buildings_resolves_n_ids_when_picked_at_their_centres() {
        let buildings: Vec<Building> = (0..25)
            .map(|i| building(i, (i % 5) as f64 * 20.0, (i / 5) as f64 * 20.0))
            .collect();
        let (tiles, _) = build_tiles(&buildings, 1000.0, 0.0, &Palette::default());
        assert_eq!(tiles.len(), 1, "one tile holds all 25");
        let prisms: Vec<Prism> = buildings
            .iter()
            .map(|b| Prism {
                footprint: b.footprint.clone(),
                base: b.base,
                top: b.height,
            })
            .collect();
        let mut ids = std::collections::BTreeSet::new();
        for b in &buildings {
            let c = b.footprint.center();
            // From above and slightly to the side, as a camera would look.
            let ray = Ray {
                origin: [c[0] + 30.0, 300.0, -c[1] - 30.0],
                direction: [-30.0, -300.0 + b.height, 30.0],
            };
            let (i, _) = nearest(&prisms, &ray).unwrap();
            assert_eq!(buildings[i].id, b.id);
            ids.insert(buildings[i].id.clone());
        }
        assert_eq!(ids.len(), 25);
    }

    #[test]
    fn distant_tiles_get_simpler_meshes_that_leave_out_only_tiny_buildings() {
        // A 30 × 20 m building with a 0.5 m step in its south side, and a 2 × 2 m kiosk.
        let stepped = Building {
            footprint: Footprint::new(vec![vec![vec![
                [0.0, 0.0],
                [15.0, 0.0],
                [15.0, 0.5],
                [30.0, 0.5],
                [30.0, 20.0],
                [0.0, 20.0],
                [0.0, 0.0],
            ]]])
            .unwrap(),
            ..building(0, 0.0, 0.0)
        };
        let kiosk = Building {
            footprint: Footprint::new(vec![vec![vec![
                [50.0, 0.0],
                [52.0, 0.0],
                [52.0, 2.0],
                [50.0, 2.0],
                [50.0, 0.0],
            ]]])
            .unwrap(),
            ..building(1, 0.0, 0.0)
        };
        let buildings = [stepped, kiosk];
        let (near, _) = build_tiles(&buildings, 400.0, 0.0, &Palette::default());
        assert!(near[0].far.is_empty(), "0 draws everything in full");
        let (tiles, stats) = build_tiles(&buildings, 400.0, 1000.0, &Palette::default());
        let far = &tiles[0].far[0];
        // Full: 6 walls + 4 roof triangles, and the kiosk's 4 walls + 2 roof triangles.
        assert_eq!(stats.triangles, (12 + 4) + (8 + 2));
        // From afar (2 m tolerance): the step is smoothed away (a box: 8 + 2), the kiosk left out.
        assert_eq!(far.mesh.triangle_count(), 10);
        assert_eq!(stats.far_triangles, 10);
        // It takes over when no building of the tile is nearer than 1 km.
        assert!((far.from_distance - (1000.0 + 400.0 / 2f64.sqrt())).abs() < 1e-9);
        // From four times as far (8 m tolerance), the 30 × 20 m building is still a box.
        let farthest = &tiles[0].far[1];
        assert_eq!(farthest.mesh.triangle_count(), 10);
        assert_eq!(stats.farthest_triangles, 10);
        assert!(farthest.from_distance > far.from_distance);
    }
}
