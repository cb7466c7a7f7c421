//! A digital elevation model read from a GeoTIFF: the heights of its first band, where its
//! pixels are in its own CRS (the GeoTIFF 1.1 keys: model tiepoint and pixel scale, or the
//! model transformation), and that CRS as an EPSG code.
//!
//! Strips or tiles, any of TIFF's integer or float sample types, DEFLATE, LZW or none (with
//! or without the horizontal predictor), are read by the `tiff` crate; the GeoTIFF keys are
//! read here (OGC GeoTIFF 1.1, 19-008r4).

use super::{Dem, DemError};
use std::io::Cursor;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

/// GeoKey ids used here (OGC GeoTIFF 1.1, annex B).
const GT_MODEL_TYPE: u16 = 1024;
const GT_RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const PROJECTED_CS_TYPE: u16 = 3072;
const VERTICAL_CS_TYPE: u16 = 4096;
/// "User-defined": a CRS described key by key rather than by an EPSG code.
const USER_DEFINED: u16 = 32767;
/// The raster type "PixelIsPoint": the tiepoint names a pixel's centre, not its corner.
const PIXEL_IS_POINT: u16 = 2;

/// The most pixels a DEM may have (a 16,384 × 16,384 raster); larger ones are refused with
/// what to do, rather than filling the memory.
pub const MAX_PIXELS: usize = 16_384 * 16_384;

/// Reads a DEM from the bytes of a GeoTIFF. `crs` overrides the file's CRS (for files whose
/// CRS is described key by key, or not at all).
pub fn read(bytes: &[u8], crs: Option<&str>) -> Result<Dem, DemError> {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_PIXELS * 4;
    limits.ifd_value_size = 16 << 20;
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(tiff_error)?
        .with_limits(limits);
    let (width, height) = decoder.dimensions().map_err(tiff_error)?;
    let (width, height) = (width as usize, height as usize);
    if width < 2 || height < 2 {
        return Err(DemError::Invalid(format!(
            "the raster is {width} × {height} pixels; a DEM needs at least 2 × 2"
        )));
    }
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(DemError::TooLarge { width, height });
    }
    let keys = GeoKeys::read(&mut decoder)?;
    let transform = pixel_transform(&mut decoder, keys.pixel_is_point)?;
    let crs = match crs {
        Some(c) => c.to_owned(),
        None => keys.crs()?,
    };
    let nodata = decoder
        .get_tag_ascii_string(Tag::GdalNodata)
        .ok()
        .and_then(|s| {
            s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .parse::<f64>()
                .ok()
        });
    let samples = decoder.read_image().map_err(tiff_error)?;
    let heights = first_band(samples, width * height, nodata)?;
    Ok(Dem::new(
        crs,
        keys.vertical_crs(),
        width,
        height,
        transform,
        heights,
        nodata,
    ))
}

fn tiff_error(e: tiff::TiffError) -> DemError {
    DemError::Invalid(format!("not a readable TIFF: {e}"))
}

/// The first band's samples as heights in metres, with the nodata value and non-finite
/// values as NaN.
fn first_band(
    samples: DecodingResult,
    pixels: usize,
    nodata: Option<f64>,
) -> Result<Vec<f32>, DemError> {
    fn take<T: Copy>(v: Vec<T>, pixels: usize, f: impl Fn(T) -> f64) -> Option<Vec<f64>> {
        if pixels == 0 || v.len() < pixels || !v.len().is_multiple_of(pixels) {
            return None;
        }
        let bands = v.len() / pixels;
        Some(v.iter().step_by(bands).map(|&s| f(s)).collect())
    }
    let values = match samples {
        DecodingResult::U8(v) => take(v, pixels, f64::from),
        DecodingResult::U16(v) => take(v, pixels, f64::from),
        DecodingResult::U32(v) => take(v, pixels, f64::from),
        DecodingResult::U64(v) => take(v, pixels, |s| s as f64),
        DecodingResult::I8(v) => take(v, pixels, f64::from),
        DecodingResult::I16(v) => take(v, pixels, f64::from),
        DecodingResult::I32(v) => take(v, pixels, f64::from),
        DecodingResult::I64(v) => take(v, pixels, |s| s as f64),
        DecodingResult::F16(v) => take(v, pixels, |s| f64::from(s.to_f32())),
        DecodingResult::F32(v) => take(v, pixels, f64::from),
        DecodingResult::F64(v) => take(v, pixels, |s| s),
    }
    .ok_or_else(|| DemError::Invalid("the raster holds fewer samples than pixels".into()))?;
    Ok(values
        .into_iter()
        .map(|v| {
            let missing = !v.is_finite()
                || nodata.is_some_and(|n| v == n || (v - n).abs() <= n.abs() * 1e-6)
                || v.abs() > 100_000.0;
            if missing { f32::NAN } else { v as f32 }
        })
        .collect())
}

