//! The entity API of the local broker: queries, create, retrieve, delete, replace and merge
//! an entity, and append, update, replace or delete its attributes.

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::context::Ld;
use super::join::{self, Join, Linked, join_of};
use super::now_rfc3339;
use super::request::{
    Answer, Tenant, TenantJson, accepts, bad, existing_store, has_option, internal, lock,
    no_content, param, params, problem,
};
use super::server::{CORE_CONTEXT, PREFIX, Shared};
use super::store::Store;
use super::validate::{attr_name, entity_id};
use crate::ngsi_ld::geo_query::geometry_from_geojson;
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::problem::ProblemKind;
use crate::ngsi_ld::projection::Projection;
use crate::ngsi_ld::render::{Format, render, to_feature_collection};
use crate::ngsi_ld::request::EntityQuery;
use crate::ngsi_ld::{Attribute, AttributeKind, Entity, Representation, Terms, parse_entity_with};
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

/// How a fragment's attributes combine with an entity's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Combine {
    /// Add and replace (append, upsert with options=update).
    Merge,
    /// Add, and merge into what is there: members not given stay (PATCH of an entity).
    MergePatch,
    /// Add only attributes that are not there (append with noOverwrite).
    NoOverwrite,
    /// Replace the instances that are there, append the others (PATCH of attributes); a
    /// scope only where the entity has one.
    UpdateExisting,
}

/// Applies a fragment instance by instance (an instance replaces the one with the same
/// `datasetId`, or is added); returns the attribute names not applied.
pub(super) fn combine(target: &mut Entity, fragment: Entity, how: Combine) -> Vec<String> {
    let mut not_applied = Vec::new();
    for (name, instances) in fragment.attributes {
        let current = target.attributes.entry(name.clone()).or_default();
        let mut skipped = false;
        for inst in instances {
            let at = current.iter().position(|a| a.dataset_id == inst.dataset_id);
            if is_null(&inst) && how != Combine::NoOverwrite {
                // NGSI-LD Null: the instance is deleted.
                match at {
                    Some(i) => {
                        current.remove(i);
                    }
                    None => skipped |= how == Combine::UpdateExisting,
                }
                continue;
            }
            match (how, at) {
                (Combine::Merge | Combine::UpdateExisting, Some(i)) => current[i] = inst,
                (Combine::MergePatch, Some(i)) => merge_instance(&mut current[i], inst),
                // An update appends what is not there (as the ETSI suite and Orion-LD do).
                (_, None) => current.push(inst),
                (Combine::NoOverwrite, Some(_)) => skipped = true,
            }
        }
        if current.is_empty() {
            target.attributes.remove(&name);
        }
        if skipped {
            not_applied.push(name);
        }
    }
    if !fragment.scope.is_empty() {
        let null = fragment.scope.iter().any(|s| s == "urn:ngsi-ld:null");
        match how {
            _ if null && how != Combine::NoOverwrite => target.scope.clear(),
            Combine::NoOverwrite if !target.scope.is_empty() => not_applied.push("scope".into()),
            Combine::UpdateExisting if target.scope.is_empty() => {
                not_applied.push("scope".into());
            }
            _ => target.scope = fragment.scope,
        }
    }
    if fragment.types.iter().any(|t| t != FRAGMENT) {
        for t in fragment.types {
            if t != FRAGMENT && !target.types.contains(&t) {
                target.types.push(t);
            }
        }
    }
    not_applied
}

/// Whether an attribute instance is NGSI-LD Null: the instance is to be deleted.
pub(super) fn is_null(a: &Attribute) -> bool {
    a.is_null()
}

