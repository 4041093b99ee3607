//! `uapi-diff audit`: the DRM and accel items no userspace tree uses.

use super::arch::options;
use super::output::{emit, warn_userspace};
use super::sides::open;
use super::{Common, HistoryFormat};
use crate::error::Error;
use crate::userspace::audit;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    rev: String,
    /// Only the items added since this revision.
    #[arg(long)]
    since: Option<String>,
    /// A userspace source tree to find uses in (repeatable).
    #[arg(long, value_name = "DIR", required = true)]
    userspace: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: HistoryFormat,
    #[command(flatten)]
    common: Common,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        rev,
        since,
        userspace,
        format,
        common,
    } = args;
    let specs: Vec<&str> = since
        .iter()
        .map(String::as_str)
        .chain([rev.as_str()])
        .collect();
    super::check_flags(&common, &specs)?;
    let opts = options(&common)?;
    let at = open(&common, &rev, 1)?;
    let since = since.map(|s| open(&common, &s, 0)).transpose()?;
    let audit = audit::run(&at, since.as_ref(), &opts, &userspace)?;
    for t in &audit.userspace {
        warn_userspace(&common, t);
    }
    let text = match format {
        HistoryFormat::Text => audit::text(&audit),
        HistoryFormat::Json => audit::json(&audit),
    };
    emit(&common, &text)?;
    Ok(0)
}
