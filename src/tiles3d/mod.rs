//! 3D Tiles 1.0 and 1.1 (OGC community standard, by Cesium): a `tileset.json` read into a
//! tree of tiles, each with its transform into ECEF (the parents' composed), its bounding
//! volume, geometric error, refinement (`REPLACE` or `ADD`, inherited) and content. What
//! `check --tileset` reports comes from here ([`TilesetReport`]).
//!
//! ```
//! let json = r#"{"asset":{"version":"1.1"},"geometricError":100,
//!   "root":{"boundingVolume":{"region":[0.0857,0.9143,0.0862,0.9145,0,40]},
//!           "geometricError":10,"refine":"ADD","content":{"uri":"a.glb"},
//!           "children":[{"boundingVolume":{"sphere":[0,0,0,5]},"geometricError":0,
//!                        "content":{"uri":"b.b3dm"}}]}}"#;
//! let t = citytwin::tiles3d::Tileset::parse(json.as_bytes()).unwrap();
//! assert_eq!((t.version.as_str(), t.tiles.len()), ("1.1", 2));
//! assert_eq!(t.tiles[1].refine, citytwin::tiles3d::Refine::Add, "inherited");
//! ```

pub mod content;
pub mod ecef;
pub mod features;
pub mod select;

use ecef::{IDENTITY, Mat4};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How a tile's children refine it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Refine {
    /// The children replace the tile.
    Replace,
    /// The children are drawn beside it.
    Add,
}

/// A tile's bounding volume, in its own frame (a region is always in longitude, latitude and
/// height).
#[derive(Debug, Clone, PartialEq)]
pub enum Volume {
    /// Centre and three half-axes.
    Box([f64; 12]),
    /// West, south, east, north (radians), lowest and highest height (m).
    Region([f64; 6]),
    /// Centre and radius.
    Sphere([f64; 4]),
}

/// One tile of the tree.
#[derive(Debug, Clone)]
pub struct Tile {
    /// Its parent (None for the root).
    pub parent: Option<usize>,
    /// Its children.
    pub children: Vec<usize>,
    /// Its frame to ECEF: the tileset's transforms from the root down to it.
    pub world: Mat4,
    /// Its bounding volume.
    pub volume: Volume,
    /// Its geometric error (m).
    pub geometric_error: f64,
    /// How its children refine it.
    pub refine: Refine,
    /// Its contents' URIs, relative to the tileset (1.1 allows several).
    pub contents: Vec<String>,
    /// Whether it roots an implicit tiling (1.1), whose tiles are not listed.
    pub implicit: bool,
}

/// A tileset read from its JSON.
#[derive(Debug, Clone)]
pub struct Tileset {
    /// `asset.version`: "1.0" or "1.1".
    pub version: String,
    /// The tileset's geometric error (m).
    pub geometric_error: f64,
    /// Every tile, the root first, parents before children.
    pub tiles: Vec<Tile>,
    /// `extensionsRequired`.
    pub extensions_required: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TilesetJson {
    asset: AssetJson,
    geometric_error: f64,
    root: TileJson,
    #[serde(default)]
    extensions_required: Vec<String>,
}

#[derive(Deserialize)]
struct AssetJson {
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TileJson {
    bounding_volume: VolumeJson,
    geometric_error: f64,
    refine: Option<String>,
    transform: Option<Mat4>,
    content: Option<ContentJson>,
    #[serde(default)]
    contents: Vec<ContentJson>,
    #[serde(default)]
    children: Vec<TileJson>,
    implicit_tiling: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct VolumeJson {
    #[serde(rename = "box")]
    boxed: Option<[f64; 12]>,
    region: Option<[f64; 6]>,
    sphere: Option<[f64; 4]>,
}

/// 1.0 writes `uri`; drafts before it wrote `url`.
#[derive(Deserialize)]
struct ContentJson {
    uri: Option<String>,
    url: Option<String>,
}

/// The deepest tree read (a tileset deeper than this is refused, not followed).
pub const MAX_DEPTH: usize = 64;

impl Tileset {
    /// Reads a `tileset.json`; the error says what is wrong in the user's terms.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let json = read_json(bytes)?;
        let mut tiles = Vec::new();
        add(
            &mut tiles,
            json.root,
            None,
            &IDENTITY,
            Refine::Replace,
            0,
            "",
        )?;
        Ok(Self {
            version: json.asset.version,
            geometric_error: json.geometric_error,
            tiles,
            extensions_required: json.extensions_required,
        })
    }

    /// Grafts an external tileset (`bytes`, the content `uri` of tile `at`) under that tile:
    /// its root becomes the tile's child, in the tile's frame, and its contents' URIs are made
    /// relative to this tileset. The tile's own content is the external tileset no more.
    /// Returns the tiles added.
    pub fn graft(&mut self, at: usize, uri: &str, bytes: &[u8]) -> Result<usize, String> {
        let json = read_json(bytes)?;
        let mut depth = 0;
        let mut up = self.tiles.get(at).ok_or("no such tile")?.parent;
        while let Some(p) = up {
            depth += 1;
            up = self.tiles[p].parent;
        }
        let prefix = uri
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        let (world, refine) = (self.tiles[at].world, self.tiles[at].refine);
        let before = self.tiles.len();
        let root = add(
            &mut self.tiles,
            json.root,
            Some(at),
            &world,
            refine,
            depth + 1,
            &prefix,
        )?;
        self.tiles[at].children.push(root);
        self.tiles[at].contents.retain(|c| c != uri);
        for ext in json.extensions_required {
            if !self.extensions_required.contains(&ext) {
                self.extensions_required.push(ext);
            }
        }
        Ok(self.tiles.len() - before)
    }

    /// The (tile, URI) of every content that is an external tileset (a `.json` URI).
    pub fn external_tilesets(&self) -> Vec<(usize, String)> {
        self.tiles
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                t.contents
                    .iter()
                    .filter(|u| content_kind(u, None) == "json")
                    .map(move |u| (i, u.clone()))
            })
            .collect()
    }
}

