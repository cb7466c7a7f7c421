//! A message of the catalogue with its values: made where something happens (a plugin, a
//! worker), put into words where it is shown, in the language of that moment.

use super::{Arg, Language};

/// A catalogue message and its values.
///
/// ```
/// use citytwin::language::{Language, Phrase};
/// let p = Phrase::new("saved-file").with("path", "a.png".to_owned());
/// assert_eq!(p.text(Language::Swedish), "Sparade a.png");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Phrase {
    key: &'static str,
    args: Vec<(&'static str, Arg<'static>)>,
}

impl Phrase {
    /// The message `key`, without values yet.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// A text that is not the catalogue's (an error from the system or a library), shown as
    /// it is.
    pub fn plain(text: impl Into<String>) -> Self {
        Self::new("plain-text").with("text", text.into())
    }

    /// With a value for the variable `name`.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg<'static>>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The catalogue key.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// In words, in `language`.
    pub fn text(&self, language: Language) -> String {
        language.t_with(self.key, &self.args)
    }
}
