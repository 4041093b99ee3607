//! Userspace evidence: which uAPI items a userspace source tree (Mesa, libdrm, IGT, a compositor,
//! an accel runtime) uses, found by reading its sources; `checklist --userspace` and `audit`.
//!
//! A use is the item's name in a program's code, outside the tree's copies of the uAPI headers:
//! - ioctls: the request macro; for DRM also the command index `DRM_<DRIVER>_<NAME>` that the
//!   macro adds to `DRM_COMMAND_BASE` (what `drmCommandWrite()` and friends take);
//! - structs, unions, enums, typedefs, defines, enumerators: the name as an identifier;
//! - fields: `.name` or `->name`, in a file that also names the field's struct;
//! - KMS properties: a string literal that is exactly the property's name; property values: a
//!   string literal that is exactly the value's name, in a file that also names the property;
//! - headers: an `#include` of a file with the header's name;
//! - syscalls (the duties of Documentation/process/adding-syscalls.rst): the wrapper's name or the
//!   number's macros `__NR_NAME` and `SYS_NAME` as identifiers (a libc declaration or wrapper,
//!   `syscall(SYS_NAME, …)`, a selftest under `tools/testing/selftests`: a test file), and a
//!   man page `man2/NAME.2` (man-pages' layout), which is read only for its name.
//!
//! Code is C and C++ (`.c .h .cc .cpp .cxx .hh .hpp .hxx .inl`): that is where ioctls are called.
//! Build files (meson), Python and documentation name items without using them and are not read.
//! Comments never count (`lex` blanks them), nor do identifiers inside string literals.
//!
//! A copy of a uAPI header is recognised by its content, wherever it sits: a header file (`.h`
//! and the other header extensions) that declares one of the names searched for (`#define NAME`,
//! or `struct|union|enum NAME {`). Nothing in a copy counts. In other files, a declaration
//! (a local fallback `#define`) is not a use of what it declares; the rest of the file counts.
//!
//! A tree is a test suite when at least half of its files that use an item are tests: files under
//! a `test`, `tests` or `selftests` directory, or defining a test with IGT's `igt_main`,
//! `igt_simple_main` (and their `_args` forms), or the `TEST(`/`TEST_F(`/`TEST_P(` macros of
//! googletest and the kselftest harness.
//!
//! One pass per tree: a parallel walk that respects `.gitignore` (`ignore`), then each code file
//! is lexed and searched for every name at once (`aho-corasick`). When the tree is a git work tree
//! the result is cached by its HEAD commit (`cache`).

mod cache;
mod lex;
mod search;

pub(crate) mod audit;

use crate::change::{Change, ItemKind};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How many `file:line` places an item's uses list.
pub const SHOWN: usize = 5;

/// One item to look for.
#[derive(Clone, Debug)]
pub struct Query {
    pub kind: ItemKind,
    pub name: String,
    /// A field's struct, a property value's property.
    pub parent: Option<String>,
    /// The declaration (for an ioctl: the `#define` whose `DRM_COMMAND_BASE + X` names its
    /// command index).
    pub decl: Option<String>,
}

impl Query {
    pub fn of_change(c: &Change) -> Query {
        Query {
            kind: c.kind,
            name: c.name.clone(),
            parent: c.parent.clone(),
            decl: c.new_decl.clone().or_else(|| c.old_decl.clone()),
        }
    }

    /// The DRM command index an ioctl's request macro adds to `DRM_COMMAND_BASE`.
    fn command_index(&self) -> Option<&str> {
        if self.kind != ItemKind::Ioctl {
            return None;
        }
        let decl = self.decl.as_deref()?;
        let after = decl.split("DRM_COMMAND_BASE").nth(1)?;
        let after = after.trim_start().strip_prefix('+')?.trim_start();
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let index = &after[..end];
        (!index.is_empty() && !index.starts_with(|c: char| c.is_ascii_digit())).then_some(index)
    }
}

/// Whether a tree is a test suite (IGT) or userspace proper (Mesa, libdrm, a compositor).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TreeKind {
    TestSuite,
    Userspace,
}

impl TreeKind {
    pub fn label(self) -> &'static str {
        match self {
            TreeKind::TestSuite => "test suite",
            TreeKind::Userspace => "userspace",
        }
    }
}

