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
//! * subscriptions (`/subscriptions`: create, list, get with delivery status, merge-patch,
//!   delete) with notifications over HTTP and MQTT ([`notify`]): entity selectors,
//!   `notificationTrigger`, `watchedAttributes`, `q`, `geoQ`, `throttling`, `expiresAt`,
//!   `isActive`, `notification.attributes` and `format`;
//! * the temporal API (`/temporal/entities[/{id}]`): `timerel` before/after/between,
//!   `timeproperty`, `lastN`, `attrs`, the normalized, `temporalValues` and aggregated
//!   (`aggrMethods`, `aggrPeriodDuration`) representations; `POST /temporal/entities` adds
//!   instances (used to load past values);
//! * an optional bearer token (401 without it), a body size limit (413).
//!
//! Simplifications: names are compacted to their last segment instead of being expanded with
//! the request's @context (the @context is accepted and checked for presence, not fetched);
//! history keeps Properties and Relationships (not GeoProperties) for `history_hours`;
//! entities loaded with `--seed` start without history; there are no registrations,
//! periodic (`timeInterval`) subscriptions, `showChanges` or JSON-LD framing.

mod batch;
mod context;
mod discovery;
mod entities;
mod join;
pub mod notify;
mod request;
pub mod server;
pub mod store;
mod subscriptions;
mod temporal;
mod temporal_write;
mod validate;

pub use server::{Broker, BrokerHandle, ServerConfig};

pub use crate::timestamp::now_rfc3339;
