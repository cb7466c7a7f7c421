//! A glTF 2.0 document (`.gltf` with its buffers, or `.glb`) read into triangles: the node
//! tree walked from the default scene, every accessor read here (float, normalised or plain
//! integers, sparse), so quantized geometry (`KHR_mesh_quantization`) and buffer views
//! compressed by `EXT_meshopt_compression` read as any other. Each triangle keeps the
//! feature it belongs to (a b3dm's `_BATCHID`, `EXT_mesh_features`' feature ids), so a
//! click can name it. Materials and textures are not read, so extensions that only touch
//! them do not stop a model.

use super::meshopt::{self, Compressed};
use gltf::accessor::{DataType, sparse::IndexType};
use serde_json::Value;
use std::path::Path;

/// The feature id of a triangle that belongs to none.
pub const NO_FEATURE: u32 = u32::MAX;

/// One mesh of a model, as triangles in model units with its node's transforms applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMesh {
    /// The node's name (else the mesh's, else its index).
    pub name: String,
    /// Triangles, counter-clockwise seen from their front.
    pub triangles: Vec<[[f64; 3]; 3]>,
    /// Each triangle's feature id ([`NO_FEATURE`] for none); empty when the mesh has no
    /// feature ids.
    pub features: Vec<u32>,
    /// The `EXT_structural_metadata` property table its feature ids index, if one is named.
    pub property_table: Option<usize>,
}

/// A whole model: its meshes, its JSON (for the extensions a caller reads) and its buffer
/// views' bytes, decompressed.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Every mesh of the default scene.
    pub meshes: Vec<ModelMesh>,
    /// The document's JSON.
    pub json: Value,
    /// Each buffer view's bytes (empty where its buffer could not be read).
    pub views: Vec<Vec<u8>>,
}

