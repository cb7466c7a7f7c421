//! How entities are answered: in the representation and media type asked for, in the
//! reader's terms (compacted with its @context), with `pick`/`omit`, `lang`, `datasetId` and
//! linked entities (`join`).

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::join::{self, Join, Linked, join_of};
use super::request::{accepts, bad, has_option, internal, param};
use super::server::CORE_CONTEXT;
use super::store::Store;
use crate::ngsi_ld::Entity;
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::projection::Projection;
use crate::ngsi_ld::render::{Format, render, to_feature_collection};
use crate::ngsi_ld::request::EntityQuery;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;

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
    /// With `options=sysAttrs`: when each entity was created and last modified.
    times: Option<HashMap<String, (String, String)>>,
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
        let times = if has_option(params, "sysAttrs") {
            let ids: Vec<String> = entities.iter().map(|e| e.id.clone()).collect();
            Some(store.system_times(tenant, &ids).map_err(internal)?)
        } else {
            None
        };
        Ok(Self {
            entities,
            linked,
            times,
        })
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
    let projection = projection(params).ok().flatten();
    let mut rendered: Vec<Value> = entities
        .iter()
        .map(|e| {
            let mut v = match &answered.linked {
                Some((j, l)) if j.inline => join::inline(e, l, format, j.level),
                _ => render(e, format),
            };
            if let Some((created, modified)) = answered.times.as_ref().and_then(|t| t.get(&e.id)) {
                v["createdAt"] = Value::String(created.clone());
                v["modifiedAt"] = Value::String(modified.clone());
            }
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
    let body = if single {
        rendered.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(rendered)
    };
    json_answer(headers, body, ld)
}

/// A JSON body answered as the client accepts it: `application/ld+json` with the reader's
/// @context in each object, or `application/json` with it in a `Link` header.
pub(super) fn json_answer(headers: &HeaderMap, mut body: Value, ld: &Context) -> Response {
    let as_ld = accepts(headers, "application/ld+json");
    if as_ld {
        let context = ld.response_context();
        match &mut body {
            Value::Array(items) => items
                .iter_mut()
                .for_each(|i| i["@context"] = context.clone()),
            one => one["@context"] = context,
        }
    }
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
