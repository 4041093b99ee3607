//! `uapi-diff diff`: the changes between two sides, as text, Markdown, JSON or JUnit; with
//! `--fail-on`, a CI gate; with `--update`, a snapshot file brought up to date.

use super::arch::options;
use super::output::{emit, use_color, warn};
use super::sides::{open_new, open_side, side_label};
use super::{AllArches, Common, SeriesArg};
use crate::change::area::{self, Area};
use crate::change::{DiffReport, Severity, Summary};
use crate::error::Error;
use crate::gate::{self, FailOn};
use crate::source::Selection;
use crate::{all_arches, progress, report, timeline};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    old: String,
    #[arg(required_unless_present = "series")]
    new: Option<String>,
    #[command(flatten)]
    series: SeriesArg,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// CI gate: exit 1 only for these changes, unless the ledger accepts them (default: exit 1
    /// on any change).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// The ledger of accepted breaks and evidence (default: Documentation/gpu/uapi-ledger.toml
    /// in NEW's tree, if any).
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// The policy config: per-area userspace requirement, rule severities (default:
    /// uapi-diff.toml beside the ledger, if any; docs/config.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// OLD is a snapshot file: write NEW's snapshot over it, then exit 0.
    #[arg(long)]
    update: bool,
    /// Show a changed declaration whole, before and after (text and Markdown show only the lines
    /// that changed).
    #[arg(long)]
    declarations: bool,
    #[command(flatten)]
    narrow: Narrow,
    #[command(flatten)]
    arches: AllArches,
    #[command(flatten)]
    common: Common,
}

// Which changes the report keeps (every format, and the gate); a plain comment, as a doc comment
// here would become the subcommand's help.
#[derive(clap::Args, Debug, Clone)]
pub struct Narrow {
    /// Only changes of these areas (repeatable; default all), as the checklist groups them.
    #[arg(long, value_enum)]
    area: Vec<Area>,
    /// Only changes in files matching GLOB (repeatable; `*` within a path component, `**` across
    /// them): `--path 'include/uapi/drm/**'`.
    #[arg(long, value_name = "GLOB")]
    path: Vec<String>,
    /// Only changes of these severities (repeatable; default all).
    #[arg(long, value_enum)]
    only: Vec<Severity>,
}

impl Narrow {
    /// Keeps the changes (and the notes and unparsed items of the files) the flags select; the
    /// summary counts what is kept.
    fn apply(&self, report: &mut DiffReport) {
        if self.area.is_empty() && self.path.is_empty() && self.only.is_empty() {
            return;
        }
        let globs: Vec<&str> = self.path.iter().map(String::as_str).collect();
        let paths = Selection::new(&globs);
        let file_kept = |file: &str| globs.is_empty() || paths.matches(file);
        report.changes.retain(|c| {
            file_kept(&c.file)
                && (self.area.is_empty() || self.area.contains(&area::group_of(c).area))
                && (self.only.is_empty() || self.only.contains(&c.severity))
        });
        report.notes.retain(|n| file_kept(&n.file));
        report.unparsed.retain(|u| file_kept(&u.file));
        report.summary = Summary::of(&report.changes);
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// JUnit XML: one test case per change `--fail-on` checks (default any).
    Junit,
    /// One self-contained page: the chart per area, the changes, a search box, each item's facts
    /// before and after.
    Html,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        old,
        new,
        series,
        format,
        fail_on,
        ledger,
        config,
        update,
        declarations,
        narrow,
        arches,
        common,
    } = args;
    super::check_pair_flags(&common, &old, new.as_deref())?;
    let mut opts = options(&common)?;
    let old_side = open_side(&common, &old, 0)?;
    let (new_side, touched) = open_new(&common, &old, new.as_deref(), &series)?;
    let policy =
        crate::checklist::read_policy(new_side.tree(), config.as_deref(), ledger.as_deref())?;
    opts.enum_roles = policy.enum_roles();
    let new = side_label(&new_side);
    let spinner = progress::spinner(format!("diffing {old} → {new}"));
    let merged = arches.merged();
    let report = all_arches::diff_sides(
        &old_side,
        &new_side,
        &opts,
        merged.as_deref(),
        &Default::default(),
        update,
    );
    spinner.finish_and_clear();
    let mut report = report?;
    policy.apply_to(&mut report);
    narrow.apply(&mut report);
    if let Some(touched) = &touched {
        crate::series::retain_touched(&mut report.notes, touched);
    }
    if report.old.commit.is_some() && report.old.commit == report.new.commit {
        eprintln!("uapi-diff: note: `{old}` and `{new}` are the same commit: no change");
    }
    warn(&common, &report.notes);
    let color = use_color(&common);
    let shown = match declarations {
        true => report::Declarations::Whole,
        false => report::Declarations::Changed,
    };
    let gated = fail_on.is_some() || format == Format::Junit;
    let ledger = match gated {
        true => crate::checklist::read_ledger(new_side.tree(), ledger.as_deref())?,
        false => None,
    };
    let verdict = gate::check(&report, ledger.as_ref(), fail_on.unwrap_or(FailOn::Any));
    let text = match format {
        Format::Text => report::text(&report, color, shown),
        Format::Json => report::json(&report),
        Format::Markdown => report::markdown(&report, shown),
        Format::Junit => gate::junit(&report, &verdict),
        Format::Html => {
            let arch = report::arch_label(&report.new.arch, report.arches.as_deref());
            timeline::html(&timeline::of_diff(&report), &arch)
        }
    };
    emit(&common, &text)?;
    if update {
        eprintln!("uapi-diff: updated snapshot {old} to {new}");
        return Ok(0);
    }
    if fail_on.is_none() {
        return Ok(if report.changes.is_empty() { 0 } else { 1 });
    }
    eprint!("{}", gate::summary(&verdict));
    Ok(if verdict.passed() { 0 } else { 1 })
}
