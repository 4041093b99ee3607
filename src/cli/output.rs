//! What a subcommand writes: its output (standard output or `--output`, in colour only on a
//! terminal), and warnings on standard error.

use super::Common;
use crate::error::Error;
use crate::report;
use std::io::{IsTerminal, Write};

/// Every note on standard error, as `REVISION: FILE:LINE: message` (no line when it is 0).
pub(super) fn warn(notes: &[report::Note]) {
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

/// A `--userspace` tree's warnings on standard error.
pub(super) fn warn_userspace(tree: &crate::userspace::TreeInfo) {
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
