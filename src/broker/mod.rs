//! `citytwin broker`: a local NGSI-LD context broker for offline demos, kiosks without network
//! and hackathon laptops. For production use Orion-LD, Scorpio or Stellio.
//!
//! It serves the part of the NGSI-LD API (ETSI GS CIM 009) that citytwin and simple clients
//! use, with the specification's status codes and ProblemDetails errors:
//!
//! * entities: create, retrieve, delete, replace and merge, append / update / replace /
//!   delete attributes;
//! * batch operations: create, upsert, update, delete (207 with per-entity errors) and query;
//! * queries: `id`, `idPattern`, `type`, `attrs`, `q`, geo-queries (`near`, `within`,
//!   `contains`, `intersects`, `equals`, `disjoint`, `overlaps` on Point, LineString, Polygon
//!   and MultiPolygon), `limit`/`offset`/`count=true` with an enforced maximum page size
//!   (403 TooManyResults);
//! * the normalized, concise and simplified representations and `application/geo+json`;
//! * tenants (`NGSILD-Tenant`), `/types` and `/attributes`;
//! * an optional bearer token (401 without it), a body size limit (413).
//!
//! Simplifications: names are compacted to their last segment instead of being expanded with
//! the request's @context (the @context is accepted and checked for presence, not fetched);
//! there are no subscriptions, temporal API, registrations or JSON-LD framing yet.

pub mod server;
pub mod store;

pub use server::{Broker, BrokerConfig, BrokerHandle};

/// The current time as an NGSI-LD timestamp (RFC 3339, UTC, milliseconds).
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs(), d.subsec_millis())
}

/// Formats seconds since 1970 (UTC) as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// ```
/// assert_eq!(citytwin::broker::rfc3339(1_709_251_199, 5), "2024-02-29T23:59:59.005Z");
/// ```
pub fn rfc3339(unix_seconds: u64, millis: u32) -> String {
    let (year, month, day) = civil_date(unix_seconds / 86_400);
    let secs = unix_seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// The civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm).
pub fn civil_date(days: u64) -> (i64, i64, i64) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}
