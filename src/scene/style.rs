//! What buildings are coloured by: the attributes offered, the theme drawn, and the message
//! that changes it (the buildings plugin re-meshes off the main thread).

use crate::city::style::{Choice, Theme};
use bevy::prelude::*;

/// What buildings are coloured by.
#[derive(Resource, Debug, Default, Clone)]
pub struct BuildingStyle {
    /// The attributes offered (empty until the city is in and analysed).
    pub choices: Vec<Choice>,
    /// The theme drawn; `None` for the neutral style.
    pub theme: Option<Theme>,
    /// A restyle is being meshed.
    pub busy: bool,
}

/// Colours buildings by an attribute (`None`: the neutral style).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct SetBuildingStyle(pub Option<String>);

pub(super) fn build(app: &mut App) {
    app.init_resource::<BuildingStyle>()
        .add_message::<SetBuildingStyle>();
}
