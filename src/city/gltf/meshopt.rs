//! Buffer views compressed by `EXT_meshopt_compression` (what `gltfpack` writes, and the
//! 3DBAG's production tiles): meshoptimizer's vertex and index codecs through the pure-Rust
//! `meshopt-rs`, and the extension's filters (octahedral, quaternion, exponential).

use meshopt_rs::index::buffer::decode_index_buffer;
use meshopt_rs::vertex::buffer::decode_vertex_buffer;
use meshopt_rs::vertex::filter;

/// A compressed buffer view as the extension describes it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Compressed<'a> {
    /// The compressed bytes.
    pub data: &'a [u8],
    /// Elements in the view.
    pub count: usize,
    /// Bytes an element.
    pub stride: usize,
    /// `ATTRIBUTES` or `TRIANGLES` (`INDICES` is refused).
    pub mode: &'a str,
    /// `NONE`, `OCTAHEDRAL`, `QUATERNION` or `EXPONENTIAL`.
    pub filter: &'a str,
}

/// Elements a view may hold (the decoders allocate `count × stride` bytes up front).
const MAX_BYTES: usize = 512 << 20;

/// The view's bytes, `count × stride` of them.
pub(super) fn decode(c: &Compressed) -> Result<Vec<u8>, String> {
    let bytes = c
        .count
        .checked_mul(c.stride)
        .filter(|&n| n <= MAX_BYTES)
        .ok_or("a compressed buffer view is too large")?;
    let bad = |e| format!("a compressed buffer view cannot be decoded ({e:?})");
    let mut out = match c.mode {
        "ATTRIBUTES" => vertices(c.data, c.count, c.stride)?,
        // (`INDICES`, the codec for points and lines, is not read: only triangles are drawn.)
        "TRIANGLES" => {
            if c.stride != 2 && c.stride != 4 {
                return Err(format!("indices of {} bytes are not read", c.stride));
            }
            if !c.count.is_multiple_of(3) {
                return Err("a triangle index view's count is not a multiple of 3".into());
            }
            let mut indices = vec![0u32; c.count];
            decode_index_buffer(&mut indices, c.data).map_err(bad)?;
            let mut out = Vec::with_capacity(bytes);
            for i in indices {
                if c.stride == 2 {
                    out.extend_from_slice(&(i as u16).to_le_bytes());
                } else {
                    out.extend_from_slice(&i.to_le_bytes());
                }
            }
            out
        }
        other => return Err(format!("compression mode {other:?} is not read")),
    };
    unfilter(&mut out, c)?;
    Ok(out)
}

/// Vertex codec: the stride must be a multiple of 4 (the format's rule); up to 64 bytes are
/// read, which covers every attribute layout `gltfpack` writes.
fn vertices(data: &[u8], count: usize, stride: usize) -> Result<Vec<u8>, String> {
    macro_rules! strides {
        ($($n:literal)*) => {
            match stride {
                $($n => {
                    let mut v = vec![[0u8; $n]; count];
                    decode_vertex_buffer(&mut v, data)
                        .map_err(|e| format!("a compressed buffer view cannot be decoded ({e:?})"))?;
                    Ok(v.concat())
                })*
                _ => Err(format!("compressed vertices of {stride} bytes are not read")),
            }
        };
    }
    strides!(4 8 12 16 20 24 28 32 36 40 44 48 52 56 60 64)
}

/// Undoes the view's filter in place.
fn unfilter(bytes: &mut [u8], c: &Compressed) -> Result<(), String> {
    let words16 = |b: &[u8]| -> Vec<[u16; 4]> {
        b.chunks_exact(8)
            .map(|e| [0, 1, 2, 3].map(|k| u16::from_le_bytes([e[2 * k], e[2 * k + 1]])))
            .collect()
    };
    match (c.filter, c.stride) {
        ("NONE" | "", _) => {}
        ("OCTAHEDRAL", 4) => {
            let mut v: Vec<[u8; 4]> = bytes
                .chunks_exact(4)
                .map(|e| [e[0], e[1], e[2], e[3]])
                .collect();
            filter::decode_filter_oct_8(&mut v);
            bytes.copy_from_slice(&v.concat());
        }
        ("OCTAHEDRAL" | "QUATERNION", 8) => {
            let mut v = words16(bytes);
            if c.filter == "OCTAHEDRAL" {
                filter::decode_filter_oct_16(&mut v);
            } else {
                filter::decode_filter_quat(&mut v);
            }
            let back: Vec<u8> = v.iter().flatten().flat_map(|w| w.to_le_bytes()).collect();
            bytes.copy_from_slice(&back);
        }
        ("EXPONENTIAL", s) if s % 4 == 0 => {
            let mut v: Vec<u32> = bytes
                .chunks_exact(4)
                .map(|e| u32::from_le_bytes([e[0], e[1], e[2], e[3]]))
                .collect();
            filter::decode_filter_exp(&mut v);
            let back: Vec<u8> = v.iter().flat_map(|w| w.to_le_bytes()).collect();
            bytes.copy_from_slice(&back);
        }
        (f, s) => return Err(format!("filter {f} on {s}-byte elements is not read")),
    }
    Ok(())
}
