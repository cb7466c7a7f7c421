//! The local broker's HTTP API (axum on tokio).

// Handlers return early with a ready error response; boxing it would only add noise.
#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::notify::{self, Registry};
use super::now_rfc3339;
use super::store::{Change, Store, StoreError};
use super::{subscriptions, temporal};
use crate::ngsi_ld::geo_query::geometry_from_geojson;
use crate::ngsi_ld::problem::{ProblemDetails, ProblemKind};
use crate::ngsi_ld::render::{Format, render, to_feature_collection};
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::{AttributeKind, Entity, ParsedPayload, Representation, parse_entity};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedReceiver;

/// The API's path prefix.
pub const PREFIX: &str = "/ngsi-ld/v1";
/// The core @context the broker announces.
pub const CORE_CONTEXT: &str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld";

/// How a local broker serves (from `[local_broker]` and `citytwin broker`'s flags).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (port 0 picks a free one).
    pub bind: SocketAddr,
    /// The SQLite file, or `:memory:`.
    pub database: PathBuf,
    /// A bearer token every request must carry, if set.
    pub token: Option<String>,
    /// The largest page a query may ask for (403 TooManyResults above).
    pub max_page_size: usize,
    /// The page size when a query gives no `limit`.
    pub default_page_size: usize,
    /// The largest request body in bytes (413 above).
    pub max_body_bytes: usize,
    /// Hours of history kept for the temporal API.
    pub history_hours: f64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 1026)),
            database: PathBuf::from(":memory:"),
            token: None,
            max_page_size: 1000,
            default_page_size: 20,
            max_body_bytes: 16 * 1024 * 1024,
            history_hours: 48.0,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) store: Arc<Mutex<Store>>,
    pub(super) config: Arc<ServerConfig>,
    /// Subscriptions (also in the store, so they survive a restart).
    pub(super) subscriptions: Arc<Mutex<Registry>>,
    /// Committed changes, until the notifier starts and takes them.
    changes: Arc<Mutex<Option<UnboundedReceiver<Vec<Change>>>>>,
}

/// A broker: its store and configuration, ready to serve.
pub struct Broker {
    shared: Shared,
}

/// A broker running on its own thread; [`BrokerHandle::stop`] (or dropping the handle) stops
/// it and waits until its runtime and store are closed.
#[derive(Debug)]
pub struct BrokerHandle {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BrokerHandle {
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it. Later calls do nothing.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        crate::worker::join("the local broker", self.thread.take());
    }
}

impl Drop for BrokerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

impl crate::worker::Service for BrokerHandle {
    fn name(&self) -> &str {
        "the local broker"
    }

    fn stop(&mut self) {
        BrokerHandle::stop(self);
    }
}

/// What seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Entities written.
    pub entities: usize,
    /// Items that could not be read, with reasons.
    pub skipped: Vec<crate::ngsi_ld::SkippedItem>,
}

impl Broker {
    /// Opens the store.
    pub fn new(config: ServerConfig) -> Result<Self, StoreError> {
        let mut store = Store::open(&config.database)?;
        store.set_history_retention(config.history_hours);
        let (tx, rx) = notify::channel();
        store.set_change_sink(Box::new(move |changes| {
            let _ = tx.send(changes);
        }));
        let mut registry = Registry::default();
        for (tenant, body) in store.subscriptions()? {
            if let Err(why) = registry.insert(&tenant, body) {
                tracing::warn!("broker: a stored subscription cannot be used: {why}");
            }
        }
        Ok(Self {
            shared: Shared {
                store: Arc::new(Mutex::new(store)),
                config: Arc::new(config),
                subscriptions: Arc::new(Mutex::new(registry)),
                changes: Arc::new(Mutex::new(Some(rx))),
            },
        })
    }

    /// The notifier's task; `None` once it was started.
    fn notifier(&self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let rx = self.shared.changes.lock().ok()?.take()?;
        Some(notify::run(self.shared.subscriptions.clone(), rx))
    }

