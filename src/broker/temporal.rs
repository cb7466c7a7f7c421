//! The temporal API's reads: `GET /temporal/entities[/{id}]` and
//! `POST /temporal/entityOperations/query` (the writes are in [`super::temporal_write`]).

#![allow(
    clippy::result_large_err,
    reason = "error responses are returned early by value"
)]

use super::answer::json_answer;
use super::context::Ld;
use super::entities::page_limit;
use super::request::{Tenant, TenantJson, bad, existing_store, internal, params, problem};
use super::server::Shared;
use super::store::{HistoryQuery, Instance, TimeProperty, TimeWindow};
use crate::ngsi_ld::jsonld::Context;
use crate::ngsi_ld::problem::ProblemKind;
use crate::ngsi_ld::temporal::{self, TemporalQuery};
use crate::timestamp::{format_millis, parse_duration_millis, parse_millis};
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The aggregation methods this broker computes: all of the API's.
const METHODS: &[&str] = temporal::AGGREGATION_METHODS;

/// How instances are written out.
enum Shape {
    Normalized,
    TemporalValues,
    Aggregated {
        methods: Vec<String>,
        period_ms: i64,
    },
}

struct TemporalRequest {
    history: HistoryQuery,
    shape: Shape,
    /// Where aggregation periods start.
    origin: Option<i64>,
}

fn read_request(params: &[(String, String)]) -> Result<(TemporalQuery, TemporalRequest), String> {
    let tq = TemporalQuery::from_params(params).map_err(|e| e.0)?;
    let ms = |t: &str| parse_millis(t).ok_or_else(|| format!("`{t}` is not an ISO 8601 time"));
    let timerel = match &tq.timerel {
        None => None,
        Some(temporal::TimeRel::Before(t)) => Some(TimeWindow::Before(ms(t)?)),
        Some(temporal::TimeRel::After(t)) => Some(TimeWindow::After(ms(t)?)),
        Some(temporal::TimeRel::Between(a, b)) => Some(TimeWindow::Between(ms(a)?, ms(b)?)),
    };
    let time_property = match tq.time_property.as_deref() {
        Some("modifiedAt" | "createdAt") => TimeProperty::ModifiedAt,
        _ => TimeProperty::ObservedAt,
    };
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let aggregated = get("options").is_some_and(|o| o.split(',').any(|x| x == "aggregatedValues"))
        || get("format") == Some("aggregatedValues")
        || get("aggrMethods").is_some();
    let shape = if aggregated {
        let methods: Vec<String> = get("aggrMethods")
            .ok_or("aggregated values need aggrMethods (e.g. avg,max)")?
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect();
        if let Some(m) = methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
            return Err(format!(
                "aggrMethods: `{m}` is not one of {}",
                METHODS.join(", ")
            ));
        }
        let period_ms = match get("aggrPeriodDuration") {
            None => i64::MAX / 4,
            Some(d) => parse_duration_millis(d).ok_or_else(|| {
                format!("aggrPeriodDuration `{d}` is not an ISO 8601 duration such as PT1H")
            })?,
        };
        Shape::Aggregated { methods, period_ms }
    } else if tq.temporal_values {
        Shape::TemporalValues
    } else {
        Shape::Normalized
    };
    let origin = match timerel {
        Some(TimeWindow::After(t) | TimeWindow::Between(t, _)) => Some(t),
        _ => None,
    };
    Ok((
        tq.clone(),
        TemporalRequest {
            history: HistoryQuery {
                attrs: tq.entities.attrs.clone(),
                timerel,
                time_property,
                last_n: tq.last_n,
                datasets: get("datasetId")
                    .map(|d| d.split(',').map(|x| x.trim().to_owned()).collect())
                    .unwrap_or_default(),
            },
            shape,
            origin,
        },
    ))
}

/// The time written for an instance: its `observedAt`, else when it was stored.
fn time_of(at: i64, instance: &Value) -> String {
    instance
        .get("observedAt")
        .and_then(Value::as_str)
        .map_or_else(|| format_millis(at), str::to_owned)
}

/// A period's bound: RFC 3339 UTC, with milliseconds only when there are any.
fn format_time(ms: i64) -> String {
    let t = format_millis(ms);
    t.replace(".000Z", "Z")
}

