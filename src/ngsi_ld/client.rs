//! The NGSI-LD client: queries with paging, discovery, writes, for Orion-LD, Scorpio, Stellio
//! and `citytwin broker`.
//!
//! It is async (reqwest on tokio) and meant to run off the main thread: the viewer's loader
//! thread and `citytwin check` each drive it with their own runtime.
//!
//! * Paging: `limit`/`offset` with `count=true`; when a broker refuses a page size (400 or
//!   403, as Orion-LD, Scorpio and Stellio do above 1000/1000/100) the client retries with the
//!   next smaller size, down to 20.
//! * Requests carry the configured @context in a `Link` header, the tenant in
//!   `NGSILD-Tenant`, and a bearer token: static (from a file) or obtained with OAuth2 client
//!   credentials and refreshed before it expires. Tokens never appear in logs or messages.
//! * Connection failures, timeouts and 5xx answers are retried with exponential backoff;
//!   errors say what to check.

use super::problem::{ProblemDetails, ProblemKind};
use super::render::{Format, render};
use super::request::EntityQuery;
use super::subscription::Subscription;
use super::temporal::{TemporalEntity, TemporalQuery};
use super::{Entity, ParsedPayload, Representation, SkippedItem, Terms, parse_payload_with};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Page sizes tried in turn when a broker refuses one.
const PAGE_SIZES: [usize; 6] = [1000, 500, 100, 50, 30, 20];

/// A secret (token, password) that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself (to send it; never to print it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the client authenticates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No token.
    #[default]
    None,
    /// A fixed bearer token.
    Bearer(Secret),
    /// OAuth2 client credentials against a token endpoint.
    ClientCredentials {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
        /// The scope to ask for, if any.
        scope: Option<String>,
    },
}

/// Where and how to reach a broker.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://localhost:1026` (with or without `/ngsi-ld/v1`).
    pub url: String,
    /// The tenant (`NGSILD-Tenant`), if not the default.
    pub tenant: Option<String>,
    /// The @context sent in the `Link` header, if any.
    pub context: Option<String>,
    /// Authentication.
    pub auth: Auth,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Retries after a failed attempt (connection, timeout, 5xx).
    pub retries: u32,
    /// The page size to start with.
    pub page_size: usize,
    /// Terms for expanded names in responses.
    pub terms: Terms,
}

impl ClientConfig {
    /// Defaults for a broker at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            tenant: None,
            context: None,
            auth: Auth::None,
            timeout: Duration::from_secs(30),
            retries: 3,
            page_size: 1000,
            terms: Terms::default(),
        }
    }
}

/// What went wrong, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The broker could not be reached.
    #[error(
        "cannot reach the NGSI-LD broker at {url}: {reason}. Check the URL (--broker) and that the broker is running"
    )]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The cause.
        reason: String,
    },
    /// The broker answered with an error.
    #[error("{advice}")]
    Broker {
        /// HTTP status.
        status: u16,
        /// The ProblemDetails, when the body was one.
        problem: Option<ProblemDetails>,
        /// The message for the user.
        advice: String,
    },
    /// The answer could not be read.
    #[error("the broker at {url} sent something citytwin cannot read: {reason}")]
    Decode {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A token could not be obtained.
    #[error(
        "cannot get an access token from {token_url}: {reason}. Check the OAuth2 client id and secret"
    )]
    Token {
        /// The token endpoint.
        token_url: String,
        /// Why (never the secret).
        reason: String,
    },
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
}

impl ClientError {
    /// The ProblemDetails kind, for errors the broker sent.
    pub fn kind(&self) -> Option<ProblemKind> {
        match self {
            Self::Broker {
                problem: Some(p), ..
            } => Some(p.kind()),
            Self::Broker { status: 401, .. } => Some(ProblemKind::Unauthorized),
            _ => None,
        }
    }
}

/// A page of a query.
#[derive(Debug, Clone, Default)]
pub struct QueryPage {
    /// Entities read.
    pub entities: Vec<Entity>,
    /// Items of the page that could not be read.
    pub skipped: Vec<SkippedItem>,
    /// The total (`NGSILD-Results-Count`), when the broker sent it.
    pub total: Option<usize>,
    /// Items in the page as sent (read or not).
    pub received: usize,
}

/// The outcome of a batch write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Ids written.
    pub success: Vec<String>,
    /// Ids refused, each with the broker's reason.
    pub errors: Vec<(String, String)>,
}

