//! `uapi-diff history REV...`: a walk over many revisions, each diffed with the one before.
//! Every blob is parsed once for the whole walk (one `ParseCache`), so the cost grows with the
//! distinct blobs rather than with revisions × files; each revision is modelled while the one
//! before it is finished (KMS properties) and diffed, so memory stays a few revisions' worth.

use crate::change::ChangeKind;
use crate::change::{DiffReport, Revision, Summary};
use crate::error::Error;
use crate::pipeline::{self, IndexedSnapshot, Options, ParseCache, Snapshot};
use crate::snapshot::Side;
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
/// between walks, one per arch). Each revision is modelled once the one before it is, so that it
/// reuses that one's header listings, and while that one's KMS properties are extracted and it is
/// diffed: only three snapshots are alive at a time. `each` sees a revision while the next one is
/// finished (on another thread, hence `Send`), beside the model of the one after.
pub fn visit(
    sides: &[Side],
    opts: &Options,
    cache: &ParseCache,
    progress: &(dyn Fn(usize) + Sync),
    each: &mut (dyn FnMut(&Snapshot, Option<&DiffReport>) + Send),
) -> Result<(), Error> {
    let Some(first) = sides.first() else {
        return Ok(());
    };
    // A model keeps its listings for the next one.
    cache.keep_listings(sides.len() > 1);
    cache.keep_listings_by_projection(true);
    expect(sides.get(1), opts, cache);
    let mut modelled = Some(first.modelled(opts, cache)?);
    // The revision finished last, with its report: handed to `each` during the next step.
    let mut prev: Option<(IndexedSnapshot, Option<DiffReport>)> = None;
    for i in 0..sides.len() {
        cache.forget_unused_listings();
        cache.keep_listings(i + 2 < sides.len());
        let current = modelled
            .take()
            .expect("each revision is modelled before its turn");
        let before = prev.take();
        let (done, next) = rayon::join(
            || -> Result<_, Error> {
                let snap = current.finish(cache, opts)?;
                let (snap, report) = IndexedSnapshot::with_report(
                    snap,
                    before.as_ref().map(|(indexed, _)| indexed),
                    &opts.enum_roles,
                );
                // Handed on and freed here, beside the next model, rather than between steps.
                if let Some((indexed, report)) = before {
                    each(indexed.snapshot(), report.as_ref());
                }
                // The DRM sources' caches keep what was read since the last call: this revision's,
                // and what the next one's preparation (beside) read so far.
                cache.forget_unused_kms_sources();
                Ok((snap, report))
            },
            || {
                expect(sides.get(i + 2), opts, cache);
                sides
                    .get(i + 1)
                    .map(|s| s.modelled(opts, cache))
                    .transpose()
            },
        );
        let (snap, report) = done?;
        modelled = next?;
        prev = Some((snap, report));
        progress(i + 1);
    }
    if let Some((indexed, report)) = prev {
        each(indexed.snapshot(), report.as_ref());
    }
    Ok(())
}

/// Tells the cache which headers the revision after the next one modelled has, when `side` is a
/// tree whose headers list (the next model then keeps for it only what it may need). A listing
/// that fails here only leaves the hint out: it fails again, reported, at that revision's model.
fn expect(side: Option<&Side>, opts: &Options, cache: &ParseCache) {
    let listed = side
        .and_then(Side::tree)
        .map(|tree| pipeline::list_headers(tree, opts));
    let entries = listed.and_then(Result::ok).map(|(entries, _)| entries);
    cache.expect_next(entries.as_deref());
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

/// One line per step, then one indented line per kind: `ioctl  +12 -1 ~3`, the counts in one
/// column under the longest kind name of the walk (`netlink_attribute_set`).
pub fn text(history: &History) -> String {
    let width = history
        .steps
        .iter()
        .flat_map(|s| s.kinds.keys())
        .map(|kind| kind.len())
        .max()
        .unwrap_or(0);
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
                "  {kind:<width$} +{} -{} ~{}\n",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(name: &str) -> Revision {
        Revision {
            revision: name.to_string(),
            commit: None,
            arch: "x86_64".to_string(),
            layout: None,
        }
    }

    fn step(old: &str, new: &str, kinds: &[(&'static str, usize)]) -> Step {
        Step {
            old: revision(old),
            new: revision(new),
            summary: Summary::default(),
            kinds: kinds
                .iter()
                .map(|&(kind, added)| {
                    let counts = Counts {
                        added,
                        ..Counts::default()
                    };
                    (kind, counts)
                })
                .collect(),
        }
    }

    /// Every kind's counts start in one column, under the longest kind name of the whole walk
    /// (which may be another step's): netlink's long kinds no longer push theirs out of line.
    #[test]
    fn the_counts_of_every_kind_line_up() {
        let history = History {
            steps: vec![
                step("a", "b", &[("define", 3), ("netlink_attribute_set", 12)]),
                step("b", "c", &[("ioctl", 1)]),
            ],
            parsed_headers: 2,
        };
        let text = text(&history);
        let columns: Vec<usize> = text
            .lines()
            .filter(|l| l.starts_with("  "))
            .map(|l| l.find(" +").expect("a kind line has its added count"))
            .collect();
        assert_eq!(columns.len(), 3, "{text}");
        assert!(columns.iter().all(|&c| c == columns[0]), "{text}");
        assert!(
            text.contains("  netlink_attribute_set +12 -0 ~0\n"),
            "{text}"
        );
    }
}
