//! The uAPI over time: a walk over revisions (`history::visit`) folded into a since-index (each
//! item's first revision, the revisions where it changed, the last one that has it, per arch:
//! `index`), and the report people look at rather than read: one self-contained HTML page (`html`)
//! with the growth chart (`plot`), a table per release that opens into its changes, a search box
//! and each item's history.

mod html;
mod index;
mod plot;

pub use html::render as html;
pub use index::{headline, json, tsv, ArchEntry, Entry, Event, Index};
pub use plot::svg as growth_svg;

use crate::arch::Arch;
use crate::change::DiffReport;
use crate::error::Error;
use crate::history;
use crate::pipeline::{Options, ParseCache};
use crate::snapshot::Side;

/// A walk's since-index, with what the report shows when it was asked for: the diff of each step
/// and each item's history of facts (the index alone needs neither, and they cost memory).
pub struct Timeline {
    pub index: Index,
    /// The first arch's diffs, step by step (empty unless `for_report`).
    pub steps: Vec<DiffReport>,
    /// Distinct header blobs parsed over the whole walk.
    pub parsed_headers: usize,
}

/// Walks `sides` in order once per arch of `arches` (one `ParseCache` for all: each blob is
/// parsed once), folding each revision into the index. KMS properties hold for every arch: they
/// are extracted on the first arch's walk only. `progress` is told how many revisions of all
/// walks are done.
pub fn walk(
    sides: &[Side],
    opts: &Options,
    arches: &[&'static Arch],
    for_report: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Timeline, Error> {
    let names = arches.iter().map(|a| a.name.to_string()).collect();
    let mut builder = index::Builder::new(names, for_report);
    let mut steps = Vec::new();
    let cache = ParseCache::default();
    for (a, arch) in arches.iter().enumerate() {
        let opts = Options {
            arch,
            kms: opts.kms && a == 0,
            ..opts.clone()
        };
        let mut rev = 0;
        let done_before = a * sides.len();
        history::visit(
            sides,
            &opts,
            &cache,
            &|done| progress(done_before + done),
            &mut |snap, step| {
                builder.fold(a, rev, snap, step);
                if let (true, 0, Some(step)) = (for_report, a, step) {
                    steps.push(step.clone());
                }
                rev += 1;
            },
        )?;
        if opts.kms {
            cache.forget_kms_sources();
        }
    }
    Ok(Timeline {
        index: builder.finish(),
        steps,
        parsed_headers: cache.len(),
    })
}

/// One diff as a timeline of two revisions (`diff --format html`): its items are the changed
/// ones, each with its facts on both sides.
pub fn of_diff(report: &DiffReport) -> Timeline {
    Timeline {
        index: index::of_changes(report),
        steps: vec![report.clone()],
        parsed_headers: 0,
    }
}