/// The JSON of a tileset, or what is wrong with it.
fn read_json(bytes: &[u8]) -> Result<TilesetJson, String> {
    {
        let json: TilesetJson =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(bytes))
                .map_err(|e| {
                    let mut at = e.path().to_string();
                    if let Some((cut, _)) = at.char_indices().rev().nth(100) {
                        at = format!("…{}", &at[cut..]);
                    }
                    let what = e.inner().to_string().replace(
                        "recursion limit exceeded",
                        "nested deeper than citytwin follows",
                    );
                    format!("not a 3D Tiles tileset.json: {what} at {at}")
                })?;
        if !json.asset.version.starts_with("1.") && json.asset.version != "0.0" {
            return Err(format!(
                "3D Tiles version {} is not read (1.0 and 1.1 are)",
                json.asset.version
            ));
        }
        Ok(json)
    }
}

/// Tiles a tileset may list, external tilesets included.
pub const MAX_TILES: usize = 1_000_000;

#[allow(clippy::too_many_arguments, reason = "one tile and where it goes")]
fn add(
    tiles: &mut Vec<Tile>,
    t: TileJson,
    parent: Option<usize>,
    frame: &Mat4,
    inherited: Refine,
    depth: usize,
    prefix: &str,
) -> Result<usize, String> {
    if tiles.len() >= MAX_TILES {
        return Err(format!("the tileset lists more than {MAX_TILES} tiles"));
    }
    if depth > MAX_DEPTH {
        return Err(format!("the tile tree is deeper than {MAX_DEPTH} levels"));
    }
    let world = t.transform.map_or(*frame, |m| ecef::mul(frame, &m));
    if !world.iter().all(|v| v.is_finite()) || !t.geometric_error.is_finite() {
        return Err("a tile's transform or geometric error is not a number".into());
    }
    let volume = match (
        t.bounding_volume.boxed,
        t.bounding_volume.region,
        t.bounding_volume.sphere,
    ) {
        (Some(b), _, _) => Volume::Box(b),
        (_, Some(r), _) => Volume::Region(r),
        (_, _, Some(s)) => Volume::Sphere(s),
        _ => return Err("a tile has no box, region or sphere as its bounding volume".into()),
    };
    let refine = match t.refine.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("ADD") => Refine::Add,
        Some("REPLACE") => Refine::Replace,
        Some(other) => return Err(format!("refine must be ADD or REPLACE, not {other}")),
        None => inherited,
    };
    let contents = t
        .content
        .into_iter()
        .chain(t.contents)
        .filter_map(|c| c.uri.or(c.url))
        .map(|u| {
            let absolute = u.starts_with('/') || u.contains("://");
            if absolute { u } else { format!("{prefix}{u}") }
        })
        .collect();
    let index = tiles.len();
    tiles.push(Tile {
        parent,
        children: Vec::new(),
        world,
        volume,
        geometric_error: t.geometric_error,
        refine,
        contents,
        implicit: t.implicit_tiling.is_some(),
    });
    for child in t.children {
        let c = add(tiles, child, Some(index), &world, refine, depth + 1, prefix)?;
        tiles[index].children.push(c);
    }
    Ok(index)
}

