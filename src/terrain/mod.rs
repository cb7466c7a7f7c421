//! Terrain: a digital elevation model (DEM) read from a GeoTIFF in any CRS, resampled through
//! PROJ onto a grid in the scene's metres ([`HeightGrid`]), and cut into a quadtree of tiles
//! with skirts for the viewer ([`mesh`]). The grid answers the heights the rest of citytwin
//! needs: a point's, the lowest under a footprint (where a building stands), the camera's
//! floor.
//!
//! ```no_run
//! use citytwin::georef::{Georef, LonLat};
//! use citytwin::terrain::{self, HeightGrid};
//! let dem = terrain::read_file("bilbao.tif".as_ref(), None)?;
//! let georef = Georef::new(LonLat::new(-2.986, 43.312), None)?;
//! let grid = HeightGrid::from_dem(&dem, &georef, None)?;
//! println!("{} m at the origin", grid.height_at(0.0, 0.0).unwrap_or(0.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod drape;
mod geotiff;
mod grid;
pub mod mesh;

pub use drape::drape;
pub use geotiff::MAX_PIXELS;
pub use grid::HeightGrid;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Why a DEM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DemError {
    /// The file could not be opened.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// Not a TIFF, or one this reader cannot decode.
    #[error("{0}")]
    Invalid(String),
    /// More pixels than [`MAX_PIXELS`].
    #[error(
        "the DEM is {width} × {height} pixels, more than citytwin reads at once (16,384 × 16,384); cut it to the area of the city or make it coarser (e.g. gdal_translate -outsize 25% 25%)"
    )]
    TooLarge {
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
    },
    /// A TIFF without the GeoTIFF tags that place its pixels.
    #[error(
        "the TIFF is not georeferenced (no GeoTIFF tiepoint and pixel scale, nor transformation)"
    )]
    NotGeoreferenced,
    /// A GeoTIFF without a CRS.
    #[error(
        "the GeoTIFF declares no CRS; set it in the configuration ([terrain] crs = \"EPSG:…\")"
    )]
    NoCrs,
    /// A CRS described key by key rather than by an EPSG code.
    #[error(
        "the GeoTIFF's CRS is user-defined rather than an EPSG code; set it in the configuration ([terrain] crs = \"EPSG:…\")"
    )]
    CrsUserDefined,
    /// The CRS could not be used with the scene's.
    #[error("{0}")]
    Georef(#[from] crate::georef::GeorefError),
    /// No pixel of the DEM has a height.
    #[error("no pixel of the DEM holds a height (all are nodata)")]
    Empty,
}

/// A DEM as read: heights in metres on a grid of pixels, each pixel's centre placed in the
/// DEM's own CRS by an affine transform.
#[derive(Debug, Clone)]
pub struct Dem {
    /// The horizontal CRS, `EPSG:code`.
    pub crs: String,
    /// The vertical CRS where the file names one.
    pub vertical_crs: Option<String>,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Pixel (column, row) to its centre in the CRS: `x = t[0] + col·t[1] + row·t[2]`,
    /// `y = t[3] + col·t[4] + row·t[5]`.
    pub transform: [f64; 6],
    /// The nodata value the file declares.
    pub nodata: Option<f64>,
    /// The lowest height (m).
    pub min_m: f32,
    /// The highest height (m).
    pub max_m: f32,
    heights: Vec<f32>,
}

impl Dem {
    /// A DEM from its parts; `heights` row by row from the top (north), NaN where there is
    /// none.
    pub fn new(
        crs: String,
        vertical_crs: Option<String>,
        width: usize,
        height: usize,
        transform: [f64; 6],
        heights: Vec<f32>,
        nodata: Option<f64>,
    ) -> Self {
        let (min_m, max_m) = height_range(&heights);
        Self {
            crs,
            vertical_crs,
            width,
            height,
            transform,
            nodata,
            min_m,
            max_m,
            heights,
        }
    }

    /// The height stored for a pixel (NaN where there is none).
    pub fn pixel(&self, col: usize, row: usize) -> f32 {
        if col < self.width && row < self.height {
            self.heights[row * self.width + col]
        } else {
            f32::NAN
        }
    }

    /// The centre of a pixel in the DEM's CRS.
    pub fn pixel_centre(&self, col: f64, row: f64) -> (f64, f64) {
        let t = &self.transform;
        (
            t[0] + col * t[1] + row * t[2],
            t[3] + col * t[4] + row * t[5],
        )
    }

    /// The (fractional) column and row whose centre is at `(x, y)` in the DEM's CRS.
    pub fn pixel_at(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let t = &self.transform;
        let det = t[1] * t[5] - t[2] * t[4];
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let (dx, dy) = (x - t[0], y - t[3]);
        Some(((dx * t[5] - dy * t[2]) / det, (dy * t[1] - dx * t[4]) / det))
    }

    /// The height at `(x, y)` in the DEM's CRS, interpolated between the four nearest pixel
    /// centres (those with a height); `None` outside the DEM or where it holds none.
    pub fn sample(&self, x: f64, y: f64) -> Option<f32> {
        let (c, r) = self.pixel_at(x, y)?;
        let max_c = (self.width - 1) as f64;
        let max_r = (self.height - 1) as f64;
        // Half a pixel beyond the outer centres still lies on the DEM.
        if !(-0.5..=max_c + 0.5).contains(&c) || !(-0.5..=max_r + 0.5).contains(&r) {
            return None;
        }
        let (c, r) = (c.clamp(0.0, max_c), r.clamp(0.0, max_r));
        let (c0, r0) = (c.floor() as usize, r.floor() as usize);
        let (c1, r1) = ((c0 + 1).min(self.width - 1), (r0 + 1).min(self.height - 1));
        let (fc, fr) = ((c - c0 as f64) as f32, (r - r0 as f64) as f32);
        bilinear(
            [
                self.pixel(c0, r0),
                self.pixel(c1, r0),
                self.pixel(c0, r1),
                self.pixel(c1, r1),
            ],
            fc,
            fr,
        )
    }

