//! `uapi-diff history`: revisions walked in order, a summary per step.

use super::arch::options;
use super::output::emit;
use super::sides::open_side;
use super::{Common, HistoryFormat};
use crate::error::Error;
use crate::{history, progress};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(required = true, num_args = 2..)]
    revs: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: HistoryFormat,
    #[command(flatten)]
    common: Common,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        revs,
        format,
        common,
    } = args;
    let specs: Vec<&str> = revs.iter().map(String::as_str).collect();
    super::check_flags(&common, &specs)?;
    let opts = options(&common)?;
    let trees = revs
        .iter()
        .map(|r| open_side(&common, r, 0))
        .collect::<Result<Vec<_>, _>>()?;
    let bar = progress::bar(trees.len() as u64, "revisions".to_string());
    let walked = history::walk(&trees, &opts, &|done| bar.set_position(done as u64));
    bar.finish_and_clear();
    let walked = walked?;
    let text = match format {
        HistoryFormat::Text => history::text(&walked),
        HistoryFormat::Json => history::json(&walked),
    };
    emit(&common, &text)?;
    let changed = walked.steps.iter().any(|s| !s.kinds.is_empty());
    Ok(if changed { 1 } else { 0 })
}
