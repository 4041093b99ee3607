//! The folds `classify_all_with` makes around the rules: a define and an enumerator of one name made
//! one respelling, a record moved and changed made one entry, the enumerators of a renumbered enum
//! made one entry, a removed pure alias and the removed helper it names made one entry.

use super::{is_padding_name, renumbered, values, Context};
use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::{ItemKey, Model};
use rustc_hash::FxHashSet;
use std::collections::BTreeMap;

/// A define removed and an enumerator of the same name added (or the reverse), in one header or
/// two, become one change of the new spelling with the old facts and `old_kind`; where the header
/// changed too, `moved_from` and `moved_to` say so. An addition of the same kind as the removal
/// (a move) is left to the `moved` rule.
pub(super) fn fold_respellings(changes: &mut Vec<Change>) {
    let constant = |c: &Change| matches!(c.kind, ItemKind::Define | ItemKind::Enumerator);
    let mut added: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        if c.change == ChangeKind::Added && constant(c) {
            added.entry(c.name.as_str()).or_default().push(i);
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut taken = FxHashSet::default();
    for (r, c) in changes.iter().enumerate() {
        if c.change != ChangeKind::Removed || !constant(c) {
            continue;
        }
        let Some(candidates) = added.get(c.name.as_str()) else {
            continue;
        };
        if candidates.iter().any(|&a| changes[a].kind == c.kind) {
            continue;
        }
        let partner = candidates
            .iter()
            .copied()
            .filter(|a| !taken.contains(a))
            .min_by_key(|&a| (changes[a].file != c.file, a));
        if let Some(a) = partner {
            taken.insert(a);
            pairs.push((r, a));
        }
    }
    merge_halves(changes, pairs);
}

/// An item removed from one header and added to another with other facts (or, for a record,
/// other members: a plain move is the `moved` rule's) is one change of the new header, with
/// `moved_from` and `moved_to`, judged by what changed (`kvm_xen_hvm_attr`, moved to x86's
/// asm/kvm.h when a member was added). Only where the name is removed and added once.
pub(super) fn fold_moved_and_changed(changes: &mut Vec<Change>, old: &Model, new: &Model) {
    let movable = |c: &Change| c.kind != ItemKind::Field && c.kind != ItemKind::Header;
    // (kind, name) → the indexes of its removals and of its additions.
    type Halves<'c> = BTreeMap<(ItemKind, &'c str), (Vec<usize>, Vec<usize>)>;
    let mut halves: Halves = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        if !movable(c) || c.parent.is_some() && c.kind != ItemKind::Enumerator {
            continue;
        }
        let entry = halves.entry((c.kind, c.name.as_str())).or_default();
        match c.change {
            ChangeKind::Removed => entry.0.push(i),
            ChangeKind::Added => entry.1.push(i),
            ChangeKind::Changed => {}
        }
    }
    let mut pairs = Vec::new();
    for ((kind, name), (removed, added)) in &halves {
        let ([r], [a]) = (removed.as_slice(), added.as_slice()) else {
            continue;
        };
        let (before, after) = (&changes[*r], &changes[*a]);
        if before.file == after.file || before.parent != after.parent {
            continue;
        }
        let same_facts = match (&before.old, &after.new) {
            (Some(x), Some(y)) => crate::change::same_meaning(x, y),
            _ => false,
        };
        if !(same_facts && same_members(*kind, (old, &before.file), (new, &after.file), name)) {
            pairs.push((*r, *a));
        }
    }
    merge_halves(changes, pairs);
}

/// Each (removal, addition) pair becomes one change: the addition's, `changed`, with the
/// removal's facts and declaration; `old_kind` where the kind differs (a respelling), `moved_from`
/// and `moved_to` where the header does.
fn merge_halves(changes: &mut Vec<Change>, pairs: Vec<(usize, usize)>) {
    let mut drop = FxHashSet::default();
    for (r, a) in pairs {
        let removed = changes[r].clone();
        let merged = &mut changes[a];
        merged.change = ChangeKind::Changed;
        merged.old = removed.old;
        merged.old_decl = removed.old_decl;
        if removed.kind != merged.kind {
            merged.old_kind = Some(removed.kind);
        }
        if removed.file != merged.file {
            merged.moved_from = Some(removed.file);
            merged.moved_to = Some(merged.file.clone());
        }
        drop.insert(r);
    }
    remove_indices(changes, &drop);
}

