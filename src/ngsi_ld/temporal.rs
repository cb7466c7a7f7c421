//! Temporal representations (`/temporal/entities`): an entity's attribute history as time
//! series, read from the normalized form (instances with `observedAt`), the
//! `temporalValues` form (`values: [[value, time], …]`) and the aggregated form
//! (`avg: [[value, start, end], …]`).
//!
//! ```
//! use citytwin::ngsi_ld::temporal::TemporalEntity;
//! let e = TemporalEntity::parse(&serde_json::json!({"id": "urn:a", "type": "Sensor",
//!     "no2": {"type": "Property", "values": [[41, "2026-11-23T10:00:00Z"], [45, "2026-11-23T11:00:00Z"]]}})).unwrap();
//! assert_eq!(e.series["no2"].len(), 2);
//! ```

use super::short_name;
use serde_json::Value;
use std::collections::BTreeMap;

/// One value at a time (or over a period, for aggregates).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The value.
    pub value: Value,
    /// When it was observed (or the start of the period).
    pub at: String,
    /// The end of the period, for aggregated values.
    pub until: Option<String>,
    /// The unit code, when given.
    pub unit_code: Option<String>,
}

/// An entity's history.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemporalEntity {
    /// Entity id.
    pub id: String,
    /// Entity type.
    pub entity_type: String,
    /// Per attribute: its samples in the order sent.
    pub series: BTreeMap<String, Vec<Sample>>,
    /// Per attribute and aggregation method (`avg`, `max`, …): the aggregated samples.
    pub aggregates: BTreeMap<String, BTreeMap<String, Vec<Sample>>>,
}

