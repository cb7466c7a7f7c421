//! The history the temporal API reads and writes: one row per attribute instance, with its
//! `observedAt` (else the time of the write) and when the broker stored it. Each instance is
//! answered with an `instanceId` (`urn:ngsi-ld:Instance:<row>`) by which it can be changed
//! or deleted.

use super::{Store, StoreError, Tx, decode};
use crate::ngsi_ld::Entity;
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Which time of an instance a temporal query compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeProperty {
    /// `observedAt` (the write's time for instances without one).
    #[default]
    ObservedAt,
    /// When the broker stored the instance.
    ModifiedAt,
}

/// The time filter of a temporal query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWindow {
    /// Strictly before the time (ms since the epoch).
    Before(i64),
    /// At or after the time.
    After(i64),
    /// At or after the first time and strictly before the second.
    Between(i64, i64),
}

/// What a temporal query asks of one entity's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Attributes (all when empty).
    pub attrs: Vec<String>,
    /// The time filter.
    pub timerel: Option<TimeWindow>,
    /// Which time is compared.
    pub time_property: TimeProperty,
    /// Only the last N instances of each attribute.
    pub last_n: Option<usize>,
    /// Only instances of these datasets (`@none`: the default one); all when empty.
    pub datasets: Vec<String>,
}

/// One stored instance: its time (ms) and the instance in the normalized form, with its
/// `instanceId`.
pub type Instance = (i64, Value);

/// What is done to one stored instance.
#[derive(Debug, Clone, Copy)]
pub enum InstanceChange<'a> {
    /// Its members are replaced by the given ones (the others stay).
    Patch(&'a Map<String, Value>),
    /// It is deleted.
    Delete,
}

const INSTANCE_PREFIX: &str = "urn:ngsi-ld:Instance:";

/// The `instanceId` of a history row.
fn instance_id(row: i64) -> String {
    format!("{INSTANCE_PREFIX}{row}")
}

/// The history row of an `instanceId` this broker gave.
fn row_of(instance_id: &str) -> Option<i64> {
    instance_id.strip_prefix(INSTANCE_PREFIX)?.parse().ok()
}

/// The instance as answered: with its `instanceId`.
fn with_id(mut v: Value, row: i64) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("instanceId".to_owned(), json!(instance_id(row)));
    }
    v
}

impl Store {
    /// An entity's history: per attribute, its instances in time order.
    pub fn history(
        &self,
        tenant: &str,
        id: &str,
        q: &HistoryQuery,
    ) -> Result<BTreeMap<String, Vec<Instance>>, StoreError> {
        let column = match q.time_property {
            TimeProperty::ObservedAt => "observed_ms",
            TimeProperty::ModifiedAt => "modified_ms",
        };
        let mut sql = format!(
            "SELECT attr, {column}, instance, rowid FROM history WHERE tenant = ?1 AND id = ?2"
        );
        match q.timerel {
            Some(TimeWindow::Before(t)) => sql.push_str(&format!(" AND {column} < {t}")),
            Some(TimeWindow::After(t)) => sql.push_str(&format!(" AND {column} >= {t}")),
            Some(TimeWindow::Between(a, b)) => {
                sql.push_str(&format!(" AND {column} >= {a} AND {column} < {b}"));
            }
            None => {}
        }
        sql.push_str(&format!(" ORDER BY attr, {column}, rowid"));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([tenant, id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out: BTreeMap<String, Vec<Instance>> = BTreeMap::new();
        for row in rows {
            let (attr, at, instance, rowid) = row?;
            if !q.attrs.is_empty() && !q.attrs.contains(&attr) {
                continue;
            }
            let v: Value =
                serde_json::from_str(&instance).map_err(|e| StoreError(e.to_string()))?;
            if !q.datasets.is_empty() {
                let d = v
                    .get("datasetId")
                    .and_then(Value::as_str)
                    .unwrap_or("@none");
                if !q.datasets.iter().any(|x| x == d) {
                    continue;
                }
            }
            out.entry(attr).or_default().push((at, with_id(v, rowid)));
        }
        if let Some(n) = q.last_n {
            for instances in out.values_mut() {
                let cut = instances.len().saturating_sub(n);
                instances.drain(..cut);
            }
        }
        Ok(out)
    }

    /// The type an entity had in its history (`None` when it has no history).
    pub fn history_type(&self, tenant: &str, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT etype FROM history WHERE tenant = ?1 AND id = ?2 ORDER BY rowid DESC LIMIT 1",
            )?
            .query_row([tenant, id], |r| r.get(0))
            .optional()?)
    }

