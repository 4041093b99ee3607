//! Reading the files of a kernel revision: straight from git objects (no checkout, no temporary tree,
//! no `git` subprocess; see `git.rs` for why nothing the repository configures runs), from an
//! unpacked directory tree, or from either with a patch series applied in memory: one [`Tree`] for
//! all three.
//!
//! - `select`: which paths to list ([`Selection`]), as an automaton that prunes subtrees;
//! - `git`, `dir`: the two stores, each listing and reading; `links`: the symlink rules they share;
//! - `overlay`: a patch series' files over a base tree;
//! - `history`: the commits between two revisions ([`commits_between`]);
//! - `layout`: how a directory side is laid out (kernel tree, installed headers, a copy);
//! - `error`: what goes wrong, naming the revision and path.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use gix::ObjectId;

mod dir;
mod error;
mod git;
mod history;
pub mod includes;
pub mod layout;
mod links;
mod overlay;
mod select;
#[cfg(test)]
mod test_repo;
#[cfg(test)]
mod tests;

use dir::DirTree;
use git::GitTree;
use overlay::Patched;

pub use error::{SourceError, SourceWarning};
pub use history::commits_between;
pub use overlay::Overlay;
pub use select::Selection;

// ------------------------------------------------------------------------------------------------
// Public types
// ------------------------------------------------------------------------------------------------

/// A git blob id (SHA-1). For files read from a directory, the id git would give the same bytes
/// ("blob <len>\0<bytes>" hashed), so identical content dedupes across git and directory sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlobId(pub [u8; 20]);

impl BlobId {
    /// The blob id git gives to `bytes` (what `git hash-object` prints).
    pub fn of_bytes(bytes: &[u8]) -> BlobId {
        match gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes) {
            Ok(id) => BlobId::from_oid(&id),
            // Only for input crafted to collide with SHA-1 (gix detects such collisions): an id no real
            // content gets, so it never dedupes with anything else.
            Err(_) => BlobId([0xff; 20]),
        }
    }

    fn from_oid(id: &gix::oid) -> BlobId {
        let mut out = [0u8; 20];
        let bytes = id.as_bytes();
        let n = bytes.len().min(20);
        out[..n].copy_from_slice(&bytes[..n]);
        BlobId(out)
    }

    fn to_oid(self) -> ObjectId {
        ObjectId::Sha1(self.0)
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// One listed file: its '/'-separated path relative to the tree root and its content's blob id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub blob: BlobId,
}

/// One commit of [`commits_between`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hex commit id.
    pub id: String,
    /// "Name <email>"
    pub author: String,
    /// Author date, ISO 8601 with offset, e.g. `2024-03-01T12:34:56+01:00`.
    pub date: String,
    /// First paragraph of the message, lines joined by spaces (like `git log --format=%s`).
    pub subject: String,
    /// Full message incl. trailers, as stored (lossily converted to UTF-8).
    pub message: String,
    /// Files changed relative to the first parent (or to the empty tree for a root commit), restricted to
    /// the selection, sorted by path.
    pub changed: Vec<ChangedFile>,
    /// For a step of a patch series (`Tree::patched`): which patch it is. `id` is then the commit
    /// its `git format-patch` separator names, or empty.
    pub patch: Option<PatchRef>,
}

/// A patch of a series, as a reviewer finds it on the list.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PatchRef {
    /// `N/M`: its place in the series.
    pub number: String,
    /// Without angle brackets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// A file changed by a commit: `old` is `None` when added, `new` is `None` when deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedFile {
    pub path: String,
    pub old: Option<BlobId>,
    pub new: Option<BlobId>,
}

// ------------------------------------------------------------------------------------------------
// Tree
// ------------------------------------------------------------------------------------------------

/// One revision to read from: a git commit/tree of a repository, or an unpacked directory tree
/// (either possibly with a patch series applied).
pub struct Tree {
    label: String,
    kind: Kind,
    /// `--layout`: how to read a directory side instead of detecting it (see [`layout`]).
    forced_layout: Option<layout::LayoutKind>,
}

/// Where a tree's files come from.
enum Kind {
    Git(Box<GitTree>),
    Dir(DirTree),
    Patched(Box<Patched>),
}

