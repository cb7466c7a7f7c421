//! Offline first start: a viewer that read a city from a `citytwin broker` process keeps it in
//! the city cache; the next viewer shows it at once, says it is offline while the broker is
//! down, and shows the broker's city again when it is back. A damaged cache is passed over.

use crate::{citytwin, fixture, temp_dir};
use bevy::app::App;
use citytwin::config::{Config, ConfigOverlay};
use citytwin::scene::CityState;
use std::path::Path;
use std::time::{Duration, Instant};

fn config(url: &str, cache: &Path) -> Config {
    Config::from_layers(vec![
        ConfigOverlay::parse(
            "test",
            &format!(
                "[data]\nsource = \"broker\"\ncache = \"on\"\ncache_dir = \"{}\"\n\
                 [broker]\nurl = \"{url}\"\ntimeout_s = 2\nretries = 0\n",
                cache.display()
            ),
        )
        .unwrap(),
    ])
    .unwrap()
}

fn city(app: &App) -> &CityState {
    app.world().resource::<CityState>()
}

fn run_until(
    app: &mut App,
    what: &str,
    limit_s: u64,
    done: impl Fn(&CityState) -> bool,
) -> Duration {
    let start = Instant::now();
    while !done(city(app)) {
        app.update();
        assert!(
            start.elapsed() < Duration::from_secs(limit_s),
            "no {what} within {limit_s} s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    start.elapsed()
}

fn buildings(app: &App) -> usize {
    city(app).model.as_ref().map_or(0, |m| m.buildings.len())
}

#[test]
fn the_cached_city_shows_at_once_stays_while_offline_and_the_broker_replaces_it() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let _ = citytwin();
    let dir = temp_dir("offline");
    let cache = dir.join("cache");
    let db = dir.join("broker.sqlite").display().to_string();
    let seed = fixture("delft_3dbag_buildings.ngsild.json.gz")
        .display()
        .to_string();
    let port = crate::broker::free_port();
    let broker = crate::broker::start(&["--db", &db, "--seed", &seed], port);
    let url = broker.url.clone();
    let config = config(&url, &cache);
    let file = citytwin::city::cache::path(&cache, &citytwin::city::cache::key(&config));

    // Online: the broker's city, then written to the cache.
    let mut first = citytwin::app::headless(config.clone());
    run_until(&mut first, "city from the broker", 60, CityState::is_ready);
    assert_eq!(city(&first).cached_at, None);
    let n = buildings(&first);
    assert!(n > 1000, "{n} buildings");
    let start = Instant::now();
    while !file.exists() {
        first.update();
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no cache written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(first);

    // The broker goes away: the next start shows the cached city, and says it is offline.
    drop(broker);
    let mut second = citytwin::app::headless(config.clone());
    let took = run_until(&mut second, "the cached city", 30, CityState::is_ready);
    eprintln!("cached city in the scene after {took:?}");
    assert_eq!(buildings(&second), n, "every building from the cache");
    assert!(city(&second).cached_at.is_some());
    run_until(&mut second, "the offline notice", 30, |c| {
        c.offline.is_some()
    });
    assert_eq!(buildings(&second), n, "still shown while offline");

    // The broker is back (same port, same data): the viewer reads it again by itself.
    let broker = crate::broker::start(&["--db", &db], port);
    run_until(&mut second, "the broker's city again", 60, |c| {
        c.cached_at.is_none() && c.offline.is_none() && c.is_ready()
    });
    assert_eq!(buildings(&second), n);
    drop(second);

    // A damaged cache is passed over with a log line, never a crash.
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let mut third = citytwin::app::headless(config);
    run_until(&mut third, "the city despite a damaged cache", 60, |c| {
        c.is_ready() && c.cached_at.is_none()
    });
    assert_eq!(buildings(&third), n);
    drop(broker);
}
