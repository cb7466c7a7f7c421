//! Texts given in the configuration (a sensor layer's name, a legend's labels): the same in
//! every language, or one per language code.

use super::Language;
use std::collections::BTreeMap;

/// A text from the configuration: `name = "Noise"` (every language), or
/// `name = { en = "Noise", sv = "Buller" }` (English where a language is missing, else the
/// first given).
///
/// ```
/// use citytwin::language::{Language, Localized};
/// let t: Localized = toml::from_str::<toml::Table>(r#"n = { en = "Noise", sv = "Buller" }"#)
///     .unwrap()["n"].clone().try_into().unwrap();
/// assert_eq!(t.get(Language::Swedish), "Buller");
/// assert_eq!(Localized::from("Noise").get(Language::Swedish), "Noise");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Localized {
    /// The same text in every language.
    Same(String),
    /// A text per language code (`en`, `sv`).
    PerLanguage(BTreeMap<String, String>),
}

impl Default for Localized {
    fn default() -> Self {
        Self::Same(String::new())
    }
}

impl From<&str> for Localized {
    fn from(s: &str) -> Self {
        Self::Same(s.to_owned())
    }
}

impl From<String> for Localized {
    fn from(s: String) -> Self {
        Self::Same(s)
    }
}

impl Localized {
    /// A message of the catalogue in every language.
    pub fn from_catalogue(key: &str) -> Self {
        Self::PerLanguage(
            Language::ALL
                .iter()
                .map(|l| (l.code().to_owned(), l.t(key)))
                .collect(),
        )
    }

    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match self {
            Self::Same(s) => s,
            Self::PerLanguage(m) => m
                .get(language.code())
                .or_else(|| m.get(Language::English.code()))
                .or_else(|| m.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Whether there is no text in any language.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Same(s) => s.trim().is_empty(),
            Self::PerLanguage(m) => m.values().all(|s| s.trim().is_empty()),
        }
    }
}