impl Tree {
    /// `spec` is a git revision (tag, branch, commit, `HEAD~3`, `v6.1^{tree}`...) of the repository at
    /// `repo` — or, if `spec` is an existing directory path, an unpacked tree rooted there (repo ignored).
    pub fn open(repo: &Path, spec: &str) -> Result<Tree, SourceError> {
        let kind = if Tree::names_directory(spec) {
            Kind::Dir(DirTree::open(spec)?)
        } else {
            Kind::Git(Box::new(GitTree::open(repo, spec)?))
        };
        Ok(Tree {
            label: spec.to_string(),
            kind,
            forced_layout: None,
        })
    }

    /// Whether `open` reads `spec` as an unpacked tree (an existing directory) rather than as a
    /// git revision.
    pub fn names_directory(spec: &str) -> bool {
        !spec.is_empty() && Path::new(spec).is_dir()
    }

    /// Reads this side in `layout` rather than in the one detected (None: detect).
    pub fn with_layout(self, layout: Option<layout::LayoutKind>) -> Tree {
        Tree {
            forced_layout: layout,
            ..self
        }
    }

    pub fn forced_layout(&self) -> Option<layout::LayoutKind> {
        self.forced_layout
    }

    /// `base` with `overlay`'s files in place of its own (a patch series applied in memory).
    pub fn patched(base: Tree, label: String, overlay: Overlay) -> Tree {
        Tree {
            label,
            forced_layout: None,
            kind: Kind::Patched(Box::new(Patched { base, overlay })),
        }
    }

    /// The spec as the user gave it.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Full hex commit id for git revisions (None for a tree-ish that is not a commit, or a directory).
    pub fn commit_id(&self) -> Option<String> {
        match &self.kind {
            Kind::Git(g) => g.commit.map(|c| c.to_string()),
            Kind::Dir(_) | Kind::Patched(_) => None,
        }
    }

    /// What a git revision resolved to, named as `git describe --tags` names it (`v6.12`,
    /// `v6.12-3-g14a9391`), else its full commit id (its tree id for a tree); None for a directory
    /// or a patched tree. A record of the revision (a snapshot's header) says this, never `HEAD`.
    pub fn resolved_name(&self) -> Option<String> {
        match &self.kind {
            Kind::Git(g) => g
                .describe()
                .or_else(|| Some(g.commit.unwrap_or(g.tree).to_string())),
            Kind::Dir(_) | Kind::Patched(_) => None,
        }
    }

    /// Full hex id of the root tree for git revisions, None for a directory.
    pub fn tree_id(&self) -> Option<String> {
        match &self.kind {
            Kind::Git(g) => Some(g.tree.to_string()),
            Kind::Dir(_) | Kind::Patched(_) => None,
        }
    }

    /// What names this side's content whole, for a cache kept between runs: a git revision's root
    /// tree id, or a series' base's with the files the series leaves (path and blob id each).
    /// None for a directory, which has no id short of reading every file.
    pub fn content_id(&self) -> Option<String> {
        match &self.kind {
            Kind::Git(g) => Some(g.tree.to_string()),
            Kind::Dir(_) => None,
            Kind::Patched(p) => {
                let mut id = p.base.content_id()?;
                for (path, blob) in &p.overlay.files {
                    let blob = blob.map_or_else(|| "deleted".to_string(), |b| b.to_string());
                    id.push_str(&format!("\n{path} {blob}"));
                }
                Some(id)
            }
        }
    }

    /// The repository path (as given) for git revisions, the canonical root for a directory.
    pub fn location(&self) -> &Path {
        match &self.kind {
            Kind::Git(g) => &g.repo_path,
            Kind::Dir(d) => &d.root,
            Kind::Patched(p) => p.base.location(),
        }
    }

