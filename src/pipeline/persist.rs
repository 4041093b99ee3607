//! What survives between runs: a revision's computed side (its snapshot and its listing), and the
//! diff of two of them, found again by what determines them whole (the content of the trees, the
//! arch, whether KMS properties are extracted) so that a run on the same trees reads them instead
//! of computing them. The store
//! itself (`crate::store`, on disk) is installed by the command line; a library user without one
//! computes everything, as does a side with no content id (a directory).

use super::{layout_label, Listed, Options, Snapshot};
use crate::change::DiffReport;
use crate::source::{FileEntry, Tree};
use std::sync::OnceLock;

/// A revision's side as computed, with the listing a diff compares to pick the notes it reports.
pub struct Stored {
    pub snapshot: Snapshot,
    /// Its headers (the generated ones among them), as listed.
    pub headers: Vec<FileEntry>,
    /// How many of the snapshot's first notes are the listing's (always reported).
    pub listing_notes: usize,
    /// The files the surfaces read.
    pub surface_files: Vec<FileEntry>,
    /// The DRM sources KMS extraction reads (None without KMS).
    pub kms_sources: Option<Vec<FileEntry>>,
}

/// A store of computed sides by key. Loading is best effort: whatever cannot be read back (absent,
/// damaged, written by another build) is None, and the side is computed.
pub trait Persist: Send + Sync {
    /// Whether `key` has an entry (which `load` may still find unreadable).
    fn contains(&self, key: &str) -> bool;
    fn load(&self, key: &str) -> Option<Stored>;
    /// Stores `stored` under `key` and hands it back.
    fn save(&self, key: &str, stored: Stored) -> Stored;
    fn load_report(&self, key: &str) -> Option<DiffReport>;
    fn save_report(&self, key: &str, report: &DiffReport);
}

static INSTALLED: OnceLock<Box<dyn Persist>> = OnceLock::new();

/// Makes `store` the process's store (once; the command line does it unless `--no-cache`).
pub fn install(store: Box<dyn Persist>) {
    // A second installation keeps the first: one store per process.
    let _ = INSTALLED.set(store);
}

/// The key of `tree`'s side under `opts`, when it can have one: a kernel tree (not installed
/// headers or a copy, whose listing depends on the other side) with a content id. The label and
/// commit are part of it since the snapshot names them.
fn key(tree: &Tree, opts: &Options) -> Option<String> {
    INSTALLED.get()?;
    if tree.forced_layout().is_some() || layout_label(tree).is_some() {
        return None;
    }
    let content = tree.content_id()?;
    Some(format!(
        "revision\nlabel {}\ncommit {}\narch {}\nkms {}\ncontent {content}",
        tree.label(),
        tree.commit_id().unwrap_or_default(),
        opts.arch.name,
        opts.kms,
    ))
}

/// Whether `tree`'s side under `opts` would be stored (a store is installed and it has a key).
pub fn keeps(tree: &Tree, opts: &Options) -> bool {
    key(tree, opts).is_some()
}

/// Whether an earlier run stored `tree`'s side.
pub fn contains(tree: &Tree, opts: &Options) -> bool {
    key(tree, opts).is_some_and(|key| INSTALLED.get().is_some_and(|s| s.contains(&key)))
}

/// `tree`'s side as stored by an earlier run, if any.
pub fn load(tree: &Tree, opts: &Options) -> Option<Stored> {
    let key = key(tree, opts)?;
    INSTALLED.get()?.load(&key)
}

/// Stores `tree`'s side: `snapshot` computed from `listed` (before any note was dropped), which it
/// hands back.
pub fn save(
    tree: &Tree,
    opts: &Options,
    listed: &Listed,
    kms_sources: Option<&[FileEntry]>,
    snapshot: Snapshot,
) -> Snapshot {
    let (Some(key), Some(store)) = (key(tree, opts), INSTALLED.get()) else {
        return snapshot;
    };
    let stored = Stored {
        snapshot,
        headers: listed.entries.clone(),
        listing_notes: listed.notes.len(),
        surface_files: listed.surfaces.files.clone(),
        kms_sources: kms_sources.map(<[FileEntry]>::to_vec),
    };
    store.save(&key, stored).snapshot
}

/// The key of the diff of `old` and `new` (both kernel trees with a content id). The verdicts also
/// depend on the enums the policy declares (`[enums]`), so they are part of it; a side does not
/// depend on them.
fn pair_key(old: &Tree, new: &Tree, opts: &Options) -> Option<String> {
    let mut key = format!("diff\n{}\n{}", key(old, opts)?, key(new, opts)?);
    for (name, role) in &opts.enum_roles {
        key.push_str(&format!("\nenum {name} {role:?}"));
    }
    Some(key)
}

/// The diff of `old` and `new` as an earlier run stored it.
pub fn load_report(old: &Tree, new: &Tree, opts: &Options) -> Option<DiffReport> {
    INSTALLED.get()?.load_report(&pair_key(old, new, opts)?)
}

/// Stores the diff of `old` and `new`.
pub fn save_report(old: &Tree, new: &Tree, opts: &Options, report: &DiffReport) {
    if let (Some(key), Some(store)) = (pair_key(old, new, opts), INSTALLED.get()) {
        store.save_report(&key, report);
    }
}
