//! The properties of a tile's features, for the inspector: a b3dm's batch table (JSON arrays
//! and binary references, 3D Tiles 1.0) or a glTF's `EXT_structural_metadata` property table
//! (3D Tiles 1.1: numbers, vectors, booleans, strings, enums, fixed and variable arrays).
//! Every value becomes text once, when the tile is read.
//!
//! ```
//! use citytwin::tiles3d::features::batch_table;
//! let table = batch_table(br#"{"name": ["Town hall", "Library"], "height": [21.5, 9]}"#, &[], 2);
//! assert_eq!(
//!     table.properties(1),
//!     vec![("height".to_owned(), "9".to_owned()), ("name".to_owned(), "Library".to_owned())]
//! );
//! ```

use serde_json::Value;

/// Features a table may hold, at most (more are not read).
const MAX_FEATURES: usize = 1 << 20;

/// A tile's feature properties, column by column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    /// Each property's name and its value for every feature (empty: no value).
    columns: Vec<(String, Vec<String>)>,
    /// Features in the table.
    count: usize,
}

impl FeatureTable {
    /// Features in the table.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it has no features.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// A feature's properties that have a value, by name.
    pub fn properties(&self, feature: u32) -> Vec<(String, String)> {
        self.columns
            .iter()
            .filter_map(|(name, values)| {
                let v = values.get(feature as usize)?;
                (!v.is_empty()).then(|| (name.clone(), v.clone()))
            })
            .collect()
    }

    /// Adds `other`'s features after this table's (their ids moved up by [`Self::len`], which
    /// this returns); a property only one of them has is empty for the other's features.
    pub fn append(&mut self, other: FeatureTable) -> u32 {
        let offset = self.count;
        for (_, values) in &mut self.columns {
            values.resize(offset, String::new());
        }
        for (name, values) in other.columns {
            let mut values = values;
            values.resize(other.count, String::new());
            match self.columns.iter_mut().find(|(n, _)| *n == name) {
                Some((_, column)) => column.extend(values),
                None => {
                    let mut column = vec![String::new(); offset];
                    column.extend(values);
                    self.columns.push((name, column));
                }
            }
        }
        self.count += other.count;
        offset as u32
    }

    /// Bytes the table takes, roughly.
    pub fn bytes(&self) -> usize {
        self.columns
            .iter()
            .map(|(n, v)| n.len() + v.iter().map(|s| s.len() + 24).sum::<usize>())
            .sum()
    }
}

/// A b3dm's batch table: `json` (its JSON header) and `bin` (its binary body), for `count`
/// features (the feature table's `BATCH_LENGTH`). Properties that cannot be read are left
/// out.
pub fn batch_table(json: &[u8], bin: &[u8], count: usize) -> FeatureTable {
    let count = count.min(MAX_FEATURES);
    let Ok(Value::Object(table)) = serde_json::from_slice::<Value>(json) else {
        return FeatureTable::default();
    };
    let mut columns = Vec::new();
    for (name, property) in table {
        if name == "extensions" || name == "extras" {
            continue;
        }
        let values: Vec<String> = match &property {
            Value::Array(values) => values.iter().take(count).map(text).collect(),
            Value::Object(r) => {
                let (Some(offset), Some(kind), Some(dims)) = (
                    r.get("byteOffset").and_then(Value::as_u64),
                    r.get("componentType")
                        .and_then(Value::as_str)
                        .and_then(legacy_kind),
                    r.get("type").and_then(Value::as_str).and_then(dimensions),
                ) else {
                    continue;
                };
                (0..count)
                    .map(|i| {
                        let at = offset as usize + i * kind.size() * dims;
                        numbers(bin, at, kind, dims, None).unwrap_or_default()
                    })
                    .collect()
            }
            _ => continue,
        };
        columns.push((name, values));
    }
    FeatureTable { columns, count }
}

/// A JSON value as the inspector shows it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A number's binary kind.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl Kind {
    fn size(self) -> usize {
        match self {
            Self::I8 | Self::U8 => 1,
            Self::I16 | Self::U16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::I64 | Self::U64 | Self::F64 => 8,
        }
    }

    /// The value at `at`, and the largest value of an integer kind (for normalisation).
    fn read(self, b: &[u8], at: usize) -> Option<(f64, String, f64)> {
        let e = b.get(at..at.checked_add(self.size())?)?;
        let mut w = [0u8; 8];
        w[..e.len()].copy_from_slice(e);
        let (i, u) = (i64::from_le_bytes(w), u64::from_le_bytes(w));
        Some(match self {
            Self::I8 => (f64::from(e[0] as i8), (e[0] as i8).to_string(), 127.0),
            Self::U8 => (f64::from(e[0]), e[0].to_string(), 255.0),
            Self::I16 => {
                let v = i16::from_le_bytes([e[0], e[1]]);
                (f64::from(v), v.to_string(), 32767.0)
            }
            Self::U16 => {
                let v = u16::from_le_bytes([e[0], e[1]]);
                (f64::from(v), v.to_string(), 65535.0)
            }
            Self::I32 => {
                let v = i32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                (f64::from(v), v.to_string(), f64::from(i32::MAX))
            }
            Self::U32 => {
                let v = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                (f64::from(v), v.to_string(), f64::from(u32::MAX))
            }
            Self::I64 => (i as f64, i.to_string(), i64::MAX as f64),
            Self::U64 => (u as f64, u.to_string(), u64::MAX as f64),
            Self::F32 => {
                let v = f32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                (f64::from(v), v.to_string(), 1.0)
            }
            Self::F64 => (
                f64::from_le_bytes(w),
                f64::from_le_bytes(w).to_string(),
                1.0,
            ),
        })
    }
}

