//! `check`'s report on the terrain: the DEM as read, and how it lies under the scene.

use crate::config::Config;
use crate::georef::{Georef, LonLat};
use crate::terrain::{self, DemReport, HeightGrid, mesh::Quadtree};

/// The DEM (`--dem FILE` or `[terrain] file`) and the terrain made of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TerrainReport {
    /// The DEM as read: `crs`, `width`, `height`, `min_m`, `max_m`, …
    #[serde(flatten)]
    pub dem: DemReport,
    /// The grid in the scene's metres: nodes a side and metres between them.
    pub grid: [usize; 2],
    /// Metres between the grid's nodes.
    pub grid_spacing_m: f64,
    /// Tiles in the terrain's quadtree.
    pub tiles: usize,
    /// Levels of the quadtree.
    pub levels: usize,
    /// The DEM's centre, `[longitude, latitude]`.
    pub center_lonlat: [f64; 2],
    /// How far the DEM's centre is from the city's origin (km), where it is too far to lie
    /// under the city (it is then placed around its own centre).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub away_from_city_km: Option<f64>,
}

/// Reads the configured DEM; `None` when none is configured, the reason when it cannot be
/// read. The terrain is placed in `scene` (the city's origin and CRS) when given, else
/// around the DEM's centre.
pub fn report(
    config: &Config,
    scene: Option<(LonLat, &str)>,
) -> Option<Result<TerrainReport, String>> {
    if config.terrain.file.is_empty() {
        return None;
    }
    let path = config.base_dir.join(&config.terrain.file);
    Some(read(&path, config, scene).map_err(|e| format!("terrain {}: {e}", path.display())))
}

fn read(
    path: &std::path::Path,
    config: &Config,
    scene: Option<(LonLat, &str)>,
) -> Result<TerrainReport, terrain::DemError> {
    let dem = terrain::read_file(path, config.terrain.crs())?;
    let (x, y) = dem.pixel_centre((dem.width - 1) as f64 / 2.0, (dem.height - 1) as f64 / 2.0);
    let (lon, lat) =
        crate::georef::Transformer::new(&dem.crs, crate::georef::WGS84)?.convert(x, y)?;
    let centre = LonLat::new(lon, lat);
    // A DEM far from the city (another place altogether) is placed around its own centre.
    let away_km = scene.map(|(origin, _)| distance_km(origin, centre));
    let georef = match scene {
        Some((origin, crs)) if away_km.is_some_and(|d| d <= FAR_KM) => {
            Georef::new(origin, Some(crs))?
        }
        _ => Georef::new(centre, None)?,
    };
    let grid = HeightGrid::from_dem(&dem, &georef, None)?;
    let tree = Quadtree::new(&grid);
    Ok(TerrainReport {
        dem: dem.report(),
        grid: [grid.cols, grid.rows],
        grid_spacing_m: grid.spacing,
        tiles: tree.tiles.len(),
        levels: tree
            .tiles
            .iter()
            .map(|t| t.level as usize + 1)
            .max()
            .unwrap_or(0),
        center_lonlat: [lon, lat],
        away_from_city_km: away_km.filter(|&d| d > FAR_KM),
    })
}

/// Beyond this distance (km) from the city's origin a DEM is not under the city.
const FAR_KM: f64 = 50.0;

/// The great-circle distance between two places (km), on a sphere of the Earth's mean radius.
fn distance_km(a: LonLat, b: LonLat) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371.0 * h.sqrt().asin()
}
