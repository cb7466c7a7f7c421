//! Layers: named groups of scene content that the user switches on and off.
//!
//! A plugin registers its layer with [`Layers::register`] and tags the root entity of its
//! content with [`LayerMember`]; the UI lists the layers and sends [`SetLayerVisible`]; the
//! layers plugin keeps the members' visibility in step.
//!
//! ```no_run
//! use bevy::prelude::*;
//! use citytwin::scene::{LayerMember, Layers};
//! fn setup(mut commands: Commands, mut layers: ResMut<Layers>) {
//!     layers.register("bike-lanes", "Bike lanes");
//!     commands.spawn((Transform::default(), Visibility::default(), LayerMember::of("bike-lanes")));
//! }
//! ```

use crate::language::Localized;
use bevy::prelude::*;

/// One layer as the layer list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Stable identifier (used by [`LayerMember`] and messages).
    pub id: String,
    /// Name shown to users (in each language).
    pub name: Localized,
    /// Whether it is drawn.
    pub visible: bool,
    /// How many items it holds (shown next to the name), if known.
    pub count: Option<usize>,
}

/// All layers, in the order they were registered.
#[derive(Resource, Debug, Default)]
pub struct Layers {
    layers: Vec<Layer>,
}

impl Layers {
    /// Adds a visible layer (or returns the existing one with this id).
    pub fn register(&mut self, id: impl Into<String>, name: impl Into<Localized>) -> &mut Layer {
        let id = id.into();
        let index = match self.layers.iter().position(|l| l.id == id) {
            Some(i) => i,
            None => {
                self.layers.push(Layer {
                    id,
                    name: name.into(),
                    visible: true,
                    count: None,
                });
                self.layers.len() - 1
            }
        };
        &mut self.layers[index]
    }

    /// Adds a visible layer right after the layer `after` (at the end when there is no such
    /// layer), or returns the existing one with this id: a plugin's sub-layers stay together
    /// under its main layer whatever registered in between.
    pub fn register_after(
        &mut self,
        after: &str,
        id: impl Into<String>,
        name: impl Into<Localized>,
    ) -> &mut Layer {
        let id = id.into();
        if let Some(i) = self.layers.iter().position(|l| l.id == id) {
            return &mut self.layers[i];
        }
        let at = self
            .layers
            .iter()
            .position(|l| l.id == after)
            .map_or(self.layers.len(), |i| i + 1);
        self.layers.insert(
            at,
            Layer {
                id,
                name: name.into(),
                visible: true,
                count: None,
            },
        );
        &mut self.layers[at]
    }

    /// The layers in order.
    pub fn iter(&self) -> impl Iterator<Item = &Layer> {
        self.layers.iter()
    }

    /// A layer by id.
    pub fn get(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// A layer by id, mutable.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Layer> {
        self.layers.iter_mut().find(|l| l.id == id)
    }

    /// Whether a layer is visible (unknown layers are).
    pub fn is_visible(&self, id: &str) -> bool {
        self.get(id).is_none_or(|l| l.visible)
    }
}

/// Marks the root entity of a layer's content; its [`Visibility`] follows the layer.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct LayerMember(pub String);

impl LayerMember {
    /// Membership of the layer `id`.
    pub fn of(id: impl Into<String>) -> Self {
        Self(id.into())
    }
}

/// Asks to show or hide a layer.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct SetLayerVisible {
    /// The layer id.
    pub layer: String,
    /// Show (true) or hide.
    pub visible: bool,
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<Layers>()
        .add_message::<SetLayerVisible>();
}