    /// The entities known only from their history (written through the temporal API, or
    /// deleted since), each with the latest instance of every attribute and dataset, in id
    /// order: what a temporal query searches beside the entities that exist now.
    pub fn history_only(&self, tenant: &str) -> Result<Vec<Entity>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT h.id, h.etype, h.attr, h.instance FROM history h WHERE h.tenant = ?1
             AND NOT EXISTS (SELECT 1 FROM entities e WHERE e.tenant = h.tenant AND e.id = h.id)
             ORDER BY h.id, h.attr, h.observed_ms, h.rowid",
        )?;
        let rows = stmt.query_map([tenant], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        // id → (types, attr → dataset → latest instance)
        type Latest = BTreeMap<String, BTreeMap<String, Value>>;
        let mut by_id: BTreeMap<String, (String, Latest)> = BTreeMap::new();
        for row in rows {
            let (id, etype, attr, instance) = row?;
            let v: Value =
                serde_json::from_str(&instance).map_err(|e| StoreError(e.to_string()))?;
            let dataset = v
                .get("datasetId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let entry = by_id
                .entry(id)
                .or_insert_with(|| (etype.clone(), BTreeMap::new()));
            entry.0 = etype;
            entry.1.entry(attr).or_default().insert(dataset, v);
        }
        let mut out = Vec::with_capacity(by_id.len());
        for (id, (etype, attrs)) in by_id {
            let mut body = Map::new();
            body.insert("id".to_owned(), json!(id));
            let types: Vec<&str> = etype.split(", ").collect();
            body.insert("type".to_owned(), json!(types));
            for (attr, datasets) in attrs {
                body.insert(attr, Value::Array(datasets.into_values().collect()));
            }
            // An instance the entity decoder refuses is left out of the search, not fatal.
            if let Ok(e) = decode(&Value::Object(body).to_string()) {
                out.push(e);
            }
        }
        Ok(out)
    }
}

impl Tx<'_> {
    /// Adds one instance to an entity's history, at its `observedAt` or else now.
    pub fn add_history(
        &self,
        tenant: &str,
        id: &str,
        entity_type: &str,
        attr: &str,
        instance: &Value,
    ) -> Result<(), StoreError> {
        let observed = observed_ms(instance).unwrap_or(self.now_ms);
        let mut instance = instance.clone();
        if let Value::Object(m) = &mut instance {
            // The broker gives instance ids.
            m.remove("instanceId");
        }
        self.tx
            .prepare_cached(
                "INSERT INTO history (tenant, id, etype, attr, observed_ms, modified_ms, instance)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                tenant,
                id,
                entity_type,
                attr,
                observed,
                self.now_ms,
                instance.to_string()
            ])?;
        self.history_rows.set(self.history_rows.get() + 1);
        Ok(())
    }

    /// Whether an entity has any history.
    pub fn has_history(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM history WHERE tenant = ?1 AND id = ?2 LIMIT 1")?
            .query_row([tenant, id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Deletes an entity's whole history; returns the instances deleted.
    pub fn delete_history(&self, tenant: &str, id: &str) -> Result<usize, StoreError> {
        Ok(self.tx.execute(
            "DELETE FROM history WHERE tenant = ?1 AND id = ?2",
            [tenant, id],
        )?)
    }

    /// Deletes the instances of one attribute: all of them (`dataset` `None`), or those of
    /// the default dataset (`Some(None)`) or of one dataset. Returns how many.
    pub fn delete_history_attr(
        &self,
        tenant: &str,
        id: &str,
        attr: &str,
        dataset: Option<Option<&str>>,
    ) -> Result<usize, StoreError> {
        let n = match dataset {
            None => self.tx.execute(
                "DELETE FROM history WHERE tenant = ?1 AND id = ?2 AND attr = ?3",
                [tenant, id, attr],
            )?,
            Some(None) => self.tx.execute(
                "DELETE FROM history WHERE tenant = ?1 AND id = ?2 AND attr = ?3
                 AND json_extract(instance, '$.datasetId') IS NULL",
                [tenant, id, attr],
            )?,
            Some(Some(d)) => self.tx.execute(
                "DELETE FROM history WHERE tenant = ?1 AND id = ?2 AND attr = ?3
                 AND json_extract(instance, '$.datasetId') = ?4",
                [tenant, id, attr, d],
            )?,
        };
        Ok(n)
    }

    /// Changes or deletes one instance of an attribute by its `instanceId`; false when the
    /// entity's attribute has no such instance.
    pub fn change_instance(
        &self,
        (tenant, id, attr): (&str, &str, &str),
        instance: &str,
        change: InstanceChange<'_>,
    ) -> Result<bool, StoreError> {
        let Some(row) = row_of(instance) else {
            return Ok(false);
        };
        let old: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT instance FROM history WHERE rowid = ?1 AND tenant = ?2 AND id = ?3 AND attr = ?4",
            )?
            .query_row(params![row, tenant, id, attr], |r| r.get(0))
            .optional()?;
        let Some(old) = old else {
            return Ok(false);
        };
        match change {
            InstanceChange::Delete => {
                self.tx
                    .execute("DELETE FROM history WHERE rowid = ?1", [row])?;
            }
            InstanceChange::Patch(members) => {
                let mut v: Value =
                    serde_json::from_str(&old).map_err(|e| StoreError(e.to_string()))?;
                if let Value::Object(m) = &mut v {
                    for (k, x) in members {
                        if k != "instanceId" {
                            m.insert(k.clone(), x.clone());
                        }
                    }
                }
                let observed = observed_ms(&v).unwrap_or(self.now_ms);
                self.tx.execute(
                    "UPDATE history SET instance = ?1, observed_ms = ?2, modified_ms = ?3 WHERE rowid = ?4",
                    params![v.to_string(), observed, self.now_ms, row],
                )?;
            }
        }
        Ok(true)
    }
}

fn observed_ms(instance: &Value) -> Option<i64> {
    instance
        .get("observedAt")
        .and_then(Value::as_str)
        .and_then(crate::timestamp::parse_millis)
}
