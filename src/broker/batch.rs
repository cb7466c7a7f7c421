//! Batch operations of the local broker (`/entityOperations/…`): create, upsert, update and
//! delete with per-entity errors (207), and query.

use super::combine::{Combine, combine};
use super::entities::{entity_from, run_query};
use super::now_rfc3339;
use super::request::{
    Answer, TenantJson, bad, existing_tenant, has_option, internal, lock, no_content, params,
    problem,
};
use super::server::Shared;
use crate::ngsi_ld::Entity;
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::problem::{ProblemDetails, ProblemKind};
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// `POST /entityOperations/{create,upsert,update,merge,delete,query}`: 207 with per-entity errors.
pub(super) async fn batch(
    State(shared): State<Shared>,
    UrlPath(op): UrlPath<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    TenantJson {
        tenant,
        body,
        ld,
        ld_json,
    }: TenantJson,
) -> Response {
    let params = params(raw);
    if op == "query" {
        return batch_query(&shared, &headers, &tenant, &params, (&body, &ld))
            .await
            .unwrap_or_else(|r| r);
    }
    if !matches!(
        op.as_str(),
        "create" | "upsert" | "update" | "merge" | "delete"
    ) {
        return problem(
            ProblemKind::ResourceNotFound,
            format!(
                "no batch operation `{op}`; use create, upsert, update, merge, delete or query"
            ),
        );
    }
    let Value::Array(items) = body else {
        return bad("a batch operation's body is a JSON array");
    };
    if op != "delete" && items.iter().any(|i| !i.is_object()) {
        return bad("each item of a batch is an entity (a JSON object)");
    }
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
        if ld_json && item.is_object() && item.get("@context").is_none() {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("item");
            fail(
                &mut errors,
                id,
                ProblemKind::BadRequestData,
                "with Content-Type application/ld+json each entity carries its @context".into(),
            );
            continue;
        }
        match entity_from(item, &ld) {
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
        let mut created: Vec<String> = Vec::new();
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
                    if tx.get(&tenant, &e.id)?.is_none() {
                        created.push(e.id.clone());
                    }
                    tx.put(&tenant, &e, &now)?;
                    success.push(e.id);
                }
                ("merge" | "update", Item::Entity(e)) => match tx.get(&tenant, &e.id)? {
                    Some(mut old) => {
                        let how = match (op.as_str(), no_overwrite) {
                            ("merge", _) => Combine::MergePatch,
                            (_, true) => Combine::NoOverwrite,
                            (_, false) => Combine::Merge,
                        };
                        let id = e.id.clone();
                        combine(&mut old, e, how);
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
        // Only the entities the upsert created.
        "upsert" if !created.is_empty() => {
            (StatusCode::CREATED, axum::Json(json!(created))).into_response()
        }
        _ => no_content(),
    }
}

/// `POST /entityOperations/query` with `{"type": "Query", "entities": [{"type": …}], "q": …, "geoQ": {…}}`.
async fn batch_query(
    shared: &Shared,
    headers: &HeaderMap,
    tenant: &str,
    params: &[(String, String)],
    (body, ld): (&Value, &Context),
) -> Answer {
    let p = query_params(body, params);
    run_query(shared, headers, tenant, &p, ld).await
}

/// The request parameters a Query body stands for (the URL's own parameters first):
/// `entities`, `q`, `scopeQ`, `attrs`, `geoQ` and the temporal API's `temporalQ`.
pub(super) fn query_params(body: &Value, params: &[(String, String)]) -> Vec<(String, String)> {
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
    for key in [
        "q",
        "scopeQ",
        "lang",
        "pick",
        "omit",
        "join",
        "joinLevel",
        "geometryProperty",
        "local",
        "datasetId",
        "containedBy",
    ] {
        let v = match body.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => continue,
        };
        p.push((key.into(), v));
    }
    if let Some(Value::Object(t)) = body.get("temporalQ") {
        for (k, v) in t {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            p.push((k.clone(), v));
        }
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
    p
}
