//! The evidence a reviewer asks of a uAPI change, apart from the checklist that asks it: the
//! ledger (`ledger`: which open-source userspace justifies an item, or why a break is accepted),
//! the evidence trailers of a commit message (`trailers`), and a finding about a place
//! (`Finding`). `gate` and `series` read them without sitting above `checklist`.

pub mod ledger;

use serde::Serialize;

/// Something about a place: a ledger line, or an item's declaration.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    pub line: u32,
    /// The ledger id or the item id concerned.
    pub id: String,
    pub message: String,
}

/// Trailer keys that carry userspace evidence in practice (compared case-insensitively).
const EVIDENCE_TRAILERS: &[&str] = &[
    "Link",
    "Userspace",
    "Proposed userspace",
    "Proposed-userspace",
    "Mesa MR",
    "libdrm MR",
    "IGT tests",
    "IGT",
    "Acked-by",
];

/// An evidence trailer of a commit message (`Link: …`, `Acked-by: …`).
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

/// The evidence trailers of a commit message, in order: lines `Key: value` whose key is one of
/// `EVIDENCE_TRAILERS` (indented lines are not trailers).
pub fn trailers(message: &str) -> Vec<Trailer> {
    message
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            let known = EVIDENCE_TRAILERS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key.trim_end()));
            (known && !key.starts_with(char::is_whitespace) && !value.trim().is_empty()).then(
                || Trailer {
                    key: key.trim_end().to_string(),
                    value: value.trim().to_string(),
                },
            )
        })
        .collect()
}
