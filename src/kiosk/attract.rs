//! Attract mode: a kiosk left alone for `kiosk.attract_after_s` flies a guided tour through
//! `kiosk.tour`'s stops ([`crate::tour`] says which stop when), turning slowly at each, with
//! the stop's layers and scenario and its caption; the first touch stops it where it is and
//! shows how to explore for a few seconds. Without stops it turns slowly around the home view.

use super::LastTouch;
use crate::config::kiosk::TourStop;
use crate::scene::orbit::{OrbitLimits, OrbitState};
use crate::scene::{
    ActivateScenario, KioskState, Layers, MainCamera, OrbitCamera, Scenarios, SetLayerVisible,
    Settings, Views,
};
use crate::tour::{At, Tour, ease, rise};
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use std::collections::HashSet;

/// How fast the camera turns around a stop (degrees per second).
const TURN_DEG_PER_S: f32 = 2.0;

/// How long the hints stay after a touch stopped the tour (s).
const HINTS_S: f64 = 8.0;

/// The tour as it runs.
#[derive(Resource, Default)]
pub(super) struct Touring {
    /// When it started (real seconds) and where the camera was then.
    started: Option<(f64, OrbitState)>,
    /// The stop whose layers and scenario were applied, and the reset count then.
    applied: Option<(usize, u64)>,
    /// When the hints go away (real seconds).
    hints_until: f64,
    /// Names in the tour that match no layer or scenario, said once each.
    warned: HashSet<String>,
}

/// The messages a stop sends.
#[derive(bevy::ecs::system::SystemParam)]
pub(super) struct StopMessages<'w> {
    layer: MessageWriter<'w, SetLayerVisible>,
    scenario: MessageWriter<'w, ActivateScenario>,
    redraw: MessageWriter<'w, RequestRedraw>,
    layers: Res<'w, Layers>,
    scenarios: Res<'w, Scenarios>,
}

/// Runs, moves and stops the tour.
#[allow(clippy::too_many_arguments, reason = "a Bevy system")]
pub(super) fn tour(
    time: Res<Time<Real>>,
    settings: Res<Settings>,
    last: Res<LastTouch>,
    views: Res<Views>,
    mut state: ResMut<KioskState>,
    mut touring: ResMut<Touring>,
    camera: Option<Single<&mut OrbitCamera, With<MainCamera>>>,
    mut out: StopMessages,
) {
    let kiosk = &settings.kiosk;
    let now = time.elapsed_secs_f64();
    if !state.enabled || kiosk.attract_after_s <= 0.0 || views.views.is_empty() {
        return;
    }
    if last.idle_s(&time) < kiosk.attract_after_s {
        if touring.started.take().is_some() {
            info!("kiosk: a touch stopped the tour");
            touring.applied = None;
            touring.hints_until = now + HINTS_S;
            state.touring = false;
            state.stop = None;
            state.hints = true;
        } else if state.hints && now >= touring.hints_until {
            state.hints = false;
        }
        return;
    }
    let Some(mut camera) = camera else {
        return;
    };
    let (started, from) = *touring.started.get_or_insert((now, camera.current));
    if !state.touring {
        info!("kiosk: left alone, the tour starts");
        state.touring = true;
        state.hints = false;
    }
    let view = |name: &str| views.views.iter().find(|(n, _)| n == name).map(|v| v.1);
    // No stops: the home view, turning for as long as nobody comes.
    let home;
    let stops: &[TourStop] = if kiosk.tour.is_empty() {
        home = [TourStop {
            view: kiosk.home_view.clone(),
            en: String::new(),
            sv: String::new(),
            stay_s: 1e9,
            layers: None,
            scenario: None,
        }];
        &home
    } else {
        &kiosk.tour
    };
    let timing = Tour {
        stay_s: stops.iter().map(|s| s.stay_s).collect(),
        fly_s: kiosk.fly_s,
    };
    let Some(at) = timing.at(now - started) else {
        return;
    };
    // A stop's view, turned by the time spent there.
    let at_stop = |i: usize, for_s: f64| -> Option<OrbitState> {
        let mut s = view(&stops[i].view)?;
        s.heading += (TURN_DEG_PER_S * for_s as f32).to_radians();
        Some(s)
    };
    let wanted = match at {
        At::Staying { stop, for_s } => at_stop(stop, for_s),
        At::Flying {
            from: left,
            to,
            progress,
        } => {
            let a = match left {
                Some(i) => at_stop(i, stops[i].stay_s),
                None => Some(from),
            };
            a.zip(at_stop(to, 0.0))
                .map(|(a, b)| flight(&a, &b, progress))
        }
    };
    if let Some(wanted) = wanted {
        camera.target = wanted;
        out.redraw.write(RequestRedraw);
    }
    let stop = at.stop();
    state.stop = (!kiosk.tour.is_empty()).then_some(stop);
    // The stop's layers and scenario, once per stop (and again after a reset undid them).
    if touring.applied != Some((stop, state.resets)) {
        touring.applied = Some((stop, state.resets));
        show_stop(&stops[stop], &mut touring.warned, &mut out);
    }
}

/// The camera on a flight from `a` to `b`: eased at both ends, rising in the middle to see
/// both stops when they are far apart.
fn flight(a: &OrbitState, b: &OrbitState, progress: f64) -> OrbitState {
    let mut s = a.lerp(b, ease(progress) as f32);
    let gap = a.focus.distance(b.focus) as f64;
    let lift = rise(gap, a.distance.min(b.distance) as f64) - 1.0;
    let arc = 1.0 + lift * (std::f64::consts::PI * progress).sin();
    s.distance = (s.distance * arc as f32).min(OrbitLimits::default().max_distance);
    s
}

/// Shows a stop's layers (the others hidden) and scenario (by name; the baseline without).
fn show_stop(stop: &TourStop, warned: &mut HashSet<String>, out: &mut StopMessages) {
    if let Some(shown) = &stop.layers {
        for layer in out.layers.iter() {
            let visible = shown.contains(&layer.id);
            if layer.visible != visible {
                out.layer.write(SetLayerVisible {
                    layer: layer.id.clone(),
                    visible,
                });
            }
        }
        for id in shown {
            if out.layers.get(id).is_none() && warned.insert(format!("layer {id}")) {
                warn!("kiosk.tour: no layer \"{id}\" (the tour shows the others)");
            }
        }
    }
    let scenario = stop.scenario.as_ref().and_then(|name| {
        let found = out
            .scenarios
            .list
            .iter()
            .position(|e| e.scenario.name == *name);
        if found.is_none() && warned.insert(format!("scenario {name}")) {
            warn!("kiosk.tour: no scenario named \"{name}\" (the tour shows the baseline)");
        }
        found
    });
    if out.scenarios.active != scenario {
        out.scenario.write(ActivateScenario(scenario));
    }
}
