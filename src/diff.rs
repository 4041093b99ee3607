//! Diff stage: two models → added, removed and changed items. "Changed" means the meaning
//! changed (a value, size, offset, type or number), never the spelling (`change::same_meaning`).
//! The changes come out unclassified and unsorted: `pipeline` has `rules` classify them, then
//! sorts them (`sort_changes`).

use crate::change::{item_id, same_meaning, Change, ChangeKind, ItemKind, UnparsedItem};
use crate::model::{Item, ItemKey, ItemMap, Model};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub unparsed: Vec<UnparsedItem>,
    /// Items whose facts OLD computes and NEW cannot (KVM's s390 ioctls once their struct moved to
    /// an s390-only header): not a change of meaning, but no longer checked.
    pub lost: Vec<Lost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    pub file: String,
    pub line: u32,
    pub id: String,
    pub reason: String,
}

pub fn diff(old: &Model, new: &Model) -> Diff {
    let mut out = Diff::default();
    // Fields of a struct that is itself added or removed are implied by it, not listed again.
    let records_gone_or_new: BTreeSet<(&str, &str)> = side_by_side(&old.items, &new.items)
        .filter(|(k, o, n)| {
            matches!(k.kind, ItemKind::Struct | ItemKind::Union) && o.is_some() != n.is_some()
        })
        .map(|(k, _, _)| (k.file.as_str(), k.name.as_str()))
        .collect();
    for (key, o, n) in side_by_side(&old.items, &new.items) {
        if key.kind == ItemKind::Field {
            let parent = key.parent.as_deref().unwrap_or_default();
            if records_gone_or_new.contains(&(key.file.as_str(), parent)) {
                continue;
            }
        }
        match (o, n) {
            (Some(o), None) => match unparsed_in(new, key) {
                Some(line) => out.unparsed.push(unparsed_item(key, new, line)),
                None => out
                    .changes
                    .push(change(key, ChangeKind::Removed, Some(o), None)),
            },
            (None, Some(n)) => match unparsed_in(old, key) {
                Some(line) => out.unparsed.push(unparsed_item(key, old, line)),
                None => out
                    .changes
                    .push(change(key, ChangeKind::Added, None, Some(n))),
            },
            (Some(o), Some(n)) if same_meaning(&o.facts, &n.facts) => {
                if let (None, Some(reason)) = (o.facts.unresolved(), n.facts.unresolved()) {
                    out.lost.push(Lost {
                        file: key.file.clone(),
                        line: n.line,
                        id: item_id(key.kind, key.parent.as_deref(), &key.name),
                        reason: reason.to_string(),
                    });
                }
            }
            (Some(o), Some(n)) => {
                out.changes
                    .push(change(key, ChangeKind::Changed, Some(o), Some(n)))
            }
            _ => {}
        }
    }
    pair_enum_renames(&mut out.changes);
    out.unparsed.sort();
    out
}

/// Every key of either side in key order, with its item at each side: one pass over both sorted
/// maps (a lookup per key in each was a tenth of a `history` step). The headers whose items both
/// sides share (a walk's kept listings: the very same items) are skipped: they differ in nothing.
fn side_by_side<'m>(
    old: &'m ItemMap,
    new: &'m ItemMap,
) -> impl Iterator<Item = (&'m ItemKey, Option<&'m Item>, Option<&'m Item>)> {
    let (mut old, mut new) = (
        old.unshared_with(new).peekable(),
        new.unshared_with(old).peekable(),
    );
    std::iter::from_fn(move || {
        let order = match (old.peek(), new.peek()) {
            (Some((o, _)), Some((n, _))) => o.cmp(n),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => return None,
        };
        Some(match order {
            std::cmp::Ordering::Less => old.next().map(|(k, o)| (k, Some(o), None))?,
            std::cmp::Ordering::Greater => new.next().map(|(k, n)| (k, None, Some(n)))?,
            std::cmp::Ordering::Equal => {
                let (k, o) = old.next()?;
                let (_, n) = new.next()?;
                (k, Some(o), Some(n))
            }
        })
    })
}

/// An enumerator whose enum got a name or another one (io_uring's, cn_proc's) is the same constant
/// to userspace: C scopes enumerators by file, not by enum. Its removal from the old enum and its
/// addition to the new one, in one header, are no change with one value, and one change (under the
/// new enum) with two.
fn pair_enum_renames(changes: &mut Vec<Change>) {
    let enumerator = |c: &Change, kind: ChangeKind| {
        (c.kind == ItemKind::Enumerator && c.change == kind)
            .then(|| (c.file.clone(), c.name.clone()))
    };
    let removed: BTreeMap<(String, String), usize> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((enumerator(c, ChangeKind::Removed)?, i)))
        .collect();
    let mut drop = BTreeSet::new();
    for i in 0..changes.len() {
        let Some(&r) = enumerator(&changes[i], ChangeKind::Added).and_then(|k| removed.get(&k))
        else {
            continue;
        };
        drop.insert(r);
        let (old, old_decl) = (changes[r].old.clone(), changes[r].old_decl.clone());
        let added = &mut changes[i];
        match (&old, &added.new) {
            (Some(o), Some(n)) if same_meaning(o, n) => {
                drop.insert(i);
            }
            _ => {
                added.change = ChangeKind::Changed;
                added.old = old;
                added.old_decl = old_decl;
            }
        }
    }
    let mut index = 0;
    changes.retain(|_| {
        index += 1;
        !drop.contains(&(index - 1))
    });
}

/// The documented order: by file, then kind, parent, name, change.
pub fn sort_changes(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        (&a.file, a.kind, &a.parent, &a.name, a.change)
            .cmp(&(&b.file, b.kind, &b.parent, &b.name, b.change))
    });
}

/// The line of an unparsed region of `model`, in the key's file, that mentions the key's name.
fn unparsed_in(model: &Model, key: &ItemKey) -> Option<u32> {
    let last = key.name.rsplit('.').next().unwrap_or(&key.name);
    model
        .unparsed
        .iter()
        .find(|u| u.file == key.file && u.identifiers.contains(last))
        .map(|u| u.line)
}

fn unparsed_item(key: &ItemKey, model: &Model, line: u32) -> UnparsedItem {
    UnparsedItem {
        kind: key.kind,
        name: key.name.clone(),
        revision: model.revision.clone(),
        file: key.file.clone(),
        line,
        arches: None,
    }
}

fn change(key: &ItemKey, kind: ChangeKind, old: Option<&Item>, new: Option<&Item>) -> Change {
    let line = new.or(old).map_or(0, |i| i.line);
    Change {
        kind: key.kind,
        change: kind,
        name: key.name.clone(),
        parent: key.parent.clone(),
        file: key.file.clone(),
        line,
        breaking: false,
        needs_userspace: false,
        severity: crate::change::Severity::Info,
        rule: String::new(),
        old: old.map(|i| i.facts.clone()),
        new: new.map(|i| i.facts.clone()),
        id: item_id(key.kind, key.parent.as_deref(), &key.name),
        owner: None,
        old_decl: old.map(|i| i.decl.to_string()).filter(|d| !d.is_empty()),
        new_decl: new.map(|i| i.decl.to_string()).filter(|d| !d.is_empty()),
        arches: None,
        hints: Vec::new(),
        moved_to: None,
        moved_from: None,
        old_kind: None,
        items: Vec::new(),
    }
}
