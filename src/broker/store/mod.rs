//! The local broker's storage: entities in SQLite, one row each, per tenant.
//!
//! Each row keeps the entity in the normalized representation (JSON), its types, and the
//! bounding box of its `location` so that geo-queries read only candidates. Writes of a batch
//! share one transaction. `:memory:` gives a store that lives as long as the process.
//!
//! Every write through the API also keeps **history** (one row per attribute instance whose
//! value changed, at its `observedAt` or else the time of the write) for the temporal API,
//! and reports what it changed ([`Change`]) to a sink after the commit, which is how
//! subscriptions are notified. History keeps Properties and Relationships, not
//! GeoProperties, and is pruned after [`Store::set_history_retention`] (48 h by default).
//! Subscriptions are stored too, so they survive a restart.

use crate::ngsi_ld::geo_query::geometry_from_geojson;
use crate::ngsi_ld::render::{Format, render};
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::{Entity, Representation, Terms, parse_entity_with};
use geo::BoundingRect;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::Path;

mod history;
mod matcher;

pub use history::{HistoryQuery, Instance, InstanceChange, TimeProperty, TimeWindow};
use matcher::Matcher;

/// What kind of write changed an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The entity is new.
    Created,
    /// Attributes were added, changed or removed.
    Updated,
    /// The entity was deleted.
    Deleted,
}

/// What one committed write changed.
#[derive(Debug, Clone)]
pub struct Change {
    /// The tenant.
    pub tenant: String,
    /// Created, updated or deleted.
    pub kind: ChangeKind,
    /// Attributes added or whose value changed (all of them for a new entity).
    pub attributes: Vec<String>,
    /// Attributes that were removed.
    pub removed: Vec<String>,
    /// The entity after the write (before it, for a deletion).
    pub entity: Entity,
    /// The entity before the write (`None` for a new one): what `showChanges` reports.
    pub previous: Option<Entity>,
    /// When (RFC 3339).
    pub at: String,
}

/// Where committed changes go.
pub type ChangeSink = Box<dyn Fn(Vec<Change>) + Send>;

/// A storage failure (the database, not the request).
#[derive(Debug, thiserror::Error)]
#[error("broker storage: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

/// The outcome of a query: one page and, when asked, the total.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The entities of the page, ordered by id.
    pub entities: Vec<Entity>,
    /// How many entities match in all.
    pub total: usize,
}

/// A type with its entity count and attribute names (for `/types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeInfo {
    /// The type.
    pub name: String,
    /// Entities of the type.
    pub count: usize,
    /// Attribute names with the attribute kinds seen.
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// SQLite storage.
pub struct Store {
    conn: Connection,
    sink: Option<ChangeSink>,
    retention_ms: i64,
    history_rows: usize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// The expanded name of the core `location` GeoProperty, as entities are stored.
pub const LOCATION: &str = "https://uri.etsi.org/ngsi-ld/location";

fn location_bbox(e: &Entity) -> Option<[f64; 4]> {
    let a = e.attribute(LOCATION).or_else(|| e.attribute("location"))?;
    let g = geometry_from_geojson(a.plain_value()).ok()?;
    let r = g.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

impl Store {
    /// Opens (or creates) the database at `path`; `:memory:` keeps it in memory.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY);
             CREATE TABLE IF NOT EXISTS entities (
                 tenant TEXT NOT NULL,
                 id TEXT NOT NULL,
                 types TEXT NOT NULL,
                 body TEXT NOT NULL,
                 min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL,
                 created_at TEXT NOT NULL,
                 modified_at TEXT NOT NULL,
                 PRIMARY KEY (tenant, id)
             );
             CREATE TABLE IF NOT EXISTS entity_types (
                 tenant TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
                 PRIMARY KEY (tenant, type, id)
             );
             CREATE INDEX IF NOT EXISTS entity_types_by_id ON entity_types (tenant, id);
             CREATE TABLE IF NOT EXISTS history (
                 tenant TEXT NOT NULL, id TEXT NOT NULL, etype TEXT NOT NULL, attr TEXT NOT NULL,
                 observed_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL,
                 instance TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS history_by_attr ON history (tenant, id, attr, observed_ms);
             CREATE TABLE IF NOT EXISTS subscriptions (
                 tenant TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                 PRIMARY KEY (tenant, id)
             );
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT OR IGNORE INTO tenants (name) VALUES ('');",
        )?;
        expand_stored_names(&conn)?;
        Ok(Self {
            conn,
            sink: None,
            retention_ms: 48 * 3_600_000,
            history_rows: 0,
        })
    }

    /// Sends every committed change to `sink` (the notifier).
    pub fn set_change_sink(&mut self, sink: ChangeSink) {
        self.sink = Some(sink);
    }

    /// How long history is kept (instances observed longer ago are pruned).
    pub fn set_history_retention(&mut self, hours: f64) {
        self.retention_ms = (hours * 3_600_000.0) as i64;
    }

    /// Whether a tenant exists (the default tenant, `""`, always does).
    pub fn tenant_exists(&self, tenant: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM tenants WHERE name = ?1",
                [tenant],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Runs `f` in one transaction (committed when it returns `Ok`); keeps history and
    /// reports the changes to the sink after the commit.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(false, f)
    }

    /// A transaction that neither keeps history nor notifies: loading a starting state.
    pub fn transaction_quiet<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(true, f)
    }

