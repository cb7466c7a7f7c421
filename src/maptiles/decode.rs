//! A tile's image decoded to RGBA: PNG (through `image`) or JPEG (through `zune-jpeg`), the
//! two formats tile servers send.

use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The largest tile side accepted (pixels): a tile is 256 or 512.
pub const MAX_SIDE: u32 = 4096;

/// The image's size and its pixels, RGBA row by row from the top; the error says what is
/// wrong with it.
///
/// ```
/// let mut png = Vec::new();
/// image::RgbaImage::from_pixel(2, 3, image::Rgba([1, 2, 3, 255]))
///     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
///     .unwrap();
/// let (size, rgba) = citytwin::maptiles::decode::rgba(&png).unwrap();
/// assert_eq!((size, &rgba[..4]), ((2, 3), &[1, 2, 3, 255][..]));
/// assert!(citytwin::maptiles::decode::rgba(b"<html>").is_err());
/// ```
pub fn rgba(bytes: &[u8]) -> Result<((u32, u32), Vec<u8>), String> {
    let (size, pixels) = if bytes.starts_with(&[0xff, 0xd8]) {
        let options = DecoderOptions::default()
            .jpeg_set_out_colorspace(ColorSpace::RGBA)
            .set_max_width(MAX_SIDE as usize)
            .set_max_height(MAX_SIDE as usize);
        let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
        let pixels = decoder
            .decode()
            .map_err(|e| format!("the tile is a broken JPEG: {e:?}"))?;
        let info = decoder.info().ok_or("the tile is a broken JPEG")?;
        ((u32::from(info.width), u32::from(info.height)), pixels)
    } else if bytes.starts_with(b"\x89PNG") {
        let mut reader =
            image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Png);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        reader.limits(limits);
        let image = reader
            .decode()
            .map_err(|e| format!("the tile is a broken PNG: {e}"))?
            .to_rgba8();
        (image.dimensions(), image.into_raw())
    } else {
        return Err("the tile is neither PNG nor JPEG (the server sent something else)".into());
    };
    if pixels.len() as u64 != u64::from(size.0) * u64::from(size.1) * 4 || size.0 == 0 {
        return Err("the tile's pixels do not match its size".into());
    }
    Ok((size, pixels))
}

/// The image with its smaller copies (each half the last, by the mean of four pixels, down
/// to one pixel), one after the other as a GPU texture's mip levels are laid out: a tile seen
/// at a glancing angle is then smooth instead of shimmering. Returns the number of levels and
/// the pixels of all of them.
///
/// ```
/// let rgba = [255u8, 0, 0, 255].repeat(4 * 2);
/// let (levels, all) = citytwin::maptiles::decode::with_mips((4, 2), rgba);
/// assert_eq!(levels, 3); // 4×2, 2×1, 1×1
/// assert_eq!(all.len(), (8 + 2 + 1) * 4);
/// assert_eq!(&all[all.len() - 4..], &[255, 0, 0, 255]);
/// ```
pub fn with_mips((w, h): (u32, u32), rgba: Vec<u8>) -> (u32, Vec<u8>) {
    let (mut w, mut h) = (w as usize, h as usize);
    let mut all = rgba;
    let mut start = 0;
    let mut levels = 1;
    while w > 1 || h > 1 {
        let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
        let mut next = Vec::with_capacity(nw * nh * 4);
        for y in 0..nh {
            for x in 0..nw {
                for c in 0..4 {
                    let mut sum = 0u32;
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        let (sx, sy) = ((2 * x + dx).min(w - 1), (2 * y + dy).min(h - 1));
                        sum += u32::from(all[start + (sy * w + sx) * 4 + c]);
                    }
                    next.push(((sum + 2) / 4) as u8);
                }
            }
        }
        start = all.len();
        all.extend_from_slice(&next);
        (w, h) = (nw, nh);
        levels += 1;
    }
    (levels, all)
}
