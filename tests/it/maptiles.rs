//! Map tiles from a tile server on loopback: HTTP caching, the tiles a view asks for, the
//! disk cache when the server is gone, and the picture.

use crate::{read_request, temp_dir};
use citytwin::georef::LonLat;
use citytwin::map_feed::{FeedMessage, FeedSettings, Look, MapFeed, TileKey};
use citytwin::maptiles::fetch::{Fetcher, Origin};
use citytwin::maptiles::select::TileView;
use citytwin::maptiles::{EQUATOR_M, TILE_PX, TileId, TileSource};
use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A tile server on loopback: every tile a PNG of one colour, with an ETag and the
/// `Cache-Control` given; `If-None-Match` with the ETag gets 304. It logs the paths asked
/// for (with `If-None-Match` when sent) and stops when dropped.
pub(crate) struct TileServer {
    pub port: u16,
    pub log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl TileServer {
    pub fn start(rgb: [u8; 3], cache_control: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut png = Vec::new();
        image::RgbaImage::from_pixel(256, 256, image::Rgba([rgb[0], rgb[1], rgb[2], 255]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let (png, log, stop) = (png.clone(), log2.clone(), stop2.clone());
                std::thread::spawn(move || {
                    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                    while let Ok(Some((head, _))) = read_request(&mut reader) {
                        // Stopped: kept-alive connections close too, unanswered.
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let path = head[0].split(' ').nth(1).unwrap_or("").to_owned();
                        let revalidate = head
                            .iter()
                            .any(|l| l.to_ascii_lowercase().starts_with("if-none-match: \"v1\""));
                        log.lock()
                            .unwrap()
                            .push(format!("{path}{}", if revalidate { " (etag)" } else { "" }));
                        let head = if revalidate {
                            format!(
                                "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nCache-Control: {cache_control}\r\nContent-Length: 0\r\n\r\n"
                            )
                        } else {
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nETag: \"v1\"\r\nCache-Control: {cache_control}\r\nContent-Length: {}\r\n\r\n",
                                png.len()
                            )
                        };
                        let _ = stream.write_all(head.as_bytes());
                        if !revalidate {
                            let _ = stream.write_all(&png);
                        }
                    }
                });
            }
        });
        Self { port, log, stop }
    }

    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/tiles/{{z}}/{{x}}/{{y}}.png?key=SECRET",
            self.port
        )
    }

    pub fn asked(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for TileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag and closes the port.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn source(url: String) -> TileSource {
    TileSource {
        name: "test".into(),
        url,
        subdomains: Vec::new(),
        max_zoom: 19,
        attribution: "© test".into(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_stale_tile_is_revalidated_with_its_etag_and_served_from_the_cache_when_the_server_is_gone() {
    let dir = temp_dir("tile-fetch");
    let server = TileServer::start([200, 40, 40], "max-age=0");
    let src = source(server.url());
    let t = TileId::containing(-73.9857, 40.7484, 16);
    let cache = citytwin::maptiles::cache::TileCache::open(&dir, 10_000_000).unwrap();
    let fetcher = Fetcher::new(Some(cache)).unwrap();
    let rt = runtime();
    let first = rt.block_on(fetcher.fetch(&src, t)).unwrap();
    assert_eq!(first.origin, Origin::Network);
    assert!(image::load_from_memory(&first.body).is_ok());
    let second = rt.block_on(fetcher.fetch(&src, t)).unwrap();
    assert_eq!(second.origin, Origin::Revalidated);
    assert_eq!(second.body, first.body);
    let path = format!("/tiles/16/{}/{}.png?key=SECRET", t.x, t.y);
    assert_eq!(server.asked(), vec![path.clone(), format!("{path} (etag)")]);
    drop(server);
    let third = rt.block_on(fetcher.fetch(&src, t)).unwrap();
    assert_eq!(third.origin, Origin::Stale);
    assert_eq!(third.body, first.body);
    // Without a cache nothing can be shown, and the error names no URL (it holds a key).
    let bare = Fetcher::new(None).unwrap();
    let e = rt.block_on(bare.fetch(&src, t)).unwrap_err();
    assert!(e.contains("cannot reach"), "{e}");
    assert!(!e.contains("SECRET") && !e.contains("127.0.0.1"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Midtown; the eye 320 m above it looking straight down (zoom 18 then needs 1.41 screen
/// pixels a tile pixel, zoom 17 2.83).
const MIDTOWN: (f64, f64) = (-73.9857, 40.7484);

fn view_down(height: f64) -> TileView {
    TileView {
        eye: [0.0, height, 0.0],
        forward: [0.0, -1.0, 0.0],
        half_angle: 0.6,
        pixels_per_radian: 800.0 / 0.8,
        texel_px: 1.5,
        max_tiles: 200,
    }
}

/// A tile and where it came from (or why it did not).
type Came = (TileKey, Result<Origin, String>);

/// Runs a feed for one look until every tile it wants has come; returns the wanted tiles
/// and what came for each.
fn feed_once(
    url: String,
    cache: (std::path::PathBuf, u64),
    view: TileView,
) -> (Vec<TileKey>, Vec<Came>) {
    let (feed, worker) = MapFeed::spawn(
        FeedSettings {
            sources: vec![source(url)],
            origin: LonLat::new(MIDTOWN.0, MIDTOWN.1),
            crs: "EPSG:32618".into(),
            cache: Some(cache),
        },
        None,
    )
    .unwrap();
    feed.look(Look {
        view,
        terrain: None,
    });
    let (mut wanted, mut got) = (None, Vec::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    while wanted
        .as_ref()
        .is_none_or(|w: &Vec<TileKey>| got.len() < w.len())
    {
        assert!(Instant::now() < deadline, "tiles came too slowly");
        match feed.rx.recv_timeout(Duration::from_secs(30)).unwrap() {
            FeedMessage::Wanted(w) => wanted = Some(w),
            FeedMessage::Tile(t) => {
                assert_eq!(t.size, (256, 256));
                // The image and its mip levels down to one pixel.
                assert_eq!(t.levels, 9);
                assert_eq!(
                    t.rgba.len(),
                    (0..9)
                        .map(|l| (256usize >> l) * (256 >> l) * 4)
                        .sum::<usize>()
                );
                got.push((t.key, Ok(t.origin)));
            }
            FeedMessage::Missing(k, why) => got.push((k, Err(why))),
            FeedMessage::Failed(why) => panic!("{why}"),
        }
    }
    drop(worker);
    (wanted.unwrap(), got)
}

#[test]
fn a_view_asks_for_the_tiles_it_needs_nearest_first_and_a_second_start_draws_them_offline() {
    let dir = temp_dir("tile-feed");
    let server = TileServer::start([40, 200, 40], "max-age=3600");
    let url = server.url();
    let bound = 2_000_000;
    let (wanted, got) = feed_once(url.clone(), (dir.clone(), bound), view_down(320.0));
    // The zoom where one pixel of a tile covers at most 1.5 on the screen from 320 m.
    let cos = MIDTOWN.1.to_radians().cos();
    let ppr = 800.0 / 0.8;
    let z = (EQUATOR_M * cos * ppr / (TILE_PX * 320.0 * 1.5))
        .log2()
        .ceil() as u8;
    assert_eq!(z, 18);
    let under = TileId::containing(MIDTOWN.0, MIDTOWN.1, z);
    assert_eq!(wanted[0].tile, under, "the tile under the eye first");
    let asked = server.asked();
    // Asked for in the first round of requests (they go out together).
    let first = format!("/tiles/{z}/{}/{}.png?key=SECRET", under.x, under.y);
    assert!(
        asked[..citytwin::map_feed::CONCURRENT_REQUESTS].contains(&first),
        "{first} not among the first asked: {asked:?}"
    );
    // Each tile asked for once, and every one came from the server.
    assert_eq!(asked.len(), wanted.len());
    assert!(
        got.iter().all(|(_, o)| *o == Ok(Origin::Network)),
        "{got:?}"
    );
    // Far away the tiles are coarser.
    assert!(wanted.iter().any(|k| k.tile.z + 3 < z));
    // The cache stayed under its bound.
    let held = citytwin::maptiles::cache::TileCache::open(&dir, u64::MAX).unwrap();
    assert!(held.size() <= bound && !held.is_empty());
    drop(held);
    drop(server);
    // The server gone: a second start draws every tile from the disk.
    let (again, got) = feed_once(url, (dir.clone(), bound), view_down(320.0));
    assert_eq!(again, wanted);
    let from_disk = got
        .iter()
        .filter(|(_, o)| matches!(o, Ok(Origin::Cache)))
        .count();
    // (The cache's bound may have cost a few of the farthest.)
    assert!(
        from_disk * 10 >= wanted.len() * 9,
        "{from_disk} of {} from the cache: {got:?}",
        wanted.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
