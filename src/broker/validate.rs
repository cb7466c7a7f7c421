//! What the broker checks of ids and names before it reads or writes anything (GS CIM 009
//! clause 4.6.2 and 4.6.3; the characters Orion-LD, Scorpio and Stellio refuse).

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::request::bad;
use axum::response::Response;

/// Whether `s` is a URI: a scheme (a letter, then letters, digits, `+`, `-` or `.`), a
/// colon, and something after it, without spaces or the characters a URI cannot hold.
pub(super) fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
}

/// Whether `name` may name an attribute or a type: a term or an IRI without the characters
/// NGSI-LD forbids in names (`<>"'=;()`, spaces, controls), and not a JSON-LD keyword
/// (`@type`: what the term `type` expands to).
pub(super) fn is_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('@')
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'=;()".contains(c))
}

/// An entity id from a URL or a body: 400 BadRequestData unless it is a URI.
pub(super) fn entity_id(id: &str) -> Result<(), Response> {
    if is_uri(id) {
        Ok(())
    } else {
        Err(bad(format!(
            "`{id}` is not a URI; entity ids are URIs such as urn:ngsi-ld:Building:1"
        )))
    }
}

/// An attribute name from a URL: 400 BadRequestData unless it is a valid name.
pub(super) fn attr_name(name: &str) -> Result<(), Response> {
    if is_name(name) {
        Ok(())
    } else {
        Err(bad(format!(
            "`{name}` is not a valid attribute name (no spaces or <>\"'=;() in names)"
        )))
    }
}

/// Every URL parameter of the NGSI-LD API this broker reads or tolerates (GS CIM 009
/// clause 6): anything else is refused with InvalidRequest (clause 6.3.6), so that a
/// misspelt parameter is not silently ignored.
const KNOWN_PARAMS: &[&str] = &[
    "type",
    "id",
    "idPattern",
    "attrs",
    "q",
    "scopeQ",
    "csf",
    "georel",
    "geometry",
    "coordinates",
    "geoQ",
    "geoproperty",
    "geometryProperty",
    "lang",
    "format",
    "options",
    "limit",
    "offset",
    "count",
    "pick",
    "omit",
    "join",
    "joinLevel",
    "entityMap",
    "datasetId",
    "deleteAll",
    "timerel",
    "timeAt",
    "endTimeAt",
    "time",
    "endTime",
    "timeproperty",
    "lastN",
    "aggrMethods",
    "aggrPeriodDuration",
    "local",
    "details",
    "via",
    "containedBy",
    "expandValues",
    "showChanges",
    "observedAt",
    "collect",
    "orderBy",
    "kind",
    "doNotCompact",
    // Tolerated: Stellio's temporal paging, Orion-LD's output options.
    "pageSize",
    "pageAnchor",
    "prettyPrint",
    "spaces",
];

/// Middleware: 400 InvalidRequest for a URL parameter the API does not have, and for a
/// `format` or `options` value no representation has.
pub(super) async fn known_params(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use super::request::{params, problem};
    use crate::ngsi_ld::problem::ProblemKind;
    let given = params(req.uri().query().map(str::to_owned));
    for (k, v) in &given {
        let why = if !KNOWN_PARAMS.contains(&k.as_str()) {
            Some(format!("`{k}` is not a parameter of the NGSI-LD API"))
        } else if k == "format" && !FORMATS.contains(&v.as_str()) {
            Some(format!(
                "format must be one of {}, not `{v}`",
                FORMATS.join(", ")
            ))
        } else if k == "options" {
            v.split(',')
                .map(str::trim)
                .find(|o| !OPTIONS.contains(o))
                .map(|o| format!("options: `{o}` is not one of {}", OPTIONS.join(", ")))
        } else {
            None
        };
        if let Some(why) = why {
            return problem(ProblemKind::InvalidRequest, why);
        }
    }
    if req.method() == axum::http::Method::GET
        && let Some(accept) = req.headers().get(axum::http::header::ACCEPT)
    {
        let accept = accept.to_str().unwrap_or_default();
        let path = req.uri().path();
        // GeoJSON only where entities are answered.
        let geo = path.contains("/entities") && !path.contains("/temporal/");
        let ok = accept.split(',').any(|m| {
            let m = m.split(';').next().unwrap_or_default().trim();
            matches!(
                m,
                "" | "*/*" | "application/*" | "application/json" | "application/ld+json"
            ) || (geo && m == "application/geo+json")
        });
        if !ok {
            return problem(
                ProblemKind::NotAcceptable,
                format!(
                    "this resource is answered as application/json or application/ld+json{}, not {accept}",
                    if geo {
                        " (or application/geo+json)"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    next.run(req).await
}

/// `format` values: the entity representations and the temporal ones.
const FORMATS: &[&str] = &[
    "normalized",
    "concise",
    "simplified",
    "keyValues",
    "temporalValues",
    "aggregatedValues",
];

/// `options` values of reads and writes.
const OPTIONS: &[&str] = &[
    "normalized",
    "concise",
    "simplified",
    "keyValues",
    "temporalValues",
    "aggregatedValues",
    "sysAttrs",
    "count",
    "noOverwrite",
    "update",
    "replace",
    "splitEntities",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        for ok in ["urn:ngsi-ld:Vehicle:1", "https://example.org/a#b", "x:y"] {
            assert!(is_uri(ok), "{ok}");
        }
        for no in ["", "invalidId", ":x", "urn:", "1a:b", "urn:a b", "urn:a<b"] {
            assert!(!is_uri(no), "{no}");
        }
        assert!(is_name("speed") && is_name("https://uri.etsi.org/ngsi-ld/location"));
        assert!(!is_name("invalid(Name") && !is_name("a b") && !is_name(""));
    }
}