/// A batch table's `componentType`.
fn legacy_kind(s: &str) -> Option<Kind> {
    Some(match s {
        "BYTE" => Kind::I8,
        "UNSIGNED_BYTE" => Kind::U8,
        "SHORT" => Kind::I16,
        "UNSIGNED_SHORT" => Kind::U16,
        "INT" => Kind::I32,
        "UNSIGNED_INT" => Kind::U32,
        "FLOAT" => Kind::F32,
        "DOUBLE" => Kind::F64,
        _ => return None,
    })
}

/// A metadata `componentType`.
fn kind(s: &str) -> Option<Kind> {
    Some(match s {
        "INT8" => Kind::I8,
        "UINT8" => Kind::U8,
        "INT16" => Kind::I16,
        "UINT16" => Kind::U16,
        "INT32" => Kind::I32,
        "UINT32" => Kind::U32,
        "INT64" => Kind::I64,
        "UINT64" => Kind::U64,
        "FLOAT32" => Kind::F32,
        "FLOAT64" => Kind::F64,
        _ => return None,
    })
}

/// Components of a `type` (SCALAR, VECn, MATn).
fn dimensions(s: &str) -> Option<usize> {
    Some(match s {
        "SCALAR" => 1,
        "VEC2" => 2,
        "VEC3" => 3,
        "VEC4" => 4,
        "MAT2" => 4,
        "MAT3" => 9,
        "MAT4" => 16,
        _ => return None,
    })
}

/// Offset and scale applied to numbers (normalised integers first brought to −1…1 / 0…1).
#[derive(Debug, Clone, Copy)]
struct Transform {
    normalized: bool,
    offset: f64,
    scale: f64,
}

/// `dims` numbers from `at`, as text (several in brackets).
fn numbers(b: &[u8], at: usize, kind: Kind, dims: usize, t: Option<Transform>) -> Option<String> {
    let mut parts = Vec::with_capacity(dims);
    for k in 0..dims {
        let (v, plain, max) = kind.read(b, at + k * kind.size())?;
        parts.push(match t {
            Some(t) => {
                let v = if t.normalized { (v / max).max(-1.0) } else { v };
                let v = v * t.scale + t.offset;
                format!("{}", (v * 1e6).round() / 1e6)
            }
            None => plain,
        });
    }
    Some(if dims == 1 {
        parts.remove(0)
    } else {
        format!("[{}]", parts.join(", "))
    })
}

/// Property table `index` of a glTF's `EXT_structural_metadata` (`json` the document,
/// `views` its buffer views' bytes). An external schema (`schemaUri`) is not read.
pub fn property_table(
    json: &Value,
    views: &[Vec<u8>],
    index: usize,
) -> Result<FeatureTable, String> {
    let meta = &json["extensions"]["EXT_structural_metadata"];
    let table = &meta["propertyTables"][index];
    if !table.is_object() {
        return Err(format!("property table {index} does not exist"));
    }
    if meta["schema"].is_null() && meta["schemaUri"].is_string() {
        return Err("its metadata schema is in another file (schemaUri), which is not read".into());
    }
    let class = &meta["schema"]["classes"][table["class"].as_str().unwrap_or("")];
    let count = table["count"]
        .as_u64()
        .unwrap_or(0)
        .min(MAX_FEATURES as u64) as usize;
    let mut columns = Vec::new();
    for (name, p) in table["properties"].as_object().into_iter().flatten() {
        let def = &class["properties"][name];
        let column = Column::new(def, p, &meta["schema"]["enums"], views);
        let values = (0..count)
            .map(|i| column.as_ref().and_then(|c| c.value(i)).unwrap_or_default())
            .collect();
        let label = def["name"].as_str().unwrap_or(name).to_owned();
        columns.push((label, values));
    }
    Ok(FeatureTable { columns, count })
}

