//! The interface's language: the one configured (`ui.language`, `--lang`) and the one chosen
//! with the language button; a kiosk's reset goes back to the configured one.

use super::{SceneSet, Settings};
use crate::language::Language;
use bevy::prelude::*;

/// The interface's language now, and the configured one.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UiLanguage {
    /// Shown now.
    pub current: Language,
    /// As configured (a kiosk's home language).
    pub configured: Language,
}

/// Shows the interface in a language.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLanguage(pub Language);

pub(super) fn build(app: &mut App) {
    let configured = app
        .world()
        .get_resource::<Settings>()
        .map(|s| s.ui.language())
        .unwrap_or_default();
    app.insert_resource(UiLanguage {
        current: configured,
        configured,
    })
    .add_message::<SetLanguage>()
    .add_systems(Update, apply.in_set(SceneSet::Input));
}

fn apply(mut messages: MessageReader<SetLanguage>, mut language: ResMut<UiLanguage>) {
    if let Some(SetLanguage(l)) = messages.read().last().copied()
        && language.current != l
    {
        language.current = l;
    }
}
