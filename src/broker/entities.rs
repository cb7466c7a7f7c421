//! The entity API of the local broker: queries, create, retrieve, delete, replace and merge
//! an entity, and append, update, replace or delete its attributes.

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::answer::{Answered, check_params, entities_response, projection};
use super::combine::{Combine, combine, is_null, merge_instance};
use super::context::Ld;
use super::now_rfc3339;
use super::request::{
    Answer, Tenant, TenantJson, bad, existing_store, has_option, internal, lock, no_content, param,
    params, problem,
};
use super::server::{PREFIX, Shared};
use super::validate::{attr_name, entity_id};
use crate::ngsi_ld::geo_query::geometry_from_geojson;
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::problem::ProblemKind;
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::{AttributeKind, Entity, Representation, Terms, parse_entity_with};
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn query_entities(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Answer {
    run_query(&shared, &headers, &tenant, &params(raw), &ld).await
}

/// A query's names expanded with the request's @context: types, `attrs` and the
/// geo-property (the `q` expression's are expanded when it is parsed).
pub(super) fn expand_query(q: &mut EntityQuery, ld: &Context) {
    for t in &mut q.types {
        *t = ld.expand(t);
    }
    for a in &mut q.attrs {
        *a = ld.expand(a);
    }
    if let Some(g) = &mut q.geo {
        g.property = ld.expand(&g.property);
    }
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

/// Runs a query (from `GET /entities` or `POST /entityOperations/query`) and answers it in
/// the representation asked for.
pub(super) async fn run_query(
    shared: &Shared,
    headers: &HeaderMap,
    tenant: &str,
    params: &[(String, String)],
    ld: &Context,
) -> Answer {
    let mut q = EntityQuery::from_params(params).map_err(|e| bad(e.to_string()))?;
    check_params(params)?;
    let limit = page_limit(shared, &q, "query")?;
    if limit == 0 && !q.count {
        return Err(bad("limit=0 is only allowed with count=true"));
    }
    expand_query(&mut q, ld);
    let store = existing_store(shared, tenant)?;
    let page = store
        .query_names(tenant, &q, limit, &|n| ld.expand(n))
        .map_err(internal)?;
    let answered = Answered::new(&store, tenant, page.entities, params, ld)?;
    drop(store);
    let mut r = entities_response(headers, params, &answered, false, ld);
    if q.count {
        r.headers_mut()
            .insert("NGSILD-Results-Count", HeaderValue::from(page.total));
    }
    Ok(r)
}

pub(super) async fn create_entity(
    State(shared): State<Shared>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    let e = entity_from(&body, &ld).map_err(bad)?;
    let mut store = lock(&shared)?;
    let now = now_rfc3339();
    let created = store
        .transaction(|tx| {
            if tx.get(&tenant, &e.id)?.is_some() {
                return Ok(false);
            }
            tx.put(&tenant, &e, &now)?;
            Ok(true)
        })
        .map_err(internal)?;
    if !created {
        return Err(problem(
            ProblemKind::AlreadyExists,
            format!("entity {} exists already", e.id),
        ));
    }
    let location = format!("{PREFIX}/entities/{}", e.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

pub(super) async fn get_entity(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    entity_id(&id)?;
    let params = params(raw);
    check_params(&params)?;
    let store = existing_store(&shared, &tenant)?;
    let mut e = store
        .get(&tenant, &id)
        .map_err(internal)?
        .ok_or_else(|| no_entity(&id))?;
    if let Some(attrs) = param(&params, "attrs") {
        let keep: Vec<String> = attrs.split(',').map(|a| ld.expand(a.trim())).collect();
        e.attributes.retain(|k, _| keep.contains(k));
    }
    if let Some(p) = projection(&params)? {
        // Nothing of the entity picked: nothing found.
        let mut members = serde_json::Map::new();
        members.insert("id".to_owned(), Value::Null);
        members.insert("type".to_owned(), Value::Null);
        if !e.scope.is_empty() {
            members.insert("scope".to_owned(), Value::Null);
        }
        for name in e.attributes.keys() {
            members.insert(ld.compact(name), Value::Null);
        }
        let mut members = Value::Object(members);
        p.apply(&mut members);
        if members.as_object().is_some_and(serde_json::Map::is_empty) {
            return Err(problem(
                ProblemKind::ResourceNotFound,
                format!("pick and omit leave nothing of entity {id}"),
            ));
        }
    }
    let answered = Answered::new(&store, &tenant, vec![e], &params, &ld)?;
    drop(store);
    Ok(entities_response(&headers, &params, &answered, true, &ld))
}

pub(super) async fn delete_entity(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    UrlPath(id): UrlPath<String>,
) -> Answer {
    entity_id(&id)?;
    let mut store = existing_store(&shared, &tenant)?;
    match store.transaction(|tx| tx.delete(&tenant, &id)) {
        Ok(true) => Ok(no_content()),
        Ok(false) => Err(no_entity(&id)),
        Err(e) => Err(internal(e)),
    }
}

fn no_entity(id: &str) -> Response {
    problem(ProblemKind::ResourceNotFound, format!("no entity {id}"))
}

/// Read-modify-write of one entity with a fragment body.
async fn modify(
    shared: Shared,
    (tenant, body, ld): (String, Value, Arc<Context>),
    id: String,
    how: Combine,
    report_missing: bool,
) -> Answer {
    entity_id(&id)?;
    let frag = fragment(&body, &id, &ld).map_err(bad)?;
    let mut store = existing_store(&shared, &tenant)?;
    let now = now_rfc3339();
    let not_applied = store
        .transaction(|tx| {
            let Some(mut e) = tx.get(&tenant, &id)? else {
                return Ok(None);
            };
            let not_applied = combine(&mut e, frag, how);
            tx.put(&tenant, &e, &now)?;
            Ok(Some(not_applied))
        })
        .map_err(internal)?
        .ok_or_else(|| no_entity(&id))?;
    if report_missing && !not_applied.is_empty() {
        return Ok((
            StatusCode::MULTI_STATUS,
            axum::Json(json!({
                "updated": [],
                "notUpdated": not_applied.iter().map(|a| json!({"attributeName": ld.compact(a), "reason": "the entity has no such attribute"})).collect::<Vec<_>>()
            })),
        )
            .into_response());
    }
    Ok(no_content())
}

pub(super) async fn merge_entity(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    modify(shared, (tenant, body, ld), id, Combine::MergePatch, false).await
}

pub(super) async fn append_attrs(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    let how = if has_option(&params(raw), "noOverwrite") {
        Combine::NoOverwrite
    } else {
        Combine::Merge
    };
    modify(
        shared,
        (tenant, body, ld),
        id,
        how,
        how == Combine::NoOverwrite,
    )
    .await
}

pub(super) async fn update_attrs(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    modify(
        shared,
        (tenant, body, ld),
        id,
        Combine::UpdateExisting,
        true,
    )
    .await
}

pub(super) async fn replace_entity(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    TenantJson {
        tenant,
        mut body,
        ld,
        ..
    }: TenantJson,
) -> Answer {
    entity_id(&id)?;
    if body.get("id").is_none() {
        body["id"] = json!(id);
    }
    let e = match entity_from(&body, &ld) {
        Ok(e) if e.id == id => e,
        Ok(_) => return Err(bad("the body's id differs from the URL's")),
        Err(reason) => return Err(bad(reason)),
    };
    let mut store = lock(&shared)?;
    let now = now_rfc3339();
    let replaced = store
        .transaction(|tx| {
            if tx.get(&tenant, &id)?.is_none() {
                return Ok(false);
            }
            tx.put(&tenant, &e, &now)?;
            Ok(true)
        })
        .map_err(internal)?;
    if replaced {
        Ok(no_content())
    } else {
        Err(no_entity(&id))
    }
}

/// What is done to one attribute.
enum AttrChange {
    /// PATCH: the given members change, sub-attributes merge.
    Patch(Value),
    /// PUT: replaced whole.
    Put(Value),
    /// DELETE of the default instance (`None`), all instances (`Some(None)`), or one
    /// dataset's.
    Delete(Option<Option<String>>),
}

/// PATCH, PUT or DELETE of one attribute.
async fn one_attr(
    shared: Shared,
    (tenant, ld): (String, Arc<Context>),
    id: String,
    attr: String,
    change: AttrChange,
) -> Answer {
    entity_id(&id)?;
    attr_name(&attr)?;
    let attr = ld.expand(&attr);
    let new = match &change {
        AttrChange::Patch(body) | AttrChange::Put(body) => {
            let mut f = fragment(&json!({ attr.clone(): body }), &id, &ld).map_err(bad)?;
            f.attributes.remove(&attr)
        }
        AttrChange::Delete(_) => None,
    };
    let mut store = existing_store(&shared, &tenant)?;
    let now = now_rfc3339();
    let result = store
        .transaction(|tx| {
            let Some(mut e) = tx.get(&tenant, &id)? else {
                return Ok(Err(format!("no entity {id}")));
            };
            if matches!(change, AttrChange::Delete(_))
                && !e.scope.is_empty()
                && ld.compact(&attr) == "scope"
            {
                e.scope.clear();
                tx.put(&tenant, &e, &now)?;
                return Ok(Ok(()));
            }
            let Some(current) = e.attributes.get_mut(&attr) else {
                return Ok(Err(format!("entity {id} has no attribute {attr}")));
            };
            match (&change, new) {
                (AttrChange::Patch(_), Some(patch)) => {
                    // Each instance given changes the one with its datasetId.
                    for p in patch {
                        let Some(i) = current.iter().position(|a| a.dataset_id == p.dataset_id)
                        else {
                            return Ok(Err(match &p.dataset_id {
                                Some(d) => format!("{attr} of {id} has no instance {d}"),
                                None => format!("{attr} of {id} has no default instance"),
                            }));
                        };
                        if p.is_null() {
                            current.remove(i);
                        } else {
                            merge_instance(&mut current[i], p);
                        }
                    }
                    if current.is_empty() {
                        e.attributes.remove(&attr);
                    }
                }
                (AttrChange::Put(_), Some(replacement)) => {
                    for r in replacement {
                        match current.iter().position(|a| a.dataset_id == r.dataset_id) {
                            Some(i) => current[i] = r,
                            None => current.push(r),
                        }
                    }
                }
                (AttrChange::Delete(which), _) => {
                    // DELETE: one dataset (`datasetId`), the default instance, or all
                    // (`deleteAll=true`).
                    let before = current.len();
                    match which {
                        Some(None) => current.clear(),
                        Some(Some(d)) => {
                            current.retain(|a| a.dataset_id.as_deref() != Some(d.as_str()))
                        }
                        None => current.retain(|a| a.dataset_id.is_some()),
                    }
                    if current.len() == before {
                        return Ok(Err(format!("{attr} of {id} has no such instance")));
                    }
                    if current.is_empty() {
                        e.attributes.remove(&attr);
                    }
                }
                _ => {}
            }
            tx.put(&tenant, &e, &now)?;
            Ok(Ok(()))
        })
        .map_err(internal)?;
    result.map(|()| no_content()).map_err(|reason| {
        problem(
            ProblemKind::ResourceNotFound,
            reason.replace(&attr, &ld.compact(&attr)),
        )
    })
}

pub(super) async fn patch_attr(
    State(shared): State<Shared>,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    one_attr(shared, (tenant, ld), id, attr, AttrChange::Patch(body)).await
}

pub(super) async fn put_attr(
    State(shared): State<Shared>,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    one_attr(shared, (tenant, ld), id, attr, AttrChange::Put(body)).await
}

pub(super) async fn delete_attr(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let params = params(raw);
    let which = if param(&params, "deleteAll") == Some("true") {
        Some(None)
    } else {
        param(&params, "datasetId").map(|d| Some(d.to_owned()))
    };
    one_attr(shared, (tenant, ld), id, attr, AttrChange::Delete(which)).await
}

/// Checks an entity for writing: a URI id, valid type and attribute names, and
/// GeoProperties that are geometries.
pub(super) fn validate(e: &Entity) -> Result<(), String> {
    if !super::validate::is_uri(&e.id) {
        return Err(format!(
            "the id `{}` is not a URI (such as urn:ngsi-ld:Building:1)",
            e.id
        ));
    }
    if let Some(t) = e.types.iter().find(|t| !super::validate::is_name(t)) {
        return Err(format!("the type `{t}` is not a valid name"));
    }
    for (name, instances) in &e.attributes {
        if !super::validate::is_name(name) {
            return Err(format!("`{name}` is not a valid attribute name"));
        }
        for a in instances {
            if a.kind == AttributeKind::GeoProperty && !is_null(a) {
                geometry_from_geojson(&a.value).map_err(|m| format!("attribute `{name}`: {m}"))?;
            }
        }
    }
    Ok(())
}

/// An entity from a request body, its names expanded with the request's @context, or the
/// reason it is not one.
pub(super) fn entity_from(v: &Value, ld: &Context) -> Result<Entity, String> {
    let (mut e, skipped) = parse_entity_with(v, Representation::Concise, &Terms::keep())?;
    if let Some(s) = skipped.first() {
        return Err(s.reason.clone());
    }
    ld.expand_entity(&mut e);
    validate(&e)?;
    Ok(e)
}

/// Attributes from a fragment body (an object of attributes, without id and type).
fn fragment(v: &Value, id: &str, ld: &Context) -> Result<Entity, String> {
    let Value::Object(o) = v else {
        return Err("the body must be a JSON object of attributes".to_owned());
    };
    let mut full = o.clone();
    full.insert("id".to_owned(), json!(id));
    if !full.contains_key("type") {
        full.insert("type".to_owned(), json!(FRAGMENT));
    }
    entity_from(&Value::Object(full), ld)
}

/// The type a fragment is given while it is read (never stored).
pub(super) const FRAGMENT: &str = "urn:citytwin:fragment";