/// An NGSI-LD client.
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    base: String,
    token: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client({})", self.base)
    }
}

impl Client {
    /// A client for the configured broker.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        // HTTPS through rustls with the ring provider; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = config.url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ClientError::Config(format!(
                "the broker URL must start with http:// or https://, not `{url}`"
            )));
        }
        let base = if url.ends_with("/ngsi-ld/v1") {
            url.to_owned()
        } else {
            format!("{url}/ngsi-ld/v1")
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("citytwin/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(Self {
            http,
            config,
            base,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The API base URL (ending in `/ngsi-ld/v1`).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn bearer(&self) -> Result<Option<Secret>, ClientError> {
        match &self.config.auth {
            Auth::None => Ok(None),
            Auth::Bearer(s) => Ok(Some(s.clone())),
            Auth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scope,
            } => {
                let mut cached = self.token.lock().await;
                if let Some((t, expires)) = cached.as_ref()
                    && *expires > Instant::now() + Duration::from_secs(60)
                {
                    return Ok(Some(t.clone()));
                }
                let mut form = vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", client_secret.expose()),
                ];
                if let Some(s) = scope {
                    form.push(("scope", s));
                }
                let fail = |reason: String| ClientError::Token {
                    token_url: token_url.clone(),
                    reason,
                };
                let response = self
                    .http
                    .post(token_url)
                    .form(&form)
                    .send()
                    .await
                    .map_err(|e| fail(without_url(e)))?;
                let status = response.status();
                let body: Value = response.json().await.map_err(|e| fail(e.to_string()))?;
                if !status.is_success() {
                    let why = body
                        .get("error_description")
                        .or_else(|| body.get("error"))
                        .and_then(Value::as_str)
                        .unwrap_or("refused");
                    return Err(fail(format!("HTTP {status}: {why}")));
                }
                let token = body
                    .get("access_token")
                    .and_then(Value::as_str)
                    .ok_or_else(|| fail("the answer has no access_token".to_owned()))?;
                let lifetime = body
                    .get("expires_in")
                    .and_then(Value::as_u64)
                    .unwrap_or(300);
                let secret = Secret::new(token);
                *cached = Some((
                    secret.clone(),
                    Instant::now() + Duration::from_secs(lifetime),
                ));
                Ok(Some(secret))
            }
        }
    }

    /// Sends a request with retries; returns the status, headers and body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        params: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, bytes_body::Body), ClientError> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .query(params)
                .header("Accept", "application/json");
            if let Some(tenant) = self.config.tenant.as_deref().filter(|t| !t.is_empty()) {
                request = request.header("NGSILD-Tenant", tenant);
            }
            if let Some(context) = self.config.context.as_deref().filter(|c| !c.is_empty()) {
                request = request.header(
                    "Link",
                    format!("<{context}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""),
                );
            }
            if let Some(token) = self.bearer().await? {
                request = request.bearer_auth(token.expose());
            }
            if let Some(b) = body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(b.to_string());
            }
            let outcome = request.send().await;
            let retryable = match &outcome {
                Err(e) => e.is_connect() || e.is_timeout() || e.is_request(),
                Ok(r) => r.status().is_server_error() && r.status() != StatusCode::NOT_IMPLEMENTED,
            };
            if retryable && attempt < self.config.retries {
                attempt += 1;
                let wait = Duration::from_millis(200 * (1 << attempt.min(6)));
                tracing::debug!("{method} {url}: retry {attempt} in {wait:?}");
                tokio::time::sleep(wait).await;
                continue;
            }
            let response = outcome.map_err(|e| ClientError::Unreachable {
                url: self.base.clone(),
                reason: without_url(e),
            })?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| ClientError::Unreachable {
                    url: self.base.clone(),
                    reason: without_url(e),
                })?;
            return Ok((status, headers, bytes_body::Body(bytes.to_vec())));
        }
    }

    fn error(&self, status: StatusCode, body: &[u8]) -> ClientError {
        let problem = ProblemDetails::parse(body);
        let summary = problem.as_ref().map_or_else(
            || {
                String::from_utf8_lossy(&body[..body.len().min(200)])
                    .trim()
                    .to_owned()
            },
            ProblemDetails::summary,
        );
        let kind = problem.as_ref().map(ProblemDetails::kind);
        let tenant = self.config.tenant.clone().unwrap_or_default();
        let advice = match (status.as_u16(), &kind) {
            (_, Some(ProblemKind::NonexistentTenant)) => format!(
                "the broker at {} has no tenant `{tenant}`; check --tenant (or broker.tenant)",
                self.base
            ),
            (_, Some(ProblemKind::LdContextNotAvailable)) => format!(
                "the broker could not fetch the @context {}; check --context (or broker.context), which must be reachable from the broker",
                self.config.context.as_deref().unwrap_or("(none)")
            ),
            (401, _) | (_, Some(ProblemKind::Unauthorized)) => format!(
                "the broker at {} refused the request as unauthorized ({summary}); give a token with --token-file, or OAuth2 settings in [broker]",
                self.base
            ),
            (403, _) => format!(
                "the broker at {} refused the request (403): {summary}",
                self.base
            ),
            (404, None) => format!(
                "{} answered 404 without an NGSI-LD error: is this the URL of an NGSI-LD broker?",
                self.base
            ),
            _ => format!("the broker at {} answered {status}: {summary}", self.base),
        };
        ClientError::Broker {
            status: status.as_u16(),
            problem,
            advice,
        }
    }

    /// One page of a query (the query's limit and offset).
    pub async fn query_page(&self, q: &EntityQuery) -> Result<QueryPage, ClientError> {
        let mut q = q.clone();
        q.format = q.format.or(Some(Format::Normalized));
        let (status, headers, body) = self
            .send(Method::GET, "/entities", &q.to_params(), None)
            .await?;
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        let total = headers
            .get("NGSILD-Results-Count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let value = self.json(&body.0)?;
        let received = value.as_array().map_or(1, Vec::len);
        let repr = match q.format {
            Some(Format::Concise) => Representation::Concise,
            Some(Format::Simplified) => Representation::Simplified,
            _ => Representation::Normalized,
        };
        let parsed = parse_payload_with(&value, repr, &self.config.terms);
        Ok(QueryPage {
            entities: parsed.entities,
            skipped: parsed.skipped,
            total,
            received,
        })
    }

    /// All results of a query, page by page, adapting the page size to the broker.
    /// `progress(received, total)` is called after each page.
    pub async fn query_all(
        &self,
        query: &EntityQuery,
        progress: &mut dyn FnMut(usize, Option<usize>),
    ) -> Result<ParsedPayload, ClientError> {
        let mut out = ParsedPayload::default();
        let mut page_size = self.config.page_size.max(1);
        let mut offset = 0;
        let mut total: Option<usize> = None;
        loop {
            let mut q = query.clone();
            q.limit = Some(page_size);
            q.offset = offset;
            q.count = true;
            let page = match self.query_page(&q).await {
                Ok(p) => p,
                Err(ClientError::Broker {
                    status: 400 | 403, ..
                }) if offset == 0 && page_size > PAGE_SIZES[PAGE_SIZES.len() - 1] => {
                    // The broker refuses this page size: take the next smaller one.
                    let smaller = PAGE_SIZES
                        .iter()
                        .copied()
                        .find(|s| *s < page_size)
                        .unwrap_or(20);
                    tracing::info!("the broker refused pages of {page_size}; trying {smaller}");
                    page_size = smaller;
                    continue;
                }
                Err(e) => return Err(e),
            };
            total = page.total.or(total);
            let received = page.received;
            out.entities.extend(page.entities);
            out.skipped.extend(page.skipped);
            offset += received;
            progress(offset, total);
            let done = match total {
                Some(t) => offset >= t || received == 0,
                None => received < page_size,
            };
            if done {
                return Ok(out);
            }
        }
    }

    /// The number of entities matching a query (`limit=0&count=true`).
    pub async fn count(&self, query: &EntityQuery) -> Result<Option<usize>, ClientError> {
        let mut q = query.clone();
        q.limit = Some(0);
        q.count = true;
        Ok(self.query_page(&q).await?.total)
    }

    /// One entity, or `None` if there is none with this id.
    pub async fn get_entity(&self, id: &str) -> Result<Option<Entity>, ClientError> {
        let path = format!("/entities/{}", encode(id));
        let params = vec![("format".to_owned(), "normalized".to_owned())];
        let (status, _, body) = self.send(Method::GET, &path, &params, None).await?;
        if status == StatusCode::NOT_FOUND
            && ProblemDetails::parse(&body.0)
                .is_some_and(|p| p.kind() == ProblemKind::ResourceNotFound)
        {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        let value = self.json(&body.0)?;
        Ok(
            parse_payload_with(&value, Representation::Normalized, &self.config.terms)
                .entities
                .into_iter()
                .next(),
        )
    }

    /// A response body as JSON.
    fn json(&self, body: &[u8]) -> Result<Value, ClientError> {
        serde_json::from_slice(body).map_err(|e| ClientError::Decode {
            url: self.base.clone(),
            reason: format!("not JSON: {e}"),
        })
    }

    /// The entity types the broker holds (`GET /types`).
    pub async fn types(&self) -> Result<Vec<String>, ClientError> {
        self.list("/types", "typeList").await
    }

    /// The attribute names the broker holds (`GET /attributes`).
    pub async fn attributes(&self) -> Result<Vec<String>, ClientError> {
        self.list("/attributes", "attributeList").await
    }

    async fn list(&self, path: &str, member: &str) -> Result<Vec<String>, ClientError> {
        let (status, _, body) = self.send(Method::GET, path, &[], None).await?;
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        let value = self.json(&body.0)?;
        let mut names = if member == "typeList" {
            super::discovery::type_names(&value)
        } else {
            super::discovery::attribute_names(&value)
        };
        for n in &mut names {
            *n = self.config.terms.short(n).to_owned();
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Creates one entity (409 AlreadyExists becomes an error).
    pub async fn create(&self, e: &Entity) -> Result<(), ClientError> {
        let body = render(e, Format::Normalized);
        let (status, _, resp) = self
            .send(Method::POST, "/entities", &[], Some(&body))
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Deletes one entity.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let (status, _, resp) = self
            .send(
                Method::DELETE,
                &format!("/entities/{}", encode(id)),
                &[],
                None,
            )
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Creates a subscription; returns its id (the one given, or the broker's from the
    /// `Location` header).
    pub async fn subscribe(&self, s: &Subscription) -> Result<String, ClientError> {
        let body = s.to_json();
        let (status, headers, resp) = self
            .send(Method::POST, "/subscriptions", &[], Some(&body))
            .await?;
        if !status.is_success() {
            return Err(self.error(status, &resp.0));
        }
        let from_location = headers
            .get("Location")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .map(|id| id.replace("%3A", ":").replace("%3a", ":"));
        s.id.clone()
            .or(from_location)
            .ok_or_else(|| ClientError::Decode {
                url: self.base.clone(),
                reason: "the broker created the subscription but did not say its id".to_owned(),
            })
    }

    /// A subscription as the broker shows it, or `None` when it has none with this id.
    pub async fn subscription(&self, id: &str) -> Result<Option<Value>, ClientError> {
        let path = format!("/subscriptions/{}", encode(id));
        let (status, _, body) = self.send(Method::GET, &path, &[], None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.error(status, &body.0));
        }
        self.json(&body.0).map(Some)
    }

    /// Deletes a subscription (one already gone is not an error).
    pub async fn unsubscribe(&self, id: &str) -> Result<(), ClientError> {
        let path = format!("/subscriptions/{}", encode(id));
        let (status, _, body) = self.send(Method::DELETE, &path, &[], None).await?;
        if status.is_success() || status == StatusCode::NOT_FOUND {
            Ok(())
        } else {
            Err(self.error(status, &body.0))
        }
    }

    /// The history of the entities a temporal query selects, all pages.
    pub async fn temporal(&self, q: &TemporalQuery) -> Result<Vec<TemporalEntity>, ClientError> {
        let mut out = Vec::new();
        let page_size = q.entities.limit.unwrap_or(100).max(1);
        let mut offset = q.entities.offset;
        loop {
            let mut page = q.clone();
            page.entities.limit = Some(page_size);
            page.entities.offset = offset;
            let params = page.to_params();
            let (status, _, body) = self
                .send(Method::GET, "/temporal/entities", &params, None)
                .await?;
            if !status.is_success() {
                return Err(self.error(status, &body.0));
            }
            let v = self.json(&body.0)?;
            let got = TemporalEntity::parse_many(&v).map_err(|reason| ClientError::Decode {
                url: self.base.clone(),
                reason,
            })?;
            let n = got.len();
            out.extend(got);
            if n < page_size {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Adds past instances to an entity's history (`POST /temporal/entities`; the body is a
    /// temporal entity: attributes as arrays of instances with `observedAt`).
    pub async fn temporal_create(&self, body: &Value) -> Result<(), ClientError> {
        let (status, _, resp) = self
            .send(Method::POST, "/temporal/entities", &[], Some(body))
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.error(status, &resp.0))
        }
    }

    /// Creates or replaces entities in batches of `batch_size`; a partly failed batch (207)
    /// reports each refused entity with the broker's reason.
    pub async fn batch_upsert(
        &self,
        entities: &[Entity],
        batch_size: usize,
    ) -> Result<BatchOutcome, ClientError> {
        self.batch("/entityOperations/upsert", entities, batch_size)
            .await
    }

    /// Updates attributes of existing entities (each entity carries only the attributes that
    /// change), in batches of `batch_size`; entities that do not exist are reported as errors.
    pub async fn batch_update(
        &self,
        entities: &[Entity],
        batch_size: usize,
    ) -> Result<BatchOutcome, ClientError> {
        self.batch("/entityOperations/update", entities, batch_size)
            .await
    }

    async fn batch(
        &self,
        path: &str,
        entities: &[Entity],
        batch_size: usize,
    ) -> Result<BatchOutcome, ClientError> {
        let mut outcome = BatchOutcome::default();
        for chunk in entities.chunks(batch_size.max(1)) {
            let body = Value::Array(
                chunk
                    .iter()
                    .map(|e| render(e, Format::Normalized))
                    .collect(),
            );
            let (status, _, resp) = self.send(Method::POST, path, &[], Some(&body)).await?;
            match status.as_u16() {
                201 | 204 | 200 => outcome.success.extend(chunk.iter().map(|e| e.id.clone())),
                207 => {
                    let v = self.json(&resp.0)?;
                    outcome.success.extend(
                        v.get("success")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_owned),
                    );
                    for err in v
                        .get("errors")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let id = err
                            .get("entityId")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned();
                        let reason = err
                            .get("error")
                            .and_then(|p| ProblemDetails::parse(p.to_string().as_bytes()))
                            .map_or_else(|| err.to_string(), |p| p.summary());
                        outcome.errors.push((id, reason));
                    }
                }
                _ => return Err(self.error(status, &resp.0)),
            }
        }
        Ok(outcome)
    }
}

/// Percent-encodes a path segment (entity ids are URIs and may hold `/` or `#`).
fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A reqwest error's message with its causes but without the URL (which may carry
/// credentials).
fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    reason
}

mod bytes_body {
    /// A response body.
    pub struct Body(pub Vec<u8>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let auth = Auth::ClientCredentials {
            token_url: "https://idp/token".into(),
            client_id: "viewer".into(),
            client_secret: Secret::new("s3cr3t"),
            scope: None,
        };
        assert!(!format!("{auth:?}").contains("s3cr3t"));
        let c = ClientConfig {
            auth: Auth::Bearer(Secret::new("tok3n")),
            ..ClientConfig::new("http://x")
        };
        assert!(!format!("{c:?}").contains("tok3n"));
    }

    #[test]
    fn urls_are_checked_and_normalised() {
        assert!(Client::new(ClientConfig::new("localhost:1026")).is_err());
        let c = Client::new(ClientConfig::new("http://localhost:1026/")).unwrap();
        assert_eq!(c.base_url(), "http://localhost:1026/ngsi-ld/v1");
        let c = Client::new(ClientConfig::new("https://broker.city/ngsi-ld/v1")).unwrap();
        assert_eq!(c.base_url(), "https://broker.city/ngsi-ld/v1");
        assert_eq!(
            encode("urn:ngsi-ld:X:a/b c"),
            "urn%3Angsi-ld%3AX%3Aa%2Fb%20c"
        );
    }

    #[test]
    fn errors_give_advice() {
        let c = Client::new(ClientConfig {
            tenant: Some("city".into()),
            ..ClientConfig::new("http://b")
        })
        .unwrap();
        let body = br#"{"type":"https://uri.etsi.org/ngsi-ld/errors/NonExistingTenant","title":"No such tenant"}"#;
        let e = c.error(StatusCode::NOT_FOUND, body);
        assert!(
            e.to_string().contains("no tenant `city`") && e.to_string().contains("--tenant"),
            "{e}"
        );
        let e = c.error(StatusCode::UNAUTHORIZED, b"");
        assert!(e.to_string().contains("--token-file"), "{e}");
        assert_eq!(e.kind(), Some(ProblemKind::Unauthorized));
        let e = c.error(StatusCode::NOT_FOUND, b"<html>nginx</html>");
        assert!(
            e.to_string()
                .contains("is this the URL of an NGSI-LD broker"),
            "{e}"
        );
    }
}
