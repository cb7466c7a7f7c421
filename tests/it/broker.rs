//! The NGSI-LD client against `citytwin broker` started as a separate process, over loopback
//! HTTP. Set CITYTWIN_TEST_BROKER=http://host:port to run the broker-independent tests against
//! another broker too (Orion-LD, Scorpio, Stellio); they use a tenant of their own.

use crate::{citytwin, fixture, temp_dir};
use citytwin::ngsi_ld::client::{Auth, Client, ClientConfig, ClientError, Secret};
use citytwin::ngsi_ld::geo_query::GeoQuery;
use citytwin::ngsi_ld::problem::ProblemKind;
use citytwin::ngsi_ld::request::EntityQuery;
use citytwin::ngsi_ld::{Entity, Representation, parse_entity};
use serde_json::json;
use std::collections::BTreeSet;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A `citytwin broker` process, stopped when dropped.
pub struct BrokerProcess {
    child: Child,
    /// Its URL.
    pub url: String,
}

impl BrokerProcess {
    /// The process, to stop it on purpose.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start(args: &[&str], port: u16) -> BrokerProcess {
    let mut cmd = citytwin();
    cmd.arg("broker")
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let child = cmd.spawn().expect("citytwin broker starts");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the broker did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    BrokerProcess { child, url }
}

/// A plain HTTP client for raw requests (rustls needs its crypto provider first).
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client(url: &str, tenant: Option<&str>) -> Client {
    Client::new(ClientConfig {
        tenant: tenant.map(str::to_owned),
        retries: 1,
        ..ClientConfig::new(url)
    })
    .unwrap()
}

fn sensor(i: usize) -> Entity {
    parse_entity(
        &json!({"id": format!("urn:ngsi-ld:TestSensor:{i:05}"), "type": "TestSensor",
                "value": {"type": "Property", "value": i},
                "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [10.0 + (i % 50) as f64 * 0.001, 50.0 + (i / 50) as f64 * 0.001]}}}),
        Representation::Normalized,
    )
    .unwrap()
    .0
}

/// The external broker, if the user asked for one.
fn external() -> Option<String> {
    match std::env::var("CITYTWIN_TEST_BROKER") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "external broker tests skipped: set CITYTWIN_TEST_BROKER=http://host:port to run them against Orion-LD, Scorpio or Stellio"
            );
            None
        }
    }
}

/// Writes 2,500 entities and reads them back through paging; each comes back exactly once.
fn paging_returns_each_entity_once(url: &str, tenant: Option<&str>) {
    let rt = runtime();
    let c = client(url, tenant);
    let entities: Vec<Entity> = (0..2_500).map(sensor).collect();
    let outcome = rt.block_on(c.batch_upsert(&entities, 500)).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut totals = Vec::new();
    let q = EntityQuery {
        types: vec!["TestSensor".into()],
        ..Default::default()
    };
    let got = rt
        .block_on(c.query_all(&q, &mut |_, total| totals.push(total)))
        .unwrap();
    let ids: Vec<&str> = got.entities.iter().map(|e| e.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 2_500, "no entity twice");
    assert_eq!(unique.len(), 2_500, "every entity");
    assert_eq!(
        totals.last(),
        Some(&Some(2_500)),
        "the total comes from NGSILD-Results-Count"
    );
    assert_eq!(rt.block_on(c.count(&q)).unwrap(), Some(2_500));
    let e = got
        .entities
        .iter()
        .find(|e| e.id == "urn:ngsi-ld:TestSensor:01234")
        .unwrap();
    assert_eq!(e.attribute("value").unwrap().as_f64(), Some(1234.0));
}

#[test]
fn paging_2500_entities_with_a_maximum_page_of_100() {
    let b = start(&["--db", ":memory:", "--max-page-size", "100"], free_port());
    // The client starts at pages of 1,000; the broker refuses with 403 and it adapts.
    paging_returns_each_entity_once(&b.url, None);
    let rt = runtime();
    let c = client(&b.url, None);
    let q = EntityQuery {
        types: vec!["TestSensor".into()],
        limit: Some(101),
        ..Default::default()
    };
    let e = rt.block_on(c.query_page(&q)).unwrap_err();
    assert_eq!(e.kind(), Some(ProblemKind::TooManyResults), "{e}");
}

