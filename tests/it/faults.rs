//! Faults on the network, injected by a small proxy on loopback between the viewer's live feed
//! and a `citytwin broker` process: answers that take 2 s, intermittent 500s, bodies cut short,
//! connections closed without an answer, a partition (connections accepted, nothing answered)
//! and its healing. Meanwhile sensors keep changing in the broker; after each fault heals the
//! feed must have every sensor's last value (nothing lost), never an older one, and must have
//! said in its status what was happening.

use crate::broker::{free_port, start};
use crate::live::noise;
use crate::{pass_on, read_request};
use citytwin::city::sensor::{Reading, SensorLayer};
use citytwin::config::{Config, NotifyTransport};
use citytwin::georef::LonLat;
use citytwin::live::{self, LiveFeed, LiveMessage, LiveMode, LiveSettings, NotifySettings};
use citytwin::ngsi_ld::Entity;
use citytwin::ngsi_ld::client::{Client, ClientConfig};
use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the proxy does to each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Fault {
    /// Passes it on.
    None = 0,
    /// Answers after 2 s.
    Slow = 1,
    /// Every other request gets a 500.
    Intermittent500 = 2,
    /// The answer is cut in the middle of its body.
    Truncated = 3,
    /// The connection is closed without an answer.
    Reset = 4,
    /// Connections are accepted and never answered.
    Partition = 5,
}

struct Proxy {
    port: u16,
    fault: Arc<AtomicU8>,
}

impl Proxy {
    fn set(&self, f: Fault) {
        self.fault.store(f as u8, Ordering::SeqCst);
    }
}

/// A proxy on a free loopback port to `backend`, one request per connection.
fn proxy(backend: u16) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fault = Arc::new(AtomicU8::new(0));
    let counter = Arc::new(AtomicUsize::new(0));
    let f = fault.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (fault, counter) = (f.clone(), counter.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client);
                let Ok(Some((head, body))) = read_request(&mut reader) else {
                    return;
                };
                let mut client = reader.into_inner();
                let n = counter.fetch_add(1, Ordering::SeqCst);
                match fault.load(Ordering::SeqCst) {
                    4 => return,
                    5 => {
                        // Held open, unanswered, until the partition heals.
                        while fault.load(Ordering::SeqCst) == 5 {
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        return;
                    }
                    2 if n % 2 == 0 => {
                        let body = r#"{"type":"https://uri.etsi.org/ngsi-ld/errors/InternalError","title":"Internal error","status":500}"#;
                        let _ = write!(
                            client,
                            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        return;
                    }
                    1 => std::thread::sleep(Duration::from_secs(2)),
                    _ => {}
                }
                let mut answer = pass_on(&head, &body, backend);
                if fault.load(Ordering::SeqCst) == 3 {
                    // Cut inside the body, keeping the head's Content-Length.
                    let head_end = answer
                        .windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .map_or(answer.len(), |p| p + 4);
                    let keep = head_end + (answer.len() - head_end) / 2;
                    answer.truncate(keep);
                }
                let _ = client.write_all(&answer);
            });
        }
    });
    Proxy { port, fault }
}

/// The value and the mode the feed has said last, read from its messages.
#[derive(Default)]
struct Seen {
    values: HashMap<String, f64>,
    modes: Vec<LiveMode>,
}

impl Seen {
    fn take(&mut self, feed: &LiveFeed, for_: Duration) {
        let until = Instant::now() + for_;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let Ok(m) = feed
                .messages
                .recv_timeout(left.min(Duration::from_millis(100)))
            else {
                continue;
            };
            match m {
                LiveMessage::Changed(s, _) => {
                    if let Reading::Number(v) = s.reading {
                        let old = self.values.insert(s.id.clone(), v);
                        assert!(
                            old.is_none_or(|o| o <= v),
                            "{} went back from {old:?} to {v}",
                            s.id
                        );
                    }
                }
                LiveMessage::Status(mode, _) => self.modes.push(mode),
                _ => {}
            }
        }
    }
}

#[test]
fn the_live_feed_rides_out_slow_answers_500s_cut_bodies_resets_and_a_partition() {
    let broker = start(&["--db", ":memory:"], free_port());
    let backend: u16 = broker.url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = proxy(backend);
    let direct = Client::new(ClientConfig {
        retries: 0,
        ..ClientConfig::new(broker.url.clone())
    })
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ids: Vec<String> = (0..5)
        .map(|i| format!("urn:ngsi-ld:NoiseLevelObserved:fault-{i}"))
        .collect();
    // Values rise with time, so a value going back would show a lost or reordered update.
    let mut value = 40.0;
    let mut write_all = |minute: u32| {
        value += 1.0;
        let observed = format!("2026-12-06T{:02}:{:02}:00Z", 8 + minute / 60, minute % 60);
        let entities: Vec<Entity> = ids.iter().map(|id| noise(id, value, &observed)).collect();
        rt.block_on(direct.batch_upsert(&entities, 10)).unwrap();
        value
    };
    write_all(0);
    let feed = live::start(LiveSettings {
        client: ClientConfig {
            retries: 0,
            timeout: Duration::from_secs(4),
            ..ClientConfig::new(format!("http://127.0.0.1:{}", proxy.port))
        },
        layers: SensorLayer::all(&Config::default()),
        origin: LonLat::new(-73.99, 40.75),
        crs: "EPSG:32618".into(),
        max_distance_m: 50_000.0,
        poll_interval: Duration::from_millis(300),
        notify: NotifySettings {
            transport: NotifyTransport::Poll,
            ..NotifySettings::default()
        },
        also_follow: Vec::new(),
        past_written: None,
    });
    let mut seen = Seen::default();
    seen.take(&feed, Duration::from_secs(3));
    assert_eq!(seen.values.len(), 5, "every sensor read at first");
    let mut minute = 1;
    for fault in [
        Fault::Slow,
        Fault::Intermittent500,
        Fault::Truncated,
        Fault::Reset,
        Fault::Partition,
    ] {
        proxy.set(fault);
        seen.modes.clear();
        // Changes go on in the broker while the feed cannot see them well.
        for _ in 0..3 {
            write_all(minute);
            minute += 1;
            seen.take(&feed, Duration::from_millis(700));
        }
        seen.take(&feed, Duration::from_secs(5));
        let during = seen.modes.clone();
        proxy.set(Fault::None);
        let last = write_all(minute);
        minute += 1;
        // Healed: every sensor reaches the last value written.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && !ids.iter().all(|id| seen.values.get(id) == Some(&last))
        {
            seen.take(&feed, Duration::from_millis(200));
        }
        for id in &ids {
            assert_eq!(
                seen.values.get(id),
                Some(&last),
                "{fault:?}: {id} after healing"
            );
        }
        // A fault that stops every answer is said in the status; so is the way back.
        if matches!(fault, Fault::Reset | Fault::Partition) {
            assert!(during.contains(&LiveMode::Offline), "{fault:?}: {during:?}");
            assert!(
                seen.modes.contains(&LiveMode::Polling),
                "{fault:?}: back to polling"
            );
        }
    }
    drop(feed);
    drop(broker);
}
