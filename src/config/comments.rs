//! `[comments]`: citizens' comments pinned in the scene and kept in the broker.

use super::{Invalid, color, range};
use serde::{Deserialize, Serialize};

/// `[comments]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentsConfig {
    /// Whether people can write comments (the layer shows others' either way).
    pub enabled: bool,
    /// Most characters in a comment.
    pub max_chars: usize,
    /// Seconds between two comments from this viewer (a kiosk: e.g. 60; 0: no limit).
    pub min_interval_s: f64,
    /// Folder where comments wait while the broker is away ("": the user's cache folder).
    pub queue_dir: String,
    /// Show the on-screen keyboard (with å, ä, ö) open when writing.
    pub on_screen_keyboard: bool,
    /// Whether this viewer may hide and show comments (`--moderator`).
    pub moderator: bool,
    /// The categories, in the order offered.
    pub categories: Vec<CommentCategory>,
}

/// One comment category.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommentCategory {
    /// Stored as the entity's `category` (letters, digits, `-`, `_`).
    pub id: String,
    /// Name in English.
    pub en: String,
    /// Name in Swedish.
    pub sv: String,
    /// Colour of its pins, "#rrggbb".
    pub color: String,
}

impl CommentCategory {
    /// The name in a language.
    pub fn name(&self, language: crate::language::Language) -> &str {
        language.pick(&self.en, &self.sv)
    }
}

impl CommentsConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if !(1..=5000).contains(&self.max_chars) {
            return Err((
                "comments.max_chars".into(),
                format!("must be between 1 and 5000, not {}", self.max_chars),
            ));
        }
        range(
            "comments.min_interval_s",
            self.min_interval_s,
            0.0,
            86_400.0,
        )?;
        if self.categories.is_empty() {
            return Err((
                "comments.categories".into(),
                "must name at least one category".into(),
            ));
        }
        for (i, c) in self.categories.iter().enumerate() {
            let key = format!("comments.categories[{}]", i + 1);
            if c.id.is_empty()
                || !c
                    .id
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                return Err((
                    format!("{key}.id"),
                    format!("must be letters, digits, - or _, not \"{}\"", c.id),
                ));
            }
            if self.categories[..i].iter().any(|o| o.id == c.id) {
                return Err((format!("{key}.id"), format!("\"{}\" is named twice", c.id)));
            }
            color(&format!("{key}.color"), &c.color)?;
        }
        Ok(())
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&CommentCategory> {
        self.categories.iter().find(|c| c.id == id)
    }
}
