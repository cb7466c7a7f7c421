//! The heat map's colours, for legends drawn beside it: the same ramps as
//! `shaders/sun_hours.wgsl` (keep them in step).
//!
//! ```
//! use citytwin::sunlight::legend::{hours_color, difference_color};
//! assert_eq!(hours_color(0.0), [0.05, 0.03, 0.22]);
//! assert_eq!(hours_color(1.0), [0.99, 0.96, 0.62]);
//! assert!(difference_color(-1.0)[0] > 0.7, "hours lost are red");
//! assert!(difference_color(1.0)[2] > 0.7, "hours gained are blue");
//! ```

/// The difference at the ends of the difference scale (hours).
pub const DIFFERENCE_SCALE_H: f32 = 4.0;

/// Hours from none (0) to all day (1): dark indigo, purple, red, orange, pale yellow.
pub const HOURS_RAMP: [[f32; 3]; 5] = [
    [0.05, 0.03, 0.22],
    [0.36, 0.07, 0.45],
    [0.75, 0.22, 0.33],
    [0.98, 0.56, 0.05],
    [0.99, 0.96, 0.62],
];

/// The colour of `t` (0–1) on the hours ramp (linear RGB).
pub fn hours_color(t: f32) -> [f32; 3] {
    let x = t.clamp(0.0, 1.0) * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f32;
    let (a, b) = (HOURS_RAMP[i], HOURS_RAMP[i + 1]);
    [0, 1, 2].map(|k| a[k] + (b[k] - a[k]) * f)
}

/// The colour of a difference `d` scaled to −1 (hours lost: red) … 1 (gained: blue).
pub fn difference_color(d: f32) -> [f32; 3] {
    let t = d.clamp(-1.0, 1.0);
    let white = [0.97, 0.97, 0.97];
    let end = if t < 0.0 {
        [0.80, 0.09, 0.11]
    } else {
        [0.13, 0.40, 0.80]
    };
    let f = t.abs();
    [0, 1, 2].map(|k| white[k] + (end[k] - white[k]) * f)
}
