//! `--all-arches`: several targets (the CLI: every arch of `ARCHES`) diffed in turn, then the
//! diffs merged. One `ParseCache` serves every arch (each blob is read and parsed once), KMS
//! properties are extracted once per revision, and only one arch's models are alive at a time. An
//! entry equal on several arches is reported once with the arches it holds for; an item whose
//! facts differ by arch (a struct's size under ILP32 and LP64) has one entry per group of arches
//! with equal facts. An arch only one revision has (ia64 until v6.7, loongarch since 5.19) is
//! not compared: a note says so (its headers' items would all read as removed, or as unresolved where a generic
//! header needs its `asm/`).

use crate::arch::{Arch, ARCHES};
use crate::change::{Change, ChangeKind, ItemKind};
use crate::change::{DiffReport, Note, Revision, Summary};
use crate::error::Error;
use crate::pipeline::{self, Options, ParseCache};
use crate::snapshot::{self, Side};
use crate::source::{Selection, Tree};
use std::collections::{BTreeMap, BTreeSet};

/// The `arch` of both sides of an all-arches report (`DiffReport::arches` lists them).
pub const ALL: &str = "all";

/// What `--all-arches` diffs: every arch of `ARCHES`, in its order.
pub fn every_arch() -> Vec<&'static Arch> {
    ARCHES.iter().collect()
}