    /// Writes parsed entities into a tenant (replacing entities with the same id).
    pub fn seed(&self, tenant: &str, parsed: ParsedPayload) -> Result<SeedReport, StoreError> {
        let now = now_rfc3339();
        let mut report = SeedReport {
            entities: 0,
            skipped: parsed.skipped,
        };
        let mut store = self.shared.store.lock().map_err(|_| poisoned())?;
        store.transaction_quiet(|tx| {
            for e in &parsed.entities {
                if let Err(reason) = validate(e) {
                    report.skipped.push(crate::ngsi_ld::SkippedItem {
                        id: e.id.clone(),
                        reason,
                    });
                    continue;
                }
                tx.put(tenant, e, &now)?;
                report.entities += 1;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        let entity = format!("{PREFIX}/entities/{{id}}");
        Router::new()
            .route(
                &format!("{PREFIX}/entities"),
                get(query_entities).post(create_entity),
            )
            .route(
                &entity,
                get(get_entity)
                    .delete(delete_entity)
                    .patch(merge_entity)
                    .put(replace_entity),
            )
            .route(
                &format!("{entity}/attrs"),
                post(append_attrs).patch(update_attrs),
            )
            .route(
                &format!("{entity}/attrs/{{attr}}"),
                axum::routing::patch(patch_attr)
                    .put(put_attr)
                    .delete(delete_attr),
            )
            .route(&format!("{PREFIX}/entityOperations/{{op}}"), post(batch))
            .route(&format!("{PREFIX}/types"), get(types))
            .route(&format!("{PREFIX}/types/{{type}}"), get(type_info))
            .route(&format!("{PREFIX}/attributes"), get(attributes))
            .route(
                &format!("{PREFIX}/attributes/{{attr}}"),
                get(attribute_info),
            )
            .route(
                &format!("{PREFIX}/subscriptions"),
                get(subscriptions::list).post(subscriptions::create),
            )
            .route(
                &format!("{PREFIX}/subscriptions/{{id}}"),
                get(subscriptions::get)
                    .delete(subscriptions::delete)
                    .patch(subscriptions::update),
            )
            .route(
                &format!("{PREFIX}/temporal/entities"),
                get(temporal::query).post(temporal::create),
            )
            .route(
                &format!("{PREFIX}/temporal/entities/{{id}}"),
                get(temporal::get_one),
            )
            .route("/version", get(version))
            .fallback(not_found)
            .with_state(self.shared.clone())
    }

    /// Serves on a new thread with its own runtime; returns once it listens.
    pub fn spawn(self) -> std::io::Result<BrokerHandle> {
        let std_listener = std::net::TcpListener::bind(self.shared.config.bind)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = self.router();
        let notifier = self.notifier();
        let thread = std::thread::Builder::new()
            .name("citytwin-broker".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .thread_name("citytwin-broker")
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!("broker: cannot start its runtime: {e}");
                        return;
                    }
                };
                runtime.block_on(async move {
                    if let Some(n) = notifier {
                        tokio::spawn(n);
                    }
                    let listener = match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!("broker: {e}");
                            return;
                        }
                    };
                    let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                        let _ = rx.await;
                    });
                    if let Err(e) = serve.await {
                        tracing::error!("broker: {e}");
                    }
                });
            })?;
        Ok(BrokerHandle {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Serves on the current thread until Ctrl-C.
    pub fn run(self) -> std::io::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let router = self.router();
        let notifier = self.notifier();
        let bind = self.shared.config.bind;
        runtime.block_on(async move {
            if let Some(n) = notifier {
                tokio::spawn(n);
            }
            let listener = tokio::net::TcpListener::bind(bind).await?;
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        })
    }
}

fn poisoned() -> StoreError {
    StoreError::from(rusqlite::Error::InvalidQuery)
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

/// The request's tenant, after the token check; an error response otherwise.
pub(super) fn begin(shared: &Shared, headers: &HeaderMap) -> Result<String, Response> {
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

fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(mime))
}

