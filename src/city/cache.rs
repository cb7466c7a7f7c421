//! The city cache: the last city read (its buildings in scene metres, its sensors with their
//! last values) kept on disk, so that a viewer starts with it at once and works offline.
//!
//! One file per source and configuration (`city-<key hash>.bin` in `data.cache_dir`, else the
//! user's cache folder). The file: the magic `CITYTWIN`, the format version (`u32`), the
//! payload's length (`u64`) and FNV-1a 64 checksum (`u64`), all little-endian, then the payload
//! ([`postcard`]: the key, when it was written, the file's stamp for a file source, and the
//! [`CityModel`]). A file of another version, another key, a wrong length or checksum is
//! refused with the reason ([`CacheError`]), never half read. Writing goes to a temporary file
//! beside it, synced, then renamed over the old one, so a power cut leaves either the old cache
//! or the new one.
//!
//! ```
//! use citytwin::city::cache;
//! let dir = std::env::temp_dir().join(format!("citytwin-doc-cache-{}", std::process::id()));
//! let config = citytwin::config::Config::default();
//! let model = citytwin::city::load(&citytwin::source::Source::Demo, &config).unwrap();
//! let key = cache::key(&config);
//! let path = cache::path(&dir, &key);
//! cache::write(&path, &cache::encode(&key, &model, None).unwrap()).unwrap();
//! let cached = cache::read(&path, &key).unwrap();
//! assert_eq!(cached.model.buildings.len(), model.buildings.len());
//! assert!(cache::read(&path, "another source").is_err());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use super::CityModel;
use crate::config::{Config, SourceSetting};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The format's version: a cache of any other is ignored (and replaced).
pub const FORMAT: u32 = 2;

const MAGIC: &[u8; 8] = b"CITYTWIN";
const HEADER: usize = 8 + 4 + 8 + 8;

/// Why a cache was not used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// No cache yet (or it cannot be opened).
    #[error("no cache at {0}")]
    Missing(PathBuf),
    /// Not a citytwin cache, or cut short.
    #[error("not a citytwin city cache (or cut short)")]
    NotCache,
    /// Written by another version of citytwin.
    #[error("written in format {found}, this citytwin reads {FORMAT}")]
    OtherFormat {
        /// The version found.
        found: u32,
    },
    /// The payload does not match its checksum or length.
    #[error("damaged: {0}")]
    Damaged(String),
    /// The cache is of another source or configuration.
    #[error("of another source or configuration")]
    OtherKey,
}

/// A file source's size and modification time, to know it unchanged without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Bytes.
    pub len: u64,
    /// Modification time, ns since 1970.
    pub modified_ns: u128,
}

impl FileStamp {
    /// The stamp of a file as it is now (`None` when it cannot be read).
    pub fn of(path: &Path) -> Option<Self> {
        let m = std::fs::metadata(path).ok()?;
        let modified_ns = m
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Self {
            len: m.len(),
            modified_ns,
        })
    }
}

/// A cache as read.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cached {
    /// The key it was written for.
    pub key: String,
    /// When it was written (ms since 1970): how old the city shown is.
    pub written_ms: i64,
    /// For a file source, the file's stamp when it was read.
    pub stamp: Option<FileStamp>,
    /// The city.
    pub model: CityModel,
}

/// The key of a configuration's city: its source (the demo, the broker's URL, tenant and
/// types, or the file's path) and every setting that changes what is decoded (`[data]`,
/// `[scene]`, `[buildings]`, `[views]`, `[models]`, `[sensor_layers]`).
pub fn key(config: &Config) -> String {
    let source = match &config.data.source {
        SourceSetting::Demo => "demo".to_owned(),
        SourceSetting::Broker => format!(
            "broker {} tenant {:?} context {:?}",
            config.broker.url, config.broker.tenant, config.broker.context
        ),
        SourceSetting::File(p) => {
            let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            format!("file {}", p.display())
        }
    };
    // Where and whether the cache is kept does not change the city.
    let mut data = config.data.clone();
    data.cache = crate::config::data::CacheSetting::Off;
    data.cache_dir.clear();
    let settings = serde_json::to_string(&(
        &data,
        &config.scene,
        &config.buildings,
        &config.views,
        &config.models,
        &config.sensor_layers,
    ))
    .unwrap_or_default();
    format!("{source} | {:016x}", fnv1a(settings.as_bytes()))
}

