//! Citizens' comments between two headless viewers through a `citytwin broker` process:
//! one writes, the other shows it; the stored entity holds only the allowed attributes; a
//! moderator hides it from the other; a comment written while the broker is down waits on
//! disk and arrives exactly once when the broker is back; the export is valid GeoJSON and CSV.

use crate::{citytwin, fixture, run, temp_dir};
use bevy::app::App;
use citytwin::comment::{ALLOWED_ATTRIBUTES, Problem};
use citytwin::config::{Config, ConfigOverlay};
use citytwin::ngsi_ld::client::{Client, ClientConfig};
use citytwin::ngsi_ld::request::EntityQuery;
use citytwin::scene::{CityState, CommentCommand, CommentNotice, CommentsState, Writing};
use std::path::Path;
use std::time::{Duration, Instant};

/// A headless viewer of the broker at `url`, its comments queued in `queue`.
fn viewer(url: &str, queue: &Path, moderator: bool, min_interval_s: u32) -> App {
    let config = Config::from_layers(vec![
        ConfigOverlay::parse(
            "test",
            &format!(
                "[data]\nsource = \"broker\"\n[broker]\nurl = \"{url}\"\n[live]\nmode = \"http\"\n\
                 [sensors]\npoll_interval_s = 1\n\
                 [comments]\nqueue_dir = \"{}\"\nmoderator = {moderator}\n\
                 min_interval_s = {min_interval_s}\n",
                queue.display()
            ),
        )
        .unwrap(),
    ])
    .unwrap();
    citytwin::app::headless(config)
}

/// Runs frames of all `apps` until `done` holds for the first, for up to 60 s.
fn run_until(apps: &mut [&mut App], what: &str, done: impl Fn(&App) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        for app in apps.iter_mut() {
            app.update();
        }
        if done(apps[0]) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {what} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn state(app: &App) -> &CommentsState {
    app.world().resource::<CommentsState>()
}

/// Writes a comment in `app` at the scene's origin and submits it.
fn write(app: &mut App, text: &str) {
    let origin = app
        .world()
        .resource::<CityState>()
        .model
        .as_ref()
        .unwrap()
        .origin;
    for m in [
        CommentCommand::Write,
        CommentCommand::SetCategory("problem".into()),
        CommentCommand::SetText(text.into()),
        CommentCommand::SetSpot([origin.lon, origin.lat], 4.0),
    ] {
        app.world_mut().write_message(m);
    }
    app.update();
    app.world_mut().write_message(CommentCommand::Submit);
}

fn thanked(app: &App) -> bool {
    matches!(state(app).notice, Some(CommentNotice::Thanks(_)))
}

/// The broker's comments with this text.
fn stored(url: &str, text: &str) -> Vec<citytwin::ngsi_ld::Entity> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(ClientConfig::new(url)).unwrap();
    let q = EntityQuery {
        types: vec!["IssueReporting".into()],
        ..EntityQuery::default()
    };
    runtime
        .block_on(client.query_all(&q, &mut |_, _| {}))
        .unwrap()
        .entities
        .into_iter()
        .filter(|e| {
            e.attribute("description")
                .and_then(|a| a.as_str())
                .is_some_and(|d| d == text)
        })
        .collect()
}

