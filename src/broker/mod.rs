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

pub use crate::timestamp::now_rfc3339;