/// Removes the changes at these indices, keeping the others' order.
fn remove_indices(changes: &mut Vec<Change>, drop: &FxHashSet<usize>) {
    let mut index = 0;
    changes.retain(|_| {
        index += 1;
        !drop.contains(&(index - 1))
    });
}

/// The `renumbered` enumerators of one enum become one entry: the first of them in the enum's
/// order, with the others under it (`items`).
pub(super) fn fold_renumbered(changes: &mut Vec<Change>, ctx: &Context) {
    let mut groups: BTreeMap<values::EnumId, Vec<usize>> = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        if c.rule == renumbered::RULE.id {
            if let Some(id) = ctx.values.renumbered(c) {
                groups.entry(id).or_default().push(i);
            }
        }
    }
    let mut drop = FxHashSet::default();
    for list in groups.values() {
        let position = |i: &usize| {
            let c = &changes[*i];
            match &c.new {
                Some(Facts::Value { value, .. }) => (*value, c.name.clone()),
                _ => (None, c.name.clone()),
            }
        };
        let mut sorted = list.clone();
        sorted.sort_by_key(position);
        let (head, rest) = sorted.split_first().expect("a group has a member");
        let folded: Vec<Change> = rest.iter().map(|i| changes[*i].clone()).collect();
        changes[*head].items = folded;
        drop.extend(rest.iter().copied());
    }
    remove_indices(changes, &drop);
}

/// Whether record `name` kept its members from one header to another: a struct's size and
/// alignment hide a reordering, so its members must have moved with it unchanged (holes made
/// explicit padding, as in KVM's SEV structs, aside). True for items that are no record.
pub(super) fn same_members(
    kind: ItemKind,
    (old, from): (&Model, &str),
    (new, to): (&Model, &str),
    name: &str,
) -> bool {
    if !matches!(kind, ItemKind::Struct | ItemKind::Union) {
        return true;
    }
    let before = members(old, from, name);
    let after = members(new, to, name);
    before.iter().all(|m| after.contains(m))
        && after
            .iter()
            .all(|m| before.contains(m) || is_padding_name(m.0))
}

/// A member as its layout places it: name, offset, size and bit position.
pub(super) type Member<'m> = (
    &'m str,
    Option<u64>,
    Option<u64>,
    Option<crate::change::BitField>,
);

/// A record's members as their layout places them.
pub(super) fn members<'m>(model: &'m Model, file: &str, record: &str) -> Vec<Member<'m>> {
    model
        .fields_of(file, record)
        .map(|(k, item)| match &item.facts {
            Facts::Field {
                offset, size, bits, ..
            } => (k.name.as_str(), *offset, *size, *bits),
            _ => (k.name.as_str(), None, None, None),
        })
        .collect()
}

