//! The sun-hours study shown in the scene: what the UI asks ([`SunStudyCommand`]), how far
//! the study has come, its result for the baseline and the active scenario, which view of it
//! the heat map draws, and the hours at the place last clicked. The study plugin runs it off
//! the main thread with [`crate::sunlight`].

use crate::sunlight::{Hours, Summary};
use bevy::prelude::*;
use std::sync::Arc;

/// The ground around a scenario's site that its study covers too (m): where a new building's
/// shadow falls on its neighbours.
pub const SITE_MARGIN_M: f64 = 100.0;

/// Where a study looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StudyArea {
    /// The active scenario's site.
    ScenarioSite,
    /// A square of this side (m) around the point the camera looks at.
    AroundView(f64),
    /// A rectangle drawn on the ground, `[west, south, east, north]` (scene metres).
    Rectangle([f64; 4]),
}

/// Which hours the heat map draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StudyView {
    /// The city as it is.
    #[default]
    Baseline,
    /// With the scenario.
    Scenario,
    /// Scenario minus baseline: hours lost in red, gained in blue.
    Difference,
}

/// What the UI asks of the study.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum SunStudyCommand {
    /// Study this area on the scene clock's date (every 10 minutes, 2 m cells).
    Run(StudyArea),
    /// Stop the study under way.
    Cancel,
    /// Draw this view.
    Show(StudyView),
    /// Take the heat map away.
    Clear,
    /// Write the grids as CSV files (lon, lat, sun_hours) in the current folder.
    Export,
}

/// A finished study.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyResult {
    /// The date studied, in the scene's time zone.
    pub date: chrono::NaiveDate,
    /// The scene's time zone.
    pub time_zone: String,
    /// Sunrise and sunset as local `HH:MM`, when the sun rises and sets.
    pub sunrise: Option<String>,
    /// See `sunrise`.
    pub sunset: Option<String>,
    /// Hours from sunrise to sunset.
    pub day_length_h: f64,
    /// Minutes between samples.
    pub step_min: f64,
    /// What was studied ("the site of …", "600 m around the view").
    pub area_label: String,
    /// What was studied, for the interface to say in its language.
    pub area: StudyArea,
    /// The baseline's hours (cells outside the area are NaN).
    pub baseline: Arc<Hours>,
    /// The scenario's name and hours, when one was active.
    pub scenario: Option<(String, Arc<Hours>)>,
    /// The baseline's figures.
    pub baseline_summary: Summary,
    /// The scenario's figures.
    pub scenario_summary: Option<Summary>,
    /// Seconds the study took.
    pub seconds: f64,
    /// Rays traced.
    pub rays: u64,
}

/// The hours at a place clicked while a study is shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Where (scene metres, `[east, north]`).
    pub at: [f64; 2],
    /// The baseline's hours (`None` outside the study, NaN under a building).
    pub baseline: Option<f32>,
    /// The scenario's.
    pub scenario: Option<f32>,
}

/// Where a study stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum StudyStatus {
    /// Nothing under way.
    #[default]
    Idle,
    /// Tracing: the fraction done and what is being traced.
    Running {
        /// 0–1.
        fraction: f32,
        /// The scenario's name; `None` while the baseline is traced.
        what: Option<String>,
    },
    /// Why the last study could not run.
    Failed(crate::language::Phrase),
}

/// A study asked for on the command line (`--sun-study`), run once the city, the scenario
/// asked for and the place are in.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct InitialStudy {
    /// Where.
    pub area: StudyArea,
    /// The view to draw.
    pub view: StudyView,
}

/// The study as the scene shows it.
#[derive(Resource, Debug, Clone, Default)]
pub struct SunStudy {
    /// Where it stands.
    pub status: StudyStatus,
    /// The last result, drawn as the heat map.
    pub result: Option<Arc<StudyResult>>,
    /// The view drawn.
    pub view: StudyView,
    /// The hours at the place last clicked.
    pub reading: Option<Reading>,
    /// Where the grids were last exported, or why they could not be.
    pub export: Option<Result<String, crate::language::Phrase>>,
    /// The first corner of a rectangle being drawn ([`super::Tool::StudyArea`]), scene
    /// metres `[east, north]`.
    pub corner: Option<[f64; 2]>,
}

pub(super) fn build(app: &mut App) {
    app.init_resource::<SunStudy>()
        .add_message::<SunStudyCommand>();
}
