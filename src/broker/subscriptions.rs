//! `/subscriptions`: create, list, get (with delivery status), merge-patch, delete.

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::request::{
    Tenant, TenantJson, bad, has_option, internal, lock, no_content, param, params, problem,
};
use super::server::{PREFIX, Shared};
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::new_id;
use crate::ngsi_ld::problem::ProblemKind;
use crate::ngsi_ld::request::EntityQuery;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

fn registry(
    shared: &Shared,
) -> Result<std::sync::MutexGuard<'_, super::notify::Registry>, Response> {
    shared
        .subscriptions
        .lock()
        .map_err(|_| internal("the subscriptions are unavailable"))
}

/// Subscriptions as the client accepts them, with the core @context (a subscription's
/// members are core terms).
fn answer(headers: &HeaderMap, body: Value) -> Response {
    super::answer::json_answer(headers, body, &Context::core())
}

fn missing(id: &str) -> Response {
    problem(
        ProblemKind::ResourceNotFound,
        format!("no subscription {id}"),
    )
}

/// Stores a checked subscription body with the @context documents it needs, so that it is
/// understood again after a restart without fetching them.
fn save(shared: &Shared, tenant: &str, id: &str, body: &Value) -> Result<(), Response> {
    let documents = body
        .get("@context")
        .map(|c| shared.contexts.documents_for(c))
        .unwrap_or_default();
    let stored = json!({"subscription": body, "documents": documents});
    let store = lock(shared)?;
    store
        .put_subscription(tenant, id, &stored)
        .map_err(internal)
}

/// A stored subscription: its body and its @context (built from the documents kept with
/// it; the core context if they are missing).
pub(super) fn from_stored(stored: Value) -> (Value, Arc<Context>) {
    let Some(body) = stored.get("subscription").cloned() else {
        // Stored before the @context was kept: short names, the core context's.
        return (stored, Context::core());
    };
    let documents: BTreeMap<String, Value> = stored
        .get("documents")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .unwrap_or_default();
    let ld = body
        .get("@context")
        .and_then(|c| Context::build(c, &documents).ok())
        .map_or_else(Context::core, Arc::new);
    (body, ld)
}

/// A periodic subscription starts with the entities that exist.
fn seed_periodic(shared: &Shared, tenant: &str, id: &str) -> Result<(), Response> {
    if !registry(shared)?.is_periodic(tenant, id) {
        return Ok(());
    }
    let all = {
        let store = lock(shared)?;
        store
            .query(tenant, &EntityQuery::default(), usize::MAX)
            .map_err(internal)?
            .entities
    };
    registry(shared)?.seed_periodic(tenant, id, all);
    Ok(())
}

pub(super) async fn create(
    State(shared): State<Shared>,
    TenantJson {
        tenant,
        mut body,
        ld,
        ..
    }: TenantJson,
) -> Response {
    if !body.is_object() {
        return bad("a subscription is a JSON object");
    }
    if body.get("id").is_none() {
        body["id"] = json!(new_id("Subscription"));
    }
    let Some(id) = body["id"].as_str().map(str::to_owned) else {
        return bad("a subscription's id is a string");
    };
    if !super::validate::is_uri(&id) {
        return bad(format!(
            "the subscription id `{id}` is not a URI (such as urn:ngsi-ld:Subscription:1)"
        ));
    }
    // Kept as sent (a Link header's too): notifications are compacted with it.
    if ld.is_user() {
        body["@context"] = ld.response_context();
    }
    {
        let mut reg = match registry(&shared) {
            Ok(r) => r,
            Err(r) => return r,
        };
        if reg.contains(&tenant, &id) {
            return problem(
                ProblemKind::AlreadyExists,
                format!("subscription {id} exists already"),
            );
        }
        if let Err(why) = reg.insert(&tenant, body.clone(), ld) {
            return bad(why);
        }
    }
    if let Err(r) = save(&shared, &tenant, &id, &body) {
        return r;
    }
    if let Err(r) = seed_periodic(&shared, &tenant, &id) {
        return r;
    }
    let location = format!("{PREFIX}/subscriptions/{id}");
    (StatusCode::CREATED, [(header::LOCATION, location)]).into_response()
}

/// `GET /subscriptions` with `limit`, `offset` and `count`.
pub(super) async fn list(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = params(raw);
    let number = |k: &str, default: usize| match param(&params, k) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| bad(format!("{k} must be a whole number, not `{v}`"))),
    };
    let (limit, offset) = match (
        number("limit", shared.config.default_page_size),
        number("offset", 0),
    ) {
        (Ok(l), Ok(o)) => (l, o),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let all = match registry(&shared) {
        Ok(reg) => reg.list(&tenant),
        Err(r) => return r,
    };
    let total = all.len();
    let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    let mut r = answer(&headers, Value::Array(page));
    if has_option(&params, "count") || param(&params, "count") == Some("true") {
        r.headers_mut()
            .insert("NGSILD-Results-Count", axum::http::HeaderValue::from(total));
    }
    r
}

pub(super) async fn get(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    if let Err(r) = super::validate::entity_id(&id) {
        return r;
    }
    match registry(&shared) {
        Ok(reg) => match reg.get(&tenant, &id) {
            Some(v) => answer(&headers, v),
            None => missing(&id),
        },
        Err(r) => r,
    }
}

pub(super) async fn delete(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    UrlPath(id): UrlPath<String>,
) -> Response {
    if let Err(r) = super::validate::entity_id(&id) {
        return r;
    }
    let removed = match registry(&shared) {
        Ok(mut reg) => reg.remove(&tenant, &id),
        Err(r) => return r,
    };
    if !removed {
        return missing(&id);
    }
    match lock(&shared).map(|s| s.delete_subscription(&tenant, &id)) {
        Ok(Ok(_)) => no_content(),
        Ok(Err(e)) => internal(e),
        Err(r) => r,
    }
}

/// Merges the members given into the subscription (`notification` one level deep).
pub(super) async fn update(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    TenantJson {
        tenant,
        body: patch,
        ..
    }: TenantJson,
) -> Response {
    if let Err(r) = super::validate::entity_id(&id) {
        return r;
    }
    let Value::Object(patch) = patch else {
        return bad("a subscription update is a JSON object of members");
    };
    let body = {
        let mut reg = match registry(&shared) {
            Ok(r) => r,
            Err(r) => return r,
        };
        let Some((body, ld)) = reg.raw(&tenant, &id) else {
            return missing(&id);
        };
        let mut body = body.clone();
        for (k, v) in patch {
            match (k.as_str(), v) {
                ("id" | "type" | "@context", _) => {}
                ("notification", Value::Object(n)) => {
                    for (nk, nv) in n {
                        body["notification"][nk] = nv;
                    }
                }
                (_, v) => body[k] = v,
            }
        }
        if let Err(why) = reg.insert(&tenant, body.clone(), ld) {
            return bad(why);
        }
        body
    };
    match save(&shared, &tenant, &id, &body) {
        Ok(()) => no_content(),
        Err(r) => r,
    }
}