/// Reads every mesh of a model's default scene (scene 0 when it names none).
pub fn read(path: &Path) -> Result<Vec<ModelMesh>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    from_bytes(&bytes, path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Every mesh of a glTF or GLB held in memory, its external buffers read from `base`; a
/// broken file is an error, never a panic.
pub fn from_bytes(bytes: &[u8], base: &Path) -> Result<Vec<ModelMesh>, String> {
    model_from_bytes(bytes, base).map(|m| m.meshes)
}

/// The whole [`Model`] of a glTF or GLB held in memory (see [`from_bytes`]).
pub fn model_from_bytes(bytes: &[u8], base: &Path) -> Result<Model, String> {
    // The gltf crate indexes arrays with the file's numbers unchecked in places (its
    // validation panics on an accessor that does not exist): such a file is refused like any
    // other bad one.
    std::panic::catch_unwind(|| model(bytes, base)).unwrap_or_else(|_| {
        Err("not a glTF 2.0 model: it refers to parts it does not have".to_owned())
    })
}

/// Whether a required extension can be passed over: read here, or touching only what is not
/// read (materials, textures, lights).
fn readable(ext: &str) -> bool {
    matches!(
        ext,
        "EXT_meshopt_compression"
            | "KHR_mesh_quantization"
            | "KHR_texture_basisu"
            | "KHR_texture_transform"
            | "KHR_lights_punctual"
            | "EXT_texture_webp"
            | "EXT_texture_avif"
            | "MSFT_texture_dds"
    ) || ext.starts_with("KHR_materials_")
}

fn model(bytes: &[u8], base: &Path) -> Result<Model, String> {
    let (json, mut blob) = if bytes.starts_with(b"glTF") {
        let glb = gltf::Glb::from_slice(bytes).map_err(|e| format!("not a glTF 2.0 model: {e}"))?;
        (glb.json.into_owned(), glb.bin.map(|b| b.into_owned()))
    } else {
        (bytes.to_vec(), None)
    };
    let json: Value =
        serde_json::from_slice(&json).map_err(|e| format!("not a glTF 2.0 model: {e}"))?;
    if let Some(ext) = json["extensionsRequired"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|e| !readable(e))
    {
        return Err(format!(
            "its geometry needs {ext}, which citytwin does not read yet"
        ));
    }
    let document = document(&json)?;
    let mut buffers = Vec::new();
    for buffer in document.buffers() {
        let i = buffer.index();
        if json["buffers"][i]["extensions"]["EXT_meshopt_compression"]["fallback"] == true {
            // A placeholder for the views decompressed below.
            buffers.push(Vec::new());
            continue;
        }
        let data = match buffer.source() {
            gltf::buffer::Source::Bin => blob
                .take()
                .ok_or("the GLB has no binary chunk for its buffer")?,
            gltf::buffer::Source::Uri(uri) if uri.starts_with("data:") => {
                return Err(
                    "buffers embedded as data: URIs are not read; export a .glb or a .gltf with a .bin"
                        .to_owned(),
                );
            }
            gltf::buffer::Source::Uri(uri) => {
                let file = base.join(uri);
                std::fs::read(&file)
                    .map_err(|e| format!("cannot read its buffer {}: {e}", file.display()))?
            }
        };
        if data.len() < buffer.length() {
            return Err(format!(
                "buffer {i} holds {} bytes where the model says {}",
                data.len(),
                buffer.length()
            ));
        }
        buffers.push(data);
    }
    let views = document
        .views()
        .map(|v| view_bytes(&v, &json, &buffers))
        .collect::<Result<Vec<_>, _>>()?;
    drop(buffers);
    let scene = document
        .default_scene()
        .or_else(|| document.scenes().next())
        .ok_or("the model has no scene")?;
    let mut meshes = Vec::new();
    let read = Reading {
        document: &document,
        json: &json,
        views: &views,
    };
    for node in scene.nodes() {
        read.visit(&node, IDENTITY, &mut meshes)?;
    }
    Ok(Model {
        meshes,
        json,
        views,
    })
}

/// The document as the gltf crate checks it, without what is not read (materials,
/// textures, images: a texture in KTX2 has no `source` the crate accepts) and with the
/// required extensions already looked at.
fn document(json: &Value) -> Result<gltf::Document, String> {
    let mut plain = json.clone();
    if let Some(o) = plain.as_object_mut() {
        for key in [
            "materials",
            "textures",
            "images",
            "samplers",
            "extensionsRequired",
        ] {
            o.remove(key);
        }
    }
    for mesh in plain["meshes"].as_array_mut().into_iter().flatten() {
        for p in mesh["primitives"].as_array_mut().into_iter().flatten() {
            if let Some(p) = p.as_object_mut() {
                p.remove("material");
            }
        }
    }
    let root: gltf::json::Root =
        serde_json::from_value(plain).map_err(|e| format!("not a glTF 2.0 model: {e}"))?;
    gltf::Document::from_json(root).map_err(|e| format!("not a glTF 2.0 model: {e}"))
}

/// A buffer view's bytes: a slice of its buffer, or decompressed.
fn view_bytes(
    v: &gltf::buffer::View,
    json: &Value,
    buffers: &[Vec<u8>],
) -> Result<Vec<u8>, String> {
    let ext = &json["bufferViews"][v.index()]["extensions"]["EXT_meshopt_compression"];
    let slice = |buffer: usize, offset: usize, length: usize| {
        buffers
            .get(buffer)
            .and_then(|b| b.get(offset..offset.checked_add(length)?))
    };
    if ext.is_object() {
        let n = |k: &str| ext[k].as_u64().unwrap_or(0) as usize;
        let data = slice(n("buffer"), n("byteOffset"), n("byteLength"))
            .ok_or("a compressed buffer view lies outside its buffer")?;
        return meshopt::decode(&Compressed {
            data,
            count: n("count"),
            stride: n("byteStride"),
            mode: ext["mode"].as_str().unwrap_or(""),
            filter: ext["filter"].as_str().unwrap_or("NONE"),
        });
    }
    // A view outside its buffer stays empty: the accessors that use it are refused then.
    Ok(slice(v.buffer().index(), v.offset(), v.length())
        .map(<[u8]>::to_vec)
        .unwrap_or_default())
}

type Matrix = [[f64; 4]; 4];

const IDENTITY: Matrix = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

/// `a × b` for column-major matrices (glTF's layout: `m[column][row]`).
fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let mut m = [[0.0; 4]; 4];
    for (c, column) in m.iter_mut().enumerate() {
        for (r, cell) in column.iter_mut().enumerate() {
            *cell = (0..4).map(|k| a[k][r] * b[c][k]).sum();
        }
    }
    m
}

