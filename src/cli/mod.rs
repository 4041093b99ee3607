//! Command-line interface: the flags and subcommands (clap) and their dispatch. Each subcommand
//! lives in its own file, with its own flags: it opens its sides (`sides`), calls the library and
//! writes the result (`output`). `--arch` and `--all-arches` are read in one place (`arch`).
//! Exit status: 0 no change (or success), 1 changes found / check failed, 2 error.

mod arch;
mod audit;
mod b4;
mod checklist;
mod diff;
mod drift;
mod dump;
mod history;
mod ledger;
mod output;
mod rules;
mod sides;
mod since;

use crate::error::Error;
use crate::source::layout::LayoutKind;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "uapi-diff",
    version,
    about = "Semantic diff of the Linux kernel userspace API between two revisions"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// The kernel git repository (revisions are read from its objects; nothing is checked out).
    #[arg(short = 'C', long = "repo", default_value = ".", global = true)]
    pub repo: PathBuf,
    #[arg(long, default_value = "x86", global = true, help = arch::help())]
    pub arch: String,
    /// Skip the DRM KMS properties (drivers/gpu/drm): headers only.
    #[arg(long, global = true)]
    pub no_kms: bool,
    /// How to read a directory side instead of detecting its layout (see README "Directory
    /// layouts"). Once: every directory side; twice: OLD's, then NEW's.
    #[arg(long, value_enum, global = true)]
    pub layout: Vec<LayoutKind>,
    /// Write the output to FILE instead of standard output.
    #[arg(short = 'o', long = "output", global = true)]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct AllArches {
    /// Diff every arch --arch knows, one at a time, and report each change once with the arches
    /// it holds for (one entry per group of arches where its facts differ).
    #[arg(long, conflicts_with = "arch")]
    pub all_arches: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct SeriesArg {
    /// NEW is OLD with these patches applied in memory, in order (an mbox, a `git format-patch`
    /// file, a directory of them, or - for standard input).
    #[arg(long, value_name = "PATCHES", conflicts_with = "new")]
    pub series: Option<String>,
}

/// The output formats of the subcommands that report in text or JSON only.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compare the uAPI of two revisions (git revisions, or two directories), or of a revision
    /// and a patch series applied to it (`diff BASE --series PATCHES`).
    Diff(diff::Args),
    /// List every uAPI item of one revision with its computed facts.
    Dump(dump::Args),
    /// The reviewer's checklist: every uAPI item that needs open-source userspace, by area, with
    /// its evidence. With --check, exit 1 while an item has none.
    Checklist(checklist::Args),
    /// The evidence ledger.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// Walk revisions in order, diffing each with the one before: a summary per step. Each blob
    /// is parsed once for the whole walk.
    History(history::Args),
    /// Every item the revisions have or had: the revision it first appears in (per arch), the
    /// revisions where it changed and the last one that has it, as JSON or a TSV table.
    Since(since::Args),
    /// A userspace project's copy of uAPI headers (Mesa's or IGT's include/drm-uapi, libdrm's
    /// include/drm) against kernel revisions: the one it matches best (fewest differing items), the
    /// differences from it, and the copy's items that no revision has.
    Drift(drift::Args),
    /// uAPI without users: the DRM and accel items at REV (or added since --since) that no
    /// --userspace tree uses, grouped as the checklist groups them.
    Audit(audit::Args),
    /// Check commands for b4: one patch on standard input (README, "b4").
    B4 {
        #[command(subcommand)]
        command: b4::B4Command,
    },
    /// List the classification rules.
    Rules,
    /// Explain one rule: why it matters, the document it comes from, and the policy applied to it.
    Explain {
        rule: String,
        /// The policy config to report on (default: the built-in policy).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Runs the CLI; returns the exit status.
pub fn run(cli: Cli) -> i32 {
    match execute(cli) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("uapi-diff: error: {e}");
            2
        }
    }
}

fn execute(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Diff(args) => diff::run(args),
        Command::Dump(args) => dump::run(args),
        Command::Checklist(args) => checklist::run(args),
        Command::Ledger { command } => ledger::run(command),
        Command::History(args) => history::run(args),
        Command::Since(args) => since::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Audit(args) => audit::run(args),
        Command::B4 { command } => b4::run(command),
        Command::Rules => Ok(rules::list()),
        Command::Explain { rule, config } => {
            let policy = crate::checklist::read_policy(None, config.as_deref(), None)?;
            Ok(rules::explain(&rule, &policy))
        }
    }
}