/// The aggregation methods of the temporal API (`aggrMethods`).
pub const AGGREGATION_METHODS: &[&str] = &[
    "totalCount",
    "distinctCount",
    "sum",
    "avg",
    "min",
    "max",
    "stddev",
    "sumsq",
];

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl TemporalEntity {
    /// Reads one temporal entity in any of the three forms.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let o = v
            .as_object()
            .ok_or("a temporal entity must be a JSON object")?;
        let id = o
            .get("id")
            .and_then(Value::as_str)
            .ok_or("a temporal entity needs an id")?;
        let entity_type = o
            .get("type")
            .and_then(Value::as_str)
            .ok_or("a temporal entity needs a type")?;
        let mut out = Self {
            id: id.to_owned(),
            entity_type: short_name(entity_type).to_owned(),
            ..Self::default()
        };
        for (key, attr) in o {
            if matches!(key.as_str(), "id" | "type" | "@context") {
                continue;
            }
            let name = short_name(key).to_owned();
            let instances: Vec<&Value> = match attr {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for inst in instances {
                let unit_code = inst.get("unitCode").and_then(text);
                // temporalValues: values / objects / languageMaps as [[value, time], …].
                let pairs = ["values", "objects", "languageMaps"]
                    .iter()
                    .find_map(|k| inst.get(*k).and_then(Value::as_array));
                if let Some(pairs) = pairs {
                    for p in pairs {
                        let (Some(value), Some(at)) = (p.get(0), p.get(1).and_then(text)) else {
                            return Err(format!(
                                "attribute `{name}`: a temporal value is [value, time], not {p}"
                            ));
                        };
                        out.series.entry(name.clone()).or_default().push(Sample {
                            value: value.clone(),
                            at,
                            until: None,
                            unit_code: unit_code.clone(),
                        });
                    }
                    continue;
                }
                // Aggregated: {"avg": [[value, start, end], …], …}.
                let mut aggregated = false;
                for method in AGGREGATION_METHODS {
                    let Some(rows) = inst.get(*method).and_then(Value::as_array) else {
                        continue;
                    };
                    aggregated = true;
                    for r in rows {
                        let (Some(value), Some(at)) = (r.get(0), r.get(1).and_then(text)) else {
                            return Err(format!(
                                "attribute `{name}`: an aggregate is [value, start, end], not {r}"
                            ));
                        };
                        out.aggregates
                            .entry(name.clone())
                            .or_default()
                            .entry((*method).to_owned())
                            .or_default()
                            .push(Sample {
                                value: value.clone(),
                                at,
                                until: r.get(2).and_then(text),
                                unit_code: unit_code.clone(),
                            });
                    }
                }
                if aggregated {
                    continue;
                }
                // Normalized: one instance with value/object and observedAt.
                let value = inst
                    .get("value")
                    .or_else(|| inst.get("object"))
                    .or_else(|| inst.get("languageMap"));
                // Attributes without a time (static properties) carry no history.
                if let (Some(value), Some(at)) = (value, inst.get("observedAt").and_then(text)) {
                    out.series.entry(name.clone()).or_default().push(Sample {
                        value: value.clone(),
                        at,
                        until: None,
                        unit_code,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Reads one temporal entity or an array of them.
    pub fn parse_many(v: &Value) -> Result<Vec<Self>, String> {
        match v {
            Value::Array(items) => items.iter().map(Self::parse).collect(),
            other => Self::parse(other).map(|e| vec![e]),
        }
    }
}

/// Paging headers of temporal queries (the spec's `Content-Range`, Mintaka's `Page-Size` and
/// `Next-Page`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemporalPaging {
    /// `Content-Range: date-time START-END/SIZE`: the range returned.
    pub range: Option<(String, String)>,
    /// The size after the slash, when given.
    pub range_size: Option<usize>,
    /// `Page-Size`.
    pub page_size: Option<usize>,
    /// `Next-Page` anchor.
    pub next_page: Option<String>,
    /// `NGSILD-Results-Count`.
    pub count: Option<usize>,
}

impl TemporalPaging {
    /// Reads the headers given as (name, value) pairs (names in any case).
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut p = Self::default();
        for (k, v) in headers {
            let v = v.trim();
            match k.to_ascii_lowercase().as_str() {
                "content-range" => {
                    let rest = v.strip_prefix("date-time").unwrap_or(v).trim();
                    let (range, size) = rest.split_once('/').unwrap_or((rest, ""));
                    p.range_size = size.trim().parse().ok();
                    // START and END are ISO 8601 times that contain '-': split at the '-'
                    // that starts the second time (the one followed by a 4-digit year).
                    let bytes = range.as_bytes();
                    let split = (1..range.len()).find(|&i| {
                        bytes[i] == b'-'
                            && range[i + 1..].len() >= 5
                            && range[i + 1..i + 5].chars().all(|c| c.is_ascii_digit())
                            && range.as_bytes()[i + 5] == b'-'
                    });
                    if let Some(i) = split {
                        p.range = Some((range[..i].to_owned(), range[i + 1..].to_owned()));
                    }
                }
                "page-size" => p.page_size = v.parse().ok(),
                "next-page" => p.next_page = Some(v.to_owned()),
                "ngsild-results-count" => p.count = v.parse().ok(),
                _ => {}
            }
        }
        p
    }
}

/// How a temporal query relates instances to its time(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeRel {
    /// Before `timeAt`.
    Before(String),
    /// At or after `timeAt`.
    After(String),
    /// From `timeAt` up to `endTimeAt`.
    Between(String, String),
}

/// A query of the temporal API (`GET /temporal/entities`): which entities, which times.
///
/// ```
/// use citytwin::ngsi_ld::temporal::{TemporalQuery, TimeRel};
/// let q = TemporalQuery { timerel: Some(TimeRel::After("2026-11-23T00:00:00Z".into())),
///     last_n: Some(100), temporal_values: true, ..Default::default() };
/// assert_eq!(TemporalQuery::from_params(&q.to_params()).unwrap(), q);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemporalQuery {
    /// The entities (type, id, q, geo…); its `attrs` choose the attributes.
    pub entities: crate::ngsi_ld::request::EntityQuery,
    /// The time filter.
    pub timerel: Option<TimeRel>,
    /// `observedAt` (default), `modifiedAt` or `createdAt`.
    pub time_property: Option<String>,
    /// Only the last N instances of each attribute.
    pub last_n: Option<usize>,
    /// Ask for the `temporalValues` representation.
    pub temporal_values: bool,
    /// Ask for aggregated values: the methods (`avg`, `max`, …) and the period (`PT5M`).
    pub aggregate: Option<(Vec<String>, String)>,
}

impl TemporalQuery {
    /// The request parameters.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut p = self.entities.to_params();
        let mut push = |k: &str, v: &str| p.push((k.to_owned(), v.to_owned()));
        match &self.timerel {
            Some(TimeRel::Before(t)) => {
                push("timerel", "before");
                push("timeAt", t);
            }
            Some(TimeRel::After(t)) => {
                push("timerel", "after");
                push("timeAt", t);
            }
            Some(TimeRel::Between(a, b)) => {
                push("timerel", "between");
                push("timeAt", a);
                push("endTimeAt", b);
            }
            None => {}
        }
        if let Some(tp) = &self.time_property {
            push("timeproperty", tp);
        }
        if let Some(n) = self.last_n {
            push("lastN", &n.to_string());
        }
        if self.temporal_values {
            push("options", "temporalValues");
        }
        if let Some((methods, period)) = &self.aggregate {
            push("options", "aggregatedValues");
            push("aggrMethods", &methods.join(","));
            push("aggrPeriodDuration", period);
        }
        p
    }

    /// Reads request parameters (`timeAt`/`endTimeAt`, or the older `time`/`endTime`).
    pub fn from_params(
        params: &[(String, String)],
    ) -> Result<Self, crate::ngsi_ld::request::ParamError> {
        use crate::ngsi_ld::request::ParamError;
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let mut temporal_values = false;
        // temporalValues is not an entity format: take it out before reading the rest.
        let rest: Vec<(String, String)> = params
            .iter()
            .filter_map(|(k, v)| match k.as_str() {
                "options" => {
                    let kept: Vec<&str> = v
                        .split(',')
                        .map(str::trim)
                        .filter(|o| {
                            let tv = *o == "temporalValues";
                            temporal_values |= tv;
                            !tv
                        })
                        .collect();
                    (!kept.is_empty()).then(|| (k.clone(), kept.join(",")))
                }
                "format" if v == "temporalValues" => {
                    temporal_values = true;
                    None
                }
                // Read by the broker's aggregation.
                "format" if v == "aggregatedValues" => None,
                _ => Some((k.clone(), v.clone())),
            })
            .collect();
        let entities = crate::ngsi_ld::request::EntityQuery::from_params(&rest)?;
        let time = get("timeAt").or_else(|| get("time"));
        let end = get("endTimeAt").or_else(|| get("endTime"));
        let check = |t: &Option<String>, name: &str| -> Result<String, ParamError> {
            let t = t
                .clone()
                .ok_or_else(|| ParamError(format!("timerel needs {name}")))?;
            crate::timestamp::parse_millis(&t)
                .ok_or_else(|| ParamError(format!("{name} `{t}` is not an ISO 8601 time")))?;
            Ok(t)
        };
        let timerel = match get("timerel").as_deref() {
            None => None,
            Some("before") => Some(TimeRel::Before(check(&time, "timeAt")?)),
            Some("after") => Some(TimeRel::After(check(&time, "timeAt")?)),
            Some("between") => Some(TimeRel::Between(
                check(&time, "timeAt")?,
                check(&end, "endTimeAt")?,
            )),
            Some(other) => {
                return Err(ParamError(format!(
                    "timerel must be before, after or between, not `{other}`"
                )));
            }
        };
        let last_n = match get("lastN") {
            None => None,
            Some(n) => Some(n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ParamError(format!("lastN must be a whole number above 0, not `{n}`"))
            })?),
        };
        let aggregate = get("aggrMethods").map(|m| {
            (
                m.split(',').map(|x| x.trim().to_owned()).collect(),
                get("aggrPeriodDuration").unwrap_or_default(),
            )
        });
        let time_property = get("timeproperty");
        if let Some(tp) = &time_property
            && !matches!(tp.as_str(), "observedAt" | "modifiedAt" | "createdAt")
        {
            return Err(ParamError(format!(
                "timeproperty must be observedAt, modifiedAt or createdAt, not `{tp}`"
            )));
        }
        Ok(Self {
            entities,
            timerel,
            time_property,
            last_n,
            temporal_values,
            aggregate,
        })
    }
}
