//! The Scope Query Language (ETSI GS CIM 009, clause 4.19): which entities' `scope` values a
//! `scopeQ` selects.
//!
//! A scope is a path such as `/Madrid/Gardens/ParqueNorte`. A query is a disjunction (`|` or
//! `,`) of scopes or of parenthesised conjunctions (`;`). `/Madrid` selects exactly that
//! scope, `/Madrid/+` its direct children, `/Madrid/#` it and everything below, `/#` every
//! scope.
//!
//! ```
//! use citytwin::ngsi_ld::scope::ScopeQuery;
//! let scopes = ["/Madrid/Gardens/ParqueNorte".to_owned(), "/CompanyA".to_owned()];
//! assert!(ScopeQuery::parse("/Madrid/#").unwrap().matches(&scopes));
//! assert!(ScopeQuery::parse("(/Madrid/+/ParqueNorte;/CompanyA)|/Nowhere").unwrap().matches(&scopes));
//! assert!(!ScopeQuery::parse("/Madrid").unwrap().matches(&scopes));
//! assert!(ScopeQuery::parse("Madrid").is_err());
//! ```

/// A parsed `scopeQ`: any of its conjunctions must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeQuery {
    any: Vec<Vec<String>>,
}

impl ScopeQuery {
    /// Reads a `scopeQ`, or says why it is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut any = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let (group, after) = if let Some(inner) = rest.strip_prefix('(') {
                let end = inner
                    .find(')')
                    .ok_or_else(|| format!("scopeQ `{text}`: a `(` is not closed"))?;
                let all = inner[..end]
                    .split(';')
                    .map(|s| check(s.trim(), text))
                    .collect::<Result<Vec<_>, _>>()?;
                (all, &inner[end + 1..])
            } else {
                let end = rest.find(['|', ',']).unwrap_or(rest.len());
                let all = rest[..end]
                    .split(';')
                    .map(|s| check(s.trim(), text))
                    .collect::<Result<Vec<_>, _>>()?;
                (all, &rest[end..])
            };
            any.push(group);
            let after = after.trim_start();
            rest = match after.chars().next() {
                None => "",
                Some('|' | ',') => after[1..].trim_start(),
                Some(c) => return Err(format!("scopeQ `{text}`: `{c}` is not expected here")),
            };
            if rest.is_empty() && !after.is_empty() {
                return Err(format!("scopeQ `{text}` ends with an operator"));
            }
        }
        if any.is_empty() {
            return Err("scopeQ is empty".to_owned());
        }
        Ok(Self { any })
    }

    /// Whether an entity with these scope values is selected.
    pub fn matches(&self, scopes: &[String]) -> bool {
        self.any
            .iter()
            .any(|all| all.iter().all(|p| scopes.iter().any(|s| matches(p, s))))
    }
}

/// A scope path of the query language: `/` then levels, `+` and a final `#` allowed.
fn check(p: &str, text: &str) -> Result<String, String> {
    let bad = || format!("scopeQ `{text}`: `{p}` is not a scope (such as /Madrid/Gardens)");
    let levels = p.strip_prefix('/').ok_or_else(bad)?;
    let parts: Vec<&str> = levels.split('/').collect();
    for (i, l) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let ok = match *l {
            "+" => true,
            "#" => last,
            l => !l.is_empty() && !l.contains(['(', ')', ';', '|', ',', ' ', '#', '+']),
        };
        if !ok {
            return Err(bad());
        }
    }
    Ok(p.to_owned())
}

/// Whether one query path selects one scope value.
fn matches(pattern: &str, scope: &str) -> bool {
    let p: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let s: Vec<&str> = scope.trim_start_matches('/').split('/').collect();
    for (i, level) in p.iter().enumerate() {
        match *level {
            "#" => return true,
            "+" if i < s.len() => {}
            l if s.get(i) == Some(&l) => {}
            _ => return false,
        }
    }
    p.len() == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(q: &str, scopes: &[&str]) -> bool {
        let s: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        ScopeQuery::parse(q).unwrap().matches(&s)
    }

    #[test]
    fn the_specifications_examples() {
        let one = ["/Madrid/Gardens/ParqueNorte"];
        let both = [
            "/Madrid/Gardens/ParqueNorte",
            "/CompanyA/OrganizationB/UnitC",
        ];
        let q = "(/Madrid/Gardens/ParqueNorte;/CompanyA/OrganizationB/UnitC)";
        assert!(!sel(q, &one) && sel(q, &both));
        let q = "(/Madrid/Gardens/ParqueNorte;/CompanyA/OrganizationB/UnitC)|/Madrid/Gardens/ParqueNorte";
        assert!(sel(q, &one) && sel(q, &both));
        assert!(sel("/Madrid/#", &one) && sel("/#", &one) && sel("/Madrid/Gardens/+", &one));
        assert!(!sel("/Madrid/+", &one) && !sel("/Madrid", &one));
        assert!(sel("/Nowhere,/Madrid/Gardens/ParqueNorte", &one));
        assert!(!sel("/Madrid/Gardens/ParqueNorte;/Nowhere/AtAll", &both));
        assert!(!sel("/#", &[]));
    }

    #[test]
    fn refuses_what_is_not_a_scope_query() {
        for bad in ["", "Madrid", "(/a;/b", "/a|", "/a/#/b", "/a//b", "/a b"] {
            assert!(ScopeQuery::parse(bad).is_err(), "{bad}");
        }
    }
}
