//! The NGSI-LD query language (`q=`), parsed and evaluated against entities.
//!
//! Supported (ETSI GS CIM 009, clause 4.9): comparisons `==`, `!=`, `>`, `>=`, `<`, `<=`,
//! patterns `~=` and `!~=`, value lists (`a=="x","y"`), ranges (`a==1..5`), existence (a bare
//! attribute name), `;` (and) binding tighter than `|` (or), parentheses, sub-attributes
//! (`a.b`) and keys inside structured values (`a[key][inner]`). Numbers compare as numbers,
//! strings and date-times as text; an array value matches when any element does.
//!
//! ```
//! use citytwin::ngsi_ld::query::Query;
//! use citytwin::ngsi_ld::{parse_entity, Representation};
//! let e = parse_entity(&serde_json::json!({"id": "urn:a", "type": "Building",
//!     "height": 50, "category": ["office", "shop"]}), Representation::Simplified).unwrap().0;
//! assert!(Query::parse("height>40;category==\"shop\"").unwrap().matches(&e));
//! assert!(!Query::parse("height==1..10|name").unwrap().matches(&e));
//! ```

use super::model::{Attribute, AttributeKind, Entity};
use serde_json::Value;

/// A parsed `q` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Both sides hold (`;`).
    And(Vec<Query>),
    /// Either side holds (`|`).
    Or(Vec<Query>),
    /// One condition on an attribute.
    Term(Term),
}

/// Where in an entity a term looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The attribute.
    pub attribute: String,
    /// Sub-attribute names after dots (`a.b.c`).
    pub sub: Vec<String>,
    /// Keys into the structured value (`a[k1][k2]`).
    pub keys: Vec<String>,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `~=`
    Matches,
    /// `!~=`
    NotMatches,
}

/// A literal in a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// A quoted string, a date-time or a URI.
    Text(String),
    /// `true` or `false`.
    Bool(bool),
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One value.
    Value(Literal),
    /// Any of several values (`==` and `!=` only).
    List(Vec<Literal>),
    /// A closed range (`==` and `!=` only).
    Range(Literal, Literal),
    /// A regular expression (`~=`, `!~=`).
    Pattern(String),
}

/// One condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// What is tested.
    pub path: Path,
    /// The comparison, or `None` for "the attribute exists".
    pub comparison: Option<(Op, Operand)>,
}