/// One property of a property table, ready to read.
struct Column<'a> {
    values: &'a [u8],
    /// SCALAR…MAT4, BOOLEAN, STRING or ENUM.
    ty: &'a str,
    kind: Kind,
    dims: usize,
    transform: Option<Transform>,
    no_data: Option<&'a Value>,
    /// Fixed array length, or variable arrays' offsets.
    array: Option<Array<'a>>,
    string_offsets: Option<(&'a [u8], Kind)>,
    enum_values: Vec<(i64, String)>,
}

enum Array<'a> {
    Fixed(usize),
    Variable(&'a [u8], Kind),
}

impl<'a> Column<'a> {
    fn new(def: &'a Value, p: &'a Value, enums: &'a Value, views: &'a [Vec<u8>]) -> Option<Self> {
        let view = |key: &str| views.get(p[key].as_u64()? as usize).map(Vec::as_slice);
        let offsets_kind = |key: &str| kind(p[key].as_str().unwrap_or("UINT32"));
        let ty = def["type"].as_str()?;
        let enum_def = &enums[def["enumType"].as_str().unwrap_or("")];
        let kind = match ty {
            "ENUM" => self::kind(enum_def["valueType"].as_str().unwrap_or("UINT16"))?,
            "STRING" | "BOOLEAN" => Kind::U8,
            _ => self::kind(def["componentType"].as_str()?)?,
        };
        let number = |v: &Value| v.as_f64();
        let (offset, scale) = (
            p["offset"].as_f64().or_else(|| number(&def["offset"])),
            p["scale"].as_f64().or_else(|| number(&def["scale"])),
        );
        let normalized = def["normalized"] == true;
        let transform = (normalized || offset.is_some() || scale.is_some()).then_some(Transform {
            normalized,
            offset: offset.unwrap_or(0.0),
            scale: scale.unwrap_or(1.0),
        });
        let array = if def["array"] == true {
            Some(match def["count"].as_u64() {
                Some(n) => Array::Fixed(n as usize),
                None => Array::Variable(view("arrayOffsets")?, offsets_kind("arrayOffsetType")?),
            })
        } else {
            None
        };
        Some(Self {
            values: view("values")?,
            ty,
            kind,
            dims: dimensions(ty).unwrap_or(1),
            transform,
            no_data: def.get("noData"),
            array,
            string_offsets: if ty == "STRING" {
                Some((view("stringOffsets")?, offsets_kind("stringOffsetType")?))
            } else {
                None
            },
            enum_values: enum_def["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| Some((v["value"].as_i64()?, v["name"].as_str()?.to_owned())))
                .collect(),
        })
    }

    /// Feature `i`'s value as text.
    fn value(&self, i: usize) -> Option<String> {
        let Some(array) = &self.array else {
            let v = self.element(i)?;
            let no_data = self.no_data.map(|n| match n {
                Value::String(s) => s.clone(),
                Value::Number(_) => n
                    .as_f64()
                    .map(|f| format!("{}", f as f32))
                    .unwrap_or_default(),
                other => other.to_string(),
            });
            let same = |nd: &String| {
                *nd == v
                    || v.parse::<f64>().ok().map(|x| format!("{}", x as f32)) == Some(nd.clone())
            };
            return if no_data.as_ref().is_some_and(same) {
                None
            } else {
                Some(v)
            };
        };
        let range = match array {
            Array::Fixed(n) => i.checked_mul(*n)?..(i + 1).checked_mul(*n)?,
            Array::Variable(offsets, k) => {
                let at = |j: usize| Some(k.read(offsets, j * k.size())?.0 as usize);
                at(i)?..at(i + 1)?
            }
        };
        if range.len() > 1024 {
            return Some(format!("[{} values]", range.len()));
        }
        let items: Option<Vec<String>> = range.map(|j| self.element(j)).collect();
        Some(format!("[{}]", items?.join(", ")))
    }

    /// Element `j` of the values (the `j`-th string, bit, enum or number group).
    fn element(&self, j: usize) -> Option<String> {
        match self.ty {
            "STRING" => {
                let (offsets, k) = self.string_offsets?;
                let at = |n: usize| Some(k.read(offsets, n * k.size())?.0 as usize);
                let bytes = self.values.get(at(j)?..at(j + 1)?)?;
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            "BOOLEAN" => {
                let byte = self.values.get(j / 8)?;
                Some((byte >> (j % 8) & 1 == 1).to_string())
            }
            "ENUM" => {
                let v = self.kind.read(self.values, j * self.kind.size())?.0 as i64;
                Some(
                    self.enum_values
                        .iter()
                        .find(|(value, _)| *value == v)
                        .map_or_else(|| v.to_string(), |(_, name)| name.clone()),
                )
            }
            _ => {
                let size = self.kind.size() * self.dims;
                numbers(self.values, j * size, self.kind, self.dims, self.transform)
            }
        }
    }
}
