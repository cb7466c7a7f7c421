//! The map tiles kept on disk, so that a viewer goes on showing what it has seen when the
//! tile server cannot be reached: one file a tile (`SOURCE/z/x/y.tile`, the source a hash of
//! its URL template) holding the server's validators (ETag, expiry) and the image as sent.
//! The cache is bounded in bytes; when a tile would take it past its bound, the tiles used
//! longest ago go first (a file's modification time is when it was last used).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::TileId;

/// The start of every cached tile's file.
const MAGIC: &[u8; 4] = b"CTT1";

/// What the server said about a tile, for asking again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileMeta {
    /// The server's `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// Until when (seconds since 1970, UTC) the tile may be used without asking.
    pub expires: u64,
}

/// A tile read from the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The validators.
    pub meta: TileMeta,
    /// The image, as the server sent it.
    pub body: Vec<u8>,
}

impl Cached {
    /// Whether it may be used without asking the server again at `now`.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        unix_seconds(now) < self.meta.expires
    }
}

/// Seconds since 1970.
pub fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A folder of cached tiles, bounded in size.
#[derive(Debug)]
pub struct TileCache {
    dir: PathBuf,
    limit: u64,
    /// Every file: its size and when it was last used.
    files: HashMap<PathBuf, (u64, SystemTime)>,
    total: u64,
}

impl TileCache {
    /// Opens (and creates) the cache in `dir`, holding at most `limit` bytes; what is there
    /// already is counted, and trimmed to the bound.
    pub fn open(dir: &Path, limit: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut cache = Self {
            dir: dir.to_owned(),
            limit,
            files: HashMap::new(),
            total: 0,
        };
        let mut stack = vec![dir.to_owned()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                let Ok(m) = e.metadata() else { continue };
                if m.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "tile") {
                    let used = m.modified().unwrap_or(UNIX_EPOCH);
                    cache.total += m.len();
                    cache.files.insert(path, (m.len(), used));
                } else if path.extension().is_some_and(|x| x == "part") {
                    // Left by a write that was cut off.
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        cache.trim(0);
        Ok(cache)
    }

    /// Bytes held now.
    pub fn size(&self) -> u64 {
        self.total
    }

    /// Tiles held now.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds no tile.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn path(&self, source: &str, t: TileId) -> PathBuf {
        self.dir
            .join(source)
            .join(t.z.to_string())
            .join(t.x.to_string())
            .join(format!("{}.tile", t.y))
    }

    /// The tile, if held (and readable); marks it used.
    pub fn get(&mut self, source: &str, t: TileId) -> Option<Cached> {
        let path = self.path(source, t);
        self.files.get(&path)?;
        let Some(cached) = std::fs::read(&path).ok().and_then(|b| decode(&b)) else {
            self.forget(&path);
            return None;
        };
        self.touch(&path);
        Some(cached)
    }

    /// Keeps a tile (replacing what was held for it), first making room for it.
    pub fn put(&mut self, source: &str, t: TileId, cached: &Cached) -> std::io::Result<()> {
        let path = self.path(source, t);
        let bytes = encode(cached);
        let size = bytes.len() as u64;
        if size > self.limit {
            return Ok(());
        }
        self.forget(&path);
        self.trim(size);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let part = path.with_extension("part");
        {
            let mut f = std::fs::File::create(&part)?;
            f.write_all(&bytes)?;
        }
        std::fs::rename(&part, &path)?;
        self.total += size;
        self.files.insert(path, (size, SystemTime::now()));
        Ok(())
    }

    /// New validators for a tile held (after the server said it has not changed).
    pub fn refresh(&mut self, source: &str, t: TileId, meta: TileMeta) -> std::io::Result<()> {
        let path = self.path(source, t);
        match std::fs::read(&path).ok().and_then(|b| decode(&b)) {
            Some(old) => self.put(
                source,
                t,
                &Cached {
                    meta,
                    body: old.body,
                },
            ),
            None => Ok(()),
        }
    }

    /// Marks a file used now, on disk too so that the order survives a restart.
    fn touch(&mut self, path: &Path) {
        let now = SystemTime::now();
        if let Some(entry) = self.files.get_mut(path) {
            entry.1 = now;
        }
        if let Ok(f) = std::fs::File::options().write(true).open(path) {
            let _ = f.set_modified(now);
        }
    }

    fn forget(&mut self, path: &Path) {
        if let Some((size, _)) = self.files.remove(path) {
            self.total -= size;
            let _ = std::fs::remove_file(path);
        }
    }

    /// Removes the tiles used longest ago until `incoming` more bytes fit under the bound.
    fn trim(&mut self, incoming: u64) {
        if self.total + incoming <= self.limit {
            return;
        }
        let mut by_use: Vec<(SystemTime, PathBuf)> = self
            .files
            .iter()
            .map(|(p, (_, used))| (*used, p.clone()))
            .collect();
        by_use.sort();
        // Down to nine tenths of the bound, so that the next tiles do not each trim again.
        let target = (self.limit / 10 * 9).saturating_sub(incoming);
        for (_, path) in by_use {
            if self.total <= target {
                break;
            }
            self.forget(&path);
        }
    }
}

fn encode(c: &Cached) -> Vec<u8> {
    let meta = serde_json::to_vec(&c.meta).unwrap_or_default();
    let mut out = Vec::with_capacity(8 + meta.len() + c.body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&c.body);
    out
}

fn decode(bytes: &[u8]) -> Option<Cached> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let meta = serde_json::from_slice(rest.get(4..4 + len)?).ok()?;
    Some(Cached {
        meta,
        body: rest.get(4 + len..)?.to_vec(),
    })
}
