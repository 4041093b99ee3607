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
    #[error("--userspace {path}: {reason}")]
    Userspace { path: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Output { path: String, reason: String },
}