/// Entities as a response in the representation and media type asked for.
fn entities_response(
    headers: &HeaderMap,
    params: &[(String, String)],
    entities: &[Entity],
    single: bool,
) -> Response {
    let format = EntityQuery::from_params(params)
        .ok()
        .and_then(|q| q.format)
        .unwrap_or(Format::Normalized);
    if accepts(headers, "application/geo+json") {
        let geoproperty = param(params, "geoproperty").unwrap_or("location");
        let body = if single && entities.len() == 1 {
            crate::ngsi_ld::render::to_feature(&entities[0], format, geoproperty)
        } else {
            to_feature_collection(entities, format, geoproperty)
        };
        return (
            [(header::CONTENT_TYPE, "application/geo+json")],
            body.to_string(),
        )
            .into_response();
    }
    let ld = accepts(headers, "application/ld+json");
    let rendered: Vec<Value> = entities
        .iter()
        .map(|e| {
            let mut v = render(e, format);
            if ld {
                v["@context"] = json!(CORE_CONTEXT);
            }
            v
        })
        .collect();
    let body = if single {
        rendered.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(rendered)
    };
    let mut r = axum::Json(body).into_response();
    if ld {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ld+json"),
        );
    } else {
        let link = format!(
            "<{CORE_CONTEXT}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            r.headers_mut().insert(header::LINK, v);
        }
    }
    r
}

// ---------------------------------------------------------------------------------------
// Request bodies

/// The request's tenant (after the token check), then its body as [`read_json`] reads it.
pub(super) async fn begin_with_body(
    shared: &Shared,
    req: Request,
) -> Result<(String, Value), Response> {
    let tenant = begin(shared, req.headers())?;
    Ok((tenant, read_json(shared, req).await?))
}

