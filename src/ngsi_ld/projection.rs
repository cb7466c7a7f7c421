//! `pick` and `omit` (NGSI-LD 1.8, clause 4.21): which members of each entity an answer
//! keeps — `id`, `type`, `scope` and attributes alike — with braces reaching into linked
//! entities (`locatedAt{name}`) when they are joined.
//!
//! ```
//! use citytwin::ngsi_ld::projection::Projection;
//! use serde_json::json;
//! let p = Projection::from_params(Some("id,name"), None, false).unwrap().unwrap();
//! let mut e = json!({"id": "urn:x:1", "type": "Building", "name": {"type": "Property", "value": "A"}});
//! p.apply(&mut e);
//! assert_eq!(e, json!({"id": "urn:x:1", "name": {"type": "Property", "value": "A"}}));
//! assert!(Projection::from_params(Some("name"), Some("name"), false).is_err());
//! assert!(Projection::from_params(Some("id,,name"), None, false).is_err());
//! ```

use serde_json::Value;

/// One member named in `pick` or `omit`, with what to keep of (or leave out of) the entity
/// it links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's name, as the client writes it.
    pub name: String,
    /// Members of the linked entity (`locatedAt{name}`); empty when none are named.
    pub nested: Vec<Member>,
}

/// The projection asked for: `pick` (keep only these) or `omit` (leave these out), or both
/// when they do not name the same member.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Projection {
    /// Members to keep; `None` keeps all.
    pub pick: Option<Vec<Member>>,
    /// Members to leave out.
    pub omit: Vec<Member>,
}

impl Projection {
    /// Reads `pick` and `omit`; `None` when neither is given. `attrs` says whether the
    /// request also has `attrs`, which neither may be combined with.
    pub fn from_params(
        pick: Option<&str>,
        omit: Option<&str>,
        attrs: bool,
    ) -> Result<Option<Self>, String> {
        let pick = pick.filter(|p| !p.is_empty());
        let omit = omit.filter(|p| !p.is_empty());
        if pick.is_none() && omit.is_none() {
            return Ok(None);
        }
        if attrs {
            return Err("pick and omit cannot be combined with attrs".to_owned());
        }
        let pick = pick.map(parse_members).transpose()?;
        let omit = omit.map(parse_members).transpose()?.unwrap_or_default();
        if let Some(p) = &pick
            && let Some(m) = omit.iter().find(|o| p.iter().any(|x| x.name == o.name))
        {
            return Err(format!("`{}` is both in pick and in omit", m.name));
        }
        Ok(Some(Self { pick, omit }))
    }

    /// Keeps or drops the members of one entity (a JSON object); linked entities inlined
    /// under a Relationship's `entity` member get the nested members' projection.
    pub fn apply(&self, entity: &mut Value) {
        apply(entity, self.pick.as_deref(), &self.omit);
    }

    /// The projection for the entities linked through `member` (flat joins): its nested
    /// members, or everything when none are named.
    pub fn nested(&self, member: &str) -> Option<Self> {
        let find = |list: &[Member]| {
            list.iter()
                .find(|m| m.name == member)
                .map(|m| m.nested.clone())
                .filter(|n| !n.is_empty())
        };
        let pick = self.pick.as_deref().and_then(find);
        let omit = find(&self.omit).unwrap_or_default();
        (pick.is_some() || !omit.is_empty()).then_some(Self { pick, omit })
    }
}

fn apply(entity: &mut Value, pick: Option<&[Member]>, omit: &[Member]) {
    let Value::Object(map) = entity else {
        return;
    };
    if let Some(pick) = pick {
        map.retain(|k, _| k == "@context" || pick.iter().any(|m| &m.name == k));
    }
    for m in omit.iter().filter(|m| m.nested.is_empty()) {
        map.remove(&m.name);
    }
    // Into linked entities.
    let nested = pick
        .into_iter()
        .flatten()
        .map(|m| (m, true))
        .chain(omit.iter().map(|m| (m, false)))
        .filter(|(m, _)| !m.nested.is_empty());
    for (m, is_pick) in nested {
        if let Some(attr) = map.get_mut(&m.name) {
            for linked in linked_entities(attr) {
                if is_pick {
                    apply(linked, Some(&m.nested), &[]);
                } else {
                    apply(linked, None, &m.nested);
                }
            }
        }
    }
}

/// The entities inlined in a Relationship (`entity`, one or a list), in any representation.
fn linked_entities(attr: &mut Value) -> Vec<&mut Value> {
    match attr {
        Value::Object(m) => match m.get_mut("entity") {
            Some(Value::Array(items)) => items.iter_mut().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => Vec::new(),
        },
        Value::Array(instances) => instances.iter_mut().flat_map(linked_entities).collect(),
        _ => Vec::new(),
    }
}

/// Reads a member list: names separated by commas, each optionally followed by a braced
/// member list of the linked entity.
pub fn parse_members(text: &str) -> Result<Vec<Member>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let list = members(&chars, &mut at, text)?;
    if at != chars.len() {
        return Err(format!("`{text}`: `{}` is not expected here", chars[at]));
    }
    Ok(list)
}

fn members(chars: &[char], at: &mut usize, text: &str) -> Result<Vec<Member>, String> {
    let mut out = Vec::new();
    loop {
        let start = *at;
        while *at < chars.len() && is_name_char(chars[*at]) {
            *at += 1;
        }
        if *at == start {
            return Err(match chars.get(*at) {
                Some(c) => format!("`{text}`: a member name is expected before `{c}`"),
                None => format!("`{text}`: a member name is expected at the end"),
            });
        }
        let name: String = chars[start..*at].iter().collect();
        let mut nested = Vec::new();
        if chars.get(*at) == Some(&'{') {
            *at += 1;
            nested = members(chars, at, text)?;
            if chars.get(*at) != Some(&'}') {
                return Err(format!("`{text}`: a `{{` is not closed"));
            }
            *at += 1;
        }
        out.push(Member { name, nested });
        match chars.get(*at) {
            Some(',') => *at += 1,
            _ => return Ok(out),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | '#' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refuses_the_suites_malformed_lists() {
        for bad in [
            "id;name",
            "id,locatedAt{name",
            "id,locatedAt{{name}",
            "id,,name",
            "id,locatedAt{,name}",
            "id,locatedAt{}",
            "",
        ] {
            assert!(parse_members(bad).is_err(), "{bad}");
        }
        let m = parse_members("id,locatedAt{name,isIn{id}}").unwrap();
        assert_eq!(m[1].nested[1].nested[0].name, "id");
    }

    #[test]
    fn reaches_into_inlined_entities() {
        let p = Projection::from_params(Some("id,locatedAt{name}"), None, false)
            .unwrap()
            .unwrap();
        let mut e = json!({"id": "a:1", "type": "B", "locatedAt": {"type": "Relationship", "object": "a:2",
            "entity": {"id": "a:2", "type": "P", "name": {"type": "Property", "value": "x"}}}});
        p.apply(&mut e);
        assert_eq!(
            e["locatedAt"]["entity"],
            json!({"name": {"type": "Property", "value": "x"}})
        );
        assert!(e.get("type").is_none());
        let o = Projection::from_params(None, Some("type,name"), false)
            .unwrap()
            .unwrap();
        let mut e = json!({"id": "a:1", "type": "B", "name": "n", "h": 1});
        o.apply(&mut e);
        assert_eq!(e, json!({"id": "a:1", "h": 1}));
        assert!(Projection::from_params(Some("name"), None, true).is_err());
    }
}
