//! Citizens' comments pinned in the scene, stored in the broker as Smart Data Models
//! `IssueReporting` entities (dataModel.IssueTracking: "citizen issues, reports and
//! feedbacks").
//!
//! A comment is anonymous by construction: it holds a category, the text (the only free
//! field), a place, the minute it was written, optionally the scenario it is about, its
//! resolution status and whether a moderator hid it — nothing else is ever written: no name,
//! account, e-mail, address, device or time finer than the minute. [`ALLOWED_ATTRIBUTES`]
//! lists what an entity may carry; [`Comment::to_entity`] writes exactly those.
//!
//! ```
//! use citytwin::comment::{Comment, Draft, Limits};
//! let draft = Draft {
//!     category: "idea".into(),
//!     text: "  A bench here, please  ".into(),
//!     lonlat: [-73.9857, 40.7484],
//!     height: 0.0,
//!     scenario: None,
//! };
//! let c = Comment::from_draft(&draft, &Limits::default(), 1_764_971_519_999).unwrap();
//! assert_eq!(c.text, "A bench here, please");
//! assert_eq!(c.created, "2025-12-05T21:51:00Z");
//! let back = Comment::from_entity(&c.to_entity()).unwrap();
//! assert_eq!(back, c);
//! ```

pub mod export;
mod problem;
pub mod queue;

pub use problem::Problem;

use crate::ngsi_ld::{Attribute, AttributeKind, Entity};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The NGSI-LD entity type of a comment.
pub const ENTITY_TYPE: &str = "IssueReporting";

/// The attributes a comment entity may carry: the data model's `category`, `description`,
/// `location`, `dateCreated` and `resolutionStatus`, and two the model lacks: `scenario` (the
/// name of the scenario the comment is about) and `hidden` (set by a moderator).
pub const ALLOWED_ATTRIBUTES: [&str; 7] = [
    "category",
    "description",
    "location",
    "dateCreated",
    "resolutionStatus",
    "scenario",
    "hidden",
];

/// What a person wrote, before it becomes a [`Comment`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// The category's id (`idea`, `problem`, …).
    pub category: String,
    /// The text as typed.
    pub text: String,
    /// Where: longitude and latitude (degrees, WGS 84).
    pub lonlat: [f64; 2],
    /// Height above the ground (m): 0 on the ground, more on a façade or a roof.
    pub height: f64,
    /// The scenario it is about, by name.
    pub scenario: Option<String>,
}

/// The rules a draft must follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Most characters in the text.
    pub max_chars: usize,
    /// The categories' ids.
    pub categories: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_chars: 500,
            categories: ["idea", "problem", "question", "praise"]
                .map(str::to_owned)
                .to_vec(),
        }
    }
}

/// A comment as stored in the broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// The entity id: `urn:ngsi-ld:IssueReporting:` and a random number (nothing of the
    /// device or the person).
    pub id: String,
    /// The category's id.
    pub category: String,
    /// The text.
    pub text: String,
    /// Longitude and latitude (degrees).
    pub lonlat: [f64; 2],
    /// Height above the ground (m).
    pub height: f64,
    /// When it was written, to the minute: `YYYY-MM-DDTHH:MM:00Z`.
    pub created: String,
    /// The scenario it is about, by name.
    pub scenario: Option<String>,
    /// `resolutionStatus` (`Open` when written).
    pub status: String,
    /// Hidden by a moderator (kept, shown to nobody but moderators).
    pub hidden: bool,
}

/// `millis` (since 1970, UTC) to the minute, as `YYYY-MM-DDTHH:MM:00Z`.
///
/// ```
/// assert_eq!(citytwin::comment::minute(1_764_971_519_999), "2025-12-05T21:51:00Z");
/// ```
pub fn minute(millis: i64) -> String {
    let s = crate::timestamp::format_millis(millis.div_euclid(60_000) * 60_000);
    format!("{}:00Z", &s[..16])
}

