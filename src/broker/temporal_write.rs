//! The temporal API's writes: create or add to a temporal entity, add attributes, delete
//! the whole temporal representation, an attribute's instances (all, or one dataset's), and
//! change or delete one instance by its `instanceId`. They change history only (and a
//! deletion of the temporal entity deletes the entity too); they notify nobody.

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::context::Ld;
use super::request::{
    Answer, Tenant, TenantJson, bad, existing_store, internal, lock, no_content, param, params,
    problem,
};
use super::server::{PREFIX, Shared};
use super::store::InstanceChange;
use super::validate::{attr_name, entity_id, is_name};
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::problem::ProblemKind;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The instances in a temporal entity or fragment, by expanded attribute name: each
/// attribute is one instance or an array of them, each an object with a `type`.
fn instances_of(body: &Value, ld: &Context) -> Result<Vec<(String, Value)>, String> {
    let Value::Object(members) = body else {
        return Err("the body must be a JSON object".to_owned());
    };
    let mut out = Vec::new();
    for (name, v) in members {
        if matches!(name.as_str(), "id" | "type" | "@context" | "scope") {
            continue;
        }
        if !is_name(name) {
            return Err(format!("`{name}` is not a valid attribute name"));
        }
        let list: Vec<&Value> = match v {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        for inst in list {
            if !inst.is_object() || inst.get("type").is_none() {
                return Err(format!(
                    "attribute `{name}`: each instance is an object with a type (normalized form)"
                ));
            }
            out.push((ld.expand(name), inst.clone()));
        }
    }
    Ok(out)
}

/// The type of an entity known now or from its history.
fn known_type(shared: &Shared, tenant: &str, id: &str) -> Result<Option<String>, Response> {
    let store = existing_store(shared, tenant)?;
    if let Some(e) = store.get(tenant, id).map_err(internal)? {
        return Ok(Some(e.type_label()));
    }
    store.history_type(tenant, id).map_err(internal)
}

fn no_temporal_entity(id: &str) -> Response {
    problem(
        ProblemKind::ResourceNotFound,
        format!("no entity {id} and no history of it"),
    )
}

/// `POST /temporal/entities`: adds instances to an entity's history (201 when the entity
/// had no history, else 204).
pub(super) async fn create(
    State(shared): State<Shared>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    let Some(id) = body.get("id").and_then(Value::as_str) else {
        return Err(bad("a temporal entity needs an id"));
    };
    entity_id(id)?;
    let Some(entity_type) = body.get("type") else {
        return Err(bad("a temporal entity needs a type"));
    };
    let types: Vec<String> = match entity_type {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if types.is_empty() || !types.iter().all(|t| is_name(t)) {
        return Err(bad("the type must be a name or a list of names"));
    }
    let entity_type = types
        .iter()
        .map(|t| ld.expand(t))
        .collect::<Vec<_>>()
        .join(", ");
    let instances = instances_of(&body, &ld).map_err(bad)?;
    let mut store = lock(&shared)?;
    let existed = store.history_type(&tenant, id).map_err(internal)?.is_some();
    store
        .transaction_quiet(|tx| {
            tx.ensure_tenant(&tenant)?;
            for (name, inst) in &instances {
                tx.add_history(&tenant, id, &entity_type, name, inst)?;
            }
            Ok(())
        })
        .map_err(internal)?;
    if existed {
        return Ok(no_content());
    }
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("{PREFIX}/temporal/entities/{id}"))],
    )
        .into_response())
}

/// `POST /temporal/entities/{id}/attrs`: adds instances of attributes.
pub(super) async fn add_attrs(
    State(shared): State<Shared>,
    UrlPath(id): UrlPath<String>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    entity_id(&id)?;
    let instances =
        instances_of(&body, &ld).map_err(|why| problem(ProblemKind::InvalidRequest, why))?;
    if instances.is_empty() {
        return Err(problem(
            ProblemKind::InvalidRequest,
            "the body has no attribute instances to add",
        ));
    }
    let entity_type = known_type(&shared, &tenant, &id)?.ok_or_else(|| no_temporal_entity(&id))?;
    let mut store = lock(&shared)?;
    store
        .transaction_quiet(|tx| {
            for (name, inst) in &instances {
                tx.add_history(&tenant, &id, &entity_type, name, inst)?;
            }
            Ok(())
        })
        .map_err(internal)?;
    Ok(no_content())
}