/// A query that could not be parsed; `position` is the byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid q at character {position}: {message}")]
pub struct QueryError {
    /// Byte offset of the problem.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

/// The longest `q` accepted (bytes): a query a person or a program writes is far shorter.
pub const MAX_QUERY_LENGTH: usize = 8_192;

/// The deepest nesting of parentheses accepted in `q` (the parser recurses on each).
pub const MAX_QUERY_DEPTH: usize = 32;

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, QueryError> {
        Err(QueryError {
            position: self.pos,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.s[self.pos..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            // Whitespace beyond ASCII (a no-break space) is longer than a byte.
            self.pos += c.len_utf8();
        }
    }

    fn expr(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and_expr()?];
        while self.eat("|") {
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.primary()?];
        while self.eat(";") {
            parts.push(self.primary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::And(parts)
        })
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        self.skip_spaces();
        if self.eat("(") {
            self.depth += 1;
            if self.depth > MAX_QUERY_DEPTH {
                return self.err(format!(
                    "more than {MAX_QUERY_DEPTH} parentheses inside each other"
                ));
            }
            let inner = self.expr()?;
            self.depth -= 1;
            self.skip_spaces();
            if !self.eat(")") {
                return self.err("expected `)`");
            }
            self.skip_spaces();
            return Ok(inner);
        }
        let term = self.term()?;
        self.skip_spaces();
        Ok(Query::Term(term))
    }

    fn term(&mut self) -> Result<Term, QueryError> {
        // A name, possibly an expanded IRI (whose dots belong to it up to its last segment),
        // then `.sub` parts and `[key]` parts.
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || "_-:/#@.".contains(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let raw = &self.s[start..self.pos];
        if raw.is_empty() || raw.starts_with('.') {
            self.pos = start;
            return self.err("expected an attribute name");
        }
        let (head, tail) = match raw.contains("://").then(|| raw.rfind(['/', '#'])).flatten() {
            Some(i) => raw.split_at(i + 1),
            None => ("", raw),
        };
        let mut parts = tail.split('.');
        let first = format!("{head}{}", parts.next().unwrap_or_default());
        let mut path = Path {
            attribute: super::short_name(&first).to_owned(),
            sub: parts.map(|p| super::short_name(p).to_owned()).collect(),
            keys: Vec::new(),
        };
        if path.attribute.is_empty() || path.sub.iter().any(String::is_empty) {
            return self.err("expected an attribute name");
        }
        while self.eat("[") {
            let key_start = self.pos;
            while self.peek().is_some_and(|c| c != ']') {
                self.pos += self.peek().map_or(1, char::len_utf8);
            }
            let key = self.s[key_start..self.pos].to_owned();
            if !self.eat("]") {
                return self.err("expected `]`");
            }
            path.keys.push(key);
        }
        let op = [
            ("!~=", Op::NotMatches),
            ("~=", Op::Matches),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
        ]
        .into_iter()
        .find(|(token, _)| self.eat(token))
        .map(|(_, op)| op);
        let Some(op) = op else {
            return Ok(Term {
                path,
                comparison: None,
            });
        };
        if matches!(op, Op::Matches | Op::NotMatches) {
            let pattern = match self.peek() {
                Some('"' | '\'') => self.quoted()?,
                _ => self.bare()?,
            };
            regex::Regex::new(&pattern).map_err(|e| QueryError {
                position: self.pos,
                message: format!("invalid pattern: {e}"),
            })?;
            return Ok(Term {
                path,
                comparison: Some((op, Operand::Pattern(pattern))),
            });
        }
        let first = self.literal()?;
        let operand = if self.eat("..") {
            Operand::Range(first, self.literal()?)
        } else if self.peek() == Some(',') {
            let mut items = vec![first];
            while self.eat(",") {
                items.push(self.literal()?);
            }
            Operand::List(items)
        } else {
            Operand::Value(first)
        };
        if !matches!(operand, Operand::Value(_)) && !matches!(op, Op::Eq | Op::Ne) {
            return self.err("value lists and ranges need `==` or `!=`");
        }
        Ok(Term {
            path,
            comparison: Some((op, operand)),
        })
    }

    /// A string in double quotes (or single quotes, which Stellio accepts).
    fn quoted(&mut self) -> Result<String, QueryError> {
        let quote = match self.peek() {
            Some(q @ ('"' | '\'')) => q,
            _ => return self.err("expected `\"`"),
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.pos += 1;
                    if let Some(c) = self.peek() {
                        out.push(c);
                        self.pos += c.len_utf8();
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// An unquoted token: up to `;`, `|`, `)`, `,` or `..`.
    fn bare(&mut self) -> Result<String, QueryError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if ";|),".contains(c) || self.s[self.pos..].starts_with("..") {
                break;
            }
            self.pos += c.len_utf8();
        }
        let token = self.s[start..self.pos].trim();
        if token.is_empty() || token.starts_with(['=', '<', '>', '!', '~']) {
            self.pos = start;
            return self.err("expected a value");
        }
        Ok(token.to_owned())
    }

    fn literal(&mut self) -> Result<Literal, QueryError> {
        if matches!(self.peek(), Some('"' | '\'')) {
            return Ok(Literal::Text(self.quoted()?));
        }
        let token = self.bare()?;
        Ok(match token.as_str() {
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            t => match t.parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Number(n),
                // Date-times, dates, times and URIs come unquoted.
                _ => Literal::Text(t.to_owned()),
            },
        })
    }
}

impl Query {
    /// Parses a `q` expression (already URL-decoded).
    pub fn parse(q: &str) -> Result<Self, QueryError> {
        if q.len() > MAX_QUERY_LENGTH {
            return Err(QueryError {
                position: MAX_QUERY_LENGTH,
                message: format!(
                    "the query is {} bytes long; at most {MAX_QUERY_LENGTH} are accepted",
                    q.len()
                ),
            });
        }
        let mut p = Parser {
            s: q,
            pos: 0,
            depth: 0,
        };
        let query = p.expr()?;
        p.skip_spaces();
        if p.pos != q.len() {
            return p.err(format!("unexpected `{}`", &q[p.pos..]));
        }
        Ok(query)
    }

    /// Whether the entity satisfies the query.
    pub fn matches(&self, e: &Entity) -> bool {
        match self {
            Self::And(parts) => parts.iter().all(|p| p.matches(e)),
            Self::Or(parts) => parts.iter().any(|p| p.matches(e)),
            Self::Term(t) => t.matches(e),
        }
    }

    /// Renames every attribute and sub-attribute the query refers to (expanding them with a
    /// JSON-LD @context); `observedAt`, `unitCode` and `datasetId` stay as they are.
    pub fn map_names(&mut self, f: &dyn Fn(&str) -> String) {
        match self {
            Self::And(parts) | Self::Or(parts) => parts.iter_mut().for_each(|p| p.map_names(f)),
            Self::Term(t) => {
                t.path.attribute = f(&t.path.attribute);
                for s in &mut t.path.sub {
                    if !matches!(s.as_str(), "observedAt" | "unitCode" | "datasetId") {
                        *s = f(s);
                    }
                }
            }
        }
    }

    /// The attribute names the query refers to.
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            Self::And(parts) | Self::Or(parts) => parts.iter().flat_map(Self::attributes).collect(),
            Self::Term(t) => vec![t.path.attribute.as_str()],
        }
    }
}

