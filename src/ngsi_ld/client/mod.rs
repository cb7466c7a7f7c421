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

mod operations;

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
    /// Certificate authorities (PEM) trusted besides the system's, for an https:// broker
    /// with a certificate of its own CA or a self-signed one.
    pub ca_pem: Option<Vec<u8>>,
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
            ca_pem: None,
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
        let mut builder = reqwest::Client::builder();
        if let Some(pem) = &config.ca_pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ClientError::Config(format!("broker.ca_file holds no usable certificate: {e}"))
            })?;
            if roots.is_empty() {
                return Err(ClientError::Config(
                    "broker.ca_file holds no certificate (PEM, -----BEGIN CERTIFICATE-----)"
                        .to_owned(),
                ));
            }
            builder = builder.tls_certs_merge(roots);
        }
        let http = builder
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

    /// Whether `url` is on the broker's own server (scheme, host and port), where its
    /// credentials apply; they are never sent anywhere else.
    pub fn serves(&self, url: &str) -> bool {
        let origin = |u: &str| -> Option<String> {
            let (scheme, rest) = u.split_once("://")?;
            let host = rest.split(['/', '?', '#']).next()?;
            let host = host
                .rsplit_once('@')
                .map_or(host, |(_, h)| h)
                .to_ascii_lowercase();
            let default = if scheme.eq_ignore_ascii_case("https") {
                ":443"
            } else {
                ":80"
            };
            let host = if host.contains(':') {
                host
            } else {
                format!("{host}{default}")
            };
            Some(format!("{}://{host}", scheme.to_ascii_lowercase()))
        };
        origin(url).is_some_and(|o| Some(o) == origin(&self.base))
    }

    /// Any file on the broker's server (a 3D tileset it also serves, say), with the broker's
    /// credentials and certificate authorities.
    pub async fn get_file(&self, url: &str) -> Result<Vec<u8>, ClientError> {
        let mut request = self.http.get(url);
        if let Some(token) = self.bearer().await? {
            request = request.bearer_auth(token.expose());
        }
        let response = request.send().await.map_err(|e| {
            ClientError::Config(format!("cannot read the file: {}", without_url(e)))
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(ClientError::Config(format!(
                "the broker's server answered {status}"
            )));
        }
        Ok(response
            .bytes()
            .await
            .map_err(|e| ClientError::Config(format!("cannot read the file: {}", without_url(e))))?
            .to_vec())
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
