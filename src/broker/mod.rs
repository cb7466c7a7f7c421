//! `citytwin broker`: a local NGSI-LD context broker for offline demos, kiosks without network
//! and hackathon laptops. For production use Orion-LD, Scorpio or Stellio.
//!
//! It serves the NGSI-LD API (ETSI GS CIM 009) with the specification's status codes and
//! ProblemDetails errors, checked against the ETSI conformance suite (`make conformance`,
//! figures in docs/brokers.md):
//!
//! * entities: create, retrieve, delete, replace and merge, append / update / replace /
//!   delete attributes, per `datasetId` (multi-instance attributes, `deleteAll`), NGSI-LD Null
//!   (`urn:ngsi-ld:null`) deleting, scopes;
//! * batch operations: create, upsert, update, merge, delete (207 with per-entity errors) and
//!   query;
//! * queries: `id`, `idPattern`, `type`, `attrs`, `q`, `scopeQ`, geo-queries (`near`,
//!   `within`, `contains`, `intersects`, `equals`, `disjoint`, `overlaps` on Point,
//!   LineString, Polygon and MultiPolygon), `pick`/`omit`, `lang`, `datasetId`, linked
//!   entities (`join=inline|flat`, `joinLevel`), `limit`/`offset`/`count=true` with an
//!   enforced maximum page size (403 TooManyResults), `options=sysAttrs` (the entity's
//!   `createdAt` and `modifiedAt`);
//! * JSON-LD: names expanded with the request's @context (`Link` header or body; documents
//!   fetched once and cached) and answered in the reader's terms, 504
//!   LdContextNotAvailable when a context cannot be had;
//! * the normalized, concise and simplified representations, `application/ld+json` and
//!   `application/geo+json` (406 for what it cannot answer), unknown parameters refused;
//! * tenants (`NGSILD-Tenant`), `/types` and `/attributes`;
//! * subscriptions (`/subscriptions`: create, list, get with delivery status, merge-patch,
//!   delete) with notifications over HTTP and MQTT ([`notify`]): entity selectors,
//!   `notificationTrigger`, `watchedAttributes`, `q`, `geoQ`, `throttling`, `timeInterval`,
//!   `expiresAt`, `isActive`, `notification.attributes`, `pick`/`omit`, `format`,
//!   `showChanges`, receiverInfo headers, deleted attributes as NGSI-LD Null;
//! * the temporal API: `/temporal/entities[/{id}]` reads (`timerel`, `timeproperty`, `lastN`,
//!   `attrs`, normalized with `instanceId`s, `temporalValues` and aggregated
//!   representations; `q` and geo-queries judged on the instances in the window; entities
//!   known only from history found too), `POST /temporal/entityOperations/query`, and writes
//!   (create, add attributes, delete the temporal entity, an attribute's instances, or one
//!   instance; change one instance);
//! * an optional bearer token (401 without it), a body size limit (413).
//!
//! Not done: context source registrations and distributed operations, `mqtts://`,
//! `orderBy`, attributes' system attributes (`options=sysAttrs` gives the entity's
//! `createdAt`/`modifiedAt` only), 206 partial temporal
//! answers; history keeps Properties and Relationships (not GeoProperties) of entity writes
//! for `history_hours`, and entities loaded with `--seed` start without history.

mod answer;
mod batch;
mod combine;
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
