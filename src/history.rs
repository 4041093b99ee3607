//! `uapi-diff history REV...`: a walk over many revisions, each diffed with the one before.
//! Every blob is parsed once for the whole walk (one `ParseCache`), so the cost grows with the
//! distinct blobs rather than with revisions × files; revisions are modelled (and then diffed) in
//! parallel, a batch of one per thread at a time, so memory stays a few revisions' worth.

use crate::change::ChangeKind;
use crate::change::{DiffReport, Revision, Summary};
use crate::error::Error;
use crate::pipeline::{self, Options, ParseCache, Snapshot};
use crate::snapshot::Side;
use crate::source::Tree;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Added / removed / changed items of one kind.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

/// One step of the walk: a revision against the one before it.
#[derive(Serialize, Clone, Debug)]
pub struct Step {
    pub old: Revision,
    pub new: Revision,
    pub summary: Summary,
    /// Per item kind (`ioctl`, `struct`, `property`…), only the kinds with a change.
    pub kinds: BTreeMap<&'static str, Counts>,
}

#[derive(Serialize, Clone, Debug)]
pub struct History {
    pub steps: Vec<Step>,
    /// Distinct header blobs parsed over the whole walk.
    pub parsed_headers: usize,
}

/// Walks `sides` (revisions or snapshot files) in order. `progress` is told how many revisions
/// are done after each batch.
pub fn walk(
    sides: &[Side],
    opts: &Options,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<History, Error> {
    let mut steps = Vec::new();
    let cache = ParseCache::default();
    visit(sides, opts, &cache, progress, &mut |_, report| {
        if let Some(report) = report {
            steps.push(step(report));
        }
    })?;
    Ok(History {
        steps,
        parsed_headers: cache.len(),
    })
}

/// The summary of a walk whose diffs were kept.
pub fn summarize(steps: &[DiffReport], parsed_headers: usize) -> History {
    History {
        steps: steps.iter().map(step).collect(),
        parsed_headers,
    }
}

/// The walk itself: hands `each` every revision's snapshot in order, with its diff from the one
/// before (none for the first). Blobs are parsed once through `cache` (which the caller may share
/// between walks, one per arch); only a batch of snapshots is alive at a time.
pub fn visit(
    sides: &[Side],
    opts: &Options,
    cache: &ParseCache,
    progress: &(dyn Fn(usize) + Sync),
    each: &mut dyn FnMut(&Snapshot, Option<&DiffReport>),
) -> Result<(), Error> {
    let batch = rayon::current_num_threads().max(1);
    let mut prev: Option<Snapshot> = None;
    let mut done = 0;
    let batches = sides.len().div_ceil(batch);
    for (b, chunk) in sides.chunks(batch).enumerate() {
        cache.keep_listings(b + 1 < batches);
        let trees: Vec<&Tree> = chunk.iter().filter_map(Side::tree).collect();
        // The headers of the batch parsed at once (in parallel), but for the revisions an earlier
        // run stored.
        for tree in trees.iter().filter(|t| !pipeline::is_stored(t, opts)) {
            cache.headers(tree, &pipeline::used_headers(tree, cache, opts)?)?;
        }
        let snaps = chunk
            .par_iter()
            .map(|side| side.snapshot(opts, cache))
            .collect::<Result<Vec<_>, Error>>()?;
        if let (true, Some(last)) = (opts.kms, trees.last()) {
            cache.retain_kms_sources(&pipeline::list_kms_sources(last)?);
        }
        cache.forget_unused_listings();
        // The batch's steps are diffed in parallel too: each needs only its two snapshots.
        let reports: Vec<Option<DiffReport>> = (0..snaps.len())
            .into_par_iter()
            .map(|i| {
                let before = if i == 0 {
                    prev.as_ref()
                } else {
                    snaps.get(i - 1)
                };
                before.map(|p| pipeline::report_with(p, &snaps[i], &opts.enum_roles))
            })
            .collect();
        for (snap, report) in snaps.into_iter().zip(reports) {
            each(&snap, report.as_ref());
            prev = Some(snap);
        }
        done += chunk.len();
        progress(done);
    }
    Ok(())
}

fn step(report: &DiffReport) -> Step {
    let mut kinds: BTreeMap<&'static str, Counts> = BTreeMap::new();
    for c in &report.changes {
        let counts = kinds.entry(c.kind.as_str()).or_default();
        match c.change {
            ChangeKind::Added => counts.added += 1,
            ChangeKind::Removed => counts.removed += 1,
            ChangeKind::Changed => counts.changed += 1,
        }
    }
    Step {
        old: report.old.clone(),
        new: report.new.clone(),
        summary: report.summary.clone(),
        kinds,
    }
}

pub fn json(history: &History) -> String {
    let mut s = serde_json::to_string_pretty(history).expect("history serializes");
    s.push('\n');
    s
}

/// One line per step, then one indented line per kind: `ioctl  +12 -1 ~3`.
pub fn text(history: &History) -> String {
    let mut out = String::new();
    for s in &history.steps {
        let m = &s.summary;
        out.push_str(&format!(
            "{} → {}: {} added, {} removed, {} changed; {} breaking, {} need userspace\n",
            s.old.revision,
            s.new.revision,
            m.added,
            m.removed,
            m.changed,
            m.breaking,
            m.needs_userspace
        ));
        for (kind, c) in &s.kinds {
            out.push_str(&format!(
                "  {kind:<15} +{} -{} ~{}\n",
                c.added, c.removed, c.changed
            ));
        }
    }
    out.push_str(&format!(
        "{} revisions, {} distinct headers parsed\n",
        history.steps.len() + 1,
        history.parsed_headers
    ));
    out
}
