//! Measuring in the scene, without Bevy: distances along picked points (each segment and the
//! total, horizontal and in 3D), a point's height above the ground, and an area on the
//! ground with its perimeter; values as people read them, and the measurement as text to
//! copy. Points are scene metres `[east, north, up]` (f64), the ground flat at 0.
//!
//! ```
//! use citytwin::measure::{Kind, Measurement};
//! let m = Measurement { kind: Kind::Distance, points: vec![[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [3.0, 4.0, 12.0]] };
//! let total = m.total();
//! assert_eq!((total.horizontal, total.three_d), (5.0, 17.0));
//! assert!(m.to_text().starts_with("Distance: 17.00 m"));
//! ```

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// A polyline of picked points.
    #[default]
    Distance,
    /// From a picked point straight down to the ground.
    Height,
    /// A polygon on the ground.
    Area,
}

impl Kind {
    /// Its name in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Self::Distance => "Distance",
            Self::Height => "Height",
            Self::Area => "Area",
        }
    }
}

/// One segment of a distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Length on the ground (m).
    pub horizontal: f64,
    /// Length in 3D (m).
    pub three_d: f64,
    /// Height gained (m; negative when going down).
    pub rise: f64,
}

/// A measurement: its kind and the points picked (scene metres `[east, north, up]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measurement {
    /// What is measured.
    pub kind: Kind,
    /// The points, in the order picked.
    pub points: Vec<[f64; 3]>,
}

/// The segment from `a` to `b`.
///
/// ```
/// let s = citytwin::measure::segment([0.0, 0.0, 0.0], [6.0, 8.0, 24.0]);
/// assert_eq!((s.horizontal, s.three_d, s.rise), (10.0, 26.0, 24.0));
/// ```
pub fn segment(a: [f64; 3], b: [f64; 3]) -> Segment {
    let horizontal = (b[0] - a[0]).hypot(b[1] - a[1]);
    let rise = b[2] - a[2];
    Segment {
        horizontal,
        three_d: horizontal.hypot(rise),
        rise,
    }
}

/// The area (m², always positive) and perimeter (m) of a polygon on the ground, given by its
/// corners in order (not repeated at the end); concave polygons included.
///
/// ```
/// // An L: a 10 × 10 square without its 5 × 5 north-east quarter.
/// let l = [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [5.0, 5.0], [5.0, 10.0], [0.0, 10.0]];
/// assert_eq!(citytwin::measure::area_and_perimeter(&l), (75.0, 40.0));
/// ```
pub fn area_and_perimeter(corners: &[[f64; 2]]) -> (f64, f64) {
    let n = corners.len();
    if n < 2 {
        return (0.0, 0.0);
    }
    let (mut twice, mut perimeter) = (0.0, 0.0);
    for i in 0..n {
        let (a, b) = (corners[i], corners[(i + 1) % n]);
        twice += a[0] * b[1] - b[0] * a[1];
        perimeter += (b[0] - a[0]).hypot(b[1] - a[1]);
    }
    let area = if n < 3 { 0.0 } else { twice.abs() / 2.0 };
    // Two points are a line there and back.
    (area, perimeter)
}

impl Measurement {
    /// Each segment between consecutive points (a distance).
    pub fn segments(&self) -> Vec<Segment> {
        self.points
            .windows(2)
            .map(|w| segment(w[0], w[1]))
            .collect()
    }

    /// The sum of the segments.
    pub fn total(&self) -> Segment {
        self.segments().iter().fold(
            Segment {
                horizontal: 0.0,
                three_d: 0.0,
                rise: 0.0,
            },
            |t, s| Segment {
                horizontal: t.horizontal + s.horizontal,
                three_d: t.three_d + s.three_d,
                rise: t.rise + s.rise,
            },
        )
    }

    /// The height of the last point above the ground.
    pub fn height(&self) -> Option<f64> {
        self.points.last().map(|p| p[2])
    }

    /// Area and perimeter of the polygon the points make on the ground.
    pub fn area(&self) -> (f64, f64) {
        let corners: Vec<[f64; 2]> = self.points.iter().map(|p| [p[0], p[1]]).collect();
        area_and_perimeter(&corners)
    }

    /// Whether it has enough points to say something.
    pub fn is_complete(&self) -> bool {
        match self.kind {
            Kind::Distance => self.points.len() >= 2,
            Kind::Height => !self.points.is_empty(),
            Kind::Area => self.points.len() >= 3,
        }
    }

    /// The measurement as text to copy: the result, then each segment.
    pub fn to_text(&self) -> String {
        match self.kind {
            Kind::Distance => {
                let t = self.total();
                let mut out = format!(
                    "Distance: {} (horizontal {}, height difference {})",
                    metres(t.three_d),
                    metres(t.horizontal),
                    metres(t.rise)
                );
                for (i, s) in self.segments().iter().enumerate() {
                    out.push_str(&format!(
                        "\n  {}: {} (horizontal {})",
                        i + 1,
                        metres(s.three_d),
                        metres(s.horizontal)
                    ));
                }
                out
            }
            Kind::Height => match self.height() {
                Some(h) => format!("Height above the ground: {}", metres(h)),
                None => "Height: no point picked".to_owned(),
            },
            Kind::Area => {
                let (a, p) = self.area();
                format!("Area: {}, perimeter {}", square_metres(a), metres(p))
            }
        }
    }
}

