//! Incremental diff: the cost of a diff follows the size of the change. A header whose blob and
//! whose whole translation unit are identical at both revisions has identical items and facts, so
//! neither side needs to parse or model it. The headers whose items may differ (the *affected*
//! set) are found from what each header's items depend on in `model`:
//!
//! - its translation unit: the headers its `#include` lines reach, as resolved at each revision
//!   (which `asm/` header is meant depends on which paths exist), with the libc prelude and the
//!   arch (the same at both sides of a diff); the order in which an include cycle is entered;
//! - for a constant its own unit cannot evaluate, the units of the headers that include it
//!   (`Model::consulted.includers`);
//! - for a constant still missing a name, the one header of the revision defining that name
//!   (`Model::consulted.definers`: a global lookup, so a new definer anywhere matters).
//!
//! `#include` lines are read from the text (every branch, so a superset of the live includes);
//! which headers may define or use a name is read as the headers whose text has it as a word, or
//! that may build it by pasting tokens (`##`: `incremental/paste.rs`). Both
//! sides are then modelled restricted to what the affected headers need, and the rules (which look
//! up typedefs, ioctl arguments and records by name over the whole model) see, beside the affected
//! headers, the headers that mention the records the changes touch. `UAPI_DIFF_FULL=1` computes
//! everything instead: the byte-identity test (tests/incremental.rs) compares both.

use super::{Listed, Options, ParseCache, Snapshot};
use crate::change::DiffReport;
use crate::change::{Facts, ItemKind};
use crate::error::Error;
use crate::model::ItemKey;
use crate::source::{BlobId, FileEntry, Tree};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod graph;
mod paste;
pub use graph::HeaderText;
use graph::{is_word_byte, Graph};

/// Set (to anything but `0`) to compute every header and DRM source of both revisions.
pub const FULL_ENV: &str = "UAPI_DIFF_FULL";

pub fn forced_full() -> bool {
    std::env::var_os(FULL_ENV).is_some_and(|v| v != "0")
}

/// The files a diff covers, whose notes it reports: those whose blob differs between the two
/// revisions, or that only one has (as a series review keeps the notes of the files it touches).
pub fn touched(old: &[FileEntry], new: &[FileEntry]) -> BTreeSet<String> {
    let blobs = |entries: &[FileEntry]| -> HashMap<String, BlobId> {
        entries.iter().map(|e| (e.path.clone(), e.blob)).collect()
    };
    let (o, n) = (blobs(old), blobs(new));
    o.iter()
        .filter(|(p, b)| n.get(*p) != Some(b))
        .chain(n.iter().filter(|(p, b)| o.get(*p) != Some(b)))
        .map(|(p, _)| p.clone())
        .collect()
}

/// Keeps a snapshot's first `listing` notes (what listing the revision found) and the notes of the
/// `touched` files.
pub fn retain_notes(snap: &mut Snapshot, listing: usize, touched: &BTreeSet<String>) {
    let mut i = 0;
    snap.notes.retain(|n| {
        i += 1;
        i <= listing || touched.contains(&n.file)
    });
}

/// Whether the incremental computation applies to this pair: two kernel trees, neither a copy,
/// and `UAPI_DIFF_FULL` not set.
fn applies(trees: [&Tree; 2], sides: [&Listed; 2]) -> bool {
    let kernel_tree = |t: &Tree| super::layout_label(t).is_none();
    !forced_full() && trees.into_iter().all(kernel_tree) && sides.iter().all(|s| s.own.is_none())
}

/// Whether a side's touched headers alone are past half of its headers: they are among those it
/// needs (below), so the hand-over to the full computation is certain, and is made before any
/// header text is read.
fn mostly_touched(sides: [&Listed; 2], touched: &BTreeSet<String>) -> bool {
    sides.iter().any(|side| {
        let entries = &side.entries;
        2 * entries.iter().filter(|e| touched.contains(&e.path)).count() > entries.len()
    })
}

