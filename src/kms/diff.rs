//! Diff of two revisions' properties. Identity is (owner, name), kept when the code creating a
//! property moves between directories (`Moves`); values are matched by name, and a removed name
//! paired with an added one of the same value (or, when values are unknown, the same value
//! expression) is a rename.

use std::collections::{BTreeMap, BTreeSet};

use crate::change::{Change, ChangeKind, Facts, ItemKind};

use super::{KmsModel, Property, PropertyValue};
use crate::change::area::is_core;

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
    if !p.conditions.is_empty() {
        s.push_str(&format!(" (only when {})", p.conditions.join(" && ")));
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
        severity: crate::change::Severity::Info,
        rule: rule.to_string(),
        old: old.map(|p| Facts::Property(Box::new(p.facts()))),
        new: new.map(|p| Facts::Property(Box::new(p.facts()))),
        id: prop_id(p),
        owner: Some(p.owner.clone()),
        old_decl: old.map(render),
        new_decl: new.map(render),
        arches: None,
        hints: Vec::new(),
        moved_to: None,
        moved_from: None,
        old_kind: None,
        items: Vec::new(),
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
        severity: crate::change::Severity::Info,
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
        old_kind: None,
        items: Vec::new(),
    }
}

/// A property or property value of one revision as an item, under the id `diff` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsItem {
    pub id: String,
    pub kind: ItemKind,
    pub name: String,
    /// A value's property.
    pub parent: Option<String>,
    pub owner: String,
    pub file: String,
    pub facts: Facts,
}

