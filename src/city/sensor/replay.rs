//! Sensors' past values for the time panel, without Bevy: per sensor a series of values over
//! time (5-minute averages of numbers, or each change of a text value, from the broker's
//! temporal API, extended by live changes), and what a marker shows at a chosen time.

use super::{NO_DATA_COLOR, Reading, STALE_COLOR, Sensor, SensorLayer};
use std::collections::HashMap;

/// Length of the averaging periods asked of the broker.
pub const PERIOD: &str = "PT5M";

/// Live changes are kept at one value per sensor per this many milliseconds (a minute).
pub const LIVE_STEP_MS: i64 = 60_000;

/// One value over a time: an average over `[from, until)`, or an instance (`from == until`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// Start (ms since 1970, UTC).
    pub from: i64,
    /// End; the value is as old as this.
    pub until: i64,
    /// The value (the layer's factor applied).
    pub reading: Reading,
}

/// Past values of many sensors.
///
/// ```
/// use citytwin::city::sensor::replay::{Point, Replay};
/// use citytwin::city::sensor::Reading;
/// let mut r = Replay::new(0, 3_600_000);
/// r.insert("urn:a", vec![
///     Point { from: 0, until: 300_000, reading: Reading::Number(40.0) },
///     Point { from: 600_000, until: 900_000, reading: Reading::Number(55.0) },
/// ]);
/// assert_eq!(r.at("urn:a", 450_000).map(|p| p.until), Some(300_000));
/// assert_eq!(r.at("urn:a", 700_000).map(|p| &p.reading), Some(&Reading::Number(55.0)));
/// assert!(r.at("urn:a", -1).is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replay {
    /// Start of the span read (ms since 1970, UTC).
    pub from_ms: i64,
    /// End of the span read.
    pub to_ms: i64,
    series: HashMap<String, Vec<Point>>,
}

impl Replay {
    /// An empty replay of `[from_ms, to_ms)`.
    pub fn new(from_ms: i64, to_ms: i64) -> Self {
        Self {
            from_ms,
            to_ms,
            series: HashMap::new(),
        }
    }

    /// Sets a sensor's series (sorted here).
    pub fn insert(&mut self, id: impl Into<String>, mut points: Vec<Point>) {
        points.sort_by_key(|p| p.from);
        self.series.insert(id.into(), points);
    }

    /// Adds a live change when it is newer than the series' last value, keeping the memory a
    /// sensor takes bounded however long the viewer runs and however often it changes: one
    /// value per sensor per [`LIVE_STEP_MS`] (a later change in the same minute replaces the
    /// value, and its time becomes the point's end), and the span read slides with the time,
    /// values older than it dropped (the one still in force at its start kept).
    ///
    /// ```
    /// use citytwin::city::sensor::replay::{LIVE_STEP_MS, Replay};
    /// use citytwin::city::sensor::Reading;
    /// let hour = 3_600_000;
    /// let mut r = Replay::new(0, hour);
    /// // A change every second for two hours: two hours of minutes are kept, then one hour.
    /// for s in 0..7_200 {
    ///     r.push("urn:a", hour + s * 1000, Reading::Number(s as f64));
    /// }
    /// assert!(r.points() <= 62, "{}", r.points());
    /// assert_eq!(r.from_ms, r.to_ms - hour);
    /// let last = r.at("urn:a", r.to_ms).unwrap();
    /// assert_eq!(last.reading, Reading::Number(7_199.0));
    /// assert_eq!(last.until, hour + 7_199_000);
    /// assert_eq!(last.from / LIVE_STEP_MS, last.until / LIVE_STEP_MS);
    /// ```
    pub fn push(&mut self, id: &str, at: i64, reading: Reading) {
        let span = (self.to_ms - self.from_ms).max(0);
        let points = self.series.entry(id.to_owned()).or_default();
        match points.last_mut() {
            Some(p) if p.from >= at || p.until >= at => return,
            // A live value of the same minute: the latest stands for it.
            Some(p)
                if p.until - p.from < LIVE_STEP_MS
                    && p.from.div_euclid(LIVE_STEP_MS) == at.div_euclid(LIVE_STEP_MS) =>
            {
                p.until = at;
                p.reading = reading;
            }
            _ => points.push(Point {
                from: at,
                until: at,
                reading,
            }),
        }
        if at > self.to_ms {
            self.to_ms = at;
            self.from_ms = self.from_ms.max(at - span);
        }
        // Values that ended before the span, but the one in force at its start.
        let from = self.from_ms;
        let old = points.partition_point(|p| p.until < from);
        if old > 1 {
            points.drain(..old - 1);
        }
    }

    /// Sensors with a series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether no sensor has a series.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Values held, over all sensors.
    pub fn points(&self) -> usize {
        self.series.values().map(Vec::len).sum()
    }

