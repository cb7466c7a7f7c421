//! Writing a scenario in the format it is read in: the TOML file and its assets beside it
//! (`<stem>-added.geojson` for the footprints it adds, `<stem>-site.geojson` and
//! `<stem>-remove.geojson` for its areas, CityJSON and glTF files copied where they are not
//! beside it already). A saved file reloads to the same scenario (equal KPIs).

use super::{Addition, Area, Scenario};
use crate::ngsi_ld::render::{Format, to_feature};
use std::fmt::Write as _;
use std::path::Path;

/// Writes `scenario` to `path` (a `.toml` file) with its assets, and returns the scenario as
/// it now stands (its `file` and asset names those written).
pub fn save(scenario: &Scenario, path: &Path) -> Result<Scenario, String> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stem = path
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let write = |name: &str, bytes: &[u8]| -> Result<(), String> {
        let target = dir.join(name);
        std::fs::write(&target, bytes)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))
    };
    let write_area = |area: &Area, suffix: &str| -> Result<Area, String> {
        let name = format!("{stem}-{suffix}.geojson");
        let value =
            serde_json::json!({"type": "Feature", "properties": {}, "geometry": area.to_geojson()});
        write(
            &name,
            &serde_json::to_vec_pretty(&value).map_err(|e| e.to_string())?,
        )?;
        Ok(Area {
            file: name,
            polygons: area.polygons.clone(),
        })
    };
    let mut out = scenario.clone();
    out.file = Some(path.to_owned());
    let mut toml = String::new();
    let _ = writeln!(toml, "name = {}", quote(&scenario.name));
    if !scenario.description.is_empty() {
        let _ = writeln!(toml, "description = {}", quote(&scenario.description));
    }
    if let Some(site) = &scenario.site {
        let site = write_area(site, "site")?;
        let _ = writeln!(toml, "site = {}", quote(&site.file));
        out.site = Some(site);
    }
    if !scenario.remove_ids.is_empty() || scenario.remove_inside.is_some() {
        toml.push_str("\n[remove]\n");
        if !scenario.remove_ids.is_empty() {
            let ids: Vec<String> = scenario.remove_ids.iter().map(|s| quote(s)).collect();
            let _ = writeln!(toml, "ids = [{}]", ids.join(", "));
        }
        if let Some(inside) = &scenario.remove_inside {
            let inside = write_area(inside, "remove")?;
            let _ = writeln!(toml, "inside = {}", quote(&inside.file));
            out.remove_inside = Some(inside);
        }
    }
    // Every footprint added goes into one GeoJSON file.
    let mut features = Vec::new();
    for a in &scenario.additions {
        if let Addition::Entities { entities, .. } = a {
            for e in entities {
                let mut f = to_feature(e, Format::Simplified, "location");
                if let Some(p) = f.get_mut("properties").and_then(|p| p.as_object_mut()) {
                    p.remove("location");
                }
                features.push(f);
            }
        }
    }
    out.additions.clear();
    if !features.is_empty() {
        let name = format!("{stem}-added.geojson");
        let entities: Vec<_> = scenario
            .additions
            .iter()
            .filter_map(|a| match a {
                Addition::Entities { entities, .. } => Some(entities.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        let value = serde_json::json!({"type": "FeatureCollection", "features": features});
        write(
            &name,
            &serde_json::to_vec_pretty(&value).map_err(|e| e.to_string())?,
        )?;
        let _ = write!(toml, "\n[[add]]\nfile = {}\n", quote(&name));
        out.additions.push(Addition::Entities {
            file: name,
            entities,
        });
    }
    for a in &scenario.additions {
        match a {
            Addition::Entities { .. } => {}
            Addition::CityJson {
                path: from,
                document,
                ..
            } => {
                let name = copy_beside(from, &dir)?;
                let _ = write!(toml, "\n[[add]]\nfile = {}\n", quote(&name));
                out.additions.push(Addition::CityJson {
                    file: name,
                    path: dir.join(from.file_name().unwrap_or_default()),
                    document: document.clone(),
                });
            }
            Addition::Model(m) => {
                let name = copy_beside(&m.path, &dir)?;
                let p = &m.placement;
                let _ = write!(
                    toml,
                    "\n[[add]]\nmodel = {}\nlongitude = {}\nlatitude = {}\naltitude = {}\nheading = {}\nscale = {}\nunits = {}\nup = {}\n",
                    quote(&name),
                    p.longitude,
                    p.latitude,
                    p.altitude,
                    p.heading,
                    p.scale,
                    quote(&String::from(p.units)),
                    quote(&String::from(p.up)),
                );
                if !p.name.is_empty() {
                    let _ = writeln!(toml, "name = {}", quote(&p.name));
                }
                if let Some(f) = m.floors {
                    let _ = writeln!(toml, "floors = {f}");
                }
                if let Some(g) = m.gfa_m2 {
                    let _ = writeln!(toml, "gfa_m2 = {g}");
                }
                let mut m = m.clone();
                m.file = name.clone();
                m.placement.file = name;
                m.path = dir.join(m.path.file_name().unwrap_or_default());
                out.additions.push(Addition::Model(m));
            }
        }
    }
    for r in &scenario.restyle {
        let ids: Vec<String> = r.ids.iter().map(|s| quote(s)).collect();
        let _ = write!(
            toml,
            "\n[[restyle]]\nids = [{}]\ncolor = {}\n",
            ids.join(", "),
            quote(&r.color)
        );
    }
    write(
        &path.file_name().unwrap_or_default().to_string_lossy(),
        toml.as_bytes(),
    )?;
    Ok(out)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Copies a file into `dir` unless it is there already; returns its name there.
fn copy_beside(from: &Path, dir: &Path) -> Result<String, String> {
    let name = from
        .file_name()
        .ok_or_else(|| format!("{} has no file name", from.display()))?;
    let target = dir.join(name);
    let same = match (from.canonicalize(), target.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        std::fs::copy(from, &target).map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                from.display(),
                target.display()
            )
        })?;
    }
    Ok(name.to_string_lossy().into_owned())
}
