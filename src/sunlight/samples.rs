//! The sun's path over one day as a list of samples: a direction and how many hours it
//! stands for, from sunrise to sunset every few minutes.
//!
//! The day from sunrise to sunset (as sunrise tables count them, [`crate::sun::day`]) is cut
//! into steps of `step_min` minutes, and also at 09:00 and 17:00 local time so that each
//! piece lies wholly inside or outside that window. Each piece is judged by the sun at its
//! middle: a place that sees the sun at every sample gets exactly the day length. The sun
//! counts as up while the top of its disc is above the horizon, refraction included, as
//! sunrise tables count it: the apparent elevation of its centre above −0.2667° (the mean
//! semidiameter, 16′). A ray is never aimed below the horizon (flat ground).

use crate::sun::{self, SunPosition};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset as _, TimeZone, Utc};
use chrono_tz::Tz;

/// The sun's mean apparent radius (degrees).
const SEMIDIAMETER_DEG: f64 = 0.2667;

/// One piece of the day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The middle of the piece.
    pub at: DateTime<Utc>,
    /// Where the sun is then.
    pub sun: SunPosition,
    /// Hours the piece lasts.
    pub hours: f64,
    /// Whether it lies between 09:00 and 17:00 local time.
    pub in_9_to_17: bool,
}

/// The day's samples and its sunrise and sunset.
#[derive(Debug, Clone, PartialEq)]
pub struct SunPath {
    /// The date, at the place.
    pub date: NaiveDate,
    /// The time zone the date and the 09–17 window are read in.
    pub time_zone: Tz,
    /// Sunrise, if the sun rises that day.
    pub sunrise: Option<DateTime<Utc>>,
    /// Sunset, if the sun sets that day.
    pub sunset: Option<DateTime<Utc>>,
    /// Hours from sunrise to sunset (24 in a polar day, 0 in a polar night).
    pub day_length_h: f64,
    /// Minutes between samples.
    pub step_min: f64,
    /// The samples, in time order.
    pub samples: Vec<Sample>,
}

/// The samples of `date` at `lonlat` in `zone`, every `step_min` minutes (at least 1).
///
/// ```
/// use citytwin::sunlight::samples::path;
/// let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 21).unwrap();
/// let stockholm = chrono_tz::Europe::Stockholm;
/// let p = path(date, stockholm, [18.07, 59.33], 10.0);
/// let total: f64 = p.samples.iter().map(|s| s.hours).sum();
/// assert!((total - p.day_length_h).abs() < 0.01, "{total} {}", p.day_length_h);
/// assert!(p.day_length_h > 12.0 && p.day_length_h < 12.5);
/// ```
pub fn path(date: NaiveDate, zone: Tz, lonlat: [f64; 2], step_min: f64) -> SunPath {
    let step_min = if step_min.is_finite() {
        step_min.max(1.0)
    } else {
        10.0
    };
    let local = |t: NaiveTime| {
        zone.from_local_datetime(&date.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    let midnight = local(NaiveTime::MIN);
    let next_midnight = date
        .succ_opt()
        .and_then(|d| {
            zone.from_local_datetime(&d.and_time(NaiveTime::MIN))
                .earliest()
        })
        .map(|d| d.with_timezone(&Utc));
    // The day's offset at noon (a midnight can fall in a summer-time gap; noon never does).
    let offset = local(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN))
        .map(|n| zone.offset_from_utc_datetime(&n.naive_utc()).fix());
    let day = offset.and_then(|o| sun::day(date, o, lonlat).ok());
    let (mut start, mut end, sunrise, sunset) = match &day {
        Some(d) if d.polar_day => (midnight, next_midnight, None, None),
        Some(d) if d.polar_night => (None, None, None, None),
        Some(d) => {
            let rise = d.sunrise.map(|t| t.with_timezone(&Utc));
            let set = d.sunset.map(|t| t.with_timezone(&Utc));
            (rise.or(midnight), set.or(next_midnight), rise, set)
        }
        None => (None, None, None, None),
    };
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        start = None;
        end = None;
    }
    let mut samples = Vec::new();
    if let (Some(start), Some(end)) = (start, end) {
        let nine = local(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN));
        let five = local(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN));
        // The cuts: every step from the start, and 09:00 and 17:00.
        let step = Duration::milliseconds((step_min * 60_000.0) as i64);
        let mut cuts = vec![start];
        let mut t = start + step;
        while t < end {
            cuts.push(t);
            t += step;
        }
        cuts.extend(
            [nine, five]
                .into_iter()
                .flatten()
                .filter(|c| *c > start && *c < end),
        );
        cuts.push(end);
        cuts.sort();
        cuts.dedup();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mid = a + (b - a) / 2;
            let Ok(position) = sun::position(&mid, lonlat, 0.0) else {
                continue;
            };
            if position.elevation_deg <= -SEMIDIAMETER_DEG {
                continue;
            }
            samples.push(Sample {
                at: mid,
                sun: position,
                hours: hours(b - a),
                in_9_to_17: matches!((nine, five), (Some(n), Some(f)) if mid > n && mid < f),
            });
        }
    }
    let day_length_h = match (start, end) {
        (Some(s), Some(e)) => hours(e - s),
        _ => 0.0,
    };
    SunPath {
        date,
        time_zone: zone,
        sunrise,
        sunset,
        day_length_h,
        step_min,
        samples,
    }
}

fn hours(d: Duration) -> f64 {
    d.num_microseconds().unwrap_or(i64::MAX) as f64 / 3.6e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polar_day_and_night_in_kiruna() {
        let kiruna = [20.2253, 67.8558];
        let zone = chrono_tz::Europe::Stockholm;
        let june = path(
            NaiveDate::from_ymd_opt(2026, 6, 21).unwrap(),
            zone,
            kiruna,
            10.0,
        );
        assert_eq!(june.day_length_h, 24.0);
        assert!(june.sunrise.is_none() && june.sunset.is_none());
        let total: f64 = june.samples.iter().map(|s| s.hours).sum();
        assert!((total - 24.0).abs() < 1e-6, "{total}");
        let december = path(
            NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(),
            zone,
            kiruna,
            10.0,
        );
        assert_eq!(december.day_length_h, 0.0);
        assert!(december.samples.is_empty());
    }

    #[test]
    fn the_9_to_17_window_is_eight_hours_on_the_equinox() {
        let p = path(
            NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            chrono_tz::Europe::Stockholm,
            [18.07, 59.33],
            7.0,
        );
        let window: f64 = p
            .samples
            .iter()
            .filter(|s| s.in_9_to_17)
            .map(|s| s.hours)
            .sum();
        assert!((window - 8.0).abs() < 1e-9, "{window}");
        assert!(
            p.samples
                .iter()
                .all(|s| s.sun.elevation_deg > -SEMIDIAMETER_DEG)
        );
    }
}
