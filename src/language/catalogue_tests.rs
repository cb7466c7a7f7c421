//! The catalogue is complete in both languages, and the interface's code shows no text of
//! its own.

use super::*;
use crate::language::Phrase;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each message's variables (`$name`), by key, as the file has them.
fn variables(language: Language) -> BTreeMap<String, BTreeSet<String>> {
    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
    fn inline(e: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match e {
            InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_owned());
            }
            InlineExpression::Placeable { expression } => expr(expression, out),
            InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline(a, out);
                }
            }
            _ => {}
        }
    }
    fn expr(e: &Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            Expression::Inline(i) => inline(i, out),
            Expression::Select { selector, variants } => {
                inline(selector, out);
                for v in variants {
                    pattern(&v.value, out);
                }
            }
        }
    }
    fn pattern(p: &Pattern<&str>, out: &mut BTreeSet<String>) {
        for e in &p.elements {
            if let PatternElement::Placeable { expression } = e {
                expr(expression, out);
            }
        }
    }
    let source = SOURCES.iter().find(|(l, _)| *l == language).unwrap().1;
    let resource = fluent_syntax::parser::parse(source)
        .unwrap_or_else(|(_, errors)| panic!("{language:?}: {errors:?}"));
    resource
        .body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern(p, &mut vars);
                }
                Some((m.id.name.to_owned(), vars))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn both_languages_have_every_key_once_with_the_same_variables() {
    let (en, sv) = (variables(Language::English), variables(Language::Swedish));
    for l in Language::ALL {
        let keys = keys(l);
        let unique: BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "{l:?}: a key written twice");
    }
    let only = |a: &BTreeMap<String, _>, b: &BTreeMap<String, _>| -> Vec<String> {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    };
    assert_eq!(
        only(&en, &sv),
        Vec::<String>::new(),
        "keys missing in Swedish"
    );
    assert_eq!(
        only(&sv, &en),
        Vec::<String>::new(),
        "keys missing in English"
    );
    for (key, vars) in &en {
        assert_eq!(
            Some(vars),
            sv.get(key),
            "`{key}` has other variables in Swedish"
        );
    }
    assert!(en.len() > 300, "{} messages", en.len());
}

/// Fluent trims a value's leading spaces: a message written with them would lose them.
#[test]
fn no_message_counts_on_leading_spaces() {
    let leading = regex::Regex::new(r"(?m)^([a-z][a-z0-9-]*) = [ \t]").unwrap();
    for (l, source) in SOURCES {
        let found: Vec<_> = leading
            .captures_iter(source)
            .map(|m| m[1].to_owned())
            .collect();
        assert!(
            found.is_empty(),
            "{l:?}: {found:?} start with spaces Fluent drops"
        );
    }
}

#[test]
fn every_message_formats_without_errors_and_is_not_empty() {
    for l in Language::ALL {
        for (key, vars) in variables(l) {
            let bundle = l.bundle();
            let pattern = bundle.get_message(&key).and_then(|m| m.value());
            let pattern = pattern.unwrap_or_else(|| panic!("{l:?}: `{key}` has no value"));
            let mut args = FluentArgs::new();
            for v in &vars {
                args.set(v.as_str(), FluentValue::from(2));
            }
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{l:?}: `{key}`: {errors:?}");
            assert!(!text.trim().is_empty(), "{l:?}: `{key}` is empty");
        }
    }
}

