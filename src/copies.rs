//! Partial copies of the uAPI, as userspace projects keep them (Mesa's and IGT's
//! `include/drm-uapi/`, libdrm's `include/drm/`): a diff with a copy compares only the headers the
//! copy has, and [`drift`] finds the kernel revision a copy matches best.
//!
//! A copy's headers include others it does not have (`<linux/types.h>`); a compiler finds those on
//! the system's include path. Here they come from the other side of the diff, when that side is not
//! a copy itself, so the copy's layouts are computed as the kernel side's are; they are then left
//! out of the comparison.

use crate::change::{Change, ChangeKind, DiffReport, ItemKind, Revision};
use crate::error::Error;
use crate::pipeline::{self, Options, ParseCache};
use crate::source::Tree;
use serde::Serialize;
use std::collections::BTreeSet;

/// How far a copy is from one kernel revision.
#[derive(Serialize, Clone, Debug)]
pub struct Distance {
    pub revision: String,
    pub commit: Option<String>,
    /// Items added, removed or changed between the revision and the copy, in the copy's headers.
    pub differing: usize,
}

/// `uapi-diff drift`: a copy against kernel revisions. The JSON contract is in the README.
#[derive(Serialize, Clone, Debug)]
pub struct DriftReport {
    pub copy: Revision,
    /// Every revision compared, in the order given (a range: oldest first).
    pub revisions: Vec<Distance>,
    /// The revision with the fewest differing items (the latest of those tied).
    pub best: String,
    /// The diff from `best` to the copy.
    pub differences: DiffReport,
    /// Items of the copy that no revision compared has (`added` against every one of them): local
    /// declarations such as IGT's `drm-uapi-experimental/`.
    pub never_in_kernel: Vec<Change>,
}

/// Expands revision arguments: `A..B` is every commit of `B ^A` touching the uAPI, oldest first;
/// anything else is one revision.
pub fn expand_revisions(
    repo: &std::path::Path,
    args: &[String],
    opts: &Options,
) -> Result<Vec<String>, Error> {
    let mut revisions = Vec::new();
    for arg in args {
        match arg.split_once("..") {
            Some((from, to)) if !std::path::Path::new(arg).is_dir() => {
                let from_tree = Tree::open(repo, from)?;
                let to_tree = Tree::open(repo, to)?;
                let select = pipeline::header_selection(opts.arch);
                let commits = crate::source::commits_between(&from_tree, &to_tree, &select)?;
                revisions.extend(commits.into_iter().map(|c| c.id));
            }
            _ => revisions.push(arg.clone()),
        }
    }
    Ok(revisions)
}

/// Diffs each revision against the copy (revision → copy) and picks the closest.
pub fn drift(copy: &Tree, revisions: &[Tree], opts: &Options) -> Result<DriftReport, Error> {
    let cache = ParseCache::default();
    let opts = Options {
        kms: false,
        ..opts.clone()
    };
    let mut reports = Vec::new();
    for revision in revisions {
        reports.push(pipeline::diff_trees_cached(revision, copy, &opts, &cache)?);
    }
    let Some(best) = reports
        .iter()
        .enumerate()
        .min_by_key(|(i, r)| (r.changes.len(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
    else {
        return Err(Error::NoRevisions {
            copy: copy.label().to_string(),
        });
    };
    let added = |r: &DiffReport| -> BTreeSet<(String, ItemKind, Option<String>, String)> {
        r.changes
            .iter()
            .filter(|c| c.change == ChangeKind::Added)
            .map(|c| (c.file.clone(), c.kind, c.parent.clone(), c.name.clone()))
            .collect()
    };
    let never: BTreeSet<_> = reports
        .iter()
        .map(added)
        .reduce(|a, b| a.intersection(&b).cloned().collect())
        .unwrap_or_default();
    let differences = reports[best].clone();
    let never_in_kernel = differences
        .changes
        .iter()
        .filter(|c| {
            c.change == ChangeKind::Added
                && never.contains(&(c.file.clone(), c.kind, c.parent.clone(), c.name.clone()))
        })
        .cloned()
        .collect();
    Ok(DriftReport {
        copy: differences.new.clone(),
        revisions: reports
            .iter()
            .map(|r| Distance {
                revision: r.old.revision.clone(),
                commit: r.old.commit.clone(),
                differing: r.changes.len(),
            })
            .collect(),
        best: differences.old.revision.clone(),
        differences,
        never_in_kernel,
    })
}

/// The drift report as text: the distance to each revision, then the best one's diff.
pub fn text(report: &DriftReport, color: bool) -> String {
    let layout = report.copy.layout.as_deref().unwrap_or("tree");
    let mut out = format!(
        "uapi-diff drift: {} ({layout}) against {} revision(s) ({})\n",
        report.copy.revision,
        report.revisions.len(),
        report.copy.arch
    );
    let width = report
        .revisions
        .iter()
        .map(|d| d.revision.len())
        .max()
        .unwrap_or(0);
    for d in &report.revisions {
        let mark = if d.revision == report.best {
            "  ← best"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {:width$}  {} differing items{mark}\n",
            d.revision, d.differing
        ));
    }
    out.push_str(&format!(
        "\n{} item(s) of the copy no revision has:\n",
        report.never_in_kernel.len()
    ));
    for c in &report.never_in_kernel {
        let parent = c
            .parent
            .as_deref()
            .map(|p| format!("{p}."))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}: {} {parent}{}\n",
            c.file,
            c.kind.as_str(),
            c.name
        ));
    }
    out.push('\n');
    out.push_str(&crate::report::text(
        &report.differences,
        color,
        Default::default(),
    ));
    out
}

/// The drift report as JSON (pretty, with a trailing newline).
pub fn json(report: &DriftReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("drift report serializes");
    s.push('\n');
    s
}
