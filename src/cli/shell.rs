//! `uapi-diff completions SHELL` and `uapi-diff man`: generated from the clap definitions, so they
//! list exactly the flags `--help` does.

use super::Cli;
use crate::error::Error;
use clap::CommandFactory;
use std::path::Path;

/// The completion script for `shell` on standard output.
pub(super) fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "uapi-diff", &mut std::io::stdout());
    0
}

/// The man page on standard output, or with `dir` the pages of the command and of each subcommand
/// (`uapi-diff-diff.1`…) written there.
pub(super) fn man(dir: Option<&Path>) -> Result<i32, Error> {
    let cmd = Cli::command();
    let write_err = |path: &Path, e: std::io::Error| Error::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut page)
            .map_err(|e| write_err(Path::new("standard output"), e))?;
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = std::io::Write::write_all(&mut out, &page);
        return Ok(0);
    };
    clap_mangen::generate_to(cmd, dir).map_err(|e| write_err(dir, e))?;
    Ok(0)
}