impl Term {
    fn matches(&self, e: &Entity) -> bool {
        let values = self.path.values(e);
        match &self.comparison {
            None => !values.is_empty(),
            Some((op, operand)) => {
                // `!=` holds when no value equals; the others when any value satisfies.
                if *op == Op::Ne {
                    !values.is_empty() && !values.iter().any(|v| compare(v, Op::Eq, operand))
                } else if *op == Op::NotMatches {
                    !values.is_empty() && !values.iter().any(|v| compare(v, Op::Matches, operand))
                } else {
                    values.iter().any(|v| compare(v, *op, operand))
                }
            }
        }
    }
}

impl Path {
    /// The values the path reaches in an entity (array values flattened, typed literals
    /// unwrapped).
    fn values(&self, e: &Entity) -> Vec<Value> {
        let mut attrs: Vec<&Attribute> = e
            .attributes
            .get(&self.attribute)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let mut special: Option<Value> = None;
        for name in &self.sub {
            let mut next = Vec::new();
            for a in &attrs {
                match name.as_str() {
                    "observedAt" => special = a.observed_at.clone().map(Value::String),
                    "unitCode" => special = a.unit_code.clone().map(Value::String),
                    "datasetId" => special = a.dataset_id.clone().map(Value::String),
                    _ => next.extend(a.sub_attributes.get(name).into_iter().flatten()),
                }
            }
            attrs = next;
        }
        let mut out: Vec<Value> = match special {
            Some(v) => vec![v],
            None => attrs
                .iter()
                .map(|a| match a.kind {
                    AttributeKind::LanguageProperty if self.keys.is_empty() => {
                        // Any language matches.
                        Value::Array(
                            a.value
                                .as_object()
                                .map(|m| m.values().cloned().collect())
                                .unwrap_or_default(),
                        )
                    }
                    _ => a.plain_value().clone(),
                })
                .collect(),
        };
        for key in &self.keys {
            out = out
                .into_iter()
                .filter_map(|v| match v {
                    Value::Object(mut m) => m.remove(key),
                    _ => None,
                })
                .collect();
        }
        let mut flat = Vec::new();
        for v in out {
            match v {
                Value::Array(items) => flat.extend(items),
                other => flat.push(other),
            }
        }
        flat.into_iter()
            .map(|v| match v {
                Value::Object(ref m) if m.contains_key("@value") => m["@value"].clone(),
                other => other,
            })
            .collect()
    }
}

fn compare(v: &Value, op: Op, operand: &Operand) -> bool {
    match operand {
        Operand::Value(lit) => compare_one(v, op, lit),
        Operand::List(items) => items.iter().any(|lit| compare_one(v, Op::Eq, lit)),
        Operand::Range(lo, hi) => compare_one(v, Op::Ge, lo) && compare_one(v, Op::Le, hi),
        Operand::Pattern(p) => v
            .as_str()
            .is_some_and(|s| regex::Regex::new(p).is_ok_and(|r| r.is_match(s))),
    }
}