fn aggregate(instances: &[Instance], methods: &[String], period: i64, origin: i64) -> Value {
    let mut buckets: BTreeMap<i64, Vec<&Value>> = BTreeMap::new();
    for (at, inst) in instances {
        let k = (at - origin).div_euclid(period);
        buckets.entry(k).or_default().push(
            inst.get("value")
                .or_else(|| inst.get("object"))
                .unwrap_or(&Value::Null),
        );
    }
    let mut out = Map::new();
    out.insert("type".to_owned(), json!("Property"));
    for m in methods {
        let rows: Vec<Value> = buckets
            .iter()
            .filter_map(|(k, values)| {
                let start = format_time(origin + k * period);
                let end = format_time(origin.saturating_add((k + 1).saturating_mul(period)));
                let nums: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
                let n = nums.len() as f64;
                let sum: f64 = nums.iter().sum();
                let v = match m.as_str() {
                    "totalCount" => json!(values.len()),
                    "distinctCount" => {
                        let mut seen: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                        seen.sort();
                        seen.dedup();
                        json!(seen.len())
                    }
                    _ if nums.is_empty() => return None,
                    "sum" => json!(sum),
                    "avg" => json!(sum / n),
                    "min" => json!(nums.iter().copied().fold(f64::INFINITY, f64::min)),
                    "max" => json!(nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                    "sumsq" => json!(nums.iter().map(|x| x * x).sum::<f64>()),
                    _ => {
                        let mean = sum / n;
                        json!((nums.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt())
                    }
                };
                Some(json!([v, start, end]))
            })
            .collect();
        out.insert(m.clone(), Value::Array(rows));
    }
    Value::Object(out)
}

/// One entity's temporal representation, in the reader's terms.
fn render(
    id: &str,
    entity_type: &str,
    history: BTreeMap<String, Vec<Instance>>,
    (r, ld): (&TemporalRequest, &Context),
) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), json!(id));
    let types: Vec<String> = entity_type.split(", ").map(|t| ld.compact(t)).collect();
    out.insert("type".to_owned(), json!(types.join(", ")));
    for (attr, instances) in history {
        let attr = ld.compact(&attr);
        let v = match &r.shape {
            Shape::Normalized => Value::Array(instances.into_iter().map(|(_, i)| i).collect()),
            Shape::TemporalValues => {
                let kind = instances
                    .first()
                    .and_then(|(_, i)| i.get("type"))
                    .cloned()
                    .unwrap_or(json!("Property"));
                let (member, content) = match kind.as_str() {
                    Some("Relationship") => ("objects", "object"),
                    Some("LanguageProperty") => ("languageMaps", "languageMap"),
                    _ => ("values", "value"),
                };
                let pairs: Vec<Value> = instances
                    .iter()
                    .map(|(at, i)| {
                        json!([
                            i.get(content).cloned().unwrap_or(Value::Null),
                            time_of(*at, i)
                        ])
                    })
                    .collect();
                json!({"type": kind, member: pairs})
            }
            Shape::Aggregated { methods, period_ms } => {
                let origin = r
                    .origin
                    .or_else(|| instances.first().map(|(at, _)| *at))
                    .unwrap_or(0);
                aggregate(&instances, methods, *period_ms, origin)
            }
        };
        out.insert(attr, v);
    }
    Value::Object(out)
}

pub(super) async fn get_one(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(r) = super::validate::entity_id(&id) {
        return r;
    }
    let params = params(raw);
    let (_, mut r) = match read_request(&params) {
        Ok(x) => x,
        Err(why) => return bad(why),
    };
    let projection = match super::answer::projection(&params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    r.history.attrs = r.history.attrs.iter().map(|a| ld.expand(a)).collect();
    let store = match existing_store(&shared, &tenant) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let entity_type = match store.get(&tenant, &id) {
        Ok(Some(e)) => Some(e.type_label()),
        Ok(None) => match store.history_type(&tenant, &id) {
            Ok(t) => t,
            Err(e) => return internal(e),
        },
        Err(e) => return internal(e),
    };
    let Some(entity_type) = entity_type else {
        return problem(
            ProblemKind::ResourceNotFound,
            format!("no entity {id} and no history of it"),
        );
    };
    match store.history(&tenant, &id, &r.history) {
        Ok(h) => {
            let mut body = render(&id, &entity_type, h, (&r, &ld));
            if let Some(p) = &projection {
                p.apply(&mut body);
                if body.as_object().is_some_and(Map::is_empty) {
                    return problem(
                        ProblemKind::ResourceNotFound,
                        format!("pick and omit leave nothing of entity {id}"),
                    );
                }
            }
            json_answer(&headers, body, &ld)
        }
        Err(e) => internal(e),
    }
}

pub(super) async fn query(
    State(shared): State<Shared>,
    Tenant(tenant): Tenant,
    Ld(ld): Ld,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    run_query(&shared, &headers, &tenant, &params(raw), &ld)
}

/// `POST /temporal/entityOperations/query`: a Query body with its `temporalQ`.
pub(super) async fn query_post(
    State(shared): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    TenantJson {
        tenant, body, ld, ..
    }: TenantJson,
) -> Response {
    let p = super::batch::query_params(&body, &params(raw));
    run_query(&shared, &headers, &tenant, &p, &ld)
}

/// A temporal query over the entities that exist now and those known from history only.
fn run_query(
    shared: &Shared,
    headers: &HeaderMap,
    tenant: &str,
    params: &[(String, String)],
    ld: &Context,
) -> Response {
    let (tq, mut r) = match read_request(params) {
        Ok(x) => x,
        Err(why) => return bad(why),
    };
    let projection = match super::answer::projection(params) {
        Ok(p) => p,
        Err(r) => return r,
    };
    r.history.attrs = r.history.attrs.iter().map(|a| ld.expand(a)).collect();
    let mut q = tq.entities.clone();
    super::entities::expand_query(&mut q, ld);
    let limit = match page_limit(shared, &q, "temporal query") {
        Ok(l) => l,
        Err(r) => return r,
    };
    // Entities are selected on their current (or latest) state; attrs choose the history.
    q.attrs.clear();
    let store = match existing_store(shared, tenant) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = match store.temporal_query(tenant, &q, (limit, &r.history), &|n| ld.expand(n)) {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    let mut out = Vec::with_capacity(page.entities.len());
    for e in &page.entities {
        match store.history(tenant, &e.id, &r.history) {
            // Asked for attributes (or datasets) it has none of in the window: left out.
            Ok(h)
                if h.is_empty()
                    && (!r.history.attrs.is_empty() || !r.history.datasets.is_empty()) => {}
            Ok(h) => {
                let mut body = render(&e.id, &e.type_label(), h, (&r, ld));
                if let Some(p) = &projection {
                    p.apply(&mut body);
                }
                out.push(body);
            }
            Err(err) => return internal(err),
        }
    }
    drop(store);
    let mut resp = json_answer(headers, Value::Array(out), ld);
    if q.count {
        resp.headers_mut()
            .insert("NGSILD-Results-Count", page.total.into());
    }
    resp
}