/// The diff of two kernel trees computed only where something changed; None when the incremental
/// diff does not apply (a side that is not a kernel tree, `UAPI_DIFF_FULL`) or falls back to the
/// full one (a DRM source changed, or a changed uAPI constant is named in one, with KMS on: the
/// extraction evaluates its expressions against every constant of the revision).
pub fn diff(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    kms_sources: Option<&[Vec<FileEntry>; 2]>,
    opts: &Options,
    cache: &ParseCache,
) -> Result<Option<DiffReport>, Error> {
    if !applies(trees, sides) {
        return Ok(None);
    }
    let touched = sides[0].touched(sides[1]);
    if mostly_touched(sides, &touched) {
        return Ok(None);
    }
    // KMS extraction is one whole-tree computation: a changed DRM source means the full diff.
    let kms_sources = match kms_sources {
        Some([old, new]) if !self::touched(old, new).is_empty() => return Ok(None),
        Some([old, _]) => Some(old),
        None => None,
    };
    let report = affected_models(trees, sides, &touched, opts, cache, |snaps, affected| {
        let [mut old_snap, mut new_snap] = snaps.clone();
        share_unaffected(&mut old_snap, &mut new_snap, affected);
        for (snap, side) in [(&mut old_snap, sides[0]), (&mut new_snap, sides[1])] {
            retain_notes(snap, side.notes.len(), &touched);
        }
        let report = super::report_with(&old_snap, &new_snap, &opts.enum_roles);
        // The rules look up records by name in the whole model (ioctl arguments, array elements,
        // members of nested records): every header that may name a touched record must be there.
        let names = looked_up_by_rules(&report);
        let constants = match kms_sources {
            Some(_) => changed_constants(&old_snap, &new_snap, affected),
            None => BTreeSet::new(),
        };
        ((report, constants), names)
    })?;
    let Some((report, constants)) = report else {
        return Ok(None);
    };
    // A changed constant named in a DRM source may change the KMS properties, which need every
    // constant of both revisions: the full diff then.
    match kms_sources {
        Some(sources) if named_in(trees[0], sources, &constants)? => Ok(None),
        _ => Ok(Some(report)),
    }
}

