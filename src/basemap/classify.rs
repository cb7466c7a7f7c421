//! OpenStreetMap tags to ground classes: which features are streets, water, parks and so on,
//! whether a closed way is a surface or a loop of road, and how wide a street is drawn.
//!
//! ```
//! use citytwin::basemap::GroundClass;
//! use citytwin::basemap::classify::{Decision, Tags, classify};
//! let avenue = Tags::new(vec![("highway", "primary"), ("lanes", "4")]);
//! assert_eq!(classify(&avenue, false), Decision::Line(GroundClass::Street, 13.0));
//! let park = Tags::new(vec![("leisure", "park"), ("name", "Bryant Park")]);
//! assert_eq!(classify(&park, true), Decision::Area(GroundClass::Park));
//! let tunnel = Tags::new(vec![("highway", "primary"), ("tunnel", "yes")]);
//! assert_eq!(classify(&tunnel, false), Decision::LeaveOut("in a tunnel"));
//! ```

use super::GroundClass;

/// A feature's tags (key, value), as read.
#[derive(Debug, Clone, Default)]
pub struct Tags<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Tags<'a> {
    /// Tags from pairs.
    pub fn new(pairs: Vec<(&'a str, &'a str)>) -> Self {
        Self(pairs)
    }

    /// The value of `key`, if tagged.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn is(&self, key: &str, value: &str) -> bool {
        self.get(key) == Some(value)
    }

    fn yes(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v != "no" && v != "false" && v != "0")
    }

    /// Whether there is no tag at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What to do with a feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Draw it as a surface of this class.
    Area(GroundClass),
    /// Draw it as a band of this class, this many metres wide.
    Line(GroundClass, f64),
    /// Not drawn on purpose (the reason, in words): under ground, in a tunnel, disused.
    LeaveOut(&'static str),
    /// Not a ground feature (a building, a bus route, a bench).
    Ignore,
}

/// Lane width (m) for streets tagged with their lanes but not their width.
pub const LANE_WIDTH_M: f64 = 3.25;

/// Widths (m) are kept within this range; a wider `width` is read as a mistake.
const WIDTH_RANGE_M: (f64, f64) = (0.5, 80.0);

/// What a feature is, from its tags; `closed` says whether its line ends where it starts (a
/// closed way, or any polygon).
pub fn classify(tags: &Tags, closed: bool) -> Decision {
    let below = tags
        .get("layer")
        .and_then(|l| l.trim().parse::<f64>().ok())
        .is_some_and(|l| l < 0.0);
    if tags.is("location", "underground") || (below && !tags.yes("bridge")) {
        return Decision::LeaveOut("under ground");
    }
    if tags.yes("tunnel") || (tags.is("covered", "yes") && tags.get("highway").is_some()) {
        return Decision::LeaveOut("in a tunnel");
    }
    let area_tagged = tags.is("area", "yes");
    if let Some(kind) = tags.get("area:highway") {
        return area_decision(closed, highway_area_class(kind));
    }
    if let Some(kind) = tags.get("highway") {
        if closed && area_tagged {
            return area_decision(closed, highway_area_class(kind));
        }
        return match street_class(kind) {
            Some((class, default_width)) => Decision::Line(class, width(tags, default_width, kind)),
            None => Decision::Ignore,
        };
    }
    if let Some(kind) = tags.get("railway") {
        return railway(tags, kind, closed);
    }
    if let Some(kind) = tags.get("waterway") {
        return waterway(tags, kind, closed);
    }
    match area_class(tags) {
        Some(class) => area_decision(closed, Some(class)),
        None => Decision::Ignore,
    }
}

/// A surface when the way is closed; a surface tag on an open way is broken geometry, which
/// the caller reports.
fn area_decision(closed: bool, class: Option<GroundClass>) -> Decision {
    match class {
        Some(c) if closed => Decision::Area(c),
        Some(_) => Decision::LeaveOut("a surface whose outline is not closed"),
        None => Decision::Ignore,
    }
}

/// The class of a surface mapped as `area:highway=*` or `highway=* + area=yes`.
fn highway_area_class(kind: &str) -> Option<GroundClass> {
    match kind {
        "pedestrian" | "footway" | "platform" | "cycleway" | "path" | "steps" => {
            Some(GroundClass::Square)
        }
        "corridor" | "elevator" | "construction" | "proposed" => None,
        _ => Some(GroundClass::Street),
    }
}

/// Streets and paths by `highway=*`, with the width they are drawn at when untagged.
fn street_class(kind: &str) -> Option<(GroundClass, f64)> {
    use GroundClass::{Path, Street};
    Some(match kind {
        "motorway" => (Street, 15.0),
        "trunk" => (Street, 13.0),
        "primary" => (Street, 12.0),
        "secondary" => (Street, 10.0),
        "tertiary" => (Street, 8.0),
        "motorway_link" | "trunk_link" | "primary_link" => (Street, 7.0),
        "secondary_link" | "tertiary_link" => (Street, 6.0),
        "residential" | "unclassified" | "road" | "busway" => (Street, 7.0),
        "living_street" => (Street, 6.0),
        "service" => (Street, 4.5),
        "track" => (Street, 3.0),
        "pedestrian" => (Path, 6.0),
        "footway" | "steps" | "bridleway" => (Path, 2.5),
        "cycleway" => (Path, 2.0),
        "path" => (Path, 1.5),
        // Indoor, planned, or not a way on the ground.
        _ => return None,
    })
}

