//! Entity queries as request parameters: built by the client, read by the local broker.
//!
//! ```
//! use citytwin::ngsi_ld::request::EntityQuery;
//! let q = EntityQuery { types: vec!["Building".into()], q: Some("height>100".into()), limit: Some(50), ..Default::default() };
//! let params = q.to_params();
//! assert!(params.contains(&("type".to_owned(), "Building".to_owned())));
//! assert_eq!(EntityQuery::from_params(&params).unwrap(), q);
//! ```

use super::geo_query::GeoQuery;
use super::query::Query;
use super::render::Format;

/// A query for entities (`GET /ngsi-ld/v1/entities`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityQuery {
    /// Entity types; an entity matches any of them.
    pub types: Vec<String>,
    /// Entity ids.
    pub ids: Vec<String>,
    /// A regular expression on ids.
    pub id_pattern: Option<String>,
    /// Attributes to return (all when empty).
    pub attrs: Vec<String>,
    /// The `q` expression.
    pub q: Option<String>,
    /// The `scopeQ` expression ([`super::scope`]).
    pub scope_q: Option<String>,
    /// A geo-query.
    pub geo: Option<GeoQuery>,
    /// The representation asked for (`None`: the broker's default, normalized).
    pub format: Option<Format>,
    /// Page size.
    pub limit: Option<usize>,
    /// Index of the first result.
    pub offset: usize,
    /// Ask for the total in the `NGSILD-Results-Count` header.
    pub count: bool,
}

/// A parameter that cannot be understood, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParamError(pub String);

/// The `options` values besides the formats: those of entity queries, of the temporal API
/// (aggregated values) and of writes (which a query ignores).
const KNOWN_OPTIONS: &[&str] = &[
    "keyValues",
    "simplified",
    "concise",
    "normalized",
    "sysAttrs",
    "count",
    "aggregatedValues",
    "noOverwrite",
    "update",
    "replace",
];