/// The affine transform from a pixel's column and row to its centre in the DEM's CRS, as
/// GDAL writes it: `x = t[0] + col·t[1] + row·t[2]`, `y = t[3] + col·t[4] + row·t[5]`, here for
/// pixel centres.
fn pixel_transform(
    decoder: &mut Decoder<Cursor<&[u8]>>,
    pixel_is_point: bool,
) -> Result<[f64; 6], DemError> {
    // A pixel's corner (PixelIsArea, the default) or centre (PixelIsPoint) is what the
    // tiepoint and the transformation name; the centre is half a pixel in from the corner.
    let half = if pixel_is_point { 0.0 } else { 0.5 };
    if let Ok(m) = decoder.get_tag_f64_vec(Tag::ModelTransformationTag)
        && m.len() >= 16
    {
        let t = [m[3], m[0], m[1], m[7], m[4], m[5]];
        return Ok(centred(t, half));
    }
    let scale = decoder.get_tag_f64_vec(Tag::ModelPixelScaleTag).ok();
    let tie = decoder.get_tag_f64_vec(Tag::ModelTiepointTag).ok();
    match (scale, tie) {
        (Some(s), Some(t)) if s.len() >= 2 && t.len() >= 6 => {
            let (sx, sy) = (s[0], s[1]);
            if !(sx.is_finite() && sy.is_finite() && sx > 0.0 && sy > 0.0) {
                return Err(DemError::Invalid(format!(
                    "its pixel size ({sx} × {sy}) is not positive"
                )));
            }
            // Raster (i, j) is model (x, y); rows go south.
            let (i, j, x, y) = (t[0], t[1], t[3], t[4]);
            let t = [x - i * sx, sx, 0.0, y + j * sy, 0.0, -sy];
            Ok(centred(t, half))
        }
        _ => Err(DemError::NotGeoreferenced),
    }
}

/// The transform moved from the pixels' corners to their centres.
fn centred(t: [f64; 6], half: f64) -> [f64; 6] {
    [
        t[0] + half * (t[1] + t[2]),
        t[1],
        t[2],
        t[3] + half * (t[4] + t[5]),
        t[4],
        t[5],
    ]
}

/// The GeoKeys this reader uses.
#[derive(Debug, Default)]
struct GeoKeys {
    model_type: Option<u16>,
    geographic: Option<u16>,
    projected: Option<u16>,
    vertical: Option<u16>,
    pixel_is_point: bool,
}

impl GeoKeys {
    fn read(decoder: &mut Decoder<Cursor<&[u8]>>) -> Result<Self, DemError> {
        let Ok(directory) = decoder.get_tag_u16_vec(Tag::GeoKeyDirectoryTag) else {
            return Ok(Self::default());
        };
        let mut keys = Self::default();
        // Header: version, revision, minor revision, number of keys; then four shorts a key:
        // id, where the value is (0: in the fourth short), count, value or offset.
        let count = directory.get(3).copied().unwrap_or(0) as usize;
        for key in directory
            .get(4..)
            .unwrap_or(&[])
            .chunks_exact(4)
            .take(count)
        {
            let (id, location, value) = (key[0], key[1], key[3]);
            if location != 0 {
                continue;
            }
            match id {
                GT_MODEL_TYPE => keys.model_type = Some(value),
                GT_RASTER_TYPE => keys.pixel_is_point = value == PIXEL_IS_POINT,
                GEOGRAPHIC_TYPE => keys.geographic = Some(value),
                PROJECTED_CS_TYPE => keys.projected = Some(value),
                VERTICAL_CS_TYPE => keys.vertical = Some(value),
                _ => {}
            }
        }
        Ok(keys)
    }

    /// The horizontal CRS as `EPSG:code`: the projected one for a projected model, else
    /// the geographic one.
    fn crs(&self) -> Result<String, DemError> {
        let code = match self.model_type {
            Some(2) => self.geographic.or(self.projected),
            _ => self.projected.or(self.geographic),
        };
        match code {
            Some(c) if c != 0 && c != USER_DEFINED => Ok(format!("EPSG:{c}")),
            Some(_) => Err(DemError::CrsUserDefined),
            None => Err(DemError::NoCrs),
        }
    }

    fn vertical_crs(&self) -> Option<String> {
        self.vertical
            .filter(|&c| c != 0 && c != USER_DEFINED)
            .map(|c| format!("EPSG:{c}"))
    }
}
