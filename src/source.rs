//! Where data comes from: the district built into citytwin, a file, or an NGSI-LD broker.
//!
//! A source yields an NGSI-LD [`ParsedPayload`]; the payload's shape (entity, array,
//! notification, GeoJSON, …) is recognised by [`crate::ngsi_ld::parse_payload`]. A broker is
//! read through [`crate::ngsi_ld::client`], page by page.
//!
//! The viewer and `citytwin check` read the demo district through a local broker that they
//! start inside the process ([`crate::demo`]), so the demo takes the same path as a
//! city's broker.

use crate::cancel::Cancel;
use crate::config::{Config, SourceSetting};
use crate::ngsi_ld::client::{Auth, Client, ClientConfig, ClientError, Secret};
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::{ParsedPayload, Representation, Terms, parse_array_item, parse_payload};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The demo district: 7,981 OpenStreetMap buildings of Midtown Manhattan as NGSI-LD Building
/// entities (normalized), gzip-compressed. © OpenStreetMap contributors, ODbL 1.0.
static DEMO_GZ: &[u8] = include_bytes!("../assets/demo/manhattan_midtown_buildings.ngsild.json.gz");

/// The demo district's NGSI-LD JSON (a JSON array of Building entities), unzipped.
pub fn demo_json() -> Result<Vec<u8>, SourceError> {
    let mut text = Vec::with_capacity(8 << 20);
    flate2::read::GzDecoder::new(DEMO_GZ)
        .read_to_end(&mut text)
        .map_err(|e| SourceError::Demo(e.to_string()))?;
    Ok(text)
}

/// Attribution that must accompany the demo data wherever it is shown.
pub const DEMO_ATTRIBUTION: &str = "Buildings: © OpenStreetMap contributors, available under \
    the Open Database License (https://www.openstreetmap.org/copyright)";

/// Human name of the demo district.
pub const DEMO_NAME: &str = "Midtown Manhattan, New York (OpenStreetMap, 2025-01-25)";

/// An NGSI-LD broker to read from.
#[derive(Debug, Clone)]
pub struct BrokerSource {
    /// How to reach it.
    pub client: ClientConfig,
    /// The entity types to ask for.
    pub types: Vec<String>,
    /// The label shown (the URL, or the demo's name).
    pub label: String,
    /// The data's attribution, if known.
    pub attribution: Option<String>,
}

/// A place to read entities from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The district built into the binary, decoded directly.
    Demo,
    /// A JSON file (NGSI-LD or GeoJSON).
    File(PathBuf),
    /// An NGSI-LD broker.
    Broker(Box<BrokerSource>),
}

impl Source {
    /// The source the configuration names: the demo → [`Source::Demo`], `"broker"` → the
    /// broker of `[broker]` (asking for the building type and the sensor layers' types),
    /// anything else is a path.
    pub fn from_config(config: &Config) -> Result<Self, SourceError> {
        Ok(match &config.data.source {
            SourceSetting::Demo => Self::Demo,
            SourceSetting::Broker => {
                Self::Broker(Box::new(broker_source(config, config.entity_types())?))
            }
            SourceSetting::File(path) => Self::File(path.clone()),
        })
    }

    /// The broker to read, for a broker source.
    pub fn broker(&self) -> Option<&BrokerSource> {
        match self {
            Self::Broker(b) => Some(b),
            _ => None,
        }
    }

    /// A label for the UI and reports.
    pub fn label(&self) -> String {
        match self {
            Self::Demo => DEMO_NAME.to_owned(),
            Self::File(p) => p.display().to_string(),
            Self::Broker(b) => b.label.clone(),
        }
    }

    /// The attribution the data requires, if known.
    pub fn attribution(&self) -> Option<String> {
        match self {
            Self::Demo => Some(DEMO_ATTRIBUTION.to_owned()),
            Self::File(_) => None,
            Self::Broker(b) => b.attribution.clone(),
        }
    }
}

fn read_secret(path: &str, what: &str) -> Result<Secret, SourceError> {
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::Read {
        path: PathBuf::from(path),
        source,
    })?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(SourceError::Broker(format!(
            "the {what} file {path} is empty"
        )));
    }
    Ok(Secret::new(secret))
}

