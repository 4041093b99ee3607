//! Command-line interface: flags and subcommands (clap), and the glue from them to the library.
//! Exit status: 0 no change (or success), 1 changes found / check failed, 2 error.

use crate::error::Error;
use crate::gate::{self, FailOn};
use crate::model::{arch::ARCHES, Arch};
use crate::pipeline::{self, Options};
use crate::report;
use crate::snapshot::{self, Side};
use crate::source::layout::LayoutKind;
use crate::source::Tree;
use crate::{all_arches, history, progress};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
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
    /// Target architecture: its arch/<dir>/include/uapi serves <asm/...> and its ABI (gcc's Linux
    /// target) sets layouts. x86 (x86_64), i386, alpha, arc, arm (EABI), arm64, csky, hexagon,
    /// ia64, loongarch (64), m68k, microblaze (big-endian), mips/mipsel (o32), mips64/mips64el
    /// (n64), nios2, openrisc, parisc/parisc64, powerpc (32-bit BE), powerpc64 (BE), powerpc64le,
    /// riscv32/riscv64, s390x, sh (sh4 LE), sparc/sparc64, xtensa (BE). A bare directory name is
    /// the kernel's default for ARCH=<dir>: riscv = riscv64, s390 = s390x; x86_64 and aarch64 work.
    #[arg(long, default_value = "x86", global = true)]
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

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// JUnit XML: one test case per change `--fail-on` checks (default any).
    Junit,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    Text,
    Json,
    Markdown,
    /// The snapshot file format (README, "Snapshots"): commit it, diff against it.
    Snapshot,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compare the uAPI of two revisions (git revisions, or two directories), or of a revision
    /// and a patch series applied to it (`diff BASE --series PATCHES`).
    Diff {
        old: String,
        #[arg(required_unless_present = "series")]
        new: Option<String>,
        #[command(flatten)]
        series: SeriesArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// CI gate: exit 1 only for these changes, unless the ledger accepts them (default: exit 1
        /// on any change).
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// The ledger of accepted breaks and evidence (default: Documentation/gpu/uapi-ledger.toml
        /// in NEW's tree, if any).
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// OLD is a snapshot file: write NEW's snapshot over it, then exit 0.
        #[arg(long)]
        update: bool,
        #[command(flatten)]
        arches: AllArches,
        #[command(flatten)]
        common: Common,
    },
    /// List every uAPI item of one revision with its computed facts.
    Dump {
        rev: String,
        #[arg(long, value_enum, default_value = "json")]
        format: DumpFormat,
        #[command(flatten)]
        common: Common,
    },
    /// The reviewer's checklist: every uAPI item that needs open-source userspace, by area, with
    /// its evidence. With --check, exit 1 while an item has none.
    Checklist {
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
        /// Exit 1 while an item lacks evidence in the ledger (for CI).
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        select: ChecklistSelect,
        #[command(flatten)]
        arches: AllArches,
        #[command(flatten)]
        common: Common,
    },
    /// The evidence ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Walk revisions in order, diffing each with the one before: a summary per step. Each blob
    /// is parsed once for the whole walk.
    History {
        #[arg(required = true, num_args = 2..)]
        revs: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: HistoryFormat,
        #[command(flatten)]
        common: Common,
    },
    /// A userspace project's copy of uAPI headers (Mesa's or IGT's include/drm-uapi, libdrm's
    /// include/drm) against kernel revisions: the one it matches best (fewest differing items), the
    /// differences from it, and the copy's items that no revision has.
    Drift {
        copy: String,
        /// Revisions of -C REPO (or directories); `A..B` is every commit of B ^A changing the uAPI.
        #[arg(required = true, num_args = 1..)]
        revs: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: HistoryFormat,
        #[command(flatten)]
        common: Common,
    },
    /// uAPI without users: the DRM and accel items at REV (or added since --since) that no
    /// --userspace tree uses, grouped as the checklist groups them.
    Audit {
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
    },
    /// Check commands for b4: one patch on standard input (README, "b4").
    B4 {
        #[command(subcommand)]
        command: B4Command,
    },
    /// List the classification rules.
    Rules,
    /// Explain one rule: why it matters and the document it comes from.
    Explain { rule: String },
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
}

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
}

