//! NGSI-LD errors: RFC 7807 ProblemDetails, read leniently (brokers differ) and written as the
//! specification asks.
//!
//! Leniency: the `type` is trimmed (Scorpio's TooManyResults URI ends in a space), `detail`
//! may be any JSON (Scorpio sends `{"message": …}`), and the brokers' spellings of the same
//! error are folded together (Orion-LD's `NonExistingTenant`, Scorpio's `TenantNotFound`).
//!
//! ```
//! use citytwin::ngsi_ld::problem::{ProblemDetails, ProblemKind};
//! let p = ProblemDetails::parse(br#"{"type":"https://uri.etsi.org/ngsi-ld/errors/TooManyResults ",
//!     "title":"Too many results","detail":{"message":"limit 2000 > 1000"}}"#).unwrap();
//! assert_eq!(p.kind(), ProblemKind::TooManyResults);
//! assert_eq!(p.detail.as_deref(), Some("limit 2000 > 1000"));
//! ```

use serde_json::{Value, json};

/// The prefix of the error types the specification defines.
pub const ERROR_PREFIX: &str = "https://uri.etsi.org/ngsi-ld/errors/";

/// The kinds of error a client acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// 400: the request is malformed.
    InvalidRequest,
    /// 400: the data is not acceptable.
    BadRequestData,
    /// 409: the entity exists already.
    AlreadyExists,
    /// 422 (or 501): not supported by this broker.
    OperationNotSupported,
    /// 404: no such entity or attribute.
    ResourceNotFound,
    /// 404: no such tenant.
    NonexistentTenant,
    /// 500: the broker failed.
    InternalError,
    /// 403: the query is too complex.
    TooComplexQuery,
    /// 403: the page asked for is larger than the broker allows.
    TooManyResults,
    /// 504: the broker could not fetch the @context (GS CIM 009 V1.9.1; 503 in older texts).
    LdContextNotAvailable,
    /// 501: tenants are not supported.
    NoMultiTenantSupport,
    /// 401/403: authentication or authorisation failed.
    Unauthorized,
    /// 413: the request body is too large.
    PayloadTooLarge,
    /// 406: none of the media types the client accepts can be answered.
    NotAcceptable,
    /// Anything else (the type as sent).
    Other(String),
}

impl ProblemKind {
    /// The last segment of the error type URI.
    pub fn name(&self) -> &str {
        match self {
            Self::InvalidRequest => "InvalidRequest",
            Self::BadRequestData => "BadRequestData",
            Self::AlreadyExists => "AlreadyExists",
            Self::OperationNotSupported => "OperationNotSupported",
            Self::ResourceNotFound => "ResourceNotFound",
            Self::NonexistentTenant => "NonexistentTenant",
            Self::InternalError => "InternalError",
            Self::TooComplexQuery => "TooComplexQuery",
            Self::TooManyResults => "TooManyResults",
            Self::LdContextNotAvailable => "LdContextNotAvailable",
            Self::NoMultiTenantSupport => "NoMultiTenantSupport",
            Self::Unauthorized => "Unauthorized",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::NotAcceptable => "NotAcceptable",
            Self::Other(s) => s,
        }
    }

