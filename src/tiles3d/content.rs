//! A tile's content decoded into meshes in ECEF: a `b3dm` (Batched 3D Model: its feature
//! table's `RTC_CENTER` and the GLB inside) or a bare `glb` (3D Tiles 1.1). glTF is Y-up, so
//! each mesh goes through the glTF node transforms, the Y-up to Z-up turn the standard asks
//! for, the content's RTC centre and the tile's frame, in that order. Each triangle keeps its
//! feature, and the content its features' properties ([`FeatureTable`]).

use super::ecef::{self, Mat4};
use super::features::{self, FeatureTable};
use crate::city::gltf::model_from_bytes;
use std::path::Path;

/// glTF's Y-up to 3D Tiles' Z-up: +90° about X, `(x, y, z) → (x, −z, y)`.
const Y_UP_TO_Z_UP: Mat4 = [
    1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
];

/// One mesh of a tile's content, in ECEF.
#[derive(Debug, Clone)]
pub struct ContentMesh {
    /// The glTF node's (or mesh's) name.
    pub name: String,
    /// Triangles in ECEF (m).
    pub triangles: Vec<[[f64; 3]; 3]>,
    /// Each triangle's feature in [`Content::features`]
    /// ([`crate::city::gltf::NO_FEATURE`] for none); empty when the mesh has none.
    pub features: Vec<u32>,
}

/// A content file decoded.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Its meshes.
    pub meshes: Vec<ContentMesh>,
    /// Its features' properties: the b3dm's batch table, else the glTF's first property
    /// table its meshes use.
    pub features: FeatureTable,
}

/// The meshes of a content file (`bytes`) of a tile whose frame is `world`; `base` is the
/// folder its external glTF buffers would be in. The error says what is wrong.
pub fn decode(bytes: &[u8], world: &Mat4, base: &Path) -> Result<Content, String> {
    decode_at(bytes, world, base, 0)
}

/// Composites nested deeper than this are refused.
const MAX_COMPOSITE_DEPTH: usize = 8;

fn decode_at(bytes: &[u8], world: &Mat4, base: &Path, depth: usize) -> Result<Content, String> {
    let (glb, rtc, batch) = match bytes.get(..4) {
        Some(b"b3dm") => b3dm(bytes)?,
        Some(b"glTF") => (bytes, None, None),
        Some(b"cmpt") => return composite(bytes, world, base, depth),
        Some(b"i3dm" | b"pnts") => {
            return Err(format!(
                "{} content is not drawn yet",
                String::from_utf8_lossy(&bytes[..4])
            ));
        }
        _ => return Err("the content is neither b3dm nor glb".to_owned()),
    };
    let mut frame = *world;
    if let Some(c) = rtc {
        let shift = [
            1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, c[0], c[1], c[2], 1.0,
        ];
        frame = ecef::mul(&frame, &shift);
    }
    let frame = ecef::mul(&frame, &Y_UP_TO_Z_UP);
    let model = model_from_bytes(glb, base)?;
    let features = match (batch, model.meshes.iter().find_map(|m| m.property_table)) {
        (Some(batch), _) => batch,
        (None, Some(t)) => features::property_table(&model.json, &model.views, t)
            .inspect_err(|e| tracing::debug!("a tile's feature properties: {e}"))
            .unwrap_or_default(),
        (None, None) => FeatureTable::default(),
    };
    let meshes = model
        .meshes
        .into_iter()
        .map(|m| ContentMesh {
            name: m.name,
            triangles: m
                .triangles
                .iter()
                .map(|t| t.map(|p| ecef::apply(&frame, p)))
                .collect(),
            features: m.features,
        })
        .collect();
    Ok(Content { meshes, features })
}

/// A composite (`cmpt`): its inner tiles decoded in turn, their meshes together and their
/// features one after the other. Inner tiles that cannot be drawn are passed over while one
/// can.
fn composite(bytes: &[u8], world: &Mat4, base: &Path, depth: usize) -> Result<Content, String> {
    if depth >= MAX_COMPOSITE_DEPTH {
        return Err("composite tiles nested too deep".into());
    }
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or("the composite's header is cut short")
    };
    let (length, count) = (word(8)?.min(bytes.len()), word(12)?);
    let mut out = Content::default();
    let (mut at, mut problem) = (16, None);
    for _ in 0..count {
        let inner_length = word(at + 8)?;
        let inner = bytes
            .get(at..at.saturating_add(inner_length).min(length))
            .filter(|b| inner_length >= 12 && b.len() == inner_length)
            .ok_or("an inner tile of the composite does not fit in it")?;
        match decode_at(inner, world, base, depth + 1) {
            Ok(c) => {
                let offset = out.features.append(c.features);
                out.meshes.extend(c.meshes.into_iter().map(|mut m| {
                    for f in m.features.iter_mut() {
                        if *f != crate::city::gltf::NO_FEATURE {
                            *f = f.saturating_add(offset);
                        }
                    }
                    m
                }));
            }
            Err(e) => problem = Some(e),
        }
        at += inner_length;
    }
    match problem {
        Some(e) if out.meshes.is_empty() => Err(e),
        _ => Ok(out),
    }
}

/// A b3dm's parts: its GLB, its feature table's `RTC_CENTER` and its batch table.
type B3dm<'a> = (&'a [u8], Option<[f64; 3]>, Option<FeatureTable>);

/// A b3dm's GLB, its feature table's `RTC_CENTER` and its batch table.
fn b3dm(bytes: &[u8]) -> Result<B3dm<'_>, String> {
    let word = |i: usize| {
        bytes
            .get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or("the b3dm's header is cut short")
    };
    let (version, length) = (word(1)?, word(2)?);
    if version != 1 {
        return Err(format!("b3dm version {version} is not read (1 is)"));
    }
    let (ft_json, ft_bin, bt_json, bt_bin) = (word(3)?, word(4)?, word(5)?, word(6)?);
    let glb_at = 28usize
        .checked_add(ft_json)
        .and_then(|n| n.checked_add(ft_bin))
        .and_then(|n| n.checked_add(bt_json))
        .and_then(|n| n.checked_add(bt_bin))
        .filter(|&n| n <= bytes.len().min(length))
        .ok_or("the b3dm's parts do not fit in it")?;
    let feature_table: serde_json::Value =
        serde_json::from_slice(&bytes[28..28 + ft_json]).unwrap_or_default();
    let rtc = feature_table
        .get("RTC_CENTER")
        .and_then(|v| v.as_array())
        .and_then(|a| {
            let c: Vec<f64> = a.iter().filter_map(serde_json::Value::as_f64).collect();
            (c.len() == 3).then(|| [c[0], c[1], c[2]])
        });
    let batch_length = feature_table["BATCH_LENGTH"].as_u64().unwrap_or(0) as usize;
    let bt_at = 28 + ft_json + ft_bin;
    let batch = (bt_json > 0).then(|| {
        features::batch_table(
            &bytes[bt_at..bt_at + bt_json],
            &bytes[bt_at + bt_json..bt_at + bt_json + bt_bin],
            batch_length,
        )
    });
    Ok((&bytes[glb_at..bytes.len().min(length)], rtc, batch))
}