    /// Whether this is a directory tree rather than a git revision.
    pub fn is_directory(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// Lists matching regular files (and symlinks resolved within the tree), sorted by path.
    pub fn files(
        &self,
        select: &Selection,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), SourceError> {
        let (mut files, mut warnings) = match &self.kind {
            Kind::Git(g) => g.list(&self.label, select)?,
            Kind::Dir(d) => d.list(&self.label, select)?,
            Kind::Patched(p) => p.list(select)?,
        };
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        warnings.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
        warnings.dedup();
        Ok((files, warnings))
    }

    /// Lists every header (`*.h`) under the names `name` gives them (the kernel path a header of a
    /// directory layout stands for), leaving out those it gives none; sorted by name. The entries
    /// read as any listed entry does.
    pub fn files_mapped(
        &self,
        name: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), SourceError> {
        let (listed, warnings) = self.files(&Selection::new(&["**/*.h"]))?;
        let mut files = Vec::new();
        let mut renamed = Vec::new();
        for entry in listed {
            if let Some(named) = name(&entry.path) {
                renamed.push((named.clone(), entry.path));
                files.push(FileEntry {
                    path: named,
                    blob: entry.blob,
                });
            }
        }
        if let Kind::Dir(d) = &self.kind {
            d.rename(renamed);
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Ok((files, warnings))
    }

    /// Reads many entries in parallel, results in input order.
    pub fn read_all(&self, entries: &[FileEntry]) -> Result<Vec<Vec<u8>>, SourceError> {
        match &self.kind {
            Kind::Git(g) => g.read_all(&self.label, entries),
            Kind::Dir(d) => d.read_all(&self.label, entries),
            Kind::Patched(p) => p.read_all(entries),
        }
    }

    /// Whether `pred` holds for one of the entries' bytes: read in parallel, each dropped once
    /// looked at, stopping at the first that holds (so memory stays a few files').
    pub fn any_file(
        &self,
        entries: &[FileEntry],
        pred: impl Fn(&[u8]) -> bool + Sync,
    ) -> Result<bool, SourceError> {
        let found = entries
            .par_iter()
            .map(|e| self.read(e).map(|bytes| pred(&bytes)))
            .find_any(|r| !matches!(r, Ok(false)));
        found.unwrap_or(Ok(false))
    }

    /// Reads one listed entry.
    pub fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SourceError> {
        match &self.kind {
            Kind::Git(g) => g.read(&self.label, entry),
            Kind::Dir(d) => d.read(&self.label, &entry.path),
            Kind::Patched(p) => p.read(entry),
        }
    }

    /// Reads one file by path if it exists at this revision (e.g. "MAINTAINERS"), Ok(None) if absent.
    /// Symlinks are followed within the tree; a path naming a directory, or a link leaving the tree or
    /// looping, is an error.
    pub fn read_path(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let comps: Vec<Vec<u8>> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect();
        if comps.is_empty() {
            return Err(SourceError::NotAFile {
                revision: self.label.clone(),
                path: path.into(),
                reason: "is the tree root".into(),
            });
        }
        match &self.kind {
            Kind::Patched(p) => p.read_path(path),
            Kind::Git(g) => g.read_path(&self.label, path, comps),
            Kind::Dir(d) => d.read_path(&self.label, path, comps),
        }
    }
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Git(g) => f
                .debug_struct("Tree")
                .field("label", &self.label)
                .field("repo", &g.repo_path)
                .field("commit", &g.commit)
                .field("tree", &g.tree)
                .finish(),
            Kind::Dir(d) => f
                .debug_struct("Tree")
                .field("label", &self.label)
                .field("root", &d.root)
                .finish(),
            Kind::Patched(p) => f
                .debug_struct("Tree")
                .field("label", &self.label)
                .field("base", &p.base)
                .field("files", &p.overlay.files.len())
                .finish(),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Path names
// ------------------------------------------------------------------------------------------------

/// `prefix/name`, or `name` at the root.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Lossy UTF-8 conversion of a path component, with a warning if it was not valid UTF-8.
fn component_str<'a>(
    name: &'a [u8],
    revision: &str,
    prefix: &str,
    warnings: &mut Vec<SourceWarning>,
) -> Cow<'a, str> {
    let s = String::from_utf8_lossy(name);
    if let Cow::Owned(_) = &s {
        warnings.push(SourceWarning {
            revision: revision.to_string(),
            path: join(prefix, &s),
            message: "file name is not valid UTF-8 (shown with replacement characters)".into(),
        });
    }
    s
}