/// The width of a street or path: its `width` tag (metres, or feet written `40'` or
/// `40 ft`), else its lanes, else `default` (narrower for sidewalks' crossings, alleys and
/// driveways).
fn width(tags: &Tags, default: f64, kind: &str) -> f64 {
    let (lo, hi) = WIDTH_RANGE_M;
    if let Some(w) = tags.get("width").and_then(parse_length_m) {
        return w.clamp(lo, hi);
    }
    if kind != "footway" && kind != "path" && kind != "cycleway" {
        let lanes = tags
            .get("lanes")
            .and_then(|l| l.trim().parse::<f64>().ok())
            .filter(|l| l.is_finite() && *l >= 1.0 && *l <= 20.0);
        if let Some(lanes) = lanes {
            return (lanes * LANE_WIDTH_M).clamp(lo, hi);
        }
    }
    match (kind, tags.get("service"), tags.get("footway")) {
        ("service", Some("driveway" | "alley" | "drive-through"), _) => 3.5,
        ("footway", _, Some("sidewalk")) => 3.0,
        ("footway", _, Some("crossing")) => 3.0,
        _ => default,
    }
}

/// A length in metres from OSM's ways of writing it: `12`, `12.5 m`, `40'`, `40 ft`,
/// `12'6"`; `None` when it does not read as a positive length.
///
/// ```
/// use citytwin::basemap::classify::parse_length_m;
/// assert_eq!(parse_length_m("12.5 m"), Some(12.5));
/// assert_eq!(parse_length_m("10'"), Some(3.048));
/// assert_eq!(parse_length_m("wide"), None);
/// ```
pub fn parse_length_m(text: &str) -> Option<f64> {
    let t = text.trim().replace(',', ".");
    let value = if let Some((feet, rest)) = t.split_once('\'') {
        let feet: f64 = feet.trim().parse().ok()?;
        let inches: f64 = rest
            .trim()
            .trim_end_matches('"')
            .trim()
            .parse()
            .unwrap_or(0.0);
        (feet * 12.0 + inches) * 0.0254
    } else if let Some(feet) = t.strip_suffix("ft") {
        feet.trim().parse::<f64>().ok()? * 0.3048
    } else {
        t.trim_end_matches('m').trim().parse().ok()?
    };
    (value.is_finite() && value > 0.0).then_some(value)
}

fn railway(tags: &Tags, kind: &str, closed: bool) -> Decision {
    match kind {
        "rail" | "light_rail" | "narrow_gauge" | "monorail" | "preserved" | "funicular" => {
            Decision::Line(GroundClass::Railway, width(tags, 3.0, kind))
        }
        "tram" => Decision::Line(GroundClass::Railway, width(tags, 2.5, kind)),
        // Subways reach the ground where they leave their tunnels (tunnels are left out).
        "subway" => Decision::Line(GroundClass::Railway, width(tags, 3.0, kind)),
        "platform" if closed => Decision::Area(GroundClass::Square),
        "platform" => Decision::Line(GroundClass::Path, width(tags, 3.0, kind)),
        "abandoned" | "disused" | "razed" | "proposed" | "construction" => {
            Decision::LeaveOut("a railway not in use")
        }
        _ => Decision::Ignore,
    }
}

fn waterway(tags: &Tags, kind: &str, closed: bool) -> Decision {
    match kind {
        "riverbank" | "dock" | "boatyard" if closed => Decision::Area(GroundClass::Water),
        "river" => Decision::Line(GroundClass::Water, width(tags, 30.0, kind)),
        "canal" => Decision::Line(GroundClass::Water, width(tags, 12.0, kind)),
        "stream" | "tidal_channel" => Decision::Line(GroundClass::Water, width(tags, 3.0, kind)),
        "ditch" | "drain" => Decision::Line(GroundClass::Water, width(tags, 1.5, kind)),
        _ => Decision::Ignore,
    }
}

/// The class of a surface that is neither a street nor a railway nor a waterway.
fn area_class(tags: &Tags) -> Option<GroundClass> {
    use GroundClass::{Landuse, Park, Railway, Square, Water};
    if tags.get("building").is_some_and(|b| b != "no") {
        return None;
    }
    if let Some(v) = tags.get("natural") {
        match v {
            "water" | "bay" | "strait" => return Some(Water),
            "wood" | "scrub" | "grassland" | "heath" | "wetland" | "fell" => {
                return Some(Park);
            }
            "sand" | "beach" | "bare_rock" | "scree" | "shingle" => return Some(Landuse),
            _ => {}
        }
    }
    if tags.get("water").is_some() || tags.is("amenity", "fountain") {
        return Some(Water);
    }
    if let Some(v) = tags.get("leisure") {
        match v {
            "swimming_pool" => return Some(Water),
            "park" | "garden" | "playground" | "dog_park" | "pitch" | "golf_course"
            | "nature_reserve" | "common" | "recreation_ground" | "track" | "miniature_golf" => {
                return Some(Park);
            }
            "marina" => return Some(Water),
            _ => {}
        }
    }
    if let Some(v) = tags.get("landuse") {
        return match v {
            "reservoir" | "basin" | "salt_pond" => Some(Water),
            "grass" | "forest" | "meadow" | "village_green" | "recreation_ground" | "flowerbed"
            | "cemetery" | "allotments" | "orchard" | "vineyard" | "plant_nursery" => Some(Park),
            "railway" => Some(Railway),
            _ => Some(Landuse),
        };
    }
    if tags.is("place", "square") || tags.is("amenity", "parking") {
        return Some(Square);
    }
    if matches!(tags.get("man_made"), Some("pier" | "bridge" | "breakwater")) {
        return Some(Square);
    }
    if matches!(
        tags.get("amenity"),
        Some("school" | "university" | "college" | "hospital" | "kindergarten")
    ) {
        return Some(Landuse);
    }
    None
}
