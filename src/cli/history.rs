//! `uapi-diff history`: revisions walked in order, a summary per step, or the HTML report.

use super::arch::options;
use super::output::{emit, write_file};
use super::sides::open_sides;
use super::Common;
use crate::arch::Arch;
use crate::error::Error;
use crate::pipeline::Options;
use crate::snapshot::Side;
use crate::timeline::{self, Timeline};
use crate::{history, progress};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(required = true, num_args = 2..)]
    revs: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write the growth chart alone (items added, removed and breaking per step and area) as
    /// an SVG file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// One self-contained page: the growth chart, a table per step, a search box, item histories.
    Html,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        revs,
        format,
        plot,
        common,
    } = args;
    let specs: Vec<&str> = revs.iter().map(String::as_str).collect();
    super::check_flags(&common, &specs)?;
    let opts = options(&common)?;
    let sides = open_sides(&common, &revs)?;
    // The report and the chart need every step's changes; the summaries need only their counts.
    let walked = match format == Format::Html || plot.is_some() {
        true => {
            let walked = walk_with_bar(&sides, &opts, &[opts.arch], true)?;
            if let Some(path) = &plot {
                let svg = timeline::growth_svg(&walked.steps, &walked.index.totals);
                write_file(path, &svg)?;
            }
            if format == Format::Html {
                emit(&common, &timeline::html(&walked, opts.arch.name))?;
                return Ok(i32::from(
                    walked.steps.iter().any(|s| !s.changes.is_empty()),
                ));
            }
            history::summarize(&walked.steps, walked.parsed_headers)
        }
        false => {
            let bar = progress::bar(sides.len() as u64, "revisions".to_string());
            let walked = history::walk(&sides, &opts, &|done| bar.set_position(done as u64));
            bar.finish_and_clear();
            walked?
        }
    };
    let text = match format {
        Format::Json => history::json(&walked),
        _ => history::text(&walked),
    };
    emit(&common, &text)?;
    let changed = walked.steps.iter().any(|s| !s.kinds.is_empty());
    Ok(if changed { 1 } else { 0 })
}

/// A timeline walk over `arches` with a progress bar over every revision of every arch.
pub(super) fn walk_with_bar(
    sides: &[Side],
    opts: &Options,
    arches: &[&'static Arch],
    for_report: bool,
) -> Result<Timeline, Error> {
    let total = (sides.len() * arches.len()) as u64;
    let bar = progress::bar(total, "revisions".to_string());
    let walked = timeline::walk(sides, opts, arches, for_report, &|done| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    walked
}
