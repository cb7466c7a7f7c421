//! What every handler of the local broker starts with, as axum extractors: the bearer token
//! check and the tenant ([`Tenant`]), and for writes the JSON body within the size limit with
//! the @context rules of its content type ([`TenantJson`]); and the error responses
//! (ProblemDetails) the handlers answer with.

// Handlers return early with a ready error response; boxing it would only add noise.
#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::server::Shared;
use super::store::{Store, StoreError};
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::problem::{ProblemDetails, ProblemKind};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;

/// What a handler answers: its response, or an error response returned early with `?`.
pub(super) type Answer = Result<Response, Response>;

/// The request's tenant (`NGSILD-Tenant`, "" for the default one), after the bearer token
/// check: a handler that takes it runs only for an authorised request.
pub(super) struct Tenant(pub String);

impl FromRequestParts<Shared> for Tenant {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, Response> {
        begin(shared, &parts.headers).map(Tenant)
    }
}

/// The tenant, as [`Tenant`], the request's JSON body, read within the broker's size limit
/// and checked against the @context rules of its content type, and its active @context (from
/// the body with `application/ld+json`, else from the `Link` header).
pub(super) struct TenantJson {
    /// The tenant.
    pub tenant: String,
    /// The body.
    pub body: Value,
    /// The request's @context.
    pub ld: Arc<Context>,
    /// Whether it was sent as `application/ld+json` (each batch item then carries its own
    /// @context).
    pub ld_json: bool,
}

impl FromRequest<Shared> for TenantJson {
    type Rejection = Response;

    async fn from_request(req: Request, shared: &Shared) -> Result<Self, Response> {
        let tenant = begin(shared, req.headers())?;
        let link = super::context::from_link(req.headers());
        let ld_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/ld+json"));
        let body = read_json(shared, req).await?;
        let sent = match &body {
            Value::Array(items) => items.iter().find_map(|i| i.get("@context")).cloned(),
            other => other.get("@context").cloned(),
        }
        .or(link);
        let ld = shared.contexts.resolve(sent.as_ref()).await?;
        Ok(Self {
            tenant,
            body,
            ld,
            ld_json,
        })
    }
}

/// The request's tenant, after the token check; an error response otherwise.
fn begin(shared: &Shared, headers: &HeaderMap) -> Result<String, Response> {
    if let Some(token) = &shared.config.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return Err(problem(
                ProblemKind::Unauthorized,
                "this broker needs a bearer token: send `Authorization: Bearer <token>`",
            ));
        }
    }
    let tenant = headers
        .get("NGSILD-Tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_owned();
    if tenant.len() > 52 || tenant.contains(char::is_whitespace) {
        return Err(problem(
            ProblemKind::BadRequestData,
            "NGSILD-Tenant must be at most 52 characters without spaces",
        ));
    }
    Ok(tenant)
}

/// Reads the body within the size limit and checks the @context rules of the content type.
async fn read_json(shared: &Shared, req: Request) -> Result<Value, Response> {
    let (parts, body) = req.into_parts();
    let limit = shared.config.max_body_bytes;
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        problem(
            ProblemKind::PayloadTooLarge,
            format!("the request body is larger than this broker accepts ({limit} bytes)"),
        )
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        problem(
            ProblemKind::InvalidRequest,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    if value.as_object().is_some_and(serde_json::Map::is_empty)
        || value.as_array().is_some_and(Vec::is_empty)
    {
        // Creating from nothing is a malformed request; an empty change is bad data (as
        // the ETSI suite tells them apart).
        let creation = parts.uri.path().ends_with("/entities");
        return Err(problem(
            if creation {
                ProblemKind::InvalidRequest
            } else {
                ProblemKind::BadRequestData
            },
            "the body is empty: send the JSON the operation needs",
        ));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    // A batch delete is a bare list of ids: nothing to give a context to.
    let has_context = |v: &Value| match v {
        Value::Array(items) => items
            .iter()
            .all(|i| i.is_string() || i.get("@context").is_some()),
        other => other.get("@context").is_some(),
    };
    if content_type.starts_with("application/ld+json") {
        if parts.headers.contains_key(header::LINK) {
            return Err(problem(
                ProblemKind::BadRequestData,
                "with Content-Type application/ld+json the @context goes in the body, not in a Link header",
            ));
        }
        // A batch's items are checked one by one (207), the rest here.
        if !value.is_array() && !has_context(&value) {
            return Err(problem(
                ProblemKind::BadRequestData,
                "with Content-Type application/ld+json the body must carry an @context",
            ));
        }
    } else if content_type.starts_with("application/json")
        || content_type.starts_with("application/merge-patch+json")
    {
        let any_context = match &value {
            Value::Array(items) => items.iter().any(|i| i.get("@context").is_some()),
            other => other.get("@context").is_some(),
        };
        if any_context {
            return Err(problem(
                ProblemKind::BadRequestData,
                "with Content-Type application/json the @context goes in a Link header; use application/ld+json to send it in the body",
            ));
        }
    } else {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            axum::Json(ProblemDetails::new(&ProblemKind::Other("UnsupportedMediaType".into()), format!("Content-Type {content_type} is not supported; use application/json or application/ld+json")).to_json()),
        )
            .into_response());
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------
// Responses

pub(super) fn problem(kind: ProblemKind, detail: impl Into<String>) -> Response {
    let p = ProblemDetails::new(&kind, detail);
    let status = StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = (status, axum::Json(p.to_json())).into_response();
    if kind == ProblemKind::Unauthorized {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    problem(ProblemKind::InternalError, e.to_string())
}

pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

pub(super) fn bad(reason: impl Into<String>) -> Response {
    problem(ProblemKind::BadRequestData, reason)
}

pub(super) fn poisoned() -> StoreError {
    StoreError::from(rusqlite::Error::InvalidQuery)
}

pub(super) fn lock(shared: &Shared) -> Result<std::sync::MutexGuard<'_, Store>, Response> {
    shared
        .store
        .lock()
        .map_err(|_| internal("the store is unavailable"))
}

/// Reads checks that the tenant exists.
pub(super) fn existing_tenant(store: &Store, tenant: &str) -> Result<(), Response> {
    match store.tenant_exists(tenant) {
        Ok(true) => Ok(()),
        Ok(false) => Err(problem(
            ProblemKind::NonexistentTenant,
            format!("tenant `{tenant}` does not exist (tenants are created by the first write)"),
        )),
        Err(e) => Err(internal(e)),
    }
}

pub(super) fn params(raw: Option<String>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

pub(super) fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(super) fn has_option(params: &[(String, String)], option: &str) -> bool {
    param(params, "options").is_some_and(|o| o.split(',').any(|x| x.trim() == option))
}

/// The store, for a tenant that must exist (reads and updates; creating writes make one).
pub(super) fn existing_store<'a>(
    shared: &'a Shared,
    tenant: &str,
) -> Result<std::sync::MutexGuard<'a, Store>, Response> {
    let store = lock(shared)?;
    existing_tenant(&store, tenant)?;
    Ok(store)
}

pub(super) fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(mime))
}
