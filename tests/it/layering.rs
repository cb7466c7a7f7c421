//! The layering rule, read from the sources: every `crate::` path in `src/**/*.rs` (code, not
//! comments) is an edge from the module it is in to the module it names, and each edge must be
//! allowed by the table of layers below. Core files never name Bevy or a server crate, and no
//! modules import each other in a cycle.
//!
//! A new top-level module must be added to [`UNITS`] on purpose; so must a new kind of edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// No Bevy, no servers: tested alone.
    Core,
    /// Threads and servers, no ECS.
    Services,
    /// The viewer's shared state.
    Scene,
    /// One viewer plugin per concern.
    Plugin,
    /// The egui interface.
    Ui,
    /// The composition root.
    App,
    /// `main.rs` and `cli/`.
    Commands,
}

/// Every module of the crate and its layer. A unit may name a submodule (`a::b`): a path
/// belongs to the longest unit it starts with.
const UNITS: &[(&str, Layer)] = &[
    ("timestamp", Layer::Core),
    ("cancel", Layer::Core),
    ("ngsi_ld", Layer::Core),
    ("georef", Layer::Core),
    ("geometry", Layer::Core),
    ("basemap", Layer::Core),
    ("terrain", Layer::Core),
    ("maptiles", Layer::Core),
    ("tiles3d", Layer::Core),
    ("config", Layer::Core),
    ("source", Layer::Core),
    ("city", Layer::Core),
    ("clock", Layer::Core),
    ("scenario", Layer::Core),
    ("sun", Layer::Core),
    ("measure", Layer::Core),
    ("sunlight", Layer::Core),
    ("comment", Layer::Core),
    ("language", Layer::Core),
    ("idle", Layer::Core),
    ("pin", Layer::Core),
    ("tour", Layer::Core),
    ("worker", Layer::Services),
    ("broker", Layer::Services),
    ("simulate", Layer::Services),
    ("live", Layer::Services),
    ("map_feed", Layer::Services),
    ("tileset_feed", Layer::Services),
    ("outbox", Layer::Services),
    ("demo", Layer::Services),
    ("scene", Layer::Scene),
    ("layers", Layer::Plugin),
    ("camera", Layer::Plugin),
    ("environment", Layer::Plugin),
    ("ground", Layer::Plugin),
    ("buildings", Layer::Plugin),
    ("tilesets", Layer::Plugin),
    ("sensors", Layer::Plugin),
    ("scenarios", Layer::Plugin),
    ("editing", Layer::Plugin),
    ("sun_study", Layer::Plugin),
    ("measuring", Layer::Plugin),
    ("comments", Layer::Plugin),
    ("kiosk", Layer::Plugin),
    ("capture", Layer::Plugin),
    ("diagnostics", Layer::Plugin),
    ("ui", Layer::Ui),
    ("app", Layer::App),
    ("cli", Layer::Commands),
    ("main", Layer::Commands),
];

/// Whether a module of layer `from` may use one of layer `to`.
fn allowed(from: Layer, to: Layer) -> bool {
    use Layer::*;
    match from {
        Core => to == Core,
        Services => matches!(to, Core | Services),
        // Plugins and the UI talk through the scene, never to each other.
        Scene | Plugin | Ui => matches!(to, Core | Services | Scene),
        App => matches!(to, Core | Services | Scene | Plugin | Ui),
        Commands => true,
    }
}

/// Crates core code must not name.
const NOT_IN_CORE: &[&str] = &["bevy", "bevy_egui", "egui", "axum", "rusqlite"];

fn layer_of(unit: &str) -> Layer {
    UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| {
            panic!("module `{unit}` is not in the layering table (tests/it/layering.rs)")
        })
}