/// A length as people read it: centimetres below 100 m, decimetres below 10 km, then whole
/// metres, with thousands separated.
///
/// ```
/// use citytwin::measure::metres;
/// assert_eq!(metres(3.14159), "3.14 m");
/// assert_eq!(metres(443.216), "443.2 m");
/// assert_eq!(metres(12_345.6), "12,346 m");
/// ```
pub fn metres(m: f64) -> String {
    format!("{} m", with_thousands(m, length_decimals(m)))
}

/// The decimals a length is written with: centimetres below 100 m, decimetres below 10 km,
/// then whole metres.
pub fn length_decimals(m: f64) -> usize {
    if m.abs() < 100.0 {
        2
    } else if m.abs() < 10_000.0 {
        1
    } else {
        0
    }
}

/// The decimals an area is written with: one below 100 m², then none.
pub fn area_decimals(a: f64) -> usize {
    if a.abs() < 100.0 { 1 } else { 0 }
}

/// An area: whole square metres (one decimal below 100 m²), thousands separated.
///
/// ```
/// assert_eq!(citytwin::measure::square_metres(23_605.4), "23,605 m²");
/// ```
pub fn square_metres(a: f64) -> String {
    format!("{} m²", with_thousands(a, area_decimals(a)))
}

fn with_thousands(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(w, f)| (w, f));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_distance_height_and_area() {
        // 5 m along the ground, 12 m straight up a wall, then the same point again.
        let m = Measurement {
            kind: Kind::Distance,
            points: vec![
                [0.0, 0.0, 0.0],
                [3.0, 4.0, 0.0],
                [3.0, 4.0, 12.0],
                [3.0, 4.0, 12.0],
            ],
        };
        let s = m.segments();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].horizontal, s[0].three_d), (5.0, 5.0));
        assert_eq!(
            (s[1].horizontal, s[1].three_d, s[1].rise),
            (0.0, 12.0, 12.0)
        );
        assert_eq!(s[2].three_d, 0.0, "a point picked twice adds nothing");
        assert!(m.is_complete());
        // A diagonal through a room: 2 × 3 × 6 → 7.
        assert_eq!(segment([1.0, 1.0, 1.0], [3.0, 4.0, 7.0]).three_d, 7.0);
        // Height: the last point above the ground.
        let h = Measurement {
            kind: Kind::Height,
            points: vec![[10.0, 10.0, 381.0]],
        };
        assert_eq!(h.height(), Some(381.0));
        assert_eq!(h.to_text(), "Height above the ground: 381.0 m");
        // A concave polygon either way round: a U of 30 × 20 with a 10 × 15 notch.
        let u = [
            [0.0, 0.0, 0.0],
            [30.0, 0.0, 0.0],
            [30.0, 20.0, 0.0],
            [20.0, 20.0, 0.0],
            [20.0, 5.0, 0.0],
            [10.0, 5.0, 0.0],
            [10.0, 20.0, 0.0],
            [0.0, 20.0, 0.0],
        ];
        let area = Measurement {
            kind: Kind::Area,
            points: u.to_vec(),
        };
        assert_eq!(area.area(), (450.0, 130.0));
        let mut reversed = area.clone();
        reversed.points.reverse();
        assert_eq!(reversed.area(), (450.0, 130.0));
        assert_eq!(area.to_text(), "Area: 450 m², perimeter 130.0 m");
        assert!(
            !Measurement {
                kind: Kind::Area,
                points: u[..2].to_vec()
            }
            .is_complete()
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(metres(0.004), "0.00 m");
        assert_eq!(metres(-2.5), "−2.50 m");
        assert_eq!(metres(1_234.56), "1,234.6 m");
        assert_eq!(square_metres(12.34), "12.3 m²");
        assert_eq!(square_metres(1_000_000.0), "1,000,000 m²");
    }

    #[test]
    fn a_measured_distance_between_two_corners_matches_proj_to_the_centimetre() {
        // Two corners given in longitude/latitude, placed by the scene's georeference (PROJ)
        // as the buildings are; the distance measured between the snapped corners equals the
        // one computed from the projected coordinates directly.
        let georef =
            crate::georef::Georef::new(crate::georef::LonLat::new(-73.9857, 40.7484), None)
                .unwrap();
        let a = georef
            .lonlat_to_projected(crate::georef::LonLat::new(-73.98565, 40.74845))
            .unwrap();
        let b = georef
            .lonlat_to_projected(crate::georef::LonLat::new(-73.97551, 40.75163))
            .unwrap();
        let sa = georef.projected_to_scene(a.0, a.1, 0.0);
        let sb = georef.projected_to_scene(b.0, b.1, 0.0);
        let direct = (b.0 - a.0).hypot(b.1 - a.1);
        let m = crate::measure::Measurement {
            kind: crate::measure::Kind::Distance,
            points: vec![[sa[0], -sa[2], 0.0], [sb[0], -sb[2], 0.0]],
        };
        assert!((m.total().horizontal - direct).abs() < 0.01);
    }
}
