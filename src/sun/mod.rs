//! Where the sun is: its azimuth and elevation for a time and a place, and a day's sunrise,
//! sunset and solar noon. Pure, no Bevy.
//!
//! Positions are the NREL Solar Position Algorithm (Reda & Andreas, *Solar Energy* 76 (2004)
//! 577–589; ±0.0003° for the years −2000…6000) as the `solar-positioning` crate (0.7.2, pinned:
//! its API changed from 0.5) implements it, with ΔT estimated for the date. The elevation is
//! apparent: standard atmospheric refraction (1,010 hPa, 10 °C) is added above the horizon.
//! Sunrise and sunset are when the top of the sun's disc crosses the horizon with standard
//! refraction (the centre 0.8333° below it), as almanacs give them.
//!
//! ```
//! use chrono::DateTime;
//! let noon = DateTime::parse_from_rfc3339("2025-06-21T13:00:00+02:00").unwrap();
//! let sun = citytwin::sun::position(&noon, [18.0686, 59.3293], 0.0).unwrap();
//! assert!((sun.azimuth_deg - 180.0).abs() < 10.0 && sun.elevation_deg > 53.0);
//! ```

pub mod zone;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use solar_positioning::{
    Horizon, Location, RefractionCorrection, SolarEvents, SolarPositions, delta_t,
};

/// The sun seen from a place at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunPosition {
    /// Degrees clockwise from north (90 east, 180 south).
    pub azimuth_deg: f64,
    /// Degrees above the horizon, apparent (with refraction); negative below it.
    pub elevation_deg: f64,
}

impl SunPosition {
    /// The direction towards the sun in a local east-north-up frame (unit vector).
    ///
    /// ```
    /// let s = citytwin::sun::SunPosition { azimuth_deg: 180.0, elevation_deg: 0.0 };
    /// let [e, n, u] = s.direction_enu();
    /// assert!(e.abs() < 1e-9 && (n + 1.0).abs() < 1e-9 && u.abs() < 1e-9);
    /// ```
    pub fn direction_enu(&self) -> [f64; 3] {
        let (az, el) = (
            self.azimuth_deg.to_radians(),
            self.elevation_deg.to_radians(),
        );
        [az.sin() * el.cos(), az.cos() * el.cos(), el.sin()]
    }
}

/// A day's sun at a place, in the offset of the date asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SunDay {
    /// When the sun rises (`None` on a day without a sunrise: polar day or night).
    pub sunrise: Option<DateTime<FixedOffset>>,
    /// When it sets.
    pub sunset: Option<DateTime<FixedOffset>>,
    /// When it crosses the meridian (highest).
    pub solar_noon: Option<DateTime<FixedOffset>>,
    /// The sun does not set that day.
    pub polar_day: bool,
    /// The sun does not rise that day.
    pub polar_night: bool,
}

/// Why a position could not be computed (a time or place outside the algorithm's range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot compute the sun's position: {0}")]
pub struct SunError(String);

fn location(lonlat: [f64; 2]) -> Location {
    Location {
        latitude: lonlat[1],
        longitude: lonlat[0],
    }
}

/// The sun's position at `time` seen from `lonlat` (degrees) at `height_m` above sea level,
/// with standard refraction.
pub fn position<Tz: TimeZone>(
    time: &DateTime<Tz>,
    lonlat: [f64; 2],
    height_m: f64,
) -> Result<SunPosition, SunError> {
    position_with(time, lonlat, height_m, RefractionCorrection::standard())
}

/// [`position`] with the refraction of a given pressure (hPa) and temperature (°C).
pub fn position_with<Tz: TimeZone>(
    time: &DateTime<Tz>,
    lonlat: [f64; 2],
    height_m: f64,
    refraction: RefractionCorrection,
) -> Result<SunPosition, SunError> {
    let dt = delta_t::estimate_from_date_like(&time.naive_utc().date())
        .map_err(|e| SunError(e.to_string()))?;
    position_dt(time, lonlat, height_m, dt, Some(refraction))
}

/// The position with an explicit ΔT (seconds) and refraction (`None`: geometric).
pub fn position_dt<Tz: TimeZone>(
    time: &DateTime<Tz>,
    lonlat: [f64; 2],
    height_m: f64,
    delta_t_s: f64,
    refraction: Option<RefractionCorrection>,
) -> Result<SunPosition, SunError> {
    let p = SolarPositions::new()
        .at(time, location(lonlat), height_m, delta_t_s, refraction)
        .map_err(|e| SunError(e.to_string()))?;
    Ok(SunPosition {
        azimuth_deg: p.azimuth(),
        elevation_deg: p.elevation_angle(),
    })
}

