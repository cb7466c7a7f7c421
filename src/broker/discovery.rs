//! Discovery in the local broker: `/types` and `/attributes`, with details.

use super::context::Ld;
use super::request::{Tenant, existing_store, internal, lock, param, params, problem};
use super::server::Shared;
use super::store::{Store, StoreError};
use crate::ngsi_ld::problem::ProblemKind;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(super) async fn types(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    RawQuery(raw): RawQuery,
) -> Response {
    let details = param(&params(raw), "details") == Some("true");
    let store = match existing_store(&shared, &tenant) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let infos = match store.types(&tenant) {
        Ok(t) => t,
        Err(e) => return internal(e),
    };
    let body = if details {
        json!(
            infos
                .iter()
                .map(
                    |t| json!({"id": t.name, "type": "EntityType", "typeName": ld.compact(&t.name),
            "attributeNames": t.attributes.keys().map(|a| ld.compact(a)).collect::<Vec<_>>()})
                )
                .collect::<Vec<_>>()
        )
    } else {
        json!({"id": "urn:ngsi-ld:EntityTypeList:citytwin", "type": "EntityTypeList",
               "typeList": infos.iter().map(|t| ld.compact(&t.name)).collect::<Vec<_>>()})
    };
    axum::Json(body).into_response()
}

pub(super) async fn type_info(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let full = ld.expand(&name);
    match store.types(&tenant).map(|ts| ts.into_iter().find(|t| t.name == full)) {
        Ok(Some(t)) => axum::Json(json!({
            "id": t.name, "type": "EntityTypeInfo", "typeName": ld.compact(&t.name), "entityCount": t.count,
            "attributeDetails": t.attributes.iter().map(|(a, kinds)| json!({
                "id": a, "type": "Attribute", "attributeName": ld.compact(a), "attributeTypes": kinds})).collect::<Vec<_>>()
        }))
        .into_response(),
        Ok(None) => problem(ProblemKind::ResourceNotFound, format!("no entities of type {name}")),
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

pub(super) async fn attributes(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    RawQuery(raw): RawQuery,
) -> Response {
    let details = param(&params(raw), "details") == Some("true");
    let store = match existing_store(&shared, &tenant) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let table = match attribute_table(&store, &tenant) {
        Ok(t) => t,
        Err(e) => return internal(e),
    };
    let body = if details {
        json!(table.iter().map(|(a, (count, kinds, types))| json!({"id": a, "type": "Attribute", "attributeName": ld.compact(a),
            "attributeCount": count, "attributeTypes": kinds,
            "typeNames": types.iter().map(|t| ld.compact(t)).collect::<Vec<_>>()})).collect::<Vec<_>>())
    } else {
        json!({"id": "urn:ngsi-ld:AttributeList:citytwin", "type": "AttributeList",
               "attributeList": table.keys().map(|a| ld.compact(a)).collect::<Vec<_>>()})
    };
    axum::Json(body).into_response()
}

pub(super) async fn attribute_info(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let store = match lock(&shared) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let full = ld.expand(&name);
    match attribute_table(&store, &tenant).map(|t| t.get(&full).cloned()) {
        Ok(Some((count, kinds, types))) => axum::Json(
            json!({"id": full, "type": "Attribute", "attributeName": ld.compact(&full),
            "attributeCount": count, "attributeTypes": kinds,
            "typeNames": types.iter().map(|t| ld.compact(t)).collect::<Vec<_>>()}),
        )
        .into_response(),
        Ok(None) => problem(
            ProblemKind::ResourceNotFound,
            format!("no attribute {name}"),
        ),
        Err(e) => internal(e),
    }
}
