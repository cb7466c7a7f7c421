//! Sensors: entities of the configured sensor layers drawn as markers at their places,
//! coloured and labelled by their main value, kept live as the broker changes.
//!
//! [`model`] holds the Bevy-free part (layers, decoding, merging changes).

pub mod model;

pub use model::{
    Colors, Decoder, LegendEntry, MarkerShape, Merge, MergeStats, Place, Reading, Sensor,
    SensorLayer, SensorStore,
};
