//! Reading what can be read from a JSON array that does not parse as a whole: one entity
//! nested ten thousand levels deep, one broken string or a file cut short must not lose the
//! thousands of good entities beside it.
//!
//! The array's elements are found by a scan that honours strings and escapes and counts depth
//! without recursion (so any depth is fine), then each is parsed on its own; those that fail
//! are skipped with the reason and, when it can be seen, their id.
//!
//! ```
//! use citytwin::ngsi_ld::salvage::salvage_array;
//! let text = br#"[{"id": "urn:a", "type": "T"}, {"id": "urn:b", "type": "T", "x": [1,}, {"id": "urn:c", "type": "T"}]"#;
//! let (good, skipped) = salvage_array(text).unwrap();
//! assert_eq!(good.len(), 2);
//! assert_eq!(skipped[0].id, "urn:b");
//! ```

use super::SkippedItem;
use serde_json::Value;
use std::ops::Range;

/// The byte ranges of the elements of the JSON array `text` holds, and whether the text ends
/// before the array does. `None` when the text is not an array.
pub fn array_elements(text: &[u8]) -> Option<(Vec<Range<usize>>, bool)> {
    let first = text.iter().position(|b| !b.is_ascii_whitespace())?;
    if text[first] != b'[' {
        return None;
    }
    let mut elements = Vec::new();
    // The brackets open inside the array; a closing one that does not match the last closes
    // back to the one it matches (so one broken element does not swallow the rest).
    let mut open: Vec<u8> = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut start: Option<usize> = None;
    let mut last = 0;
    for (i, &b) in text.iter().enumerate().skip(first + 1) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last = i;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        let at_top = open.is_empty();
        match b {
            b',' if at_top => {
                if let Some(s) = start.take() {
                    elements.push(s..last + 1);
                }
                continue;
            }
            b']' if at_top => {
                if let Some(s) = start.take() {
                    elements.push(s..last + 1);
                }
                return Some((elements, false));
            }
            b'"' => in_string = true,
            b'[' | b'{' => open.push(b),
            b']' | b'}' => {
                let opener = if b == b']' { b'[' } else { b'{' };
                if let Some(at) = open.iter().rposition(|&o| o == opener) {
                    open.truncate(at);
                }
            }
            _ => {}
        }
        if at_top && start.is_none() {
            start = Some(i);
        }
        last = i;
    }
    if let Some(s) = start {
        elements.push(s..text.len());
    }
    Some((elements, true))
}

/// Each element of the JSON array `text` in turn, parsed on its own, or skipped with the
/// reason: only one element is held as JSON at a time. `None` (and no call) when the text is
/// not an array.
pub fn each_element(
    text: &[u8],
    mut f: impl FnMut(usize, Result<Value, SkippedItem>),
) -> Option<()> {
    let (ranges, cut) = array_elements(text)?;
    let count = ranges.len();
    for (n, range) in ranges.into_iter().enumerate() {
        let bytes = &text[range];
        let skip = |reason: String| SkippedItem {
            id: id_in(bytes).unwrap_or_else(|| format!("item {n}")),
            reason,
        };
        if cut && n + 1 == count {
            f(
                n,
                Err(skip(
                    "the text ends inside it (the file or the answer was cut short)".into(),
                )),
            );
            continue;
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => f(n, Ok(v)),
            Err(e) => f(
                n,
                Err(skip(format!(
                    "is not valid JSON: {}",
                    without_position(&e.to_string())
                ))),
            ),
        }
    }
    Some(())
}

/// The elements of a JSON array that parse, and the others skipped with the reason. `None`
/// when the text is not an array.
pub fn salvage_array(text: &[u8]) -> Option<(Vec<Value>, Vec<SkippedItem>)> {
    let (mut good, mut skipped) = (Vec::new(), Vec::new());
    each_element(text, |_, r| match r {
        Ok(v) => good.push(v),
        Err(s) => skipped.push(s),
    })?;
    Some((good, skipped))
}

/// The value of the first `"id"` member near the start of an element, if it is a string.
fn id_in(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4_096)];
    let text = String::from_utf8_lossy(head);
    let after = &text[text.find("\"id\"")? + 4..];
    let after = after.trim_start().strip_prefix(':')?.trim_start();
    let value = after.strip_prefix('"')?;
    let end = value.find('"')?;
    let id = &value[..end.min(200)];
    (!id.is_empty()).then(|| id.to_owned())
}

/// serde_json's message without " at line L column C" (positions inside one element).
fn without_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_found_whatever_their_strings_and_depth() {
        let text = br#" [ 1, "a,]\"b", {"x": [1, {"y": "}"}]}, [[[]]] , null ]"#;
        let (ranges, cut) = array_elements(text).unwrap();
        let parts: Vec<&str> = ranges
            .iter()
            .map(|r| std::str::from_utf8(&text[r.clone()]).unwrap())
            .collect();
        assert_eq!(
            parts,
            [
                "1",
                r#""a,]\"b""#,
                r#"{"x": [1, {"y": "}"}]}"#,
                "[[[]]]",
                "null"
            ]
        );
        assert!(!cut);
        assert!(array_elements(b"{\"a\": 1}").is_none());
        assert_eq!(array_elements(b"[]").unwrap().0.len(), 0);
    }

    #[test]
    fn a_deep_entity_and_a_cut_end_are_skipped_and_the_rest_kept() {
        let deep = format!(
            r#"{{"id": "urn:deep", "type": "T", "v": {}1{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let text = format!(
            r#"[{{"id": "urn:1", "type": "T"}}, {deep}, {{"id": "urn:2", "type": "T"}}, {{"id": "urn:3", "ty"#
        );
        let (good, skipped) = salvage_array(text.as_bytes()).unwrap();
        assert_eq!(good.len(), 2);
        assert_eq!(skipped.len(), 2);
        assert_eq!(skipped[0].id, "urn:deep");
        assert!(
            skipped[0].reason.contains("recursion limit"),
            "{}",
            skipped[0].reason
        );
        assert_eq!(skipped[1].id, "urn:3");
        assert!(skipped[1].reason.contains("cut short"));
    }
}