    /// The sensor's value in force at `t`: the last one that started at or before it.
    pub fn at(&self, id: &str, t: i64) -> Option<&Point> {
        let points = self.series.get(id)?;
        let n = points.partition_point(|p| p.from <= t);
        n.checked_sub(1).map(|i| &points[i])
    }
}

/// What a marker shows at a past time.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The value in force.
    pub reading: Reading,
    /// How old it is: the end of its period or its observation time (`None` for a sensor whose
    /// data give no time).
    pub observed: Option<i64>,
    /// The label with that value.
    pub label: String,
    /// The colour (grey when stale at that time, pale for no data).
    pub color: [f32; 3],
    /// The time shown.
    pub at: i64,
}

impl Shown {
    /// Whether the value was older than `stale_ms` at `t`.
    pub fn is_stale(&self, t: i64, stale_ms: i64) -> bool {
        self.observed.is_some_and(|o| t - o > stale_ms)
    }
}

/// The value a sensor had at `t`: from the replay's series, or its current reading when that
/// was observed by then (or has no time); "no data" when neither.
pub fn shown_at(
    sensor: &Sensor,
    layer: &SensorLayer,
    replay: &Replay,
    t: i64,
    stale_ms: i64,
) -> Shown {
    let past = replay
        .at(&sensor.id, t)
        .map(|p| (Some(p.until), &p.reading));
    let current = match sensor.observed_at {
        Some(o) if o <= t => Some((Some(o), &sensor.reading)),
        Some(_) => None,
        None => Some((None, &sensor.reading)),
    };
    let (observed, reading) = match (past, current) {
        (Some(p), Some(c)) if c.0 > p.0 => c,
        (Some(p), _) => p,
        (None, Some(c)) => c,
        (None, None) => (None, &Reading::Missing),
    };
    let reading = reading.clone();
    let mut shown = Shown {
        label: sensor.label_for(layer, &reading),
        color: layer.color(&reading).unwrap_or(NO_DATA_COLOR),
        observed,
        reading,
        at: t,
    };
    if shown.is_stale(t, stale_ms) {
        shown.color = STALE_COLOR;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::sensor::tests::{decoder_at, fixture};

    fn no2_sensor() -> (Sensor, SensorLayer) {
        // Madrid, Plaza de España (Smart Data Models' example): NO₂ 69 µg/m³.
        let e = fixture("sdm-AirQualityObserved-keyvalues.jsonld");
        let d = decoder_at(-3.7122, 40.4238);
        let s = d.decode(&e).expect("a sensor").expect("placed");
        let layer = d.layers[s.layer].clone();
        (s, layer)
    }

    #[test]
    fn markers_show_the_value_in_force_at_the_time() {
        let (s, layer) = no2_sensor();
        let noon = s.observed_at.expect("observed");
        let hour = 3_600_000;
        let mut r = Replay::new(noon - 24 * hour, noon);
        r.insert(
            s.id.clone(),
            vec![
                Point {
                    from: noon - 2 * hour,
                    until: noon - 2 * hour + 300_000,
                    reading: Reading::Number(120.0),
                },
                Point {
                    from: noon - 8 * hour,
                    until: noon - 8 * hour + 300_000,
                    reading: Reading::Number(10.0),
                },
            ],
        );
        let stale = 30 * 60_000;
        // Inside a period: its average, coloured on the scale, labelled with it.
        let at = shown_at(&s, &layer, &r, noon - 2 * hour + 60_000, stale);
        assert_eq!(at.reading, Reading::Number(120.0));
        assert!(at.label.contains("120"), "{}", at.label);
        assert_eq!(at.label, "NO₂ 120 µg/m³");
        assert_eq!(Some(at.color), layer.color(&Reading::Number(120.0)));
        assert_ne!(at.color, STALE_COLOR);
        // An hour after the last period: the old value, drawn stale.
        let later = shown_at(&s, &layer, &r, noon - hour, stale);
        assert_eq!(later.reading, Reading::Number(120.0));
        assert_eq!(later.color, STALE_COLOR);
        // Once the current reading was observed, it wins.
        let now = shown_at(&s, &layer, &r, noon + 60_000, stale);
        assert_eq!(now.reading, s.reading);
        assert_eq!(now.label, s.label);
        // Before anything was known: no data.
        let before = shown_at(&s, &layer, &r, noon - 20 * hour, stale);
        assert_eq!(before.reading, Reading::Missing);
        assert!(before.label.contains("no data"), "{}", before.label);
        // A live change extends the series; an older one does not roll it back.
        r.push(&s.id, noon + hour, Reading::Number(77.0));
        r.push(&s.id, noon + 30 * 60_000, Reading::Number(1.0));
        let pushed = shown_at(&s, &layer, &r, noon + hour + 1, stale);
        assert_eq!(pushed.reading, Reading::Number(77.0));
        assert_eq!(r.points(), 3);
    }
}
