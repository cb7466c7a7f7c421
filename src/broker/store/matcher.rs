//! An entity query checked on entities in memory: what SQL does not narrow (the id pattern,
//! `q`, `scopeQ`, the exact geo-query), and everything for entities known only from history.

use super::StoreError;
use crate::ngsi_ld::Entity;
use crate::ngsi_ld::geo_query::GeoQuery;
use crate::ngsi_ld::query::Query;
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::scope::ScopeQuery;

/// The parts of a query that are checked entity by entity.
pub(super) struct Matcher {
    ids: Vec<String>,
    types: Vec<String>,
    pattern: Option<regex::Regex>,
    expr: Option<Query>,
    scope: Option<ScopeQuery>,
    geo: Option<GeoQuery>,
}

impl Matcher {
    /// The query's filters, with the names of its `q` mapped by `names`.
    pub(super) fn new(q: &EntityQuery, names: &dyn Fn(&str) -> String) -> Result<Self, StoreError> {
        let pattern = q
            .id_pattern
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|e| StoreError(e.to_string()))?;
        let expr =
            q.q.as_deref()
                .map(Query::parse)
                .transpose()
                .map_err(|e| StoreError(e.to_string()))?
                .map(|mut x| {
                    x.map_names(names);
                    x
                });
        let scope = q
            .scope_q
            .as_deref()
            .map(ScopeQuery::parse)
            .transpose()
            .map_err(StoreError)?;
        Ok(Self {
            ids: q.ids.clone(),
            types: q.types.clone(),
            pattern,
            expr,
            scope,
            geo: q.geo.clone(),
        })
    }

    /// Whether anything beyond ids and types is to be checked.
    pub(super) fn filters(&self) -> bool {
        self.pattern.is_some() || self.expr.is_some() || self.scope.is_some() || self.geo.is_some()
    }

    /// Whether an entity is selected, ids and types included.
    pub(super) fn matches(&self, e: &Entity) -> bool {
        (self.ids.is_empty() || self.ids.contains(&e.id))
            && (self.types.is_empty() || e.types.iter().any(|t| self.types.contains(t)))
            && self.matches_filters(e)
    }

    /// Whether an entity passes the filters (its id and type already selected).
    pub(super) fn matches_filters(&self, e: &Entity) -> bool {
        !(self.pattern.as_ref().is_some_and(|p| !p.is_match(&e.id))
            || self.expr.as_ref().is_some_and(|x| !x.matches(e))
            || self.scope.as_ref().is_some_and(|s| !s.matches(&e.scope))
            || self.geo.as_ref().is_some_and(|g| !g.matches(e)))
    }
}