/// The unit a path (module segments from the crate root) belongs to: the longest entry of
/// [`UNITS`] it starts with.
fn unit_of(segments: &[&str]) -> Option<&'static str> {
    UNITS
        .iter()
        .map(|(u, _)| *u)
        .filter(|u| {
            let parts: Vec<&str> = u.split("::").collect();
            segments.len() >= parts.len() && segments[..parts.len()] == parts[..]
        })
        .max_by_key(|u| u.len())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a Rust file without comments, strings and character literals (each replaced
/// by a space), so that only real paths remain.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            'r' if matches!(c.get(i + 1), Some('#') | Some('"'))
                && !c
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                // A raw string: r"…" or r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                'raw: while j < c.len() {
                    if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break 'raw;
                    }
                    j += 1;
                }
                i = j;
                out.push(' ');
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push(' ');
            }
            '\'' => {
                // A character literal ('a', '\n', '\u{1}'), not a lifetime ('a).
                let close = if c.get(i + 1) == Some(&'\\') {
                    (i + 2..c.len().min(i + 12)).find(|&j| c[j] == '\'')
                } else if c.get(i + 2) == Some(&'\'') {
                    Some(i + 2)
                } else {
                    None
                };
                match close {
                    Some(j) => {
                        i = j + 1;
                        out.push(' ');
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// Every path that follows `root::` in `code`, with groups (`{a::b, c}`) expanded.
fn paths_after(code: &str, root: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let needle = format!("{root}::");
    let mut from = 0;
    while let Some(at) = code[from..].find(&needle) {
        let start = from + at;
        from = start + needle.len();
        let before = code[..start].chars().next_back();
        if before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == ':') {
            continue; // `$crate::`, `foo_crate::`, `a::crate::`
        }
        let rest = &code[from..];
        let mut prefix = Vec::new();
        expand(rest, &mut prefix, &mut out);
    }
    out
}

/// Reads one path or group at the start of `text`, appending the full paths to `out`;
/// returns the bytes read.
fn expand(text: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    let depth = prefix.len();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'{' {
            i += 1;
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    i += 1;
                    break;
                }
                i += expand(&text[i..], prefix, out);
            }
            break;
        }
        let word: String = text[i..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            if prefix.len() > depth {
                out.push(prefix.clone());
            }
            break;
        }
        i += word.len();
        prefix.push(word);
        if text[i..].starts_with("::") {
            i += 2;
            continue;
        }
        // Skip `as name` in a group; the path ends here.
        out.push(prefix.clone());
        let after = text[i..].trim_start();
        if let Some(r) = after.strip_prefix("as ") {
            let name_len = r
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .count();
            i += (text[i..].len() - after.len()) + 3 + (r.len() - r.trim_start().len()) + name_len;
        }
        break;
    }
    prefix.truncate(depth);
    i
}

/// The module a file is in: its path from `src/`, as segments (`main` for the binary).
fn file_module(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

struct Found {
    /// (from unit, to unit) → the files with such an edge.
    edges: BTreeMap<(&'static str, &'static str), BTreeSet<String>>,
    /// Core files that name a crate core must not use.
    impure: Vec<String>,
}

fn read_edges(src: &Path) -> Found {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Found {
        edges: BTreeMap::new(),
        impure: Vec::new(),
    };
    for file in files {
        let module = file_module(src, &file);
        let name = file.strip_prefix(src).unwrap().display().to_string();
        if module == ["lib"] {
            continue; // the table of contents declares every module
        }
        let segments: Vec<&str> = module.iter().map(String::as_str).collect();
        let from = unit_of(&segments).unwrap_or_else(|| {
            panic!(
                "src/{name} is in module `{}`, which is not in the layering table",
                module[0]
            )
        });
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let root = if from == "main" { "citytwin" } else { "crate" };
        for path in paths_after(&code, root) {
            let segs: Vec<&str> = path.iter().map(String::as_str).collect();
            let Some(to) = unit_of(&segs) else {
                continue; // an item of the crate root
            };
            if to != from {
                found
                    .edges
                    .entry((from, to))
                    .or_default()
                    .insert(name.clone());
            }
        }
        if layer_of(from) == Layer::Core {
            for krate in NOT_IN_CORE {
                let named = code.match_indices(krate).any(|(at, _)| {
                    let before = code[..at].chars().next_back();
                    let after = code[at + krate.len()..].chars().next();
                    !before.is_some_and(|b| b.is_alphanumeric() || b == '_')
                        && after.is_some_and(|a| a == ':')
                });
                if named {
                    found.impure.push(format!("src/{name} names `{krate}`"));
                }
            }
        }
    }
    found
}

/// The cycles among the units (strongly connected components of more than one unit).
fn cycles(
    edges: &BTreeMap<(&'static str, &'static str), BTreeSet<String>>,
) -> Vec<Vec<&'static str>> {
    let nodes: BTreeSet<&str> = edges.keys().flat_map(|(a, b)| [*a, *b]).collect();
    let next = |n: &str| -> Vec<&'static str> {
        edges
            .keys()
            .filter(|(a, _)| *a == n)
            .map(|(_, b)| *b)
            .collect()
    };
    // Reachability by search from each node: small graph, simple code.
    let reach = |start: &str| -> BTreeSet<&'static str> {
        let mut seen = BTreeSet::new();
        let mut stack = next(start);
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                stack.extend(next(n));
            }
        }
        seen
    };
    let reaches: BTreeMap<&str, BTreeSet<&str>> = nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: Vec<Vec<&'static str>> = Vec::new();
    for (n, r) in &reaches {
        if !r.contains(n) {
            continue;
        }
        let mut comp: Vec<&'static str> = r
            .iter()
            .filter(|m| reaches[*m].contains(n))
            .copied()
            .collect();
        comp.sort_unstable();
        if !out.contains(&comp) {
            out.push(comp);
        }
    }
    out
}

