//! The JSON-LD @context of a request: from the `Link` header (`application/json`) or the
//! body (`application/ld+json`), with the documents it names fetched once and kept, and
//! answered with `LdContextNotAvailable` (504) when one cannot be had. Names are stored
//! expanded; each request's names are expanded with its context on the way in and compacted
//! with it on the way out ([`crate::ngsi_ld::jsonld`]).

use super::request::problem;
use super::server::Shared;
use crate::ngsi_ld::jsonld::{self, Context};
use crate::ngsi_ld::problem::ProblemKind;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Documents fetched at most, and contexts built at most, kept in memory.
const KEPT: usize = 256;

/// Fetched @context documents and the contexts built from them.
pub(super) struct Contexts {
    documents: Mutex<BTreeMap<String, Value>>,
    built: Mutex<HashMap<String, Arc<Context>>>,
    http: reqwest::Client,
}

impl Default for Contexts {
    fn default() -> Self {
        // https contexts through rustls with the ring provider (as the client).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            documents: Mutex::new(BTreeMap::new()),
            built: Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }
}

impl Contexts {
    /// The active context for a client's @context (`None`: the core context alone).
    pub(super) async fn resolve(&self, sent: Option<&Value>) -> Result<Arc<Context>, Response> {
        let Some(sent) = sent else {
            return Ok(Context::core());
        };
        let key = sent.to_string();
        if let Some(c) = self.built.lock().ok().and_then(|b| b.get(&key).cloned()) {
            return Ok(c);
        }
        let mut docs = self.documents.lock().map(|d| d.clone()).unwrap_or_default();
        for _ in 0..8 {
            let missing = jsonld::urls(sent, &docs);
            if missing.is_empty() {
                break;
            }
            for url in missing {
                let doc = self.fetch(&url).await?;
                if let Ok(mut d) = self.documents.lock() {
                    if d.len() >= KEPT {
                        d.clear();
                    }
                    d.insert(url.clone(), doc.clone());
                }
                docs.insert(url, doc);
            }
        }
        let built = Context::build(sent, &docs).map_err(|why| {
            problem(
                ProblemKind::BadRequestData,
                format!("the @context cannot be used: {why}"),
            )
        })?;
        let built = Arc::new(built);
        if let Ok(mut b) = self.built.lock() {
            if b.len() >= KEPT {
                b.clear();
            }
            b.insert(key, built.clone());
        }
        Ok(built)
    }

    /// The fetched documents a client's @context needs (to store with what it wrote).
    pub(super) fn documents_for(&self, sent: &Value) -> BTreeMap<String, Value> {
        let docs = self.documents.lock().map(|d| d.clone()).unwrap_or_default();
        let mut out = BTreeMap::new();
        let mut wanted = jsonld::urls(sent, &BTreeMap::new());
        while let Some(url) = wanted.pop() {
            if out.contains_key(&url) {
                continue;
            }
            if let Some(doc) = docs.get(&url) {
                if let Some(inner) = doc.get("@context") {
                    wanted.extend(jsonld::urls(inner, &BTreeMap::new()));
                }
                out.insert(url, doc.clone());
            }
        }
        out
    }

    async fn fetch(&self, url: &str) -> Result<Value, Response> {
        let unavailable = |why: String| {
            problem(
                ProblemKind::LdContextNotAvailable,
                format!("the @context {url} could not be fetched: {why}"),
            )
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(unavailable(
                "only http and https URLs can be fetched".into(),
            ));
        }
        let r = self
            .http
            .get(url)
            .header(header::ACCEPT, "application/ld+json, application/json")
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !r.status().is_success() {
            return Err(unavailable(format!("the server answered {}", r.status())));
        }
        let doc: Value = r
            .json()
            .await
            .map_err(|e| unavailable(format!("it is not JSON ({e})")))?;
        if doc.get("@context").is_none() {
            return Err(unavailable("it holds no @context".into()));
        }
        Ok(doc)
    }
}

/// The @context a `Link` header names, as the JSON value a body would carry.
pub(super) fn from_link(headers: &HeaderMap) -> Option<Value> {
    headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(jsonld::link_context)
        .map(Value::String)
}

/// The request's active @context, from its `Link` header (reads and deletes).
pub(super) struct Ld(pub Arc<Context>);

impl FromRequestParts<Shared> for Ld {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, Response> {
        let sent = from_link(&parts.headers);
        shared.contexts.resolve(sent.as_ref()).await.map(Ld)
    }
}