/// The loop of the diff: models both revisions restricted to what the affected headers need,
/// growing the affected set until it holds every header whose items may differ; then hands the two
/// models and the set to `finish`, which returns its result and the record names the rules will
/// look up over the whole model. Headers naming those are added and the loop goes on, until
/// `finish` names nothing new. None when past half of a side's headers are needed, or when the
/// rounds would model more than half the header bytes of both revisions together: the full
/// computation is then cheaper, and its output is the same.
fn affected_models<T>(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    touched: &BTreeSet<String>,
    opts: &Options,
    cache: &ParseCache,
    mut finish: impl FnMut(&[Snapshot; 2], &BTreeSet<String>) -> (T, BTreeSet<String>),
) -> Result<Option<T>, Error> {
    let entries = [sides[0].entries.as_slice(), sides[1].entries.as_slice()];
    let [old_texts, new_texts] = [
        cache.header_texts(trees[0], entries[0])?,
        cache.header_texts(trees[1], entries[1])?,
    ];
    let graphs = [
        Graph::new(opts.arch, entries[0], old_texts),
        Graph::new(opts.arch, entries[1], new_texts),
    ];
    let units_changed = unit_changed(&graphs, touched);
    let mut affected = units_changed.clone();
    // Headers whose borrowing of missing definitions may change (see below).
    let mut borrowers: BTreeSet<String> = BTreeSet::new();
    // Headers included by one whose unit changed: their constants evaluated in an includer's scope
    // may change.
    let included_by_changed: BTreeSet<String> = graphs
        .iter()
        .flat_map(|g| {
            g.indices(&units_changed)
                .into_iter()
                .flat_map(|i| g.includes[i].iter().map(|&j| g.entries[j].path.clone()))
        })
        .collect();
    // Headers (not in `affected`) the rules look up by name, and what the lookups of definers need.
    let mut extra: [BTreeSet<String>; 2] = Default::default();
    let mut rule_names: BTreeSet<String> = BTreeSet::new();
    let mut defining_names: BTreeSet<String> = BTreeSet::new();
    // The last models, kept while what they were built on stays the same.
    let mut modelled: Option<(Vec<Vec<bool>>, [Snapshot; 2])> = None;
    // Header bytes modelled so far, against those of both revisions (what the full computation
    // models once).
    let mut spent = 0;
    let budget: usize = graphs
        .iter()
        .flat_map(|g| &g.texts)
        .map(|t| t.bytes().len())
        .sum();
    loop {
        let needed: Vec<Vec<bool>> = graphs
            .iter()
            .zip(&extra)
            .map(|(g, extra)| {
                let mut roots = affected.clone();
                roots.extend(extra.iter().cloned());
                g.needed(opts.arch, &roots)
            })
            .collect();
        // Past half of a side's headers, or of the header bytes of both sides over all rounds so
        // far, modelling again as the sets grow costs more than the full computation (whose
        // output is the same).
        if graphs
            .iter()
            .zip(&needed)
            .any(|(g, n)| 2 * n.iter().filter(|x| **x).count() > g.entries.len())
        {
            return Ok(None);
        }
        let snaps = match modelled.take() {
            Some((before, snaps)) if before == needed => snaps,
            _ => {
                spent += graphs
                    .iter()
                    .zip(&needed)
                    .map(|(g, n)| g.bytes(n))
                    .sum::<usize>();
                if 2 * spent > budget {
                    return Ok(None);
                }
                model_needed(trees, sides, &needed, cache, opts)?
            }
        };
        let mut grew = false;
        // A header included by one whose unit changed has its own unit: its items change only if
        // one of its constants is evaluated in the scope of such an includer at either side (the
        // includers before that one, which failed, are all modelled, being in `units_changed`).
        for snap in &snaps {
            for (k, item) in &snap.model.items {
                let context = match &item.facts {
                    Facts::Value { context, .. } | Facts::Ioctl { context, .. } => context,
                    _ => continue,
                };
                let in_changed_unit = context
                    .iter()
                    .flat_map(|c| c.split(", "))
                    .any(|p| units_changed.contains(p));
                if in_changed_unit && included_by_changed.contains(&k.file) {
                    grew |= affected.insert(k.file.clone());
                }
            }
        }
        // Affected headers that consult their includers need every one of them; those that look
        // for a definer, every header that may define the name.
        for (s, (g, snap)) in graphs.iter().zip(&snaps).enumerate() {
            let consulted = &snap.model.consulted;
            for h in affected.intersection(&consulted.includers) {
                for i in g.indices([h]) {
                    for &j in &g.includers[i] {
                        grew |= extra[s].insert(g.entries[j].path.clone());
                    }
                }
            }
            let missing: BTreeSet<String> = consulted
                .definers
                .iter()
                .filter(|(h, _)| affected.contains(*h))
                .flat_map(|(_, names)| names.iter().cloned())
                .collect();
            for h in g.mentioning(&missing) {
                grew |= extra[s].insert(h);
            }
        }
        // A header's borrowing (`Model::consulted.definers`) looks names up in the whole revision:
        // it may change when a name it looks up is defined by a header whose unit changed (its
        // definition, or which headers define it, may differ), or by a header it borrows from that
        // is itself in that case. Such headers mention the name, or include one that does.
        // New borrowers' own `#define`s are read from their text at once (to a fixed point); their
        // records, from their models in the next round.
        loop {
            let sources: BTreeSet<String> = units_changed.union(&borrowers).cloned().collect();
            let mut defined = BTreeSet::new();
            for g in &graphs {
                g.defined_macros(&sources, &mut defined);
            }
            for snap in &snaps {
                defined.extend(
                    snap.model
                        .items
                        .keys()
                        .filter(|k| sources.contains(&k.file))
                        .filter(|k| {
                            matches!(
                                k.kind,
                                ItemKind::Struct | ItemKind::Union | ItemKind::Typedef
                            )
                        })
                        .map(|k| k.name.clone()),
                );
            }
            if defined == defining_names {
                break;
            }
            // The headers mentioning the names seen before are in already (the texts do not
            // change): only the new names are looked for.
            let new_names: BTreeSet<String> =
                defined.difference(&defining_names).cloned().collect();
            for g in &graphs {
                let users = g.includers_of(&g.mentioning(&new_names));
                for h in g.paths(&users) {
                    borrowers.insert(h.clone());
                    grew |= affected.insert(h);
                }
            }
            defining_names = defined;
        }
        if grew {
            modelled = Some((needed, snaps));
            continue;
        }
        let (result, names) = finish(&snaps, &affected);
        if names.is_subset(&rule_names) {
            return Ok(Some(result));
        }
        modelled = Some((needed, snaps));
        let new_names: BTreeSet<String> = names.difference(&rule_names).cloned().collect();
        rule_names.extend(names);
        for (s, g) in graphs.iter().enumerate() {
            let users = g.includers_of(&g.mentioning(&new_names));
            extra[s].extend(g.paths(&users));
        }
    }
}

