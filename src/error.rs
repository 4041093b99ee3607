//! Errors that stop a run (exit status 2). Each names the revision, path or argument at fault.

use crate::source::layout::{LayoutError, ListError};
use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("revision `{revision}` has no include/uapi directory: is this a Linux kernel tree?")]
    NoUapi { revision: String },
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error("no revision to compare the copy `{copy}` with")]
    NoRevisions { copy: String },
    #[error("unknown architecture `{0}` (known: {1})")]
    UnknownArch(String, String),
    /// The cache of earlier runs cannot be opened or cleared (`uapi-diff cache`).
    #[error("cache: {0}")]
    Cache(String),
    #[error("ledger {ledger}: {reason}")]
    Ledger { ledger: String, reason: String },
    /// A policy config (`uapi-diff.toml`) that cannot be read: the message names the file, the
    /// line and the key.
    #[error("config {0}")]
    Config(String),
    /// A patch series that cannot be read or applied; the message names the patch (N/M and
    /// subject), the file and the line.
    #[error("{0}")]
    Series(String),
    /// A snapshot file that cannot be read (line 0: the file as a whole).
    #[error("snapshot {file}:{line}: {reason}")]
    Snapshot {
        file: String,
        line: u32,
        reason: String,
    },
    #[error("--all-arches diffs revisions: a snapshot file holds one arch")]
    SnapshotAllArches,
    #[error(
        "--update writes a snapshot file over OLD, and `{0}` is a revision, not a snapshot file"
    )]
    UpdateNeedsSnapshot(String),
    #[error("--userspace {path}: {reason}")]
    Userspace { path: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Output { path: String, reason: String },
    /// Flags that contradict each other or the sides given, found before any work.
    #[error("{0}")]
    Usage(String),
}

impl From<ListError> for Error {
    fn from(e: ListError) -> Error {
        match e {
            ListError::Layout(e) => Error::Layout(e),
            ListError::Source(e) => Error::Source(e),
        }
    }
}
