//! Diff stage: two models → added, removed and changed items. "Changed" means the meaning
//! changed (a value, size, offset, type or number), never the spelling. Each change is then
//! classified by the first rule of the catalog that matches it (`rules`).

use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::{Item, ItemKey, Model};
use crate::report::unresolved_reason;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An item present at one revision whose counterpart sits in text the other revision's parser
/// could not read: neither "removed" nor "added", but unknown.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnparsedItem {
    pub kind: ItemKind,
    pub name: String,
    /// The revision whose text did not parse.
    pub revision: String,
    pub file: String,
    pub line: u32,
    /// `--all-arches` only: the arches whose diff has this item, in `ARCHES` order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arches: Option<Vec<String>>,
}

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
    let keys: BTreeSet<&ItemKey> = old.items.keys().chain(new.items.keys()).collect();
    // Fields of a struct that is itself added or removed are implied by it, not listed again.
    let records_gone_or_new: BTreeSet<(&str, &str)> = keys
        .iter()
        .filter(|k| matches!(k.kind, ItemKind::Struct | ItemKind::Union))
        .filter(|k| old.items.contains_key(**k) != new.items.contains_key(**k))
        .map(|k| (k.file.as_str(), k.name.as_str()))
        .collect();
    for key in keys {
        if key.kind == ItemKind::Field {
            let parent = key.parent.as_deref().unwrap_or_default();
            if records_gone_or_new.contains(&(key.file.as_str(), parent)) {
                continue;
            }
        }
        match (old.items.get(key), new.items.get(key)) {
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
                if let (None, Some(reason)) =
                    (unresolved_reason(&o.facts), unresolved_reason(&n.facts))
                {
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
    crate::rules::classify_all(&mut out.changes, old, new);
    sort_changes(&mut out.changes);
    out.unparsed.sort();
    out
}

/// Array types of one element type whose bounds are spelled differently (`char [16U]`, `char
/// [BPF_OBJ_NAME_LEN]`): with equal non-zero sizes, the same type. (A flexible array, `x[]` or
/// `x[0]`, has size 0: its respelling is the flex-array-converted rule's.)
fn same_array(a: &str, b: &str) -> bool {
    let element = |t: &str| Some(t.split_once('[')?.0.trim_end().to_string());
    let dims = |t: &str| t.matches('[').count();
    element(a).is_some() && element(a) == element(b) && dims(a) == dims(b)
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
        rule: String::new(),
        old: old.map(|i| i.facts.clone()),
        new: new.map(|i| i.facts.clone()),
        id: item_id(key.kind, key.parent.as_deref(), &key.name),
        owner: None,
        old_decl: old.map(|i| i.decl.clone()).filter(|d| !d.is_empty()),
        new_decl: new.map(|i| i.decl.clone()).filter(|d| !d.is_empty()),
        arches: None,
        hints: Vec::new(),
        moved_to: None,
        moved_from: None,
    }
}

/// The stable id shown in every format: `ioctl:DRM_IOCTL_XE_EXEC`, `field:drm_xe_exec.num_syncs`.
pub fn item_id(kind: ItemKind, parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{}:{p}.{name}", kind.as_str()),
        None => format!("{}:{name}", kind.as_str()),
    }
}

/// A define's text as `make headers_install` leaves it, token by token: `__user`, `__force` and
/// `__iomem` stripped, `inline`, `volatile` and `asm` respelled as gcc's `__inline__`… (a compiler
/// reads both the same), so a tree and its installed headers compare equal.
fn as_installed(text: &str) -> Vec<String> {
    let stripped = crate::parse::strip_install_annotations(text);
    let Ok(tokens) = crate::cpp::tokenize(&stripped) else {
        return stripped.split_whitespace().map(str::to_string).collect();
    };
    tokens
        .into_iter()
        .map(|t| match t.text.as_str() {
            "inline" | "__inline" => "__inline__".to_string(),
            "volatile" | "__volatile" => "__volatile__".to_string(),
            "asm" | "__asm" => "__asm__".to_string(),
            _ => t.text,
        })
        .collect()
}

/// Whether two revisions' facts of one item mean the same thing to userspace.
pub fn same_meaning(a: &Facts, b: &Facts) -> bool {
    match (a, b) {
        (Facts::Value { value: Some(x), .. }, Facts::Value { value: Some(y), .. }) => x == y,
        (Facts::Value { text: x, .. }, Facts::Value { text: y, .. }) => {
            x == y || as_installed(x) == as_installed(y)
        }
        (
            Facts::Ioctl {
                number: Some(x),
                spelled: s1,
                ..
            },
            Facts::Ioctl {
                number: Some(y),
                spelled: s2,
                ..
            },
        ) => x == y && s1 == s2,
        // A number one side cannot compute (its struct's size is unknown there): compare what is known.
        (
            Facts::Ioctl {
                dir: d1,
                ioc_type: t1,
                nr: n1,
                arg_type: a1,
                ..
            },
            Facts::Ioctl {
                dir: d2,
                ioc_type: t2,
                nr: n2,
                arg_type: a2,
                ..
            },
        ) => d1 == d2 && t1 == t2 && n1 == n2 && a1 == a2,
        (
            Facts::Record {
                size: s1,
                align: a1,
                ..
            },
            Facts::Record {
                size: s2,
                align: a2,
                ..
            },
        ) => s1 == s2 && a1 == a2,
        (
            Facts::Field {
                offset: o1,
                size: s1,
                ty: t1,
                bits: b1,
                ..
            },
            Facts::Field {
                offset: o2,
                size: s2,
                ty: t2,
                bits: b2,
                ..
            },
        ) => {
            o1 == o2
                && s1 == s2
                && b1 == b2
                && (t1 == t2 || s1.is_some_and(|size| size > 0) && same_array(t1, t2))
        }
        (Facts::Typedef { ty: t1, size: s1 }, Facts::Typedef { ty: t2, size: s2 }) => {
            t1 == t2 && s1 == s2
        }
        (Facts::Enum { size: s1 }, Facts::Enum { size: s2 }) => s1 == s2,
        (Facts::Header { .. }, Facts::Header { .. }) => true,
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_equal_as_installed() {
        use super::as_installed;
        assert_eq!(
            as_installed("((__force __sighandler_t)0)"),
            as_installed("((__sighandler_t)0)")
        );
        assert_eq!(as_installed("inline"), as_installed("__inline__"));
        assert_ne!(as_installed("(__u32)1"), as_installed("(__u64)1"));
    }

    use super::*;

    fn field(ty: &str, size: u64) -> Facts {
        Facts::Field {
            offset: Some(8),
            size: Some(size),
            ty: ty.to_string(),
            bits: None,
            unresolved: None,
        }
    }

    #[test]
    fn an_array_bound_spelled_otherwise_is_the_same_field() {
        let named = field("char [BPF_OBJ_NAME_LEN]", 16);
        assert!(same_meaning(&field("char [16U]", 16), &named));
        // Another element type, or a flexible array made real, is a change.
        assert!(!same_meaning(&field("__u8 [16U]", 16), &named));
        assert!(!same_meaning(&field("__u8 [0]", 0), &field("__u8 []", 0)));
        assert!(!same_meaning(&field("__u32", 4), &field("__s32", 4)));
    }
}