/// The headers whose translation unit may differ between the two revisions: the changed ones and
/// those that include them (as each revision resolves `#include`), and every header that reaches
/// an include cycle the build enters differently at the two revisions (`entered_differently`).
fn unit_changed(graphs: &[Graph; 2], changed: &BTreeSet<String>) -> BTreeSet<String> {
    let mut set = changed.clone();
    set.extend(entered_differently(&graphs[0], &graphs[1]));
    set.extend(entered_differently(&graphs[1], &graphs[0]));
    loop {
        let before = set.len();
        for g in graphs {
            let reaching = g.includers_of(&set);
            set.extend(g.paths(&reaching));
        }
        if set.len() == before {
            return set;
        }
    }
}

/// The headers of `g` that reach an include cycle the build may enter otherwise in `other`, the
/// other revision's graph. The build enters a cycle from the first header reaching it, walking
/// that header's includes: while it is the same header at both revisions and what decides its
/// walk is the same (`Graph::walk_signature`), the cycle is entered the same way, whether the text
/// shows how or not; failing that, the same way when the text shows it (`Graph::entry`). This
/// depends on the texts alone, not on what changed.
fn entered_differently(g: &Graph, other: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (c, cycle) in g.cycles.iter().enumerate() {
        let path = |i: usize| g.entries[i].path.as_str();
        let Some((first, reaching_cycle)) = g.first_reaching(c) else {
            continue;
        };
        let same_walk = other.cycle_entered_from(path(cycle[0])).is_some_and(|f| {
            other.entries[f].path == path(first)
                && other.walk_signature(f) == g.walk_signature(first)
        });
        if same_walk
            || other.entered_as(path(cycle[0]), g.entry(c).map(|(f, e)| (path(f), path(e))))
        {
            continue;
        }
        out.extend(g.paths(&reaching_cycle));
    }
    out
}

/// Both revisions modelled on the headers each needs, in parallel.
fn model_needed(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    needed: &[Vec<bool>],
    cache: &ParseCache,
    opts: &Options,
) -> Result<[Snapshot; 2], Error> {
    let opts = Options {
        kms: false,
        ..opts.clone()
    };
    let model = |s: usize| -> Result<Snapshot, Error> {
        let entries: Vec<FileEntry> = sides[s]
            .entries
            .iter()
            .zip(&needed[s])
            .filter(|(_, &n)| n)
            .map(|(e, _)| e.clone())
            .collect();
        super::snapshot_of(trees[s], &entries, sides[s], cache, &opts)
    };
    let (old, new) = rayon::join(|| model(0), || model(1));
    Ok([old?, new?])
}

