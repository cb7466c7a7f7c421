//! Numbers, dates and times as people read them in reports and panels, in the interface's
//! language: English ("1,234.5", "Sun 6 Dec 14:02") or Swedish as CLDR writes it ("1 234,5"
//! with a no-break space, "sön 6 dec. 14:02"); both on the 24-hour clock.

use super::Language;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// Groups thousands with commas.
///
/// ```
/// use citytwin::language::text::thousands;
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
/// use citytwin::language::text::number;
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
/// use citytwin::language::text::date_time;
/// let t = chrono::NaiveDate::from_ymd_opt(2026, 3, 21).unwrap().and_hms_opt(9, 5, 0).unwrap();
/// assert_eq!(date_time(t, Language::English), "Sat 21 Mar 09:05");
/// assert_eq!(date_time(t, Language::Swedish), "lör 21 mars 09:05");
/// ```
pub fn date_time(t: NaiveDateTime, language: Language) -> String {
    format!(
        "{} {} {:02}:{:02}",
        weekday(t.date(), language),
        date(t.date(), false, language),
        t.hour(),
        t.minute()
    )
}

/// The day of the week, short: "Sun" or "sön".
///
/// ```
/// use citytwin::language::Language;
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
/// assert_eq!(citytwin::language::text::weekday(d, Language::Swedish), "sön");
/// ```
pub fn weekday(d: NaiveDate, language: Language) -> &'static str {
    let days = match language {
        Language::English => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        Language::Swedish => ["mån", "tis", "ons", "tors", "fre", "lör", "sön"],
    };
    days[d.weekday().num_days_from_monday() as usize]
}

/// A day and month, the month short ("6 Dec", "6 dec.") or whole ("6 December",
/// "6 december").
///
/// ```
/// use citytwin::language::Language;
/// use citytwin::language::text::date;
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
/// assert_eq!(date(d, true, Language::Swedish), "20 mars");
/// assert_eq!(date(d, false, Language::English), "20 Mar");
/// ```
pub fn date(d: NaiveDate, whole_month: bool, language: Language) -> String {
    let months: [&str; 12] = match (language, whole_month) {
        (Language::English, false) => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
        (Language::English, true) => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        // Språkrådet's abbreviations (mars, maj, juni, juli are written whole).
        (Language::Swedish, false) => [
            "jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.",
            "dec.",
        ],
        (Language::Swedish, true) => [
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ],
    };
    format!("{} {}", d.day(), months[d.month0() as usize])
}

/// A day, month and year: "6 December 2026", "6 december 2026" (short months with `false`).
///
/// ```
/// use citytwin::language::Language;
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
/// assert_eq!(citytwin::language::text::date_year(d, false, Language::Swedish), "6 dec. 2026");
/// ```
pub fn date_year(d: NaiveDate, whole_month: bool, language: Language) -> String {
    format!("{} {}", date(d, whole_month, language), d.year())
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
