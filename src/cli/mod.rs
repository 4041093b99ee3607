//! Command-line interface: the flags and subcommands (clap) and their dispatch. Each subcommand
//! lives in its own file, with its own flags: it opens its sides (`sides`), calls the library and
//! writes the result (`output`). `--arch` and `--all-arches` are read in one place (`arch`).
//! Exit status: 0 no change (or success), 1 changes found / check failed, 2 error.

mod arch;
mod audit;
mod b4;
mod cache;
mod checklist;
mod diff;
mod drift;
mod dump;
mod history;
mod ledger;
mod output;
mod rules;
mod shell;
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
    /// How to read a directory side instead of detecting its layout (see docs/layouts.md). Once:
    /// every directory side; twice: OLD's, then NEW's.
    #[arg(long, value_enum, global = true)]
    pub layout: Vec<LayoutKind>,
    /// Write the output to FILE instead of standard output.
    #[arg(short = 'o', long = "output", global = true)]
    pub output: Option<PathBuf>,
    /// List every note (a fact not computed, a file not read) on standard error, however many.
    #[arg(short = 'v', long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// No notes or warnings on standard error (errors are still reported).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Compute everything: neither read nor write the cache of earlier runs (`uapi-diff cache`).
    #[arg(long, global = true)]
    pub no_cache: bool,
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
    #[command(after_help = "Examples:
  uapi-diff diff v6.1 v6.12 -C ~/linux                 two tags of a kernel repository
  uapi-diff diff v6.12 --series series.mbx -C ~/linux  a patch series (b4 am) on its base
  uapi-diff diff uapi.snapshot HEAD --fail-on breaking a CI gate against a committed snapshot
  uapi-diff diff /usr/include linux-6.12 --layout installed  installed headers against a tree")]
    Diff(diff::Args),
    /// List every uAPI item of one revision with its computed facts.
    #[command(after_help = "Examples:
  uapi-diff dump v6.12 -C ~/linux --arch arm64                   every item and its facts at arm64
  uapi-diff dump HEAD --format snapshot -o uapi.snapshot          the file a CI gate diffs against")]
    Dump(dump::Args),
    /// The reviewer's checklist: every uAPI item that needs open-source userspace, by area, with
    /// its evidence. With --check, exit 1 while an item has none.
    #[command(after_help = "Examples:
  uapi-diff checklist v6.12 --series series.mbx -C ~/linux --area drm-driver
  uapi-diff checklist v6.11 v6.12 -C ~/linux --userspace ~/mesa --format json")]
    Checklist(checklist::Args),
    /// The evidence ledger.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// Walk revisions in order, diffing each with the one before: a summary per step. Each blob
    /// is parsed once for the whole walk.
    #[command(after_help = "Example:
  uapi-diff history v6.9 v6.10 v6.11 v6.12 -C ~/linux --format json")]
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
    /// Check commands for b4: one patch on standard input (docs/series.md, "b4").
    B4 {
        #[command(subcommand)]
        command: b4::B4Command,
    },
    /// The cache of earlier runs' results (README, "Cache"): its size, or empty it.
    #[command(
        after_help = "The cache lives in $UAPI_DIFF_CACHE_DIR, else $XDG_CACHE_HOME/uapi-diff, else
~/.cache/uapi-diff; it holds at most $UAPI_DIFF_CACHE_MAX_MB megabytes (default 2048)."
    )]
    Cache {
        #[command(subcommand)]
        command: cache::CacheCommand,
    },
    /// List the classification rules.
    Rules,
    /// Explain one rule: why it matters, the document it comes from, and the policy applied to it.
    #[command(after_help = "Examples:
  uapi-diff explain drm-ioctl-extended
  uapi-diff explain added --config uapi-diff.toml")]
    Explain {
        rule: String,
        /// The policy config to report on (default: the built-in policy).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write the shell completion script for SHELL on standard output.
    #[command(after_help = "Examples:
  uapi-diff completions bash > /etc/bash_completion.d/uapi-diff
  uapi-diff completions zsh > \"${fpath[1]}/_uapi-diff\"
  uapi-diff completions fish > ~/.config/fish/completions/uapi-diff.fish")]
    Completions { shell: clap_complete::Shell },
    /// Write the man page (roff) on standard output, or the pages of every subcommand into a
    /// directory.
    #[command(after_help = "Examples:
  uapi-diff man | man -l -
  uapi-diff man --dir /usr/local/share/man/man1")]
    Man {
        /// Write uapi-diff.1 and one uapi-diff-SUBCOMMAND.1 per subcommand into DIR.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// Checks what can be checked before any work: `-o` can be written, `--layout` has directory
/// sides among `specs` to apply to.
fn check_flags(common: &Common, specs: &[&str]) -> Result<(), Error> {
    output::check_output(common)?;
    sides::check_layout(common, specs)
}

/// `check_flags` for the subcommands comparing OLD with NEW (absent with `--series`).
fn check_pair_flags(common: &Common, old: &str, new: Option<&str>) -> Result<(), Error> {
    let specs: Vec<&str> = [Some(old), new].into_iter().flatten().collect();
    check_flags(common, &specs)
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
        Command::Cache { command } => cache::run(command),
        Command::Rules => Ok(rules::list()),
        Command::Explain { rule, config } => {
            let policy = crate::checklist::read_policy(None, config.as_deref(), None)?;
            Ok(rules::explain(&rule, &policy))
        }
        Command::Completions { shell } => Ok(shell::completions(shell)),
        Command::Man { dir } => shell::man(dir.as_deref()),
    }
}