fn split_list(v: &str) -> Vec<String> {
    v.split([',', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The longest `idPattern` accepted (bytes).
const MAX_ID_PATTERN: usize = 1_024;

/// The most names in a `type`, `id` or `attrs` list.
const MAX_NAMES: usize = 1_000;

/// A list parameter, refused beyond [`MAX_NAMES`] names.
fn names(key: &str, v: &str) -> Result<Vec<String>, ParamError> {
    let list = split_list(v);
    if list.len() > MAX_NAMES {
        return Err(ParamError(format!(
            "{key} lists {} names; at most {MAX_NAMES} are accepted",
            list.len()
        )));
    }
    Ok(list)
}

impl EntityQuery {
    /// Whether the query selects anything narrower than "everything" (brokers refuse
    /// queries without type, id, idPattern, attrs, q or geo-query).
    pub fn is_narrowed(&self) -> bool {
        !self.types.is_empty()
            || !self.ids.is_empty()
            || self.id_pattern.is_some()
            || !self.attrs.is_empty()
            || self.q.is_some()
            || self.scope_q.is_some()
            || self.geo.is_some()
    }

    /// The request parameters, in a stable order.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        let mut push = |k: &str, v: String| p.push((k.to_owned(), v));
        if !self.ids.is_empty() {
            push("id", self.ids.join(","));
        }
        if !self.types.is_empty() {
            push("type", self.types.join(","));
        }
        if let Some(pattern) = &self.id_pattern {
            push("idPattern", pattern.clone());
        }
        if !self.attrs.is_empty() {
            push("attrs", self.attrs.join(","));
        }
        if let Some(q) = &self.q {
            push("q", q.clone());
        }
        if let Some(s) = &self.scope_q {
            push("scopeQ", s.clone());
        }
        if let Some(format) = self.format {
            push("format", format.name().to_owned());
        }
        if let Some(limit) = self.limit {
            push("limit", limit.to_string());
        }
        if self.offset > 0 {
            push("offset", self.offset.to_string());
        }
        if self.count {
            push("count", "true".to_owned());
        }
        if let Some(geo) = &self.geo {
            p.extend(geo.to_params());
        }
        p
    }

    /// Reads request parameters; unknown parameters are ignored, as brokers do. Parameters
    /// beyond their bounds are refused: `q` ([`super::query::MAX_QUERY_LENGTH`] bytes,
    /// [`super::query::MAX_QUERY_DEPTH`] parentheses deep), a query geometry
    /// ([`super::geo_query::MAX_QUERY_POSITIONS`]), `idPattern` (1,024 bytes), lists of types,
    /// ids or attributes (1,000 names).
    pub fn from_params(params: &[(String, String)]) -> Result<Self, ParamError> {
        let mut q = Self::default();
        let (mut georel, mut geometry, mut coordinates, mut geoproperty) = (None, None, None, None);
        let mut options_format = None;
        for (k, v) in params {
            match k.as_str() {
                "type" => q.types = names(k, v)?,
                "id" => q.ids = names(k, v)?,
                "idPattern" => {
                    if v.len() > MAX_ID_PATTERN {
                        return Err(ParamError(format!(
                            "idPattern is {} bytes long; at most {MAX_ID_PATTERN} are accepted",
                            v.len()
                        )));
                    }
                    regex::Regex::new(v).map_err(|e| {
                        ParamError(format!("idPattern is not a regular expression: {e}"))
                    })?;
                    q.id_pattern = Some(v.clone());
                }
                "attrs" => q.attrs = names(k, v)?,
                "q" => {
                    Query::parse(v).map_err(|e| ParamError(e.to_string()))?;
                    q.q = Some(v.clone());
                }
                "scopeQ" => {
                    super::scope::ScopeQuery::parse(v).map_err(ParamError)?;
                    q.scope_q = Some(v.clone());
                }
                "format" => {
                    q.format = Some(Format::parse(v).ok_or_else(|| {
                        ParamError(format!(
                            "format must be normalized, concise or simplified, not `{v}`"
                        ))
                    })?);
                }
                "options" => {
                    for o in v.split(',').map(str::trim) {
                        if let Some(f) = Format::parse(o) {
                            options_format = Some(f);
                        } else if o == "count" {
                            q.count = true;
                        } else if !KNOWN_OPTIONS.contains(&o) {
                            return Err(ParamError(format!(
                                "options: `{o}` is not one of {}",
                                KNOWN_OPTIONS.join(", ")
                            )));
                        }
                    }
                }
                "limit" => {
                    q.limit = Some(v.parse().map_err(|_| {
                        ParamError(format!("limit must be a whole number, not `{v}`"))
                    })?);
                }
                "offset" => {
                    q.offset = v.parse().map_err(|_| {
                        ParamError(format!("offset must be a whole number, not `{v}`"))
                    })?;
                }
                "count" => q.count = v == "true",
                // A geo-query in one parameter, as some clients send it (the members of
                // a POST query's geoQ): `georel=…&geometry=…&coordinates=…`.
                "geoQ" => {
                    for part in v.split('&') {
                        let (k, v) = part.split_once('=').unwrap_or((part, ""));
                        let v = Some(v.to_owned());
                        match k {
                            "georel" => georel = v,
                            "geometry" => geometry = v,
                            "coordinates" => coordinates = v,
                            "geoproperty" => geoproperty = v,
                            _ => {}
                        }
                    }
                }
                "georel" => georel = Some(v.clone()),
                "geometry" => geometry = Some(v.clone()),
                "coordinates" => coordinates = Some(v.clone()),
                "geoproperty" => geoproperty = Some(v.clone()),
                _ => {}
            }
        }
        // `format` takes precedence over `options`.
        q.format = q.format.or(options_format);
        match (georel, geometry, coordinates) {
            (None, None, None) => {}
            (Some(r), Some(g), Some(c)) => {
                q.geo = Some(
                    GeoQuery::parse(&r, &g, &c, geoproperty.as_deref())
                        .map_err(|e| ParamError(e.to_string()))?,
                );
            }
            _ => {
                return Err(ParamError(
                    "a geo-query needs georel, geometry and coordinates together".to_owned(),
                ));
            }
        }
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn round_trip_with_geo() {
        let q = EntityQuery::from_params(&params(&[
            ("type", "Building,Park"),
            ("georel", "near;maxDistance==800"),
            ("geometry", "Point"),
            ("coordinates", "[13.3777,52.5162]"),
            ("limit", "100"),
            ("offset", "200"),
            ("count", "true"),
            ("format", "concise"),
        ]))
        .unwrap();
        assert_eq!(q.types, ["Building", "Park"]);
        assert_eq!((q.limit, q.offset, q.count), (Some(100), 200, true));
        assert_eq!(EntityQuery::from_params(&q.to_params()).unwrap(), q);
    }

    #[test]
    fn options_and_errors() {
        let q = EntityQuery::from_params(&params(&[("type", "T"), ("options", "keyValues,count")]))
            .unwrap();
        assert_eq!(q.format, Some(Format::Simplified));
        assert!(q.count);
        let q = EntityQuery::from_params(&params(&[
            ("options", "keyValues"),
            ("format", "normalized"),
        ]))
        .unwrap();
        assert_eq!(
            q.format,
            Some(Format::Normalized),
            "format wins over options"
        );
        assert!(!q.is_narrowed());
        for bad in [
            params(&[("limit", "-1")]),
            params(&[("q", "a>")]),
            params(&[("format", "xml")]),
            params(&[("georel", "within")]),
            params(&[("idPattern", "(")]),
        ] {
            assert!(EntityQuery::from_params(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parameters_beyond_their_bounds_are_refused_with_the_bound() {
        let deep = format!("{}a==1{}", "(".repeat(1_000), ")".repeat(1_000));
        let long = format!("a=={}", "1".repeat(10_000));
        let ring: Vec<String> = (0..20_001)
            .map(|i| {
                let a = f64::from(i) / 20_000.0 * std::f64::consts::TAU;
                format!("[{},{}]", 10.0 + 0.01 * a.cos(), 50.0 + 0.01 * a.sin())
            })
            .collect();
        let polygon = format!("[[{}]]", ring.join(","));
        let many = vec!["T"; 1_001].join(",");
        let pattern = "a".repeat(2_000);
        for (bad, says) in [
            (params(&[("q", &deep)]), "parentheses"),
            (params(&[("q", &long)]), "at most 8192"),
            (
                params(&[
                    ("georel", "within"),
                    ("geometry", "Polygon"),
                    ("coordinates", &polygon),
                ]),
                "10000 positions",
            ),
            (params(&[("type", &many)]), "at most 1000"),
            (params(&[("idPattern", &pattern)]), "at most 1024"),
        ] {
            let err = EntityQuery::from_params(&bad).unwrap_err().0;
            assert!(err.contains(says), "{err}");
        }
        // Within them, the same shapes pass.
        let nested = format!("{}a==1{}", "(".repeat(32), ")".repeat(32));
        assert!(EntityQuery::from_params(&params(&[("q", &nested)])).is_ok());
    }
}