#[test]
fn numbers_in_messages_follow_the_language_and_choose_plurals() {
    let s = |l: Language, x: f64| l.t_with("duration-s", &[("seconds", Arg::number(x, 1))]);
    assert_eq!(s(Language::English, 1234.56), "1,234.6 s");
    assert_eq!(s(Language::Swedish, 1234.56), "1\u{a0}234,6 s");
    let days = |l: Language, n: u64| l.t_with("age-days", &[("n", n.into())]);
    assert_eq!(days(Language::English, 1), "1 day ago");
    assert_eq!(days(Language::English, 3), "3 days ago");
    assert_eq!(days(Language::Swedish, 1), "för 1 dag sedan");
    assert_eq!(days(Language::Swedish, 3), "för 3 dagar sedan");
    // A phrase inside a phrase is put into the same language.
    let p = Phrase::new("history-no-past").with("why", Phrase::new("live-connecting"));
    assert_eq!(
        p.text(Language::Swedish),
        "inga tidigare värden: ansluter till servern"
    );
    // A missing key shows itself (and is logged), never nothing.
    assert_eq!(Language::Swedish.t("no-such-key"), "no-such-key");
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

/// The string literals of Rust code (their text, escapes undone), leaving out comments,
/// attributes (`#[…]`), log lines (`warn!(…)` and the like: for whoever reads the log, in
/// English) and everything from `#[cfg(test)]` on.
fn literals(code: &str) -> Vec<String> {
    let code = code.split("#[cfg(test)]").next().unwrap_or("");
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // A string from `c[i]` (its opening quote): its end and its text.
    let string = |mut i: usize| -> (usize, String) {
        let mut text = String::new();
        i += 1;
        while i < c.len() && c[i] != '"' {
            if c[i] == '\\' {
                match c.get(i + 1) {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('\n') => {
                        // A continued line: its leading spaces go.
                        i += 2;
                        while i < c.len() && c[i].is_whitespace() {
                            i += 1;
                        }
                        continue;
                    }
                    Some(x) => text.push(*x),
                    None => {}
                }
                i += 2;
            } else {
                text.push(c[i]);
                i += 1;
            }
        }
        (i + 1, text)
    };
    let ident = |i: usize| i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    let log_macro = |i: usize| -> Option<usize> {
        ["trace!(", "debug!(", "info!(", "warn!(", "error!("]
            .iter()
            .find(|m| !ident(i) && c[i..].starts_with(&m.chars().collect::<Vec<_>>()))
            .map(|m| i + m.len())
    };
    while i < c.len() {
        if let Some(mut j) = log_macro(i) {
            // To the macro's closing parenthesis, strings and all.
            let mut depth = 1;
            while j < c.len() && depth > 0 {
                match c[j] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    '"' => {
                        j = string(j).0;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j;
            continue;
        }
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            '#' if c.get(i + 1) == Some(&'[') || c.get(i + 1) == Some(&'!') => {
                // An attribute, strings and all.
                let mut depth = 0;
                while i < c.len() {
                    match c[i] {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        '"' => {
                            i = string(i).0;
                            continue;
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            'r' if !ident(i) && matches!(c.get(i + 1), Some('"') | Some('#')) => {
                let hashes = c[i + 1..].iter().take_while(|x| **x == '#').count();
                let start = i + 1 + hashes + 1;
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = c[start..].iter().collect();
                let end = rest.find(&close).unwrap_or(rest.len());
                out.push(rest[..end].to_owned());
                i = start + rest[..end].chars().count() + close.chars().count();
            }
            '\'' => {
                // A character literal ('a', '\n', '\u{a0}'), or a lifetime.
                let close = (i + 2..(i + 12).min(c.len())).find(|j| c[*j] == '\'');
                match close {
                    Some(j) if c[i + 1] == '\\' || j == i + 2 => i = j + 1,
                    _ => i += 1,
                }
            }
            '"' => {
                let (end, text) = string(i);
                out.push(text);
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Literals that are not text for people though they look like it.
const NOT_TEXT: &[&str] = &[
    // The on-screen keyboard's rows (its keys are letters).
    "qwertyuiopå",
    "asdfghjklöä",
    // `env!`'s variable.
    "CARGO_PKG_VERSION",
    // A time written as its standard writes it, with its zone's name.
    "%Y-%m-%d %H:%M UTC",
];

/// Whether a literal reads as words for people: after format placeholders (`{…}`) and
/// time formats (`%H`) go, it has a capital, a space between letters or a letter beyond
/// ASCII. Keys, ids and selector values are lowercase words joined by dashes.
fn is_text(literal: &str) -> bool {
    let placeholders = regex::Regex::new(r"\{[^}]*\}|%-?[A-Za-z]").unwrap();
    let rest = placeholders.replace_all(literal, "");
    let letters = rest.chars().any(char::is_alphabetic);
    letters
        && (rest
            .chars()
            .any(|c| c.is_uppercase() || !c.is_ascii() && c.is_alphabetic())
            || regex::Regex::new(r"[A-Za-z]\s+[A-Za-z]")
                .unwrap()
                .is_match(&rest))
}

#[test]
fn the_interface_shows_no_text_of_its_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/ui"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in &files {
        let code = std::fs::read_to_string(f).unwrap();
        for l in literals(&code) {
            if is_text(&l) && !NOT_TEXT.contains(&l.as_str()) {
                found.push(format!(
                    "{}: {l:?}",
                    f.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "text shown without the catalogue (give it a key in assets/i18n/*.ftl):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_text_and_passes_keys() {
    let code = r####"
        // "A comment"
        #[allow(x, reason = "Not shown")]
        fn f() {
            ui.label("Hello there");
            ui.label(l.t("comment-send"));
            ui.label(format!("{n} / {max}"));
            let c = '"';
            let r = r#"Raw "text" here"#;
            egui::Id::new("sensor-labels");
            warn!("Cannot write {}: {e}", path.display());
            let s = "Två";
            let long = "one \
                        two";
        }
        #[cfg(test)]
        mod tests { const X: &str = "Not counted"; }
    "####;
    let texts: Vec<String> = literals(code).into_iter().filter(|l| is_text(l)).collect();
    assert_eq!(
        texts,
        ["Hello there", r#"Raw "text" here"#, "Två", "one two"]
    );
}

#[test]
fn every_key_the_code_names_is_in_the_catalogue_and_every_message_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    // Test modules in files of their own name keys that do not exist on purpose.
    files.retain(|f| !f.to_string_lossy().ends_with("tests.rs"));
    let keys: BTreeSet<String> = keys(Language::English).into_iter().collect();
    let named =
        regex::Regex::new(r#"(?:\.t|\.t_with|Phrase::new|from_catalogue)\(\s*"([^"]+)""#).unwrap();
    let stage = regex::Regex::new(r#"stage: "([^"]+)""#).unwrap();
    let mut used = BTreeSet::new();
    let mut missing = Vec::new();
    for f in &files {
        let code = std::fs::read_to_string(f).unwrap();
        for l in literals(&code) {
            used.insert(l);
        }
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        for m in named.captures_iter(code) {
            if !keys.contains(&m[1]) {
                missing.push(m[1].to_owned());
            }
        }
        // Loading stages are shown as `stage-…`.
        for m in stage.captures_iter(code) {
            let key = format!("stage-{}", m[1].replace(' ', "-"));
            used.insert(key.clone());
            if !keys.contains(&key) {
                missing.push(key);
            }
        }
    }
    // KPIs are named as `kpi-…` (`scenario::kpi` tests that each has its message).
    used.extend(keys.iter().filter(|k| k.starts_with("kpi-")).cloned());
    // Edits on the undo button as `edit-…`.
    let edit = std::fs::read_to_string(root.join("src/scenario/edit.rs")).unwrap();
    let labels = edit.split("pub fn label(&self)").nth(1).unwrap();
    let labels = &labels[..labels.find("\n    }\n").unwrap()];
    for m in regex::Regex::new(r#"=> "([^"]+)""#)
        .unwrap()
        .captures_iter(labels)
    {
        let key = format!("edit-{}", m[1].replace(' ', "-"));
        used.insert(key.clone());
        if !keys.contains(&key) {
            missing.push(key);
        }
    }
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "keys the code names, not in the catalogue"
    );
    let unused: Vec<_> = keys.iter().filter(|k| !used.contains(*k)).collect();
    assert_eq!(unused, Vec::<&String>::new(), "messages nothing shows");
}
