//! Errors that stop a run (exit status 2). Each names the revision, path or argument at fault.

use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("revision `{revision}` has no include/uapi directory: is this a Linux kernel tree?")]
    NoUapi { revision: String },
    #[error("unknown architecture `{0}` (known: {1})")]
    UnknownArch(String, String),
    #[error("ledger {ledger}: {reason}")]
    Ledger { ledger: String, reason: String },
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
    #[error("cannot write {path}: {reason}")]
    Output { path: String, reason: String },
}