impl Tile {
    /// The centre of its bounding volume in ECEF.
    pub fn centre_ecef(&self) -> [f64; 3] {
        match &self.volume {
            Volume::Box(b) => ecef::apply(&self.world, [b[0], b[1], b[2]]),
            Volume::Sphere(s) => ecef::apply(&self.world, [s[0], s[1], s[2]]),
            Volume::Region(r) => ecef::from_geodetic(
                ((r[0] + r[2]) / 2.0).to_degrees(),
                ((r[1] + r[3]) / 2.0).to_degrees(),
                (r[4] + r[5]) / 2.0,
            ),
        }
    }
}

/// The kind of a content file, from its first bytes (its name's ending where they are not
/// at hand): `b3dm`, `i3dm`, `pnts`, `cmpt`, `glb`, `gltf`, `json` (an external tileset) or
/// `unknown`.
pub fn content_kind(uri: &str, head: Option<&[u8]>) -> &'static str {
    if let Some(h) = head {
        match h.get(..4) {
            Some(b"b3dm") => return "b3dm",
            Some(b"i3dm") => return "i3dm",
            Some(b"pnts") => return "pnts",
            Some(b"cmpt") => return "cmpt",
            Some(b"glTF") => return "glb",
            _ => {}
        }
    }
    let path = uri
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    for kind in ["b3dm", "i3dm", "pnts", "cmpt", "glb", "gltf", "json"] {
        if path.ends_with(&format!(".{kind}")) {
            return kind;
        }
    }
    "unknown"
}

/// What `check --tileset` says of a tileset.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TilesetReport {
    /// `asset.version`.
    pub version: String,
    /// Tiles listed (an implicit tiling's are not counted).
    pub tiles: usize,
    /// Tiles with content.
    pub tiles_with_content: usize,
    /// Content files by kind (`b3dm`, `glb`, …).
    pub content: BTreeMap<String, usize>,
    /// The root's centre, `[longitude, latitude]`.
    pub root_lonlat: [f64; 2],
    /// The root's centre's ellipsoidal height (m).
    pub root_height_m: f64,
    /// The tileset's geometric error (m).
    pub geometric_error: f64,
    /// The root's refinement.
    pub refine: Refine,
    /// Levels of the tree.
    pub levels: usize,
    /// Whether a tile roots an implicit tiling.
    pub implicit_tiling: bool,
    /// `extensionsRequired`.
    pub extensions_required: Vec<String>,
}

impl Tileset {
    /// The report, with `head` giving a content file's first bytes where they can be read.
    pub fn report(&self, mut head: impl FnMut(&str) -> Option<Vec<u8>>) -> TilesetReport {
        let mut content = BTreeMap::new();
        for uri in self.tiles.iter().flat_map(|t| &t.contents) {
            let kind = content_kind(uri, head(uri).as_deref());
            *content.entry(kind.to_owned()).or_insert(0) += 1;
        }
        let mut depth = vec![0usize; self.tiles.len()];
        for (i, t) in self.tiles.iter().enumerate() {
            if let Some(p) = t.parent {
                depth[i] = depth[p] + 1;
            }
        }
        let root = &self.tiles[0];
        let (lon, lat, h) = ecef::to_geodetic(root.centre_ecef());
        TilesetReport {
            version: self.version.clone(),
            tiles: self.tiles.len(),
            tiles_with_content: self.tiles.iter().filter(|t| !t.contents.is_empty()).count(),
            content,
            root_lonlat: [lon, lat],
            root_height_m: h,
            geometric_error: self.geometric_error,
            refine: root.refine,
            levels: depth.iter().max().map_or(0, |d| d + 1),
            implicit_tiling: self.tiles.iter().any(|t| t.implicit),
            extensions_required: self.extensions_required.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
