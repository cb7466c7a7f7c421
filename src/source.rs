//! Where data comes from: the district built into citytwin, or a file.
//!
//! A source yields an NGSI-LD [`ParsedPayload`]; the payload's shape (entity, array,
//! notification, GeoJSON, …) is recognised by [`crate::ngsi_ld::parse_payload`].

use crate::ngsi_ld::{ParsedPayload, Representation, parse_payload};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The demo district: 7,981 OpenStreetMap buildings of Midtown Manhattan as NGSI-LD Building
/// entities (normalized), gzip-compressed. © OpenStreetMap contributors, ODbL 1.0.
static DEMO_GZ: &[u8] = include_bytes!("../assets/demo/manhattan_midtown_buildings.ngsild.json.gz");

/// Attribution that must accompany the demo data wherever it is shown.
pub const DEMO_ATTRIBUTION: &str = "Buildings: © OpenStreetMap contributors, available under \
    the Open Database License (https://www.openstreetmap.org/copyright)";

/// Human name of the demo district.
pub const DEMO_NAME: &str = "Midtown Manhattan, New York (OpenStreetMap, 2025-01-25)";

/// A place to read entities from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The district built into the binary.
    Demo,
    /// A JSON file (NGSI-LD or GeoJSON).
    File(PathBuf),
}

impl Source {
    /// `"demo"` → [`Source::Demo`], anything else is a path.
    pub fn from_setting(setting: &str) -> Self {
        if setting == "demo" {
            Self::Demo
        } else {
            Self::File(PathBuf::from(setting))
        }
    }

    /// A label for the UI and reports.
    pub fn label(&self) -> String {
        match self {
            Self::Demo => DEMO_NAME.to_owned(),
            Self::File(p) => p.display().to_string(),
        }
    }

    /// The attribution the data requires, if known.
    pub fn attribution(&self) -> Option<&'static str> {
        match self {
            Self::Demo => Some(DEMO_ATTRIBUTION),
            Self::File(_) => None,
        }
    }
}

/// Why a source could not be read at all. (Items inside a readable source that are bad are
/// not errors: they are listed as skipped.)
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error(
        "{path} is not JSON ({message} at line {line}, column {column}); citytwin reads \
         NGSI-LD JSON (an entity, an array of entities, a query response or a notification) \
         and GeoJSON"
    )]
    NotJson {
        /// The file.
        path: PathBuf,
        /// serde_json's message without position.
        message: String,
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
    /// The built-in data is damaged (a build problem, never user input).
    #[error("the built-in demo data is damaged: {0}")]
    Demo(String),
}

/// Reads and parses a source.
pub fn read(source: &Source) -> Result<ParsedPayload, SourceError> {
    let (bytes, path) = match source {
        Source::Demo => {
            let mut text = Vec::with_capacity(8 << 20);
            flate2::read::GzDecoder::new(DEMO_GZ)
                .read_to_end(&mut text)
                .map_err(|e| SourceError::Demo(e.to_string()))?;
            (text, PathBuf::from("demo"))
        }
        Source::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| SourceError::Read {
                path: path.clone(),
                source,
            })?;
            (bytes, path.clone())
        }
    };
    parse_bytes(&bytes, &path)
}

/// Parses JSON bytes (optionally gzip-compressed) named `path` for messages.
pub fn parse_bytes(bytes: &[u8], path: &Path) -> Result<ParsedPayload, SourceError> {
    let unzipped;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|source| SourceError::Read {
                path: path.to_owned(),
                source,
            })?;
        unzipped = out;
        &unzipped[..]
    } else {
        bytes
    };
    // A UTF-8 byte-order mark is not JSON, but editors write it; accept it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let full = e.to_string();
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m)
            .to_owned();
        SourceError::NotJson {
            path: path.to_owned(),
            message,
            line: e.line(),
            column: e.column(),
        }
    })?;
    Ok(parse_payload(&value, Representation::Auto))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_reads_every_building() {
        let parsed = read(&Source::Demo).unwrap();
        assert_eq!(parsed.entities.len(), 7_981);
        assert!(
            parsed.skipped.is_empty(),
            "{:?}",
            &parsed.skipped[..parsed.skipped.len().min(3)]
        );
        let nyt = parsed
            .entities
            .iter()
            .find(|e| e.id == "urn:ngsi-ld:Building:relation-1860567")
            .unwrap();
        assert_eq!(
            nyt.attribute("name").unwrap().as_str(),
            Some("The New York Times Building")
        );
        assert_eq!(nyt.attribute("height").unwrap().as_f64(), Some(319.0));
    }

    #[test]
    fn not_json_is_one_clear_error() {
        let e = parse_bytes(b"<html>oops</html>", Path::new("city.json")).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("city.json is not JSON (expected value at line 1, column 1)"),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }

    #[test]
    fn gzip_and_bom_are_accepted() {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"\xEF\xBB\xBF[{\"id\":\"urn:a\",\"type\":\"T\"}]")
            .unwrap();
        let parsed = parse_bytes(&gz.finish().unwrap(), Path::new("x.json.gz")).unwrap();
        assert_eq!(parsed.entities.len(), 1);
    }

    #[test]
    fn missing_file_says_which() {
        let e = read(&Source::File("/nonexistent/city.json".into())).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/city.json"));
    }
}
