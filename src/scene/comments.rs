//! Citizens' comments in the scene: those the broker holds (through the live feed), the one
//! being written, the list's filters, and the messages the UI sends. The comments plugin
//! keeps this; the UI reads it.

use crate::comment::{Comment, Draft, Problem};
use crate::config::CommentsConfig;
use crate::language::Language;
use bevy::prelude::*;
use std::collections::BTreeMap;

/// The comments layer's id in [`super::Layers`].
pub const COMMENTS_LAYER: &str = "comments";

/// A spot picked for a comment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spot {
    /// Scene coordinates `[x, up, −north]`.
    pub scene: [f64; 3],
    /// Longitude and latitude.
    pub lonlat: [f64; 2],
    /// Height above the ground (m).
    pub height: f64,
}

/// Where writing a comment stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Writing {
    /// Not writing.
    #[default]
    Closed,
    /// The form is open: a spot to tap, a category, the text.
    Open,
    /// Submitted: waiting for the broker (the comment waits on disk meanwhile).
    Sending(String),
}

/// A note for the person writing: a problem, or that all went well.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentNotice {
    /// Something to put right, or wait for.
    Problem(Problem),
    /// The broker has the comment (since when).
    Thanks(std::time::Instant),
}

/// The comments and the form.
#[derive(Resource, Debug, Clone, Default)]
pub struct CommentsState {
    /// Every comment the broker holds, by id (hidden ones included; only moderators see
    /// them).
    pub comments: BTreeMap<String, Comment>,
    /// The settings (`[comments]`).
    pub config: Option<CommentsConfig>,
    /// The interface's language.
    pub language: Language,
    /// Whether this viewer may hide and show comments.
    pub moderator: bool,
    /// Whether the city came from a broker (else nothing can be written).
    pub has_broker: bool,
    /// The form.
    pub writing: Writing,
    /// What is being written.
    pub draft: Draft,
    /// The spot picked.
    pub spot: Option<Spot>,
    /// Tie the comment to the active scenario.
    pub about_scenario: bool,
    /// The last note for the person.
    pub notice: Option<CommentNotice>,
    /// The on-screen keyboard opens with the form (`comments.on_screen_keyboard`).
    pub keyboard: bool,
    /// Comments waiting on disk for the broker.
    pub queued: usize,
    /// When this viewer last sent one (for `comments.min_interval_s`).
    pub last_sent: Option<std::time::Instant>,
    /// The list shows only this category.
    pub category_filter: Option<String>,
    /// The list shows only comments about this scenario (`Some(None)`: about none).
    pub scenario_filter: Option<Option<String>>,
    /// The comment picked in the list.
    pub selected: Option<String>,
}

impl CommentsState {
    /// Whether a comment is shown to this viewer: not hidden (or this viewer moderates) and
    /// passing the filters.
    pub fn shows(&self, c: &Comment) -> bool {
        (!c.hidden || self.moderator)
            && self
                .category_filter
                .as_ref()
                .is_none_or(|f| *f == c.category)
            && self
                .scenario_filter
                .as_ref()
                .is_none_or(|f| *f == c.scenario)
    }

    /// The comments shown, newest first.
    pub fn listed(&self) -> Vec<&Comment> {
        let mut v: Vec<&Comment> = self.comments.values().filter(|c| self.shows(c)).collect();
        v.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        v
    }

    /// A category's name in the interface's language (its id when not configured).
    pub fn category_name(&self, id: &str) -> String {
        self.config
            .as_ref()
            .and_then(|c| c.category(id))
            .map_or_else(|| id.to_owned(), |c| c.name(self.language).to_owned())
    }
}

/// Where each shown comment's pin stands in the scene (its head, `[x, up, −north]`), for the
/// UI's card beside the picked one.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct CommentPins(pub std::collections::HashMap<String, Vec3>);

/// What the UI asks of the comments.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum CommentCommand {
    /// Open the form (the next tap on the view picks the spot).
    Write,
    /// Send the draft.
    Submit,
    /// Close the form (the draft is dropped).
    Cancel,
    /// The category chosen.
    SetCategory(String),
    /// The text as it stands.
    SetText(String),
    /// Tie the comment to the active scenario, or not.
    AboutScenario(bool),
    /// Put the comment at a place (longitude, latitude, height above the ground) instead of
    /// tapping it: for the keyboard and for scripts.
    SetSpot([f64; 2], f64),
    /// Show only a category (`None`: all).
    FilterCategory(Option<String>),
    /// Show only comments about a scenario (`Some(None)`: about none; `None`: all).
    FilterScenario(Option<Option<String>>),
    /// Hide a comment (moderators), or show it again.
    SetHidden(String, bool),
    /// Bring a comment into view and pick it.
    FlyTo(String),
    /// Let go of the picked comment.
    Unpick,
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<CommentsState>()
        .init_resource::<CommentPins>()
        .add_message::<CommentCommand>();
}
