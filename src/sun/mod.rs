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

/// The equinoxes and solstices of a year: March equinox, June solstice, September equinox,
/// December solstice (UTC), from Meeus, *Astronomical Algorithms* (2nd ed., ch. 27, table
/// 27.C, mean values for the years 2000–3000, within about an hour: enough to name the day).
///
/// ```
/// let [march, june, _, december] = citytwin::sun::seasons(2026);
/// // Published: 20 March 2026 14:46 UTC, 21 June 08:24 UTC, 21 December 20:50 UTC.
/// assert_eq!(march.format("%m-%d").to_string(), "03-20");
/// assert_eq!(june.format("%m-%d").to_string(), "06-21");
/// assert_eq!(december.format("%m-%d").to_string(), "12-21");
/// ```
pub fn seasons(year: i32) -> [DateTime<chrono::Utc>; 4] {
    let y = f64::from(year - 2000) / 1000.0;
    let poly = |c: [f64; 5]| c[0] + y * (c[1] + y * (c[2] + y * (c[3] + y * c[4])));
    let jde = [
        poly([2451623.80984, 365242.37404, 0.05169, -0.00411, -0.00057]),
        poly([2451716.56767, 365241.62603, 0.00325, 0.00888, -0.00030]),
        poly([2451810.21715, 365242.01767, -0.11575, 0.00337, 0.00078]),
        poly([2451900.05952, 365242.74049, -0.06223, -0.00823, 0.00032]),
    ];
    // Julian ephemeris day to UTC (ΔT, about 70 s, does not matter at this precision).
    jde.map(|j| {
        let ms = ((j - 2_440_587.5) * 86_400_000.0).round() as i64;
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(t).unwrap()
    }

    /// NOAA's Solar Calculator (Meeus' algorithms, as NOAA's spreadsheet
    /// NOAA_Solar_Calculations_day.xls computes them; values from its Python transcription
    /// pysunnoaa 0.1.8, `noaa.sunposition(lat, lon, tz, time, atm_corr=True)`) at other
    /// latitudes, both hemispheres and both sides of the date line. The Helsinki row is also
    /// NOAA's own web calculator as quoted on discourse.elm-lang.org ("Testing solar
    /// calculator in Elm", 2022): elevation 36.96°, azimuth 180.05°, sunrise 06:21, sunset
    /// 20:16, solar noon 13:19:29.
    #[test]
    fn noaa_reference_positions_at_other_latitudes() {
        let cases = [
            // place, time, lon, lat, NOAA apparent elevation, azimuth
            (
                "Denver (pysunnoaa's example)",
                "2010-06-21T09:54:00-06:00",
                -105.0,
                40.0,
                47.3618,
                98.3069,
            ),
            (
                "Helsinki",
                "2022-09-04T13:19:29+03:00",
                24.94,
                60.17,
                36.9587,
                180.0521,
            ),
            (
                "Sydney",
                "2026-01-15T15:00:00+11:00",
                151.2093,
                -33.8688,
                61.5326,
                289.0774,
            ),
            (
                "Nairobi",
                "2026-06-01T09:00:00+03:00",
                36.8219,
                -1.2921,
                33.6550,
                62.2108,
            ),
            (
                "Tromsø",
                "2026-03-21T12:00:00+01:00",
                18.9553,
                69.6492,
                20.7134,
                182.3174,
            ),
            (
                "Singapore",
                "2026-12-21T16:30:00+08:00",
                103.8198,
                1.3521,
                33.9148,
                240.3216,
            ),
            (
                "Buenos Aires",
                "2026-07-10T11:15:00-03:00",
                -58.3816,
                -34.6037,
                28.1113,
                27.3811,
            ),
        ];
        for (place, t, lon, lat, elevation, azimuth) in cases {
            let p = position(&at(t), [lon, lat], 0.0).unwrap();
            // NOAA's own accuracy is about 0.01°; SPA and NOAA agree within 0.01° here.
            assert!((p.elevation_deg - elevation).abs() < 0.01, "{place}: {p:?}");
            assert!((p.azimuth_deg - azimuth).abs() < 0.01, "{place}: {p:?}");
        }
        // NOAA's Helsinki day, to the minute it shows.
        let d = day(
            NaiveDate::from_ymd_opt(2022, 9, 4).unwrap(),
            FixedOffset::east_opt(3 * 3600).unwrap(),
            [24.94, 60.17],
        )
        .unwrap();
        let minutes = |t: Option<DateTime<FixedOffset>>, hm: (i64, i64)| {
            let t = t.unwrap();
            let m = (t.timestamp() + 3 * 3600).rem_euclid(86_400) as f64 / 60.0;
            (m - (hm.0 * 60 + hm.1) as f64).abs()
        };
        assert!(minutes(d.sunrise, (6, 21)) <= 1.0, "{:?}", d.sunrise);
        assert!(minutes(d.sunset, (20, 16)) <= 1.0, "{:?}", d.sunset);
        assert!(minutes(d.solar_noon, (13, 19)) <= 1.0, "{:?}", d.solar_noon);
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
