//! A tile from its server through the disk cache, as a browser's cache would: a fresh tile
//! from the cache without asking; a stale one asked for again with its ETag (`304 Not
//! Modified` keeps it); `Cache-Control` (`max-age`, `no-cache`, `no-store`) and `Expires`
//! honoured. When the server cannot be reached or fails, a stale tile is better than none:
//! that is how a kiosk works offline. Errors never name the URL (it may hold an access key).

use super::cache::{Cached, TileCache, TileMeta, unix_seconds};
use super::{TileId, TileSource};
use reqwest::header::{CACHE_CONTROL, ETAG, EXPIRES, HeaderMap, IF_NONE_MATCH};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How long a tile stays fresh when its server says nothing about it.
pub const HEURISTIC_FRESHNESS: Duration = Duration::from_secs(24 * 3600);

/// The largest tile accepted (bytes): an image tile is tens of kilobytes.
pub const MAX_TILE_BYTES: usize = 8 << 20;

/// Where a tile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The server sent it.
    Network,
    /// The cache, after the server said it had not changed.
    Revalidated,
    /// The cache, fresh.
    Cache,
    /// The cache, past its expiry: the server could not be asked.
    Stale,
}

/// A tile's image, as the server sent it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The encoded image (PNG, JPEG).
    pub body: Vec<u8>,
    /// Where it came from.
    pub origin: Origin,
}

/// Fetches tiles through a cache.
#[derive(Clone)]
pub struct Fetcher {
    http: reqwest::Client,
    cache: Option<Arc<Mutex<TileCache>>>,
}

impl Fetcher {
    /// A fetcher keeping tiles in `cache` (None: no cache).
    pub fn new(cache: Option<TileCache>) -> Result<Self, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            // Tile servers ask that a client names itself (OpenStreetMap's policy).
            .user_agent(concat!(
                "citytwin/",
                env!("CARGO_PKG_VERSION"),
                " (3D city viewer)"
            ))
            .build()
            .map_err(|e| format!("cannot set up HTTP for map tiles: {e}"))?;
        Ok(Self {
            http,
            cache: cache.map(|c| Arc::new(Mutex::new(c))),
        })
    }

    /// The cache's size in bytes and tiles, if there is one.
    pub fn cache_size(&self) -> Option<(u64, usize)> {
        let c = self.cache.as_ref()?.lock().ok()?;
        Some((c.size(), c.len()))
    }

    fn cached(&self, key: &str, tile: TileId) -> Option<Cached> {
        self.cache.as_ref()?.lock().ok()?.get(key, tile)
    }

    fn keep(&self, key: &str, tile: TileId, cached: &Cached) {
        if let Some(Ok(mut c)) = self.cache.as_ref().map(|c| c.lock())
            && let Err(e) = c.put(key, tile, cached)
        {
            tracing::warn!("map tiles: cannot keep a tile on disk: {e}");
        }
    }

    /// The tile's image: from the cache while fresh, else from the server (revalidating what
    /// the cache holds), else what the cache holds however old. The error says why there is
    /// none.
    pub async fn fetch(&self, source: &TileSource, tile: TileId) -> Result<Fetched, String> {
        let key = source.cache_key();
        let now = SystemTime::now();
        let held = self.cached(&key, tile);
        if let Some(c) = &held
            && c.is_fresh(now)
        {
            return Ok(Fetched {
                body: c.body.clone(),
                origin: Origin::Cache,
            });
        }
        let stale = |why: String| match &held {
            Some(c) => Ok(Fetched {
                body: c.body.clone(),
                origin: Origin::Stale,
            }),
            None => Err(why),
        };
        let mut request = self.http.get(source.url_of(tile));
        if let Some(etag) = held.as_ref().and_then(|c| c.meta.etag.as_deref()) {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return stale(format!("cannot reach the server: {}", e.without_url())),
        };
        let status = response.status();
        let (meta, store) = policy(response.headers(), now);
        if status == reqwest::StatusCode::NOT_MODIFIED
            && let Some(c) = &held
        {
            if store && let Some(Ok(mut cache)) = self.cache.as_ref().map(|c| c.lock()) {
                let _ = cache.refresh(&key, tile, meta);
            }
            return Ok(Fetched {
                body: c.body.clone(),
                origin: Origin::Revalidated,
            });
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err("the server has no such tile (404)".to_owned());
        }
        if !status.is_success() {
            return stale(format!("the server answered {status}"));
        }
        let body = match read_body(response).await {
            Ok(b) => b,
            Err(why) => return stale(why),
        };
        let cached = Cached { meta, body };
        if store {
            self.keep(&key, tile, &cached);
        }
        Ok(Fetched {
            body: cached.body,
            origin: Origin::Network,
        })
    }
}

/// The body, refused past [`MAX_TILE_BYTES`].
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_TILE_BYTES {
                    return Err(format!(
                        "the tile is larger than {} MB",
                        MAX_TILE_BYTES >> 20
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(format!("the tile was cut off: {}", e.without_url())),
        }
    }
}

/// What a response's headers allow: the validators with the expiry, and whether it may be
/// kept at all (`no-store` forbids it).
///
/// ```
/// use citytwin::maptiles::fetch::policy;
/// use reqwest::header::{HeaderMap, HeaderValue};
/// use std::time::{Duration, UNIX_EPOCH};
/// let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
/// let mut h = HeaderMap::new();
/// h.insert("cache-control", HeaderValue::from_static("public, max-age=600"));
/// h.insert("etag", HeaderValue::from_static("\"v1\""));
/// let (meta, store) = policy(&h, now);
/// assert_eq!((meta.expires, meta.etag.as_deref(), store), (1_000_600, Some("\"v1\""), true));
/// ```
pub fn policy(headers: &HeaderMap, now: SystemTime) -> (TileMeta, bool) {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let now_s = unix_seconds(now);
    let mut store = true;
    let mut expires = None;
    if let Some(cc) = text(CACHE_CONTROL) {
        for d in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if d == "no-store" {
                store = false;
            } else if d == "no-cache" {
                expires = Some(now_s);
            } else if let Some(s) = d.strip_prefix("max-age=")
                && expires.is_none()
            {
                expires = Some(now_s + s.trim_matches('"').parse::<u64>().unwrap_or(0));
            }
        }
    }
    if expires.is_none()
        && let Some(e) = text(EXPIRES)
    {
        // An invalid date (often "0" or "-1") means already expired.
        expires = Some(
            chrono::DateTime::parse_from_rfc2822(e)
                .ok()
                .map_or(now_s, |d| d.timestamp().max(0) as u64),
        );
    }
    let meta = TileMeta {
        etag: text(ETAG).map(str::to_owned),
        expires: expires.unwrap_or(now_s + HEURISTIC_FRESHNESS.as_secs()),
    };
    (meta, store)
}
