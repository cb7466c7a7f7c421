//! Timestamps as NGSI-LD writes them (ISO 8601 / RFC 3339), to and from milliseconds since
//! 1970-01-01 UTC. Pure and small, so the sensor model, the simulator and the broker's temporal
//! store agree on one reading of time.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since 1970-01-01T00:00:00Z now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The current time as an NGSI-LD timestamp (RFC 3339, UTC, milliseconds).
pub fn now_rfc3339() -> String {
    format_millis(now_millis())
}

/// Formats milliseconds since 1970 (UTC) as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// ```
/// use citytwin::timestamp::format_millis;
/// assert_eq!(format_millis(1_709_251_199_005), "2024-02-29T23:59:59.005Z");
/// ```
pub fn format_millis(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let rest = millis.rem_euclid(86_400_000);
    let (year, month, day) = civil_date(days);
    let secs = rest / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60,
        rest % 1000
    )
}

/// Milliseconds in an ISO 8601 duration such as `PT5M`, `PT1H30M`, `P1D` or `PT0.5S`
/// (years and months, whose length varies, are refused).
///
/// ```
/// use citytwin::timestamp::parse_duration_millis;
/// assert_eq!(parse_duration_millis("PT5M"), Some(300_000));
/// assert_eq!(parse_duration_millis("P1DT1H"), Some(90_000_000));
/// assert_eq!(parse_duration_millis("5 minutes"), None);
/// ```
pub fn parse_duration_millis(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix('P')?;
    let (days, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0.0;
    let mut number = String::new();
    for (part, units) in [
        (days, &[('W', 604_800_000.0), ('D', 86_400_000.0)][..]),
        (
            time,
            &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1000.0)][..],
        ),
    ] {
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let unit = units.iter().find(|(u, _)| *u == c)?.1;
            total += number.parse::<f64>().ok()? * unit;
            number.clear();
        }
        if !number.is_empty() {
            return None;
        }
    }
    (total > 0.0).then_some(total.round() as i64)
}

/// Reads an ISO 8601 date-time such as `2016-03-15T11:00:00`, `2021-01-11T15:51:02+05:30`
/// or `2024-02-29T23:59:59.005Z` into milliseconds since 1970 (UTC). A time without an offset
/// is read as UTC; a bare date as its midnight UTC. An interval (`start/end`, as
/// TrafficFlowObserved's `dateObserved`) gives its end. `None` when it is not a date.
///
/// ```
/// use citytwin::timestamp::parse_millis;
/// assert_eq!(parse_millis("1970-01-01T00:00:01Z"), Some(1000));
/// assert_eq!(parse_millis("2021-01-11T15:51:02+05:30"), parse_millis("2021-01-11T10:21:02Z"));
/// assert_eq!(parse_millis("yesterday"), None);
/// ```
pub fn parse_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.rsplit_once('/').map_or(text, |(_, end)| end);
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    let Some(time) = time else {
        return Some(millis);
    };
    // Split off the offset: `Z`, `+hh:mm`, `-hh:mm` or `+hhmm`.
    let (clock, offset_min) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(pos) = time.rfind(['+', '-']) {
        let (c, off) = time.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 4 && digits.len() != 2 {
            return None;
        }
        let h: i64 = digits[..2].parse().ok()?;
        let m: i64 = if digits.len() == 4 {
            digits[2..].parse().ok()?
        } else {
            0
        };
        (c, sign * (h * 60 + m))
    } else {
        (time, 0)
    };
    let mut fields = clock.split(':');
    let h: i64 = fields.next()?.parse().ok()?;
    let m: i64 = fields.next().unwrap_or("0").parse().ok()?;
    let s = fields.next().unwrap_or("0");
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole: i64 = whole.parse().ok()?;
    if h > 24 || m > 59 || whole > 60 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac_ms: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
    millis += ((h * 60 + m - offset_min) * 60 + whole) * 1000 + frac_ms;
    Some(millis)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm).
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// "3 min ago", "2 h ago", "4 days ago": how long before `now` a time was, for people.
pub fn age_text(millis: i64, now: i64) -> String {
    let s = (now - millis) / 1000;
    match s {
        i64::MIN..=-60 => "in the future".to_owned(),
        -59..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_forms() {
        for ms in [0, 1_709_251_199_005, 951_782_400_000, -86_400_000] {
            assert_eq!(parse_millis(&format_millis(ms)), Some(ms), "{ms}");
        }
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(parse_millis("2016-03-15"), Some(1_458_000_000_000));
        assert_eq!(
            parse_millis("2016-12-07T11:10:00/2016-12-07T11:15:00"),
            parse_millis("2016-12-07T11:15:00Z")
        );
        assert_eq!(
            parse_millis("2016-12-28T11:00:00.00Z"),
            Some(1_482_922_800_000)
        );
        assert_eq!(
            parse_millis("2021-01-11T15:51:02-0100"),
            parse_millis("2021-01-11T16:51:02Z")
        );
        assert_eq!(parse_millis("2021-13-01T00:00:00Z"), None);
        assert_eq!(parse_millis("2021-01-01T25:00:00Z"), None);
        assert_eq!(parse_millis(""), None);
        assert_eq!(parse_millis("12"), None);
    }

    #[test]
    fn ages_for_people() {
        assert_eq!(age_text(0, 30_000), "just now");
        assert_eq!(age_text(0, 5 * 60_000), "5 min ago");
        assert_eq!(age_text(0, 3 * 3_600_000), "3 h ago");
        assert_eq!(age_text(0, 3 * 86_400_000), "3 days ago");
        assert_eq!(age_text(600_000, 0), "in the future");
    }
}
