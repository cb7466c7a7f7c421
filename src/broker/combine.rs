//! How a fragment's attributes combine with an entity's: instance by instance (by
//! `datasetId`), NGSI-LD Null deleting, merge keeping members not given.

use crate::ngsi_ld::{Attribute, Entity};

/// How a fragment's attributes combine with an entity's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Combine {
    /// Add and replace (append, upsert with options=update).
    Merge,
    /// Add, and merge into what is there: members not given stay (PATCH of an entity).
    MergePatch,
    /// Add only attributes that are not there (append with noOverwrite).
    NoOverwrite,
    /// Replace the instances that are there, append the others (PATCH of attributes); a
    /// scope only where the entity has one.
    UpdateExisting,
}

/// Applies a fragment instance by instance (an instance replaces the one with the same
/// `datasetId`, or is added); returns the attribute names not applied.
pub(super) fn combine(target: &mut Entity, fragment: Entity, how: Combine) -> Vec<String> {
    let mut not_applied = Vec::new();
    for (name, instances) in fragment.attributes {
        let current = target.attributes.entry(name.clone()).or_default();
        let mut skipped = false;
        for inst in instances {
            let at = current.iter().position(|a| a.dataset_id == inst.dataset_id);
            if is_null(&inst) && how != Combine::NoOverwrite {
                // NGSI-LD Null: the instance is deleted.
                match at {
                    Some(i) => {
                        current.remove(i);
                    }
                    None => skipped |= how == Combine::UpdateExisting,
                }
                continue;
            }
            match (how, at) {
                (Combine::Merge | Combine::UpdateExisting, Some(i)) => current[i] = inst,
                (Combine::MergePatch, Some(i)) => merge_instance(&mut current[i], inst),
                // An update appends what is not there (as the ETSI suite and Orion-LD do).
                (_, None) => current.push(inst),
                (Combine::NoOverwrite, Some(_)) => skipped = true,
            }
        }
        if current.is_empty() {
            target.attributes.remove(&name);
        }
        if skipped {
            not_applied.push(name);
        }
    }
    if !fragment.scope.is_empty() {
        let null = fragment.scope.iter().any(|s| s == "urn:ngsi-ld:null");
        match how {
            _ if null && how != Combine::NoOverwrite => target.scope.clear(),
            Combine::NoOverwrite if !target.scope.is_empty() => not_applied.push("scope".into()),
            Combine::UpdateExisting if target.scope.is_empty() => {
                not_applied.push("scope".into());
            }
            _ => target.scope = fragment.scope,
        }
    }
    if fragment
        .types
        .iter()
        .any(|t| t != super::entities::FRAGMENT)
    {
        for t in fragment.types {
            if t != super::entities::FRAGMENT && !target.types.contains(&t) {
                target.types.push(t);
            }
        }
    }
    not_applied
}

/// Whether an attribute instance is NGSI-LD Null: the instance is to be deleted.
pub(super) fn is_null(a: &Attribute) -> bool {
    a.is_null()
}

/// A partial change of one instance: the members given replace those there, the others
/// stay, sub-attributes merge (and a sub-attribute set to NGSI-LD Null goes).
pub(super) fn merge_instance(old: &mut Attribute, new: Attribute) {
    old.kind = new.kind;
    old.value = new.value;
    old.unit_code = new.unit_code.or(old.unit_code.take());
    old.observed_at = new.observed_at.or(old.observed_at.take());
    old.lang = new.lang.or(old.lang.take());
    for (name, subs) in new.sub_attributes {
        if subs.iter().any(is_null) {
            old.sub_attributes.remove(&name);
        } else {
            old.sub_attributes.insert(name, subs);
        }
    }
}
