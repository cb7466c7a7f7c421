//! The message catalogue: Fluent bundles for English and Swedish, built once from the `.ftl`
//! files compiled into the program.

use super::Language;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::types::{FluentNumber, FluentNumberOptions};
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;
use std::sync::LazyLock;

/// The catalogue's sources: each language and its Fluent file.
pub(super) const SOURCES: [(Language, &str); 2] = [
    (Language::English, include_str!("../../assets/i18n/en.ftl")),
    (Language::Swedish, include_str!("../../assets/i18n/sv.ftl")),
];

/// One bundle per language, in [`Language::ALL`]'s order.
static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> =
    LazyLock::new(|| SOURCES.iter().map(|(l, s)| bundle(*l, s)).collect());

fn bundle(language: Language, source: &str) -> FluentBundle<FluentResource> {
    let locale = match language {
        Language::English => "en-GB",
        Language::Swedish => "sv-SE",
    };
    let mut bundle = FluentBundle::new_concurrent(vec![locale.parse().expect("a valid locale")]);
    // egui draws Unicode's isolation marks as boxes; the texts are all left to right.
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match language {
        Language::English => format_english,
        Language::Swedish => format_swedish,
    }));
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, errors)| {
        tracing::error!("the {} catalogue has errors: {errors:?}", language.code());
        r
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!("the {} catalogue has errors: {errors:?}", language.code());
    }
    bundle
}

fn format_english<M>(value: &FluentValue, _: &M) -> Option<String> {
    format_number(value, Language::English)
}

fn format_swedish<M>(value: &FluentValue, _: &M) -> Option<String> {
    format_number(value, Language::Swedish)
}

/// Numbers with the language's grouping and decimal sign, with the decimals asked.
fn format_number(value: &FluentValue, language: Language) -> Option<String> {
    match value {
        FluentValue::Number(n) => {
            let decimals = n.options.maximum_fraction_digits.unwrap_or(0);
            Some(crate::language::text::number(n.value, decimals, language))
        }
        _ => None,
    }
}

/// A value put into a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// Text, as it is.
    Text(Cow<'a, str>),
    /// A number written with this many decimals (and chooses plural forms).
    Number(f64, usize),
    /// Another message, put into words in the same language.
    Phrase(Box<super::Phrase>),
}

impl From<super::Phrase> for Arg<'_> {
    fn from(p: super::Phrase) -> Self {
        Arg::Phrase(Box::new(p))
    }
}

impl Arg<'_> {
    /// A number with `decimals` decimals.
    pub fn number(x: f64, decimals: usize) -> Arg<'static> {
        Arg::Number(x, decimals)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

macro_rules! whole_numbers {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(n as f64, 0)
            }
        }
    )*};
}
whole_numbers!(usize, u64, u32, u16, i64, i32);

impl Language {
    /// Every language, in the catalogue's order.
    pub const ALL: [Language; 2] = [Language::English, Language::Swedish];

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        &BUNDLES[Self::ALL.iter().position(|l| *l == self).unwrap_or(0)]
    }

    /// Whether the catalogue has the message `key`.
    pub fn has(self, key: &str) -> bool {
        self.bundle().has_message(key)
    }

    /// The message `key` in this language (the key itself, logged, when it is missing).
    ///
    /// ```
    /// use citytwin::language::Language;
    /// assert_eq!(Language::Swedish.t("cancel"), "Avbryt");
    /// assert_eq!(Language::English.t("cancel"), "Cancel");
    /// ```
    pub fn t(self, key: &str) -> String {
        self.t_with(key, &[])
    }

    /// The message `key` with its variables.
    ///
    /// ```
    /// use citytwin::language::{Arg, Language};
    /// let s = Language::Swedish.t_with("duration-s", &[("seconds", Arg::number(1234.56, 1))]);
    /// assert_eq!(s, "1\u{a0}234,6 s");
    /// ```
    pub fn t_with(self, key: &str, args: &[(&str, Arg)]) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!("no message `{key}` in the {} catalogue", self.code());
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(s) => FluentValue::String(s.clone()),
                Arg::Phrase(p) => FluentValue::String(p.text(self).into()),
                Arg::Number(x, decimals) => FluentValue::Number(FluentNumber::new(
                    *x,
                    FluentNumberOptions {
                        minimum_fraction_digits: Some(*decimals),
                        maximum_fraction_digits: Some(*decimals),
                        ..Default::default()
                    },
                )),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!("message `{key}` ({}): {errors:?}", self.code());
        }
        text.into_owned()
    }
}

/// Every message key of a language's catalogue, in file order.
pub fn keys(language: Language) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    let source = SOURCES
        .iter()
        .find(|(l, _)| *l == language)
        .map_or("", |(_, s)| s);
    let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(r, _)| r);
    resource
        .body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod tests;
