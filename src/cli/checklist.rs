//! `uapi-diff checklist`: the reviewer's checklist of OLD → NEW; with `--check`, a CI gate on
//! the items that lack evidence.

use super::arch::options;
use super::output::{emit, warn_userspace};
use super::sides::{open_new_and_series, open_side};
use super::{AllArches, Common, SeriesArg};
use crate::checklist::{self, Checklist};
use crate::error::Error;
use crate::model::Arch;
use crate::snapshot::Side;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    old: String,
    #[arg(required_unless_present = "series")]
    new: Option<String>,
    #[command(flatten)]
    series: SeriesArg,
    #[arg(long, value_enum, default_value = "markdown")]
    format: ChecklistFormat,
    /// The evidence ledger (default: Documentation/gpu/uapi-ledger.toml in NEW's tree, if any).
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Exit 1 while an item lacks its evidence (or a break its acceptance) in the ledger (for CI).
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    select: ChecklistSelect,
    #[command(flatten)]
    arches: AllArches,
    #[command(flatten)]
    common: Common,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChecklistFormat {
    Markdown,
    Text,
    Json,
    Sarif,
    Github,
    /// JUnit XML: one test case per item, failing while it lacks evidence.
    Junit,
    /// A review reply to the series' mails, for git send-email or a mail client (with --series).
    Mail,
}

// Which items the checklist holds and what it looks for (`checklist`, `ledger init`); a plain
// comment, as a doc comment here would become the subcommands' help.
#[derive(clap::Args, Debug, Clone)]
pub struct ChecklistSelect {
    /// Do not look for the commits that introduced each item.
    #[arg(long)]
    no_attribution: bool,
    /// Only these areas (repeatable; default all).
    #[arg(long, value_enum)]
    area: Vec<crate::change::area::Area>,
    /// A userspace source tree (Mesa, libdrm, IGT…) to find each item's uses in (repeatable).
    #[arg(long, value_name = "DIR")]
    userspace: Vec<PathBuf>,
    /// The policy config (default: uapi-diff.toml beside the ledger, if any; docs/config.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub(super) fn run(args: Args) -> Result<i32, Error> {
    let Args {
        old,
        new,
        series,
        format,
        ledger,
        check,
        select,
        arches,
        common,
    } = args;
    super::check_pair_flags(&common, &old, new.as_deref())?;
    if format == ChecklistFormat::Mail && series.series.is_none() {
        return Err(mail_needs_series());
    }
    let (new, _, patches) = open_new_and_series(&common, &old, new.as_deref(), &series)?;
    let cl = build(&old, &new, ledger, &select, arches.merged(), &common)?;
    let text = match format {
        ChecklistFormat::Markdown => checklist::markdown(&cl),
        ChecklistFormat::Text => checklist::text(&cl),
        ChecklistFormat::Json => checklist::json(&cl),
        ChecklistFormat::Sarif => checklist::sarif(&cl),
        ChecklistFormat::Github => checklist::github(&cl),
        ChecklistFormat::Junit => crate::checklist::junit(&cl),
        ChecklistFormat::Mail => {
            let series = patches.as_ref().ok_or_else(mail_needs_series)?;
            crate::series::reply::reply(&cl, series, reviewer().as_deref())
        }
    };
    emit(&common, &text)?;
    for f in cl.stale.iter().chain(&cl.warnings) {
        eprintln!(
            "uapi-diff: warning: {}:{}: {}: {}",
            f.file, f.line, f.id, f.message
        );
    }
    if !check || cl.summary.missing + cl.summary.breaking_missing == 0 {
        return Ok(0);
    }
    let missing: Vec<&str> = cl
        .groups
        .iter()
        .flat_map(|g| &g.items)
        .filter(|i| !i.justified)
        .map(|i| i.id.as_str())
        .collect();
    const SHOWN: usize = 20;
    eprintln!(
        "uapi-diff: check failed: {} of {} items lack their evidence or justification: {}{}",
        missing.len(),
        cl.summary.items,
        missing[..missing.len().min(SHOWN)].join(", "),
        if missing.len() > SHOWN { ", …" } else { "" }
    );
    Ok(1)
}

/// The checklist of OLD (opened here) → `new_side` (for `merged_arches`, if any, else `--arch`),
/// its `--userspace` warnings shown.
pub(super) fn build(
    old: &str,
    new_side: &Side,
    ledger: Option<PathBuf>,
    select: &ChecklistSelect,
    merged_arches: Option<Vec<&'static Arch>>,
    common: &Common,
) -> Result<Checklist, Error> {
    let opts = checklist::Options {
        pipeline: options(common)?,
        merged_arches,
        ledger,
        attribution: !select.no_attribution,
        areas: select.area.clone(),
        userspace: select.userspace.clone(),
        config: select.config.clone(),
    };
    let old_side = open_side(common, old, 0)?;
    let cl = checklist::run(&old_side, new_side, &opts)?;
    for t in cl.userspace.iter().flatten() {
        warn_userspace(common, t);
    }
    Ok(cl)
}

fn mail_needs_series() -> Error {
    Error::Usage(
        "--format mail writes a reply to a series' mails: give BASE --series PATCHES".into(),
    )
}

/// The reviewer as git knows them: `user.name` and `user.email` of the user's own git config
/// (`$XDG_CONFIG_HOME/git/config`, `~/.gitconfig`; no repository's, no system's, nothing run).
fn reviewer() -> Option<String> {
    use gix::config::{file, File, Source};
    let metas = [Source::Git, Source::User]
        .into_iter()
        .filter_map(|source| {
            let path = source.storage_location(&mut gix::path::env::var)?;
            path.is_file().then_some(file::Metadata {
                path: Some(path),
                source,
                level: 0,
                trust: gix::sec::Trust::Full,
            })
        });
    let config = File::from_paths_metadata(metas, file::init::Options::default())
        .ok()
        .flatten()?;
    let value = |key: &str| {
        config
            .string(key)
            .map(|v| v.to_string().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Some(format!(
        "{} <{}>",
        value("user.name")?,
        value("user.email")?
    ))
}