fn apply(m: &Matrix, p: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|r| m[0][r] * p[0] + m[1][r] * p[1] + m[2][r] * p[2] + m[3][r])
}

/// Where a primitive's feature ids come from.
enum FeatureIds {
    /// An attribute accessor, and the id meaning "no feature".
    Attribute(usize, Option<f64>),
    /// The vertex index is the feature id.
    Implicit(Option<f64>),
}

struct Reading<'a> {
    document: &'a gltf::Document,
    json: &'a Value,
    views: &'a [Vec<u8>],
}

impl Reading<'_> {
    fn visit(
        &self,
        node: &gltf::Node,
        parent: Matrix,
        out: &mut Vec<ModelMesh>,
    ) -> Result<(), String> {
        let local = node.transform().matrix().map(|c| c.map(f64::from));
        let world = multiply(&parent, &local);
        if let Some(mesh) = node.mesh() {
            let mut m = ModelMesh {
                name: node
                    .name()
                    .or(mesh.name())
                    .map_or_else(|| format!("mesh {}", node.index()), str::to_owned),
                triangles: Vec::new(),
                features: Vec::new(),
                property_table: None,
            };
            for primitive in mesh.primitives() {
                if primitive.mode() == gltf::mesh::Mode::Triangles {
                    self.primitive(&primitive, mesh.index(), &world, &mut m)?;
                }
            }
            if m.features.iter().all(|&f| f == NO_FEATURE) {
                m.features.clear();
            }
            out.push(m);
        }
        for child in node.children() {
            self.visit(&child, world, out)?;
        }
        Ok(())
    }

    fn primitive(
        &self,
        primitive: &gltf::Primitive,
        mesh: usize,
        world: &Matrix,
        out: &mut ModelMesh,
    ) -> Result<(), String> {
        let Some(positions) = primitive.get(&gltf::Semantic::Positions) else {
            return Ok(());
        };
        let (positions, dims) = accessor(&positions, self.views)?;
        if dims != 3 {
            return Err("a POSITION accessor is not made of 3-vectors".to_owned());
        }
        let positions: Vec<[f64; 3]> = positions
            .chunks_exact(3)
            .map(|p| apply(world, [p[0], p[1], p[2]]))
            .collect();
        let indices: Vec<u32> = match primitive.indices() {
            Some(a) => accessor(&a, self.views)?
                .0
                .iter()
                .map(|&i| i as u32)
                .collect(),
            None => (0..positions.len() as u32).collect(),
        };
        let json = &self.json["meshes"][mesh]["primitives"][primitive.index()];
        let (source, table) = feature_ids(json);
        if out.property_table.is_none() {
            out.property_table = table;
        }
        let ids = match &source {
            Some(FeatureIds::Attribute(a, _)) => {
                let a = self
                    .document
                    .accessors()
                    .nth(*a)
                    .ok_or("a feature id attribute names no accessor")?;
                Some(accessor(&a, self.views)?.0)
            }
            _ => None,
        };
        let feature_of = |vertex: u32| -> u32 {
            let (id, null) = match &source {
                Some(FeatureIds::Attribute(_, null)) => (
                    ids.as_ref().and_then(|v| v.get(vertex as usize)).copied(),
                    *null,
                ),
                Some(FeatureIds::Implicit(null)) => (Some(f64::from(vertex)), *null),
                None => (None, None),
            };
            match id {
                Some(id) if Some(id) != null && id >= 0.0 && id < f64::from(NO_FEATURE) => {
                    id.round() as u32
                }
                _ => NO_FEATURE,
            }
        };
        for t in indices.chunks_exact(3) {
            if let (Some(a), Some(b), Some(c)) = (
                positions.get(t[0] as usize),
                positions.get(t[1] as usize),
                positions.get(t[2] as usize),
            ) && [a, b, c].iter().all(|p| p.iter().all(|v| v.is_finite()))
            {
                out.triangles.push([*a, *b, *c]);
                out.features.push(feature_of(t[0]));
            }
        }
        Ok(())
    }
}