impl Comment {
    /// A new comment from a draft written at `now_ms`, with a fresh id; the text trimmed.
    /// Refuses an empty or over-long text, an unknown category and a place that is not one.
    pub fn from_draft(draft: &Draft, limits: &Limits, now_ms: i64) -> Result<Self, Problem> {
        let text = draft.text.trim();
        if text.is_empty() {
            return Err(Problem::EmptyText);
        }
        let chars = text.chars().count();
        if chars > limits.max_chars {
            return Err(Problem::TooLong {
                chars,
                max: limits.max_chars,
            });
        }
        if !limits.categories.contains(&draft.category) {
            return Err(Problem::NoCategory);
        }
        let [lon, lat] = draft.lonlat;
        if !(lon.is_finite()
            && lat.is_finite()
            && draft.height.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat))
        {
            return Err(Problem::OffScene);
        }
        Ok(Self {
            id: crate::ngsi_ld::new_id(ENTITY_TYPE),
            category: draft.category.clone(),
            text: text.to_owned(),
            lonlat: draft.lonlat,
            height: (draft.height.max(0.0) * 100.0).round() / 100.0,
            created: minute(now_ms),
            scenario: draft
                .scenario
                .as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            status: "Open".to_owned(),
            hidden: false,
        })
    }

    /// The comment as an NGSI-LD entity (normalized), with only [`ALLOWED_ATTRIBUTES`]; the
    /// location a GeoJSON Point with the height as its third coordinate when above the
    /// ground.
    pub fn to_entity(&self) -> Entity {
        let mut e = Entity::new(&self.id, ENTITY_TYPE);
        let mut put = |name: &str, a: Attribute| {
            e.attributes.insert(name.to_owned(), vec![a]);
        };
        put("category", Attribute::property(json!(self.category)));
        put("description", Attribute::property(json!(self.text)));
        let [lon, lat] = self.lonlat;
        let coordinates = if self.height > 0.0 {
            json!([lon, lat, self.height])
        } else {
            json!([lon, lat])
        };
        put(
            "location",
            Attribute::new(
                AttributeKind::GeoProperty,
                json!({"type": "Point", "coordinates": coordinates}),
            ),
        );
        put(
            "dateCreated",
            Attribute::property(json!({"@type": "DateTime", "@value": self.created})),
        );
        put("resolutionStatus", Attribute::property(json!(self.status)));
        if let Some(s) = &self.scenario {
            put("scenario", Attribute::property(json!(s)));
        }
        put("hidden", Attribute::property(json!(self.hidden)));
        e
    }

    /// A comment from an `IssueReporting` entity (one written by citytwin or another tool):
    /// it needs a description and a Point location; a missing category reads as `other`, a
    /// missing status as `Open`, a missing hidden mark as shown.
    pub fn from_entity(e: &Entity) -> Result<Self, String> {
        let text = |name: &str| -> Option<String> {
            let a = e.attribute(name)?;
            match a.plain_value() {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("@value").and_then(Value::as_str).map(str::to_owned),
                Value::Array(v) => v.first().and_then(Value::as_str).map(str::to_owned),
                _ => None,
            }
        };
        let description = text("description").ok_or("it has no description")?;
        let location = e.attribute("location").ok_or("it has no location")?;
        let point = location.plain_value();
        if point.get("type").and_then(Value::as_str) != Some("Point") {
            return Err("its location is not a Point".to_owned());
        }
        let c: Vec<f64> = point
            .get("coordinates")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        if c.len() < 2 || !c.iter().all(|x| x.is_finite()) {
            return Err("its location has no longitude and latitude".to_owned());
        }
        let hidden = e
            .attribute("hidden")
            .map(|a| match a.plain_value() {
                Value::Bool(b) => *b,
                Value::String(s) => s == "true",
                Value::Object(o) => o.get("@value").and_then(Value::as_bool).unwrap_or(false),
                _ => false,
            })
            .unwrap_or(false);
        Ok(Self {
            id: e.id.clone(),
            category: text("category").unwrap_or_else(|| "other".to_owned()),
            text: description,
            lonlat: [c[0], c[1]],
            height: c.get(2).copied().unwrap_or(0.0).max(0.0),
            created: text("dateCreated").unwrap_or_default(),
            scenario: text("scenario"),
            status: text("resolutionStatus").unwrap_or_else(|| "Open".to_owned()),
            hidden,
        })
    }

    /// The attributes that hide or show a comment again (an append to the entity).
    pub fn hidden_attribute(hidden: bool) -> Entity {
        let mut e = Entity::new("", ENTITY_TYPE);
        e.attributes.insert(
            "hidden".to_owned(),
            vec![Attribute::property(json!(hidden))],
        );
        e
    }
}

#[cfg(test)]
mod tests;
