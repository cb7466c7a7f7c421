//! Live sensors end to end: the simulator and the viewer's live feed against `citytwin broker`
//! started as a separate process, over loopback HTTP.

use crate::broker::{BrokerProcess, free_port, start};
use crate::{citytwin, run, temp_dir};
use citytwin::city::sensor::{Reading, SensorLayer};
use citytwin::config::{Config, NotifyTransport};
use citytwin::georef::LonLat;
use citytwin::live::{
    self, FeedStats, LiveFeed, LiveMessage, LiveMode, LiveSettings, NotifySettings,
};
use citytwin::ngsi_ld::client::{Client, ClientConfig};
use citytwin::ngsi_ld::mqtt::MqttEndpoint;
use citytwin::ngsi_ld::{Entity, Representation, parse_entity};
use serde_json::json;
use std::time::{Duration, Instant};

/// A noise sensor in Midtown with one reading.
pub(crate) fn noise(id: &str, laeq: f64, observed: &str) -> Entity {
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
    feed_with(
        url,
        NotifySettings {
            transport: NotifyTransport::Poll,
            ..NotifySettings::default()
        },
    )
}

fn feed_with(url: &str, notify: NotifySettings) -> LiveFeed {
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
        notify,
        also_follow: Vec::new(),
        past_written: None,
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
        LiveMessage::Changed(s, _) if s.id == id => match s.reading {
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
        |m| matches!(m, LiveMessage::Removed(id, _) if id == b),
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
    let why = why.text(citytwin::language::Language::English);
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

/// A Mosquitto process on a free loopback port, stopped when dropped.
struct Mosquitto {
    child: std::process::Child,
    port: u16,
    _dir: std::path::PathBuf,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mosquitto(port: u16) -> Mosquitto {
    let dir = temp_dir(&format!("mosquitto-{port}"));
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .unwrap();
    let bin = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("mosquitto");
    let child = std::process::Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mosquitto runs (make test installs it: apt-get install mosquitto)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Mosquitto {
        child,
        port,
        _dir: dir,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The latest stats the feed sent, reading messages for `wait`.
fn stats_after(feed: &LiveFeed, wait: Duration, done: impl Fn(&FeedStats) -> bool) -> FeedStats {
    let deadline = Instant::now() + wait;
    let mut last = FeedStats::default();
    while Instant::now() < deadline {
        if let Ok(LiveMessage::Stats(s)) = feed.messages.recv_timeout(Duration::from_millis(100)) {
            last = s;
            if done(&last) {
                break;
            }
        }
    }
    last
}

/// A GET answered with JSON.
fn get_json(url: &str) -> serde_json::Value {
    runtime().block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
}

/// The notification endpoint the viewer gave the broker (from the broker's subscriptions).
fn viewer_endpoint(url: &str) -> (String, String) {
    let subs = get_json(&format!("{url}/ngsi-ld/v1/subscriptions"));
    let s = &subs[0];
    (
        s["id"].as_str().unwrap().to_owned(),
        s["notification"]["endpoint"]["uri"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn http_notifications_reach_the_feed_refuse_strangers_and_survive_a_restart() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = temp_dir("live-http");
    let db_arg = dir.join("broker.sqlite").display().to_string();
    let port = free_port();
    let mut broker = start(&["--db", &db_arg], port);
    let url = broker.url.clone();
    let rt = runtime();
    let c = client(&url);
    let ids: Vec<String> = (0..40)
        .map(|i| format!("urn:ngsi-ld:NoiseLevelObserved:n{i:02}"))
        .collect();
    let all: Vec<Entity> = ids
        .iter()
        .map(|id| noise(id, 50.0, "2026-11-23T10:00:00Z"))
        .collect();
    rt.block_on(c.batch_upsert(&all, 100)).unwrap();
    let f = feed_with(
        &url,
        NotifySettings {
            transport: NotifyTransport::Http,
            ..NotifySettings::default()
        },
    );
    wait_for(&f, "HTTP notification mode", |m| {
        matches!(m, LiveMessage::Status(LiveMode::Http, _))
    });

    // A PATCH reaches the feed as a notification; a late, older value does not roll it back.
    let a = ids[0].as_str();
    rt.block_on(c.batch_update(&[noise(a, 71.5, "2026-11-23T10:05:00Z")], 10))
        .unwrap();
    wait_for(&f, "the notified value", |m| value_of(m, a) == Some(71.5));
    rt.block_on(c.batch_update(&[noise(a, 40.0, "2026-11-23T10:01:00Z")], 10))
        .unwrap();
    // A deleted entity disappears.
    let gone = ids[39].as_str();
    rt.block_on(c.delete(gone)).unwrap();
    wait_for(
        &f,
        "the removal",
        |m| matches!(m, LiveMessage::Removed(id, _) if id == gone),
    );

    // Another client subscribes with the viewer's endpoint: its notifications are refused.
    let (ours, endpoint) = viewer_endpoint(&url);
    let http = reqwest::Client::new();
    let status = rt.block_on(async {
        http.post(format!("{url}/ngsi-ld/v1/subscriptions"))
            .json(
                &json!({"id": "urn:ngsi-ld:Subscription:stranger", "type": "Subscription",
                "entities": [{"type": "NoiseLevelObserved"}],
                "notification": {"endpoint": {"uri": endpoint}}}),
            )
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 201);
    rt.block_on(c.batch_update(&[noise(ids[1].as_str(), 66.0, "2026-11-23T10:06:00Z")], 10))
        .unwrap();
    let stats = stats_after(&f, Duration::from_secs(10), |s| s.refused >= 1);
    assert!(stats.refused >= 1, "{stats:?}");
    let stranger = get_json(&format!(
        "{url}/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:stranger"
    ));
    assert_eq!(stranger["notification"]["status"], "failed", "{stranger}");
    assert!(
        stranger["notification"]["lastFailureReason"]
            .as_str()
            .unwrap()
            .contains("403"),
        "{stranger}"
    );

    // A stream of updates, one per sensor, with the broker killed and restarted halfway:
    // every update ends up in the feed.
    let mut latest = std::collections::HashMap::new();
    let mut seen = std::collections::HashMap::new();
    let note = |m: &LiveMessage, seen: &mut std::collections::HashMap<String, f64>| {
        if let LiveMessage::Changed(s, _) = m
            && let Reading::Number(v) = s.reading
        {
            seen.insert(s.id.clone(), v);
        }
    };
    for (i, id) in ids.iter().take(39).enumerate() {
        if i == 20 {
            let _ = broker.child_mut().kill();
            let _ = broker.child_mut().wait();
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                assert!(Instant::now() < deadline, "no offline status");
                if let Ok(m) = f.messages.recv_timeout(Duration::from_millis(100)) {
                    note(&m, &mut seen);
                    if matches!(m, LiveMessage::Status(LiveMode::Offline, _)) {
                        break;
                    }
                }
            }
            broker = start(&["--db", &db_arg], port);
        }
        let value = 100.0 + i as f64;
        let observed = format!("2026-11-23T11:{:02}:00Z", i);
        // The writer retries until the broker takes the update.
        let deadline = Instant::now() + Duration::from_secs(20);
        while rt
            .block_on(c.batch_update(&[noise(id, value, &observed)], 10))
            .is_err()
        {
            assert!(Instant::now() < deadline, "the broker took no update");
            std::thread::sleep(Duration::from_millis(100));
        }
        latest.insert(id.clone(), value);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && latest.iter().any(|(id, v)| seen.get(id) != Some(v)) {
        if let Ok(m) = f.messages.recv_timeout(Duration::from_millis(100)) {
            note(&m, &mut seen);
        }
    }
    let lost: Vec<_> = latest
        .iter()
        .filter(|(id, v)| seen.get(*id) != Some(v))
        .collect();
    assert!(lost.is_empty(), "updates lost across the restart: {lost:?}");

    // Stopping the feed deletes its subscription.
    drop(f);
    let subs = get_json(&format!("{url}/ngsi-ld/v1/subscriptions"));
    assert!(
        subs.as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != json!(ours)),
        "the viewer's subscription is gone: {subs}"
    );
    drop(broker);
}

#[test]
fn a_thousand_malformed_notifications_are_counted_and_the_feed_goes_on() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let broker = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let c = client(&broker.url);
    let a = "urn:ngsi-ld:NoiseLevelObserved:m";
    rt.block_on(c.batch_upsert(&[noise(a, 50.0, "2026-11-23T10:00:00Z")], 10))
        .unwrap();
    let f = feed_with(
        &broker.url,
        NotifySettings {
            transport: NotifyTransport::Http,
            max_bytes: 64 * 1024,
            ..NotifySettings::default()
        },
    );
    wait_for(&f, "HTTP notification mode", |m| {
        matches!(m, LiveMessage::Status(LiveMode::Http, _))
    });
    let (ours, endpoint) = viewer_endpoint(&broker.url);
    let big = "x".repeat(100 * 1024);
    let bodies: Vec<String> = (0..1000)
        .map(|i| match i % 10 {
            0 => "{".to_owned(),
            1 => "[1, 2, 3]".to_owned(),
            2 => "null".to_owned(),
            3 => json!({"data": []}).to_string(),
            4 => json!({"subscriptionId": "urn:someone-else", "data": []}).to_string(),
            5 => json!({"subscriptionId": ours, "data": "not an array"}).to_string(),
            6 => json!({"subscriptionId": ours}).to_string(),
            7 => json!({"body": {"subscriptionId": ours, "data": {"id": 1}}}).to_string(),
            8 => format!("{{\"subscriptionId\": \"{ours}\", \"data\": [\"{big}\"]}}"),
            _ => "\u{feff}\u{0}garbage".to_owned(),
        })
        .collect();
    let http = reqwest::Client::new();
    let refused = rt.block_on(async {
        let mut refused = 0;
        for b in bodies {
            let r = http
                .post(&endpoint)
                .header("Content-Type", "application/json")
                .body(b)
                .send()
                .await
                .unwrap();
            if !r.status().is_success() {
                refused += 1;
            }
        }
        refused
    });
    // Bodies with our id and an unreadable `data` are taken (204) and counted when read.
    assert_eq!(
        refused, 700,
        "invalid JSON, strangers and oversized bodies get 4xx"
    );
    let stats = stats_after(&f, Duration::from_secs(10), |s| {
        s.malformed + s.refused + s.too_large >= 1000
    });
    assert_eq!(stats.malformed, 800, "{stats:?}");
    assert_eq!(stats.refused, 100, "{stats:?}");
    assert_eq!(stats.too_large, 100, "{stats:?}");
    // Still alive: a real change arrives.
    rt.block_on(c.batch_update(&[noise(a, 77.0, "2026-11-23T10:05:00Z")], 10))
        .unwrap();
    wait_for(&f, "a real change after the junk", |m| {
        value_of(m, a) == Some(77.0)
    });
}

#[test]
fn mqtt_notifications_through_mosquitto_and_polling_while_it_is_down() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mqtt_port = free_port();
    let mut mq = mosquitto(mqtt_port);
    let broker = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let c = client(&broker.url);
    let (a, b) = (
        "urn:ngsi-ld:NoiseLevelObserved:qa",
        "urn:ngsi-ld:NoiseLevelObserved:qb",
    );
    rt.block_on(c.batch_upsert(
        &[
            noise(a, 50.0, "2026-11-23T10:00:00Z"),
            noise(b, 50.0, "2026-11-23T10:00:00Z"),
        ],
        10,
    ))
    .unwrap();
    let f = feed_with(
        &broker.url,
        NotifySettings {
            transport: NotifyTransport::Mqtt,
            mqtt: Some(MqttEndpoint::parse(&format!("mqtt://127.0.0.1:{}", mq.port)).unwrap()),
            ..NotifySettings::default()
        },
    );
    wait_for(&f, "MQTT notification mode", |m| {
        matches!(m, LiveMessage::Status(LiveMode::Mqtt, _))
    });
    let (_, endpoint) = viewer_endpoint(&broker.url);
    assert!(endpoint.starts_with("mqtt://127.0.0.1:"), "{endpoint}");
    rt.block_on(c.batch_update(&[noise(a, 61.0, "2026-11-23T10:05:00Z")], 10))
        .unwrap();
    wait_for(&f, "the value through MQTT", |m| {
        value_of(m, a) == Some(61.0)
    });
    let stats = stats_after(&f, Duration::from_secs(5), |s| s.notifications >= 1);
    assert!(
        stats.notifications >= 1,
        "it came as a notification: {stats:?}"
    );
    rt.block_on(c.delete(b)).unwrap();
    wait_for(
        &f,
        "the removal",
        |m| matches!(m, LiveMessage::Removed(id, _) if id == b),
    );

    // Mosquitto stops: the feed polls and says why; a change still arrives.
    drop(mq);
    let m = wait_for(
        &f,
        "polling while MQTT is down",
        |m| matches!(m, LiveMessage::Status(LiveMode::Polling, why) if why.text(citytwin::language::Language::English).contains("MQTT")),
    );
    eprintln!("{m:?}");
    rt.block_on(c.batch_update(&[noise(a, 62.0, "2026-11-23T10:06:00Z")], 10))
        .unwrap();
    wait_for(&f, "a value by polling", |m| value_of(m, a) == Some(62.0));
    // It comes back: notifications again.
    mq = mosquitto(mqtt_port);
    wait_for(&f, "MQTT mode again", |m| {
        matches!(m, LiveMessage::Status(LiveMode::Mqtt, _))
    });
    rt.block_on(c.batch_update(&[noise(a, 63.0, "2026-11-23T10:07:00Z")], 10))
        .unwrap();
    wait_for(&f, "the value through MQTT again", |m| {
        value_of(m, a) == Some(63.0)
    });
    drop(mq);
}

#[test]
fn temporal_queries_return_the_instances_of_each_timerel() {
    use citytwin::ngsi_ld::request::EntityQuery;
    use citytwin::ngsi_ld::temporal::{TemporalQuery, TimeRel};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let broker = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let c = client(&broker.url);
    let id = "urn:ngsi-ld:NoiseLevelObserved:t";
    let at = |m: u32| format!("2026-11-23T10:{m:02}:00Z");
    rt.block_on(c.batch_upsert(&[noise(id, 1.0, &at(0))], 10))
        .unwrap();
    for (i, m) in [10, 20, 30, 40].into_iter().enumerate() {
        let mut e = noise(id, 2.0 + i as f64, &at(m));
        e.attributes.remove("location");
        rt.block_on(c.batch_update(&[e], 10)).unwrap();
    }
    let query = |timerel: Option<TimeRel>, last_n: Option<usize>| TemporalQuery {
        entities: EntityQuery {
            ids: vec![id.to_owned()],
            attrs: vec!["LAeq".to_owned()],
            ..EntityQuery::default()
        },
        timerel,
        last_n,
        ..TemporalQuery::default()
    };
    let values = |q: TemporalQuery| -> Vec<(f64, String)> {
        let got = rt.block_on(c.temporal(&q)).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].entity_type, "NoiseLevelObserved");
        assert!(
            got[0].series.keys().all(|k| k == "LAeq"),
            "attrs picks the attribute: {:?}",
            got[0].series.keys()
        );
        got[0].series["LAeq"]
            .iter()
            .map(|s| (s.value.as_f64().unwrap(), s.at.clone()))
            .collect()
    };
    let all = values(query(None, None));
    assert_eq!(
        all.iter().map(|v| v.0).collect::<Vec<_>>(),
        [1.0, 2.0, 3.0, 4.0, 5.0]
    );
    assert_eq!(all[1].1, at(10));
    let before = values(query(Some(TimeRel::Before(at(20))), None));
    assert_eq!(before.iter().map(|v| v.0).collect::<Vec<_>>(), [1.0, 2.0]);
    let after = values(query(Some(TimeRel::After(at(20))), None));
    assert_eq!(
        after.iter().map(|v| v.0).collect::<Vec<_>>(),
        [3.0, 4.0, 5.0]
    );
    let between = values(query(Some(TimeRel::Between(at(10), at(30))), None));
    assert_eq!(between.iter().map(|v| v.0).collect::<Vec<_>>(), [2.0, 3.0]);
    let last = values(query(None, Some(2)));
    assert_eq!(last.iter().map(|v| v.0).collect::<Vec<_>>(), [4.0, 5.0]);
    // The temporalValues form carries the same instances.
    let mut tv = query(Some(TimeRel::After(at(20))), None);
    tv.temporal_values = true;
    assert_eq!(values(tv), after);

    // Aggregated: averages over 20-minute periods from 10:00.
    let mut agg = query(
        Some(TimeRel::Between(at(0), "2026-11-23T11:00:00Z".into())),
        None,
    );
    agg.aggregate = Some((vec!["avg".into(), "max".into()], "PT20M".into()));
    let got = rt.block_on(c.temporal(&agg)).unwrap();
    let ms = |t: &str| citytwin::timestamp::parse_millis(t).unwrap();
    let avg: Vec<(f64, i64)> = got[0].aggregates["LAeq"]["avg"]
        .iter()
        .map(|s| (s.value.as_f64().unwrap(), ms(&s.at)))
        .collect();
    assert_eq!(
        avg,
        [(1.5, ms(&at(0))), (3.5, ms(&at(20))), (5.0, ms(&at(40)))],
        "{:?}",
        got[0].aggregates
    );
    assert_eq!(got[0].aggregates["LAeq"]["max"][1].value, json!(4.0));

    // Past instances can be added (POST /temporal/entities) and are found by time.
    rt.block_on(
        c.temporal_create(&json!({"id": id, "type": "NoiseLevelObserved",
        "LAeq": [{"type": "Property", "value": 0.5, "observedAt": "2026-11-23T09:00:00Z"}]})),
    )
    .unwrap();
    let early = values(query(Some(TimeRel::Before(at(0))), None));
    assert_eq!(early, [(0.5, "2026-11-23T09:00:00Z".to_owned())]);

    // A time that is not a time is refused with a reason.
    let status = rt.block_on(async {
        reqwest::get(format!(
            "{}/ngsi-ld/v1/temporal/entities/{id}?timerel=after&timeAt=yesterday",
            broker.url
        ))
        .await
        .unwrap()
        .status()
    });
    assert_eq!(status, 400);
}

/// A local broker holding the real Delft district (3D BAG buildings), as a process.
fn delft_broker() -> BrokerProcess {
    let buildings = crate::fixture("delft_3dbag_buildings.ngsild.json.gz");
    start(
        &[
            "--db",
            ":memory:",
            "--seed",
            &buildings.display().to_string(),
        ],
        free_port(),
    )
}

/// A sensor in the middle of the Delft district.
fn in_delft(
    id: &str,
    etype: &str,
    attribute: &str,
    value: serde_json::Value,
    observed: &str,
) -> Entity {
    parse_entity(
        &json!({"id": id, "type": etype,
            attribute: {"type": "Property", "value": value, "observedAt": observed},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [4.3695, 52.0022]}}}),
        Representation::Normalized,
    )
    .unwrap()
    .0
}

/// A headless viewer of the broker at `url`, live by HTTP notifications.
pub(crate) fn headless_viewer(url: &str) -> bevy::app::App {
    let config = Config::from_layers(vec![
        citytwin::config::ConfigOverlay::parse(
            "test",
            &format!(
                "[data]\nsource = \"broker\"\n[broker]\nurl = \"{url}\"\n[live]\nmode = \"http\"\n"
            ),
        )
        .unwrap(),
    ])
    .unwrap();
    citytwin::app::headless(config)
}

/// Runs frames until `done` says so, for up to 60 s.
fn run_app_until(app: &mut bevy::app::App, what: &str, done: impl Fn(&mut bevy::app::App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        app.update();
        if done(app) {
            return;
        }
        assert!(Instant::now() < deadline, "no {what} within 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn marker(app: &mut bevy::app::App, id: &str) -> Option<citytwin::scene::SensorMarker> {
    let world = app.world_mut();
    let mut q = world.query::<&citytwin::scene::SensorMarker>();
    q.iter(world).find(|m| m.sensor.id == id).cloned()
}

#[test]
fn a_patch_to_the_broker_changes_the_value_in_a_headless_apps_ecs() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let broker = delft_broker();
    let rt = runtime();
    let c = client(&broker.url);
    let id = "urn:ngsi-ld:NoiseLevelObserved:delft";
    let noise = |laeq: f64, observed: &str| {
        in_delft(id, "NoiseLevelObserved", "LAeq", json!(laeq), observed)
    };
    rt.block_on(c.batch_upsert(&[noise(48.0, "2026-11-23T10:00:00Z")], 10))
        .unwrap();
    let mut app = headless_viewer(&broker.url);
    let value_in_ecs = |app: &mut bevy::app::App| -> Option<f64> {
        marker(app, id).map(|m| match m.sensor.reading {
            Reading::Number(v) => v,
            _ => f64::NAN,
        })
    };
    run_app_until(&mut app, "first value", |app| {
        value_in_ecs(app) == Some(48.0)
    });
    let mode = |app: &bevy::app::App| app.world().resource::<citytwin::scene::LiveState>().mode;
    run_app_until(&mut app, "live mode by HTTP", |app| {
        mode(app) == LiveMode::Http
    });
    rt.block_on(c.batch_update(&[noise(63.5, "2026-11-23T10:05:00Z")], 10))
        .unwrap();
    run_app_until(&mut app, "patched value", |app| {
        value_in_ecs(app) == Some(63.5)
    });

    // The subscription follows the visible layers: hiding the noise layer drops its type;
    // showing it again brings the value written meanwhile (a fresh query).
    let subscribed_types = |url: &str| -> Vec<String> {
        let subs = get_json(&format!("{url}/ngsi-ld/v1/subscriptions"));
        let subs = subs.as_array().unwrap();
        assert_eq!(subs.len(), 1, "one subscription: {subs:?}");
        let mut types: Vec<String> = subs[0]["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect();
        types.sort();
        types
    };
    assert_eq!(
        subscribed_types(&broker.url),
        [
            "AirQualityObserved",
            "IssueReporting",
            "NoiseLevelObserved",
            "PlanningScenario",
            "ProposedBuilding",
            "TrafficFlowObserved",
            "WeatherObserved"
        ],
        "the layers shown at start, the comments and the published scenarios"
    );
    let show_noise = |app: &mut bevy::app::App, visible: bool| {
        app.world_mut()
            .write_message(citytwin::scene::SetLayerVisible {
                layer: "noise".into(),
                visible,
            });
    };
    show_noise(&mut app, false);
    let url = broker.url.clone();
    run_app_until(&mut app, "a subscription without the hidden layer", |_| {
        std::thread::sleep(Duration::from_millis(50));
        let subs = get_json(&format!("{url}/ngsi-ld/v1/subscriptions"));
        subs.as_array()
            .is_some_and(|a| a.len() == 1 && !a[0].to_string().contains("NoiseLevelObserved"))
    });
    assert_eq!(
        subscribed_types(&broker.url),
        [
            "AirQualityObserved",
            "IssueReporting",
            "PlanningScenario",
            "ProposedBuilding",
            "TrafficFlowObserved",
            "WeatherObserved"
        ]
    );
    rt.block_on(c.batch_update(&[noise(70.0, "2026-11-23T10:10:00Z")], 10))
        .unwrap();
    show_noise(&mut app, true);
    run_app_until(&mut app, "the value written while hidden", |app| {
        value_in_ecs(app) == Some(70.0)
    });
    assert!(subscribed_types(&broker.url).contains(&"NoiseLevelObserved".to_owned()));

    rt.block_on(c.delete(id)).unwrap();
    run_app_until(&mut app, "deletion", |app| value_in_ecs(app).is_none());
}

#[test]
fn the_time_panel_replays_the_sensors_past_values_in_a_headless_app() {
    use citytwin::city::sensor::STALE_COLOR;
    use citytwin::scene::{ClockCommand, SceneClock};
    use citytwin::scene::{HistoryStatus, SensorReplay};
    use citytwin::timestamp::{format_millis, now_millis};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let broker = delft_broker();
    let rt = runtime();
    let c = client(&broker.url);
    let hour = 3_600_000;
    let now = now_millis();
    let at = |t: i64| format_millis(t);
    let noise_id = "urn:ngsi-ld:NoiseLevelObserved:delft-markt";
    let light_id = "urn:ngsi-ld:Streetlight:delft-markt";
    rt.block_on(c.batch_upsert(
        &[
            in_delft(
                noise_id,
                "NoiseLevelObserved",
                "LAeq",
                json!(55.0),
                &at(now - 60_000),
            ),
            in_delft(
                light_id,
                "Streetlight",
                "powerState",
                json!("on"),
                &at(now - 60_000),
            ),
        ],
        10,
    ))
    .unwrap();
    // Their past: numbers are read as 5-minute averages, text values as each change.
    for (id, etype, attribute, values) in [
        (
            noise_id,
            "NoiseLevelObserved",
            "LAeq",
            [json!(40.0), json!(70.0)],
        ),
        (
            light_id,
            "Streetlight",
            "powerState",
            [json!("off"), json!("low")],
        ),
    ] {
        rt.block_on(
            c.temporal_create(&json!({"id": id, "type": etype, attribute: [
                {"type": "Property", "value": values[0], "observedAt": at(now - 6 * hour)},
                {"type": "Property", "value": values[1], "observedAt": at(now - 4 * hour)},
            ]})),
        )
        .unwrap();
    }
    let mut app = headless_viewer(&broker.url);
    run_app_until(&mut app, "the markers", |app| {
        marker(app, noise_id).is_some() && marker(app, light_id).is_some()
    });
    // Live: the current values.
    assert!(marker(&mut app, noise_id).unwrap().shown.is_none());

    // Ten minutes before the second value: the first, by then well over the hour after which
    // a value is drawn stale.
    app.world_mut()
        .write_message(ClockCommand::Seek(now - 4 * hour - 10 * 60_000));
    run_app_until(&mut app, "the past values", |app| {
        app.world().resource::<SensorReplay>().status == HistoryStatus::Ready
            && marker(app, noise_id).is_some_and(|m| m.shown.is_some())
    });
    let replay = app.world().resource::<SensorReplay>();
    assert!(replay.notes.is_empty(), "{:?}", replay.notes);
    let noise = marker(&mut app, noise_id).unwrap();
    let shown = noise.shown.clone().unwrap();
    assert_eq!(shown.reading, Reading::Number(40.0));
    assert!(shown.label.contains("40"), "{}", shown.label);
    assert_eq!(shown.color, STALE_COLOR);
    assert!(
        noise
            .label(
                now,
                60 * 60_000,
                &app.world().resource::<citytwin::scene::SensorLayers>().0[noise.sensor.layer],
                citytwin::language::Language::English
            )
            .1
            .is_some(),
        "stale labels say how old"
    );
    let light = marker(&mut app, light_id).unwrap().shown.unwrap();
    assert_eq!(light.reading, Reading::Text("off".into()));
    assert!(light.label.starts_with("off"), "{}", light.label);

    // Just after the second instance: its value, fresh.
    app.world_mut()
        .write_message(ClockCommand::Seek(now - 4 * hour + 60_000));
    run_app_until(&mut app, "the value at four hours ago", |app| {
        marker(app, noise_id)
            .and_then(|m| m.shown)
            .is_some_and(|s| s.reading == Reading::Number(70.0))
    });
    let noise = marker(&mut app, noise_id).unwrap();
    let layers = app.world().resource::<citytwin::scene::SensorLayers>();
    let expected = layers.0[noise.sensor.layer].color(&Reading::Number(70.0));
    assert_eq!(Some(noise.shown.unwrap().color), expected);
    assert_eq!(
        marker(&mut app, light_id).unwrap().shown.unwrap().reading,
        Reading::Text("low".into())
    );

    // Ten hours ago nothing was known yet.
    app.world_mut()
        .write_message(ClockCommand::Seek(now - 10 * hour));
    run_app_until(&mut app, "no data ten hours ago", |app| {
        marker(app, noise_id)
            .and_then(|m| m.shown)
            .is_some_and(|s| s.reading == Reading::Missing)
    });

    // Playing at an hour a second reaches the present and goes live.
    app.world_mut().write_message(ClockCommand::Speed(3600.0));
    app.world_mut().write_message(ClockCommand::Play);
    run_app_until(&mut app, "live again after playing", |app| {
        app.world().resource::<SceneClock>().is_live()
            && marker(app, noise_id).is_some_and(|m| m.shown.is_none())
    });
    assert_eq!(
        marker(&mut app, noise_id).unwrap().sensor.reading,
        Reading::Number(55.0)
    );
}