#[test]
fn a_comment_reaches_a_second_viewer_is_moderated_and_survives_a_broker_restart() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = temp_dir("comments");
    let db = dir.join("broker.sqlite");
    let buildings = fixture("delft_3dbag_buildings.ngsild.json.gz");
    let port = crate::broker::free_port();
    let db_arg = db.display().to_string();
    let seed = buildings.display().to_string();
    let mut broker = crate::broker::start(&["--db", &db_arg, "--seed", &seed], port);
    let url = broker.url.clone();
    let mut a = viewer(&url, &dir.join("queue-a"), true, 0);
    // The second as a kiosk: one comment an hour.
    let mut b = viewer(&url, &dir.join("queue-b"), false, 3600);
    run_until(&mut [&mut a, &mut b], "city in both viewers", |_| true);
    for app in [&mut a, &mut b] {
        run_until(&mut [app], "the city", |app| {
            app.world().resource::<CityState>().is_ready() && state(app).has_broker
        });
    }

    // Bad input is refused with a reason, and the text is kept.
    write(&mut a, &"å".repeat(501));
    run_until(&mut [&mut a], "the refusal", |app| {
        state(app).notice.is_some()
    });
    assert_eq!(
        state(&a).notice,
        Some(CommentNotice::Problem(Problem::TooLong {
            chars: 501,
            max: 500
        }))
    );
    assert_eq!(state(&a).draft.text.chars().count(), 501);
    assert_eq!(state(&a).writing, Writing::Open);

    // One viewer writes; the other shows it.
    let text = "The crossing here needs a longer green light";
    write(&mut a, text);
    run_until(&mut [&mut a, &mut b], "the broker's acceptance", thanked);
    let id = state(&a)
        .comments
        .values()
        .find(|c| c.text == text)
        .unwrap()
        .id
        .clone();
    let took = run_until(
        &mut [&mut b, &mut a],
        "the comment in the second viewer",
        |app| state(app).comments.contains_key(&id),
    );
    eprintln!("the comment reached the second viewer {took:?} after it was stored");
    let seen = &state(&b).comments[&id];
    assert_eq!((seen.category.as_str(), seen.height), ("problem", 4.0));
    assert!(seen.created.ends_with(":00Z"), "{}", seen.created);

    // The kiosk takes one, then asks to wait, keeping the text.
    write(&mut b, "From the kiosk");
    run_until(&mut [&mut b, &mut a], "the kiosk's comment", thanked);
    write(&mut b, "And another one");
    run_until(&mut [&mut b], "the kiosk's limit", |app| {
        state(app).notice.is_some()
    });
    assert!(
        matches!(state(&b).notice, Some(CommentNotice::Problem(Problem::TooSoon { wait_s })) if wait_s > 3500),
        "{:?}",
        state(&b).notice
    );
    assert_eq!(state(&b).draft.text, "And another one");

    // Only the allowed attributes are stored.
    let entities = stored(&url, text);
    assert_eq!(entities.len(), 1);
    for name in entities[0].attributes.keys() {
        assert!(ALLOWED_ATTRIBUTES.contains(&name.as_str()), "{name} stored");
    }

    // The moderator hides it: the second viewer no longer shows it; then shows it again.
    a.world_mut()
        .write_message(CommentCommand::SetHidden(id.clone(), true));
    run_until(
        &mut [&mut b, &mut a],
        "the hidden mark in the second viewer",
        |app| state(app).comments.get(&id).is_some_and(|c| c.hidden),
    );
    assert!(state(&b).listed().iter().all(|c| c.id != id));
    assert!(
        state(&a).listed().iter().any(|c| c.id == id),
        "moderators see it"
    );
    assert_eq!(stored(&url, text).len(), 1, "hidden, not deleted");
    a.world_mut()
        .write_message(CommentCommand::SetHidden(id.clone(), false));
    run_until(&mut [&mut b, &mut a], "the comment shown again", |app| {
        state(app).listed().iter().any(|c| c.id == id)
    });

    // The broker goes away while a comment is written: it waits on disk, unacknowledged.
    broker.child_mut().kill().unwrap();
    broker.child_mut().wait().unwrap();
    let later = "Written while the broker was away";
    write(&mut a, later);
    run_until(&mut [&mut a], "the waiting notice", |app| {
        state(app).notice == Some(CommentNotice::Problem(Problem::Waiting))
    });
    assert!(matches!(state(&a).writing, Writing::Sending(_)));
    assert_eq!(
        waiting(&dir.join("queue-a")).len(),
        1,
        "one comment waits on disk"
    );
    // Back: it arrives, once.
    let broker = crate::broker::start(&["--db", &db_arg], port);
    run_until(
        &mut [&mut a, &mut b],
        "the queued comment's acceptance",
        thanked,
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(stored(&broker.url, later).len(), 1, "stored exactly once");
    let left = waiting(&dir.join("queue-a"));
    assert!(left.is_empty(), "nothing waits: {left:?}");

    // The export: the visible comments, or all of them marked.
    let export = |args: &[&str]| -> String {
        let out = run(citytwin()
            .args(["comments", "export", "--broker", &broker.url])
            .args(args));
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    a.world_mut()
        .write_message(CommentCommand::SetHidden(id.clone(), true));
    run_until(&mut [&mut a], "the comment hidden again", |app| {
        state(app).comments.get(&id).is_some_and(|c| c.hidden)
    });
    let visible: serde_json::Value = serde_json::from_str(&export(&[])).unwrap();
    let all: serde_json::Value = serde_json::from_str(&export(&["--all"])).unwrap();
    valid_geojson(&visible);
    valid_geojson(&all);
    let n = |v: &serde_json::Value| v["features"].as_array().unwrap().len();
    assert_eq!((n(&visible), n(&all)), (2, 3));
    assert!(
        all["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["properties"]["hidden"] == true && f["id"] == id.as_str())
    );
    let csv = export(&["--format", "csv", "--all"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,category,description,longitude,latitude,height_m,date_created,resolution_status,scenario,hidden"
        )
    );
    assert_eq!(lines.count(), 3);
    drop(a);
    drop(b);
}

/// The comments waiting in a queue folder (one subfolder per broker).
fn waiting(queue: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for broker in std::fs::read_dir(queue).unwrap() {
        for f in std::fs::read_dir(broker.unwrap().path()).unwrap() {
            found.push(f.unwrap().path());
        }
    }
    found
}

/// A GeoJSON FeatureCollection as RFC 7946 asks: Points with longitude and latitude in range
/// (Points have no winding; rings would be checked counter-clockwise).
fn valid_geojson(v: &serde_json::Value) {
    assert_eq!(v["type"], "FeatureCollection");
    for f in v["features"].as_array().unwrap() {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        assert!(c.len() == 2 || c.len() == 3);
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat));
        assert!(f["properties"]["description"].is_string());
    }
}

