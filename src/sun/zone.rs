//! The time zone of a place, found offline from its coordinates (the IANA zone boundaries
//! bundled with `tzf-rs`), and times in it with their summer time (`chrono-tz`).
//!
//! ```
//! use citytwin::sun::zone;
//! assert_eq!(zone::name_at([18.0686, 59.3293]), "Europe/Stockholm");
//! let tz = zone::at([18.0686, 59.3293]).unwrap();
//! let t = zone::local("2026-06-21T12:00:00", tz).unwrap();
//! assert_eq!(t.to_rfc3339(), "2026-06-21T12:00:00+02:00");
//! ```

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use std::sync::OnceLock;

fn finder() -> &'static tzf_rs::DefaultFinder {
    static FINDER: OnceLock<tzf_rs::DefaultFinder> = OnceLock::new();
    FINDER.get_or_init(tzf_rs::DefaultFinder::new)
}

/// The IANA name of the zone at `lonlat` (`Etc/GMT±N` at sea).
pub fn name_at(lonlat: [f64; 2]) -> String {
    finder().get_tz_name(lonlat[0], lonlat[1]).to_owned()
}

/// The zone at `lonlat`, if its name is one chrono-tz knows.
pub fn at(lonlat: [f64; 2]) -> Option<Tz> {
    name_at(lonlat).parse().ok()
}

/// A zone by its IANA name (`Europe/Stockholm`), or why not.
pub fn named(name: &str) -> Result<Tz, String> {
    name.parse()
        .map_err(|_| format!("`{name}` is not an IANA time zone name (such as Europe/Stockholm)"))
}

/// A wall-clock time (`2026-03-21T12:00:00`, seconds optional) in a zone, with the zone's
/// offset that day; the earlier one in the hour that repeats in autumn, none in the hour
/// spring skips.
pub fn local(text: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.fixed_offset())
}

/// A moment in the zone (its offset that day).
pub fn in_zone(t: &DateTime<FixedOffset>, tz: Tz) -> DateTime<FixedOffset> {
    t.with_timezone(&tz).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_of_places_and_their_summer_time() {
        assert_eq!(name_at([-73.9855, 40.758]), "America/New_York");
        assert_eq!(name_at([20.2253, 67.8558]), "Europe/Stockholm");
        assert_eq!(name_at([-105.1786, 39.742476]), "America/Denver");
        let ny = at([-73.9855, 40.758]).unwrap();
        assert_eq!(
            local("2026-01-15T09:00", ny)
                .unwrap()
                .offset()
                .local_minus_utc(),
            -5 * 3600
        );
        assert_eq!(
            local("2026-07-15T09:00", ny)
                .unwrap()
                .offset()
                .local_minus_utc(),
            -4 * 3600
        );
        // The hour skipped in spring does not exist.
        assert!(local("2026-03-29T02:30:00", named("Europe/Stockholm").unwrap()).is_none());
        assert!(named("Mars/Olympus").is_err());
    }
}
