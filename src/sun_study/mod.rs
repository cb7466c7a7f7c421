//! The sun-hours study in the viewer: on [`SunStudyCommand::Run`] it studies the scene
//! clock's date over an area — the active scenario's site, or a square around the view —
//! for the baseline and the active scenario, on a background thread with progress and
//! cancelling ([`crate::sunlight`]); the result goes to [`SunStudy`] and is drawn on the
//! ground as a heat map ([`heat_map`]). A click on the ground reads the hours there.

mod heat_map;

pub use heat_map::SunHoursMaterial;

use crate::cancel::Cancel;
use crate::city::CityModel;
use crate::georef::Georef;
use crate::language::Phrase;
use crate::scenario::Applied;
use crate::scene::{
    self, CityState, Compare, EditTool, InitialScenario, InitialStudy, MainCamera, OrbitCamera,
    Reading, Scenarios, SceneClock, SceneSet, SceneSun, StudyArea, StudyResult, StudyStatus,
    StudyView, SunStudy, SunStudyCommand, TerrainState, ToggleScenario, Tool, ViewClicked,
    ViewMapping,
};
use crate::sunlight::{self, Grid, Hours, Occluders, Progress, Summary, samples};
use crate::worker::Worker;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use crossbeam_channel::{Receiver, bounded};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Cell size of the viewer's studies (m).
pub const CELL_M: f64 = 2.0;
/// Minutes between samples of the sun.
pub const STEP_MIN: f64 = 10.0;
pub use crate::scene::SITE_MARGIN_M;

/// Runs sun-hours studies and draws them.
pub struct SunStudyPlugin;

impl Plugin for SunStudyPlugin {
    fn build(&self, app: &mut App) {
        scene::ensure(app);
        app.add_systems(
            Update,
            (
                start_initial.in_set(SceneSet::Load).before(commands),
                commands.in_set(SceneSet::Load),
                poll.in_set(SceneSet::Load).after(commands),
                read_point.in_set(SceneSet::Pick),
            ),
        );
        heat_map::build(app);
    }
}

/// Runs the study asked for on the command line once the city, the scenario asked for and
/// the place are in.
fn start_initial(
    mut commands: Commands,
    initial: Option<Res<InitialStudy>>,
    city: Res<CityState>,
    scenarios: Res<Scenarios>,
    pending_scenario: Option<Res<InitialScenario>>,
    sun: Res<SceneSun>,
    mut out: MessageWriter<SunStudyCommand>,
) {
    let Some(initial) = initial else {
        return;
    };
    if !city.is_ready() || scenarios.busy || pending_scenario.is_some() || sun.lonlat.is_none() {
        return;
    }
    out.write(SunStudyCommand::Run(initial.area));
    out.write(SunStudyCommand::Show(initial.view));
    commands.remove_resource::<InitialStudy>();
}

/// A study under way; dropping it stops the thread (cancelled and joined).
struct Job {
    _worker: Worker,
    progress: Arc<Progress>,
    /// 0 while the baseline is traced, 1 for the scenario.
    pass: Arc<AtomicUsize>,
    scenario: Option<String>,
    result: Receiver<Result<Option<StudyResult>, Phrase>>,
}

fn commands(
    mut messages: MessageReader<SunStudyCommand>,
    mut study: ResMut<SunStudy>,
    mut job: Local<Option<Job>>,
    city: Res<CityState>,
    scenarios: Res<Scenarios>,
    (sun, clock, terrain): (Res<SceneSun>, Res<SceneClock>, Option<Res<TerrainState>>),
    orbit: Query<&OrbitCamera, With<MainCamera>>,
    mut toggle: MessageWriter<ToggleScenario>,
) {
    for m in messages.read() {
        match *m {
            SunStudyCommand::Run(area) => {
                // A study under way gives way to the new one.
                *job = None;
                let focus = orbit.single().ok().map(|o| o.current.focus);
                let terrain = terrain.as_ref().and_then(|t| t.grid.clone());
                match start(&city, &scenarios, &sun, clock.at(), area, (focus, terrain)) {
                    Ok(j) => {
                        study.status = StudyStatus::Running {
                            fraction: 0.0,
                            what: None,
                        };
                        *job = Some(j);
                    }
                    Err(why) => study.status = StudyStatus::Failed(why),
                }
            }
            SunStudyCommand::Cancel => {
                *job = None;
                study.status = StudyStatus::Idle;
            }
            SunStudyCommand::Show(view) => {
                study.view = view;
                // The buildings shown match the hours drawn.
                if scenarios.active.is_some() && scenarios.compare == Compare::Toggle {
                    toggle.write(ToggleScenario(Some(view != StudyView::Baseline)));
                }
            }
            SunStudyCommand::Clear => {
                study.result = None;
                study.reading = None;
            }
            SunStudyCommand::Export => {
                study.export = study.result.as_ref().map(|r| export(r, &city));
            }
        }
    }
    // Progress, and the result when it comes.
    let Some(j) = job.as_ref() else {
        return;
    };
    match j.result.try_recv() {
        Ok(Ok(Some(result))) => {
            study.result = Some(Arc::new(result));
            study.reading = None;
            study.status = StudyStatus::Idle;
            *job = None;
        }
        Ok(Ok(None)) => *job = None,
        Ok(Err(why)) => {
            study.status = StudyStatus::Failed(why);
            *job = None;
        }
        Err(crossbeam_channel::TryRecvError::Empty) => {
            let pass = j.pass.load(Ordering::Relaxed);
            let passes = if j.scenario.is_some() { 2.0 } else { 1.0 };
            let fraction = ((pass as f64 + j.progress.fraction()) / passes) as f32;
            let what = match (pass, &j.scenario) {
                (1, Some(name)) => Some(name.clone()),
                _ => None,
            };
            let running = StudyStatus::Running { fraction, what };
            if study.status != running {
                study.status = running;
            }
        }
        Err(crossbeam_channel::TryRecvError::Disconnected) => {
            study.status = StudyStatus::Failed(Phrase::new("study-stopped"));
            *job = None;
        }
    }
}