/// A partial change of one instance: the members given replace those there, the others
/// stay, sub-attributes merge (and a sub-attribute set to NGSI-LD Null goes).
fn merge_instance(old: &mut Attribute, new: Attribute) {
    old.kind = new.kind;
    old.value = new.value;
    old.unit_code = new.unit_code.or(old.unit_code.take());
    old.observed_at = new.observed_at.or(old.observed_at.take());
    old.lang = new.lang.or(old.lang.take());
    for (name, subs) in new.sub_attributes {
        if subs.iter().any(is_null) {
            old.sub_attributes.remove(&name);
        } else {
            old.sub_attributes.insert(name, subs);
        }
    }
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

/// The request's `pick`/`omit`, checked.
pub(super) fn projection(params: &[(String, String)]) -> Result<Option<Projection>, Response> {
    Projection::from_params(
        param(params, "pick"),
        param(params, "omit"),
        param(params, "attrs").is_some(),
    )
    .map_err(bad)
}

/// Checks the parameters a read shares: the representation (`format`, `options`) and
/// `pick`/`omit`.
pub(super) fn check_params(params: &[(String, String)]) -> Result<(), Response> {
    EntityQuery::from_params(params).map_err(|e| bad(e.to_string()))?;
    join_of(params)?;
    projection(params).map(|_| ())
}

/// An answer's entities in the reader's terms, with the entities they link to when a join
/// is asked for (read while the store is at hand).
pub(super) struct Answered {
    entities: Vec<Entity>,
    linked: Option<(Join, Linked)>,
}

impl Answered {
    /// Compacts `entities` with the reader's @context and reads what they link to.
    pub(super) fn new(
        store: &Store,
        tenant: &str,
        entities: Vec<Entity>,
        params: &[(String, String)],
        ld: &Context,
    ) -> Result<Self, Response> {
        let compact = |mut e: Entity| {
            ld.compact_entity(&mut e);
            e
        };
        let mut entities: Vec<Entity> = entities.into_iter().map(compact).collect();
        if let Some(wanted) = param(params, "datasetId") {
            let wanted: Vec<Option<&str>> = wanted
                .split(',')
                .map(str::trim)
                .map(|d| (d != "@none").then_some(d))
                .collect();
            for e in &mut entities {
                for instances in e.attributes.values_mut() {
                    instances.retain(|a| wanted.contains(&a.dataset_id.as_deref()));
                }
                e.attributes.retain(|_, i| !i.is_empty());
            }
        }
        if let Some(lang) = param(params, "lang") {
            for a in entities
                .iter_mut()
                .flat_map(|e| e.attributes.values_mut())
                .flatten()
            {
                *a = a.in_language(lang);
            }
        }
        let linked = match join_of(params)? {
            None => None,
            Some(j) => {
                let p = projection(params)?;
                let l = join::fetch(store, tenant, &entities, (j.level, p.as_ref()), &compact)
                    .map_err(internal)?;
                Some((j, l))
            }
        };
        Ok(Self { entities, linked })
    }
}

/// Entities as a response in the representation and media type asked for.
pub(super) fn entities_response(
    headers: &HeaderMap,
    params: &[(String, String)],
    answered: &Answered,
    single: bool,
    ld: &Context,
) -> Response {
    let format = EntityQuery::from_params(params)
        .ok()
        .and_then(|q| q.format)
        .unwrap_or(Format::Normalized);
    let entities = answered.entities.as_slice();
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
    let as_ld = accepts(headers, "application/ld+json");
    let projection = projection(params).ok().flatten();
    let mut rendered: Vec<Value> = entities
        .iter()
        .map(|e| {
            let mut v = match &answered.linked {
                Some((j, l)) if j.inline => join::inline(e, l, format, j.level),
                _ => render(e, format),
            };
            if let Some(p) = &projection {
                p.apply(&mut v);
            }
            v
        })
        .collect();
    let mut single = single;
    if let Some((j, l)) = &answered.linked
        && !j.inline
    {
        let linked = join::flat(l, format);
        // A retrieval with nothing linked stays one entity.
        single &= linked.is_empty();
        rendered.extend(linked);
    }
    if as_ld {
        for v in &mut rendered {
            v["@context"] = ld.response_context();
        }
    }
    let body = if single {
        rendered.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(rendered)
    };
    let mut r = axum::Json(body).into_response();
    if as_ld {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ld+json"),
        );
    } else if let Some(link) = link_header(ld) {
        r.headers_mut().insert(header::LINK, link);
    }
    r
}

/// The `Link` header of an `application/json` answer: the reader's @context when it is one
/// URL, else the core context.
pub(super) fn link_header(ld: &Context) -> Option<HeaderValue> {
    let url = match ld.response_context() {
        Value::String(u) => u,
        Value::Array(items) if items.len() == 1 && items[0].is_string() => {
            items[0].as_str().unwrap_or(CORE_CONTEXT).to_owned()
        }
        _ => CORE_CONTEXT.to_owned(),
    };
    HeaderValue::from_str(&format!(
        "<{url}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
    ))
    .ok()
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
const FRAGMENT: &str = "urn:citytwin:fragment";