    /// The HTTP status the specification pairs with the kind.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidRequest | Self::BadRequestData | Self::Other(_) => 400,
            Self::AlreadyExists => 409,
            Self::OperationNotSupported => 422,
            Self::ResourceNotFound | Self::NonexistentTenant => 404,
            Self::InternalError => 500,
            Self::TooComplexQuery | Self::TooManyResults => 403,
            Self::LdContextNotAvailable => 504,
            Self::NoMultiTenantSupport => 501,
            Self::Unauthorized => 401,
            Self::PayloadTooLarge => 413,
            Self::NotAcceptable => 406,
        }
    }

    fn from_type(t: &str) -> Self {
        let name = t.trim().rsplit(['/', '#']).next().unwrap_or_default();
        match name {
            "InvalidRequest" => Self::InvalidRequest,
            "BadRequestData" => Self::BadRequestData,
            "AlreadyExists" => Self::AlreadyExists,
            "OperationNotSupported" | "NotImplemented" => Self::OperationNotSupported,
            "ResourceNotFound" => Self::ResourceNotFound,
            "NonexistentTenant" | "NonExistingTenant" | "TenantNotFound" => Self::NonexistentTenant,
            "InternalError" => Self::InternalError,
            "TooComplexQuery" => Self::TooComplexQuery,
            "TooManyResults" => Self::TooManyResults,
            "LdContextNotAvailable" => Self::LdContextNotAvailable,
            "NoMultiTenantSupport" => Self::NoMultiTenantSupport,
            "Unauthorized" | "AccessDenied" | "Forbidden" => Self::Unauthorized,
            "PayloadTooLarge" => Self::PayloadTooLarge,
            "NotAcceptable" => Self::NotAcceptable,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// An error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemDetails {
    /// The type URI, trimmed.
    pub problem_type: String,
    /// A short title.
    pub title: Option<String>,
    /// The details, as text (a JSON detail is flattened).
    pub detail: Option<String>,
    /// The HTTP status, when the body says it.
    pub status: Option<u16>,
}

impl ProblemDetails {
    /// A problem of a kind with a detail message.
    pub fn new(kind: &ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("{ERROR_PREFIX}{}", kind.name()),
            title: Some(title_of(kind).to_owned()),
            detail: Some(detail.into()),
            status: Some(kind.status()),
        }
    }

    /// Reads a ProblemDetails body; `None` when the body is not one (not JSON, or no `type`
    /// and no `title`).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let o = v.as_object()?;
        let text = |key: &str| -> Option<String> {
            match o.get(key)? {
                Value::Null => None,
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Object(m) if m.get("message").is_some_and(Value::is_string) => {
                    m["message"].as_str().map(str::to_owned)
                }
                other => Some(other.to_string()),
            }
        };
        let problem_type = text("type").or_else(|| text("error"))?;
        Some(Self {
            problem_type,
            title: text("title"),
            detail: text("detail").or_else(|| text("description")),
            status: o
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok()),
        })
    }

    /// The kind of error.
    pub fn kind(&self) -> ProblemKind {
        ProblemKind::from_type(&self.problem_type)
    }

    /// The body to send.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"type": self.problem_type});
        if let Some(t) = &self.title {
            v["title"] = json!(t);
        }
        if let Some(d) = &self.detail {
            v["detail"] = json!(d);
        }
        if let Some(s) = self.status {
            v["status"] = json!(s);
        }
        v
    }

    /// "Title: detail" for messages.
    pub fn summary(&self) -> String {
        match (&self.title, &self.detail) {
            (Some(t), Some(d)) => format!("{t}: {d}"),
            (Some(t), None) => t.clone(),
            (None, Some(d)) => format!("{}: {d}", self.kind().name()),
            (None, None) => self.kind().name().to_owned(),
        }
    }
}

fn title_of(kind: &ProblemKind) -> &'static str {
    match kind {
        ProblemKind::InvalidRequest => "Invalid request",
        ProblemKind::BadRequestData => "Bad request data",
        ProblemKind::AlreadyExists => "Already exists",
        ProblemKind::OperationNotSupported => "Operation not supported",
        ProblemKind::ResourceNotFound => "Resource not found",
        ProblemKind::NonexistentTenant => "Tenant not found",
        ProblemKind::InternalError => "Internal error",
        ProblemKind::TooComplexQuery => "Query too complex",
        ProblemKind::TooManyResults => "Too many results",
        ProblemKind::LdContextNotAvailable => "@context not available",
        ProblemKind::NoMultiTenantSupport => "No multi-tenant support",
        ProblemKind::Unauthorized => "Unauthorized",
        ProblemKind::PayloadTooLarge => "Payload too large",
        ProblemKind::NotAcceptable => "Not acceptable",
        ProblemKind::Other(_) => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_spellings_fold_together() {
        for (t, kind) in [
            (
                "https://uri.etsi.org/ngsi-ld/errors/NonExistingTenant",
                ProblemKind::NonexistentTenant,
            ),
            (
                "https://uri.etsi.org/ngsi-ld/errors/TenantNotFound",
                ProblemKind::NonexistentTenant,
            ),
            (
                "https://uri.etsi.org/ngsi-ld/errors/TooManyResults ",
                ProblemKind::TooManyResults,
            ),
            (
                "https://uri.etsi.org/ngsi-ld/errors/AccessDenied",
                ProblemKind::Unauthorized,
            ),
        ] {
            let body = json!({"type": t, "title": "x"}).to_string();
            assert_eq!(
                ProblemDetails::parse(body.as_bytes()).unwrap().kind(),
                kind,
                "{t}"
            );
        }
    }

    #[test]
    fn written_problems_read_back() {
        let p = ProblemDetails::new(&ProblemKind::BadRequestData, "bad geometry");
        let back = ProblemDetails::parse(p.to_json().to_string().as_bytes()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.kind().status(), 400);
        assert_eq!(back.summary(), "Bad request data: bad geometry");
    }

    #[test]
    fn not_a_problem() {
        assert!(ProblemDetails::parse(b"<html>").is_none());
        assert!(ProblemDetails::parse(b"[1]").is_none());
        assert!(ProblemDetails::parse(b"{}").is_none());
    }
}
