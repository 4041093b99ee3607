//! `uapi-diff since`: every item a walk over revisions saw, with the revision it first appears in
//! (per arch), the revisions where it changed and the last one that has it (docs/since.md).

use super::arch::options;
use super::output::emit;
use super::sides::open_sides;
use super::{AllArches, Common};
use crate::error::Error;
use crate::timeline;
use clap::ValueEnum;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The revisions (or snapshot files) in order, oldest first.
    #[arg(required = true, num_args = 1..)]
    revs: Vec<String>,
    #[arg(long, value_enum, default_value = "json")]
    format: SinceFormat,
    #[command(flatten)]
    arches: AllArches,
    #[command(flatten)]
    common: Common,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SinceFormat {
    /// One object per item (docs/since.md).
    Json,
    /// A line per item with a value and a first revision per arch: a libseccomp-like table.
    Tsv,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        revs,
        format,
        arches,
        common,
    } = args;
    let opts = options(&common)?;
    let sides = open_sides(&common, &revs)?;
    let arches = arches.merged().unwrap_or_else(|| vec![opts.arch]);
    let walked = super::history::walk_with_bar(&sides, &opts, &arches, false)?;
    let text = match format {
        SinceFormat::Json => timeline::json(&walked.index),
        SinceFormat::Tsv => timeline::tsv(&walked.index),
    };
    emit(&common, &text)?;
    Ok(0)
}