/// The primitive's feature ids (the first set of `EXT_mesh_features` that names a property
/// table, else its first, else a b3dm's `_BATCHID`) and the property table they index.
fn feature_ids(primitive: &Value) -> (Option<FeatureIds>, Option<usize>) {
    let sets = primitive["extensions"]["EXT_mesh_features"]["featureIds"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let set = sets
        .iter()
        .find(|s| s["propertyTable"].is_u64())
        .or(sets.first());
    if let Some(set) = set {
        let null = set["nullFeatureId"].as_f64();
        let table = set["propertyTable"].as_u64().map(|t| t as usize);
        let source = match set["attribute"].as_u64() {
            Some(n) => primitive["attributes"][format!("_FEATURE_ID_{n}")]
                .as_u64()
                .map(|a| FeatureIds::Attribute(a as usize, null)),
            // Feature ids in a texture are not read.
            None if set.get("texture").is_some() => None,
            None => Some(FeatureIds::Implicit(null)),
        };
        return (source, table);
    }
    let batch = primitive["attributes"]["_BATCHID"]
        .as_u64()
        .map(|a| FeatureIds::Attribute(a as usize, None));
    (batch, None)
}

/// Elements an accessor may hold, at most (a hostile count allocates nothing).
const MAX_ELEMENTS: usize = 64 << 20;

/// An accessor's components as numbers (normalised integers scaled to −1…1 or 0…1), and the
/// components an element; sparse substitutions applied.
fn accessor(a: &gltf::Accessor, views: &[Vec<u8>]) -> Result<(Vec<f64>, usize), String> {
    let dims = a.dimensions().multiplicity();
    let (data_type, normalized) = (a.data_type(), a.normalized());
    let size = data_type.size();
    let count = a.count();
    if count > MAX_ELEMENTS {
        return Err(format!("an accessor of {count} elements is too large"));
    }
    let mut out = vec![0.0; count * dims];
    let outside = || "an accessor reaches past its buffer view".to_owned();
    if let Some(view) = a.view() {
        let bytes = views.get(view.index()).ok_or_else(outside)?;
        let stride = view.stride().unwrap_or(size * dims);
        for i in 0..count {
            let at = a.offset() + i * stride;
            let e = bytes.get(at..at + size * dims).ok_or_else(outside)?;
            for k in 0..dims {
                out[i * dims + k] = component(&e[k * size..], data_type, normalized);
            }
        }
    }
    if let Some(sparse) = a.sparse() {
        let n = sparse.count();
        let (iv, vv) = (sparse.indices(), sparse.values());
        let index_size = match iv.index_type() {
            IndexType::U8 => 1,
            IndexType::U16 => 2,
            IndexType::U32 => 4,
        };
        let ib = views.get(iv.view().index()).ok_or_else(outside)?;
        let vb = views.get(vv.view().index()).ok_or_else(outside)?;
        for s in 0..n {
            let at = iv.offset() + s * index_size;
            let e = ib.get(at..at + index_size).ok_or_else(outside)?;
            let index = e
                .iter()
                .rev()
                .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
            let at = vv.offset() + s * size * dims;
            let e = vb.get(at..at + size * dims).ok_or_else(outside)?;
            for k in 0..dims {
                if let Some(slot) = out.get_mut(index * dims + k) {
                    *slot = component(&e[k * size..], data_type, normalized);
                }
            }
        }
    }
    Ok((out, dims))
}

fn component(b: &[u8], t: DataType, normalized: bool) -> f64 {
    match (t, normalized) {
        (DataType::I8, false) => f64::from(b[0] as i8),
        (DataType::I8, true) => (f64::from(b[0] as i8) / 127.0).max(-1.0),
        (DataType::U8, false) => f64::from(b[0]),
        (DataType::U8, true) => f64::from(b[0]) / 255.0,
        (DataType::I16, n) => {
            let v = f64::from(i16::from_le_bytes([b[0], b[1]]));
            if n { (v / 32767.0).max(-1.0) } else { v }
        }
        (DataType::U16, n) => {
            let v = f64::from(u16::from_le_bytes([b[0], b[1]]));
            if n { v / 65535.0 } else { v }
        }
        (DataType::U32, _) => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        (DataType::F32, _) => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    }
}
