//! `uapi-diff drift`: a userspace copy of the uAPI headers against kernel revisions.

use super::arch::options;
use super::output::{emit, use_color, warn};
use super::sides::open;
use super::{Common, HistoryFormat};
use crate::copies;
use crate::error::Error;
use crate::progress;

#[derive(clap::Args, Debug)]
pub struct Args {
    copy: String,
    /// Revisions of -C REPO (or directories); `A..B` is every commit of B ^A changing the uAPI.
    #[arg(required = true, num_args = 1..)]
    revs: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: HistoryFormat,
    #[command(flatten)]
    common: Common,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        copy,
        revs,
        format,
        common,
    } = args;
    super::check_flags(&common, &[&copy])?;
    let opts = options(&common)?;
    let copy = open(&common, &copy, 1)?;
    let revisions = copies::expand_revisions(&common.repo, &revs, &opts)?
        .iter()
        .map(|r| open(&common, r, 0))
        .collect::<Result<Vec<_>, _>>()?;
    let spinner = progress::spinner(format!(
        "comparing {} with {} revision(s)",
        copy.label(),
        revisions.len()
    ));
    let drift = copies::drift(&copy, &revisions, &opts);
    spinner.finish_and_clear();
    let drift = drift?;
    warn(&common, &drift.differences.notes);
    let text = match format {
        HistoryFormat::Text => copies::text(&drift, use_color(&common)),
        HistoryFormat::Json => copies::json(&drift),
    };
    emit(&common, &text)?;
    Ok(if drift.differences.changes.is_empty() {
        0
    } else {
        1
    })
}
