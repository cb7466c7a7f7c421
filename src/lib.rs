//! citytwin: a GPU-rendered 3D city digital-twin viewer for NGSI-LD context brokers.
//!
//! Data flows one way: a [`source`] (a file, the built-in demo, later a broker) yields
//! [`ngsi_ld`] entities; [`city`] decodes the buildings among them, [`georef`] places them in
//! local metres around a scene origin, [`geometry`] extrudes them into meshes batched in
//! tiles; Bevy plugins ([`app::CityTwinPlugins`]) put them in the scene, and the [`ui`] reads
//! the scene's state and sends commands back.
//!
//! The pure cores (`ngsi_ld`, `georef`, `geometry`, `city`, `config`, `source`, `check`) have
//! no Bevy in them and are tested alone. Each concern that touches the ECS is one plugin:
//! [`clock`], [`buildings`], [`sensors`], [`camera`], [`environment`], [`layers`], [`ui`],
//! [`capture`].

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod app;
pub mod bench;
pub mod broker;
pub mod buildings;
pub mod camera;
pub mod capture;
pub mod check;
pub mod city;
pub mod clock;
pub mod config;
pub mod diagnostics;
pub mod environment;
pub mod geometry;
pub mod georef;
pub mod layers;
pub mod ngsi_ld;
pub mod sensors;
pub mod simulate;
pub mod source;
pub mod timestamp;
pub mod ui;
