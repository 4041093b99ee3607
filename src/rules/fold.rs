//! The folds `classify_all_with` makes around the rules: a define and an enumerator of one name made
//! one respelling, a record moved and changed made one entry, the enumerators of a renumbered enum
//! made one entry.

use super::{is_padding_name, renumbered, values, Context};
use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::Model;
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
    let mut halves: BTreeMap<(ItemKind, &str), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
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