/// Reads the body within the size limit and checks the @context rules of the content type.
pub(super) async fn read_json(shared: &Shared, req: Request) -> Result<Value, Response> {
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
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let has_context = |v: &Value| match v {
        Value::Array(items) => items.iter().all(|i| i.get("@context").is_some()),
        other => other.get("@context").is_some(),
    };
    if content_type.starts_with("application/ld+json") {
        if parts.headers.contains_key(header::LINK) {
            return Err(problem(
                ProblemKind::BadRequestData,
                "with Content-Type application/ld+json the @context goes in the body, not in a Link header",
            ));
        }
        if !has_context(&value) {
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

/// Checks an entity for writing: a URI id, and GeoProperties that are geometries.
fn validate(e: &Entity) -> Result<(), String> {
    if !e.id.contains(':') {
        return Err(format!(
            "the id `{}` is not a URI (such as urn:ngsi-ld:Building:1)",
            e.id
        ));
    }
    for (name, instances) in &e.attributes {
        for a in instances {
            if a.kind == AttributeKind::GeoProperty {
                geometry_from_geojson(&a.value).map_err(|m| format!("attribute `{name}`: {m}"))?;
            }
        }
    }
    Ok(())
}

/// An entity from a request body, or the reason it is not one.
fn entity_from(v: &Value) -> Result<Entity, String> {
    let (e, skipped) = parse_entity(v, Representation::Concise)?;
    if let Some(s) = skipped.first() {
        return Err(s.reason.clone());
    }
    validate(&e)?;
    Ok(e)
}

/// Attributes from a fragment body (an object of attributes, without id and type).
fn fragment(v: &Value, id: &str) -> Result<Entity, String> {
    let Value::Object(o) = v else {
        return Err("the body must be a JSON object of attributes".to_owned());
    };
    let mut full = o.clone();
    full.insert("id".to_owned(), json!(id));
    if !full.contains_key("type") {
        full.insert("type".to_owned(), json!("_fragment"));
    }
    entity_from(&Value::Object(full))
}

pub(super) fn bad(reason: impl Into<String>) -> Response {
    problem(ProblemKind::BadRequestData, reason)
}

// ---------------------------------------------------------------------------------------
// Handlers

async fn version() -> Response {
    axum::Json(
        json!({"name": "citytwin broker", "version": env!("CARGO_PKG_VERSION"), "api": PREFIX}),
    )
    .into_response()
}

async fn not_found() -> Response {
    problem(
        ProblemKind::ResourceNotFound,
        format!(
            "no such endpoint; this broker serves {PREFIX}/entities, /entityOperations, /types, /attributes, /subscriptions and /temporal/entities"
        ),
    )
}

async fn query_entities(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let params = params(raw);
    run_query(&shared, &headers, &tenant, &params).await
}

/// The page size of a query, after checking that it is narrowed (`what` names it in the
/// error) and within the maximum page size.
pub(super) fn page_limit(shared: &Shared, q: &EntityQuery, what: &str) -> Result<usize, Response> {
    if !q.is_narrowed() {
        return Err(bad(format!(
            "the {what} is too broad: give at least one of type, id, idPattern, attrs, q or a geo-query"
        )));
    }
    let limit = q.limit.unwrap_or(shared.config.default_page_size);
    if limit > shared.config.max_page_size {
        return Err(problem(
            ProblemKind::TooManyResults,
            format!(
                "limit {limit} is larger than this broker's maximum page size {}",
                shared.config.max_page_size
            ),
        ));
    }
    Ok(limit)
}

async fn run_query(
    shared: &Shared,
    headers: &HeaderMap,
    tenant: &str,
    params: &[(String, String)],
) -> Response {
    let q = match EntityQuery::from_params(params) {
        Ok(q) => q,
        Err(e) => return bad(e.to_string()),
    };
    let limit = match page_limit(shared, &q, "query") {
        Ok(l) => l,
        Err(r) => return r,
    };
    if limit == 0 && !q.count {
        return bad("limit=0 is only allowed with count=true");
    }
    let store = match lock(shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, tenant) {
        return r;
    }
    let page = match store.query(tenant, &q, limit) {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    drop(store);
    let mut r = entities_response(headers, params, &page.entities, false);
    if q.count {
        r.headers_mut()
            .insert("NGSILD-Results-Count", HeaderValue::from(page.total));
    }
    r
}

async fn create_entity(State(shared): State<Shared>, req: Request) -> Response {
    let (tenant, body) = match begin_with_body(&shared, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let e = match entity_from(&body) {
        Ok(e) => e,
        Err(reason) => return bad(reason),
    };
    let mut store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = now_rfc3339();
    let result = store.transaction(|tx| {
        if tx.get(&tenant, &e.id)?.is_some() {
            return Ok(false);
        }
        tx.put(&tenant, &e, &now)?;
        Ok(true)
    });
    match result {
        Ok(true) => {
            let location = format!("{PREFIX}/entities/{}", e.id);
            (StatusCode::CREATED, [(header::LOCATION, location)]).into_response()
        }
        Ok(false) => problem(
            ProblemKind::AlreadyExists,
            format!("entity {} exists already", e.id),
        ),
        Err(err) => internal(err),
    }
}

async fn get_entity(
    State(shared): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let params = params(raw);
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, &tenant) {
        return r;
    }
    match store.get(&tenant, &id) {
        Ok(Some(mut e)) => {
            if let Some(attrs) = param(&params, "attrs").or_else(|| param(&params, "pick")) {
                let keep: Vec<&str> = attrs.split(',').map(str::trim).collect();
                e.attributes.retain(|k, _| keep.contains(&k.as_str()));
            }
            drop(store);
            entities_response(&headers, &params, &[e], true)
        }
        Ok(None) => problem(ProblemKind::ResourceNotFound, format!("no entity {id}")),
        Err(err) => internal(err),
    }
}

async fn delete_entity(
    State(shared): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, &tenant) {
        return r;
    }
    match store.transaction(|tx| tx.delete(&tenant, &id)) {
        Ok(true) => no_content(),
        Ok(false) => problem(ProblemKind::ResourceNotFound, format!("no entity {id}")),
        Err(e) => internal(e),
    }
}

/// How a fragment's attributes combine with an entity's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Combine {
    /// Add and replace (merge, upsert with options=update).
    Merge,
    /// Add only attributes that are not there (append with noOverwrite).
    NoOverwrite,
    /// Replace only attributes that are there; report the others.
    UpdateExisting,
}

/// Applies a fragment; returns the attribute names not applied.
fn combine(target: &mut Entity, fragment: Entity, how: Combine) -> Vec<String> {
    let mut not_applied = Vec::new();
    for (name, instances) in fragment.attributes {
        let present = target.attributes.contains_key(&name);
        match how {
            Combine::Merge => {
                target.attributes.insert(name, instances);
            }
            Combine::NoOverwrite if present => not_applied.push(name),
            Combine::NoOverwrite => {
                target.attributes.insert(name, instances);
            }
            Combine::UpdateExisting if present => {
                target.attributes.insert(name, instances);
            }
            Combine::UpdateExisting => not_applied.push(name),
        }
    }
    if fragment.types.iter().any(|t| t != "_fragment") {
        for t in fragment.types {
            if t != "_fragment" && !target.types.contains(&t) {
                target.types.push(t);
            }
        }
    }
    not_applied
}

/// Read-modify-write of one entity with a fragment body.
async fn modify(
    shared: Shared,
    req: Request,
    id: String,
    how: Combine,
    report_missing: bool,
) -> Response {
    let (tenant, body) = match begin_with_body(&shared, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let frag = match fragment(&body, &id) {
        Ok(f) => f,
        Err(reason) => return bad(reason),
    };
    let mut store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, &tenant) {
        return r;
    }
    let now = now_rfc3339();
    let result = store.transaction(|tx| {
        let Some(mut e) = tx.get(&tenant, &id)? else {
            return Ok(None);
        };
        let not_applied = combine(&mut e, frag, how);
        tx.put(&tenant, &e, &now)?;
        Ok(Some(not_applied))
    });
    match result {
        Ok(None) => problem(ProblemKind::ResourceNotFound, format!("no entity {id}")),
        Ok(Some(not_applied)) if report_missing && !not_applied.is_empty() => (
            StatusCode::MULTI_STATUS,
            axum::Json(json!({
                "updated": [],
                "notUpdated": not_applied.iter().map(|a| json!({"attributeName": a, "reason": "the entity has no such attribute"})).collect::<Vec<_>>()
            })),
        )
            .into_response(),
        Ok(Some(_)) => no_content(),
        Err(e) => internal(e),
    }
}

async fn merge_entity(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    req: Request,
) -> Response {
    modify(shared, req, id, Combine::Merge, false).await
}

async fn append_attrs(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
    req: Request,
) -> Response {
    let how = if has_option(&params(raw), "noOverwrite") {
        Combine::NoOverwrite
    } else {
        Combine::Merge
    };
    modify(shared, req, id, how, how == Combine::NoOverwrite).await
}

async fn update_attrs(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    req: Request,
) -> Response {
    modify(shared, req, id, Combine::UpdateExisting, true).await
}

async fn replace_entity(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    req: Request,
) -> Response {
    let (tenant, body) = match begin_with_body(&shared, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut body = body;
    if body.get("id").is_none() {
        body["id"] = json!(id);
    }
    let e = match entity_from(&body) {
        Ok(e) if e.id == id => e,
        Ok(_) => return bad("the body's id differs from the URL's"),
        Err(reason) => return bad(reason),
    };
    let mut store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = now_rfc3339();
    match store.transaction(|tx| {
        if tx.get(&tenant, &id)?.is_none() {
            return Ok(false);
        }
        tx.put(&tenant, &e, &now)?;
        Ok(true)
    }) {
        Ok(true) => no_content(),
        Ok(false) => problem(ProblemKind::ResourceNotFound, format!("no entity {id}")),
        Err(err) => internal(err),
    }
}

/// PATCH, PUT or DELETE of one attribute.
async fn one_attr(
    shared: Shared,
    req: Request,
    id: String,
    attr: String,
    method: &'static str,
) -> Response {
    let tenant = match begin(&shared, req.headers()) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let attr = crate::ngsi_ld::short_name(&attr).to_owned();
    let new = if method == "DELETE" {
        None
    } else {
        let body = match read_json(&shared, req).await {
            Ok(x) => x,
            Err(r) => return r,
        };
        match fragment(&json!({ attr.clone(): body }), &id) {
            Ok(mut f) => f.attributes.remove(&attr),
            Err(reason) => return bad(reason),
        }
    };
    let mut store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, &tenant) {
        return r;
    }
    let now = now_rfc3339();
    let result = store.transaction(|tx| {
        let Some(mut e) = tx.get(&tenant, &id)? else {
            return Ok(Err(format!("no entity {id}")));
        };
        let Some(current) = e.attributes.get_mut(&attr) else {
            return Ok(Err(format!("entity {id} has no attribute {attr}")));
        };
        match (method, new) {
            ("PATCH", Some(mut patch)) => {
                // Partial update: the given members change, sub-attributes merge.
                for (old, p) in current.iter_mut().zip(patch.drain(..)) {
                    old.value = p.value;
                    if p.kind != AttributeKind::Property || old.kind == AttributeKind::Property {
                        old.kind = p.kind;
                    }
                    old.unit_code = p.unit_code.or(old.unit_code.take());
                    old.observed_at = p.observed_at.or(old.observed_at.take());
                    old.sub_attributes.extend(p.sub_attributes);
                }
            }
            ("PUT", Some(replacement)) => *current = replacement,
            _ => {
                e.attributes.remove(&attr);
            }
        }
        tx.put(&tenant, &e, &now)?;
        Ok(Ok(()))
    });
    match result {
        Ok(Ok(())) => no_content(),
        Ok(Err(reason)) => problem(ProblemKind::ResourceNotFound, reason),
        Err(e) => internal(e),
    }
}

async fn patch_attr(
    State(shared): State<Shared>,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    req: Request,
) -> Response {
    one_attr(shared, req, id, attr, "PATCH").await
}

async fn put_attr(
    State(shared): State<Shared>,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    req: Request,
) -> Response {
    one_attr(shared, req, id, attr, "PUT").await
}

async fn delete_attr(
    State(shared): State<Shared>,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    req: Request,
) -> Response {
    one_attr(shared, req, id, attr, "DELETE").await
}

async fn batch(
    State(shared): State<Shared>,
    UrlPath(op): UrlPath<String>,
    RawQuery(raw): RawQuery,
    req: Request,
) -> Response {
    let tenant = match begin(&shared, req.headers()) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let params = params(raw);
    let headers = req.headers().clone();
    let body = match read_json(&shared, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if op == "query" {
        return batch_query(&shared, &headers, &tenant, &params, &body).await;
    }
    let Value::Array(items) = body else {
        return bad("a batch operation's body is a JSON array");
    };
    let mut errors: Vec<Value> = Vec::new();
    let fail = |errors: &mut Vec<Value>, id: &str, kind: ProblemKind, detail: String| {
        errors.push(json!({"entityId": id, "error": ProblemDetails::new(&kind, detail).to_json()}));
    };
    // Decode first, so that a bad item cannot stop the others.
    enum Item {
        Entity(Entity),
        Id(String),
    }
    let mut decoded = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if op == "delete" {
            match item.as_str() {
                Some(id) => decoded.push(Item::Id(id.to_owned())),
                None => fail(
                    &mut errors,
                    &format!("item {i}"),
                    ProblemKind::BadRequestData,
                    "a delete batch lists entity ids as strings".into(),
                ),
            }
            continue;
        }
        match entity_from(item) {
            Ok(e) => decoded.push(Item::Entity(e)),
            Err(reason) => {
                let id = item
                    .get("id")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("item {i}"), str::to_owned);
                fail(&mut errors, &id, ProblemKind::BadRequestData, reason);
            }
        }
    }
    let mut store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if op != "create"
        && op != "upsert"
        && let Err(r) = existing_tenant(&store, &tenant)
    {
        return r;
    }
    let now = now_rfc3339();
    let merge = has_option(&params, "update");
    let no_overwrite = has_option(&params, "noOverwrite");
    let result = store.transaction(|tx| {
        let mut success: Vec<String> = Vec::new();
        let mut created = false;
        let mut local_errors: Vec<(String, ProblemKind, String)> = Vec::new();
        for item in decoded {
            match (op.as_str(), item) {
                ("create", Item::Entity(e)) => {
                    if tx.get(&tenant, &e.id)?.is_some() {
                        local_errors.push((
                            e.id.clone(),
                            ProblemKind::AlreadyExists,
                            format!("entity {} exists already", e.id),
                        ));
                    } else {
                        tx.put(&tenant, &e, &now)?;
                        success.push(e.id);
                    }
                }
                ("upsert", Item::Entity(e)) => {
                    let e = match (merge, tx.get(&tenant, &e.id)?) {
                        (true, Some(mut old)) => {
                            combine(&mut old, e, Combine::Merge);
                            old
                        }
                        _ => e,
                    };
                    if tx.put(&tenant, &e, &now)? {
                        created = true;
                    }
                    success.push(e.id);
                }
                ("update", Item::Entity(e)) => match tx.get(&tenant, &e.id)? {
                    Some(mut old) => {
                        let id = e.id.clone();
                        combine(
                            &mut old,
                            e,
                            if no_overwrite {
                                Combine::NoOverwrite
                            } else {
                                Combine::Merge
                            },
                        );
                        tx.put(&tenant, &old, &now)?;
                        success.push(id);
                    }
                    None => local_errors.push((
                        e.id.clone(),
                        ProblemKind::ResourceNotFound,
                        format!("no entity {}", e.id),
                    )),
                },
                ("delete", Item::Id(id)) => {
                    if tx.delete(&tenant, &id)? {
                        success.push(id);
                    } else {
                        local_errors.push((
                            id.clone(),
                            ProblemKind::ResourceNotFound,
                            format!("no entity {id}"),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok((success, created, local_errors))
    });
    let (success, created, local_errors) = match result {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    if !matches!(op.as_str(), "create" | "upsert" | "update" | "delete") {
        return problem(
            ProblemKind::ResourceNotFound,
            format!("no batch operation `{op}`; use create, upsert, update, delete or query"),
        );
    }
    for (id, kind, detail) in local_errors {
        fail(&mut errors, &id, kind, detail);
    }
    if !errors.is_empty() {
        return (
            StatusCode::MULTI_STATUS,
            axum::Json(json!({"success": success, "errors": errors})),
        )
            .into_response();
    }
    match op.as_str() {
        "create" => (StatusCode::CREATED, axum::Json(json!(success))).into_response(),
        "upsert" if created => (StatusCode::CREATED, axum::Json(json!(success))).into_response(),
        _ => no_content(),
    }
}

/// `POST /entityOperations/query` with `{"type": "Query", "entities": [{"type": …}], "q": …, "geoQ": {…}}`.
async fn batch_query(
    shared: &Shared,
    headers: &HeaderMap,
    tenant: &str,
    params: &[(String, String)],
    body: &Value,
) -> Response {
    let mut p: Vec<(String, String)> = params.to_vec();
    if let Some(Value::Array(selectors)) = body.get("entities") {
        let types: Vec<&str> = selectors
            .iter()
            .filter_map(|s| s.get("type")?.as_str())
            .collect();
        let ids: Vec<&str> = selectors
            .iter()
            .filter_map(|s| s.get("id")?.as_str())
            .collect();
        if !types.is_empty() {
            p.push(("type".into(), types.join(",")));
        }
        if !ids.is_empty() {
            p.push(("id".into(), ids.join(",")));
        }
        if let Some(pattern) = selectors.iter().find_map(|s| s.get("idPattern")?.as_str()) {
            p.push(("idPattern".into(), pattern.to_owned()));
        }
    }
    if let Some(q) = body.get("q").and_then(Value::as_str) {
        p.push(("q".into(), q.to_owned()));
    }
    if let Some(Value::Array(attrs)) = body.get("attrs") {
        p.push((
            "attrs".into(),
            attrs
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ));
    }
    if let Some(geo) = body.get("geoQ") {
        for key in ["georel", "geometry", "geoproperty"] {
            if let Some(v) = geo.get(key).and_then(Value::as_str) {
                p.push((key.into(), v.to_owned()));
            }
        }
        if let Some(c) = geo.get("coordinates") {
            p.push(("coordinates".into(), c.to_string()));
        }
    }
    run_query(shared, headers, tenant, &p).await
}

async fn types(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let details = param(&params(raw), "details") == Some("true");
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, &tenant) {
        return r;
    }
    let infos = match store.types(&tenant) {
        Ok(t) => t,
        Err(e) => return internal(e),
    };
    let body = if details {
        json!(
            infos
                .iter()
                .map(
                    |t| json!({"id": t.name, "type": "EntityType", "typeName": t.name,
            "attributeNames": t.attributes.keys().collect::<Vec<_>>()})
                )
                .collect::<Vec<_>>()
        )
    } else {
        json!({"id": "urn:ngsi-ld:EntityTypeList:citytwin", "type": "EntityTypeList",
               "typeList": infos.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()})
    };
    axum::Json(body).into_response()
}

async fn type_info(
    State(shared): State<Shared>,
    headers: HeaderMap,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let short = crate::ngsi_ld::short_name(&name).to_owned();
    match store.types(&tenant).map(|ts| ts.into_iter().find(|t| t.name == short)) {
        Ok(Some(t)) => axum::Json(json!({
            "id": t.name, "type": "EntityTypeInfo", "typeName": t.name, "entityCount": t.count,
            "attributeDetails": t.attributes.iter().map(|(a, kinds)| json!({
                "id": a, "type": "Attribute", "attributeName": a, "attributeTypes": kinds})).collect::<Vec<_>>()
        }))
        .into_response(),
        Ok(None) => problem(ProblemKind::ResourceNotFound, format!("no entities of type {short}")),
        Err(e) => internal(e),
    }
}

/// How an attribute is used across types: entity count, attribute kinds, type names.
type AttributeUse = (usize, Vec<String>, Vec<String>);

/// Attributes across all types, by name.
fn attribute_table(
    store: &Store,
    tenant: &str,
) -> Result<std::collections::BTreeMap<String, AttributeUse>, StoreError> {
    let mut out: std::collections::BTreeMap<String, AttributeUse> =
        std::collections::BTreeMap::new();
    for t in store.types(tenant)? {
        for (a, kinds) in t.attributes {
            let entry = out.entry(a).or_default();
            entry.0 += t.count;
            for k in kinds {
                if !entry.1.contains(&k) {
                    entry.1.push(k);
                }
            }
            entry.2.push(t.name.clone());
        }
    }
    Ok(out)
}

async fn attributes(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let details = param(&params(raw), "details") == Some("true");
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = existing_tenant(&store, &tenant) {
        return r;
    }
    let table = match attribute_table(&store, &tenant) {
        Ok(t) => t,
        Err(e) => return internal(e),
    };
    let body = if details {
        json!(table.iter().map(|(a, (count, kinds, types))| json!({"id": a, "type": "Attribute", "attributeName": a,
            "attributeCount": count, "attributeTypes": kinds, "typeNames": types})).collect::<Vec<_>>())
    } else {
        json!({"id": "urn:ngsi-ld:AttributeList:citytwin", "type": "AttributeList",
               "attributeList": table.keys().collect::<Vec<_>>()})
    };
    axum::Json(body).into_response()
}

async fn attribute_info(
    State(shared): State<Shared>,
    headers: HeaderMap,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let tenant = match begin(&shared, &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let short = crate::ngsi_ld::short_name(&name).to_owned();
    match attribute_table(&store, &tenant).map(|t| t.get(&short).cloned()) {
        Ok(Some((count, kinds, types))) => axum::Json(
            json!({"id": short, "type": "Attribute", "attributeName": short,
            "attributeCount": count, "attributeTypes": kinds, "typeNames": types}),
        )
        .into_response(),
        Ok(None) => problem(
            ProblemKind::ResourceNotFound,
            format!("no attribute {short}"),
        ),
        Err(e) => internal(e),
    }
}

/// Reads seed files or folders (recursively: `.json`, `.jsonld`, `.geojson`, and those
/// gzip-compressed) into one payload.
pub fn read_seed(paths: &[PathBuf]) -> Result<ParsedPayload, crate::source::SourceError> {
    let mut files = Vec::new();
    for p in paths {
        collect_files(p, &mut files);
    }
    files.sort();
    let mut all = ParsedPayload::default();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|source| crate::source::SourceError::Read {
            path: f.clone(),
            source,
        })?;
        let parsed = crate::source::parse_bytes(&bytes, &f)?;
        all.entities.extend(parsed.entities);
        all.skipped.extend(parsed.skipped);
    }
    Ok(all)
}

fn collect_files(p: &std::path::Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(entries) = std::fs::read_dir(p) {
            for e in entries.flatten() {
                collect_files(&e.path(), out);
            }
        }
    } else {
        let name = p.to_string_lossy();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if [".json", ".jsonld", ".geojson"]
            .iter()
            .any(|ext| name.ends_with(ext))
            || !p.exists()
        {
            out.push(p.to_owned());
        }
    }
}