/// A broker that answers every request with `status` (and a ProblemDetails body).
fn refusing_broker(status: u16) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let problem = r#"{"type":"https://uri.etsi.org/ngsi-ld/errors/BadRequestData","title":"refused"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Refused\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{problem}",
                problem.len()
            );
        }
    });
    url
}

#[test]
fn a_refused_comment_comes_back_with_its_text_and_a_failing_broker_keeps_it_waiting() {
    use citytwin::comment::queue::Queue;
    use citytwin::comment::{Comment, Draft, Limits};
    use citytwin::outbox::{OutboxEvent, OutboxRequest};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let draft = Draft {
        category: "idea".into(),
        text: "Trees on this square".into(),
        lonlat: [18.07, 59.33],
        ..Draft::default()
    };
    for (status, refused) in [(403, true), (413, true), (503, false)] {
        let dir = temp_dir(&format!("outbox-{status}"));
        let queue = Queue::open(&dir).unwrap();
        let mut config = ClientConfig::new(refusing_broker(status));
        config.retries = 0;
        let outbox = citytwin::outbox::start(config, queue.clone());
        let c = Comment::from_draft(&draft, &Limits::default(), 0).unwrap();
        outbox.ask(OutboxRequest::Send(Box::new(c.clone())));
        let deadline = Instant::now() + Duration::from_secs(30);
        let event = loop {
            let e = outbox
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("an answer from the outbox");
            if !matches!(e, OutboxEvent::Queued(_)) {
                break e;
            }
        };
        match event {
            OutboxEvent::Refused {
                comment, problem, ..
            } if refused => {
                assert_eq!(comment.text, draft.text, "the text is given back");
                assert_eq!(problem, Problem::Refused { status });
                let words = problem.message(citytwin::language::Language::Swedish);
                assert!(words.contains("Din text finns kvar"), "{words}");
                assert!(
                    queue.pending().0.is_empty(),
                    "a refused comment does not wait"
                );
            }
            OutboxEvent::Waiting { id, .. } if !refused => {
                assert_eq!(id, c.id);
                assert_eq!(queue.pending().0, vec![c], "it waits on disk");
            }
            other => panic!("{status}: unexpected {other:?}"),
        }
    }
}