    fn run<T>(
        &mut self,
        quiet: bool,
        f: impl FnOnce(&Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.conn.transaction()?;
        let t = Tx {
            tx: &tx,
            quiet,
            changes: RefCell::new(Vec::new()),
            history_rows: Cell::new(0),
            now_ms: crate::timestamp::now_millis(),
        };
        let out = f(&t)?;
        let changes = t.changes.take();
        self.history_rows += t.history_rows.get();
        drop(t);
        tx.commit()?;
        if self.history_rows > 20_000 {
            self.history_rows = 0;
            let before = crate::timestamp::now_millis() - self.retention_ms;
            self.conn
                .execute("DELETE FROM history WHERE observed_ms < ?1", [before])?;
        }
        if let Some(sink) = &self.sink
            && !changes.is_empty()
        {
            sink(changes);
        }
        Ok(out)
    }

    /// Stored subscriptions: (tenant, body).
    pub fn subscriptions(&self) -> Result<Vec<(String, Value)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT tenant, body FROM subscriptions ORDER BY tenant, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (tenant, body) = row?;
            let v = serde_json::from_str(&body).map_err(|e| StoreError(e.to_string()))?;
            out.push((tenant, v));
        }
        Ok(out)
    }

    /// Writes a subscription (replacing one with the same id).
    pub fn put_subscription(&self, tenant: &str, id: &str, body: &Value) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO subscriptions (tenant, id, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (tenant, id) DO UPDATE SET body = ?3",
            params![tenant, id, body.to_string()],
        )?;
        Ok(())
    }

    /// Deletes a subscription; false when there was none.
    pub fn delete_subscription(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM subscriptions WHERE tenant = ?1 AND id = ?2",
            [tenant, id],
        )? > 0)
    }

    /// One entity.
    pub fn get(&self, tenant: &str, id: &str) -> Result<Option<Entity>, StoreError> {
        read_entity(&self.conn, tenant, id)
    }

    /// Entities matching a query: one page (limit/offset) and the total.
    pub fn query(&self, tenant: &str, q: &EntityQuery, limit: usize) -> Result<Page, StoreError> {
        self.query_names(tenant, q, limit, &str::to_owned)
    }

    /// [`Store::query`] with the names in `q`'s expression mapped first (expanded with the
    /// request's @context; the types, `attrs` and geo-property are given expanded).
    pub fn query_names(
        &self,
        tenant: &str,
        q: &EntityQuery,
        limit: usize,
        names: &dyn Fn(&str) -> String,
    ) -> Result<Page, StoreError> {
        let mut sql = String::from("SELECT e.id, e.body FROM entities e WHERE e.tenant = ?");
        let mut args: Vec<String> = vec![tenant.to_owned()];
        if !q.ids.is_empty() {
            sql.push_str(&format!(
                " AND e.id IN ({})",
                vec!["?"; q.ids.len()].join(",")
            ));
            args.extend(q.ids.iter().cloned());
        }
        if !q.types.is_empty() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM entity_types t WHERE t.tenant = e.tenant AND t.id = e.id AND t.type IN ({}))",
                vec!["?"; q.types.len()].join(",")
            ));
            args.extend(q.types.iter().cloned());
        }
        if let Some(b) = q.geo.as_ref().and_then(|g| g.candidate_bbox()) {
            // Only entities whose location box meets the query's box can match.
            sql.push_str(&format!(
                " AND e.max_lon >= {} AND e.min_lon <= {} AND e.max_lat >= {} AND e.min_lat <= {}",
                b[0], b[2], b[1], b[3]
            ));
        }
        sql.push_str(" ORDER BY e.id");
        let matcher = Matcher::new(q, names)?;
        if !matcher.filters() {
            // The database pages and counts.
            let count_sql = sql
                .replacen("SELECT e.id, e.body", "SELECT COUNT(*)", 1)
                .replace(" ORDER BY e.id", "");
            let total: i64 =
                self.conn
                    .query_row(&count_sql, params_from_iter(args.iter()), |r| r.get(0))?;
            let page_sql = format!(
                "{sql} LIMIT {} OFFSET {}",
                limit.min(i64::MAX as usize),
                q.offset
            );
            let mut stmt = self.conn.prepare(&page_sql)?;
            let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(1))?;
            let entities = rows.map(|b| decode(&b?)).collect::<Result<Vec<_>, _>>()?;
            return Ok(Page {
                entities: entities.into_iter().map(|e| project(e, &q.attrs)).collect(),
                total: usize::try_from(total).unwrap_or(0),
            });
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(1))?;
        let mut matches = Vec::new();
        for row in rows {
            let e = decode(&row?)?;
            if matcher.matches_filters(&e) {
                matches.push(e);
            }
        }
        let total = matches.len();
        let entities = matches
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .map(|e| project(e, &q.attrs))
            .collect();
        Ok(Page { entities, total })
    }

    /// A temporal query's entities: those that exist now and those known only from their
    /// history ([`Store::history_only`]), in id order, one page of them and the total. `q`
    /// and the geo-query hold when the instances inside the query's time window satisfy
    /// them (GS CIM 009 clause 5.7.4.4); attributes without history are taken as they are.
    pub fn temporal_query(
        &self,
        tenant: &str,
        q: &EntityQuery,
        (limit, window): (usize, &HistoryQuery),
        names: &dyn Fn(&str) -> String,
    ) -> Result<Page, StoreError> {
        let selection = EntityQuery {
            offset: 0,
            attrs: Vec::new(),
            q: None,
            scope_q: None,
            geo: None,
            id_pattern: None,
            ..q.clone()
        };
        let mut all = self
            .query_names(tenant, &selection, usize::MAX, names)?
            .entities;
        all.extend(self.history_only(tenant)?);
        let matcher = Matcher::new(q, names)?;
        let window = HistoryQuery {
            attrs: Vec::new(),
            last_n: None,
            datasets: Vec::new(),
            ..window.clone()
        };
        let mut selected = Vec::new();
        for e in all {
            let judged = if matcher.filters() {
                self.in_window(tenant, &e, &window)?
            } else {
                e.clone()
            };
            if matcher.matches(&judged) {
                selected.push(e);
            }
        }
        selected.sort_by(|a, b| a.id.cmp(&b.id));
        let total = selected.len();
        let entities = selected.into_iter().skip(q.offset).take(limit).collect();
        Ok(Page { entities, total })
    }

    /// An entity as a temporal query judges it: each attribute with history holds its
    /// instances inside the window (all of them, as instances of one attribute).
    fn in_window(
        &self,
        tenant: &str,
        e: &Entity,
        window: &HistoryQuery,
    ) -> Result<Entity, StoreError> {
        let history = self.history(tenant, &e.id, window)?;
        // The attributes with any history (only their names: the instances are not needed).
        let with_history: Vec<String> = self
            .conn
            .prepare_cached("SELECT DISTINCT attr FROM history WHERE tenant = ?1 AND id = ?2")?
            .query_map([tenant, e.id.as_str()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut body = serde_json::Map::new();
        body.insert("id".to_owned(), Value::String(e.id.clone()));
        body.insert("type".to_owned(), serde_json::json!(e.types));
        for (attr, instances) in history {
            body.insert(
                attr,
                Value::Array(instances.into_iter().map(|(_, v)| v).collect()),
            );
        }
        let Ok(windowed) = decode(&Value::Object(body).to_string()) else {
            // An instance the decoder refuses: judged as it is now.
            return Ok(e.clone());
        };
        let mut out = e.clone();
        for name in &with_history {
            match windowed.attributes.get(name) {
                Some(instances) => {
                    out.attributes.insert(name.clone(), instances.clone());
                }
                None => {
                    out.attributes.remove(name);
                }
            }
        }
        Ok(out)
    }

    /// When entities were created and last modified (RFC 3339), by id: their system
    /// attributes (`options=sysAttrs`).
    pub fn system_times(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, (String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT created_at, modified_at FROM entities WHERE tenant = ?1 AND id = ?2",
        )?;
        let mut out = std::collections::HashMap::new();
        for id in ids {
            if let Some(t) = stmt
                .query_row([tenant, id.as_str()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?
            {
                out.insert(id.clone(), t);
            }
        }
        Ok(out)
    }

    /// Types with counts and attributes, in name order.
    pub fn types(&self, tenant: &str) -> Result<Vec<TypeInfo>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT t.type, e.body FROM entity_types t JOIN entities e ON e.tenant = t.tenant AND e.id = t.id
             WHERE t.tenant = ?1 ORDER BY t.type",
        )?;
        let rows = stmt.query_map([tenant], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out: BTreeMap<String, TypeInfo> = BTreeMap::new();
        for row in rows {
            let (name, body) = row?;
            let e = decode(&body)?;
            let info = out.entry(name.clone()).or_insert_with(|| TypeInfo {
                name,
                count: 0,
                attributes: BTreeMap::new(),
            });
            info.count += 1;
            for (attr, instances) in &e.attributes {
                let kinds = info.attributes.entry(attr.clone()).or_default();
                for a in instances {
                    let k = a.kind.name().to_owned();
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
            }
        }
        Ok(out.into_values().collect())
    }

    /// Number of entities in a tenant.
    pub fn count(&self, tenant: &str) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM entities WHERE tenant = ?1",
            [tenant],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// Writes inside a transaction.
pub struct Tx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    quiet: bool,
    changes: RefCell<Vec<Change>>,
    history_rows: Cell<usize>,
    now_ms: i64,
}

impl Tx<'_> {
    /// Creates the tenant if it is new.
    pub fn ensure_tenant(&self, tenant: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO tenants (name) VALUES (?1)")?
            .execute([tenant])?;
        Ok(())
    }

    /// One entity, for read-modify-write.
    pub fn get(&self, tenant: &str, id: &str) -> Result<Option<Entity>, StoreError> {
        read_entity(self.tx, tenant, id)
    }

    /// Writes an entity, replacing any with the same id. Returns true when it was new.
    pub fn put(&self, tenant: &str, e: &Entity, now: &str) -> Result<bool, StoreError> {
        self.ensure_tenant(tenant)?;
        let rendered = render(e, Format::Normalized);
        let body = rendered.to_string();
        let types = serde_json::to_string(&e.types).map_err(|e| StoreError(e.to_string()))?;
        let b = location_bbox(e);
        let old: Option<String> = self
            .tx
            .prepare_cached("SELECT body FROM entities WHERE tenant = ?1 AND id = ?2")?
            .query_row([tenant, &e.id], |r| r.get(0))
            .optional()?;
        let existed = old.is_some();
        if old.as_deref() == Some(body.as_str()) {
            // Nothing changed: no write, no history, no notification.
            return Ok(false);
        }
        self.tx.prepare_cached(
            "INSERT INTO entities (tenant, id, types, body, min_lon, min_lat, max_lon, max_lat, created_at, modified_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
             ON CONFLICT (tenant, id) DO UPDATE SET types = ?3, body = ?4, min_lon = ?5, min_lat = ?6,
                 max_lon = ?7, max_lat = ?8, modified_at = ?9",
        )?
        .execute(params![tenant, e.id, types, body, b.map(|b| b[0]), b.map(|b| b[1]), b.map(|b| b[2]), b.map(|b| b[3]), now],
        )?;
        if existed {
            self.tx
                .prepare_cached("DELETE FROM entity_types WHERE tenant = ?1 AND id = ?2")?
                .execute([tenant, &e.id])?;
        }
        let mut insert_type = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO entity_types (tenant, id, type) VALUES (?1, ?2, ?3)",
        )?;
        for t in &e.types {
            insert_type.execute([tenant, &e.id, t])?;
        }
        if !self.quiet {
            self.record(tenant, e, old.as_deref(), &rendered, now)?;
        }
        Ok(!existed)
    }

    /// Keeps the history of the attributes a write changed and reports the change.
    fn record(
        &self,
        tenant: &str,
        e: &Entity,
        old: Option<&str>,
        new: &Value,
        now: &str,
    ) -> Result<(), StoreError> {
        let old: Value = match old {
            Some(text) => serde_json::from_str(text).map_err(|e| StoreError(e.to_string()))?,
            None => Value::Null,
        };
        let mut changed = Vec::new();
        for (name, value) in new.as_object().into_iter().flatten() {
            if matches!(name.as_str(), "id" | "type" | "@context") || old.get(name) == Some(value) {
                continue;
            }
            changed.push(name.clone());
            let instances: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for inst in instances {
                if inst.get("type").and_then(Value::as_str) == Some("GeoProperty") {
                    continue;
                }
                self.add_history(tenant, &e.id, &e.type_label(), name, inst)?;
            }
        }
        let removed: Vec<String> = old
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .filter(|k| {
                !matches!(k.as_str(), "id" | "type" | "@context") && new.get(k.as_str()).is_none()
            })
            .cloned()
            .collect();
        self.changes.borrow_mut().push(Change {
            tenant: tenant.to_owned(),
            kind: if old.is_null() {
                ChangeKind::Created
            } else {
                ChangeKind::Updated
            },
            attributes: changed,
            removed,
            entity: e.clone(),
            previous: if old.is_null() {
                None
            } else {
                decode(&old.to_string()).ok()
            },
            at: now.to_owned(),
        });
        Ok(())
    }

    /// Deletes an entity; false when there was none. Its history stays.
    pub fn delete(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let old = self.get(tenant, id)?;
        self.tx.execute(
            "DELETE FROM entity_types WHERE tenant = ?1 AND id = ?2",
            [tenant, id],
        )?;
        self.tx.execute(
            "DELETE FROM entities WHERE tenant = ?1 AND id = ?2",
            [tenant, id],
        )?;
        let Some(old) = old else {
            return Ok(false);
        };
        if !self.quiet {
            self.changes.borrow_mut().push(Change {
                tenant: tenant.to_owned(),
                kind: ChangeKind::Deleted,
                attributes: Vec::new(),
                removed: old.attributes.keys().cloned().collect(),
                previous: Some(old.clone()),
                entity: old,
                at: crate::timestamp::format_millis(self.now_ms),
            });
        }
        Ok(true)
    }
}

/// Stores written before names were kept expanded (short names, as citytwin 0.1 kept them)
/// get their entity types and attribute names expanded with the core @context, once.
fn expand_stored_names(conn: &Connection) -> Result<(), StoreError> {
    let done: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'names'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if done.as_deref() == Some("expanded") {
        return Ok(());
    }
    let core = crate::ngsi_ld::jsonld::Context::core();
    let rows: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare("SELECT tenant, id, body FROM entities")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let tx = conn.unchecked_transaction()?;
    for (tenant, id, body) in rows {
        let mut e = decode(&body)?;
        core.expand_entity(&mut e);
        let types = serde_json::to_string(&e.types).map_err(|e| StoreError(e.to_string()))?;
        tx.execute(
            "UPDATE entities SET body = ?3, types = ?4 WHERE tenant = ?1 AND id = ?2",
            params![
                tenant,
                id,
                render(&e, Format::Normalized).to_string(),
                types
            ],
        )?;
        tx.execute(
            "DELETE FROM entity_types WHERE tenant = ?1 AND id = ?2",
            [&tenant, &id],
        )?;
        for t in &e.types {
            tx.execute(
                "INSERT OR IGNORE INTO entity_types (tenant, id, type) VALUES (?1, ?2, ?3)",
                [&tenant, &id, t],
            )?;
        }
    }
    let attrs: Vec<String> = {
        let mut stmt = conn.prepare("SELECT DISTINCT attr FROM history")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for a in attrs {
        tx.execute(
            "UPDATE history SET attr = ?2 WHERE attr = ?1",
            [&a, &core.expand(&a)],
        )?;
    }
    let etypes: Vec<String> = {
        let mut stmt = conn.prepare("SELECT DISTINCT etype FROM history")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for t in etypes {
        let expanded: Vec<String> = t.split(", ").map(|x| core.expand(x)).collect();
        tx.execute(
            "UPDATE history SET etype = ?2 WHERE etype = ?1",
            [&t, &expanded.join(", ")],
        )?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('names', 'expanded')",
        [],
    )?;
    tx.commit()?;
    Ok(())
}

/// One entity, read through a connection or a transaction.
fn read_entity(conn: &Connection, tenant: &str, id: &str) -> Result<Option<Entity>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM entities WHERE tenant = ?1 AND id = ?2")?
        .query_row([tenant, id], |r| r.get(0))
        .optional()?;
    body.map(|b| decode(&b)).transpose()
}

/// An entity as stored: names kept as they are (expanded IRIs).
fn decode(body: &str) -> Result<Entity, StoreError> {
    let v: serde_json::Value = serde_json::from_str(body).map_err(|e| StoreError(e.to_string()))?;
    parse_entity_with(&v, Representation::Normalized, &Terms::keep())
        .map(|(e, _)| e)
        .map_err(StoreError)
}

/// Keeps only the listed attributes (all when the list is empty).
fn project(mut e: Entity, attrs: &[String]) -> Entity {
    if !attrs.is_empty() {
        e.attributes
            .retain(|name, _| attrs.iter().any(|a| a == name));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ngsi_ld::parse_entity;
    use serde_json::json;

    fn entity(id: &str, t: &str, height: f64, lon: f64) -> Entity {
        parse_entity(
            &json!({"id": id, "type": t, "height": height,
                    "location": {"type": "Point", "coordinates": [lon, 50.0]}}),
            Representation::Concise,
        )
        .unwrap()
        .0
    }

    fn store_with(n: usize) -> Store {
        let mut s = Store::open(Path::new(":memory:")).unwrap();
        s.transaction(|tx| {
            for i in 0..n {
                tx.put(
                    "",
                    &entity(
                        &format!("urn:e:{i:04}"),
                        if i % 2 == 0 { "A" } else { "B" },
                        i as f64,
                        10.0 + i as f64 * 0.001,
                    ),
                    "2026-01-01T00:00:00Z",
                )?;
            }
            Ok(())
        })
        .unwrap();
        s
    }

    #[test]
    fn paging_counts_and_orders_by_id() {
        let s = store_with(25);
        let q = EntityQuery {
            types: vec!["A".into()],
            offset: 10,
            ..Default::default()
        };
        let page = s.query("", &q, 5).unwrap();
        assert_eq!(page.total, 13);
        let ids: Vec<_> = page.entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["urn:e:0020", "urn:e:0022", "urn:e:0024"]);
    }

    #[test]
    fn filters_by_q_pattern_and_geo() {
        let s = store_with(25);
        let q = EntityQuery {
            types: vec!["A".into(), "B".into()],
            q: Some("height>=20".into()),
            ..Default::default()
        };
        assert_eq!(s.query("", &q, 100).unwrap().total, 5);
        let q = EntityQuery {
            id_pattern: Some("00(1|2)3$".into()),
            ..Default::default()
        };
        assert_eq!(s.query("", &q, 100).unwrap().total, 2);
        let geo = crate::ngsi_ld::geo_query::GeoQuery::parse(
            "near;maxDistance==200",
            "Point",
            "[10.0, 50.0]",
            None,
        )
        .unwrap();
        // 0.001° of longitude at 50°N ≈ 71.5 m: entities 0, 1 and 2 are within 200 m.
        let q = EntityQuery {
            geo: Some(geo),
            ..Default::default()
        };
        assert_eq!(s.query("", &q, 100).unwrap().total, 3);
    }

    #[test]
    fn tenants_are_separate_and_writes_replace() {
        let mut s = store_with(3);
        assert!(!s.tenant_exists("city").unwrap());
        let new = s
            .transaction(|tx| tx.put("city", &entity("urn:e:0000", "A", 99.0, 10.0), "t"))
            .unwrap();
        assert!(new);
        assert!(s.tenant_exists("city").unwrap());
        assert_eq!(s.count("city").unwrap(), 1);
        assert_eq!(
            s.get("", "urn:e:0000")
                .unwrap()
                .unwrap()
                .attribute("height")
                .unwrap()
                .as_f64(),
            Some(0.0)
        );
        assert_eq!(
            s.get("city", "urn:e:0000")
                .unwrap()
                .unwrap()
                .attribute("height")
                .unwrap()
                .as_f64(),
            Some(99.0)
        );
        let again = s
            .transaction(|tx| tx.put("city", &entity("urn:e:0000", "B", 1.0, 10.0), "t"))
            .unwrap();
        assert!(!again, "a second put replaces");
        let types = s.types("city").unwrap();
        assert_eq!(types.len(), 1);
        assert_eq!(types[0].name, "B", "the old type index was replaced");
        assert!(s.transaction(|tx| tx.delete("city", "urn:e:0000")).unwrap());
        assert!(!s.transaction(|tx| tx.delete("city", "urn:e:0000")).unwrap());
    }

    #[test]
    fn data_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("citytwin-store-{}", std::process::id()));
        let path = dir.join("b.sqlite");
        {
            let mut s = Store::open(&path).unwrap();
            s.transaction(|tx| tx.put("t", &entity("urn:x", "A", 1.0, 1.0), "now"))
                .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert!(s.get("t", "urn:x").unwrap().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
