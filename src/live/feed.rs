//! The feed's loop: query, subscribe, apply notifications, check the subscription, resync
//! after an outage, and delete the subscription when stopped.

use super::endpoint::{Gate, Inbound, notification_body, open_channel};
use super::history::answer;
use super::*;
use crate::city::sensor::Merge;
use crate::language::{Arg, Phrase};
use crate::ngsi_ld::subscription::{EntitySelector, Subscription};
use crate::ngsi_ld::{Representation, parse_notification};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

/// The feed's state while it runs.
pub(super) struct Feed<'a> {
    pub(super) tx: &'a Sender<LiveMessage>,
    pub(super) client: Client,
    pub(super) decoder: Decoder,
    pub(super) store: SensorStore,
    /// What is queried and subscribed to: the sensor types and [`Feed::also`].
    pub(super) query: EntityQuery,
    /// Types followed for other layers, passed on whole ([`LiveMessage::Entity`]).
    pub(super) also: Vec<String>,
    /// Ids of such entities seen in the last query, to tell which are gone.
    pub(super) also_seen: HashSet<String>,
    pub(super) gate: Arc<Gate>,
    pub(super) stats: FeedStats,
    pub(super) last_stats: Instant,
    /// Turns true once the simulator has written its past values (at once without one), so
    /// that questions about the past wait for them.
    pub(super) past_written: tokio::sync::watch::Receiver<bool>,
}

impl Feed<'_> {
    fn status(&self, mode: LiveMode, why: Phrase) {
        let _ = self.tx.send(LiveMessage::Status(mode, why));
    }

    /// The broker cannot be reached: say so, and that the last values stay.
    fn offline(&self, why: &dyn std::fmt::Display, every: Duration) {
        self.status(
            LiveMode::Offline,
            Phrase::new("live-offline")
                .with("why", why.to_string())
                .with("seconds", Arg::number(every.as_secs_f64(), 0)),
        );
    }

    fn send_stats(&mut self, force: bool) {
        if !force && self.last_stats.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last_stats = Instant::now();
        self.stats.merge = self.store.stats;
        self.stats.refused = self.gate.refused.load(Ordering::Relaxed);
        self.stats.malformed = self.gate.malformed.load(Ordering::Relaxed);
        self.stats.too_large = self.gate.too_large.load(Ordering::Relaxed);
        let _ = self.tx.send(LiveMessage::Stats(self.stats));
    }

    /// Reads every sensor of the followed types and sends what changed, and which
    /// disappeared.
    async fn query_all(&mut self) -> Result<(), String> {
        if self.query.types.is_empty() {
            return Ok(());
        }
        let page = self
            .client
            .query_all(&self.query, &mut |_, _| {})
            .await
            .map_err(|e| e.to_string())?;
        self.stats.queries += 1;
        let now = Instant::now();
        let mut present = HashSet::with_capacity(page.entities.len());
        let mut also_present = HashSet::new();
        for e in page.entities {
            present.insert(e.id.clone());
            if self.is_also(&e) {
                also_present.insert(e.id.clone());
            }
            self.merge(e, now);
        }
        for id in self.store.retain_only(&present, &self.query.types) {
            let _ = self.tx.send(LiveMessage::Removed(id, now));
        }
        for id in self.also_seen.difference(&also_present) {
            let _ = self.tx.send(LiveMessage::EntityGone(id.clone()));
        }
        self.also_seen = also_present;
        self.send_stats(true);
        Ok(())
    }

    /// Whether an entity is of a type followed for another layer.
    fn is_also(&self, e: &crate::ngsi_ld::Entity) -> bool {
        e.types.iter().any(|t| {
            self.also
                .iter()
                .any(|a| a == t || crate::ngsi_ld::short_name(t) == a)
        })
    }

    fn merge(&mut self, e: crate::ngsi_ld::Entity, arrived: Instant) {
        if self.is_also(&e) {
            self.also_seen.insert(e.id.clone());
            let _ = self.tx.send(LiveMessage::Entity(Box::new(e)));
            return;
        }
        match self.store.merge(e, &self.decoder) {
            Merge::Changed(s) => {
                let _ = self.tx.send(LiveMessage::Changed(s, arrived));
            }
            Merge::Skipped(item) => {
                tracing::debug!("sensor {} skipped: {}", item.id, item.reason);
            }
            _ => {}
        }
    }

    /// Applies one notification (already known to be ours).
    fn notification(&mut self, v: &Value, arrived: Instant) {
        let body = notification_body(v);
        let deleted: HashSet<&str> = body
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| e.get("deletedAt").is_some())
            .filter_map(|e| e.get("id").and_then(Value::as_str))
            .collect();
        let n = match parse_notification(body, Representation::Normalized) {
            Ok(n) => n,
            Err(why) => {
                tracing::debug!("notification not read: {why}");
                self.gate.malformed.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        self.stats.notifications += 1;
        for id in &deleted {
            if self.also_seen.remove(*id) {
                let _ = self.tx.send(LiveMessage::EntityGone((*id).to_owned()));
            } else if let Merge::Removed(id) = self.store.remove(id) {
                let _ = self.tx.send(LiveMessage::Removed(id, arrived));
            }
        }
        for e in n.data.entities {
            if !deleted.contains(e.id.as_str()) {
                self.merge(e, arrived);
            }
        }
        self.send_stats(false);
    }
}