/// While a study runs, the window keeps drawing so its progress shows; a corner drawn is
/// dropped when the tool changes.
fn poll(
    mut study: ResMut<SunStudy>,
    tool: Res<EditTool>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    if tool.tool != Tool::StudyArea && study.corner.is_some() {
        study.corner = None;
    }
    if matches!(study.status, StudyStatus::Running { .. }) {
        redraw.write(RequestRedraw);
    }
}

/// Starts a study on its own thread.
fn start(
    city: &CityState,
    scenarios: &Scenarios,
    sun: &SceneSun,
    at_ms: i64,
    area: StudyArea,
    (focus, terrain): (Option<Vec3>, Option<Arc<crate::terrain::HeightGrid>>),
) -> Result<Job, Phrase> {
    let loading = || Phrase::new("study-city-loading");
    let model = city.model.clone().ok_or_else(loading)?;
    let lonlat = sun.lonlat.ok_or_else(loading)?;
    let date = sun
        .local(at_ms)
        .map(|t| t.date_naive())
        .ok_or(Phrase::new("study-time-out-of-range"))?;
    let applied = scenarios.active_applied().cloned();
    let scenario_name = scenarios
        .active_entry()
        .map(|e| e.scenario.name.clone())
        .filter(|_| applied.is_some());
    let (footprint, label) = match area {
        StudyArea::ScenarioSite => {
            let site = applied
                .as_ref()
                .and_then(|a| a.site.clone())
                .ok_or(Phrase::new("study-no-site"))?;
            let name = scenario_name.clone().unwrap_or_default();
            (
                sunlight::StudyArea {
                    footprint: site,
                    margin: SITE_MARGIN_M,
                },
                format!("The site of {name} and {SITE_MARGIN_M:.0} m around it"),
            )
        }
        StudyArea::AroundView(side) => {
            let f = focus.unwrap_or(Vec3::ZERO);
            let (x, y, h) = (f64::from(f.x), -f64::from(f.z), side / 2.0);
            (
                rectangle([x - h, y - h, x + h, y + h])?,
                format!("{side:.0} m × {side:.0} m around the view"),
            )
        }
        StudyArea::Rectangle([w, s, e, n]) => (
            rectangle([w, s, e, n])?,
            format!("The rectangle drawn ({:.0} m × {:.0} m)", e - w, n - s),
        ),
    };
    let grid = Grid::covering(footprint.bounds(), CELL_M, 4_000_000)
        .ok_or(Phrase::new("study-too-large"))?;
    let progress = Arc::new(Progress::default());
    let pass = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = bounded(1);
    let (p, n) = (progress.clone(), pass.clone());
    let zone = sun.time_zone;
    let grid_north = sun.grid_north_deg;
    let scenario = scenario_name.clone();
    let worker = Worker::spawn("sun-hours study", move |c: Cancel| {
        let started = Instant::now();
        let path = samples::path(date, zone, lonlat, STEP_MIN);
        let trace = |applied: Option<&Applied>| -> Option<Hours> {
            let standing = crate::scenario::standing(&model, applied);
            let surface = terrain.clone().map(sunlight::TerrainSurface::new);
            let occluders = Occluders::on_terrain(standing, grid.centre(), grid_north, surface);
            sunlight::study_area(&occluders, &path, grid, &footprint, &c, &p)
        };
        let Some(baseline) = trace(None) else {
            let _ = tx.send(Ok(None));
            return;
        };
        n.store(1, Ordering::Relaxed);
        let scenario_hours = match (&applied, &scenario) {
            (Some(a), Some(name)) => match trace(Some(a)) {
                Some(h) => Some((name.clone(), Arc::new(h))),
                None => {
                    let _ = tx.send(Ok(None));
                    return;
                }
            },
            _ => None,
        };
        let summary = |h: &Hours| Summary::of(h, |_| true);
        let hm = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.with_timezone(&zone).format("%H:%M").to_string())
        };
        let rays = baseline.rays + scenario_hours.as_ref().map_or(0, |(_, h)| h.rays);
        let result = StudyResult {
            date,
            time_zone: zone.name().to_owned(),
            sunrise: hm(path.sunrise),
            sunset: hm(path.sunset),
            day_length_h: path.day_length_h,
            step_min: STEP_MIN,
            area_label: label,
            area,
            baseline_summary: summary(&baseline),
            scenario_summary: scenario_hours.as_ref().map(|(_, h)| summary(h)),
            baseline: Arc::new(baseline),
            scenario: scenario_hours,
            seconds: started.elapsed().as_secs_f64(),
            rays,
        };
        let _ = tx.send(Ok(Some(result)));
    })
    .map_err(|e| Phrase::new("study-cannot-start").with("error", e.to_string()))?;
    Ok(Job {
        _worker: worker,
        progress,
        pass,
        scenario: scenario_name,
        result: rx,
    })
}