/// The folder of a configuration's caches: `data.cache_dir`, else the user's cache folder.
pub fn dir(config: &Config) -> PathBuf {
    if config.data.cache_dir.is_empty() {
        crate::config::user_cache_dir().join("cities")
    } else {
        config.data.cache_dir.clone().into()
    }
}

/// The cache file of a key in `dir`.
pub fn path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("city-{:016x}.bin", fnv1a(key.as_bytes())))
}

/// The file of a key's [`Extras`] in `dir`, beside its city.
pub fn extras_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("extras-{:016x}.bin", fnv1a(key.as_bytes())))
}

/// What a viewer keeps beside the city to start offline with all of it: the entities it
/// follows besides sensors (citizens' comments, scenarios published to the broker) as
/// NGSI-LD JSON, and the sensors' last hours for the time panel. Written as the city is
/// (same header, checksum and atomic write), whenever they change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extras {
    /// The key it was written for.
    pub key: String,
    /// When it was written (ms since 1970).
    pub written_ms: i64,
    /// Each followed entity, normalised NGSI-LD JSON.
    pub entities: Vec<String>,
    /// The sensors' past values, when they were read.
    pub history: Option<History>,
}

/// The sensors' past values as the broker gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Start of the span (ms since 1970).
    pub from_ms: i64,
    /// End of the span.
    pub to_ms: i64,
    /// Per sensor, its values in time order.
    pub series: Vec<(String, Vec<super::sensor::replay::Point>)>,
}

/// [`Extras`] as a file's bytes, header included.
pub fn encode_extras(extras: &Extras) -> Result<Vec<u8>, postcard::Error> {
    framed(extras)
}

/// Reads and checks the extras written for `key`.
pub fn read_extras(path: &Path, key: &str) -> Result<Extras, CacheError> {
    let bytes = std::fs::read(path).map_err(|_| CacheError::Missing(path.to_owned()))?;
    let extras: Extras = unframed(&bytes)?;
    if extras.key != key {
        return Err(CacheError::OtherKey);
    }
    Ok(extras)
}

/// A value as postcard behind the header.
fn framed<T: Serialize>(value: &T) -> Result<Vec<u8>, postcard::Error> {
    let out = vec![0; HEADER];
    let mut out = postcard::to_extend(value, out)?;
    let len = (out.len() - HEADER) as u64;
    let sum = fnv1a(&out[HEADER..]);
    out[..8].copy_from_slice(MAGIC);
    out[8..12].copy_from_slice(&FORMAT.to_le_bytes());
    out[12..20].copy_from_slice(&len.to_le_bytes());
    out[20..28].copy_from_slice(&sum.to_le_bytes());
    Ok(out)
}

/// The value behind a checked header.
fn unframed<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CacheError> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(CacheError::NotCache);
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
    let found = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or([0; 4]));
    if found != FORMAT {
        return Err(CacheError::OtherFormat { found });
    }
    let (len, sum) = (word(12), word(20));
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return Err(CacheError::Damaged(format!(
            "{} bytes where the header says {len}",
            payload.len()
        )));
    }
    if fnv1a(payload) != sum {
        return Err(CacheError::Damaged("the checksum does not match".into()));
    }
    postcard::from_bytes(payload).map_err(|e| CacheError::Damaged(e.to_string()))
}

/// A city encoded as a cache file's bytes, header included.
pub fn encode(
    key: &str,
    model: &CityModel,
    stamp: Option<FileStamp>,
) -> Result<Vec<u8>, postcard::Error> {
    #[derive(Serialize)]
    struct Borrowed<'a> {
        key: &'a str,
        written_ms: i64,
        stamp: Option<FileStamp>,
        model: &'a CityModel,
    }
    framed(&Borrowed {
        key,
        written_ms: crate::timestamp::now_millis(),
        stamp,
        model,
    })
}

/// Writes a cache file atomically: a temporary file beside it, synced, renamed over it.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself reaches the disk with the folder.
        if let Some(dir) = path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads and checks a cache file written for `key`.
pub fn read(path: &Path, key: &str) -> Result<Cached, CacheError> {
    let bytes = std::fs::read(path).map_err(|_| CacheError::Missing(path.to_owned()))?;
    decode(&bytes, key)
}

/// Checks and decodes a cache file's bytes.
pub fn decode(bytes: &[u8], key: &str) -> Result<Cached, CacheError> {
    let cached: Cached = unframed(bytes)?;
    if cached.key != key {
        return Err(CacheError::OtherKey);
    }
    Ok(cached)
}

