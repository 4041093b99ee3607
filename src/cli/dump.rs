//! `uapi-diff dump`: every uAPI item of one revision with its facts, or its snapshot file.

use super::arch::options;
use super::output::{emit, warn};
use super::sides::open;
use super::Common;
use crate::error::Error;
use crate::{pipeline, report};
use clap::ValueEnum;

#[derive(clap::Args, Debug)]
pub struct Args {
    rev: String,
    #[arg(long, value_enum, default_value = "json")]
    format: DumpFormat,
    #[command(flatten)]
    common: Common,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    Text,
    Json,
    Markdown,
    /// The snapshot file format (docs/snapshot.md): commit it, diff against it.
    Snapshot,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        rev,
        format,
        common,
    } = args;
    super::check_flags(&common, &[&rev])?;
    let opts = options(&common)?;
    let tree = open(&common, &rev, 0)?;
    let snap = pipeline::revision_snapshot(&tree, &pipeline::ParseCache::default(), &opts)?;
    warn(&common, &snap.notes);
    let text = match format {
        DumpFormat::Json => report::dump_json(&snap.revision, &snap.model, &snap.notes),
        DumpFormat::Text | DumpFormat::Markdown => report::dump_text(&snap.model),
        DumpFormat::Snapshot => crate::snapshot::write_for(&snap, &tree),
    };
    emit(&common, &text)?;
    Ok(0)
}
