//! What can keep a comment from being sent, told to the person in their language. The text
//! they wrote is always kept.

use crate::language::Language;

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
        let sv = lang == Language::Swedish;
        match self {
            Self::EmptyText => if sv {
                "Skriv något först."
            } else {
                "Write something first."
            }
            .to_owned(),
            Self::TooLong { chars, max } => {
                if sv {
                    format!(
                        "Texten har {chars} tecken; högst {max} får plats. Korta den med {} tecken.",
                        chars - max
                    )
                } else {
                    format!(
                        "The text has {chars} characters; at most {max} fit. Shorten it by {}.",
                        chars - max
                    )
                }
            }
            Self::NoCategory => if sv {
                "Välj vad det gäller: idé, problem, fråga eller beröm."
            } else {
                "Choose what it is: an idea, a problem, a question or praise."
            }
            .to_owned(),
            Self::OffScene => if sv {
                "Den platsen ligger utanför kartan. Tryck på marken eller på en byggnad."
            } else {
                "That spot is outside the map. Tap the ground or a building."
            }
            .to_owned(),
            Self::NoSpot => if sv {
                "Tryck först på platsen i 3D-vyn som kommentaren gäller."
            } else {
                "First tap the spot in the 3D view that the comment is about."
            }
            .to_owned(),
            Self::TooSoon { wait_s } => {
                if sv {
                    format!("En kommentar i taget: vänta {wait_s} sekunder och försök igen.")
                } else {
                    format!("One comment at a time: wait {wait_s} seconds and try again.")
                }
            }
            Self::NoBroker => if sv {
                "Staden lästes från en fil, så det finns ingen server att spara kommentarer i. \
                 Starta citytwin med --broker eller demon."
            } else {
                "This city was read from a file, so there is no broker to keep comments. \
                 Start citytwin with --broker URL (or the demo)."
            }
            .to_owned(),
            Self::Refused { status } => {
                let why = match (status, sv) {
                    (403, true) => "servern tillåter inte att kommentarer skrivs här",
                    (403, false) => "the broker does not allow comments to be written here",
                    (413, true) => "texten är för stor för servern",
                    (413, false) => "the text is too large for the broker",
                    (_, true) => "servern tog inte emot den",
                    (_, false) => "the broker did not accept it",
                };
                if sv {
                    format!(
                        "Kommentaren sparades inte: {why} ({status}). Din text finns kvar; \
                         be personalen om hjälp."
                    )
                } else {
                    format!(
                        "The comment was not saved: {why} ({status}). Your text is kept; ask \
                         the staff or the organisers for help."
                    )
                }
            }
            Self::Waiting => if sv {
                "Servern svarar inte just nu. Kommentaren är sparad på den här datorn och \
                 skickas när servern svarar igen."
            } else {
                "The broker is not answering now. The comment is kept on this computer and \
                 will be sent when the broker answers again."
            }
            .to_owned(),
        }
    }
}
