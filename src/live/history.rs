//! Questions about the past, answered from the broker's temporal API: one sensor's history
//! for the inspector's chart, every sensor's values over a span for the time panel.

use super::*;
use crate::city::sensor::Colors;
use std::collections::HashSet;

/// Answers a request of the scene in a task of its own.
pub(super) fn answer(
    settings: &LiveSettings,
    tx: &Sender<LiveMessage>,
    mut past_written: tokio::sync::watch::Receiver<bool>,
    question: Question,
) {
    let config = settings.client.clone();
    let layers = settings.layers.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        // The simulator's past values first (a minute at most: they are only the demo's).
        let _ = tokio::time::timeout(
            Duration::from_secs(60),
            past_written.wait_for(|written| *written),
        )
        .await;
        let client = Client::new(config).map_err(|e| e.to_string());
        let message = match question {
            Question::History {
                id,
                attribute,
                hours,
            } => {
                let points = match client {
                    Err(e) => Err(e),
                    Ok(c) => read_history(&c, &id, &attribute, hours).await,
                };
                LiveMessage::History {
                    id,
                    attribute,
                    points,
                }
            }
            Question::Replay { from_ms, to_ms } => {
                let mut notes = Vec::new();
                let series = match client {
                    Err(e) => Err(e),
                    Ok(c) => read_replay(&c, &layers, from_ms, to_ms, &mut notes).await,
                };
                LiveMessage::Replay {
                    from_ms,
                    to_ms,
                    series,
                    notes,
                }
            }
        };
        let _ = tx.send(message);
    });
}

/// A sensor attribute's values over the last `hours` (at most 5,000), oldest first.
pub(super) async fn read_history(
    client: &Client,
    id: &str,
    attribute: &str,
    hours: f64,
) -> Result<Vec<(i64, f64)>, String> {
    use crate::ngsi_ld::temporal::{TemporalQuery, TimeRel};
    let since = crate::timestamp::now_millis() - (hours * 3_600_000.0) as i64;
    let q = TemporalQuery {
        entities: EntityQuery {
            ids: vec![id.to_owned()],
            attrs: vec![attribute.to_owned()],
            ..EntityQuery::default()
        },
        timerel: Some(TimeRel::After(crate::timestamp::format_millis(since))),
        last_n: Some(5000),
        temporal_values: true,
        ..TemporalQuery::default()
    };
    let found = client
        .temporal(&q)
        .await
        .map_err(|e| format!("no history from the broker: {e}"))?;
    Ok(found
        .iter()
        .filter_map(|t| t.series.get(attribute))
        .flatten()
        .filter_map(|s| Some((crate::timestamp::parse_millis(&s.at)?, s.value.as_f64()?)))
        .collect())
}

/// Every sensor's values between two times, layer by layer: numbers as averages over
/// [`replay::PERIOD`] (each instance when the broker cannot aggregate; `notes` says so), text
/// values as each instance.
pub(super) async fn read_replay(
    client: &Client,
    layers: &[SensorLayer],
    from_ms: i64,
    to_ms: i64,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, Vec<Point>)>, String> {
    use crate::ngsi_ld::temporal::{TemporalQuery, TimeRel};
    use crate::timestamp::{format_millis, parse_millis};
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for layer in layers {
        if !seen.insert((layer.entity_type.as_str(), layer.attribute.as_str())) {
            continue;
        }
        let raw = TemporalQuery {
            entities: EntityQuery {
                types: vec![layer.entity_type.clone()],
                attrs: vec![layer.attribute.clone()],
                ..EntityQuery::default()
            },
            timerel: Some(TimeRel::Between(
                format_millis(from_ms),
                format_millis(to_ms),
            )),
            temporal_values: true,
            ..TemporalQuery::default()
        };
        let averaged = TemporalQuery {
            temporal_values: false,
            aggregate: Some((vec!["avg".to_owned()], replay::PERIOD.to_owned())),
            ..raw.clone()
        };
        let numeric = matches!(layer.colors, Colors::Stops { .. });
        let mut found = None;
        if numeric {
            match client.temporal(&averaged).await {
                Ok(f) => found = Some((f, true)),
                Err(e) => notes.push(format!(
                    "{}: each value, as the broker did not average them ({e})",
                    layer.name.get(crate::language::Language::English)
                )),
            }
        }
        let (found, is_averaged) = match found {
            Some(f) => f,
            None => (
                client.temporal(&raw).await.map_err(|e| {
                    format!(
                        "no history from the broker for {}: {e}",
                        layer.name.get(crate::language::Language::English)
                    )
                })?,
                false,
            ),
        };
        for t in found {
            let samples = if is_averaged {
                t.aggregates
                    .get(&layer.attribute)
                    .and_then(|m| m.get("avg"))
            } else {
                t.series.get(&layer.attribute)
            };
            let points: Vec<Point> = samples
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let from = parse_millis(&s.at)?;
                    let until = s.until.as_deref().and_then(parse_millis).unwrap_or(from);
                    let reading = crate::city::sensor::reading_of_value(&s.value, layer.factor);
                    // Some brokers give empty periods as null.
                    if is_averaged && reading == crate::city::sensor::Reading::Missing {
                        return None;
                    }
                    Some(Point {
                        from,
                        until,
                        reading,
                    })
                })
                .collect();
            if !points.is_empty() {
                out.push((t.id, points));
            }
        }
    }
    Ok(out)
}