/// Headers that are not affected have the same items at both revisions: both models get the same
/// items for them (the new side's where it computed them), so that neither shows them as added,
/// removed or changed, and the rules see the same headers at both sides.
fn share_unaffected(old: &mut Snapshot, new: &mut Snapshot, affected: &BTreeSet<String>) {
    let unaffected = |k: &ItemKey| !affected.contains(&k.file);
    let files = |s: &Snapshot| -> BTreeSet<String> {
        s.model
            .items
            .keys()
            .filter(|k| unaffected(k))
            .map(|k| k.file.clone())
            .collect()
    };
    let (old_files, new_files) = (files(old), files(new));
    old.model
        .items
        .retain(|k, _| !unaffected(k) || !new_files.contains(&k.file));
    for (k, item) in new.model.items.iter().filter(|(k, _)| unaffected(k)) {
        old.model.items.insert(k.clone(), item.clone());
    }
    for (k, item) in old.model.items.iter().filter(|(k, _)| {
        unaffected(k) && old_files.contains(&k.file) && !new_files.contains(&k.file)
    }) {
        new.model.items.insert(k.clone(), item.clone());
    }
    // The order of their enums' members, likewise.
    old.model
        .enums
        .retain(|e| affected.contains(&e.file) || !new_files.contains(&e.file));
    let from_new: Vec<_> = new
        .model
        .enums
        .iter()
        .filter(|e| !affected.contains(&e.file))
        .cloned()
        .collect();
    let from_old: Vec<_> = old
        .model
        .enums
        .iter()
        .filter(|e| {
            !affected.contains(&e.file)
                && old_files.contains(&e.file)
                && !new_files.contains(&e.file)
        })
        .cloned()
        .collect();
    old.model.enums.extend(from_new);
    new.model.enums.extend(from_old);
}

/// Names of the integer constants (`pipeline::Constants`) of the affected headers whose value, or
/// which headers define them, differ between the two revisions.
fn changed_constants(
    old: &Snapshot,
    new: &Snapshot,
    affected: &BTreeSet<String>,
) -> BTreeSet<String> {
    type ByName<'m> = BTreeMap<&'m str, Vec<(&'m ItemKey, Option<i128>)>>;
    fn constants<'m>(s: &'m Snapshot, affected: &BTreeSet<String>) -> ByName<'m> {
        let mut by_name: ByName<'m> = BTreeMap::new();
        for (k, item) in s
            .model
            .items
            .iter()
            .filter(|(k, _)| affected.contains(&k.file))
        {
            let value = match &item.facts {
                Facts::Value { value, .. } => *value,
                Facts::Ioctl { number, .. } => number.map(i128::from),
                _ => continue,
            };
            by_name.entry(k.name.as_str()).or_default().push((k, value));
        }
        by_name
    }
    let (o, n) = (constants(old, affected), constants(new, affected));
    o.keys()
        .chain(n.keys())
        .filter(|name| o.get(*name) != n.get(*name))
        .map(|name| name.to_string())
        .collect()
}

/// Whether one of the (unchanged) DRM sources KMS extraction reads has one of `names` as a word.
pub(super) fn named_in(
    tree: &Tree,
    sources: &[FileEntry],
    names: &BTreeSet<String>,
) -> Result<bool, Error> {
    if names.is_empty() {
        return Ok(false);
    }
    let Ok(ac) = word_searcher(names) else {
        return Ok(true);
    };
    Ok(tree.any_file(sources, |text| has_word(&ac, text))?)
}

/// A searcher for `has_word`: leftmost-longest, so that a plain (non-overlapping) search finds a
/// whole-word occurrence whenever there is one. Names are identifiers: of the names matching at
/// one start, only the longest can end at a word boundary, and a match skipped because it starts
/// inside a reported one is preceded by an identifier byte.
fn word_searcher(names: &BTreeSet<String>) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(names)
}

/// Whether `text` has one of the searcher's names as a whole word.
fn has_word(ac: &AhoCorasick, text: &[u8]) -> bool {
    ac.find_iter(text).any(|m| {
        let before = m.start().checked_sub(1).map(|i| text[i]);
        let after = text.get(m.end()).copied();
        !before.is_some_and(is_word_byte) && !after.is_some_and(is_word_byte)
    })
}

/// Record names the rules look up over the whole model for these changes.
fn looked_up_by_rules(report: &DiffReport) -> BTreeSet<String> {
    report
        .changes
        .iter()
        .filter_map(|c| match c.kind {
            ItemKind::Struct | ItemKind::Union => Some(c.name.clone()),
            ItemKind::Field => c.parent.clone(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