/// `uapi-diff diff --all-arches OLD NEW`, over `arches`.
pub fn diff(
    old: &Tree,
    new: &Tree,
    arches: &[&'static Arch],
    kms: bool,
) -> Result<DiffReport, Error> {
    let opts = Options {
        kms,
        ..Options::default()
    };
    diff_cached(old, new, arches, &opts, &ParseCache::default())
}

/// OLD → NEW for `opts.arch`, or for the `merged` arches, merged (`--all-arches`): the one place
/// that makes this choice. Merged arches need two revisions (a snapshot file holds one arch);
/// `update` is [`snapshot::diff`]'s.
pub fn diff_sides(
    old: &Side,
    new: &Side,
    opts: &Options,
    merged: Option<&[&'static Arch]>,
    cache: &ParseCache,
    update: bool,
) -> Result<DiffReport, Error> {
    match (merged, old.tree().zip(new.tree())) {
        (Some(arches), Some((o, n))) => diff_cached(o, n, arches, opts, cache),
        (Some(_), None) => Err(Error::SnapshotAllArches),
        (None, _) => snapshot::diff(old, new, opts, cache, update),
    }
}

/// `diff` with a parse cache the caller keeps, and `opts` but for the arch.
pub fn diff_cached(
    old: &Tree,
    new: &Tree,
    arches: &[&'static Arch],
    opts: &Options,
    cache: &ParseCache,
) -> Result<DiffReport, Error> {
    let mut changes = ByArch::default();
    let mut unparsed = ByArch::default();
    let mut notes = ByArch::default();
    // An arch only one revision has is named on the other, not compared.
    let mut missing = Vec::new();
    let mut compared = Vec::new();
    for &arch in arches {
        let lacking = match (has_arch(old, arch)?, has_arch(new, arch)?) {
            (true, false) => new,
            (false, true) => old,
            _ => {
                compared.push(arch);
                continue;
            }
        };
        missing.push(Note {
            revision: lacking.label().to_string(),
            file: format!("arch/{}/include/uapi", arch.dir()),
            line: 0,
            message: format!(
                "{}: the arch is not in this tree (added or removed in this range; the other \
                 revision has it): not compared; `--arch {}` diffs it alone",
                arch.name, arch.name
            ),
        });
    }
    let arches = &compared[..];
    for (i, arch) in arches.iter().enumerate() {
        // KMS properties come from driver sources, not from an arch's headers: extracted with the
        // first arch's constants, and their sources dropped once done.
        let opts = Options {
            arch,
            kms: opts.kms && i == 0,
            ..opts.clone()
        };
        let report = pipeline::diff_trees_cached(old, new, &opts, cache)?;
        if opts.kms {
            cache.forget_kms_sources();
        }
        // Merged item by item, folded again once merged.
        let mut report_changes = report.changes;
        crate::change::unfold_removed_headers(&mut report_changes);
        for c in report_changes {
            let key: ChangeKey = (
                c.file.clone(),
                c.kind,
                c.parent.clone(),
                c.name.clone(),
                c.change,
            );
            changes.add(key, c, arch.name);
        }
        for u in report.unparsed {
            unparsed.add(u.clone(), u, arch.name);
        }
        for note in report.notes {
            notes.add(note, (), arch.name);
        }
    }
    let all: Vec<String> = arches.iter().map(|a| a.name.to_string()).collect();
    let mut changes: Vec<Change> = changes
        .into_entries()
        .map(|(mut c, arches)| {
            // KMS properties (the only changes with an owner) hold for every arch.
            c.arches = Some(match c.owner {
                Some(_) => all.clone(),
                None => names(&arches),
            });
            c
        })
        .collect();
    crate::change::fold_removed_headers(&mut changes);
    let unparsed = unparsed
        .into_entries()
        .map(|(mut u, arches)| {
            u.arches = Some(names(&arches));
            u
        })
        .collect();
    // A note that holds on some arches only says where (ia64's headers gone at v6.12).
    let mut notes: BTreeSet<Note> = notes
        .into_keys()
        .map(|(mut note, arches)| {
            let arches = names(&arches);
            if arches != all {
                let scope = crate::report::arch_scope(Some(&all), Some(&arches));
                note.message = format!("{}: {}", scope.unwrap_or_default(), note.message);
            }
            note
        })
        .collect();
    notes.extend(missing);
    // Netlink specs are read once for all arches (`Surface::per_arch`): said once, not per entry.
    if changes.iter().any(|c| c.kind.is_netlink()) {
        notes.insert(Note {
            revision: new.label().to_string(),
            file: "Documentation/netlink/specs".to_string(),
            line: 0,
            message: "netlink: the netlink specs' items do not depend on the arch: read once, \
they hold for every arch diffed"
                .to_string(),
        });
    }
    let revision = |tree: &Tree| Revision {
        revision: tree.label().to_string(),
        commit: tree.commit_id(),
        arch: ALL.to_string(),
        layout: pipeline::layout_label(tree),
    };
    Ok(DiffReport {
        old: revision(old),
        new: revision(new),
        arches: Some(all),
        summary: Summary::of(&changes),
        changes,
        unparsed,
        notes: notes.into_iter().collect(),
    })
}

/// Whether a kernel tree has `arch`'s uAPI headers. Another layout's `asm/` is the arch asked
/// for.
fn has_arch(tree: &Tree, arch: &Arch) -> Result<bool, Error> {
    if pipeline::layout_label(tree).is_some() {
        return Ok(true);
    }
    let dir = format!("arch/{}/include/uapi/**/*.h", arch.dir());
    let (files, _) = tree.files(&Selection::new(&[dir.as_str()]))?;
    Ok(!files.is_empty())
}

fn names(arches: &[&str]) -> Vec<String> {
    arches.iter().map(|a| a.to_string()).collect()
}

/// The sort key of a change (`diff::sort_changes`' order), so merged changes come out sorted.
type ChangeKey = (String, ItemKind, Option<String>, String, ChangeKind);

/// The entries of each arch's diff by key, each distinct entry once with the arches that have it,
/// in the order arches were added (`ARCHES` order).
struct ByArch<K, T> {
    entries: BTreeMap<K, Vec<(T, Vec<&'static str>)>>,
}

impl<K, T> Default for ByArch<K, T> {
    fn default() -> Self {
        ByArch {
            entries: BTreeMap::new(),
        }
    }
}

impl<K: Ord, T: PartialEq> ByArch<K, T> {
    fn add(&mut self, key: K, entry: T, arch: &'static str) {
        let same_key = self.entries.entry(key).or_default();
        // An arch's own duplicates stay apart: its arch is last in the list they would join.
        match same_key
            .iter_mut()
            .find(|(e, arches)| *e == entry && arches.last() != Some(&arch))
        {
            Some((_, arches)) => arches.push(arch),
            None => same_key.push((entry, vec![arch])),
        }
    }

    fn into_entries(self) -> impl Iterator<Item = (T, Vec<&'static str>)> {
        self.entries.into_values().flatten()
    }
}

impl<K: Ord> ByArch<K, ()> {
    /// The keys themselves, each with the arches that have it.
    fn into_keys(self) -> impl Iterator<Item = (K, Vec<&'static str>)> {
        self.entries
            .into_iter()
            .filter_map(|(key, list)| Some((key, list.into_iter().next()?.1)))
    }
}
