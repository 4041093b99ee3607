//! What a subcommand writes: its output (standard output or `--output`, in colour only on a
//! terminal), and warnings on standard error.

use super::Common;
use crate::error::Error;
use crate::report;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};

/// Notes shown one by one up to this many; past it, one line says how many (`--verbose` shows
/// them all): the same notes of a tree would otherwise bury the output on every run.
const NOTES_SHOWN: usize = 10;

/// The notes on standard error, as `REVISION: FILE:LINE: message` (no line when it is 0): all of
/// them with `--verbose` or when there are few, a count otherwise, none with `--quiet`.
pub(super) fn warn(common: &Common, notes: &[report::Note]) {
    if common.quiet {
        return;
    }
    if !common.verbose && notes.len() > NOTES_SHOWN {
        let files: BTreeSet<&str> = notes.iter().map(|n| n.file.as_str()).collect();
        let files = match files.len() {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        };
        eprintln!(
            "uapi-diff: {} notes on {files} (facts not computed, text not read): --verbose lists them, \
--format json reports them as `notes`, --quiet hides this line",
            notes.len()
        );
        return;
    }
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

/// A `--userspace` tree's warnings on standard error (none with `--quiet`).
pub(super) fn warn_userspace(common: &Common, tree: &crate::userspace::TreeInfo) {
    if common.quiet {
        return;
    }
    for w in &tree.warnings {
        eprintln!("uapi-diff: warning: --userspace {}: {w}", tree.path);
    }
}

/// Colour only for a terminal on standard output, and never with NO_COLOR set.
pub(super) fn use_color(common: &Common) -> bool {
    common.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `-o FILE` can be written: its directory exists and FILE is no directory (checked before any
/// work, so a typo does not cost a whole computation).
pub(super) fn check_output(common: &Common) -> Result<(), Error> {
    let Some(path) = &common.output else {
        return Ok(());
    };
    let fail = |reason: String| Error::Output {
        path: path.display().to_string(),
        reason,
    };
    if path.is_dir() {
        return Err(fail("it is a directory".to_string()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(fail(format!("`{}` is not a directory", dir.display()))),
        Ok(m) if m.permissions().readonly() => {
            Err(fail(format!("directory `{}` is read-only", dir.display())))
        }
        Ok(_) => Ok(()),
        Err(_) => Err(fail(format!("no directory `{}`", dir.display()))),
    }
}

/// Writes the whole output at once, so a failure never leaves partial output behind.
pub(super) fn emit(common: &Common, text: &str) -> Result<(), Error> {
    match &common.output {
        Some(path) => write_file(path, text),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
            Ok(())
        }
    }
}

/// Writes a file the user named (`--output`, `--plot`).
pub(super) fn write_file(path: &std::path::Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}
