//! The local broker's HTTP server (axum on tokio): its configuration, its routes, running it
//! on a thread or in the foreground, and seeding it. The handlers are in `super::entities`,
//! `super::batch`, `super::discovery`, `super::subscriptions` and `super::temporal`;
//! what they all start with (token, tenant, body) in `super::request`.

use super::entities::{
    append_attrs, create_entity, delete_attr, delete_entity, get_entity, merge_entity, patch_attr,
    put_attr, query_entities, replace_entity, update_attrs, validate,
};
use super::notify::{self, Registry};
use super::now_rfc3339;
use super::request::{poisoned, problem};
use super::store::{Change, Store, StoreError};
use super::{batch, discovery, subscriptions, temporal, temporal_write};
use crate::ngsi_ld::ParsedPayload;
use crate::ngsi_ld::problem::ProblemKind;
use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedReceiver;

/// The API's path prefix.
pub const PREFIX: &str = "/ngsi-ld/v1";
/// The core @context the broker announces.
pub const CORE_CONTEXT: &str = crate::ngsi_ld::jsonld::CORE_CONTEXT;

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
    /// The @context documents fetched, and the contexts built from them.
    pub(super) contexts: Arc<super::context::Contexts>,
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
        for (tenant, stored) in store.subscriptions()? {
            let (body, ld) = super::subscriptions::from_stored(stored);
            if let Err(why) = registry.insert(&tenant, body, ld) {
                tracing::warn!("broker: a stored subscription cannot be used: {why}");
            }
        }
        Ok(Self {
            shared: Shared {
                store: Arc::new(Mutex::new(store)),
                config: Arc::new(config),
                subscriptions: Arc::new(Mutex::new(registry)),
                changes: Arc::new(Mutex::new(Some(rx))),
                contexts: Arc::default(),
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
        // Seed files use short names: the core @context's.
        let core = crate::ngsi_ld::jsonld::Context::core();
        store.transaction_quiet(|tx| {
            for e in &parsed.entities {
                let mut e = e.clone();
                core.expand_entity(&mut e);
                let e = &e;
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
            .route(
                &format!("{PREFIX}/entityOperations/{{op}}"),
                post(batch::batch),
            )
            .route(&format!("{PREFIX}/types"), get(discovery::types))
            .route(
                &format!("{PREFIX}/types/{{type}}"),
                get(discovery::type_info),
            )
            .route(&format!("{PREFIX}/attributes"), get(discovery::attributes))
            .route(
                &format!("{PREFIX}/attributes/{{attr}}"),
                get(discovery::attribute_info),
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
                get(temporal::query).post(temporal_write::create),
            )
            .route(
                &format!("{PREFIX}/temporal/entities/{{id}}"),
                get(temporal::get_one).delete(temporal_write::delete_entity),
            )
            .route(
                &format!("{PREFIX}/temporal/entities/{{id}}/attrs"),
                post(temporal_write::add_attrs),
            )
            .route(
                &format!("{PREFIX}/temporal/entities/{{id}}/attrs/{{attr}}"),
                axum::routing::delete(temporal_write::delete_attr),
            )
            .route(
                &format!("{PREFIX}/temporal/entities/{{id}}/attrs/{{attr}}/{{instance}}"),
                axum::routing::patch(temporal_write::patch_instance)
                    .delete(temporal_write::delete_instance),
            )
            .route(
                &format!("{PREFIX}/temporal/entityOperations/query"),
                post(temporal::query_post),
            )
            .route("/version", get(version))
            .fallback(not_found)
            .layer(axum::middleware::from_fn(super::validate::known_params))
            .with_state(self.shared.clone())
    }

    /// The routes, with a trailing slash taken off every path first: the specification writes
    /// the resource URIs with it (clause 6.4.2: `/ngsi-ld/v1/entities/`), clients send it, and
    /// Orion-LD, Scorpio and Stellio accept both.
    pub fn app(&self) -> App {
        tower::ServiceExt::map_request(self.router(), trim_trailing_slash as fn(Request) -> Request)
    }

    /// Serves on a new thread with its own runtime; returns once it listens.
    pub fn spawn(self) -> std::io::Result<BrokerHandle> {
        let std_listener = std::net::TcpListener::bind(self.shared.config.bind)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = self.app();
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
                    let serve = axum::serve(listener, axum::ServiceExt::into_make_service(app))
                        .with_graceful_shutdown(async {
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
        let app = self.app();
        let notifier = self.notifier();
        let bind = self.shared.config.bind;
        runtime.block_on(async move {
            if let Some(n) = notifier {
                tokio::spawn(n);
            }
            let listener = tokio::net::TcpListener::bind(bind).await?;
            axum::serve(listener, axum::ServiceExt::into_make_service(app))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        })
    }
}

/// The broker as one HTTP service: [`Broker::router`] behind [`trim_trailing_slash`].
pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// `/ngsi-ld/v1/entities/?type=T` → `/ngsi-ld/v1/entities?type=T` (the query kept).
fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rewritten = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = rewritten.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

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
