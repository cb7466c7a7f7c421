//! Comments written out for the planners' report: GeoJSON (RFC 7946: a FeatureCollection of
//! Points in WGS 84 longitude/latitude) or CSV with a header.
//!
//! ```
//! use citytwin::comment::{Comment, Draft, Limits, export};
//! let draft = Draft { category: "idea".into(), text: "Trees, please".into(), lonlat: [18.07, 59.33], ..Draft::default() };
//! let c = Comment::from_draft(&draft, &Limits::default(), 0).unwrap();
//! let csv = export::csv(&[c.clone()], false);
//! assert!(csv.starts_with("id,category,description,"));
//! assert!(csv.contains("\"Trees, please\""));
//! let geojson = export::geojson(&[c], false);
//! assert_eq!(geojson["features"][0]["geometry"]["coordinates"], serde_json::json!([18.07, 59.33]));
//! ```

use super::Comment;
use serde_json::{Value, json};

/// The comments as a GeoJSON FeatureCollection; `marked`: each feature says whether it is
/// hidden (for an export of all, hidden ones included). A height above the ground is the
/// point's third coordinate.
pub fn geojson(comments: &[Comment], marked: bool) -> Value {
    let features: Vec<Value> = comments
        .iter()
        .map(|c| {
            let [lon, lat] = c.lonlat;
            let coordinates = if c.height > 0.0 {
                json!([lon, lat, c.height])
            } else {
                json!([lon, lat])
            };
            let mut properties = json!({
                "id": c.id,
                "category": c.category,
                "description": c.text,
                "dateCreated": c.created,
                "resolutionStatus": c.status,
                "scenario": c.scenario,
            });
            if marked {
                properties["hidden"] = json!(c.hidden);
            }
            json!({
                "type": "Feature",
                "id": c.id,
                "geometry": {"type": "Point", "coordinates": coordinates},
                "properties": properties,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// The comments as CSV (RFC 4180: a header line, fields quoted where needed, CRLF line ends);
/// `marked` adds a `hidden` column. A text starting with `=`, `+`, `-` or `@` gets a leading
/// `'` so that a spreadsheet never runs it as a formula.
pub fn csv(comments: &[Comment], marked: bool) -> String {
    let mut header = vec![
        "id",
        "category",
        "description",
        "longitude",
        "latitude",
        "height_m",
        "date_created",
        "resolution_status",
        "scenario",
    ];
    if marked {
        header.push("hidden");
    }
    let mut out = header.join(",");
    out.push_str("\r\n");
    for c in comments {
        let mut row = vec![
            field(&c.id),
            field(&c.category),
            field(&c.text),
            c.lonlat[0].to_string(),
            c.lonlat[1].to_string(),
            format!("{:.2}", c.height),
            field(&c.created),
            field(&c.status),
            field(c.scenario.as_deref().unwrap_or("")),
        ];
        if marked {
            row.push(c.hidden.to_string());
        }
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV field: quoted when it holds a comma, quote or line break; defused when a
/// spreadsheet would read it as a formula.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
