//! Live sensors end to end: the simulator and the viewer's live feed against `citytwin broker`
//! started as a separate process, over loopback HTTP.

use crate::broker::{BrokerProcess, free_port, start};
use crate::{citytwin, run, temp_dir};
use citytwin::config::Config;
use citytwin::georef::LonLat;
use citytwin::ngsi_ld::client::{Client, ClientConfig};
use citytwin::ngsi_ld::{Entity, Representation, parse_entity};
use citytwin::sensors::live::{self, LiveFeed, LiveMessage, LiveMode, LiveSettings};
use citytwin::sensors::{Reading, SensorLayer};
use serde_json::json;
use std::time::{Duration, Instant};

fn noise(id: &str, laeq: f64, observed: &str) -> Entity {
    parse_entity(
        &json!({"id": id, "type": "NoiseLevelObserved",
            "LAeq": {"type": "Property", "value": laeq, "unitCode": "2N", "observedAt": observed},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [-73.9855, 40.758]}}}),
        Representation::Normalized,
    )
    .unwrap()
    .0
}

fn client(url: &str) -> Client {
    Client::new(ClientConfig {
        retries: 0,
        ..ClientConfig::new(url)
    })
    .unwrap()
}

fn feed(url: &str) -> LiveFeed {
    live::start(LiveSettings {
        client: ClientConfig {
            retries: 0,
            timeout: Duration::from_secs(2),
            ..ClientConfig::new(url)
        },
        layers: SensorLayer::all(&Config::default()),
        origin: LonLat::new(-73.99, 40.75),
        crs: "EPSG:32618".into(),
        max_distance_m: 50_000.0,
        poll_interval: Duration::from_millis(200),
        simulation: None,
    })
}

/// Waits up to 20 s for a message that `want` accepts.
fn wait_for(feed: &LiveFeed, what: &str, want: impl Fn(&LiveMessage) -> bool) -> LiveMessage {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(m) = feed.messages.recv_timeout(Duration::from_millis(200))
            && want(&m)
        {
            return m;
        }
    }
    panic!("no {what} within 20 s");
}

fn value_of(m: &LiveMessage, id: &str) -> Option<f64> {
    match m {
        LiveMessage::Changed(s) if s.id == id => match s.reading {
            Reading::Number(v) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn the_live_feed_follows_changes_deletes_and_a_broker_restart() {
    let dir = temp_dir("live-restart");
    let db = dir.join("broker.sqlite");
    let db_arg = db.display().to_string();
    let port = free_port();
    let mut broker: BrokerProcess = start(&["--db", &db_arg], port);
    let url = broker.url.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = client(&url);
    let (a, b) = (
        "urn:ngsi-ld:NoiseLevelObserved:a",
        "urn:ngsi-ld:NoiseLevelObserved:b",
    );
    rt.block_on(c.batch_upsert(
        &[
            noise(a, 60.0, "2026-11-23T10:00:00Z"),
            noise(b, 50.0, "2026-11-23T10:00:00Z"),
        ],
        10,
    ))
    .unwrap();
    let f = feed(&url);
    wait_for(&f, "first value of a", |m| value_of(m, a) == Some(60.0));
    wait_for(&f, "polling status", |m| {
        matches!(m, LiveMessage::Status(LiveMode::Polling, _))
    });

    // A change in the broker reaches the feed.
    rt.block_on(c.batch_update(&[noise(a, 71.5, "2026-11-23T10:05:00Z")], 10))
        .unwrap();
    wait_for(&f, "the changed value", |m| value_of(m, a) == Some(71.5));

    // An older value written late does not roll the sensor back.
    rt.block_on(c.batch_update(&[noise(a, 40.0, "2026-11-23T10:01:00Z")], 10))
        .unwrap();
    // A deleted entity disappears.
    rt.block_on(c.delete(b)).unwrap();
    wait_for(
        &f,
        "the removal",
        |m| matches!(m, LiveMessage::Removed(id) if id == b),
    );

    // The broker goes away: the feed says so and keeps what it has.
    let _ = broker.child_mut().kill();
    let _ = broker.child_mut().wait();
    let m = wait_for(&f, "offline status", |m| {
        matches!(m, LiveMessage::Status(LiveMode::Offline, _))
    });
    let LiveMessage::Status(_, why) = m else {
        unreachable!()
    };
    assert!(why.contains("last known values"), "{why}");

    // It comes back on the same port with the same database; a change made meanwhile (here
    // right after the restart) arrives through the resynchronising query.
    let _broker = start(&["--db", &db_arg], port);
    let c = client(&url);
    rt.block_on(c.batch_update(&[noise(a, 55.0, "2026-11-23T10:10:00Z")], 10))
        .unwrap();
    let mut seen_rollback = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = false;
    while Instant::now() < deadline && !got {
        if let Ok(m) = f.messages.recv_timeout(Duration::from_millis(200)) {
            match value_of(&m, a) {
                Some(55.0) => got = true,
                Some(40.0) => seen_rollback = true,
                _ => {}
            }
        }
    }
    assert!(got, "the change after the restart arrived");
    assert!(!seen_rollback, "the late, older value was never applied");
}

#[test]
fn simulate_writes_sensors_that_check_places_and_that_say_they_are_simulated() {
    let broker = start(&["--db", ":memory:"], free_port());
    let out = run(citytwin().args([
        "simulate",
        "--broker",
        &broker.url,
        "--duration",
        "2",
        "--rate",
        "40",
    ]));
    assert!(out.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["sensors"], 157);
    assert_eq!(stats["failures"], 0);
    assert!(stats["updates"].as_u64().unwrap() > 20, "{stats}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SIMULATED"), "{stderr}");

    let out = run(citytwin().args(["check", "--json", "--broker", &broker.url]));
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sensors"], 157, "{report}");
    assert_eq!(report["sensors_by_layer"]["Traffic (speed)"], 24);
    assert_eq!(report["sensors_by_layer"]["Air quality (NO₂)"], 8);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 0);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = rt
        .block_on(client(&broker.url).get_entity("urn:ngsi-ld:AirQualityObserved:citytwin-sim-003"))
        .unwrap()
        .expect("the simulator's air quality station 3");
    assert_eq!(
        e.attribute("dataProvider").unwrap().as_str(),
        Some(citytwin::simulate::PROVIDER)
    );
    let no2 = e.attribute("no2").unwrap();
    assert_eq!(no2.unit_code.as_deref(), Some("GQ"));
    assert!(no2.observed_at.is_some());
}
