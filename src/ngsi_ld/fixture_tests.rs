//! Every file of `tests/fixtures/ngsi-ld` (real payloads, see its SOURCES.md) read through
//! citytwin's parsers, with values checked. `every_fixture_has_a_check` fails when a file is
//! added without a check.

use super::discovery::{attribute_details, attribute_names, type_details, type_names};
use super::geo_query::{GeoQuery, geometry_from_geojson};
use super::problem::{ProblemDetails, ProblemKind};
use super::query::Query;
use super::subscription::Subscription;
use super::temporal::{TemporalEntity, TemporalPaging};
use super::{
    AttributeKind, Entity, ParsedPayload, Representation, parse_notification, parse_payload,
};
use serde_json::{Value, json};

fn path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ngsi-ld")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn entities(name: &str, repr: Representation) -> ParsedPayload {
    let p = parse_payload(&json(name), repr);
    assert!(p.skipped.is_empty(), "{name}: {:?}", p.skipped);
    p
}

fn find<'a>(p: &'a ParsedPayload, id: &str) -> &'a Entity {
    p.entities
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn num(e: &Entity, attr: &str) -> f64 {
    e.attribute(attr)
        .and_then(|a| a.as_f64())
        .unwrap_or_else(|| panic!("{}: no number {attr}", e.id))
}

fn string(e: &Entity, attr: &str) -> String {
    e.attribute(attr)
        .and_then(|a| a.as_str())
        .unwrap_or_else(|| panic!("{}: no string {attr}", e.id))
        .to_owned()
}

/// One step of an Orion-LD functional test's expected output.
#[derive(Debug)]
struct Step {
    title: String,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

/// Replaces the harness's `REGEX(...)` tokens with `null` outside strings and `X` inside, so
/// bodies parse.
fn strip_regex(s: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' && !s[..i].ends_with('\\') {
            in_string = !in_string;
        }
        if s[i..].starts_with("REGEX(") {
            let mut depth = 0;
            for (_, d) in chars.by_ref() {
                match d {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            out.push_str(if in_string { "X" } else { "null" });
            continue;
        }
        out.push(c);
    }
    out
}

/// Splits a `*.expected.txt` into steps: title, HTTP status, headers, JSON body.
fn steps(name: &str) -> Vec<Step> {
    let t = text(name);
    let lines: Vec<&str> = t.lines().collect();
    let mut starts = Vec::new();
    for i in 0..lines.len().saturating_sub(1) {
        let title = lines[i];
        let is_title = title.len() > 4
            && title.as_bytes()[..2].iter().all(u8::is_ascii_digit)
            && title[2..].starts_with(". ")
            && lines[i + 1].starts_with("===");
        if is_title {
            starts.push(i);
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(lines.len());
            let block = &lines[start + 2..end];
            let status = block
                .first()
                .and_then(|l| l.strip_prefix("HTTP/1.1 "))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|c| c.parse().ok());
            // Headers run to a blank line or to the first line of a JSON body.
            let mut headers = Vec::new();
            let mut body_start = block.len();
            for (j, l) in block.iter().enumerate() {
                if l.trim().is_empty() {
                    body_start = j + 1;
                    break;
                }
                if l.starts_with('{') || l.starts_with('[') {
                    body_start = j;
                    break;
                }
                if let Some((k, v)) = l.split_once(": ") {
                    headers.push((k.to_owned(), v.to_owned()));
                }
            }
            let body_text: Vec<&str> = block[body_start.min(block.len())..]
                .iter()
                .copied()
                .filter(|l| !l.chars().all(|c| c == '='))
                .collect();
            let body = serde_json::from_str(&strip_regex(&body_text.join("\n"))).ok();
            Step {
                title: lines[start].to_owned(),
                status,
                headers,
                body,
            }
        })
        .collect()
}

fn step<'a>(steps: &'a [Step], number: &str) -> &'a Step {
    steps
        .iter()
        .find(|s| s.title.starts_with(number))
        .unwrap_or_else(|| panic!("no step {number}"))
}

fn body(s: &Step) -> &Value {
    s.body
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no JSON body", s.title))
}

fn header<'a>(s: &'a Step, name: &str) -> Option<&'a str> {
    s.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

type Check = fn();