#[derive(Subcommand, Debug)]
pub enum B4Command {
    /// For b4.prep-perpatch-check-cmd and b4.am-perpatch-check-cmd: a checkpatch-style line
    /// (`FILE:LINE: ERROR|WARNING: …`) per breaking change or new uAPI; nothing when clean.
    Check {
        #[command(flatten)]
        base: B4Base,
        #[command(flatten)]
        common: Common,
    },
    /// For b4.review-perpatch-check-cmd: `[{"tool","status","summary","url","details"}]`.
    Review {
        #[command(flatten)]
        base: B4Base,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub struct B4Base {
    /// The revision a patch applies to, unless its `From <commit>` line names a commit of the
    /// repository (then that commit's parent).
    #[arg(long, default_value = "HEAD")]
    base: String,
}

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

fn options(common: &Common) -> Result<Options, Error> {
    let arch = Arch::by_name(&common.arch).ok_or_else(|| {
        Error::UnknownArch(
            common.arch.clone(),
            ARCHES.iter().map(|a| a.name).collect::<Vec<_>>().join(", "),
        )
    })?;
    Ok(Options {
        arch,
        kms: !common.no_kms,
    })
}

fn execute(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Diff {
            old,
            new,
            series,
            format,
            fail_on,
            ledger,
            update,
            arches,
            common,
        } => {
            let opts = options(&common)?;
            let old_side = open_side(&common, &old, 0)?;
            let (new_side, touched) = open_new(&common, &old, new.as_deref(), &series)?;
            let new = side_label(&new_side);
            let spinner = progress::spinner(format!("diffing {old} → {new}"));
            let report = match (arches.all_arches, old_side.tree(), new_side.tree()) {
                (true, Some(o), Some(n)) => {
                    all_arches::diff(o, n, &all_arches::every_arch(), opts.kms)
                }
                (true, _, _) => Err(Error::SnapshotAllArches),
                (false, _, _) => {
                    snapshot::diff(&old_side, &new_side, &opts, &Default::default(), update)
                }
            };
            spinner.finish_and_clear();
            let mut report = report?;
            if let Some(touched) = &touched {
                crate::series::retain_touched(&mut report.notes, touched);
            }
            if report.old.commit.is_some() && report.old.commit == report.new.commit {
                eprintln!("uapi-diff: note: `{old}` and `{new}` are the same commit: no change");
            }
            warn(&report.notes);
            let color = use_color(&common);
            let gated = fail_on.is_some() || format == Format::Junit;
            let ledger = match gated {
                true => crate::checklist::read_ledger(new_side.tree(), ledger.as_deref())?,
                false => None,
            };
            let verdict = gate::check(&report, ledger.as_ref(), fail_on.unwrap_or(FailOn::Any));
            let text = match format {
                Format::Text => report::text(&report, color),
                Format::Json => report::json(&report),
                Format::Markdown => report::markdown(&report),
                Format::Junit => gate::junit(&report, &verdict),
            };
            emit(&common, &text)?;
            if update {
                eprintln!("uapi-diff: updated snapshot {old} to {new}");
                return Ok(0);
            }
            if fail_on.is_none() {
                return Ok(if report.changes.is_empty() { 0 } else { 1 });
            }
            eprint!("{}", gate::summary(&verdict));
            Ok(if verdict.passed() { 0 } else { 1 })
        }
        Command::Dump {
            rev,
            format,
            common,
        } => {
            let opts = options(&common)?;
            let tree = open(&common, &rev, 0)?;
            let (entries, notes) = pipeline::list_headers(&tree, &opts)?;
            let snap = pipeline::snapshot(
                &tree,
                &entries,
                notes,
                &pipeline::ParseCache::default(),
                &opts,
            )?;
            warn(&snap.notes);
            let text = match format {
                DumpFormat::Json => report::dump_json(&snap.revision, &snap.model, &snap.notes),
                DumpFormat::Text | DumpFormat::Markdown => report::dump_text(&snap.model),
                DumpFormat::Snapshot => crate::snapshot::write(&snap),
            };
            emit(&common, &text)?;
            Ok(0)
        }
        Command::Checklist {
            old,
            new,
            series,
            format,
            ledger,
            check,
            select,
            arches,
            common,
        } => {
            let (new, _) = open_new(&common, &old, new.as_deref(), &series)?;
            let cl = checklist(&old, &new, ledger, &select, arches.all_arches, &common)?;
            let text = match format {
                ChecklistFormat::Markdown => crate::checklist::markdown(&cl),
                ChecklistFormat::Text => crate::checklist::text(&cl),
                ChecklistFormat::Json => crate::checklist::json(&cl),
                ChecklistFormat::Sarif => crate::checklist::sarif(&cl),
                ChecklistFormat::Github => crate::checklist::github(&cl),
                ChecklistFormat::Junit => crate::junit::checklist(&cl),
            };
            emit(&common, &text)?;
            for f in cl.stale.iter().chain(&cl.warnings) {
                eprintln!(
                    "uapi-diff: warning: {}:{}: {}: {}",
                    f.file, f.line, f.id, f.message
                );
            }
            if !check || cl.summary.missing == 0 {
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
                "uapi-diff: check failed: {} of {} items have no evidence: {}{}",
                missing.len(),
                cl.summary.items,
                missing[..missing.len().min(SHOWN)].join(", "),
                if missing.len() > SHOWN { ", …" } else { "" }
            );
            Ok(1)
        }
        Command::Ledger {
            command:
                LedgerCommand::Init {
                    old,
                    new,
                    series,
                    select,
                    common,
                },
        } => {
            let (new, _) = open_new(&common, &old, new.as_deref(), &series)?;
            let cl = checklist(&old, &new, None, &select, false, &common)?;
            emit(&common, &crate::checklist::ledger_skeleton(&cl))?;
            Ok(0)
        }
        Command::History {
            revs,
            format,
            common,
        } => {
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
        Command::Drift {
            copy,
            revs,
            format,
            common,
        } => {
            let opts = options(&common)?;
            let copy = open(&common, &copy, 1)?;
            let revisions = crate::copies::expand_revisions(&common.repo, &revs, &opts)?
                .iter()
                .map(|r| open(&common, r, 0))
                .collect::<Result<Vec<_>, _>>()?;
            let spinner = progress::spinner(format!(
                "comparing {} with {} revision(s)",
                copy.label(),
                revisions.len()
            ));
            let drift = crate::copies::drift(&copy, &revisions, &opts);
            spinner.finish_and_clear();
            let drift = drift?;
            warn(&drift.differences.notes);
            let text = match format {
                HistoryFormat::Text => crate::copies::text(&drift, use_color(&common)),
                HistoryFormat::Json => crate::copies::json(&drift),
            };
            emit(&common, &text)?;
            Ok(if drift.differences.changes.is_empty() {
                0
            } else {
                1
            })
        }
        Command::B4 { command } => {
            let (base, common, review) = match command {
                B4Command::Check { base, common } => (base, common, false),
                B4Command::Review { base, common } => (base, common, true),
            };
            let mut input = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut input).map_err(|e| {
                Error::Series(format!("cannot read the patch from standard input: {e}"))
            })?;
            let findings =
                crate::series::b4::findings(&common.repo, &base.base, &input, &options(&common)?)?;
            let text = if review {
                crate::series::b4::review_json(&findings)
            } else {
                crate::series::b4::check_lines(&findings)
            };
            emit(&common, &text)?;
            Ok(0)
        }
        Command::Audit {
            rev,
            since,
            userspace,
            format,
            common,
        } => {
            let opts = options(&common)?;
            let at = open(&common, &rev, 1)?;
            let since = since.map(|s| open(&common, &s, 0)).transpose()?;
            let audit = crate::userspace::audit::run(&at, since.as_ref(), &opts, &userspace)?;
            for t in &audit.userspace {
                warn_userspace(t);
            }
            let text = match format {
                HistoryFormat::Text => crate::userspace::audit::text(&audit),
                HistoryFormat::Json => crate::userspace::audit::json(&audit),
            };
            emit(&common, &text)?;
            Ok(0)
        }
        Command::Rules => {
            let mut out = String::new();
            for r in crate::rules::CATALOG.iter().chain(crate::rules::HINTS) {
                out.push_str(&format!(
                    "{:<28} {:<16} {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.summary
                ));
            }
            print!("{out}");
            Ok(0)
        }
        Command::Explain { rule } => match crate::rules::find(&rule) {
            Some(r) => {
                println!(
                    "{} ({})\n\n{}\n\n{}\n\nReference: {}",
                    r.id,
                    r.severity.as_str(),
                    r.summary,
                    r.explanation,
                    r.reference
                );
                Ok(0)
            }
            None => {
                eprintln!("uapi-diff: error: unknown rule `{rule}` (see `uapi-diff rules`)");
                Ok(2)
            }
        },
    }
}

/// Every note on standard error, as `REVISION: FILE:LINE: message` (no line when it is 0).
fn warn(notes: &[report::Note]) {
    for n in notes {
        match n.line {
            0 => eprintln!(
                "uapi-diff: warning: {}: {}: {}",
                n.revision, n.file, n.message
            ),
            line => eprintln!(
                "uapi-diff: warning: {}: {}:{line}: {}",
                n.revision, n.file, n.message
            ),
        }
    }
}

/// NEW: a revision, directory or snapshot file, or OLD with `--series` applied (its skipped
/// patches noted on standard error), with the files the series touches.
fn open_new(
    common: &Common,
    old: &str,
    new: Option<&str>,
    series: &SeriesArg,
) -> Result<(Side, Option<std::collections::BTreeSet<String>>), Error> {
    match (new, series.series.as_deref()) {
        (_, Some(patches)) => {
            let applied =
                crate::series::apply(open(common, old, 0)?, &crate::series::read(patches)?)?;
            for patch in &applied.skipped {
                eprintln!("uapi-diff: note: {patch} touches no file uapi-diff reads: skipped");
            }
            Ok((Side::Tree(applied.tree), Some(applied.touched)))
        }
        (Some(new), None) => Ok((open_side(common, new, 1)?, None)),
        (None, None) => Err(Error::Series(
            "no NEW revision and no --series PATCHES".to_string(),
        )),
    }
}

fn checklist(
    old: &str,
    new_side: &Side,
    ledger: Option<PathBuf>,
    select: &ChecklistSelect,
    all_arches: bool,
    common: &Common,
) -> Result<crate::checklist::Checklist, Error> {
    let opts = crate::checklist::Options {
        pipeline: options(common)?,
        merged_arches: all_arches.then(all_arches::every_arch),
        ledger,
        attribution: !select.no_attribution,
        areas: select.area.clone(),
        userspace: select.userspace.clone(),
    };
    let old_side = open_side(common, old, 0)?;
    let cl = crate::checklist::run(&old_side, new_side, &opts)?;
    for t in cl.userspace.iter().flatten() {
        warn_userspace(t);
    }
    Ok(cl)
}

fn warn_userspace(tree: &crate::userspace::TreeInfo) {
    for w in &tree.warnings {
        eprintln!("uapi-diff: warning: --userspace {}: {w}", tree.path);
    }
}

/// Opens side `side` (0 old, 1 new) with the `--layout` it is given: one `--layout` applies to
/// every directory side, two to OLD and NEW.
fn open(common: &Common, spec: &str, side: usize) -> Result<Tree, Error> {
    let tree = Tree::open(&common.repo, spec)?;
    let layout = match common.layout.as_slice() {
        [every] => tree.is_directory().then_some(*every),
        per_side => per_side.get(side).copied(),
    };
    Ok(tree.with_layout(layout))
}

/// A revision argument: a snapshot file, else a revision or directory opened as [`open`] does.
fn open_side(common: &Common, spec: &str, side: usize) -> Result<Side, Error> {
    Side::open_with(spec, |spec| open(common, spec, side))
}

/// How a side is named in messages: the spec as given, or the series' `BASE + PATCHES`.
fn side_label(side: &Side) -> String {
    match side {
        Side::Tree(tree) => tree.label().to_string(),
        Side::Snapshot(path) => path.display().to_string(),
    }
}

/// Colour only for a terminal on standard output, and never with NO_COLOR set.
fn use_color(common: &Common) -> bool {
    common.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes the whole output at once, so a failure never leaves partial output behind.
fn emit(common: &Common, text: &str) -> Result<(), Error> {
    match &common.output {
        Some(path) => std::fs::write(path, text).map_err(|e| Error::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
            Ok(())
        }
    }
}