/// FNV-1a, 64 bits, eight bytes a round for speed (a checksum, not a defence).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h ^= u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        h = h.wrapping_mul(PRIME);
    }
    for &b in chunks.remainder() {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::{Building, HeightSource};
    use crate::geometry::Footprint;

    fn model() -> CityModel {
        let square = vec![vec![vec![
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ]]];
        CityModel {
            source_label: "test".into(),
            attribution: Some("© test".into()),
            entities_read: 1,
            entities_by_type: [("Building".to_owned(), 1)].into(),
            buildings: vec![Building {
                id: "urn:ngsi-ld:Building:1".into(),
                name: Some("Ett hus".into()),
                address: None,
                height: 12.5,
                base: 0.0,
                height_source: HeightSource::Default,
                footprint: Footprint::new(square).unwrap(),
                attributes: vec![("height".into(), "12.5".into())],
                shell: None,
                elevation: 0.0,
                own_ground: None,
            }],
            skipped: vec![],
            origin: crate::georef::LonLat::new(18.0, 59.3),
            crs: "EPSG:3006".into(),
            bounds: [0.0, 0.0, 10.0, 10.0],
            timings: Default::default(),
            view_points: Default::default(),
            terrain: None,
            sensors: vec![],
            slow: vec![],
        }
    }

    #[test]
    fn a_city_comes_back_as_it_was_written() {
        let m = model();
        let bytes = encode("k", &m, None).unwrap();
        let back = decode(&bytes, "k").unwrap();
        assert_eq!(back.model.buildings, m.buildings);
        assert_eq!(back.model.origin, m.origin);
        assert_eq!(back.model.attribution, m.attribution);
        assert!(back.written_ms > 1_700_000_000_000);
    }

    #[test]
    fn damage_of_any_kind_is_refused_with_its_reason() {
        let bytes = encode("k", &model(), None).unwrap();
        // Every single flipped byte, and every cut, is caught.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(
                decode(&b, "k").is_err(),
                "a flipped byte {i} was not noticed"
            );
        }
        for n in [0, 7, HEADER, bytes.len() - 1] {
            assert!(decode(&bytes[..n], "k").is_err(), "cut at {n}");
        }
        let mut other = bytes.clone();
        other[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        assert!(matches!(
            decode(&other, "k"),
            Err(CacheError::OtherFormat { .. })
        ));
        assert!(matches!(decode(&bytes, "j"), Err(CacheError::OtherKey)));
        assert!(matches!(
            decode(b"{\"json\": 1}", "k"),
            Err(CacheError::NotCache)
        ));
    }

    #[test]
    fn writing_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("citytwin-cache-test-{}", std::process::id()));
        let p = path(&dir, "k");
        write(&p, &encode("k", &model(), None).unwrap()).unwrap();
        let mut m = model();
        m.buildings[0].height = 30.0;
        write(&p, &encode("k", &m, None).unwrap()).unwrap();
        assert_eq!(read(&p, "k").unwrap().model.buildings[0].height, 30.0);
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(files.len(), 1, "only the cache itself");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_key_follows_the_source_and_the_settings_that_change_the_city() {
        let a = Config::default();
        let mut b = Config::default();
        b.buildings.default_height += 1.0;
        assert_ne!(key(&a), key(&b));
        let mut c = Config::default();
        c.data.source = SourceSetting::File("x.json".into());
        assert_ne!(key(&a), key(&c));
        assert_eq!(key(&a), key(&Config::default()));
    }

    #[test]
    fn extras_round_trip_and_are_refused_when_cut_or_of_another_key() {
        let dir = std::env::temp_dir().join(format!("citytwin-extras-{}", std::process::id()));
        let path = extras_path(&dir, "k");
        let extras = Extras {
            key: "k".into(),
            written_ms: 7,
            entities: vec![r#"{"id":"urn:a","type":"IssueReporting"}"#.into()],
            history: Some(History {
                from_ms: 0,
                to_ms: 10,
                series: vec![("s".into(), Vec::new())],
            }),
        };
        let bytes = encode_extras(&extras).unwrap();
        write(&path, &bytes).unwrap();
        assert_eq!(read_extras(&path, "k").unwrap(), extras);
        assert!(matches!(
            read_extras(&path, "other"),
            Err(CacheError::OtherKey)
        ));
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(matches!(
            read_extras(&path, "k"),
            Err(CacheError::Damaged(_))
        ));
        assert!(matches!(
            read_extras(&dir.join("none.bin"), "k"),
            Err(CacheError::Missing(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
