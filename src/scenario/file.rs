//! Reading a scenario's TOML file: its keys checked (an unknown key, a missing asset, a bad
//! colour each refused with the file, the line and the key), its assets read from beside it.

use super::{Addition, Area, ModelAddition, Restyle, Scenario, ScenarioError};
use crate::config::{LengthUnit, ModelConfig, UpAxis, parse_hex_color};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    site: Option<Spanned<String>>,
    remove: Option<RemoveToml>,
    #[serde(default)]
    add: Vec<AddToml>,
    #[serde(default)]
    restyle: Vec<RestyleToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemoveToml {
    #[serde(default)]
    ids: Vec<Spanned<String>>,
    inside: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddToml {
    file: Option<Spanned<String>>,
    model: Option<Spanned<String>>,
    longitude: Option<Spanned<f64>>,
    latitude: Option<Spanned<f64>>,
    #[serde(default)]
    altitude: f64,
    #[serde(default)]
    heading: f64,
    #[serde(default = "one")]
    scale: f64,
    #[serde(default = "metres")]
    units: LengthUnit,
    #[serde(default = "y_up")]
    up: UpAxis,
    #[serde(default)]
    name: String,
    floors: Option<Spanned<f64>>,
    gfa_m2: Option<Spanned<f64>>,
}

fn one() -> f64 {
    1.0
}
fn metres() -> LengthUnit {
    LengthUnit::Metre
}
fn y_up() -> UpAxis {
    UpAxis::Y
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestyleToml {
    ids: Vec<Spanned<String>>,
    color: Spanned<String>,
}

/// The line (1-based) of a byte offset in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Reads a scenario file and its assets.
pub(super) fn read(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.to_owned(),
        line: None,
        key: String::new(),
        message: format!("cannot be read: {e}"),
    })?;
    parse(path, &text)
}

/// Parses a scenario's text; `path` locates its assets (relative to its folder).
pub(super) fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let err = |span: Option<std::ops::Range<usize>>, key: &str, message: String| ScenarioError {
        file: path.to_owned(),
        line: span.map(|s| line_of(text, s.start)),
        key: key.to_owned(),
        message,
    };
    let doc: FileToml = toml::from_str(text).map_err(|e| {
        let (key, message) = explain(e.message(), text, e.span());
        err(e.span(), &key, message)
    })?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
    let asset = |s: &Spanned<String>, key: &str| -> Result<PathBuf, ScenarioError> {
        let p = dir.join(s.get_ref());
        if s.get_ref().trim().is_empty() {
            return Err(err(
                Some(s.span()),
                key,
                "is empty: give a file name".into(),
            ));
        }
        if p.is_file() {
            Ok(p)
        } else {
            Err(err(
                Some(s.span()),
                key,
                format!(
                    "names {}, which is not there (paths are relative to the scenario file)",
                    p.display()
                ),
            ))
        }
    };
    let area = |s: &Spanned<String>, key: &str| -> Result<Area, ScenarioError> {
        let p = asset(s, key)?;
        Area::read(&p, s.get_ref()).map_err(|m| err(Some(s.span()), key, m))
    };
    let name = doc.name.get_ref().trim().to_owned();
    if name.is_empty() {
        return Err(err(Some(doc.name.span()), "name", "is empty".into()));
    }
    let site = doc.site.as_ref().map(|s| area(s, "site")).transpose()?;
    let (remove_ids, remove_inside) = match &doc.remove {
        None => (Vec::new(), None),
        Some(r) => (
            r.ids.iter().map(|s| s.get_ref().clone()).collect(),
            r.inside
                .as_ref()
                .map(|s| area(s, "remove.inside"))
                .transpose()?,
        ),
    };
    let mut additions = Vec::new();
    for (i, a) in doc.add.iter().enumerate() {
        let here = |k: &str| format!("add[{}].{k}", i + 1);
        match (&a.file, &a.model) {
            (Some(f), None) => {
                let p = asset(f, &here("file"))?;
                let addition = Addition::read_file(&p, f.get_ref())
                    .map_err(|m| err(Some(f.span()), &here("file"), m))?;
                additions.push(addition);
            }
            (None, Some(m)) => additions.push(Addition::Model(model(a, m, &here, &asset, &err)?)),
            (Some(f), Some(_)) => {
                return Err(err(
                    Some(f.span()),
                    &here("file"),
                    "and `model` are both given: an [[add]] takes one of them".into(),
                ));
            }
            (None, None) => {
                return Err(err(
                    None,
                    &format!("add[{}]", i + 1),
                    "has neither `file` (GeoJSON, NGSI-LD or CityJSON) nor `model` (glTF)".into(),
                ));
            }
        }
    }
    let mut restyle = Vec::new();
    for (i, r) in doc.restyle.iter().enumerate() {
        let key = format!("restyle[{}].color", i + 1);
        if parse_hex_color(r.color.get_ref()).is_none() {
            return Err(err(
                Some(r.color.span()),
                &key,
                format!(
                    "must be a colour written \"#rrggbb\", not \"{}\"",
                    r.color.get_ref()
                ),
            ));
        }
        restyle.push(Restyle {
            ids: r.ids.iter().map(|s| s.get_ref().clone()).collect(),
            color: r.color.get_ref().clone(),
        });
    }
    Ok(Scenario {
        name,
        description: doc.description.trim().to_owned(),
        file: Some(path.to_owned()),
        site,
        remove_ids,
        remove_inside,
        additions,
        restyle,
    })
}