fn compare_one(v: &Value, op: Op, lit: &Literal) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (v, lit) {
        (Value::Number(n), Literal::Number(l)) => n.as_f64().and_then(|n| n.partial_cmp(l)),
        (Value::String(s), Literal::Number(l)) => {
            s.parse::<f64>().ok().and_then(|n| n.partial_cmp(l))
        }
        (Value::String(s), Literal::Text(t)) => Some(s.as_str().cmp(t.as_str())),
        (Value::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        (Value::String(s), Literal::Bool(l)) => {
            Some(s.as_str().cmp(if *l { "true" } else { "false" }))
        }
        _ => None,
    };
    let Some(ord) = ordering else { return false };
    match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Matches | Op::NotMatches => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ngsi_ld::{Representation, parse_entity};
    use serde_json::json;

    fn sensor() -> Entity {
        parse_entity(
            &json!({"id": "urn:ngsi-ld:AirQualityObserved:1", "type": "AirQualityObserved",
                "no2": {"type": "Property", "value": 45, "unitCode": "GQ", "observedAt": "2026-11-23T10:00:00Z",
                        "quality": {"type": "Property", "value": "good"}},
                "name": {"type": "LanguageProperty", "languageMap": {"en": "Main St", "sv": "Storgatan"}},
                "address": {"type": "Property", "value": {"addressLocality": "Stockholm", "postalCode": "11122"}},
                "status": {"type": "Property", "value": "ok"},
                "tags": {"type": "Property", "value": ["a", "b"]},
                "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": "2026-11-23T10:00:00Z"}},
                "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:7"}}),
            Representation::Normalized,
        )
        .unwrap()
        .0
    }

    fn q(s: &str) -> bool {
        Query::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .matches(&sensor())
    }

    #[test]
    fn comparisons() {
        assert!(
            q("no2>40")
                && q("no2>=45")
                && q("no2<=45")
                && !q("no2<45")
                && q("no2==45")
                && !q("no2!=45")
        );
        assert!(q("status==\"ok\"") && q("status==ok") && q("status!=\"bad\""));
        assert!(q("no2==40..50") && !q("no2==46..50") && q("no2!=46..50"));
        assert!(q("status==\"x\",\"ok\"") && !q("status==\"x\",\"y\""));
        assert!(q("tags==\"b\""), "any element of an array");
        assert!(q("dateObserved>2026-11-23T09:00:00Z") && q("dateObserved<2026-11-24"));
        assert!(q("refDevice==urn:ngsi-ld:Device:7"));
    }

    #[test]
    fn logic_and_grouping() {
        assert!(q("no2>40;status==\"ok\""));
        assert!(!q("no2>50;status==\"ok\""));
        assert!(q("no2>50|status==\"ok\""));
        // `;` binds tighter than `|`: a | (b ; c)
        assert!(q("status==\"ok\"|no2>50;status==\"x\""));
        assert!(!q("(status==\"ok\"|no2>50);status==\"x\""));
    }

    #[test]
    fn paths() {
        assert!(
            q("no2.quality==\"good\"")
                && q("no2.observedAt>2026-01-01T00:00:00Z")
                && q("no2.unitCode==\"GQ\"")
        );
        assert!(q("address[addressLocality]==\"Stockholm\"") && !q("address[postalCode]==\"1\""));
        assert!(q("name==\"Storgatan\"") && q("name[en]==\"Main St\""));
        assert!(q("name") && !q("temperature"), "existence");
        assert!(
            q("https://smartdatamodels.org/dataModel.Environment/no2>1"),
            "expanded names compact"
        );
    }

    #[test]
    fn patterns() {
        assert!(q("status~=\"^o.$\"") && !q("status!~=\"^o\"") && q("status!~=\"^x\""));
    }

    #[test]
    fn errors_say_where() {
        for bad in [
            "",
            "no2>",
            "(no2>1",
            "no2>>1",
            "no2>1..2",
            "status~=\"(\"",
            "a==\"x",
        ] {
            let e = Query::parse(bad).unwrap_err();
            assert!(!e.message.is_empty(), "{bad}");
        }
        assert_eq!(Query::parse("no2>").unwrap_err().position, 4);
    }
}
