//! The sun of the scene: where it stands at the scene clock's time over the scene's place,
//! and that day's sunrise and sunset, in the scene's time zone (`scene.time_zone`, else the
//! zone at the origin). The environment lights the scene from it; the time panel shows it.
//! Kept up to date in [`super::SceneSet::Time`], after the clock moves.
//!
//! ```no_run
//! use bevy::prelude::*;
//! use citytwin::scene::SceneSun;
//! fn report(sun: Res<SceneSun>) {
//!     if let Some(p) = sun.position {
//!         info!("sun at {:.1}° azimuth, {:.1}° up", p.azimuth_deg, p.elevation_deg);
//!     }
//! }
//! ```

use super::{CityState, SceneClock, SceneSet, Settings};
use crate::sun::{self, SunDay, SunPosition};
use bevy::prelude::*;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The scene's sun.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct SceneSun {
    /// The scene's place (`[lon, lat]`), once the city is loaded.
    pub lonlat: Option<[f64; 2]>,
    /// The scene's time zone.
    pub time_zone: Tz,
    /// Degrees from the scene's grid north to true north (clockwise).
    pub grid_north_deg: f64,
    /// Where the sun stands at the clock's time.
    pub position: Option<SunPosition>,
    /// The clock's day: sunrise, sunset, solar noon.
    pub day: Option<SunDay>,
    /// Whether the light follows the clock (`sun.follow_clock`); else it stands where `[sun]`
    /// puts it.
    pub follows_clock: bool,
}

impl Default for SceneSun {
    fn default() -> Self {
        Self {
            lonlat: None,
            time_zone: chrono_tz::UTC,
            grid_north_deg: 0.0,
            position: None,
            day: None,
            follows_clock: true,
        }
    }
}

impl SceneSun {
    /// A time (ms since 1970) in the scene's time zone.
    pub fn local(&self, ms: i64) -> Option<DateTime<Tz>> {
        DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.with_timezone(&self.time_zone))
    }

    /// The moment a wall-clock time in the scene's zone names (the earlier of a repeated
    /// hour; none in a skipped one).
    pub fn at_local(&self, t: NaiveDateTime) -> Option<i64> {
        self.time_zone
            .from_local_datetime(&t)
            .earliest()
            .map(|d| d.timestamp_millis())
    }
}

/// A wall-clock time at the scene's place (`--at 2026-03-21T09:00`), applied to the clock
/// once the place, and so its time zone, is known.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct InitialLocalTime(pub NaiveDateTime);

pub(super) fn build(app: &mut App) {
    app.init_resource::<SceneSun>().add_systems(
        PreUpdate,
        follow.in_set(SceneSet::Time).after(super::clock::tick),
    );
}

/// Finds the place when the city arrives, then the sun at the clock's time; a study's day
/// played past sunset starts again at sunrise.
fn follow(
    mut commands: Commands,
    settings: Res<Settings>,
    city: Res<CityState>,
    mut clock: ResMut<SceneClock>,
    mut scene_sun: ResMut<SceneSun>,
    initial: Option<Res<InitialLocalTime>>,
) {
    // Nothing to do unless the time, the city or a time asked for is new.
    if !clock.is_changed() && !city.is_changed() && initial.is_none() {
        return;
    }
    let mut sun = scene_sun.clone();
    sun.follows_clock = settings.sun.follow_clock;
    if city.is_changed()
        && let Some(model) = &city.model
    {
        let lonlat = [model.origin.lon, model.origin.lat];
        if sun.lonlat != Some(lonlat) {
            sun.lonlat = Some(lonlat);
            sun.time_zone = settings.scene.zone_at(lonlat);
            sun.grid_north_deg = crate::georef::Georef::new(model.origin, Some(&model.crs))
                .map_or(0.0, |g| crate::sunlight::grid_convergence_deg(&g));
        }
    }
    let Some(lonlat) = sun.lonlat else {
        return;
    };
    if let Some(t) = initial {
        if let Some(ms) = sun.at_local(t.0) {
            clock.go_to_any(ms);
        }
        commands.remove_resource::<InitialLocalTime>();
    }
    let Some(now) = sun.local(clock.at()) else {
        return;
    };
    let date = now.date_naive();
    let day_changed = sun.day.is_none()
        || sun
            .day
            .as_ref()
            .and_then(|d| d.solar_noon)
            .is_none_or(|n| n.with_timezone(&sun.time_zone).date_naive() != date);
    if day_changed || scene_sun.lonlat != sun.lonlat {
        sun.day = sun::day(date, now.offset().fix(), lonlat).ok();
    }
    // Moves below a hundredth of a degree (live: about two seconds) are not news.
    let position = sun::position(&now, lonlat, 0.0).ok();
    let moved = match (sun.position, position) {
        (Some(a), Some(b)) => {
            (a.azimuth_deg - b.azimuth_deg).abs() > 0.01
                || (a.elevation_deg - b.elevation_deg).abs() > 0.01
        }
        (a, b) => a.is_some() != b.is_some(),
    };
    if moved {
        sun.position = position;
    }
    // A study playing through the day: past sunset, back to sunrise.
    if clock.is_free()
        && clock.is_playing()
        && let Some(day) = &sun.day
        && let (Some(rise), Some(set)) = (day.sunrise, day.sunset)
        && clock.at() > set.timestamp_millis()
    {
        clock.go_to_any(rise.timestamp_millis());
    }
    if *scene_sun != sun {
        *scene_sun = sun;
    }
}

use chrono::Offset as _;