/// Every fixture and the check that reads it.
const CHECKS: &[(&str, Check)] = &[
    ("etsi-attributes-attribute-list.json", || {
        assert_eq!(
            attribute_names(&json("etsi-attributes-attribute-list.json")),
            ["airQualityLevel", "almostFull", "name", "subCategory"]
        );
    }),
    ("etsi-attributes-details.json", || {
        let d = attribute_details(&json("etsi-attributes-details.json"));
        assert_eq!(d.len(), 4);
        assert!(d.iter().all(|a| a.type_names == ["Building"]));
        assert_eq!(
            d[1].name, "subCategory",
            "the expanded id's fragment is not the name; attributeName is"
        );
    }),
    ("etsi-building-location-polygon.jsonld", || {
        let p = entities(
            "etsi-building-location-polygon.jsonld",
            Representation::Normalized,
        );
        let e = &p.entities[0];
        assert_eq!(string(e, "name"), "Eiffel Tower");
        let g = geometry_from_geojson(e.attribute("location").unwrap().plain_value()).unwrap();
        let near = GeoQuery::parse("intersects", "Point", "[13.35, 52.53]", None).unwrap();
        assert!(
            near.matches_geometry(&g),
            "a point inside the Berlin polygon"
        );
    }),
    ("etsi-subscription-showChanges.jsonld", || {
        let s = Subscription::parse(&json("etsi-subscription-showChanges.jsonld")).unwrap();
        assert!(s.show_changes);
        assert_eq!(s.endpoint, "http://localhost:1111/notify");
        assert_eq!(s.entities[0].entity_type.as_deref(), Some("Building"));
    }),
    ("etsi-temporal-aggregated-avg-PT1H.json", || {
        let t = TemporalEntity::parse(&json("etsi-temporal-aggregated-avg-PT1H.json")).unwrap();
        let fuel = &t.aggregates["fuelLevel"]["avg"];
        assert_eq!(
            fuel.iter()
                .map(|s| s.value.as_f64().unwrap())
                .collect::<Vec<_>>(),
            [67.0, 53.0, 40.0]
        );
        assert_eq!(
            (fuel[1].at.as_str(), fuel[1].until.as_deref()),
            ("2020-08-01T13:03:00Z", Some("2020-08-01T14:03:00Z"))
        );
    }),
    ("etsi-temporal-aggregated-avg-max-PT1H.json", || {
        let t = TemporalEntity::parse(&json("etsi-temporal-aggregated-avg-max-PT1H.json")).unwrap();
        assert_eq!(t.aggregates["speed"]["max"][0].value, json!(120.0));
        assert_eq!(t.aggregates["speed"]["avg"][0].value, json!(100.0));
    }),
    ("etsi-types-entity-type-info.json", || {
        let d = type_details(&json("etsi-types-entity-type-info.json"));
        assert_eq!(d[0].name, "Building");
        assert_eq!(d[0].entity_count, Some(2));
        assert!(
            d[0].attributes
                .iter()
                .any(|(a, k)| a == "name" && k == &["Property"])
        );
    }),
    ("etsi-types-entity-type-list.json", || {
        assert_eq!(
            type_names(&json("etsi-types-entity-type-list.json")),
            ["Building", "Vehicle"]
        );
    }),
    ("etsi-types-entity-types-details.json", || {
        let d = type_details(&json("etsi-types-entity-types-details.json"));
        assert_eq!(d[1].name, "Vehicle");
        assert_eq!(
            d[1].attributes
                .iter()
                .map(|(a, _)| a.as_str())
                .collect::<Vec<_>>(),
            ["brandName", "isParked"]
        );
    }),
    ("orionld-test-GET-concise-response.json", || {
        let p = entities(
            "orionld-test-GET-concise-response.json",
            Representation::Concise,
        );
        let e = &p.entities[0];
        // The value as sent (3.14, not π).
        assert_eq!(e.attribute("Float").unwrap().value.to_string(), "3.14");
        assert_eq!(string(e, "Bool"), "true", "a string, not a boolean");
        assert_eq!(
            e.attribute("Rel").unwrap().kind,
            AttributeKind::Relationship
        );
        assert_eq!(e.attribute("Geo").unwrap().kind, AttributeKind::GeoProperty);
        let sub = e.attribute("Sub").unwrap();
        assert_eq!(sub.as_f64(), Some(6.0));
        assert_eq!(
            sub.sub("Rel").unwrap().value,
            json!("urn:ngsi-ld:entities:E2")
        );
    }),
    ("orionld-test-GET-with-keyValues.expected.txt", || {
        let s = steps("orionld-test-GET-with-keyValues.expected.txt");
        let p = parse_payload(body(step(&s, "04.")), Representation::Simplified);
        let e = &p.entities[0];
        assert_eq!(
            (num(e, "P1"), string(e, "P2")),
            (1.0, "Stringeling".to_owned())
        );
        assert_eq!(e.attribute("P4").unwrap().value, json!({"a": 1, "b": "2"}));
        let picked = parse_payload(body(step(&s, "05.")), Representation::Simplified);
        assert_eq!(
            picked.entities[0].attributes.keys().collect::<Vec<_>>(),
            ["P1", "P4"]
        );
        assert_eq!(step(&s, "04.").status, Some(200));
    }),
    ("orionld-test-batch-upsert.expected.txt", || {
        let s = steps("orionld-test-batch-upsert.expected.txt");
        assert_eq!(
            body(step(&s, "02.")),
            &json!(["urn:ngsi-ld:entity:E3"]),
            "upsert answers with the created ids"
        );
        let p = parse_payload(body(step(&s, "03.")), Representation::Normalized);
        assert_eq!(string(find(&p, "urn:ngsi-ld:entity:E1"), "P2"), "STEP 02");
        assert_eq!(string(find(&p, "urn:ngsi-ld:entity:E2"), "P1"), "STEP 01");
        assert_eq!(
            find(&p, "urn:ngsi-ld:entity:E1")
                .attribute("R2")
                .unwrap()
                .value,
            json!("urn:E1:R2")
        );
    }),
    ("orionld-test-count.expected.txt", || {
        let s = steps("orionld-test-count.expected.txt");
        for n in ["02.", "04."] {
            let headers = step(&s, n)
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()));
            assert_eq!(TemporalPaging::from_headers(headers).count, Some(5));
        }
        let bad = step(&s, "07.");
        assert_eq!(bad.status, Some(400));
        let p = ProblemDetails::parse(body(bad).to_string().as_bytes()).unwrap();
        assert!(
            p.summary().contains("empty right-hand-side"),
            "NGSIv2's error shape reads too: {}",
            p.summary()
        );
    }),
    ("orionld-test-create-error-handling.expected.txt", || {
        let s = steps("orionld-test-create-error-handling.expected.txt");
        assert!(s.len() >= 20);
        for st in &s {
            assert_eq!(st.status, Some(400), "{}", st.title);
            let p = ProblemDetails::parse(body(st).to_string().as_bytes()).unwrap();
            assert_eq!(p.kind(), ProblemKind::BadRequestData, "{}", st.title);
            assert!(p.detail.is_some() && p.title.is_some());
        }
        // The geometries these steps sent are refused by citytwin's validation too.
        for bad in [
            json!({"type": "Point", "coordinates": [[1, 2]]}),
            json!({"coordinates": [1, 2]}),
            json!({"type": "Point"}),
        ] {
            assert!(geometry_from_geojson(&bad).is_err(), "{bad}");
        }
    }),
    ("orionld-test-datasetId-query-response.json", || {
        let p = entities(
            "orionld-test-datasetId-query-response.json",
            Representation::Normalized,
        );
        let p1 = &p.entities[0].attributes["P1"];
        assert_eq!(p1.len(), 2);
        assert_eq!(p1[0].dataset_id, None);
        assert_eq!(p1[1].value, json!("dataset urn:ngsi-ld/dataset:D1"));
    }),
    ("orionld-test-entity-attributes.expected.txt", || {
        let s = steps("orionld-test-entity-attributes.expected.txt");
        assert_eq!(
            attribute_names(body(step(&s, "11."))),
            ["P1", "P2", "P3", "P4", "P5", "R1", "R2", "R3", "R4", "R5"]
        );
        assert_eq!(attribute_names(body(step(&s, "13."))), ["P4", "R2"]);
    }),
    ("orionld-test-entity-types.expected.txt", || {
        let s = steps("orionld-test-entity-types.expected.txt");
        assert_eq!(
            type_names(body(step(&s, "07."))),
            ["T0", "T1", "T2", "T3", "T4"]
        );
        let d = type_details(body(step(&s, "08.")));
        assert_eq!(d[0].name, "T0");
        assert_eq!(
            d[1].attributes
                .iter()
                .map(|(a, _)| a.as_str())
                .collect::<Vec<_>>(),
            ["brandName", "isParked", "speed"]
        );
    }),
    (
        "orionld-test-languageproperty-concise-response.json",
        || {
            let p = entities(
                "orionld-test-languageproperty-concise-response.json",
                Representation::Concise,
            );
            let l = p.entities[0].attribute("L").unwrap();
            assert_eq!(l.kind, AttributeKind::LanguageProperty);
            assert_eq!(l.value["sv"], "ell");
            assert_eq!(l.sub("Sub-R").unwrap().kind, AttributeKind::Relationship);
            assert_eq!(l.observed_at.as_deref(), Some("2022-04-01T18:07:00.987Z"));
        },
    ),
    (
        "orionld-test-languageproperty-normalized-response.json",
        || {
            let n = entities(
                "orionld-test-languageproperty-normalized-response.json",
                Representation::Normalized,
            );
            let c = entities(
                "orionld-test-languageproperty-concise-response.json",
                Representation::Concise,
            );
            assert_eq!(
                n.entities[0], c.entities[0],
                "normalized and concise read the same"
            );
            assert!(
                Query::parse("L[es]==\"ele\"")
                    .unwrap()
                    .matches(&n.entities[0])
            );
        },
    ),
    ("orionld-test-multipolygon-3d-GET-response.json", || {
        let p = entities(
            "orionld-test-multipolygon-3d-GET-response.json",
            Representation::Normalized,
        );
        let g =
            geometry_from_geojson(p.entities[0].attribute("pol").unwrap().plain_value()).unwrap();
        let q = GeoQuery::parse("intersects", "Point", "[12, -1]", Some("pol")).unwrap();
        assert!(
            q.matches_geometry(&g),
            "inside the second polygon; the altitude is ignored"
        );
        assert!(
            GeoQuery::parse(
                "within",
                "Polygon",
                "[[[-1,1],[15,1],[15,-3],[-1,-3],[-1,1]]]",
                None
            )
            .unwrap()
            .matches_geometry(&g)
        );
    }),
    (
        "orionld-test-notification-geo-subattributes-multipolygon.json",
        || {
            let n = parse_notification(
                &json("orionld-test-notification-geo-subattributes-multipolygon.json"),
                Representation::Normalized,
            )
            .unwrap();
            let p = n.data.entities[0].attribute("P").unwrap();
            let int = p.sub("Sub-Int").unwrap();
            assert_eq!(
                (int.as_f64(), int.unit_code.as_deref()),
                (Some(33.0), Some("pi-i"))
            );
            for g in [
                "geo-line-string",
                "geo-multi-line-string",
                "geo-multi-polygon",
                "geo-point",
                "geo-polygon",
            ] {
                let sub = p.sub(g).unwrap_or_else(|| panic!("{g}"));
                assert_eq!(sub.kind, AttributeKind::GeoProperty, "{g}");
                geometry_from_geojson(&sub.value).unwrap_or_else(|e| panic!("{g}: {e}"));
            }
        },
    ),
    ("orionld-test-notification-keyValues.expected.txt", || {
        let s = steps("orionld-test-notification-keyValues.expected.txt");
        let first = parse_notification(body(step(&s, "03.")), Representation::Simplified).unwrap();
        assert_eq!(first.subscription_id, "http://a.b.c/subs/sub01");
        assert_eq!(string(&first.data.entities[0], "P2"), "ok");
        assert_eq!(
            header(step(&s, "03."), "Ngsild-Attribute-Format"),
            Some("Simplified")
        );
        let second = parse_notification(body(step(&s, "05.")), Representation::Simplified).unwrap();
        assert_eq!(num(&second.data.entities[0], "P3"), 3.0);
    }),
    ("orionld-test-query-accept-geojson.expected.txt", || {
        let s = steps("orionld-test-query-accept-geojson.expected.txt");
        let n = parse_payload(body(step(&s, "03.")), Representation::Normalized);
        let kv = parse_payload(body(step(&s, "04.")), Representation::Simplified);
        assert_eq!(n.entities.len(), 2);
        let e1 = find(&n, "urn:ngsi-ld:entities:E1");
        assert!(e1.has_type("City"));
        assert_eq!(num(e1, "P1"), 12.0);
        assert_eq!(
            find(&kv, "urn:ngsi-ld:entities:E1")
                .attribute("R1")
                .unwrap()
                .value,
            json!("urn:xxx")
        );
        assert_eq!(
            header(step(&s, "03."), "Content-Type"),
            Some("application/geo+json")
        );
    }),
    ("orionld-test-query-geo-polygon.expected.txt", || {
        // Rebuild the test's queries from its step titles and run them on its two entities.
        let s = steps("orionld-test-query-geo-polygon.expected.txt");
        let all = parse_payload(body(step(&s, "07.")), Representation::Normalized);
        assert_eq!(all.entities.len(), 2);
        let run = |georel: &str, geometry: &str, coordinates: &str| -> Vec<String> {
            let q = GeoQuery::parse(georel, geometry, coordinates, None).unwrap();
            let mut ids: Vec<String> = all
                .entities
                .iter()
                .filter(|e| q.matches(e))
                .map(|e| e.id.clone())
                .collect();
            ids.sort();
            ids
        };
        let expected = |n: &str| -> Vec<String> {
            let mut ids: Vec<String> = parse_payload(body(step(&s, n)), Representation::Normalized)
                .entities
                .into_iter()
                .map(|e| e.id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(run("intersects", "Point", "[2,-1]"), expected("03."));
        assert_eq!(run("intersects", "Point", "[2,1]"), expected("04."));
        assert_eq!(
            run(
                "within",
                "Polygon",
                "[[[2.5,-0.5],[3.5,-0.5],[3.5,-1.5],[2.5,-1.5],[2.5,-0.5]]]"
            ),
            expected("05.")
        );
        assert_eq!(
            run("within", "Polygon", "[[[5,5],[6,5],[6,6],[5,6],[5,5]]]"),
            expected("06.")
        );
        assert_eq!(
            run(
                "intersects",
                "Polygon",
                "[[[-1,1],[5,1],[5,-3],[-1,-3],[-1,1]]]"
            ),
            expected("07.")
        );
        assert_eq!(
            run(
                "intersects",
                "Polygon",
                "[[[-1,1],[1,1],[1,-1],[-1,-1],[-1,1]]]"
            ),
            expected("08.")
        );
        assert_eq!(
            run(
                "intersects",
                "Polygon",
                "[[[10,10],[11,10],[11,11],[10,11],[10,10]]]"
            ),
            expected("09.")
        );
    }),
    ("orionld-test-showChanges.expected.txt", || {
        let s = steps("orionld-test-showChanges.expected.txt");
        let n = parse_notification(body(step(&s, "05.")), Representation::Normalized).unwrap();
        assert_eq!(n.subscription_id, "urn:ngsi-ld:subs:S1");
        assert_eq!(
            num(&n.data.entities[0], "A1"),
            4.0,
            "previousValue is not taken for the value"
        );
        let later = parse_notification(body(step(&s, "12.")), Representation::Normalized).unwrap();
        assert_eq!(num(&later.data.entities[0], "A1"), 11.0);
        let sub = Subscription::parse(body(step(&s, "06."))).unwrap();
        assert!(sub.show_changes);
    }),
    (
        "orionld-test-subscription-mqtt-notification.expected.txt",
        || {
            let s = steps("orionld-test-subscription-mqtt-notification.expected.txt");
            let first =
                parse_notification(body(step(&s, "05.")), Representation::Normalized).unwrap();
            assert_eq!(
                first.subscription_id,
                "urn:ngsi-ld:Subscription:mqttNotification"
            );
            assert_eq!(
                num(find(&first.data, "urn:ngsi-ld:Test:Mqtt1"), "temperature"),
                21.0
            );
            let second =
                parse_notification(body(step(&s, "09.")), Representation::Normalized).unwrap();
            assert!(second.data.entities[0].has_type("AirQualityObserved2"));
            let sub = Subscription::parse(body(step(&s, "03. GET the subscription"))).unwrap();
            assert!(sub.endpoint.starts_with("mqtt://"), "{}", sub.endpoint);
        },
    ),
    ("orionld-test-tenant-header-errors.expected.txt", || {
        let s = steps("orionld-test-tenant-header-errors.expected.txt");
        assert_eq!(s.len(), 3);
        for st in &s {
            let p = ProblemDetails::parse(body(st).to_string().as_bytes()).unwrap();
            assert_eq!(
                (st.status, p.kind()),
                (Some(400), ProblemKind::BadRequestData),
                "{}",
                st.title
            );
        }
        assert!(
            ProblemDetails::parse(body(&s[1]).to_string().as_bytes())
                .unwrap()
                .title
                .unwrap()
                .contains("tenant")
        );
    }),
    ("sdm-AirQualityObserved-keyvalues.jsonld", || {
        let p = entities(
            "sdm-AirQualityObserved-keyvalues.jsonld",
            Representation::Simplified,
        );
        let e = &p.entities[0];
        assert!(e.has_type("AirQualityObserved"));
        assert!(
            e.attribute("NO2")
                .or(e.attribute("no2"))
                .is_some_and(|a| a.as_f64().is_some()),
            "{:?}",
            e.attributes.keys()
        );
        assert_eq!(
            e.attribute("location").unwrap().kind,
            AttributeKind::GeoProperty
        );
    }),
    ("sdm-Building-keyvalues.jsonld", || {
        let p = entities("sdm-Building-keyvalues.jsonld", Representation::Simplified);
        let e = &p.entities[0];
        assert_eq!(num(e, "floorsAboveGround"), 7.0);
        assert_eq!(
            e.attribute("address").unwrap().value["addressLocality"],
            "London"
        );
    }),
    ("sdm-Building-normalized.jsonld", || {
        let p = entities("sdm-Building-normalized.jsonld", Representation::Normalized);
        let e = &p.entities[0];
        assert_eq!(
            e.attribute("owner")
                .unwrap()
                .value
                .as_array()
                .unwrap()
                .len(),
            2,
            "object as an array"
        );
        assert_eq!(num(e, "floorsAboveGround"), 7.0);
        assert_eq!(string(e, "description"), "Office block");
    }),
    ("sdm-BuildingOperation-normalized.jsonld", || {
        let p = entities(
            "sdm-BuildingOperation-normalized.jsonld",
            Representation::Normalized,
        );
        let e = &p.entities[0];
        let start = e
            .attributes
            .iter()
            .find(|(_, v)| v[0].value.get("@type").is_some())
            .map(|(k, _)| k.clone())
            .expect("a typed literal");
        let a = e.attribute(&start).unwrap();
        assert!(
            a.display_value().starts_with("20"),
            "the typed literal is unwrapped: {}",
            a.display_value()
        );
        assert_eq!(
            e.attribute("refBuilding").unwrap().kind,
            AttributeKind::Relationship
        );
    }),
    ("sdm-Device-keyvalues.jsonld", || {
        let p = entities("sdm-Device-keyvalues.jsonld", Representation::Simplified);
        assert!(p.entities[0].attribute("controlledProperty").is_some());
    }),
    ("sdm-Device-normalized.jsonld", || {
        let p = entities("sdm-Device-normalized.jsonld", Representation::Normalized);
        let e = &p.entities[0];
        assert!(e.has_type("Device"));
        assert_eq!(
            e.attribute("controlledAsset").unwrap().kind,
            AttributeKind::Relationship
        );
    }),
    ("sdm-NoiseLevelObserved-normalized.jsonld", || {
        let p = entities(
            "sdm-NoiseLevelObserved-normalized.jsonld",
            Representation::Normalized,
        );
        let e = &p.entities[0];
        assert!(num(e, "LAeq") > 0.0 && num(e, "LAmax") >= num(e, "LAeq"));
        assert!(
            e.attribute("dateObservedFrom")
                .unwrap()
                .display_value()
                .starts_with("20")
        );
    }),
    ("sdm-OffStreetParking-normalized.jsonld", || {
        let p = entities(
            "sdm-OffStreetParking-normalized.jsonld",
            Representation::Normalized,
        );
        let e = &p.entities[0];
        let free = e.attribute("availableSpotNumber").unwrap();
        assert!(free.as_f64().is_some() && free.observed_at.is_some());
        assert!(num(e, "totalSpotNumber") >= num(e, "availableSpotNumber"));
    }),
    ("sdm-ParkingSpot-keyvalues.jsonld", || {
        let p = entities(
            "sdm-ParkingSpot-keyvalues.jsonld",
            Representation::Simplified,
        );
        let status = string(&p.entities[0], "status");
        assert!(
            ["free", "occupied", "closed", "unknown"].contains(&status.as_str()),
            "{status}"
        );
    }),
    ("sdm-PointOfInterest-keyvalues.jsonld", || {
        // Invalid JSON upstream: the position is known (`source` turns it into one clear
        // line, see its `not_json_is_one_clear_error`).
        let e = serde_json::from_str::<serde_json::Value>(&text(
            "sdm-PointOfInterest-keyvalues.jsonld",
        ))
        .unwrap_err();
        assert_eq!(e.line(), 43, "{e}");
    }),
    ("sdm-PointOfInterest-normalized.jsonld", || {
        let p = entities(
            "sdm-PointOfInterest-normalized.jsonld",
            Representation::Normalized,
        );
        let e = &p.entities[0];
        assert!(e.has_type("PointOfInterest"));
        let all: String = e
            .attributes
            .values()
            .map(|a| a[0].display_value())
            .collect();
        assert!(
            all.contains('€') || all.contains('è'),
            "non-ASCII text survives"
        );
    }),
    ("sdm-Streetlight-keyvalues.jsonld", || {
        let p = entities(
            "sdm-Streetlight-keyvalues.jsonld",
            Representation::Simplified,
        );
        let e = &p.entities[0];
        assert!(["on", "off", "low", "bootingUp"].contains(&string(e, "powerState").as_str()));
        assert!(num(e, "lanternHeight") > 0.0);
    }),
    ("sdm-TrafficFlowObserved-keyvalues.jsonld", || {
        let p = entities(
            "sdm-TrafficFlowObserved-keyvalues.jsonld",
            Representation::Simplified,
        );
        let e = &p.entities[0];
        assert_eq!(e.attribute("location").unwrap().value["type"], "LineString");
        assert!(num(e, "intensity") >= 0.0);
    }),
    ("sdm-TrafficFlowObserved-normalized.jsonld", || {
        let p = entities(
            "sdm-TrafficFlowObserved-normalized.jsonld",
            Representation::Normalized,
        );
        let e = &p.entities[0];
        let g = geometry_from_geojson(e.attribute("location").unwrap().plain_value()).unwrap();
        assert!(matches!(g, geo::Geometry::LineString(_)));
        assert!(e.attribute("dateObservedFrom").is_some());
    }),
    ("sdm-WeatherObserved-keyvalues.jsonld", || {
        let p = entities(
            "sdm-WeatherObserved-keyvalues.jsonld",
            Representation::Simplified,
        );
        assert!(
            p.entities[0]
                .attribute("temperature")
                .is_some_and(|a| a.as_f64().is_some())
        );
    }),
    ("sdm-WeatherObserved-normalized.jsonld", || {
        let n = entities(
            "sdm-WeatherObserved-normalized.jsonld",
            Representation::Normalized,
        );
        let e = &n.entities[0];
        assert_eq!(
            e.attribute("refDevice").unwrap().kind,
            AttributeKind::Relationship
        );
        assert!(
            e.attribute("dateObserved")
                .unwrap()
                .display_value()
                .starts_with("20")
        );
        assert!(num(e, "temperature").abs() < 60.0);
    }),
    ("stellio-subscription-full.json", || {
        let s = Subscription::parse(&json("stellio-subscription-full.json")).unwrap();
        assert_eq!(s.entities.len(), 3);
        assert_eq!(
            s.entities[2].id_pattern.as_deref(),
            Some("urn:ngsi-ld:Beehive:1234*")
        );
        assert_eq!(s.watched_attributes, ["incoming"]);
        assert_eq!(
            s.triggers,
            ["entityCreated", "attributeUpdated", "entityDeleted"]
        );
        assert_eq!(s.throttling, Some(60.0));
        assert!(s.geo_q.is_some(), "coordinates given as text are read");
        // Its q, with single quotes, parses and selects as meant.
        let q = Query::parse(s.q.as_deref().unwrap()).unwrap();
        let hive = crate::ngsi_ld::parse_entity(&json!({"id": "urn:ngsi-ld:BeeHive:1", "type": "BeeHive", "foodQuantity": 100, "foodName": "dietary fibres"}), Representation::Simplified).unwrap().0;
        assert!(q.matches(&hive));
        assert_eq!(
            Subscription::parse(&s.to_json())
                .unwrap()
                .watched_attributes,
            s.watched_attributes,
            "writes back"
        );
    }),
    (
        "tutorial-getting-started-GET-entities-geo-near.json",
        || {
            let p = entities(
                "tutorial-getting-started-GET-entities-geo-near.json",
                Representation::Simplified,
            );
            let q = GeoQuery::parse("near;maxDistance==800", "Point", "[13.3777,52.5162]", None)
                .unwrap();
            assert_eq!(p.entities.len(), 1);
            assert!(
                q.matches(&p.entities[0]),
                "the tutorial's answer satisfies its query"
            );
            assert_eq!(string(&p.entities[0], "name"), "Big Red Barn");
        },
    ),
    (
        "tutorial-getting-started-GET-entities-keyvalues-json.json",
        || {
            let p = entities(
                "tutorial-getting-started-GET-entities-keyvalues-json.json",
                Representation::Simplified,
            );
            let farm = find(&p, "urn:ngsi-ld:Building:farm001");
            assert_eq!(
                farm.attribute("address").unwrap().value["streetAddress"],
                "Großer Stern 1"
            );
            // A building far from Victory Farm is not near it.
            let q = GeoQuery::parse("near;maxDistance==800", "Point", "[13.3777,52.5162]", None)
                .unwrap();
            assert!(!q.matches(farm));
        },
    ),
    (
        "tutorial-getting-started-GET-entities-keyvalues-ldjson.json",
        || {
            let p = entities(
                "tutorial-getting-started-GET-entities-keyvalues-ldjson.json",
                Representation::Simplified,
            );
            assert_eq!(p.entities.len(), 2);
            assert_eq!(
                find(&p, "urn:ngsi-ld:Building:barn002")
                    .attribute("category")
                    .unwrap()
                    .value,
                json!({"vocab": "barn"})
            );
        },
    ),
    (
        "tutorial-getting-started-GET-entity-normalized-building.json",
        || {
            let p = entities(
                "tutorial-getting-started-GET-entity-normalized-building.json",
                Representation::Normalized,
            );
            let e = &p.entities[0];
            let category = e.attribute("category").unwrap();
            assert_eq!(
                (category.kind, category.value.clone()),
                (AttributeKind::VocabProperty, json!("farm")),
                "VocabProperty rendered with `value` (a broker quirk)"
            );
            assert_eq!(
                e.attribute("address")
                    .unwrap()
                    .sub("verified")
                    .unwrap()
                    .value,
                json!(true)
            );
        },
    ),
    ("tutorial-notification-keyvalues.json", || {
        let n = parse_notification(
            &json("tutorial-notification-keyvalues.json"),
            Representation::Simplified,
        )
        .unwrap();
        assert_eq!(
            n.subscription_id,
            "urn:ngsi-ld:Subscription:5fd0ee554eb81930c97005c1"
        );
        assert_eq!(num(&n.data.entities[0], "filling"), 0.59);
    }),
    ("tutorial-notification-normalized.json", || {
        let n = parse_notification(
            &json("tutorial-notification-normalized.json"),
            Representation::Normalized,
        )
        .unwrap();
        let f = n.data.entities[0].attribute("filling").unwrap();
        assert_eq!(
            (f.as_f64(), f.unit_code.as_deref(), f.observed_at.as_deref()),
            (Some(0.25), Some("C62"), Some("2020-12-09T16:25:12.000Z"))
        );
        assert_eq!(n.notified_at.as_deref(), Some("2020-12-09T16:25:12.193Z"));
    }),
    (
        "tutorial-temporal-entities-temporalValues-page.json",
        || {
            let t = TemporalEntity::parse_many(&json(
                "tutorial-temporal-entities-temporalValues-page.json",
            ))
            .unwrap();
            let pig3 = t
                .iter()
                .find(|e| e.id == "urn:ngsi-ld:Animal:pig003")
                .unwrap();
            assert_eq!(
                pig3.series["heartRate"]
                    .iter()
                    .map(|s| s.value.as_f64().unwrap())
                    .collect::<Vec<_>>(),
                [63.0, 62.0, 63.0]
            );
            assert_eq!(pig3.series["sex"][0].value, json!("male"));
        },
    ),
    ("tutorial-temporal-entity-lastN-normalized.json", || {
        let t =
            TemporalEntity::parse(&json("tutorial-temporal-entity-lastN-normalized.json")).unwrap();
        let hr = &t.series["heartRate"];
        assert_eq!(hr.len(), 3);
        assert_eq!(
            (
                hr[0].value.as_f64(),
                hr[0].at.as_str(),
                hr[0].unit_code.as_deref()
            ),
            (Some(51.0), "2021-09-15T13:41:37.888Z", Some("5K"))
        );
        assert_eq!(t.series["location"][0].value["type"], "Point");
    }),
    ("tutorial-temporal-entity-temporalValues.json", || {
        let t =
            TemporalEntity::parse(&json("tutorial-temporal-entity-temporalValues.json")).unwrap();
        let loc = &t.series["location"];
        assert_eq!(loc.len(), 3);
        assert!(
            geometry_from_geojson(&loc[0].value).is_ok(),
            "GeoProperty values are GeoJSON"
        );
        assert_eq!(t.series["heartRate"][0].value.as_f64(), Some(52.0));
    }),
    ("tutorial-temporal-mintaka-pagination-headers.txt", || {
        let t = text("tutorial-temporal-mintaka-pagination-headers.txt");
        let p = TemporalPaging::from_headers(t.lines().filter_map(|l| l.split_once(": ")));
        assert_eq!(p.page_size, Some(2));
        assert_eq!(p.next_page.as_deref(), Some("urn:ngsi-ld:Animal:pig001"));
        assert_eq!(p.count, Some(17));
        assert_eq!(p.range_size, Some(3));
        assert_eq!(
            p.range,
            Some((
                "2021-09-16T11:00".to_owned(),
                "2021-09-16T10:22:39.650".to_owned()
            ))
        );
    }),
];

#[test]
fn every_fixture_has_a_check() {
    let mut files: Vec<String> = std::fs::read_dir(path(""))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SOURCES.md")
        .collect();
    files.sort();
    let mut checked: Vec<String> = CHECKS.iter().map(|(f, _)| (*f).to_owned()).collect();
    checked.sort();
    assert_eq!(files, checked);
}

#[test]
fn every_fixture_check_passes() {
    let mut failures = Vec::new();
    for (file, check) in CHECKS {
        if std::panic::catch_unwind(check).is_err() {
            failures.push(*file);
        }
    }
    assert!(failures.is_empty(), "failed: {failures:?}");
}
