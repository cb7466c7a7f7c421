use super::*;
use crate::ngsi_ld::render::{Format, render};
use crate::ngsi_ld::{Representation, parse_entity};

fn draft(text: &str) -> Draft {
    Draft {
        category: "problem".into(),
        text: text.into(),
        lonlat: [-73.98565, 40.74845],
        height: 12.345,
        scenario: Some("Example: Port Authority".into()),
    }
}

#[test]
fn a_draft_becomes_an_entity_with_only_the_allowed_attributes() {
    let c =
        Comment::from_draft(&draft("The pavement is too narrow"), &Limits::default(), 0).unwrap();
    assert!(c.id.starts_with("urn:ngsi-ld:IssueReporting:"));
    assert_eq!(c.created, "1970-01-01T00:00:00Z");
    assert_eq!(c.height, 12.35);
    let json = render(&c.to_entity(), Format::Normalized);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in keys {
        assert!(
            ["id", "type"].contains(&k) || ALLOWED_ATTRIBUTES.contains(&k),
            "{k} is not allowed"
        );
    }
    assert_eq!(json["type"], "IssueReporting");
    assert_eq!(json["location"]["value"]["coordinates"][2], 12.35);
    assert_eq!(
        json["dateCreated"]["value"]["@value"],
        "1970-01-01T00:00:00Z"
    );
    // Read back as a broker would answer it.
    let (e, _) = parse_entity(&json, Representation::Normalized).unwrap();
    assert_eq!(Comment::from_entity(&e).unwrap(), c);
}

#[test]
fn the_time_is_kept_to_the_minute_only() {
    // 2026-12-05T21:51:59.999Z
    let ms = crate::timestamp::parse_millis("2026-12-05T21:51:59.999Z").unwrap();
    assert_eq!(minute(ms), "2026-12-05T21:51:00Z");
    let c = Comment::from_draft(&draft("x"), &Limits::default(), ms).unwrap();
    assert_eq!(c.created, "2026-12-05T21:51:00Z");
}

#[test]
fn bad_drafts_are_refused_with_their_reason() {
    let limits = Limits::default();
    assert_eq!(
        Comment::from_draft(&draft("   "), &limits, 0),
        Err(Problem::EmptyText)
    );
    // 501 characters, counted as characters (å is two bytes).
    let long = "å".repeat(501);
    assert_eq!(
        Comment::from_draft(&draft(&long), &limits, 0),
        Err(Problem::TooLong {
            chars: 501,
            max: 500
        })
    );
    assert!(Comment::from_draft(&draft(&"å".repeat(500)), &limits, 0).is_ok());
    let mut d = draft("x");
    d.category = "rant".into();
    assert_eq!(
        Comment::from_draft(&d, &limits, 0),
        Err(Problem::NoCategory)
    );
    let mut d = draft("x");
    d.lonlat = [f64::NAN, 40.0];
    assert_eq!(Comment::from_draft(&d, &limits, 0), Err(Problem::OffScene));
    d.lonlat = [200.0, 40.0];
    assert_eq!(Comment::from_draft(&d, &limits, 0), Err(Problem::OffScene));
}

#[test]
fn comments_of_other_tools_are_read_with_defaults() {
    let json = serde_json::json!({
        "id": "urn:ngsi-ld:IssueReporting:other",
        "type": "IssueReporting",
        "description": {"type": "Property", "value": "Pothole"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [18.0, 59.0]}},
        "dateCreated": {"type": "Property", "value": "2024-05-01T10:00:00Z"},
    });
    let (e, _) = parse_entity(&json, Representation::Normalized).unwrap();
    let c = Comment::from_entity(&e).unwrap();
    assert_eq!(
        (c.category.as_str(), c.status.as_str(), c.hidden, c.height),
        ("other", "Open", false, 0.0)
    );
    assert_eq!(c.created, "2024-05-01T10:00:00Z");
    let mut e2 = e.clone();
    e2.attributes.remove("location");
    assert!(Comment::from_entity(&e2).is_err());
    // Hidden by a moderator.
    let mut e3 = e.clone();
    e3.attributes
        .extend(Comment::hidden_attribute(true).attributes);
    assert!(Comment::from_entity(&e3).unwrap().hidden);
}

#[test]
fn exports_are_valid_geojson_and_csv() {
    let mut a = Comment::from_draft(
        &draft("=SUM(A1) \"quoted\", with comma"),
        &Limits::default(),
        0,
    )
    .unwrap();
    a.hidden = true;
    let b = Comment::from_draft(
        &Draft {
            height: 0.0,
            ..draft("On the ground")
        },
        &Limits::default(),
        0,
    )
    .unwrap();
    let g = export::geojson(&[a.clone(), b.clone()], true);
    assert_eq!(g["type"], "FeatureCollection");
    assert_eq!(g["features"][0]["properties"]["hidden"], true);
    assert_eq!(
        g["features"][1]["geometry"]["coordinates"],
        serde_json::json!([-73.98565, 40.74845])
    );
    let csv = export::csv(&[a, b], true);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,category,description,longitude,latitude,height_m,date_created,resolution_status,scenario,hidden"
    );
    assert!(lines[1].contains(",\"'=SUM(A1) \"\"quoted\"\", with comma\","));
    assert!(lines[1].ends_with(",true"));
    assert_eq!(lines.len(), 4, "header, two rows, and the last line end");
}

#[test]
fn the_queue_survives_a_reopen_and_skips_broken_files() {
    let dir = std::env::temp_dir().join(format!("citytwin-queue-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let q = queue::Queue::open(&dir).unwrap();
    let a = Comment::from_draft(&draft("first"), &Limits::default(), 60_000).unwrap();
    let b = Comment::from_draft(&draft("second"), &Limits::default(), 120_000).unwrap();
    q.put(&b).unwrap();
    q.put(&a).unwrap();
    q.put(&a).unwrap();
    std::fs::write(dir.join("broken.json"), b"{\"id\": ").unwrap();
    std::fs::write(dir.join("half.json.tmp"), b"{").unwrap();
    let again = queue::Queue::open(&dir).unwrap();
    let (pending, bad) = again.pending();
    assert_eq!(pending, vec![a.clone(), b.clone()]);
    assert_eq!(bad, vec![dir.join("broken.json")]);
    again.remove(&a.id).unwrap();
    again.remove(&a.id).unwrap();
    assert_eq!(again.pending().0, vec![b]);
    std::fs::remove_dir_all(&dir).unwrap();
}