fn violations(found: &Found) -> Vec<String> {
    let mut bad: Vec<String> = found
        .edges
        .iter()
        .filter(|((from, to), _)| !allowed(layer_of(from), layer_of(to)))
        .map(|((from, to), files)| {
            format!(
                "{from} ({:?}) uses {to} ({:?}) in {}",
                layer_of(from),
                layer_of(to),
                files.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    bad.extend(found.impure.iter().cloned());
    for c in cycles(&found.edges) {
        bad.push(format!("a cycle: {}", c.join(" → ")));
    }
    // And between top-level modules, whatever the units inside them.
    let mut top: BTreeMap<(&'static str, &'static str), BTreeSet<String>> = BTreeMap::new();
    for ((from, to), files) in &found.edges {
        let (a, b) = (top_level(from), top_level(to));
        if a != b {
            top.entry((a, b)).or_default().extend(files.iter().cloned());
        }
    }
    for c in cycles(&top) {
        if !bad.contains(&format!("a cycle: {}", c.join(" → "))) {
            bad.push(format!(
                "a cycle between top-level modules: {}",
                c.join(" → ")
            ));
        }
    }
    bad
}

/// The top-level module of a unit (`clock` for `clock::model`).
fn top_level(unit: &'static str) -> &'static str {
    unit.split("::").next().unwrap_or(unit)
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_import_follows_the_layers_and_none_forms_a_cycle() {
    let found = read_edges(&src());
    assert!(
        found.edges.len() > 40,
        "the sources were read: {} edges",
        found.edges.len()
    );
    let bad = violations(&found);
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn a_forbidden_import_is_found() {
    // A copy of the sources with `use crate::ui` added to the core's `city`, as a careless
    // change would: the check must name it.
    let dir = crate::temp_dir("layering");
    let copy = dir.join("src");
    copy_tree(&src(), &copy);
    let city = copy.join("city/mod.rs");
    let text = std::fs::read_to_string(&city).unwrap();
    std::fs::write(
        &city,
        format!("{text}\n#[allow(unused_imports)]\nuse crate::ui::UiPlugin;\n"),
    )
    .unwrap();
    let bad = violations(&read_edges(&copy));
    assert!(
        bad.iter()
            .any(|b| b.starts_with("city (Core) uses ui (Ui) in city/mod.rs")),
        "{bad:?}"
    );
    // And one that closes a cycle between two core modules.
    let source = copy.join("source.rs");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(
        &source,
        format!("{text}\nfn _x() {{ let _ = crate::city::load; }}\n"),
    )
    .unwrap();
    let bad = violations(&read_edges(&copy));
    assert!(
        bad.iter()
            .any(|b| b.starts_with("a cycle:") && b.contains("city") && b.contains("source")),
        "{bad:?}"
    );
}

#[test]
fn paths_are_read_from_code_not_comments_or_strings() {
    let code = code_only(
        "// use crate::ui;\n/// [`crate::app`]\nlet s = \"crate::cli\";\nuse crate::{city::{self, sensor::Sensor}, scene as s2};\nlet c = '\\'';\nfn f<'a>(x: &'a str) -> crate::text::Text {}",
    );
    let paths: Vec<String> = paths_after(&code, "crate")
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        paths,
        ["city::self", "city::sensor::Sensor", "scene", "text::Text"]
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}
