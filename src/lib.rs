//! citytwin: a GPU-rendered 3D city digital-twin viewer for NGSI-LD context brokers.
//!
//! Data flows one way: a [`source`] (a file, the built-in demo, a broker) yields [`ngsi_ld`]
//! entities; [`city`] decodes the buildings and sensors among them, [`georef`] places them in
//! local metres around a scene origin, [`geometry`] extrudes them into meshes batched in
//! tiles; the viewer's plugins put them in the [`scene`], and the [`ui`] reads the scene and
//! sends messages back.
//!
//! The modules come in four layers; a module may use those of its own layer and the layers
//! above it in this list, never one below (a test, `layering` in `tests/it`, holds the table
//! of allowed edges, and there are no cycles):
//!
//! **Core**: pure Rust, no Bevy and no servers, each tested alone.
//! - [`timestamp`]: times as NGSI-LD writes them (RFC 3339) and durations.
//! - [`cancel`]: asking long work to stop.
//! - [`ngsi_ld`]: the data model, payload parsing, queries and the HTTP client.
//! - [`georef`]: longitude/latitude to scene metres and back, through PROJ.
//! - [`geometry`]: footprints, extrusion into meshes, picking.
//! - [`basemap`]: the ground under the buildings (streets, water, parks, …) from
//!   OpenStreetMap or GeoJSON, meshed flat in tiles.
//! - [`terrain`]: elevation models from GeoTIFF in any CRS, resampled onto the scene's
//!   metres and cut into a quadtree of tiles with skirts.
//! - [`maptiles`]: raster map tiles (XYZ, WMTS) in Web Mercator: which a view needs, their
//!   disk cache, fetching with HTTP caching, meshes draped on the ground or the terrain.
//! - [`tiles3d`]: 3D Tiles 1.0 and 1.1: tilesets read into trees of tiles placed in ECEF.
//! - [`config`]: the configuration, section by section, with validation.
//! - [`source`]: reading a file, the demo's data or a broker (it never starts a server).
//! - [`city`]: buildings and sensors decoded, sensor layers, past values, tiles, styles,
//!   loading by viewport.
//! - [`clock`]: the scene clock without Bevy, and local time.
//! - [`scenario`]: planning scenarios (proposals beside the baseline) and their KPIs.
//! - [`measure`]: distances, heights and areas measured in the scene.
//! - [`sun`]: where the sun is (NREL SPA), sunrise and sunset, time zones of places.
//! - [`sunlight`]: sun-hours studies: the ground's hours of sun among the buildings.
//! - [`comment`]: citizens' comments as NGSI-LD `IssueReporting` entities, their disk queue
//!   and exports.
//! - [`idle`]: a kiosk left alone: the warning's countdown and the reset.
//! - [`pin`]: the kiosk's exit PIN, kept only hashed.
//! - [`tour`]: the kiosk's guided tour: which stop when, and smooth flights between them.
//! - [`language`]: the languages of the interface (English, Swedish), its message catalogue
//!   and numbers and dates as each language writes them.
//!
//! **Services**: threads and servers, no ECS.
//! - [`worker`]: background threads that belong to a handle and are stopped in order.
//! - [`broker`]: the local NGSI-LD broker (`citytwin broker`).
//! - [`simulate`]: simulated sensors.
//! - [`live`]: the live feed that keeps sensors in step with a broker.
//! - [`tileset_feed`]: a 3D Tiles tileset streamed with the camera on a thread.
//! - [`map_feed`]: the map tiles the camera needs, fetched, decoded and draped on a thread.
//! - [`outbox`]: comments sent to the broker, kept on disk while it is away.
//! - [`demo`]: the demo's local broker and simulator, for the viewer and `check` alike.
//!
//! **Viewer** (Bevy): the scene at the bottom, one plugin per concern above it, the UI, and
//! the app that composes them.
//! - [`scene`]: the state every plugin reads, the messages they send, the frame's order.
//! - [`layers`]: layer visibility.
//! - [`camera`]: the orbit camera and its controls.
//! - [`environment`]: sky and sun.
//! - [`ground`]: the ground plane and the base map on it (streets, water, parks, …).
//! - [`buildings`]: loading, tiles, picking, styles.
//! - [`sensors`]: markers and the live feed in the scene.
//! - [`scenarios`]: planning scenarios read, placed against the city, switched, edited,
//!   saved and published.
//! - [`editing`]: drawing, moving and dropping buildings into a scenario in 3D.
//! - [`measuring`]: the Measure tool: points picked on buildings and the ground.
//! - [`comments`]: citizens' comments: the layer of pins, writing, sending, moderation.
//! - [`sun_study`]: the sun-hours study run off the main thread and drawn as a heat map.
//! - [`tilesets`]: 3D Tiles tilesets streamed with the camera beside the buildings.
//! - [`kiosk`]: a kiosk left alone shows a guided tour, asks "Are you still there?", then
//!   resets itself.
//! - [`capture`]: screenshots and saved pictures.
//! - [`diagnostics`]: frame statistics.
//! - [`ui`]: the egui interface.
//! - [`app`]: [`app::CityTwinPlugins`] and the window; composition only.
//!
//! **Commands**: [`cli`], one module per `citytwin` command.

#![warn(missing_docs)]
#![deny(unsafe_code)]

// Core
pub mod basemap;
pub mod cancel;
pub mod city;
pub mod clock;
pub mod comment;
pub mod config;
pub mod geometry;
pub mod georef;
pub mod idle;
pub mod language;
pub mod maptiles;
pub mod measure;
pub mod ngsi_ld;
pub mod pin;
pub mod scenario;
pub mod source;
pub mod sun;
pub mod sunlight;
pub mod terrain;
pub mod tiles3d;
pub mod timestamp;
pub mod tour;

// Services
pub mod broker;
pub mod demo;
pub mod live;
pub mod map_feed;
pub mod outbox;
pub mod simulate;
pub mod tileset_feed;
pub mod worker;

// Viewer
pub mod app;
pub mod buildings;
pub mod camera;
pub mod capture;
pub mod comments;
pub mod diagnostics;
pub mod editing;
pub mod environment;
pub mod ground;
pub mod kiosk;
pub mod layers;
pub mod measuring;
pub mod scenarios;
pub mod scene;
pub mod sensors;
pub mod sun_study;
pub mod tilesets;
pub mod ui;

// Commands
pub mod cli;
