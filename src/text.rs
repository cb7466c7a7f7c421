//! Numbers, dates and times as people read them in reports and panels, in the interface's
//! language: English ("1,234.5", "Sun 6 Dec 14:02") or Swedish as CLDR writes it ("1 234,5"
//! with a no-break space, "sön 6 dec. 14:02"); both on the 24-hour clock.

use crate::language::Language;
use chrono::{Datelike, NaiveDateTime, Timelike};

/// Groups thousands with commas.
///
/// ```
/// use citytwin::text::thousands;
/// assert_eq!(thousands(12_345), "12,345");
/// assert_eq!(thousands(999), "999");
/// assert_eq!(thousands(1_000_000), "1,000,000");
/// ```
pub fn thousands(n: usize) -> String {
    let mut out = String::new();
    group_into(&mut out, &n.to_string(), ",");
    out
}

/// Appends a run of digits to `out` with `separator` between thousands.
fn group_into(out: &mut String, digits: &str, separator: &str) {
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
}

/// A number with `decimals` decimals, thousands grouped, in a language's way.
///
/// ```
/// use citytwin::language::Language;
/// use citytwin::text::number;
/// assert_eq!(number(1234.5, 1, Language::English), "1,234.5");
/// assert_eq!(number(1234.5, 1, Language::Swedish), "1\u{a0}234,5");
/// assert_eq!(number(-0.25, 2, Language::Swedish), "−0,25");
/// assert_eq!(number(999.0, 0, Language::English), "999");
/// ```
pub fn number(x: f64, decimals: usize, language: Language) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let (group, point, minus) = match language {
        Language::English => (",", ".", "-"),
        // CLDR's Swedish: a no-break space between thousands, a decimal comma, a real minus.
        Language::Swedish => ("\u{a0}", ",", "\u{2212}"),
    };
    let text = format!("{:.*}", decimals, x.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push_str(minus);
    }
    group_into(&mut out, whole, group);
    if !fraction.is_empty() {
        out.push_str(point);
        out.push_str(fraction);
    }
    out
}

/// A day and time, short: "Sun 6 Dec 14:02" or "sön 6 dec. 14:02".
///
/// ```
/// use citytwin::language::Language;
/// use citytwin::text::date_time;
/// let t = chrono::NaiveDate::from_ymd_opt(2026, 3, 21).unwrap().and_hms_opt(9, 5, 0).unwrap();
/// assert_eq!(date_time(t, Language::English), "Sat 21 Mar 09:05");
/// assert_eq!(date_time(t, Language::Swedish), "lör 21 mars 09:05");
/// ```
pub fn date_time(t: NaiveDateTime, language: Language) -> String {
    let day = t.weekday().num_days_from_monday() as usize;
    let month = t.month0() as usize;
    let (days, months): ([&str; 7], [&str; 12]) = match language {
        Language::English => (
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ],
        ),
        // Språkrådet's abbreviations (mars, maj, juni, juli are written whole).
        Language::Swedish => (
            ["mån", "tis", "ons", "tors", "fre", "lör", "sön"],
            [
                "jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.",
                "nov.", "dec.",
            ],
        ),
    };
    format!(
        "{} {} {} {:02}:{:02}",
        days[day],
        t.day(),
        months[month],
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_and_english_numbers_round_and_group_alike() {
        for (x, d, en, sv) in [
            (0.0, 1, "0.0", "0,0"),
            (1_234_567.891, 2, "1,234,567.89", "1\u{a0}234\u{a0}567,89"),
            (-1234.0, 0, "-1,234", "\u{2212}1\u{a0}234"),
            (-0.04, 1, "0.0", "0,0"),
            (f64::NAN, 1, "–", "–"),
        ] {
            assert_eq!(number(x, d, Language::English), en);
            assert_eq!(number(x, d, Language::Swedish), sv);
        }
    }

    #[test]
    fn every_day_and_month_has_its_swedish_name() {
        let t = |m, d| {
            chrono::NaiveDate::from_ymd_opt(2026, m, d)
                .unwrap()
                .and_hms_opt(23, 59, 0)
                .unwrap()
        };
        assert_eq!(date_time(t(12, 6), Language::Swedish), "sön 6 dec. 23:59");
        assert_eq!(date_time(t(6, 1), Language::Swedish), "mån 1 juni 23:59");
        assert_eq!(date_time(t(5, 7), Language::English), "Thu 7 May 23:59");
    }
}
