//! The scene's clock without Bevy ([`model`]): live, or replaying the last hours, paused or
//! playing at a chosen speed; and times as people read them on this machine's clock. The
//! scene keeps one ([`crate::scene::SceneClock`]) and moves it on each frame.

pub mod model;
