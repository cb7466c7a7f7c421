//! The entities of `citytwin bench hostile` ([`super::hostile`]): real buildings, then
//! hostile ones, each with the outcome it should have.

/// Whether a case should be drawn or skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Drawn (perhaps cleaned: repeated points dropped, a long name clipped).
    Drawn,
    /// Skipped with a reason.
    Skipped,
}

/// One entity as JSON text, what kind of trouble it is, and what should become of it.
pub struct Case {
    /// Its id (another case's for `duplicate_id`).
    pub id: String,
    /// `good`, or the kind of hostility.
    pub kind: &'static str,
    /// The outcome wanted.
    pub expect: Expect,
    /// The entity as JSON text (not always valid JSON).
    pub json: String,
}

/// A corner `[lon, lat]` of a small square `i` on a grid over Midtown.
fn spot(i: usize) -> (f64, f64) {
    (
        -73.995 + (i % 100) as f64 * 0.0002,
        40.745 + (i / 100 % 100) as f64 * 0.0002,
    )
}

fn pos(p: (f64, f64)) -> String {
    format!("[{},{}]", p.0, p.1)
}

/// A ring of `[lon, lat]` pairs as JSON text, closed.
fn ring(points: &[(f64, f64)]) -> String {
    let mut parts: Vec<String> = points.iter().map(|p| pos(*p)).collect();
    parts.push(pos(points[0]));
    format!("[{}]", parts.join(","))
}

/// A square of `side` degrees at `(x, y)`, counter-clockwise.
fn square(x: f64, y: f64, side: f64) -> Vec<(f64, f64)> {
    vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
}

/// A building entity with a `location` value given as text and more members.
fn building(id: &str, location: &str, more: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"Building","height":{{"type":"Property","value":12}},"location":{{"type":"GeoProperty","value":{location}}}{more}}}"#
    )
}

fn polygon(rings: &[String]) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[{}]}}"#,
        rings.join(",")
    )
}

/// A circle of `n` corners of radius `r` degrees around spot `i`.
fn circle(i: usize, n: usize, r: f64) -> Vec<(f64, f64)> {
    let (x, y) = spot(i);
    (0..n)
        .map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            (x + r * a.cos(), y + r * a.sin())
        })
        .collect()
}