#[test]
fn paging_against_an_external_broker() {
    if let Some(url) = external() {
        paging_returns_each_entity_once(&url, Some(&format!("citytwintest{}", std::process::id())));
    }
}

/// Loads the Delft buildings and checks a geo-query against geo on the same data.
fn geo_query_is_exact(url: &str, tenant: Option<&str>, seed: bool) {
    let rt = runtime();
    let c = client(url, tenant);
    let bytes = std::fs::read(fixture("delft_3dbag_buildings.ngsild.json.gz")).unwrap();
    let parsed = citytwin::source::parse_bytes(&bytes, std::path::Path::new("delft")).unwrap();
    assert_eq!(parsed.entities.len(), 1_115);
    if seed {
        let outcome = rt.block_on(c.batch_upsert(&parsed.entities, 500)).unwrap();
        assert!(
            outcome.errors.is_empty(),
            "{:?}",
            &outcome.errors[..outcome.errors.len().min(3)]
        );
    }
    // A concave polygon over part of the tile (WGS84), crossing buildings at its edges.
    let coordinates = "[[[4.3650,52.0000],[4.3720,52.0000],[4.3720,52.0040],[4.3690,52.0020],[4.3650,52.0040],[4.3650,52.0000]]]";
    let geo = GeoQuery::parse("intersects", "Polygon", coordinates, None).unwrap();
    let expected: BTreeSet<String> = parsed
        .entities
        .iter()
        .filter(|e| geo.matches(e))
        .map(|e| e.id.clone())
        .collect();
    assert!(
        expected.len() > 20 && expected.len() < 1_000,
        "a meaningful test area: {}",
        expected.len()
    );
    let q = EntityQuery {
        types: vec!["Building".into()],
        geo: Some(geo),
        ..Default::default()
    };
    let got = rt.block_on(c.query_all(&q, &mut |_, _| {})).unwrap();
    let got: BTreeSet<String> = got.entities.into_iter().map(|e| e.id).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_geo_query_returns_exactly_the_intersecting_buildings() {
    let port = free_port();
    let seed = fixture("delft_3dbag_buildings.ngsild.json.gz");
    let b = start(
        &["--db", ":memory:", "--seed", seed.to_str().unwrap()],
        port,
    );
    geo_query_is_exact(&b.url, None, false);
}

#[test]
fn geo_query_against_an_external_broker() {
    if let Some(url) = external() {
        geo_query_is_exact(
            &url,
            Some(&format!("citytwingeo{}", std::process::id())),
            true,
        );
    }
}

fn tenants_are_isolated(url: &str, a: &str, b: &str) {
    let rt = runtime();
    let ca = client(url, Some(a));
    let cb = client(url, Some(b));
    rt.block_on(ca.batch_upsert(&[sensor(1), sensor(2)], 10))
        .unwrap();
    let q = EntityQuery {
        types: vec!["TestSensor".into()],
        ..Default::default()
    };
    // Tenant b does not exist yet: reading it is an error that names the tenant.
    let e = rt.block_on(cb.query_page(&q)).unwrap_err();
    assert_eq!(e.kind(), Some(ProblemKind::NonexistentTenant), "{e}");
    assert!(e.to_string().contains(b), "{e}");
    rt.block_on(cb.batch_upsert(&[sensor(3)], 10)).unwrap();
    let in_b = rt.block_on(cb.query_all(&q, &mut |_, _| {})).unwrap();
    assert_eq!(
        in_b.entities
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["urn:ngsi-ld:TestSensor:00003"]
    );
    let in_a = rt.block_on(ca.query_all(&q, &mut |_, _| {})).unwrap();
    assert_eq!(in_a.entities.len(), 2);
    assert!(
        rt.block_on(ca.get_entity("urn:ngsi-ld:TestSensor:00003"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn tenants_are_isolated_locally() {
    let b = start(&["--db", ":memory:"], free_port());
    tenants_are_isolated(&b.url, "city", "workshop");
}

#[test]
fn tenants_against_an_external_broker() {
    if let Some(url) = external() {
        let id = std::process::id();
        tenants_are_isolated(&url, &format!("citytwina{id}"), &format!("citytwinb{id}"));
    }
}

fn batch_reports_each_refused_entity(url: &str, tenant: Option<&str>) {
    let rt = runtime();
    let c = client(url, tenant);
    let good = sensor(7);
    let mut bad_geometry = sensor(8);
    bad_geometry.attributes.get_mut("location").unwrap()[0].value =
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]});
    let outcome = rt
        .block_on(c.batch_upsert(&[good, bad_geometry], 10))
        .unwrap();
    assert_eq!(outcome.success, ["urn:ngsi-ld:TestSensor:00007"]);
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].0, "urn:ngsi-ld:TestSensor:00008");
    assert!(!outcome.errors[0].1.is_empty());
}

