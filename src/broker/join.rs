//! Linked-entity retrieval (NGSI-LD 1.8, clause 4.5.23): `join=inline` puts the entity a
//! Relationship points to inside it (`entity`, or in its place in the simplified form),
//! `join=flat` lists the linked entities after the ones asked for, each down to `joinLevel`
//! (1 by default) links away. `pick`/`omit` braces (`locatedAt{name}`) choose the linked
//! entities' members, and a Relationship left out of the answer is not followed.

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::request::{bad, param};
use super::store::{Store, StoreError};
use crate::ngsi_ld::projection::Projection;
use crate::ngsi_ld::render::{Format, render};
use crate::ngsi_ld::{AttributeKind, Entity};
use axum::response::Response;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The deepest `joinLevel` followed.
const MAX_LEVEL: usize = 10;

/// A join asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Join {
    /// Inline (true) or flat.
    pub inline: bool,
    /// How many links away.
    pub level: usize,
}

/// The request's `join` and `joinLevel`, checked (`join=@none` is no join).
pub(super) fn join_of(params: &[(String, String)]) -> Result<Option<Join>, Response> {
    let level = match param(params, "joinLevel") {
        None => 1,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| *l >= 1)
            .ok_or_else(|| {
                bad(format!(
                    "joinLevel must be a whole number from 1, not `{l}`"
                ))
            })?
            .min(MAX_LEVEL),
    };
    match param(params, "join") {
        None | Some("@none") => Ok(None),
        Some("inline") => Ok(Some(Join {
            inline: true,
            level,
        })),
        Some("flat") => Ok(Some(Join {
            inline: false,
            level,
        })),
        Some(other) => Err(bad(format!(
            "join must be flat, inline or @none, not `{other}`"
        ))),
    }
}

/// The entities an answer links to, in the order they were reached, each with the
/// projection its linking member asks for.
#[derive(Debug, Default)]
pub(super) struct Linked {
    order: Vec<(String, Option<Projection>)>,
    entities: HashMap<String, Entity>,
}

/// The targets of an entity's Relationships, by attribute name (compacted: as answered).
fn links(e: &Entity) -> Vec<(&str, Vec<&str>)> {
    e.attributes
        .iter()
        .map(|(name, instances)| {
            let targets = instances
                .iter()
                .filter(|a| a.kind == AttributeKind::Relationship)
                .flat_map(|a| match &a.value {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                })
                .collect();
            (name.as_str(), targets)
        })
        .filter(|(_, t): &(&str, Vec<&str>)| !t.is_empty())
        .collect()
}

/// Whether a projection keeps a member (and so whether its link is followed).
fn keeps(p: Option<&Projection>, member: &str) -> bool {
    p.is_none_or(|p| {
        p.pick
            .as_ref()
            .is_none_or(|pick| pick.iter().any(|m| m.name == member))
            && !p
                .omit
                .iter()
                .any(|m| m.name == member && m.nested.is_empty())
    })
}

/// Reads the linked entities of `roots` (compacted, in the reader's terms) down to
/// `level` links.
pub(super) fn fetch(
    store: &Store,
    tenant: &str,
    roots: &[Entity],
    (level, projection): (usize, Option<&Projection>),
    compact: &dyn Fn(Entity) -> Entity,
) -> Result<Linked, StoreError> {
    let mut out = Linked::default();
    let mut seen: HashSet<String> = roots.iter().map(|e| e.id.clone()).collect();
    let mut frontier: Vec<(Entity, Option<Projection>)> = roots
        .iter()
        .map(|e| (e.clone(), projection.cloned()))
        .collect();
    for _ in 0..level {
        let mut next = Vec::new();
        for (e, p) in &frontier {
            for (member, targets) in links(e) {
                if !keeps(p.as_ref(), member) {
                    continue;
                }
                let sub = p.as_ref().and_then(|p| p.nested(member));
                for t in targets {
                    if !seen.insert(t.to_owned()) {
                        continue;
                    }
                    if let Some(linked) = store.get(tenant, t)? {
                        let linked = compact(linked);
                        out.order.push((t.to_owned(), sub.clone()));
                        out.entities.insert(t.to_owned(), linked.clone());
                        next.push((linked, sub.clone()));
                    }
                }
            }
        }
        frontier = next;
    }
    Ok(out)
}

/// One entity rendered with its linked entities inside, down to `level` links.
pub(super) fn inline(e: &Entity, linked: &Linked, format: Format, level: usize) -> Value {
    let mut v = render(e, format);
    if level == 0 {
        return v;
    }
    for (member, targets) in links(e) {
        let Some(slot) = v.get_mut(member) else {
            continue;
        };
        let many = slot.is_array();
        for (i, t) in targets.iter().enumerate() {
            let Some(target) = linked.entities.get(*t) else {
                continue;
            };
            let sub = inline(target, linked, format, level - 1);
            let at = if many {
                slot.get_mut(i)
            } else {
                Some(&mut *slot)
            };
            match (format, at) {
                (Format::Simplified, Some(place)) => *place = sub,
                (_, Some(Value::Object(m))) => {
                    m.insert("entity".to_owned(), sub);
                }
                _ => {}
            }
        }
    }
    v
}

/// The linked entities of a flat join, rendered after the ones asked for, each with its
/// projection.
pub(super) fn flat(linked: &Linked, format: Format) -> Vec<Value> {
    linked
        .order
        .iter()
        .filter_map(|(id, p)| {
            let mut v = render(linked.entities.get(id)?, format);
            if let Some(p) = p {
                p.apply(&mut v);
            }
            Some(v)
        })
        .collect()
}
