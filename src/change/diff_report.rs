//! What a diff of two revisions reports, as data: the top of the JSON contract (docs/json.md). `report`
//! renders it; `pipeline` makes it.

use super::{Change, ChangeKind, ItemKind};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// One side of a comparison, as shown to the user.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// As the user gave it: a git revision or a directory.
    pub revision: String,
    /// The resolved commit, for git revisions.
    pub commit: Option<String>,
    pub arch: String,
    /// A directory side's layout when it is not a kernel tree: `installed`, `multiarch` or `copy`
    /// (see `source::layout`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

impl Revision {
    /// The revision as the user gave it, with its layout when not a kernel tree: `usr/include
    /// [installed]`.
    pub fn label(&self) -> String {
        match &self.layout {
            Some(layout) => format!("{} [{layout}]", self.revision),
            None => self.revision.clone(),
        }
    }
}

/// A note about one revision: something that could not be computed or read.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub revision: String,
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// Everything a `diff` run reports.
#[derive(Serialize, Clone, Debug)]
pub struct DiffReport {
    pub old: Revision,
    pub new: Revision,
    /// `--all-arches` only: every arch diffed, in `ARCHES` order (`old.arch` and `new.arch` are
    /// then `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arches: Option<Vec<String>>,
    pub changes: Vec<Change>,
    /// Items whose counterpart is in text the other revision's parser could not read.
    pub unparsed: Vec<UnparsedItem>,
    pub summary: Summary,
    pub notes: Vec<Note>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub breaking: usize,
    pub needs_userspace: usize,
    /// Changes of severity `new-uapi`: additions where no open-source userspace is required.
    pub new_uapi: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Summary {
        let count = |k: ChangeKind| changes.iter().filter(|c| c.change == k).count();
        Summary {
            added: count(ChangeKind::Added),
            removed: count(ChangeKind::Removed),
            changed: count(ChangeKind::Changed),
            breaking: changes.iter().filter(|c| c.breaking).count(),
            needs_userspace: changes.iter().filter(|c| c.needs_userspace).count(),
            new_uapi: changes
                .iter()
                .filter(|c| c.severity == super::Severity::NewUapi)
                .count(),
        }
    }
}

/// Folds the removal of every item a removed header declared into that header's entry
/// (`Change::items`): the header is the finding, and one entry for it, not hundreds. The changes
/// keep their order; so do the folded items.
pub fn fold_removed_headers(changes: &mut Vec<Change>) {
    let removed: FxHashSet<String> = changes
        .iter()
        .filter(|c| c.kind == ItemKind::Header && c.change == ChangeKind::Removed)
        .map(|c| c.file.clone())
        .collect();
    if removed.is_empty() {
        return;
    }
    let (folded, kept): (Vec<Change>, Vec<Change>) = changes.drain(..).partition(|c| {
        c.kind != ItemKind::Header && c.change == ChangeKind::Removed && removed.contains(&c.file)
    });
    *changes = kept;
    let mut items: FxHashMap<String, Vec<Change>> = FxHashMap::default();
    for c in folded {
        items.entry(c.file.clone()).or_default().push(c);
    }
    for header in changes
        .iter_mut()
        .filter(|c| c.kind == ItemKind::Header && c.change == ChangeKind::Removed)
    {
        header
            .items
            .extend(items.remove(&header.file).unwrap_or_default());
    }
}

/// The reverse of `fold_removed_headers`: every folded item a top-level change again, after its
/// header (to merge the diffs of several arches item by item before folding the merge).
pub fn unfold_removed_headers(changes: &mut Vec<Change>) {
    let mut out = Vec::with_capacity(changes.len());
    for mut c in changes.drain(..) {
        let items = std::mem::take(&mut c.items);
        out.push(c);
        out.extend(items);
    }
    *changes = out;
}

/// An item present at one revision whose counterpart sits in text the other revision's parser
/// could not read: neither "removed" nor "added", but unknown.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