/// `DELETE /temporal/entities/{id}`: the entity's history and the entity itself.
pub(super) async fn delete_entity(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    UrlPath(id): UrlPath<String>,
) -> Answer {
    entity_id(&id)?;
    let mut store = existing_store(&shared, &tenant)?;
    let found = store
        .transaction(|tx| {
            let instances = tx.delete_history(&tenant, &id)?;
            let entity = tx.delete(&tenant, &id)?;
            Ok(instances > 0 || entity)
        })
        .map_err(internal)?;
    if found {
        Ok(no_content())
    } else {
        Err(no_temporal_entity(&id))
    }
}

/// `DELETE /temporal/entities/{id}/attrs/{attr}`: the attribute's instances of the default
/// dataset, of `datasetId`, or all of them with `deleteAll=true`.
pub(super) async fn delete_attr(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    UrlPath((id, attr)): UrlPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    entity_id(&id)?;
    attr_name(&attr)?;
    let params = params(raw);
    let dataset = param(&params, "datasetId").filter(|d| !d.is_empty());
    let all = param(&params, "deleteAll") == Some("true");
    let which = if all { None } else { Some(dataset) };
    let name = ld.expand(&attr);
    known_type(&shared, &tenant, &id)?.ok_or_else(|| no_temporal_entity(&id))?;
    let mut store = lock(&shared)?;
    let n = store
        .transaction_quiet(|tx| tx.delete_history_attr(&tenant, &id, &name, which))
        .map_err(internal)?;
    if n == 0 {
        return Err(problem(
            ProblemKind::ResourceNotFound,
            format!("entity {id} has no history of {attr} to delete"),
        ));
    }
    Ok(no_content())
}

/// `PATCH /temporal/entities/{id}/attrs/{attr}/{instanceId}`: changes the members given.
pub(super) async fn patch_instance(
    State(shared): State<Shared>,
    UrlPath((id, attr, instance)): UrlPath<(String, String, String)>,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Answer {
    entity_id(&id)?;
    attr_name(&attr)?;
    // The instance itself, or the attribute holding it (as one instance or a list of one).
    let given = if body.get("type").is_some() || body.get("value").is_some() {
        Some(&body)
    } else {
        body.get(&attr).map(|v| match v {
            Value::Array(items) => items.first().unwrap_or(v),
            one => one,
        })
    };
    let Some(Value::Object(members)) = given else {
        return Err(bad(format!(
            "the body must be the instance of {attr} (an object with its members)"
        )));
    };
    let mut members = members.clone();
    members.remove("@context");
    change(
        &shared,
        (&tenant, &id, &ld.expand(&attr)),
        &instance,
        InstanceChange::Patch(&members),
    )
}

/// `DELETE /temporal/entities/{id}/attrs/{attr}/{instanceId}`.
pub(super) async fn delete_instance(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    UrlPath((id, attr, instance)): UrlPath<(String, String, String)>,
) -> Answer {
    entity_id(&id)?;
    attr_name(&attr)?;
    change(
        &shared,
        (&tenant, &id, &ld.expand(&attr)),
        &instance,
        InstanceChange::Delete,
    )
}

fn change(
    shared: &Shared,
    (tenant, id, attr): (&str, &str, &str),
    instance: &str,
    what: InstanceChange<'_>,
) -> Answer {
    if !super::validate::is_uri(instance) {
        return Err(bad(format!("`{instance}` is not an instanceId (a URI)")));
    }
    let mut store = existing_store(shared, tenant)?;
    let done = store
        .transaction_quiet(|tx| tx.change_instance((tenant, id, attr), instance, what))
        .map_err(internal)?;
    if done {
        Ok(no_content())
    } else {
        Err(problem(
            ProblemKind::ResourceNotFound,
            format!("no instance {instance} of that attribute of {id}"),
        ))
    }
}
