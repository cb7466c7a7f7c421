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
