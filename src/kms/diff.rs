//! Diff of two revisions' properties. Identity is (owner, name); values are matched by name, and a
//! removed name paired with an added one of the same value (or, when values are unknown, the same
//! value expression) is a rename.

use std::collections::{BTreeMap, BTreeSet};

use crate::change::{Change, ChangeKind, Facts, ItemKind};

use super::{KmsModel, Property, PropertyValue};

fn prop_id(p: &Property) -> String {
    format!("property:{}:{}", p.owner, p.name)
}

fn value_id(p: &Property, v: &str) -> String {
    format!("property_value:{}:{}:{}", p.owner, p.name, v)
}

fn fmt_value(v: &PropertyValue) -> String {
    match (v.value, &v.expr) {
        (Some(x), _) => format!("\"{}\" = {x}", v.name),
        (None, Some(e)) => format!("\"{}\" = {e}", v.name),
        (None, None) => format!("\"{}\"", v.name),
    }
}

/// A one-line rendering for before/after display.
fn render(p: &Property) -> String {
    let mut s = format!("{} \"{}\"", p.kind.as_str(), p.name);
    if !p.flags.is_empty() {
        s.push_str(&format!(" [{}]", p.flags.join(" | ")));
    }
    if let Some((lo, hi)) = p.range {
        let b = |x: Option<i128>| x.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
        s.push_str(&format!(" {}..{}", b(lo), b(hi)));
    }
    if let Some(o) = &p.object_type {
        s.push_str(&format!(" ({o})"));
    }
    if !p.values.is_empty() {
        let vals: Vec<String> = p.values.iter().map(fmt_value).collect();
        s.push_str(&format!(" {{{}}}", vals.join(", ")));
    }
    s
}

fn prop_change(
    p: &Property,
    change: ChangeKind,
    rule: &str,
    old: Option<&Property>,
    new: Option<&Property>,
) -> Change {
    Change {
        kind: ItemKind::Property,
        change,
        name: p.name.clone(),
        parent: None,
        file: p.file.clone(),
        line: p.line,
        // Set from the rule's severity by rules::classify_all.
        breaking: false,
        needs_userspace: false,
        rule: rule.to_string(),
        old: old.map(|p| Facts::Property(p.facts())),
        new: new.map(|p| Facts::Property(p.facts())),
        id: prop_id(p),
        owner: Some(p.owner.clone()),
        old_decl: old.map(render),
        new_decl: new.map(render),
        arches: None,
        hints: Vec::new(),
        moved_to: None,
        moved_from: None,
    }
}

fn value_change(
    p: &Property,
    name: &str,
    change: ChangeKind,
    rule: &str,
    old: Option<&PropertyValue>,
    new: Option<&PropertyValue>,
) -> Change {
    Change {
        kind: ItemKind::PropertyValue,
        change,
        name: name.to_string(),
        parent: Some(p.name.clone()),
        file: p.file.clone(),
        line: p.line,
        // Set from the rule's severity by rules::classify_all.
        breaking: false,
        needs_userspace: false,
        rule: rule.to_string(),
        old: old.map(|v| Facts::PropertyValue { value: v.value }),
        new: new.map(|v| Facts::PropertyValue { value: v.value }),
        id: value_id(p, name),
        owner: Some(p.owner.clone()),
        old_decl: old.map(fmt_value),
        new_decl: new.map(fmt_value),
        arches: None,
        hints: Vec::new(),
        moved_to: None,
        moved_from: None,
    }
}

/// Bounds differ only where both sides know them.
fn range_differs(
    a: Option<(Option<i128>, Option<i128>)>,
    b: Option<(Option<i128>, Option<i128>)>,
) -> bool {
    match (a, b) {
        (Some((amin, amax)), Some((bmin, bmax))) => {
            let d =
                |x: Option<i128>, y: Option<i128>| matches!((x, y), (Some(x), Some(y)) if x != y);
            d(amin, bmin) || d(amax, bmax)
        }
        (None, None) => false,
        _ => true,
    }
}

fn same_value(a: &PropertyValue, b: &PropertyValue) -> bool {
    match (a.value, b.value) {
        (Some(x), Some(y)) => x == y,
        _ => a.expr.is_some() && a.expr == b.expr,
    }
}

