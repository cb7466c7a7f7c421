//! What the live feed brings besides sensors' values, kept for an offline start: the entities
//! it follows for other layers (citizens' comments, scenarios published to the broker) and
//! the sensors' last hours. Beside the city cache, in the same folder, under the same key
//! (`city::cache::Extras`), when the city cache is on (`data.cache`).
//!
//! At start they are given to the scene at once (as if the broker had sent them); when the
//! broker answers, what it no longer has goes, and what it has replaces them. A replay the
//! broker cannot give comes from the kept hours, saying how old they are.

use crate::city::cache::{self, Extras, History};
use crate::city::sensor::replay::{Point, Replay};
use crate::language::text::date_time;
use crate::ngsi_ld::Entity;
use crate::scene::{BrokerEntity, CityState, Settings, UiLanguage};
use bevy::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// At most one write a while: comments and scenarios change rarely, but a burst of them
/// (the first query) should not write the file for each.
const WRITE_EVERY: Duration = Duration::from_secs(5);

/// The kept entities and hours, and where they go.
#[derive(Resource, Default)]
pub(super) struct OfflineStore {
    /// The file and its key; `None` while the cache is off or the city is not a broker's.
    file: Option<(PathBuf, String)>,
    /// The followed entities as last known (notifications merged in).
    entities: BTreeMap<String, Entity>,
    /// Ids given from the file and not yet confirmed by the broker.
    from_cache: HashSet<String>,
    /// Ids the broker sent since the start.
    seen: HashSet<String>,
    /// The sensors' last hours, as last read.
    history: Option<History>,
    /// When the file read was written (for saying how old kept hours are).
    written_ms: i64,
    dirty: bool,
    last_write: Option<Instant>,
    /// The load the file was read for.
    load: Option<u64>,
}

