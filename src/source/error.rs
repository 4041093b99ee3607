//! What goes wrong reading a revision: [`SourceError`] stops the run, [`SourceWarning`] is noted and
//! skipped; both name the revision and path at fault.

use std::fmt;
use std::path::PathBuf;

/// Non-fatal notes raised while listing/reading (e.g. a symlink that points outside the tree, a submodule,
/// a non-regular file), shown to the user as warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceWarning {
    pub revision: String,
    pub path: String,
    pub message: String,
}

impl fmt::Display for SourceWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`: {}", self.revision, self.path, self.message)
    }
}

/// Errors of this module; each names the revision, repository and/or path at fault.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{} is not a git repository (and `{spec}` is not a directory){}", repo.display(), paren(reason))]
    NotARepository {
        repo: PathBuf,
        spec: String,
        reason: Option<String>,
    },
    #[error("unknown revision `{spec}` in repository {}{}", repo.display(), paren(reason))]
    UnknownRevision {
        repo: PathBuf,
        spec: String,
        reason: Option<String>,
    },
    #[error("revision `{spec}` in repository {} names a {kind}, not a commit or tree", repo.display())]
    NotATree {
        repo: PathBuf,
        spec: String,
        kind: String,
    },
    #[error("cannot open directory `{spec}`: {reason}")]
    Directory { spec: String, reason: String },
    #[error(
        "revision `{revision}`: object {id} for {what} is missing (shallow or partial clone?)"
    )]
    MissingObject {
        revision: String,
        id: String,
        what: String,
    },
    #[error("revision `{revision}`: `{path}` is not valid: {reason}")]
    Invalid {
        revision: String,
        path: String,
        reason: String,
    },
    /// I/O or object-database failure; `what` is e.g. "`include/uapi/x.h`" or "the root tree".
    #[error("revision `{revision}`: cannot read {what}: {reason}")]
    Read {
        revision: String,
        what: String,
        reason: String,
    },
    #[error("revision `{revision}`: `{path}` {reason}")]
    NotAFile {
        revision: String,
        path: String,
        reason: String,
    },
    #[error("cannot list the commits between `{old}` and `{new}`: {reason}")]
    History {
        old: String,
        new: String,
        reason: String,
    },
}

fn paren(reason: &Option<String>) -> String {
    match reason {
        Some(r) if !r.is_empty() => format!(" ({r})"),
        _ => String::new(),
    }
}

/// `e` and its sources, `: `-separated, repeats left out.
pub(super) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if parts.last() != Some(&t) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// The innermost source of `e` that reads as a sentence: the most specific reason a user can act
/// on. A source that prints as a bare identifier (gix's `NotFound`) is the name of an internal
/// error variant, not a reason, and is passed over; None when no source says more than that.
pub(super) fn last_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut last = None;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = cur {
        let text = s.to_string();
        if !is_internal_name(&text) {
            last = Some(text);
        }
        cur = s.source();
    }
    last
}

/// `NotFound`, `Validation`: one capitalised word, as a derived `Debug` prints an enum variant
/// (`HEAD`, all capitals, is a name and kept).
fn is_internal_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && text.chars().any(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Chain(&'static str, #[source] Option<Box<Chain>>);

    #[test]
    fn internal_variant_names_are_no_reason() {
        let leaf = Chain("NotFound", None);
        let mid = Chain(
            "The ref partially named `nosuch` could not be found",
            Some(Box::new(leaf)),
        );
        assert_eq!(
            last_cause(&mid).as_deref(),
            Some("The ref partially named `nosuch` could not be found")
        );
        assert_eq!(last_cause(&Chain("Validation", None)), None);
        assert_eq!(
            last_cause(&Chain(
                "An object prefixed deadbeef could not be found",
                None
            ))
            .as_deref(),
            Some("An object prefixed deadbeef could not be found")
        );
        assert!(
            !is_internal_name("HEAD"),
            "one capital word is a name, kept"
        );
    }
}