    /// The pixel size in the CRS's units (x, y), as the lengths of a pixel's sides.
    pub fn pixel_size(&self) -> (f64, f64) {
        let t = &self.transform;
        (t[1].hypot(t[4]), t[2].hypot(t[5]))
    }

    /// What `citytwin check --dem` reports.
    pub fn report(&self) -> DemReport {
        DemReport {
            crs: self.crs.clone(),
            vertical_crs: self.vertical_crs.clone(),
            width: self.width,
            height: self.height,
            min_m: self.min_m,
            max_m: self.max_m,
            pixel_size: {
                let (x, y) = self.pixel_size();
                [x, y]
            },
            nodata_pixels: self.heights.iter().filter(|h| h.is_nan()).count(),
        }
    }
}

/// The lowest and highest of the heights that are finite (infinite bounds when none is).
pub(crate) fn height_range(heights: &[f32]) -> (f32, f32) {
    heights
        .iter()
        .filter(|h| h.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &h| {
            (lo.min(h), hi.max(h))
        })
}

/// Interpolates between four corners `[top-left, top-right, bottom-left, bottom-right]` at
/// fractions `fx`, `fy`; a corner without a height gives way to the others, weighted as they
/// were.
pub(crate) fn bilinear(h: [f32; 4], fx: f32, fy: f32) -> Option<f32> {
    let w = [
        (1.0 - fx) * (1.0 - fy),
        fx * (1.0 - fy),
        (1.0 - fx) * fy,
        fx * fy,
    ];
    let (mut sum, mut weight) = (0.0f32, 0.0f32);
    for (h, w) in h.iter().zip(w) {
        if h.is_finite() {
            sum += h * w;
            weight += w;
        }
    }
    if weight > 1e-6 {
        Some(sum / weight)
    } else {
        // Only corners without weight hold heights: take the nearest that has one.
        h.iter()
            .zip(w)
            .filter(|(h, _)| h.is_finite())
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(h, _)| *h)
    }
}

/// What `citytwin check --dem` reports of a DEM.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemReport {
    /// The horizontal CRS, `EPSG:code`.
    pub crs: String,
    /// The vertical CRS where the file names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vertical_crs: Option<String>,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The lowest height (m).
    pub min_m: f32,
    /// The highest height (m).
    pub max_m: f32,
    /// A pixel's sides in the CRS's units.
    pub pixel_size: [f64; 2],
    /// Pixels without a height.
    pub nodata_pixels: usize,
}

/// A terrain farther than this from the scene's origin (m) does not lie under the city.
pub const FAR_M: f64 = 50_000.0;

/// The configured terrain (`[terrain]`) as a grid in the scene of a city at `origin` in
/// `crs`: `None` when none is configured, else the grid or what went wrong (naming the file,
/// with what to do). The last grid made is kept: the buildings' loader and the ground ask
/// for the same one.
pub fn configured(
    config: &crate::config::Config,
    origin: crate::georef::LonLat,
    crs: &str,
) -> Option<Result<Arc<HeightGrid>, String>> {
    type Kept = Option<(String, Result<Arc<HeightGrid>, String>)>;
    static LAST: Mutex<Kept> = Mutex::new(None);
    if config.terrain.file.is_empty() {
        return None;
    }
    let path = config.base_dir.join(&config.terrain.file);
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    let key = format!(
        "{}|{modified:?}|{}|{}|{}|{crs}",
        path.display(),
        config.terrain.crs,
        origin.lon,
        origin.lat
    );
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((k, grid)) = last.as_ref()
        && *k == key
    {
        return Some(grid.clone());
    }
    let grid = make(&path, config, origin, crs).map(Arc::new);
    *last = Some((key, grid.clone()));
    Some(grid)
}

fn make(
    path: &Path,
    config: &crate::config::Config,
    origin: crate::georef::LonLat,
    crs: &str,
) -> Result<HeightGrid, String> {
    let named = |e: &dyn std::fmt::Display| format!("terrain {}: {e}", path.display());
    {
        let dem = read_file(path, config.terrain.crs()).map_err(|e| named(&e))?;
        let georef = crate::georef::Georef::new(origin, Some(crs)).map_err(|e| named(&e))?;
        let grid = HeightGrid::from_dem(&dem, &georef, None).map_err(|e| named(&e))?;
        let away = grid.distance_from(0.0, 0.0);
        if away > FAR_M {
            return Err(named(&format!(
                "it lies {:.0} km from the city, not under it; give the DEM of the city's place",
                away / 1000.0
            )));
        }
        Ok(grid)
    }
}

/// Reads a DEM from a GeoTIFF file; `crs` overrides the file's CRS.
pub fn read_file(path: &Path, crs: Option<&str>) -> Result<Dem, DemError> {
    let bytes = std::fs::read(path).map_err(|e| DemError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    read(&bytes, crs)
}

/// Reads a DEM from the bytes of a GeoTIFF; `crs` overrides the file's CRS.
pub fn read(bytes: &[u8], crs: Option<&str>) -> Result<Dem, DemError> {
    let dem = geotiff::read(bytes, crs)?;
    if !dem.min_m.is_finite() {
        return Err(DemError::Empty);
    }
    Ok(dem)
}

#[cfg(test)]
mod tests;