/// The broker of `[broker]`, asking for `types`.
pub fn broker_source(config: &Config, types: Vec<String>) -> Result<BrokerSource, SourceError> {
    let b = &config.broker;
    let auth = if !b.token_url.is_empty() {
        Auth::ClientCredentials {
            token_url: b.token_url.clone(),
            client_id: b.client_id.clone(),
            client_secret: read_secret(&b.client_secret_file, "client secret")?,
            scope: None,
        }
    } else if !b.token_file.is_empty() {
        Auth::Bearer(read_secret(&b.token_file, "token")?)
    } else {
        Auth::None
    };
    let client = ClientConfig {
        url: b.url.clone(),
        tenant: (!b.tenant.is_empty()).then(|| b.tenant.clone()),
        context: (!b.context.is_empty()).then(|| b.context.clone()),
        auth,
        timeout: Duration::from_secs_f64(b.timeout_s),
        retries: b.retries,
        page_size: b.page_size,
        terms: Terms::new(b.terms.clone()),
        ca_pem: if b.ca_file.is_empty() {
            None
        } else {
            Some(
                std::fs::read(&b.ca_file).map_err(|source| SourceError::Read {
                    path: PathBuf::from(&b.ca_file),
                    source,
                })?,
            )
        },
    };
    let tenant = if b.tenant.is_empty() {
        String::new()
    } else {
        format!(" (tenant {})", b.tenant)
    };
    Ok(BrokerSource {
        label: format!("{}{tenant}", b.url),
        client,
        types,
        attribution: None,
    })
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
    /// Reading from a broker failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A broker could not be set up.
    #[error("{0}")]
    Broker(String),
    /// Reading was stopped before it ended (the viewer closed, a new load began).
    #[error("stopped before the data were read")]
    Cancelled,
}

/// Reads and parses a source. `progress(received, total)` reports pages from a broker.
pub fn read(
    source: &Source,
    progress: &mut dyn FnMut(usize, Option<usize>),
) -> Result<ParsedPayload, SourceError> {
    read_unless_cancelled(source, &Cancel::new(), progress)
}

/// [`read`], giving up with [`SourceError::Cancelled`] as soon as `cancel` is set (a broker's
/// answer is not waited for).
pub fn read_unless_cancelled(
    source: &Source,
    cancel: &Cancel,
    progress: &mut dyn FnMut(usize, Option<usize>),
) -> Result<ParsedPayload, SourceError> {
    let (bytes, path) = match source {
        Source::Broker(b) => return read_broker(b, cancel, progress),
        Source::Demo => (demo_json()?, PathBuf::from("demo")),
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

fn read_broker(
    b: &BrokerSource,
    cancel: &Cancel,
    progress: &mut dyn FnMut(usize, Option<usize>),
) -> Result<ParsedPayload, SourceError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SourceError::Broker(format!("cannot start the network runtime: {e}")))?;
    let client = Client::new(b.client.clone())?;
    let query = EntityQuery {
        types: b.types.clone(),
        ..EntityQuery::default()
    };
    runtime
        .block_on(cancel.unless_cancelled(client.query_all(&query, progress)))
        .ok_or(SourceError::Cancelled)?
        .map_err(SourceError::from)
}

/// Bytes as stored, or unzipped when they are gzip-compressed; `path` names them in errors.
pub fn gunzip<'a>(bytes: &'a [u8], path: &Path) -> Result<std::borrow::Cow<'a, [u8]>, SourceError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|source| SourceError::Read {
            path: path.to_owned(),
            source,
        })?;
    Ok(std::borrow::Cow::Owned(out))
}

/// Whether (unzipped) bytes look like CityJSON or CityJSONSeq: their first object says
/// `"type": "CityJSON"` near its start.
pub fn is_cityjson(bytes: &[u8]) -> bool {
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    head.contains("\"type\":\"CityJSON\"")
}

/// Parses JSON bytes (optionally gzip-compressed) named `path` for messages.
pub fn parse_bytes(bytes: &[u8], path: &Path) -> Result<ParsedPayload, SourceError> {
    let bytes = gunzip(bytes, path)?;
    let bytes = &bytes[..];
    // A UTF-8 byte-order mark is not JSON, but editors write it; accept it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // An array is read one element at a time: only one is held as JSON beside the entities
    // read, and each element that parses on its own is kept when others do not.
    let mut parsed = ParsedPayload::default();
    let (mut good, mut bad) = (0, 0);
    let array = crate::ngsi_ld::salvage::each_element(bytes, |i, element| match element {
        Ok(v) => {
            good += 1;
            parse_array_item(&v, i, Representation::Auto, &mut parsed);
        }
        Err(skipped) => {
            bad += 1;
            parsed.skipped.push(skipped);
        }
    });
    if array.is_some() && (good > 0 || bad == 0) {
        return Ok(parsed);
    }
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(parse_payload(&value, Representation::Auto)),
        Err(e) => Err(not_json(&e, path)),
    }
}

/// The error for text that is not JSON, with where.
fn not_json(e: &serde_json::Error, path: &Path) -> SourceError {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_reads_every_building() {
        let parsed = read(&Source::Demo, &mut |_, _| {}).unwrap();
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
        let e = read(
            &Source::File("/nonexistent/city.json".into()),
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/city.json"));
    }
}