impl OfflineStore {
    /// An entity from the broker (whole, or the attributes a notification changed).
    pub(super) fn received(&mut self, e: &Entity) {
        if self.file.is_none() {
            return;
        }
        self.seen.insert(e.id.clone());
        let kept = self.entities.entry(e.id.clone()).or_insert_with(|| Entity {
            attributes: BTreeMap::new(),
            ..e.clone()
        });
        kept.attributes
            .extend(e.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.dirty = true;
    }

    /// An entity the broker no longer has.
    pub(super) fn gone(&mut self, id: &str) {
        if self.entities.remove(id).is_some() {
            self.dirty = true;
        }
    }

    /// The broker answered a full query: the kept entities it did not send are gone.
    pub(super) fn synced(&mut self) -> Vec<String> {
        let stale: Vec<String> = self
            .from_cache
            .drain()
            .filter(|id| !self.seen.contains(id))
            .collect();
        for id in &stale {
            self.entities.remove(id);
            self.dirty = true;
        }
        stale
    }

    /// The sensors' past values as the broker gave them.
    pub(super) fn keep_history(
        &mut self,
        from_ms: i64,
        to_ms: i64,
        series: &[(String, Vec<Point>)],
    ) {
        if self.file.is_none() {
            return;
        }
        self.history = Some(History {
            from_ms,
            to_ms,
            series: series.to_vec(),
        });
        self.dirty = true;
    }

    /// The kept hours as a replay, and when they were kept (ms since 1970).
    pub(super) fn kept_history(&self) -> Option<(Replay, i64)> {
        let h = self.history.as_ref()?;
        let mut data = Replay::new(h.from_ms, h.to_ms);
        for (id, points) in &h.series {
            data.insert(id.clone(), points.clone());
        }
        Some((data, self.written_ms))
    }
}

/// On a new city from a broker, with the cache on: the kept entities given to the scene at
/// once, the kept hours held for a replay the broker cannot give.
pub(super) fn restore(
    city: Res<CityState>,
    settings: Res<Settings>,
    mut store: ResMut<OfflineStore>,
    mut entities: MessageWriter<BrokerEntity>,
) {
    if !city.is_ready() || store.load == Some(city.load_id) {
        return;
    }
    store.load = Some(city.load_id);
    // A broker's city (the demo's too), known from the configuration: while the broker is
    // away there is no source in the scene yet.
    let broker = !matches!(settings.data.source, crate::config::SourceSetting::File(_));
    if !broker || !settings.data.cache_on(settings.kiosk.enabled) {
        store.file = None;
        return;
    }
    let key = cache::key(&settings);
    let path = cache::extras_path(&cache::dir(&settings), &key);
    *store = OfflineStore {
        load: store.load,
        ..OfflineStore::default()
    };
    match cache::read_extras(&path, &key) {
        Ok(extras) => {
            for text in &extras.entities {
                let parsed = serde_json::from_str(text)
                    .map_err(|e| e.to_string())
                    .and_then(|v| {
                        crate::ngsi_ld::parse_entity(&v, crate::ngsi_ld::Representation::Normalized)
                    });
                match parsed {
                    Ok((e, _)) => {
                        store.from_cache.insert(e.id.clone());
                        store.entities.insert(e.id.clone(), e.clone());
                        entities.write(BrokerEntity(Box::new(e)));
                    }
                    Err(why) => warn!("a kept entity is not read again: {why}"),
                }
            }
            store.history = extras.history;
            store.written_ms = extras.written_ms;
            info!(
                "kept for offline: {} entities, {} sensors' hours",
                store.entities.len(),
                store.history.as_ref().map_or(0, |h| h.series.len())
            );
        }
        Err(cache::CacheError::Missing(_)) => {}
        Err(why) => warn!("the kept comments and hours are not used: {why}"),
    }
    store.file = Some((path, key));
}

/// Writes what changed, off the main thread, at most every [`WRITE_EVERY`].
pub(super) fn save(mut store: ResMut<OfflineStore>) {
    let Some((path, key)) = store.file.clone() else {
        return;
    };
    if !store.dirty || store.last_write.is_some_and(|t| t.elapsed() < WRITE_EVERY) {
        return;
    }
    store.dirty = false;
    store.last_write = Some(Instant::now());
    let extras = Extras {
        key,
        written_ms: crate::timestamp::now_millis(),
        entities: store
            .entities
            .values()
            .map(|e| {
                crate::ngsi_ld::render::render(e, crate::ngsi_ld::render::Format::Normalized)
                    .to_string()
            })
            .collect(),
        history: store.history.clone(),
    };
    let written = std::thread::Builder::new()
        .name("citytwin-keep-extras".into())
        .spawn(move || match cache::encode_extras(&extras) {
            Ok(bytes) => {
                if let Err(e) = cache::write(&path, &bytes) {
                    warn!("cannot keep comments and hours in {}: {e}", path.display());
                }
            }
            Err(e) => warn!("cannot encode the kept comments and hours: {e}"),
        });
    if let Err(e) = written {
        warn!("cannot start writing the kept comments and hours: {e}");
    }
}

/// The note a replay from kept hours carries, in the interface's language.
pub(super) fn kept_note(written_ms: i64, language: Option<&UiLanguage>) -> String {
    let l = language.map(|l| l.current).unwrap_or_default();
    let when = chrono::DateTime::from_timestamp_millis(written_ms)
        .map(|t| date_time(t.with_timezone(&chrono::Local).naive_local(), l))
        .unwrap_or_default();
    l.t_with("history-kept", &[("when", when.into())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::sensor::Reading;

    fn store() -> OfflineStore {
        OfflineStore {
            file: Some(("unused".into(), "key".into())),
            ..OfflineStore::default()
        }
    }

    #[test]
    fn kept_entities_the_broker_no_longer_has_go_once_it_answers() {
        let mut s = store();
        for id in ["a", "b"] {
            s.from_cache.insert(id.into());
            s.entities
                .insert(id.into(), Entity::new(id, "IssueReporting"));
        }
        // The broker sends `a` again (and a new `c`), not `b`.
        s.received(&Entity::new("a", "IssueReporting"));
        s.received(&Entity::new("c", "IssueReporting"));
        assert_eq!(s.synced(), vec!["b".to_owned()]);
        assert_eq!(s.entities.keys().collect::<Vec<_>>(), ["a", "c"]);
        assert!(s.synced().is_empty(), "once");
        s.gone("a");
        assert_eq!(s.entities.keys().collect::<Vec<_>>(), ["c"]);
        assert!(s.dirty);
    }

    #[test]
    fn kept_hours_come_back_as_a_replay() {
        let mut s = store();
        assert!(s.kept_history().is_none());
        let point = Point {
            from: 1_000,
            until: 2_000,
            reading: Reading::Number(40.0),
        };
        s.keep_history(0, 3_000, &[("noise-1".into(), vec![point])]);
        s.written_ms = 5_000;
        let (replay, written) = s.kept_history().unwrap();
        assert_eq!(
            (replay.from_ms, replay.to_ms, replay.len(), written),
            (0, 3_000, 1, 5_000)
        );
    }

    #[test]
    fn nothing_is_kept_without_a_file() {
        let mut s = OfflineStore::default();
        s.received(&Entity::new("a", "IssueReporting"));
        s.keep_history(0, 1, &[]);
        assert!(s.entities.is_empty() && s.history.is_none() && !s.dirty);
    }
}
