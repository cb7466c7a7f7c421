//! Offline first start: a viewer that read a city from a `citytwin broker` process keeps it in
//! the city cache, with the citizens' comments beside it; the next viewer shows both at once,
//! says it is offline while the broker is down, and shows the broker's city and comments again
//! when it is back (a comment deleted meanwhile goes). A damaged cache is passed over.

use crate::{citytwin, fixture, temp_dir};
use bevy::app::App;
use citytwin::config::{Config, ConfigOverlay};
use citytwin::ngsi_ld::client::{Client, ClientConfig};
use citytwin::scene::{CityState, CommentsState};
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

const COMMENT: &str = "urn:ngsi-ld:IssueReporting:offline-test";

fn has_comment(app: &App) -> bool {
    app.world()
        .resource::<CommentsState>()
        .comments
        .contains_key(COMMENT)
}

/// Creates (or deletes) the test's comment at the broker.
fn comment_at(url: &str, create: bool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(ClientConfig::new(url)).unwrap();
    if create {
        let json = serde_json::json!({
            "id": COMMENT, "type": "IssueReporting",
            "category": {"type": "Property", "value": "idea"},
            "description": {"type": "Property", "value": "A bench by the canal, please."},
            "location": {"type": "GeoProperty",
                         "value": {"type": "Point", "coordinates": [4.3571, 52.0116]}},
            "dateCreated": {"type": "Property", "value": "2026-12-06T10:00:00Z"},
            "resolutionStatus": {"type": "Property", "value": "Open"},
        });
        let (e, _) =
            citytwin::ngsi_ld::parse_entity(&json, citytwin::ngsi_ld::Representation::Normalized)
                .unwrap();
        runtime.block_on(client.create(&e)).unwrap();
    } else {
        runtime.block_on(client.delete(COMMENT)).unwrap();
    }
}

fn run_app_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(app) {
        app.update();
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {what} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
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
    let extras = citytwin::city::cache::extras_path(&cache, &citytwin::city::cache::key(&config));
    comment_at(&url, true);

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
    // The comment comes with the live feed, and is kept beside the city.
    run_app_until(&mut first, "the comment", has_comment);
    run_app_until(&mut first, "the comment kept", |_| {
        citytwin::city::cache::read_extras(&extras, &citytwin::city::cache::key(&config))
            .is_ok_and(|x| x.entities.iter().any(|e| e.contains(COMMENT)))
    });
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
    run_app_until(&mut second, "the kept comment while offline", has_comment);
    assert!(city(&second).offline.is_some(), "still offline");

    // The broker is back (same port, same data but the comment, deleted meanwhile): the
    // viewer reads it again by itself, and the kept comment goes.
    let broker = crate::broker::start(&["--db", &db], port);
    comment_at(&url, false);
    run_until(&mut second, "the broker's city again", 60, |c| {
        c.cached_at.is_none() && c.offline.is_none() && c.is_ready()
    });
    assert_eq!(buildings(&second), n);
    run_app_until(&mut second, "the deleted comment gone", |app| {
        !has_comment(app)
    });
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
