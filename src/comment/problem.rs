//! What can keep a comment from being sent, told to the person in their language. The text
//! they wrote is always kept.

use crate::language::{Arg, Language};

/// Why a comment was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing written.
    EmptyText,
    /// More than the limit.
    TooLong {
        /// Characters written.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// No category (or one not in the list) chosen.
    NoCategory,
    /// The spot is not in the scene (the sky, or beyond the city).
    OffScene,
    /// No spot chosen yet.
    NoSpot,
    /// The kiosk takes one comment per interval: wait this many seconds.
    TooSoon {
        /// Seconds left.
        wait_s: u64,
    },
    /// The city was read from a file: no broker to keep comments.
    NoBroker,
    /// The broker refused to store it (a 4xx answer other than "already there").
    Refused {
        /// HTTP status.
        status: u16,
    },
    /// The broker cannot be reached or failed (5xx): the comment waits on this computer and
    /// is sent when the broker answers.
    Waiting,
}

impl Problem {
    /// The message for the person, in `lang`.
    ///
    /// ```
    /// use citytwin::comment::Problem;
    /// use citytwin::language::Language;
    /// let p = Problem::TooLong { chars: 612, max: 500 };
    /// assert!(p.message(Language::English).contains("612"));
    /// assert!(p.message(Language::Swedish).contains("tecken"));
    /// ```
    pub fn message(&self, lang: Language) -> String {
        match self {
            Self::EmptyText => lang.t("comment-empty"),
            Self::TooLong { chars, max } => lang.t_with(
                "comment-too-long",
                &[
                    ("chars", (*chars).into()),
                    ("max", (*max).into()),
                    ("over", chars.saturating_sub(*max).into()),
                ],
            ),
            Self::NoCategory => lang.t("comment-no-category"),
            Self::OffScene => lang.t("comment-off-scene"),
            Self::NoSpot => lang.t("comment-no-spot"),
            Self::TooSoon { wait_s } => {
                lang.t_with("comment-too-soon", &[("seconds", (*wait_s).into())])
            }
            Self::NoBroker => lang.t("comment-no-broker"),
            Self::Refused { status } => {
                let why = match status {
                    403 => "comment-refused-403",
                    413 => "comment-refused-413",
                    _ => "comment-refused-other",
                };
                lang.t_with(
                    "comment-refused",
                    &[
                        ("why", lang.t(why).into()),
                        ("status", Arg::Text(status.to_string().into())),
                    ],
                )
            }
            Self::Waiting => lang.t("comment-waiting"),
        }
    }
}
