//! `uapi-diff ledger init`: a ledger skeleton with an entry per checklist item.

use super::checklist::{build, ChecklistSelect};
use super::output::emit;
use super::sides::open_new;
use super::{Common, SeriesArg};
use crate::error::Error;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Write a ledger skeleton: an entry per checklist item, with its place and candidate evidence.
    Init {
        old: String,
        #[arg(required_unless_present = "series")]
        new: Option<String>,
        #[command(flatten)]
        series: SeriesArg,
        #[command(flatten)]
        select: ChecklistSelect,
        #[command(flatten)]
        common: Common,
    },
}

pub(super) fn run(command: LedgerCommand) -> Result<i32, Error> {
    let LedgerCommand::Init {
        old,
        new,
        series,
        select,
        common,
    } = command;
    super::check_pair_flags(&common, &old, new.as_deref())?;
    let (new, _) = open_new(&common, &old, new.as_deref(), &series)?;
    let cl = build(&old, &new, None, &select, None, &common)?;
    emit(&common, &crate::checklist::ledger_skeleton(&cl))?;
    Ok(0)
}