/// Every property of `model` and every value of each, as items (for a walk that follows items
/// across revisions rather than diffing a pair).
pub fn items(model: &KmsModel) -> Vec<KmsItem> {
    let mut out = Vec::new();
    for p in &model.properties {
        out.push(KmsItem {
            id: prop_id(p),
            kind: ItemKind::Property,
            name: p.name.clone(),
            parent: None,
            owner: p.owner.clone(),
            file: p.file.clone(),
            facts: Facts::Property(Box::new(p.facts())),
        });
        out.extend(p.values.iter().map(|v| KmsItem {
            id: value_id(p, &v.name),
            kind: ItemKind::PropertyValue,
            name: v.name.clone(),
            parent: Some(p.name.clone()),
            owner: p.owner.clone(),
            file: p.file.clone(),
            facts: Facts::PropertyValue { value: v.value },
        }));
    }
    out
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
    for p in old.properties.iter().filter(|p| !is_core(&p.owner)) {
        old_drivers
            .entry(p.name.as_str())
            .or_default()
            .insert(p.owner.as_str());
    }
    let moves = Moves::find(&o, &n);
    let keys: BTreeSet<&(String, String)> = o
        .keys()
        .chain(n.keys())
        .filter(|k| !moves.is_old_site(k))
        .collect();
    let mut out = Vec::new();
    for k in keys {
        let old_key = moves.to_new.get(k).copied().unwrap_or(k);
        let first = out.len();
        match (o.get(old_key), n.get(k)) {
            (None, Some(np)) => {
                let adopted = !is_core(&np.owner)
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
        if old_key != k {
            let from = &o[old_key].file;
            for c in &mut out[first..] {
                c.moved_from = Some(from.clone());
            }
        }
    }
    out
}

/// Properties whose creating code moved between directories keep their identity: the driver
/// directory was renamed or moved (rcar-du → renesas/rcar-du: the same last component), or the
/// file creating the property moved into another driver's directory (i2c/ch7006_drv.c →
/// nouveau/dispnv04/i2c/ch7006_drv.c: the same file name). Only an (owner, name) the old owner no
/// longer creates can have moved; if the old owner still creates it, a new owner exposing the name
/// is an adoption. Owner and identity read as at the new revision.
struct Moves<'a> {
    /// New (owner, name) → the old (owner, name) it continues.
    to_new: BTreeMap<(String, String), &'a (String, String)>,
    /// Old (owner, name)s that moved: into a new key (`to_new`), or into one the new owner already
    /// had (its code now creates the name in two places; userspace sees no change).
    old_sites: BTreeSet<&'a (String, String)>,
}

impl<'a> Moves<'a> {
    fn find(
        old: &'a BTreeMap<(String, String), &'a Property>,
        new: &'a BTreeMap<(String, String), &'a Property>,
    ) -> Moves<'a> {
        fn last(path: &str) -> &str {
            path.rsplit('/').next().unwrap_or(path)
        }
        let moved_here = |op: &Property, np: &Property| {
            let sites = np
                .other_sites
                .iter()
                .map(|site| site.rsplit_once(':').map_or(site.as_str(), |s| s.0));
            last(&op.owner) == last(&np.owner)
                || std::iter::once(np.file.as_str())
                    .chain(sites)
                    .any(|f| f != op.file && last(f) == last(&op.file))
        };
        let mut moves = Moves {
            to_new: BTreeMap::new(),
            old_sites: BTreeSet::new(),
        };
        for (ok, op) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
            let target = new
                .iter()
                .find(|(nk, np)| nk.1 == ok.1 && nk.0 != ok.0 && moved_here(op, np));
            let Some((nk, _)) = target else { continue };
            if !old.contains_key(nk) && !moves.to_new.contains_key(nk) {
                moves.to_new.insert(nk.clone(), ok);
            }
            moves.old_sites.insert(ok);
        }
        moves
    }

    fn is_old_site(&self, key: &(String, String)) -> bool {
        self.old_sites.contains(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::PropertyKind;

    fn range(owner: &str, name: &str, file: &str, max: i128) -> Property {
        Property {
            name: name.to_string(),
            owner: owner.to_string(),
            kind: PropertyKind::Range,
            flags: Vec::new(),
            range: Some((Some(0), Some(max))),
            values: Vec::new(),
            attached_to: Vec::new(),
            file: file.to_string(),
            line: 257,
            function: "init".to_string(),
            helper: None,
            object_type: None,
            other_sites: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn model(properties: Vec<Property>) -> KmsModel {
        KmsModel {
            properties,
            exposures: Vec::new(),
            unresolved: Vec::new(),
        }
    }

    fn rules(changes: &[Change]) -> Vec<(&str, &str, Option<&str>)> {
        changes
            .iter()
            .map(|c| (c.rule.as_str(), c.id.as_str(), c.moved_from.as_deref()))
            .collect()
    }

    const OLD_FILE: &str = "drivers/gpu/drm/i2c/ch7006_drv.c";
    const NEW_FILE: &str = "drivers/gpu/drm/nouveau/dispnv04/i2c/ch7006_drv.c";

    /// An encoder driver's file moved under the driver that uses it: no removal, no adoption.
    #[test]
    fn driver_file_moved_between_directories_keeps_its_properties() {
        let old = model(vec![range("i2c", "scale", OLD_FILE, 2)]);
        let same = model(vec![range("nouveau", "scale", NEW_FILE, 2)]);
        assert_eq!(rules(&diff(&old, &same)), vec![]);
        // Changed while moving: one change, under the new owner, saying where it was created.
        let wider = model(vec![range("nouveau", "scale", NEW_FILE, 3)]);
        assert_eq!(
            rules(&diff(&old, &wider)),
            vec![(
                "kms-property-changed",
                "property:nouveau:scale",
                Some(OLD_FILE)
            )]
        );
    }

    /// The new owner created the name before: the moved file is one more site of it.
    #[test]
    fn file_moved_into_an_owner_creating_the_same_name_removes_nothing() {
        let mut target = range(
            "nouveau",
            "scale",
            "drivers/gpu/drm/nouveau/nv50_display.c",
            2,
        );
        let old = model(vec![range("i2c", "scale", OLD_FILE, 2), target.clone()]);
        target.other_sites = vec![format!("{NEW_FILE}:257")];
        let new = model(vec![target]);
        assert_eq!(rules(&diff(&old, &new)), vec![]);
    }

    /// Another driver exposing a name its first owner still creates adopts it; a name that
    /// leaves a driver whose file did not move is removed.
    #[test]
    fn adoption_and_removal_are_not_moves() {
        let old = model(vec![
            range(
                "vmwgfx",
                "hotplug_mode_update",
                "drivers/gpu/drm/vmwgfx/vmwgfx_kms.c",
                1,
            ),
            range("i2c", "scale", OLD_FILE, 2),
        ]);
        let new = model(vec![
            range(
                "vmwgfx",
                "hotplug_mode_update",
                "drivers/gpu/drm/vmwgfx/vmwgfx_kms.c",
                1,
            ),
            range(
                "qxl",
                "hotplug_mode_update",
                "drivers/gpu/drm/qxl/qxl_display.c",
                1,
            ),
            range(
                "nouveau",
                "scale",
                "drivers/gpu/drm/nouveau/nouveau_connector.c",
                2,
            ),
        ]);
        assert_eq!(
            rules(&diff(&old, &new)),
            vec![
                ("kms-property-removed", "property:i2c:scale", None),
                ("kms-property-adopted", "property:nouveau:scale", None),
                (
                    "kms-property-adopted",
                    "property:qxl:hotplug_mode_update",
                    None
                ),
            ]
        );
    }
}