#[test]
fn a_partly_bad_batch_gets_207_with_per_entity_errors() {
    let b = start(&["--db", ":memory:"], free_port());
    batch_reports_each_refused_entity(&b.url, None);
    // A raw request, to see the status and body the specification asks for.
    let rt = runtime();
    let body = json!([
        {"id": "urn:ngsi-ld:T:ok", "type": "T"},
        {"id": "not-a-uri", "type": "T"},
        {"id": "urn:ngsi-ld:T:geo", "type": "T", "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [500, 0]}}}
    ]);
    let response = rt
        .block_on(
            http()
                .post(format!("{}/ngsi-ld/v1/entityOperations/upsert", b.url))
                .json(&body)
                .send(),
        )
        .unwrap();
    assert_eq!(response.status(), 207);
    let v: serde_json::Value = rt.block_on(response.json()).unwrap();
    assert_eq!(v["success"], json!(["urn:ngsi-ld:T:ok"]));
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["entityId"], "not-a-uri");
    assert!(
        errors[0]["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("not a URI")
    );
    assert_eq!(
        errors[1]["error"]["type"],
        "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    );
    assert!(
        errors[1]["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("outside longitude")
    );
}

#[test]
fn batch_errors_against_an_external_broker() {
    if let Some(url) = external() {
        batch_reports_each_refused_entity(
            &url,
            Some(&format!("citytwinbatch{}", std::process::id())),
        );
    }
}

#[test]
fn data_survives_a_broker_restart() {
    let dir = temp_dir("broker-restart");
    let db = dir.join("broker.sqlite");
    let port = free_port();
    let rt = runtime();
    {
        let b = start(&["--db", db.to_str().unwrap()], port);
        rt.block_on(client(&b.url, Some("kiosk")).batch_upsert(&[sensor(42)], 10))
            .unwrap();
    }
    let b = start(&["--db", db.to_str().unwrap()], port);
    let e = rt
        .block_on(client(&b.url, Some("kiosk")).get_entity("urn:ngsi-ld:TestSensor:00042"))
        .unwrap();
    assert_eq!(e.unwrap().attribute("value").unwrap().as_f64(), Some(42.0));
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_the_token_the_broker_answers_401() {
    let dir = temp_dir("broker-token");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "workshop-2026-secret\n").unwrap();
    let b = start(
        &[
            "--db",
            ":memory:",
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        free_port(),
    );
    let rt = runtime();
    let q = EntityQuery {
        types: vec!["T".into()],
        ..Default::default()
    };
    let e = rt
        .block_on(client(&b.url, None).query_page(&q))
        .unwrap_err();
    assert!(matches!(e, ClientError::Broker { status: 401, .. }), "{e}");
    assert!(e.to_string().contains("--token-file"), "{e}");
    assert!(!e.to_string().contains("workshop-2026-secret"));
    let with_token = Client::new(ClientConfig {
        auth: Auth::Bearer(Secret::new("workshop-2026-secret")),
        ..ClientConfig::new(b.url.clone())
    })
    .unwrap();
    assert!(
        rt.block_on(with_token.query_page(&q))
            .unwrap()
            .entities
            .is_empty()
    );
    // The check command reads the token from a file too.
    let out = crate::run(
        citytwin()
            .args(["check", "--json", "--broker", &b.url, "--token-file"])
            .arg(&token_file)
            .args(["--type", "T"]),
    );
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_oversized_body_gets_413() {
    let dir = temp_dir("broker-413");
    let config = dir.join("small.toml");
    std::fs::write(&config, "[local_broker]\nmax_body_mb = 0.01\n").unwrap();
    let b = start(
        &["--db", ":memory:", "--config", config.to_str().unwrap()],
        free_port(),
    );
    let rt = runtime();
    let big: Vec<Entity> = (0..200).map(sensor).collect();
    let e = rt
        .block_on(client(&b.url, None).batch_upsert(&big, 200))
        .unwrap_err();
    assert!(matches!(e, ClientError::Broker { status: 413, .. }), "{e}");
    assert_eq!(e.kind(), Some(ProblemKind::PayloadTooLarge));
    // A small batch still goes through.
    rt.block_on(client(&b.url, None).batch_upsert(&big[..2], 2))
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_requests_get_400_with_a_reason() {
    let b = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let http = http();
    let post = |body: &str, content_type: &str| {
        rt.block_on(
            http.post(format!("{}/ngsi-ld/v1/entities", b.url))
                .header("Content-Type", content_type)
                .body(body.to_owned())
                .send(),
        )
        .unwrap()
    };
    let r = post("{not json", "application/json");
    assert_eq!(r.status(), 400);
    let p: serde_json::Value = rt.block_on(r.json()).unwrap();
    assert!(
        p["detail"].as_str().unwrap().contains("not valid JSON"),
        "{p}"
    );
    let r = post(
        r#"{"id":"urn:a","type":"T","location":{"type":"GeoProperty","value":{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}}}"#,
        "application/json",
    );
    assert_eq!(r.status(), 400);
    let r = post(r#"{"id":"urn:a","type":"T"}"#, "application/ld+json");
    assert_eq!(r.status(), 400, "ld+json needs an @context in the body");
    let r = post(r#"{"id":"urn:a","type":"T"}"#, "application/json");
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["location"], "/ngsi-ld/v1/entities/urn:a");
    let r = post(r#"{"id":"urn:a","type":"T"}"#, "application/json");
    assert_eq!(r.status(), 409);
    let r = rt
        .block_on(
            http.get(format!("{}/ngsi-ld/v1/entities?q=a%3E", b.url))
                .send(),
        )
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = rt
        .block_on(http.get(format!("{}/ngsi-ld/v1/entities", b.url)).send())
        .unwrap();
    assert_eq!(
        r.status(),
        400,
        "a query without type, id, q or geo is too broad"
    );
}

#[test]
fn check_reads_a_broker_seeded_with_building_files() {
    // The demo district and the Delft tile as NGSI-LD, and the Delft tile as plain GeoJSON
    // (whose ids become the same URNs, so it replaces rather than duplicates).
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/manhattan_midtown_buildings.ngsild.json.gz");
    let b = start(
        &[
            "--db",
            ":memory:",
            "--seed",
            demo.to_str().unwrap(),
            "--seed",
            fixture("delft_3dbag_buildings.ngsild.json.gz")
                .to_str()
                .unwrap(),
            "--seed",
            fixture("delft_3dbag_buildings.geojson.gz")
                .to_str()
                .unwrap(),
        ],
        free_port(),
    );
    let out = crate::run(citytwin().args(["check", "--json", "--broker", &b.url]));
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["entities"], 7_981 + 1_115);
    // Two cities 5,800 km apart: the Delft buildings lie far from the scene origin (in
    // Manhattan, the median) and are skipped with that reason, not lost silently.
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(
        r["buildings"].as_u64().unwrap() + skipped.len() as u64,
        7_981 + 1_115
    );
    assert!(
        skipped.iter().all(|s| s["reason"]
            .as_str()
            .unwrap()
            .contains("from the scene origin")),
        "{skipped:?}"
    );
    // Read the Delft tile alone, by giving its origin.
    let out = crate::run(citytwin().args([
        "check",
        "--json",
        "--broker",
        &b.url,
        "--origin",
        "4.3690,52.0020",
    ]));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["buildings"], 1_115);
    // Types and attributes are discoverable.
    let rt = runtime();
    let c = client(&b.url, None);
    assert_eq!(rt.block_on(c.types()).unwrap(), ["Building"]);
    let attrs = rt.block_on(c.attributes()).unwrap();
    assert!(
        attrs.contains(&"height".to_owned()) && attrs.contains(&"location".to_owned()),
        "{attrs:?}"
    );
    drop(b);
}

#[test]
fn an_unreachable_broker_is_explained() {
    let port = free_port(); // nothing listens there
    let out =
        crate::run(citytwin().args(["check", "--broker", &format!("http://127.0.0.1:{port}")]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cannot reach the NGSI-LD broker") && err.contains("--broker"),
        "{err}"
    );
}

/// The write and read API, step by step, as a client that is not citytwin would use it.
#[test]
fn the_entity_api_end_to_end() {
    let b = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let http = http();
    let base = format!("{}/ngsi-ld/v1", b.url);
    let send = |method: reqwest::Method,
                path: &str,
                body: Option<serde_json::Value>|
     -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
        let mut r = http.request(method, format!("{base}{path}"));
        if let Some(body) = body {
            r = r
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = rt.block_on(r.send()).unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = rt.block_on(response.text()).unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
            headers,
        )
    };
    use reqwest::Method as M;
    let sensor = json!({"id": "urn:ngsi-ld:AirQualityObserved:1", "type": "AirQualityObserved",
        "no2": {"type": "Property", "value": 45, "unitCode": "GQ", "observedAt": "2026-11-23T10:00:00Z"},
        "name": {"type": "LanguageProperty", "languageMap": {"en": "Main Street", "sv": "Storgatan"}},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [18.07, 59.33]}}});
    assert_eq!(send(M::POST, "/entities", Some(sensor)).0, 201);
    let id = "/entities/urn:ngsi-ld:AirQualityObserved:1";

    // Read in each representation.
    let (s, n, h) = send(M::GET, id, None);
    assert_eq!(s, 200);
    assert_eq!(
        n["no2"],
        json!({"type": "Property", "value": 45, "unitCode": "GQ", "observedAt": "2026-11-23T10:00:00Z"})
    );
    assert!(h["link"].to_str().unwrap().contains("ngsi-ld-core-context"));
    assert_eq!(
        send(M::GET, &format!("{id}?format=simplified"), None).1["no2"],
        45
    );
    assert_eq!(
        send(M::GET, &format!("{id}?options=keyValues"), None).1["name"],
        json!({"languageMap": {"en": "Main Street", "sv": "Storgatan"}})
    );
    let concise = send(M::GET, &format!("{id}?format=concise"), None).1;
    assert_eq!(concise["no2"]["value"], 45);
    assert!(concise["no2"].get("type").is_none());
    let r = rt
        .block_on(
            http.get(format!("{base}{id}"))
                .header("Accept", "application/geo+json")
                .send(),
        )
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let feature: serde_json::Value = rt.block_on(r.json()).unwrap();
    assert_eq!(feature["geometry"]["coordinates"], json!([18.07, 59.33]));
    assert_eq!(
        send(M::GET, &format!("{id}?attrs=no2"), None)
            .1
            .as_object()
            .unwrap()
            .len(),
        3,
        "id, type and no2"
    );

    // Update attributes: the known one changes, the new one is appended (as the ETSI
    // suite and Orion-LD have it); an NGSI-LD Null deletes.
    let (s, _, _) = send(
        M::PATCH,
        &format!("{id}/attrs"),
        Some(
            json!({"no2": {"type": "Property", "value": 50}, "pm10": {"type": "Property", "value": 9}, "o3": {"type": "Property", "value": 1}}),
        ),
    );
    assert_eq!(s, 204);
    let now = send(M::GET, &format!("{id}?format=simplified"), None).1;
    assert_eq!(
        (now["no2"].clone(), now["pm10"].clone()),
        (json!(50), json!(9))
    );
    let (s, _, _) = send(
        M::PATCH,
        &format!("{id}/attrs"),
        Some(json!({"o3": {"type": "Property", "value": "urn:ngsi-ld:null"}})),
    );
    assert_eq!(s, 204);
    assert!(
        send(M::GET, &format!("{id}?format=simplified"), None)
            .1
            .get("o3")
            .is_none()
    );
    // System attributes only when asked for: created before (or when) last modified.
    assert!(send(M::GET, id, None).1.get("createdAt").is_none());
    let sys = send(M::GET, &format!("{id}?options=sysAttrs"), None).1;
    let (created, modified) = (
        sys["createdAt"].as_str().unwrap().to_owned(),
        sys["modifiedAt"].as_str().unwrap().to_owned(),
    );
    assert!(created < modified, "{created} {modified}");
    // Append with noOverwrite: an existing attribute stays.
    assert_eq!(
        send(
            M::POST,
            &format!("{id}/attrs?options=noOverwrite"),
            Some(json!({"pm10": {"type": "Property", "value": 99}}))
        )
        .0,
        207
    );
    assert_eq!(
        send(M::GET, &format!("{id}?format=simplified"), None).1["pm10"],
        9
    );
    // Replacement and partial update of one attribute.
    assert_eq!(
        send(
            M::PUT,
            &format!("{id}/attrs/no2"),
            Some(json!({"type": "Property", "value": 52, "unitCode": "GQ"}))
        )
        .0,
        204
    );
    assert_eq!(
        send(
            M::PATCH,
            &format!("{id}/attrs/no2"),
            Some(json!({"value": 51}))
        )
        .0,
        204
    );
    let after = send(M::GET, id, None).1;
    assert_eq!(
        (
            after["no2"]["value"].clone(),
            after["no2"]["unitCode"].clone()
        ),
        (json!(51), json!("GQ")),
        "a partial update keeps the unit"
    );
    assert_eq!(
        send(
            M::PUT,
            &format!("{id}/attrs/no2"),
            Some(json!({"type": "Property", "value": 53}))
        )
        .0,
        204
    );
    assert!(
        send(M::GET, id, None).1["no2"].get("unitCode").is_none(),
        "a replacement drops it"
    );
    assert_eq!(
        send(
            M::PATCH,
            &format!("{id}/attrs/nothing"),
            Some(json!({"value": 1}))
        )
        .0,
        404
    );
    assert_eq!(send(M::DELETE, &format!("{id}/attrs/pm10"), None).0, 204);
    assert!(send(M::GET, id, None).1.get("pm10").is_none());
    // Merge and replace the entity.
    assert_eq!(
        send(
            M::PATCH,
            id,
            Some(json!({"o3": {"type": "Property", "value": 30}}))
        )
        .0,
        204
    );
    assert_eq!(
        send(M::GET, &format!("{id}?format=simplified"), None).1["o3"],
        30
    );
    assert_eq!(
        send(
            M::PUT,
            id,
            Some(json!({"type": "AirQualityObserved", "no2": 1}))
        )
        .0,
        204
    );
    let replaced = send(M::GET, &format!("{id}?format=simplified"), None).1;
    assert!(replaced.get("o3").is_none() && replaced["no2"] == 1);

    // Discovery.
    assert_eq!(
        send(M::GET, "/types", None).1["typeList"],
        json!(["AirQualityObserved"])
    );
    assert_eq!(
        send(M::GET, "/types/AirQualityObserved", None).1["entityCount"],
        1
    );
    assert_eq!(
        send(M::GET, "/attributes", None).1["attributeList"],
        json!(["no2"])
    );
    assert_eq!(
        send(M::GET, "/attributes?details=true", None).1[0]["typeNames"],
        json!(["AirQualityObserved"])
    );

    // Delete.
    assert_eq!(send(M::DELETE, id, None).0, 204);
    let (s, p, _) = send(M::GET, id, None);
    assert_eq!(
        (s, p["type"].as_str()),
        (
            404,
            Some("https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound")
        )
    );
    assert_eq!(send(M::DELETE, id, None).0, 404);
}

/// Queries: q, idPattern, geo-relations on several geometry types, count only.
#[test]
fn queries_select_what_they_say() {
    let b = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let c = client(&b.url, None);
    let parse = |v: serde_json::Value| parse_entity(&v, Representation::Concise).unwrap().0;
    let entities = vec![
        parse(
            json!({"id": "urn:ngsi-ld:Thing:a", "type": "Thing", "n": 5, "s": "x", "location": {"type": "Point", "coordinates": [10.0, 50.0]}}),
        ),
        parse(
            json!({"id": "urn:ngsi-ld:Thing:b", "type": "Thing", "n": 15, "s": "y", "location": {"type": "LineString", "coordinates": [[10.0, 50.01], [10.01, 50.01]]}}),
        ),
        parse(
            json!({"id": "urn:ngsi-ld:Thing:c", "type": "Thing", "n": 25, "s": "x", "sub": {"value": 1, "q": "good"},
            "location": {"type": "MultiPolygon", "coordinates": [[[[10.1, 50.1], [10.2, 50.1], [10.2, 50.2], [10.1, 50.2], [10.1, 50.1]]]]}}),
        ),
        parse(json!({"id": "urn:ngsi-ld:Other:d", "type": "Other", "n": 35})),
    ];
    rt.block_on(c.batch_upsert(&entities, 10)).unwrap();
    let ids = |q: EntityQuery| -> Vec<String> {
        let mut v: Vec<String> = rt
            .block_on(c.query_all(&q, &mut |_, _| {}))
            .unwrap()
            .entities
            .into_iter()
            .map(|e| e.id)
            .collect();
        v.sort();
        v
    };
    let things = || EntityQuery {
        types: vec!["Thing".into()],
        ..Default::default()
    };
    let short = |v: Vec<String>| {
        v.into_iter()
            .map(|s| s.rsplit(':').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        short(ids(EntityQuery {
            q: Some("n>10;s==\"x\"".into()),
            ..things()
        })),
        ["c"]
    );
    assert_eq!(
        short(ids(EntityQuery {
            q: Some("(n<10|n>20);s==\"x\"".into()),
            ..things()
        })),
        ["a", "c"]
    );
    assert_eq!(
        short(ids(EntityQuery {
            q: Some("n==10..20".into()),
            ..things()
        })),
        ["b"]
    );
    assert_eq!(
        short(ids(EntityQuery {
            q: Some("sub.q==\"good\"".into()),
            ..things()
        })),
        ["c"]
    );
    assert_eq!(
        short(ids(EntityQuery {
            q: Some("n>30".into()),
            types: vec!["Thing".into(), "Other".into()],
            ..Default::default()
        })),
        ["d"]
    );
    assert_eq!(
        short(ids(EntityQuery {
            id_pattern: Some(":(a|b)$".into()),
            ..things()
        })),
        ["a", "b"]
    );
    let geo = |r: &str, g: &str, c: &str| EntityQuery {
        geo: Some(GeoQuery::parse(r, g, c, None).unwrap()),
        ..things()
    };
    // 0.01° of latitude ≈ 1,112 m: b's line is 1.1 km north of a.
    assert_eq!(
        short(ids(geo("near;maxDistance==500", "Point", "[10.0, 50.0]"))),
        ["a"]
    );
    assert_eq!(
        short(ids(geo("near;maxDistance==1200", "Point", "[10.0, 50.0]"))),
        ["a", "b"]
    );
    assert_eq!(
        short(ids(geo("near;minDistance==1200", "Point", "[10.0, 50.0]"))),
        ["c"]
    );
    assert_eq!(
        short(ids(geo(
            "within",
            "Polygon",
            "[[[9.9,49.9],[10.05,49.9],[10.05,50.05],[9.9,50.05],[9.9,49.9]]]"
        ))),
        ["a", "b"]
    );
    assert_eq!(
        short(ids(geo(
            "intersects",
            "LineString",
            "[[10.15, 50.0],[10.15, 50.3]]"
        ))),
        ["c"]
    );
    assert_eq!(
        short(ids(geo("disjoint", "Point", "[10.0, 50.0]"))),
        ["b", "c"]
    );
    assert_eq!(
        short(ids(geo("contains", "Point", "[10.15, 50.15]"))),
        ["c"]
    );
    assert_eq!(rt.block_on(c.count(&things())).unwrap(), Some(3));
}

/// The resource URIs with a trailing slash, as the specification writes them (clause 6.4.2)
/// and clients send them, answer as without it; the query string is kept.
#[test]
fn paths_with_a_trailing_slash_answer_as_without() {
    let b = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let http = http();
    let send = |r: reqwest::RequestBuilder| rt.block_on(r.send()).unwrap();
    let api = format!("{}/ngsi-ld/v1", b.url);
    let r = send(
        http.post(format!("{api}/entityOperations/upsert/"))
            .header("Content-Type", "application/json")
            .body(r#"[{"id":"urn:ngsi-ld:T:1","type":"T","p":{"type":"Property","value":1}}]"#),
    );
    assert!(r.status().is_success(), "{}", r.status());
    let r = send(
        http.post(format!("{api}/entities/"))
            .header("Content-Type", "application/json")
            .body(r#"{"id":"urn:ngsi-ld:T:2","type":"T"}"#),
    );
    assert_eq!(r.status(), 201);
    for path in ["entities/?type=T", "entities?type=T"] {
        let r = send(http.get(format!("{api}/{path}")));
        assert_eq!(r.status(), 200, "{path}");
        let v: serde_json::Value = rt.block_on(r.json()).unwrap();
        assert_eq!(v.as_array().map(Vec::len), Some(2), "{path}: {v}");
    }
    let r = send(http.get(format!("{api}/entities/urn:ngsi-ld:T:1/")));
    assert_eq!(r.status(), 200);
    let r = send(
        http.post(format!("{api}/entities/urn:ngsi-ld:T:1/attrs/"))
            .header("Content-Type", "application/json")
            .body(r#"{"q":{"type":"Property","value":2}}"#),
    );
    assert_eq!(r.status(), 204);
    for path in ["types/", "subscriptions/", "temporal/entities/?type=T"] {
        let r = send(http.get(format!("{api}/{path}")));
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = send(http.get(format!("{api}/nothing/")));
    assert_eq!(r.status(), 404);
}

#[test]
fn the_broker_refuses_an_address_other_machines_reach_without_a_token() {
    let port = free_port();
    let out = crate::run(citytwin().arg("broker").args([
        "--bind",
        &format!("0.0.0.0:{port}"),
        "--db",
        ":memory:",
    ]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--public") && err.contains("--token-file"),
        "{err}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens"
    );
}

#[test]
fn queries_beyond_the_brokers_bounds_get_400_or_403_with_problem_details() {
    let b = start(&["--db", ":memory:"], free_port());
    let rt = runtime();
    let http = http();
    let ring: Vec<String> = (0..20_001)
        .map(|i| {
            let a = f64::from(i) / 20_000.0 * std::f64::consts::TAU;
            format!(
                "[{:.5},{:.5}]",
                10.0 + 0.01 * a.cos(),
                50.0 + 0.01 * a.sin()
            )
        })
        .collect();
    let polygon = format!("[[{}]]", ring.join(","));
    let deep = format!("{}a==1{}", "(".repeat(100), ")".repeat(100));
    let long = format!("a=={}", "1".repeat(9_000));
    let many = vec!["T"; 1_001].join(",");
    for (params, status, says) in [
        (
            vec![("type", "T"), ("q", deep.as_str())],
            400,
            "parentheses",
        ),
        (vec![("type", "T"), ("q", long.as_str())], 400, "8192"),
        (vec![("type", many.as_str())], 400, "1000"),
        (vec![("type", "T"), ("limit", "100000")], 403, ""),
    ] {
        let r = rt
            .block_on(
                http.get(format!("{}/ngsi-ld/v1/entities", b.url))
                    .query(&params)
                    .send(),
            )
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{says}");
        let body: serde_json::Value = rt.block_on(r.json()).unwrap();
        assert!(
            body["type"]
                .as_str()
                .unwrap()
                .starts_with("https://uri.etsi.org/ngsi-ld/errors/"),
            "{body}"
        );
        assert!(
            body["detail"].as_str().unwrap_or("").contains(says),
            "{body}"
        );
    }
    // A query geometry of 20,001 positions, too long for a URL, in a POST query.
    let coordinates: serde_json::Value = serde_json::from_str(&polygon).unwrap();
    let query = json!({"type": "Query", "entities": [{"type": "T"}],
        "geoQ": {"georel": "within", "geometry": "Polygon", "coordinates": coordinates}});
    let r = rt
        .block_on(
            http.post(format!("{}/ngsi-ld/v1/entityOperations/query", b.url))
                .json(&query)
                .send(),
        )
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = rt.block_on(r.json()).unwrap();
    let detail = body["detail"].as_str().unwrap_or("");
    assert!(detail.contains("at most 10000"), "{body}");
}