/// One cheap hostile case of kind `k` (an index into [`CHEAP`]) numbered `i`.
fn cheap(kind: &'static str, i: usize, id: &str) -> (Expect, String) {
    use Expect::{Drawn, Skipped};
    let (x, y) = spot(i);
    let s = 0.0001;
    let sq = square(x, y, s);
    let plain = polygon(&[ring(&sq)]);
    match kind {
        "nan_coordinate" => (
            Skipped,
            building(id, &plain.replacen(&format!("{x}"), "NaN", 1), ""),
        ),
        "infinite_coordinate" => (
            Skipped,
            building(id, &plain.replacen(&format!("{x}"), "1e999", 1), ""),
        ),
        "huge_coordinate" => (
            Skipped,
            building(id, &plain.replacen(&format!("{x}"), "1e308", 1), ""),
        ),
        "huge_height" => (
            Skipped,
            building(id, &plain, "").replace(r#""value":12"#, r#""value":1e308"#),
        ),
        "nan_height" => (
            Skipped,
            building(id, &plain, "").replace(r#""value":12"#, r#""value":NaN"#),
        ),
        "negative_height" => (
            Skipped,
            building(id, &plain, "").replace(r#""value":12"#, r#""value":-40"#),
        ),
        "height_as_text" => (
            Skipped,
            building(id, &plain, "").replace(r#""value":12"#, r#""value":"tall""#),
        ),
        "spike" => {
            let mut r = sq.clone();
            r.insert(2, (x + 3.0 * s, y + s / 2.0));
            r.insert(2, (x + s, y + s / 2.0));
            r.insert(4, (x + s, y + s / 2.0));
            (Skipped, building(id, &polygon(&[ring(&r)]), ""))
        }
        "repeated_points" => {
            let r: Vec<(f64, f64)> = sq.iter().flat_map(|p| [*p, *p, *p]).collect();
            (Drawn, building(id, &polygon(&[ring(&r)]), ""))
        }
        "collinear_points" => {
            let mut r = Vec::new();
            for k in 0..4 {
                let (a, b) = (sq[k], sq[(k + 1) % 4]);
                for t in 0..10 {
                    let t = t as f64 / 10.0;
                    r.push((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
                }
            }
            (Drawn, building(id, &polygon(&[ring(&r)]), ""))
        }
        "zero_area" => {
            let r = [(x, y), (x + s, y), (x + 2.0 * s, y)];
            (Skipped, building(id, &polygon(&[ring(&r)]), ""))
        }
        "self_touching" => {
            let r = [
                (x, y),
                (x + s, y),
                (x + 2.0 * s, y + s),
                (x + 3.0 * s, y),
                (x + 4.0 * s, y),
                (x + 4.0 * s, y + 2.0 * s),
                (x + 3.0 * s, y + 2.0 * s),
                (x + 2.0 * s, y + s),
                (x + s, y + 2.0 * s),
                (x, y + 2.0 * s),
            ];
            (Skipped, building(id, &polygon(&[ring(&r)]), ""))
        }
        "self_crossing" => {
            let r = [(x, y), (x + s, y + s), (x + s, y), (x, y + s)];
            (Skipped, building(id, &polygon(&[ring(&r)]), ""))
        }
        "hole_outside" => {
            let hole = square(x + 2.0 * s, y, s / 2.0);
            (
                Skipped,
                building(id, &polygon(&[ring(&sq), ring(&hole)]), ""),
            )
        }
        "unclosed_ring" => {
            let text = format!(
                "[{}]",
                sq.iter().map(|p| pos(*p)).collect::<Vec<_>>().join(",")
            );
            (Skipped, building(id, &polygon(&[text]), ""))
        }
        "empty_coordinates" => (
            Skipped,
            building(id, r#"{"type":"Polygon","coordinates":[]}"#, ""),
        ),
        "coordinates_as_text" => (
            Skipped,
            building(id, r#"{"type":"Polygon","coordinates":"here"}"#, ""),
        ),
        "location_as_number" => (Skipped, building(id, "42", "")),
        "unknown_geometry" => (
            Skipped,
            building(
                id,
                &format!(
                    r#"{{"type":"Circle","coordinates":{},"radius":10}}"#,
                    pos((x, y))
                ),
                "",
            ),
        ),
        "point_footprint" => (
            Skipped,
            building(
                id,
                &format!(r#"{{"type":"Point","coordinates":{}}}"#, pos((x, y))),
                "",
            ),
        ),
        "no_location" => (
            Skipped,
            format!(
                r#"{{"id":"{id}","type":"Building","height":{{"type":"Property","value":12}}}}"#
            ),
        ),
        "far_away" => {
            let far = polygon(&[ring(&square(170.0, -40.0, s))]);
            (Skipped, building(id, &far, ""))
        }
        "attribute_wrong_shape" => (
            Drawn,
            building(
                id,
                &plain,
                r#","name":{"type":"Property"},"floorsAboveGround":[1,2,{"x":null}]"#,
            ),
        ),
        _ => (Skipped, String::new()),
    }
}

/// The cheap kinds, used in turn.
const CHEAP: &[&str] = &[
    "nan_coordinate",
    "infinite_coordinate",
    "huge_coordinate",
    "huge_height",
    "nan_height",
    "negative_height",
    "height_as_text",
    "spike",
    "repeated_points",
    "collinear_points",
    "zero_area",
    "self_touching",
    "self_crossing",
    "hole_outside",
    "unclosed_ring",
    "empty_coordinates",
    "coordinates_as_text",
    "location_as_number",
    "unknown_geometry",
    "point_footprint",
    "no_location",
    "far_away",
    "attribute_wrong_shape",
];

/// `good` real buildings, then `hostile` hostile entities.
pub fn cases(good: usize, hostile: usize) -> Result<Vec<Case>, String> {
    let demo = crate::source::demo_json().map_err(|e| e.to_string())?;
    let district: Vec<serde_json::Value> =
        serde_json::from_slice(&demo).map_err(|e| e.to_string())?;
    let mut out: Vec<Case> = district
        .iter()
        .take(good)
        .map(|v| {
            // Without the @context: its URL cannot be fetched offline.
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                o.remove("@context");
            }
            Case {
                id: v["id"].as_str().unwrap_or_default().to_owned(),
                kind: "good",
                expect: Expect::Drawn,
                json: v.to_string(),
            }
        })
        .collect();
    let good_ids: Vec<String> = out.iter().map(|c| c.id.clone()).collect();
    let id = |kind: &str, i: usize| format!("urn:ngsi-ld:Building:hostile-{kind}-{i}");
    let mut push = |kind: &'static str, i: usize, expect: Expect, json: String| {
        out.push(Case {
            id: id(kind, i),
            kind,
            expect,
            json,
        });
    };
    // The heavy ones, a few each.
    let mut made = 0;
    for i in 0..3 {
        let r = ring(&circle(i, 100_000, 0.002));
        push(
            "ring_1e5_corners",
            i,
            Expect::Skipped,
            building(&id("ring_1e5_corners", i), &polygon(&[r]), ""),
        );
    }
    let r = ring(&circle(7, 1_000_000, 0.003));
    push(
        "ring_1e6_corners",
        0,
        Expect::Skipped,
        building(&id("ring_1e6_corners", 0), &polygon(&[r]), ""),
    );
    made += 4;
    for i in 0..2 {
        let (x, y) = spot(200 + i);
        let outer = ring(&square(x, y, 0.02));
        let mut rings = vec![outer];
        for h in 0..5_000 {
            let (hx, hy) = (
                x + 0.0002 + (h % 70) as f64 * 0.00027,
                y + 0.0002 + (h / 70) as f64 * 0.00027,
            );
            let mut hole = square(hx, hy, 0.0001);
            hole.reverse();
            rings.push(ring(&hole));
        }
        push(
            "holes_5000",
            i,
            Expect::Skipped,
            building(&id("holes_5000", i), &polygon(&rings), ""),
        );
        made += 1;
    }
    for i in 0..2 {
        let parts: Vec<String> = (0..10_000)
            .map(|p| {
                let (x, y) = spot(p);
                format!("[{}]", ring(&square(x + i as f64 * 0.00003, y, 0.00001)))
            })
            .collect();
        let multi = format!(
            r#"{{"type":"MultiPolygon","coordinates":[{}]}}"#,
            parts.join(",")
        );
        push(
            "parts_1e4",
            i,
            Expect::Skipped,
            building(&id("parts_1e4", i), &multi, ""),
        );
        made += 1;
    }
    for i in 0..2 {
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let (x, y) = spot(300 + i);
        let more = format!(r#","deep":{{"type":"Property","value":{deep}}}"#);
        let json = building(
            &id("json_10k_deep", i),
            &polygon(&[ring(&square(x, y, 0.0001))]),
            &more,
        );
        push("json_10k_deep", i, Expect::Skipped, json);
        made += 1;
    }
    for i in 0..2 {
        let (x, y) = spot(400 + i);
        let more = format!(
            r#","name":{{"type":"Property","value":"{}"}}"#,
            "x".repeat(10_000_000)
        );
        let json = building(
            &id("string_10mb", i),
            &polygon(&[ring(&square(x, y, 0.0001))]),
            &more,
        );
        push("string_10mb", i, Expect::Drawn, json);
        made += 1;
    }
    // Ids used twice: a second entity with a good building's id.
    let twins = (hostile / 100).min(good_ids.len());
    for (i, twin) in good_ids.iter().take(twins).enumerate() {
        let (x, y) = spot(500 + i);
        out.push(Case {
            id: twin.clone(),
            kind: "duplicate_id",
            expect: Expect::Skipped,
            json: building(twin, &polygon(&[ring(&square(x, y, 0.0001))]), ""),
        });
        made += 1;
    }
    for i in 0..hostile.saturating_sub(made) {
        let kind = CHEAP[i % CHEAP.len()];
        let id = id(kind, i);
        let (expect, json) = cheap(kind, i, &id);
        out.push(Case {
            id,
            kind,
            expect,
            json,
        });
    }
    Ok(out)
}