/// A scanned tree, as the checklist JSON's `userspace` lists it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TreeInfo {
    /// The directory as given.
    pub path: String,
    pub kind: TreeKind,
    /// HEAD, when the directory is a git work tree.
    pub commit: Option<String>,
    /// Code files read.
    pub files: usize,
    /// Code files that use at least one item, and of those the tests.
    pub files_using: usize,
    pub test_files_using: usize,
    /// Items used at least once.
    pub items_used: usize,
    /// Files that could not be read, or are not UTF-8 (scanned as bytes), with why.
    pub warnings: Vec<String>,
}

impl TreeInfo {
    /// `DIR (test suite, 1074 code files, 184 items used)`.
    pub fn summary(&self) -> String {
        format!(
            "{} ({}, {} code files, {} items used)",
            self.path,
            self.kind.label(),
            self.files,
            self.items_used
        )
    }
}

/// One item's uses in one tree (`uses` in the checklist JSON).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Uses {
    pub tree: String,
    pub kind: TreeKind,
    /// Distinct `file:line` places that use the item.
    pub count: usize,
    /// The first few of them, in path and line order.
    pub first: Vec<String>,
}

/// A tree's uses of each query, in query order.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct TreeScan {
    pub info: TreeInfo,
    /// Per query: the number of places and the first few.
    pub uses: Vec<(usize, Vec<String>)>,
}

impl TreeScan {
    pub fn uses_of(&self, query: usize) -> Uses {
        let (count, first) = &self.uses[query];
        Uses {
            tree: self.info.path.clone(),
            kind: self.info.kind,
            count: *count,
            first: first.clone(),
        }
    }
}

/// Scans one tree for the queries (or reads the cached result for its HEAD commit).
pub fn scan_tree(dir: &Path, queries: &[Query]) -> Result<TreeScan, Error> {
    if !dir.is_dir() {
        return Err(Error::Userspace {
            path: dir.display().to_string(),
            reason: if dir.exists() {
                "not a directory".to_string()
            } else {
                "no such directory".to_string()
            },
        });
    }
    let searcher = search::Searcher::new(queries);
    let (files, mut warnings) = search::list_code_files(dir);
    let commit = cache::head_commit(dir);
    let key = commit
        .as_deref()
        .map(|c| cache::Key::new(c, &searcher.fingerprint(), &files));
    if let Some(hit) = key.as_ref().and_then(|k| k.load()) {
        return Ok(TreeScan {
            info: TreeInfo {
                path: dir.display().to_string(),
                ..hit.info
            },
            ..hit
        });
    }
    let scanned = searcher.scan(&files, &mut warnings);
    let scan = scanned.into_tree_scan(dir.display().to_string(), commit, files.len(), warnings);
    if let Some(k) = key {
        k.store(&scan);
    }
    Ok(scan)
}

/// One line per tree: `IGT (test suite): 3 uses: tests/a.c:12, lib/b.c:40`, or `…: no use`.
pub fn describe(uses: &Uses) -> String {
    let head = format!("{} ({})", uses.tree, uses.kind.label());
    match uses.count {
        0 => format!("{head}: no use"),
        n => format!(
            "{head}: {n} use{}: {}{}",
            if n == 1 { "" } else { "s" },
            uses.first.join(", "),
            if n > uses.first.len() { ", …" } else { "" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_index_is_what_the_macro_adds_to_drm_command_base() {
        let q = |decl: &str| Query {
            kind: ItemKind::Ioctl,
            name: "X".to_string(),
            parent: None,
            decl: Some(decl.to_string()),
        };
        let xe = q("#define DRM_IOCTL_XE_DEVICE_QUERY\tDRM_IOWR(DRM_COMMAND_BASE + DRM_XE_DEVICE_QUERY, struct drm_xe_device_query)");
        assert_eq!(xe.command_index(), Some("DRM_XE_DEVICE_QUERY"));
        let core = q("#define DRM_IOCTL_MODE_CLOSEFB DRM_IOWR(0xD0, struct drm_mode_closefb)");
        assert_eq!(core.command_index(), None);
        assert_eq!(
            q("#define A DRM_IO(DRM_COMMAND_BASE + 0x05)").command_index(),
            None
        );
    }
}