fn diff_values(old: &Property, new: &Property, out: &mut Vec<Change>) {
    let o: BTreeMap<&str, &PropertyValue> =
        old.values.iter().map(|v| (v.name.as_str(), v)).collect();
    let n: BTreeMap<&str, &PropertyValue> =
        new.values.iter().map(|v| (v.name.as_str(), v)).collect();
    let removed: Vec<&PropertyValue> = old
        .values
        .iter()
        .filter(|v| !n.contains_key(v.name.as_str()))
        .collect();
    let mut added: Vec<&PropertyValue> = new
        .values
        .iter()
        .filter(|v| !o.contains_key(v.name.as_str()))
        .collect();
    for (name, ov) in &o {
        if let Some(nv) = n.get(name) {
            if let (Some(a), Some(b)) = (ov.value, nv.value) {
                if a != b {
                    out.push(value_change(
                        new,
                        name,
                        ChangeKind::Changed,
                        "kms-property-changed",
                        Some(ov),
                        Some(nv),
                    ));
                }
            }
        }
    }
    for r in removed {
        match added.iter().position(|a| same_value(r, a)) {
            Some(i) => {
                let a = added.remove(i);
                out.push(value_change(
                    new,
                    &a.name,
                    ChangeKind::Changed,
                    "kms-value-renamed",
                    Some(r),
                    Some(a),
                ));
            }
            None => {
                let mut c = value_change(
                    old,
                    &r.name,
                    ChangeKind::Removed,
                    "kms-value-removed",
                    Some(r),
                    None,
                );
                c.file = old.file.clone();
                c.line = old.line;
                out.push(c);
            }
        }
    }
    for a in added {
        out.push(value_change(
            new,
            &a.name,
            ChangeKind::Added,
            "kms-value-added",
            None,
            Some(a),
        ));
    }
}

/// Diff of two revisions' properties as `Change` records (kind Property / PropertyValue).
pub fn diff(old: &KmsModel, new: &KmsModel) -> Vec<Change> {
    let key = |p: &Property| (p.owner.clone(), p.name.clone());
    let o: BTreeMap<(String, String), &Property> =
        old.properties.iter().map(|p| (key(p), p)).collect();
    let n: BTreeMap<(String, String), &Property> =
        new.properties.iter().map(|p| (key(p), p)).collect();
    // Driver owners of each name at the old revision.
    let mut old_drivers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in old.properties.iter().filter(|p| p.owner != "core") {
        old_drivers
            .entry(p.name.as_str())
            .or_default()
            .insert(p.owner.as_str());
    }
    // A driver directory moved under a vendor directory (rcar-du → renesas/rcar-du) keeps its
    // properties: pair a removed (owner, name) with an added one whose owner has the same last
    // path component.
    let leaf = |o: &str| o.rsplit('/').next().unwrap_or(o).to_string();
    let mut moved: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for (k, _) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
        let from = o.keys().find(|ok| {
            ok.1 == k.1 && ok.0 != k.0 && leaf(&ok.0) == leaf(&k.0) && !n.contains_key(*ok)
        });
        if let Some(from) = from {
            moved.insert(k.clone(), from.clone());
        }
    }
    let moved_from: BTreeSet<&(String, String)> = moved.values().collect();
    let keys: BTreeSet<&(String, String)> = o
        .keys()
        .chain(n.keys())
        .filter(|k| !moved_from.contains(k))
        .collect();
    let mut out = Vec::new();
    for k in keys {
        let old_key = moved.get(k).unwrap_or(k);
        match (o.get(old_key), n.get(k)) {
            (None, Some(np)) => {
                let adopted = np.owner != "core"
                    && old_drivers
                        .get(np.name.as_str())
                        .map(|s| s.iter().any(|x| *x != np.owner))
                        .unwrap_or(false);
                let rule = if adopted {
                    "kms-property-adopted"
                } else {
                    "kms-property-added"
                };
                out.push(prop_change(np, ChangeKind::Added, rule, None, Some(np)));
            }
            (Some(op), None) => out.push(prop_change(
                op,
                ChangeKind::Removed,
                "kms-property-removed",
                Some(op),
                None,
            )),
            (Some(op), Some(np)) => {
                if op.kind != np.kind || op.flags != np.flags || range_differs(op.range, np.range) {
                    out.push(prop_change(
                        np,
                        ChangeKind::Changed,
                        "kms-property-changed",
                        Some(op),
                        Some(np),
                    ));
                }
                // Values only compare within one type.
                if op.kind == np.kind {
                    diff_values(op, np, &mut out);
                }
            }
            (None, None) => {}
        }
    }
    out
}