/// Sunrise, sunset and solar noon on `date` at `lonlat`, as local times in `offset`.
pub fn day(date: NaiveDate, offset: FixedOffset, lonlat: [f64; 2]) -> Result<SunDay, SunError> {
    let dt = delta_t::estimate_from_date_like(&date).map_err(|e| SunError(e.to_string()))?;
    let events = SolarEvents::new()
        .for_date(date, &offset, location(lonlat), dt, Horizon::SunriseSunset)
        .map_err(|e| SunError(e.to_string()))?;
    Ok(SunDay {
        sunrise: events.rises.first().copied(),
        sunset: events.sets.last().copied(),
        solar_noon: events.transits.first().copied(),
        polar_day: events.always_above(),
        polar_night: events.always_below(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(t).unwrap()
    }

    /// The SPA paper's example (Reda & Andreas 2004, Table A5.1; also pvlib's test_spa.py):
    /// 2003-10-17 12:30:30 at UTC−7, 39.742476 N 105.1786 W, 1,830.14 m, 820 mbar, 11 °C,
    /// ΔT 67 s → topocentric zenith 50.11162°, azimuth 194.34024°.
    #[test]
    fn the_spa_papers_example() {
        let t = at("2003-10-17T12:30:30-07:00");
        let r = RefractionCorrection::new(820.0, 11.0).unwrap();
        let p = position_dt(&t, [-105.1786, 39.742476], 1830.14, 67.0, Some(r)).unwrap();
        let zenith = 90.0 - p.elevation_deg;
        assert!((zenith - 50.11162).abs() < 0.05, "zenith {zenith}");
        assert!(
            (p.azimuth_deg - 194.34024).abs() < 0.05,
            "azimuth {}",
            p.azimuth_deg
        );
        // The paper's own precision, too.
        assert!((zenith - 50.11162).abs() < 0.001 && (p.azimuth_deg - 194.340241).abs() < 0.001);
        // Without refraction: the paper's topocentric elevation 39.872046°.
        let g = position_dt(&t, [-105.1786, 39.742476], 1830.14, 67.0, None).unwrap();
        assert!(
            (g.elevation_deg - 39.872046).abs() < 0.001,
            "{}",
            g.elevation_deg
        );
    }

    /// Stockholm (59.3293 N, 18.0686 E) at midsummer 2022: 18 h 37 min 08 s of daylight in a
    /// published table (angshultproduktioner.se, via ../shared/docs/planning-kiosk-facts.md);
    /// and 2025's solstices as SPA gives them there (03:30:55–22:08:11 CEST,
    /// 08:43:31–14:48:14 CET).
    #[test]
    fn stockholm_sunrise_and_sunset() {
        let sthlm = [18.0686, 59.3293];
        let cest = FixedOffset::east_opt(2 * 3600).unwrap();
        let cet = FixedOffset::east_opt(3600).unwrap();
        let d = day(NaiveDate::from_ymd_opt(2022, 6, 21).unwrap(), cest, sthlm).unwrap();
        let length = (d.sunset.unwrap() - d.sunrise.unwrap()).num_seconds();
        let published = 18 * 3600 + 37 * 60 + 8;
        assert!((length - published).abs() <= 60, "{length} s");
        let within_a_minute = |t: Option<DateTime<FixedOffset>>, want: &str| {
            let want = at(want);
            let got = t.unwrap();
            assert!((got - want).num_seconds().abs() <= 60, "{got} vs {want}");
        };
        let june = day(NaiveDate::from_ymd_opt(2025, 6, 21).unwrap(), cest, sthlm).unwrap();
        within_a_minute(june.sunrise, "2025-06-21T03:30:55+02:00");
        within_a_minute(june.sunset, "2025-06-21T22:08:11+02:00");
        let dec = day(NaiveDate::from_ymd_opt(2025, 12, 21).unwrap(), cet, sthlm).unwrap();
        within_a_minute(dec.sunrise, "2025-12-21T08:43:31+01:00");
        within_a_minute(dec.sunset, "2025-12-21T14:48:14+01:00");
        // Solar noon between them, the sun due south then.
        let noon = dec.solar_noon.unwrap();
        assert!(noon > dec.sunrise.unwrap() && noon < dec.sunset.unwrap());
        let p = position(&noon, sthlm, 0.0).unwrap();
        assert!((p.azimuth_deg - 180.0).abs() < 0.1, "{}", p.azimuth_deg);
    }

    /// Kiruna (67.8558 N, 20.2253 E): the midnight sun in June, the polar night in December.
    #[test]
    fn polar_day_and_night() {
        let kiruna = [20.2253, 67.8558];
        let cest = FixedOffset::east_opt(2 * 3600).unwrap();
        let june = day(NaiveDate::from_ymd_opt(2026, 6, 21).unwrap(), cest, kiruna).unwrap();
        assert!(june.polar_day && june.sunrise.is_none() && june.sunset.is_none());
        assert!(june.solar_noon.is_some());
        let cet = FixedOffset::east_opt(3600).unwrap();
        let dec = day(NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(), cet, kiruna).unwrap();
        assert!(dec.polar_night && dec.sunrise.is_none());
        let midnight = at("2026-06-21T00:30:00+02:00");
        assert!(position(&midnight, kiruna, 0.0).unwrap().elevation_deg > 0.0);
    }

    /// The equator at an equinox: the sun near the zenith at solar noon, rising due east.
    #[test]
    fn the_equator_at_the_equinox() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let d = day(
            NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            utc,
            [0.0, 0.0],
        )
        .unwrap();
        let noon = d.solar_noon.unwrap();
        let p = position(&noon, [0.0, 0.0], 0.0).unwrap();
        assert!(p.elevation_deg > 89.0, "{}", p.elevation_deg);
        let rise = position(&d.sunrise.unwrap(), [0.0, 0.0], 0.0).unwrap();
        assert!(
            (rise.azimuth_deg - 90.0).abs() < 1.0,
            "{}",
            rise.azimuth_deg
        );
        // About 12 h 7 min of daylight (refraction and the disc lengthen the day).
        let length = (d.sunset.unwrap() - d.sunrise.unwrap()).num_minutes();
        assert!((725..=730).contains(&length), "{length}");
    }
}
