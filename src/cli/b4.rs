//! `uapi-diff b4 check|review`: the per-patch check commands b4 runs, one patch on standard input.

use super::arch::options;
use super::output::emit;
use super::Common;
use crate::error::Error;
use crate::series::b4;
use clap::Subcommand;

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

pub(super) fn run(command: B4Command) -> Result<i32, Error> {
    let (base, common, review) = match command {
        B4Command::Check { base, common } => (base, common, false),
        B4Command::Review { base, common } => (base, common, true),
    };
    let mut input = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
        .map_err(|e| Error::Series(format!("cannot read the patch from standard input: {e}")))?;
    let findings = b4::findings(&common.repo, &base.base, &input, &options(&common)?)?;
    let text = if review {
        b4::review_json(&findings)
    } else {
        b4::check_lines(&findings)
    };
    emit(&common, &text)?;
    Ok(0)
}
