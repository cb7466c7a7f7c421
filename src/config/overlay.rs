//! A configuration overlay: one source of settings (the defaults, a file, the command line),
//! how overlays merge, and the checks that name the file, the key and what is allowed.

use super::ConfigError;
use super::buildings::MODEL_KEYS;
use super::ground::{GROUND_OWN_KEYS, GROUND_SOURCE_KEYS};
use super::map_tiles::{MAP_TILE_SOURCE_KEYS, MAP_TILES_OWN_KEYS};
use super::tilesets::TILESET_KEYS;
use std::path::Path;
use toml::{Table, Value};

/// Tables whose keys are names chosen by the user; their entries all follow one shape.
pub(super) const NAMED_TABLES: &[&str] = &["views", "sensor_layers", "models", "tilesets"];
/// Tables with keys of their own beside tables named by the user (`[ground.NAME]`,
/// `[map_tiles.NAME]`): the table, its own keys, and the keys every named entry may use.
const SOURCE_TABLES: &[(&str, &[&str], &str)] = &[
    ("ground", GROUND_OWN_KEYS, GROUND_SOURCE_KEYS),
    ("map_tiles", MAP_TILES_OWN_KEYS, MAP_TILE_SOURCE_KEYS),
];
/// Tables whose keys are chosen by the user and whose values are strings.
pub(super) const STRING_MAPS: &[&str] = &["broker.terms"];

/// One source of settings: the defaults, a file, or the command line.
#[derive(Debug, Clone)]
pub struct ConfigOverlay {
    /// How errors name this layer (a path, or "command line").
    pub origin: String,
    /// Its settings.
    pub table: Table,
}

impl ConfigOverlay {
    /// Parses TOML text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, ConfigError> {
        let table = text.parse::<Table>().map_err(|e| ConfigError::Syntax {
            file: origin.to_owned(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        Ok(Self {
            origin: origin.to_owned(),
            table,
        })
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.to_owned(),
            source,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// An empty layer for command-line overrides.
    pub fn command_line() -> Self {
        Self {
            origin: "command line".to_owned(),
            table: Table::new(),
        }
    }

    /// Sets `section.key` (for command-line flags).
    pub fn set(&mut self, section: &str, key: &str, value: impl Into<Value>) {
        let entry = self
            .table
            .entry(section.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        if let Value::Table(t) = entry {
            t.insert(key.to_owned(), value.into());
        }
    }
}

pub(super) fn merge(base: &mut Table, overlay: &Table) {
    for (k, v) in overlay {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Rejects keys of `user` that `defaults` does not have, with the allowed list and a guess.
pub(super) fn check_keys(
    defaults: &Table,
    user: &Table,
    prefix: &str,
    origin: &str,
) -> Result<(), ConfigError> {
    for (key, value) in user {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if STRING_MAPS.contains(&prefix) {
            if !value.is_str() {
                return Err(ConfigError::BadValue {
                    origin: origin.to_owned(),
                    key: dotted,
                    message: "must be a string (the short name)".to_owned(),
                });
            }
            continue;
        }
        // `[ground.NAME]`: a table of `[ground]` that is not one of its own keys is a source.
        if let Some((_, _, keys)) = SOURCE_TABLES
            .iter()
            .find(|(table, own, _)| *table == prefix && !own.contains(&key.as_str()))
            && let Value::Table(entry) = value
        {
            let shape: Table = keys.parse().unwrap_or_default();
            check_keys(&shape, entry, &dotted, origin)?;
            continue;
        }
        let Some(expected) = defaults.get(key) else {
            let mut allowed: Vec<&str> = defaults.keys().map(String::as_str).collect();
            allowed.sort_unstable();
            let suggestion = allowed
                .iter()
                .map(|a| (edit_distance(a, key), *a))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, a)| format!(" (did you mean `{a}`?)"))
                .unwrap_or_default();
            return Err(ConfigError::UnknownKey {
                origin: origin.to_owned(),
                key: dotted,
                scope: if prefix.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in [{prefix}]")
                },
                allowed: allowed.join(", "),
                suggestion,
            });
        };
        match (expected, value) {
            (Value::Table(d), Value::Table(u)) if NAMED_TABLES.contains(&dotted.as_str()) => {
                // Any name is allowed; each entry may use the keys the default entries use.
                let mut shape = Table::new();
                for entry in d.values() {
                    if let Value::Table(t) = entry {
                        shape.extend(t.clone());
                    }
                }
                if dotted == "models"
                    && let Ok(t) = MODEL_KEYS.parse::<Table>()
                {
                    shape.extend(t);
                }
                if dotted == "tilesets"
                    && let Ok(t) = TILESET_KEYS.parse::<Table>()
                {
                    shape.extend(t);
                }
                for (name, entry) in u {
                    let Value::Table(entry) = entry else {
                        return Err(ConfigError::BadValue {
                            origin: origin.to_owned(),
                            key: format!("{dotted}.{name}"),
                            message: format!("must be a table, written [{dotted}.NAME]"),
                        });
                    };
                    check_keys(&shape, entry, &format!("{dotted}.{name}"), origin)?;
                }
            }
            (Value::Table(d), Value::Table(u)) => check_keys(d, u, &dotted, origin)?,
            (Value::Table(_), _) => {
                return Err(ConfigError::BadValue {
                    origin: origin.to_owned(),
                    key: dotted.clone(),
                    message: format!("must be a table, written [{dotted}]"),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The origin of the last layer that sets `key` (dotted), for error messages.
pub(super) fn origin_of(layers: &[ConfigOverlay], key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    for layer in layers.iter().rev() {
        let mut table = &layer.table;
        for (i, part) in parts.iter().enumerate() {
            match table.get(*part) {
                Some(Value::Table(t)) if i + 1 < parts.len() => table = t,
                Some(_) if i + 1 == parts.len() => return layer.origin.clone(),
                // A key inside an array (e.g. `scene.origin[0]`): the array's layer.
                Some(_) => return layer.origin.clone(),
                None => break,
            }
        }
    }
    layers.last().map(|l| l.origin.clone()).unwrap_or_default()
}

pub(super) fn describe_serde_error(message: &str) -> String {
    let m = message
        .replace("invalid type: ", "has the wrong type: ")
        .replace("f64", "a number")
        .replace("u32", "a whole number")
        .replace("a boolean", "true or false");
    if m.starts_with("must") || m.starts_with("has") {
        m
    } else {
        format!("is invalid: {m}")
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