/// A rectangle `[west, south, east, north]` (scene metres) as a study area.
fn rectangle([w, s, e, n]: [f64; 4]) -> Result<sunlight::StudyArea, Phrase> {
    if !(e - w >= 4.0 && n - s >= 4.0) {
        return Err(Phrase::new("study-rectangle-too-small"));
    }
    let ring = vec![[w, s], [e, s], [e, n], [w, n], [w, s]];
    let footprint = crate::geometry::Footprint::new(vec![vec![ring]])
        .map_err(|e| Phrase::plain(e.to_string()))?;
    Ok(sunlight::StudyArea {
        footprint,
        margin: 0.0,
    })
}

/// Writes the grids as CSV in the current folder.
fn export(result: &StudyResult, city: &CityState) -> Result<String, Phrase> {
    let model: &CityModel = city
        .model
        .as_deref()
        .ok_or(Phrase::new("study-city-loading"))?;
    let georef =
        Georef::new(model.origin, Some(&model.crs)).map_err(|e| Phrase::plain(e.to_string()))?;
    let to_lonlat = |p: [f64; 2]| {
        georef
            .scene_to_lonlat([p[0], 0.0, -p[1]])
            .ok()
            .map(|(l, _)| [l.lon, l.lat])
    };
    let mut written = Vec::new();
    let grids = std::iter::once(("baseline", &result.baseline))
        .chain(result.scenario.as_ref().map(|(_, h)| ("scenario", h)));
    for (name, hours) in grids {
        let file = format!("sun-hours-{}-{name}.csv", result.date);
        std::fs::write(&file, hours.to_csv(to_lonlat)).map_err(|e| {
            Phrase::new("cannot-write")
                .with("file", file.clone())
                .with("error", e.to_string())
        })?;
        written.push(file);
    }
    Ok(written.join(", "))
}

/// A click on the ground: with the study-area tool, a corner of the rectangle (the second one
/// starts the study); otherwise, while a study is shown, the hours there.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
fn read_point(
    mut clicks: MessageReader<ViewClicked>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    view: ViewMapping,
    mut study: ResMut<SunStudy>,
    mut tool: ResMut<EditTool>,
    mut run: MessageWriter<SunStudyCommand>,
) {
    let Some(at) = clicks.read().last().map(|c| c.0) else {
        return;
    };
    let Ok((cam, transform)) = camera.single() else {
        return;
    };
    let Some(at) = view.ground_at(cam, transform, at) else {
        return;
    };
    if tool.tool == Tool::StudyArea {
        match study.corner.take() {
            None => study.corner = Some(at),
            Some(a) => {
                let bounds = [
                    a[0].min(at[0]),
                    a[1].min(at[1]),
                    a[0].max(at[0]),
                    a[1].max(at[1]),
                ];
                run.write(SunStudyCommand::Run(StudyArea::Rectangle(bounds)));
                tool.tool = Tool::Select;
            }
        }
        return;
    }
    let Some(result) = study.result.clone() else {
        return;
    };
    if result.baseline.grid.cell_at(at).is_none() {
        study.reading = None;
        return;
    }
    study.reading = Some(Reading {
        at,
        baseline: result.baseline.at(at),
        scenario: result.scenario.as_ref().and_then(|(_, h)| h.at(at)),
    });
}