/// A removed `#define Y X` (a define or an ioctl) whose whole body is the name of another removed
/// define or ioctl X of the same header, X in the implementation's namespace (`__`, C11 7.1.3)
/// and named by nothing else at the old revision but Y, is one entry: Y's, with X's removal
/// under it (`items`). X existed only as Y's expansion (`#define KVM_ASSIGN_IRQ
/// __KVM_DEPRECATED_VM_R_0x70`, both gone in v6.12), so the reader meets one break per name a
/// program spells. Both must have the same rule; a header removed whole carries both anyway.
/// A public target (`#define KVM_STATS_UNIT_MAX KVM_STATS_UNIT_BOOLEAN`: a bound naming the
/// last member) is a name of its own and keeps its entry; a `__FOO_MAX` sentinel is read through
/// an expression (`FOO_MAX (__FOO_MAX - 1)`), never a pure alias's whole body.
pub(super) fn fold_alias_targets(changes: &mut Vec<Change>, old: &Model) {
    let defined = |c: &Change| matches!(c.kind, ItemKind::Define | ItemKind::Ioctl);
    let removed_headers: FxHashSet<&str> = changes
        .iter()
        .filter(|c| c.kind == ItemKind::Header && c.change == ChangeKind::Removed)
        .map(|c| c.file.as_str())
        .collect();
    let removed: BTreeMap<(&str, &str), usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.change == ChangeKind::Removed && defined(c) && c.parent.is_none())
        .map(|(i, c)| ((c.file.as_str(), c.name.as_str()), i))
        .collect();
    // Target name → (the alias's index, the target's index).
    let mut candidates: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (&(file, name), &y) in &removed {
        if removed_headers.contains(file) {
            continue;
        }
        let Some(target) = changes[y]
            .old_decl
            .as_deref()
            .and_then(|d| pure_alias(d, name))
        else {
            continue;
        };
        let Some(&x) = removed.get(&(file, target.as_str())) else {
            continue;
        };
        if target.starts_with("__") && target != name && changes[x].rule == changes[y].rule {
            candidates
                .entry(changes[x].name.as_str())
                .or_default()
                .push((y, x));
        }
    }
    if candidates.is_empty() {
        return;
    }
    // Every item of the old revision whose declaration names a target, the target aside.
    let mut users: BTreeMap<&str, Vec<&ItemKey>> = BTreeMap::new();
    for (key, item) in &old.items {
        for word in values::identifiers(&item.decl) {
            if let Some((target, _)) = candidates.get_key_value(word) {
                let itself = key.name == *target && key.parent.is_none();
                if !itself && users.get(target).is_none_or(|u| u.last() != Some(&key)) {
                    users.entry(target).or_default().push(key);
                }
            }
        }
    }
    let mut drop = FxHashSet::default();
    let mut folds = Vec::new();
    for (target, pairs) in &candidates {
        let [(y, x)] = pairs.as_slice() else { continue };
        let alias = &changes[*y];
        let only_alias = users.get(target).is_some_and(|u| {
            matches!(u.as_slice(), [k] if k.name == alias.name && k.file == alias.file && k.kind == alias.kind)
        });
        if only_alias {
            folds.push((*y, *x));
            drop.insert(*x);
        }
    }
    for (y, x) in folds {
        let target = changes[x].clone();
        changes[y].items.push(target);
    }
    remove_indices(changes, &drop);
}

/// The identifier a `#define NAME IDENT` declaration's whole body is (comments and spacing
/// aside); None for a function-like macro or any other body.
fn pure_alias(decl: &str, name: &str) -> Option<String> {
    let text = crate::model::normalized(decl);
    let rest = text
        .strip_prefix('#')?
        .trim_start()
        .strip_prefix("define")?;
    let body = rest.trim_start().strip_prefix(name)?;
    if !body.starts_with(' ') {
        return None;
    }
    let body = body.trim();
    (values::identifiers(body) == [body]).then(|| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::pure_alias;

    #[test]
    fn a_pure_alias_is_one_name_as_the_whole_body() {
        let alias = |d: &str, n: &str| pure_alias(d, n);
        assert_eq!(
            alias(
                "#define KVM_ASSIGN_IRQ __KVM_DEPRECATED_VM_R_0x70",
                "KVM_ASSIGN_IRQ"
            )
            .as_deref(),
            Some("__KVM_DEPRECATED_VM_R_0x70")
        );
        assert_eq!(
            alias("#define  FOO\t__FOO /* old */", "FOO").as_deref(),
            Some("__FOO")
        );
        // An expression, a function-like macro, a number, a name that only starts like it.
        assert_eq!(alias("#define FOO_MAX (__FOO_MAX - 1)", "FOO_MAX"), None);
        assert_eq!(alias("#define FOO(x) __FOO", "FOO"), None);
        assert_eq!(alias("#define FOO 3", "FOO"), None);
        assert_eq!(alias("#define FOOBAR __FOO", "FOO"), None);
    }
}