/// Resolves an asset named in the file.
type Asset<'a> = dyn Fn(&Spanned<String>, &str) -> Result<PathBuf, ScenarioError> + 'a;

type Err<'a> = dyn Fn(Option<std::ops::Range<usize>>, &str, String) -> ScenarioError + 'a;

/// An `[[add]]` with a `model`: its placement checked as `[models.*]` is.
fn model(
    a: &AddToml,
    m: &Spanned<String>,
    here: &dyn Fn(&str) -> String,
    asset: &Asset<'_>,
    err: &Err<'_>,
) -> Result<ModelAddition, ScenarioError> {
    let path = asset(m, &here("model"))?;
    let (Some(lon), Some(lat)) = (&a.longitude, &a.latitude) else {
        return Err(err(
            Some(m.span()),
            &here("longitude"),
            "and `latitude` are needed to place a model (degrees, WGS 84)".into(),
        ));
    };
    for (v, k, lo, hi) in [
        (lon, "longitude", -180.0, 180.0),
        (lat, "latitude", -90.0, 90.0),
    ] {
        if !(lo..=hi).contains(v.get_ref()) {
            return Err(err(
                Some(v.span()),
                &here(k),
                format!("must be between {lo} and {hi}, not {}", v.get_ref()),
            ));
        }
    }
    for (v, k) in [(&a.floors, "floors"), (&a.gfa_m2, "gfa_m2")] {
        if let Some(v) = v
            && !(v.get_ref().is_finite() && *v.get_ref() >= 0.0)
        {
            return Err(err(
                Some(v.span()),
                &here(k),
                format!("must be a number of at least 0, not {}", v.get_ref()),
            ));
        }
    }
    if !(a.scale.is_finite() && a.scale > 0.0) {
        return Err(err(
            Some(m.span()),
            &here("scale"),
            "must be above 0".into(),
        ));
    }
    let meshes =
        crate::city::gltf::read(&path).map_err(|e| err(Some(m.span()), &here("model"), e))?;
    Ok(ModelAddition {
        file: m.get_ref().clone(),
        path,
        meshes: std::sync::Arc::new(meshes),
        placement: ModelConfig {
            file: m.get_ref().clone(),
            longitude: *lon.get_ref(),
            latitude: *lat.get_ref(),
            altitude: a.altitude,
            heading: a.heading,
            units: a.units,
            scale: a.scale,
            up: a.up,
            name: a.name.clone(),
        },
        floors: a.floors.as_ref().map(|v| *v.get_ref()),
        gfa_m2: a.gfa_m2.as_ref().map(|v| *v.get_ref()),
    })
}

/// The key and a message for a TOML or schema error: an unknown key is named with the keys
/// allowed where it stands.
fn explain(message: &str, text: &str, span: Option<std::ops::Range<usize>>) -> (String, String) {
    let table = span
        .clone()
        .map(|s| table_at(text, s.start))
        .unwrap_or_default();
    let dotted = |k: &str| {
        if table.is_empty() {
            k.to_owned()
        } else {
            format!("{table}.{k}")
        }
    };
    let quoted = |m: &str, after: &str| -> Option<String> {
        let rest = &m[m.find(after)? + after.len()..];
        Some(rest[..rest.find('`')?].to_owned())
    };
    let first = message.lines().next().unwrap_or(message).trim();
    if let Some(key) = quoted(first, "unknown field `") {
        let allowed = first
            .split_once("expected")
            .map(|(_, a)| a.replace("one of ", "").replace('`', ""))
            .unwrap_or_default();
        let allowed = allowed.trim();
        return (
            dotted(&key),
            format!("is not a key of a scenario here; allowed: {allowed}"),
        );
    }
    if let Some(key) = quoted(first, "missing field `") {
        return (dotted(&key), "is required".to_owned());
    }
    let key = span
        .and_then(|s| {
            let line = text[..s.start.min(text.len())]
                .rsplit('\n')
                .next()
                .unwrap_or("");
            let whole = text[s.start.min(text.len())..]
                .split('\n')
                .next()
                .unwrap_or("");
            let line = format!("{line}{whole}");
            line.split_once('=')
                .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        })
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .map(|k| dotted(&k))
        .unwrap_or(table);
    (key, first.to_owned())
}

/// The table a byte offset lies in (`remove`, `add[2]`, `restyle[1]`), "" at the top.
fn table_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut current = String::new();
    for line in before.lines() {
        let l = line.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_owned();
            let n = counts.entry(name.clone()).or_default();
            *n += 1;
            current = format!("{name}[{n}]");
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            current = name.trim().to_owned();
        }
    }
    current
}
