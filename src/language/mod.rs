//! The languages citytwin speaks to people: English and Swedish. `ui.language` chooses one, or
//! `auto` takes the system locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), English where it names
//! neither.
//!
//! Every text of the interface comes from one message catalogue in Project Fluent's format
//! (`assets/i18n/en.ftl`, `assets/i18n/sv.ftl`, compiled into the program): [`Language::t`]
//! and [`Language::t_with`] look a message up by its key; numbers given as [`Arg::Number`]
//! are written the language's way ([`crate::language::text::number`]). A test fails when a key is
//! missing in one language, when the two disagree on a message's variables, or when the
//! interface's code shows a literal text instead of a key.

mod catalogue;
mod localized;
mod phrase;
pub mod text;

pub use catalogue::{Arg, keys};
pub use localized::Localized;
pub use phrase::Phrase;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Language {
    /// English.
    #[default]
    English,
    /// Swedish.
    Swedish,
}

impl Language {
    /// From a setting: `en`, `sv`, or `auto` (the system locale).
    ///
    /// ```
    /// use citytwin::language::Language;
    /// assert_eq!(Language::from_setting("sv"), Some(Language::Swedish));
    /// assert_eq!(Language::from_setting("en"), Some(Language::English));
    /// assert_eq!(Language::from_setting("fi"), None);
    /// ```
    pub fn from_setting(s: &str) -> Option<Self> {
        match s {
            "en" => Some(Self::English),
            "sv" => Some(Self::Swedish),
            "auto" => Some(Self::from_system()),
            _ => None,
        }
    }

    /// The language of a locale name such as `sv_SE.UTF-8` (English for any other).
    ///
    /// ```
    /// use citytwin::language::Language;
    /// assert_eq!(Language::from_locale("sv_SE.UTF-8"), Language::Swedish);
    /// assert_eq!(Language::from_locale("C"), Language::English);
    /// ```
    pub fn from_locale(locale: &str) -> Self {
        if locale.to_ascii_lowercase().starts_with("sv") {
            Self::Swedish
        } else {
            Self::English
        }
    }

    /// The system's language, from the first locale variable set.
    pub fn from_system() -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .map_or(Self::English, |l| Self::from_locale(&l))
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Swedish => "sv",
        }
    }

    /// The text for this language of an English/Swedish pair.
    pub fn pick<'a>(self, en: &'a str, sv: &'a str) -> &'a str {
        match self {
            Self::English => en,
            Self::Swedish => sv,
        }
    }
}