/// The sensor types and the types followed for other layers, sorted, once each.
pub(super) fn with_also(types: &[String], also: &[String]) -> Vec<String> {
    let mut all: Vec<String> = types.iter().chain(also).cloned().collect();
    all.sort();
    all.dedup();
    all
}

/// The subscription the viewer asks for.
pub(super) fn subscription(types: &[String], endpoint: String, throttling: f64) -> Subscription {
    Subscription {
        id: Some(crate::ngsi_ld::new_id("Subscription")),
        entities: types
            .iter()
            .map(|t| EntitySelector {
                entity_type: Some(t.clone()),
                ..EntitySelector::default()
            })
            .collect(),
        triggers: [
            "entityCreated",
            "attributeCreated",
            "attributeUpdated",
            "entityDeleted",
        ]
        .map(str::to_owned)
        .to_vec(),
        format: Some("normalized".to_owned()),
        endpoint,
        accept: Some("application/json".to_owned()),
        throttling: (throttling > 0.0).then_some(throttling),
        is_active: true,
        ..Subscription::default()
    }
}

pub(super) async fn follow(
    mut feed: Feed<'_>,
    settings: &LiveSettings,
    mut types: Vec<String>,
    mut requests: UnboundedReceiver<FeedRequest>,
    stop: &AtomicBool,
) {
    let every = settings.poll_interval;
    let (in_tx, mut inbound): (UnboundedSender<Inbound>, UnboundedReceiver<Inbound>) =
        unbounded_channel();
    let mut channel = open_channel(settings, &feed.gate, &in_tx).await;
    let mut subscription_id: Option<String> = None;
    let mut resync = true;
    let mut had_outage = false;
    // Set while notifications cannot arrive (MQTT down, delivery failing): poll meanwhile.
    let mut interrupted: Option<Phrase> = None;
    let mut next_check = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while !stop.load(Ordering::Relaxed) {
        let all = with_also(&types, &feed.also);
        if resync && all.is_empty() {
            resync = false;
            let mode = match (&channel, &interrupted) {
                (Ok((mode, _)), None) => *mode,
                _ => LiveMode::Polling,
            };
            feed.status(mode, Phrase::new("live-no-layer-shown"));
        }
        if resync {
            if let Err(e) = feed.query_all().await {
                had_outage = true;
                feed.offline(&e, every);
                sleep_unless_stopped(every, stop).await;
                continue;
            }
            resync = false;
            if let (Ok((_, uri)), None) = (&channel, &subscription_id) {
                let s = subscription(&all, uri.clone(), settings.notify.throttling);
                match feed.client.subscribe(&s).await {
                    Ok(id) => {
                        if let Ok(mut ours) = feed.gate.ours.lock() {
                            ours.insert(id.clone());
                        }
                        subscription_id = Some(id);
                        // Changes made between the query and the subscription.
                        if let Err(e) = feed.query_all().await {
                            tracing::debug!("query after subscribing: {e}");
                        }
                    }
                    Err(e) => {
                        channel = Err(format!("the broker refused the subscription: {e}"));
                    }
                }
            }
            let back = if had_outage { "yes" } else { "no" };
            let seconds = Arg::number(every.as_secs_f64(), 0);
            had_outage = false;
            match (&channel, &interrupted) {
                (Ok((mode, _)), None) => feed.status(
                    *mode,
                    Phrase::new("live-subscribed")
                        .with("types", types.len())
                        .with("back", back),
                ),
                (Ok(_), Some(why)) => feed.status(
                    LiveMode::Polling,
                    Phrase::new("live-polling-meanwhile")
                        .with("why", why.clone())
                        .with("seconds", seconds),
                ),
                (Err(why), _) => feed.status(
                    LiveMode::Polling,
                    Phrase::new("live-polling")
                        .with("why", why.clone())
                        .with("seconds", seconds)
                        .with("back", back),
                ),
            }
            next_check = tokio::time::Instant::now() + every;
        }
        tokio::select! {
            msg = inbound.recv() => match msg {
                Some(Inbound::Notification(v, arrived)) => {
                    feed.notification(&v, arrived);
                    // Take what else is waiting, so a burst is applied together.
                    while let Ok(Inbound::Notification(v, arrived)) = inbound.try_recv() {
                        feed.notification(&v, arrived);
                    }
                }
                Some(Inbound::Disconnected(why)) => {
                    let lost = Phrase::new("live-lost-mqtt").with("why", why.to_string());
                    interrupted = Some(lost.clone());
                    feed.status(
                        LiveMode::Polling,
                        Phrase::new("live-polling-meanwhile")
                            .with("why", lost)
                            .with("seconds", Arg::number(every.as_secs_f64(), 0)),
                    );
                }
                Some(Inbound::Connected) => {
                    interrupted = None;
                    had_outage = true;
                    resync = true;
                }
                None => {}
            },
            _ = tokio::time::sleep_until(next_check) => {
                next_check = tokio::time::Instant::now() + every;
                match (&channel, &subscription_id) {
                    (Ok(_), Some(id)) => {
                        match feed.client.subscription(id).await {
                            Ok(Some(sub)) => {
                                let failing = sub.pointer("/notification/status").and_then(Value::as_str) == Some("failed");
                                if failing {
                                    let reason = sub.pointer("/notification/lastFailureReason").and_then(Value::as_str).unwrap_or("no reason given").to_owned();
                                    interrupted = Some(Phrase::new("live-undeliverable").with("reason", reason));
                                    resync = true;
                                } else if interrupted.as_ref().is_some_and(|w| w.key() == "live-undeliverable") {
                                    interrupted = None;
                                    resync = true;
                                } else if interrupted.is_some() {
                                    // MQTT down: poll.
                                    if let Err(e) = feed.query_all().await {
                                        tracing::debug!("poll: {e}");
                                    }
                                }
                            }
                            Ok(None) => {
                                // The broker forgot the subscription (a restart without its data).
                                if let Ok(mut ours) = feed.gate.ours.lock() {
                                    ours.remove(id);
                                }
                                subscription_id = None;
                                had_outage = true;
                                resync = true;
                            }
                            Err(e) => {
                                had_outage = true;
                                resync = true;
                                feed.offline(&e, every);
                            }
                        }
                    }
                    _ => {
                        // Polling.
                        if let Err(e) = feed.query_all().await {
                            had_outage = true;
                            resync = true;
                            feed.offline(&e, every);
                        }
                    }
                }
                feed.send_stats(true);
            },
            Some(r) = requests.recv() => match r {
                FeedRequest::Ask(q) => answer(settings, feed.tx, feed.past_written.clone(), q),
                FeedRequest::Follow(mut wanted) => {
                    wanted.sort();
                    wanted.dedup();
                    if wanted != types {
                        types = wanted;
                        feed.query.types = with_also(&types, &feed.also);
                        if let Some(id) = subscription_id.take() {
                            if let Err(e) = feed.client.unsubscribe(&id).await {
                                tracing::info!("could not delete the subscription {id}: {e}");
                            }
                            if let Ok(mut ours) = feed.gate.ours.lock() {
                                ours.remove(&id);
                            }
                        }
                        resync = true;
                    }
                }
            },
            _ = tick.tick() => {}
        }
    }
    if let Some(id) = subscription_id {
        match tokio::time::timeout(Duration::from_secs(2), feed.client.unsubscribe(&id)).await {
            Ok(Ok(())) => tracing::info!("deleted the subscription {id}"),
            Ok(Err(e)) => tracing::warn!("could not delete the subscription {id}: {e}"),
            Err(_) => tracing::warn!("could not delete the subscription {id}: no answer in 2 s"),
        }
    }
}

/// Sleeps in small steps so that stopping is quick.
pub(super) async fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let mut slept = Duration::ZERO;
    while slept < d && !stop.load(Ordering::Relaxed) {
        let step = Duration::from_millis(100);
        tokio::time::sleep(step).await;
        slept += step;
    }
}
