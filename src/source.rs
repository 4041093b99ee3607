//! Reading the files of a kernel revision: straight from git objects (no checkout, no temporary tree, no
//! `git` subprocess) with `gix`, or from an unpacked directory tree.
//!
//! # Safety against the repository
//! Nothing configured by the repository is ever executed or even consulted for behaviour: the repository is
//! opened with [`gix::open::Options::isolated`] (no system/global/user config, no environment variables, no
//! config includes), explicitly at [`gix::sec::Trust::Reduced`], and with a config-section filter that
//! rejects *every* section, so no repository-local setting (filters, textconv, fsmonitor, hooks paths...)
//! is used by the lookups that honour the filter. On top of that, `gix` is built without its `attributes`
//! feature, so the filter pipeline (clean/smudge, `.gitattributes`) is not even compiled in, and this module
//! only ever asks the object database for raw objects: blobs are returned byte for byte as stored.
//!
//! # Selections
//! [`Selection`] patterns are compiled into a small automaton over path components, so that listing a tree
//! only reads the subtrees that can contain a match (see [`Selection::may_contain`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub mod layout;

use gix::objs::Find as _;
use gix::ObjectId;
use rayon::prelude::*;

// ------------------------------------------------------------------------------------------------
// Public types
// ------------------------------------------------------------------------------------------------

/// A git blob id (SHA-1). For files read from a directory, the id git would give the same bytes
/// ("blob <len>\0<bytes>" hashed), so identical content dedupes across git and directory sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub blob: BlobId,
}

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
// Selection
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Seg {
    /// `**`: any number of components.
    AnyDirs,
    /// A component with `*`/`?` wildcards.
    Glob(Vec<u8>),
    /// A literal component.
    Lit(Vec<u8>),
}

/// Which paths to list: glob patterns over '/'-separated paths: `*` matches within one component (as does
/// `?` for one character), `**` any number of components (a trailing `**` at least one). E.g.
/// "include/uapi/**", "arch/*/include/uapi/**", "drivers/gpu/drm/**/*.c", "MAINTAINERS".
#[derive(Clone, Debug)]
pub struct Selection {
    patterns: Vec<Vec<Seg>>,
}

/// A set of automaton states: (pattern index, segment position), sorted and deduplicated.
#[derive(Clone, Debug, PartialEq, Eq)]
struct States(Vec<(u32, u32)>);

impl Selection {
    pub fn new(patterns: &[&str]) -> Selection {
        let mut out = Vec::new();
        for p in patterns {
            let mut segs: Vec<Seg> = Vec::new();
            for comp in p.split('/').filter(|c| !c.is_empty() && *c != ".") {
                let seg = if comp == "**" {
                    if matches!(segs.last(), Some(Seg::AnyDirs)) {
                        continue; // `**/**` is `**`
                    }
                    Seg::AnyDirs
                } else if comp.contains(['*', '?']) {
                    Seg::Glob(comp.as_bytes().to_vec())
                } else {
                    Seg::Lit(comp.as_bytes().to_vec())
                };
                segs.push(seg);
            }
            if segs.is_empty() {
                continue;
            }
            if matches!(segs.last(), Some(Seg::AnyDirs)) {
                // "dir/**" names everything below dir, not dir itself: one or more components.
                segs.push(Seg::Glob(b"*".to_vec()));
            }
            out.push(segs);
        }
        Selection { patterns: out }
    }

    /// Whether the file at `path` ('/'-separated, relative to the root) is selected.
    pub fn matches(&self, path: &str) -> bool {
        let mut st = self.start();
        for comp in path.split('/').filter(|c| !c.is_empty()) {
            st = self.step(&st, comp.as_bytes());
            if st.0.is_empty() {
                return false;
            }
        }
        self.accepts(&st)
    }

    /// Whether the directory `dir` ('/'-separated, relative to the root; "" is the root) can contain a
    /// selected file at any depth. Listing only descends into directories for which this is true.
    pub fn may_contain(&self, dir: &str) -> bool {
        let mut st = self.start();
        for comp in dir.split('/').filter(|c| !c.is_empty()) {
            st = self.step(&st, comp.as_bytes());
            if st.0.is_empty() {
                return false;
            }
        }
        self.may_descend(&st)
    }

    fn start(&self) -> States {
        let mut v: Vec<(u32, u32)> = (0..self.patterns.len() as u32).map(|p| (p, 0)).collect();
        self.close(&mut v);
        States(v)
    }

    /// Adds the epsilon moves (`**` matching zero components), sorts and dedups.
    fn close(&self, v: &mut Vec<(u32, u32)>) {
        let mut i = 0;
        while i < v.len() {
            let (p, pos) = v[i];
            if let Some(Seg::AnyDirs) = self.patterns[p as usize].get(pos as usize) {
                v.push((p, pos + 1));
            }
            i += 1;
        }
        v.sort_unstable();
        v.dedup();
    }

    fn step(&self, st: &States, comp: &[u8]) -> States {
        let mut v = Vec::new();
        for &(p, pos) in &st.0 {
            match self.patterns[p as usize].get(pos as usize) {
                Some(Seg::AnyDirs) => v.push((p, pos)),
                Some(Seg::Lit(l)) if l.as_slice() == comp => v.push((p, pos + 1)),
                Some(Seg::Glob(g)) if glob_component(g, comp) => v.push((p, pos + 1)),
                _ => {}
            }
        }
        self.close(&mut v);
        States(v)
    }

    fn accepts(&self, st: &States) -> bool {
        st.0.iter()
            .any(|&(p, pos)| pos as usize == self.patterns[p as usize].len())
    }

    fn may_descend(&self, st: &States) -> bool {
        st.0.iter()
            .any(|&(p, pos)| (pos as usize) < self.patterns[p as usize].len())
    }
}

/// `*` (any run of bytes) and `?` (one byte) within one path component.
fn glob_component(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || (pat[p] != b'*' && pat[p] == s[i])) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if let Some((sp, si)) = star {
            p = sp + 1;
            i = si + 1;
            star = Some((sp, si + 1));
        } else {
            return false;
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

// ------------------------------------------------------------------------------------------------
// Tree
// ------------------------------------------------------------------------------------------------

/// One revision to read from: a git commit/tree of a repository, or an unpacked directory tree.
pub struct Tree {
    label: String,
    kind: Kind,
    /// `--layout`: how to read a directory side instead of detecting it (see [`layout`]).
    forced_layout: Option<layout::LayoutKind>,
}

enum Kind {
    Git(Box<GitTree>),
    Dir(DirTree),
    Patched(Box<Patched>),
}

/// A base revision with files changed in memory: a patch series applied (`series`).
struct Patched {
    base: Tree,
    overlay: Overlay,
}

/// What a patch series changes in a base tree, made by `series`.
pub struct Overlay {
    /// Path → its content's blob at the end of the series (`None`: deleted).
    pub files: BTreeMap<String, Option<BlobId>>,
    /// The content of every blob the series makes, the intermediate ones included.
    pub blobs: HashMap<BlobId, Vec<u8>>,
    /// One step per applied patch, with the files it changed (what `commits_between` returns
    /// for the series).
    pub steps: Vec<CommitInfo>,
}

impl Patched {
    fn list(
        &self,
        select: &Selection,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), SourceError> {
        let (mut files, warnings) = self.base.files(select)?;
        files.retain(|e| !self.overlay.files.contains_key(&e.path));
        files.extend(
            self.overlay
                .files
                .iter()
                .filter(|(path, _)| select.matches(path))
                .filter_map(|(path, blob)| {
                    Some(FileEntry {
                        path: path.clone(),
                        blob: (*blob)?,
                    })
                }),
        );
        Ok((files, warnings))
    }

    fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SourceError> {
        match self.overlay.blobs.get(&entry.blob) {
            Some(bytes) => Ok(bytes.clone()),
            None => self.base.read(entry),
        }
    }
}

struct GitTree {
    repo_path: PathBuf,
    /// Canonical common git dir, to tell whether two trees come from the same repository.
    common_dir: PathBuf,
    pool: RepoPool,
    commit: Option<ObjectId>,
    tree: ObjectId,
}

struct DirTree {
    root: PathBuf,
    /// Listed paths that are not the real path: lossy path of a name that is not UTF-8, or the name
    /// a layout gives (`Tree::files_mapped`) -> real components.
    non_utf8: Mutex<HashMap<String, Vec<OsString>>>,
}

const MAX_SYMLINK_HOPS: usize = 40;

impl Tree {
    /// `spec` is a git revision (tag, branch, commit, `HEAD~3`, `v6.1^{tree}`...) of the repository at
    /// `repo` — or, if `spec` is an existing directory path, an unpacked tree rooted there (repo ignored).
    pub fn open(repo: &Path, spec: &str) -> Result<Tree, SourceError> {
        if !spec.is_empty() && Path::new(spec).is_dir() {
            let root = std::fs::canonicalize(spec).map_err(|e| SourceError::Directory {
                spec: spec.to_string(),
                reason: e.to_string(),
            })?;
            return Ok(Tree {
                label: spec.to_string(),
                kind: Kind::Dir(DirTree {
                    root,
                    non_utf8: Mutex::new(HashMap::new()),
                }),
                forced_layout: None,
            });
        }
        let ts = open_repository(repo).map_err(|e| {
            let looks_like_repo = repo.join(".git").exists()
                || (repo.join("HEAD").is_file() && repo.join("objects").is_dir());
            SourceError::NotARepository {
                repo: repo.to_path_buf(),
                spec: spec.to_string(),
                reason: looks_like_repo.then(|| error_chain(&e)),
            }
        })?;
        let pool = RepoPool::new(ts);
        let lease = pool.lease(false);
        let common_dir = std::fs::canonicalize(lease.common_dir())
            .unwrap_or_else(|_| lease.common_dir().to_path_buf());
        let unknown = |reason: Option<String>| SourceError::UnknownRevision {
            repo: repo.to_path_buf(),
            spec: spec.to_string(),
            reason,
        };
        if spec.is_empty() {
            return Err(unknown(Some("empty revision".into())));
        }
        let id = lease
            .rev_parse_single(gix::bstr::BStr::new(spec.as_bytes()))
            .map_err(|e| unknown(Some(last_cause(&e))))?
            .detach();
        // Peel tags to a commit or tree.
        let mut id = id;
        let mut commit = None;
        let mut tree = None;
        for _ in 0..64 {
            if id == ObjectId::empty_tree(gix::hash::Kind::Sha1) {
                tree = Some(id);
                break;
            }
            let what = format!("revision `{spec}`");
            let (kind, data) = find_raw(&lease, id, spec, &what)?;
            match kind {
                gix::objs::Kind::Tag => {
                    let tag = gix::objs::TagRef::from_bytes(&data, gix::hash::Kind::Sha1).map_err(
                        |e| SourceError::Invalid {
                            revision: spec.to_string(),
                            path: format!("tag {id}"),
                            reason: e.to_string(),
                        },
                    )?;
                    id = tag.target();
                }
                gix::objs::Kind::Commit => {
                    let c = gix::objs::CommitRef::from_bytes(&data, gix::hash::Kind::Sha1)
                        .map_err(|e| SourceError::Invalid {
                            revision: spec.to_string(),
                            path: format!("commit {id}"),
                            reason: e.to_string(),
                        })?;
                    commit = Some(id);
                    tree = Some(c.tree());
                    break;
                }
                gix::objs::Kind::Tree => {
                    tree = Some(id);
                    break;
                }
                gix::objs::Kind::Blob => {
                    return Err(SourceError::NotATree {
                        repo: repo.to_path_buf(),
                        spec: spec.to_string(),
                        kind: "blob".into(),
                    })
                }
            }
        }
        let Some(tree) = tree else {
            return Err(SourceError::NotATree {
                repo: repo.to_path_buf(),
                spec: spec.to_string(),
                kind: "chain of tags".into(),
            });
        };
        drop(lease);
        Ok(Tree {
            label: spec.to_string(),
            kind: Kind::Git(Box::new(GitTree {
                repo_path: repo.to_path_buf(),
                common_dir,
                pool,
                commit,
                tree,
            })),
            forced_layout: None,
        })
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

    /// Full hex id of the root tree for git revisions, None for a directory.
    pub fn tree_id(&self) -> Option<String> {
        match &self.kind {
            Kind::Git(g) => Some(g.tree.to_string()),
            Kind::Dir(_) | Kind::Patched(_) => None,
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
            Kind::Git(g) => entries
                .par_iter()
                .map_init(
                    || g.pool.lease(false),
                    |repo, e| read_blob(repo, e.blob, &self.label, &e.path),
                )
                .collect(),
            Kind::Dir(d) => entries
                .par_iter()
                .map(|e| d.read(&self.label, &e.path))
                .collect(),
            Kind::Patched(p) => entries.iter().map(|e| p.read(e)).collect(),
        }
    }

    /// Reads one listed entry.
    pub fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SourceError> {
        match &self.kind {
            Kind::Git(g) => read_blob(&g.pool.lease(false), entry.blob, &self.label, &entry.path),
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
            Kind::Patched(p) => match p.overlay.files.get(path) {
                Some(Some(blob)) => Ok(p.overlay.blobs.get(blob).cloned()),
                Some(None) => Ok(None),
                None => p.base.read_path(path),
            },
            Kind::Git(g) => {
                let repo = g.pool.lease(false);
                let res = resolve_git(&repo, g.tree, &[], comps.into(), &self.label, path)?;
                match res {
                    Resolved::File(id) => {
                        read_blob(&repo, BlobId::from_oid(&id), &self.label, path).map(Some)
                    }
                    Resolved::Absent(_) => Ok(None),
                    other => Err(other.into_error(&self.label, path)),
                }
            }
            Kind::Dir(d) => {
                let comps: VecDeque<OsString> =
                    comps.into_iter().map(|c| bytes_to_os(&c)).collect();
                match resolve_dir(&d.root, &[], comps) {
                    Resolved::File(p) => {
                        std::fs::read(&p).map(Some).map_err(|e| SourceError::Read {
                            revision: self.label.clone(),
                            what: format!("`{path}`"),
                            reason: e.to_string(),
                        })
                    }
                    Resolved::Absent(_) => Ok(None),
                    other => Err(other.into_error(&self.label, path)),
                }
            }
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
// Repository handles
// ------------------------------------------------------------------------------------------------

fn open_repository(path: &Path) -> Result<gix::ThreadSafeRepository, gix::Error> {
    gix::open::Options::isolated()
        // Treat the repository as untrusted: its own config is loaded (gix always does) but never acted on.
        .with(gix::sec::Trust::Reduced)
        // Reduced trust caps single allocations at 16 MiB by default, which legitimate delta chains of large
        // kernel files exceed: lift it through our own in-memory override...
        .config_overrides(["gitoxide.objects.allocLimitIfReducedTrust=0"])
        // ...the only config source any filtered lookup may use: all repository-local sections are ignored.
        .filter_config_section(|meta| meta.source == gix::config::Source::Api)
        .open(path)
}

/// Thread-local `gix::Repository` handles made from one `ThreadSafeRepository`, reused across calls.
struct RepoPool {
    ts: gix::ThreadSafeRepository,
    plain: Mutex<Vec<gix::Repository>>,
    cached: Mutex<Vec<gix::Repository>>,
}

struct Lease<'a> {
    pool: &'a RepoPool,
    cached: bool,
    repo: Option<gix::Repository>,
}

const OBJECT_CACHE_BYTES: usize = 16 << 20;
const POOL_KEEP: usize = 16;

impl RepoPool {
    fn new(ts: gix::ThreadSafeRepository) -> RepoPool {
        RepoPool {
            ts,
            plain: Mutex::new(Vec::new()),
            cached: Mutex::new(Vec::new()),
        }
    }

    /// A handle for this thread; `cached` ones have an object cache (for repeated tree reads).
    fn lease(&self, cached: bool) -> Lease<'_> {
        let list = if cached { &self.cached } else { &self.plain };
        let got = list.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let repo = got.unwrap_or_else(|| {
            let mut r = self.ts.to_thread_local();
            if cached {
                r.object_cache_size(Some(OBJECT_CACHE_BYTES));
            } else {
                r.object_cache_size(None);
            }
            r
        });
        Lease {
            pool: self,
            cached,
            repo: Some(repo),
        }
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = gix::Repository;
    fn deref(&self) -> &gix::Repository {
        self.repo.as_ref().expect("present until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(r) = self.repo.take() {
            let list = if self.cached {
                &self.pool.cached
            } else {
                &self.pool.plain
            };
            let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
            if list.len() < POOL_KEEP {
                list.push(r);
            }
        }
    }
}

/// Reads an object's raw bytes; a missing object is [`SourceError::MissingObject`] naming `what`.
fn find_raw(
    repo: &gix::Repository,
    id: ObjectId,
    revision: &str,
    what: &str,
) -> Result<(gix::objs::Kind, Vec<u8>), SourceError> {
    if id == ObjectId::empty_tree(gix::hash::Kind::Sha1) {
        return Ok((gix::objs::Kind::Tree, Vec::new()));
    }
    let mut buf = Vec::new();
    match repo.objects.try_find(&id, &mut buf) {
        Ok(Some(data)) => Ok((data.kind, data.data.to_vec())),
        Ok(None) => Err(SourceError::MissingObject {
            revision: revision.to_string(),
            id: id.to_string(),
            what: what.to_string(),
        }),
        Err(e) => Err(SourceError::Read {
            revision: revision.to_string(),
            what: what.to_string(),
            reason: error_chain(&e),
        }),
    }
}

fn read_blob(
    repo: &gix::Repository,
    blob: BlobId,
    revision: &str,
    path: &str,
) -> Result<Vec<u8>, SourceError> {
    let id = blob.to_oid();
    if id == ObjectId::empty_blob(gix::hash::Kind::Sha1) {
        return Ok(Vec::new());
    }
    let (kind, data) = find_raw(repo, id, revision, &format!("`{path}`"))?;
    if kind != gix::objs::Kind::Blob {
        return Err(SourceError::Invalid {
            revision: revision.to_string(),
            path: path.to_string(),
            reason: format!("object {id} is a {kind}, not a blob"),
        });
    }
    Ok(data)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GitKind {
    Tree,
    File,
    Link,
    Submodule,
}

struct GitEntry {
    name: Vec<u8>,
    kind: GitKind,
    id: ObjectId,
}

/// Reads and decodes a tree object. `path` ("" for the root) names it in errors.
fn read_tree(
    repo: &gix::Repository,
    id: ObjectId,
    revision: &str,
    path: &str,
) -> Result<Vec<GitEntry>, SourceError> {
    let shown = if path.is_empty() {
        "the root tree".to_string()
    } else {
        format!("`{path}`")
    };
    let (kind, data) = find_raw(repo, id, revision, &shown)?;
    let invalid = |reason: String| SourceError::Invalid {
        revision: revision.to_string(),
        path: if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        },
        reason,
    };
    if kind != gix::objs::Kind::Tree {
        return Err(invalid(format!("object {id} is a {kind}, not a tree")));
    }
    let mut out = Vec::new();
    for e in gix::objs::TreeRefIter::from_bytes(&data, gix::hash::Kind::Sha1) {
        let e = e.map_err(|e| invalid(format!("corrupt tree object {id}: {e}")))?;
        let kind = match e.mode.kind() {
            gix::objs::tree::EntryKind::Tree => GitKind::Tree,
            gix::objs::tree::EntryKind::Blob | gix::objs::tree::EntryKind::BlobExecutable => {
                GitKind::File
            }
            gix::objs::tree::EntryKind::Link => GitKind::Link,
            gix::objs::tree::EntryKind::Commit => GitKind::Submodule,
        };
        out.push(GitEntry {
            name: e.filename.to_vec(),
            kind,
            id: e.oid.to_owned(),
        });
    }
    Ok(out)
}

/// Why a tree entry name cannot be used, if it cannot.
fn bad_name(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty file name")
    } else if name == b"." || name == b".." {
        Some("file name `.` or `..`")
    } else if name.contains(&b'/') || name.contains(&0) {
        Some("file name containing `/` or NUL")
    } else {
        None
    }
}

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

// ------------------------------------------------------------------------------------------------
// Symlink resolution (shared logic for git and directories)
// ------------------------------------------------------------------------------------------------

/// Outcome of resolving a path (following symlinks within the tree).
#[derive(Debug)]
enum Resolved<F> {
    File(F),
    Dir,
    /// Nothing there (or a non-directory in the middle); holds the link target if a link dangled.
    Absent(Option<String>),
    /// Leaves the tree; holds the offending link target.
    Outside(String),
    Loop(String),
    /// A submodule, fifo, socket, device...
    Special(&'static str),
}

impl<F> Resolved<F> {
    fn into_error(self, revision: &str, path: &str) -> SourceError {
        let reason = match self {
            Resolved::Dir => "is a directory, not a file".to_string(),
            Resolved::Outside(t) => format!("is a symlink leaving the tree (via `{t}`)"),
            Resolved::Loop(t) => format!("is a symlink loop (via `{t}`)"),
            Resolved::Special(what) => format!("is a {what}, not a regular file"),
            Resolved::Absent(Some(t)) => format!("is a dangling symlink (via `{t}`)"),
            Resolved::Absent(None) => "does not exist".to_string(),
            Resolved::File(_) => "is a file".to_string(),
        };
        SourceError::NotAFile {
            revision: revision.to_string(),
            path: path.to_string(),
            reason,
        }
    }

    /// The warning text for a symlink at a listed path whose target is `target`.
    fn link_warning(&self, target: &str) -> String {
        match self {
            Resolved::Dir => format!("symlink to directory `{target}` is not followed"),
            Resolved::Outside(t) if t == target => {
                format!("symlink to `{target}` points outside the tree; skipped")
            }
            Resolved::Outside(t) => {
                format!("symlink to `{target}` leaves the tree (via `{t}`); skipped")
            }
            Resolved::Loop(_) => format!("symlink to `{target}` loops; skipped"),
            Resolved::Special(what) => format!("symlink to `{target}` names a {what}; skipped"),
            Resolved::Absent(_) => format!("symlink to `{target}` dangles; skipped"),
            Resolved::File(_) => String::new(),
        }
    }
}

/// Splits a symlink target into components; `None` if absolute.
fn link_components(target: &[u8]) -> Option<Vec<Vec<u8>>> {
    if target.first() == Some(&b'/') {
        return None;
    }
    Some(
        target
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .map(|c| c.to_vec())
            .collect(),
    )
}

/// Resolves `pending` components starting in the directory `dir` (components from the root) of the git
/// tree `root`, following symlinks within the tree.
fn resolve_git(
    repo: &gix::Repository,
    root: ObjectId,
    dir: &[Vec<u8>],
    mut pending: VecDeque<Vec<u8>>,
    revision: &str,
    shown: &str,
) -> Result<Resolved<ObjectId>, SourceError> {
    // Stack of (name, tree id) from the root.
    let mut stack: Vec<(Vec<u8>, ObjectId)> = Vec::new();
    let mut cur = root;
    let mut path_so_far = String::new();
    for c in dir {
        let entries = read_tree(repo, cur, revision, &path_so_far)?;
        match entries.into_iter().find(|e| e.name == *c) {
            Some(e) if e.kind == GitKind::Tree => {
                stack.push((c.clone(), cur));
                path_so_far = join(&path_so_far, &String::from_utf8_lossy(c));
                cur = e.id;
            }
            _ => return Ok(Resolved::Absent(None)),
        }
    }
    let mut hops = 0usize;
    let mut last_link: Option<String> = None;
    while let Some(c) = pending.pop_front() {
        if c.is_empty() || c == b"." {
            continue;
        }
        if c == b".." {
            match stack.pop() {
                Some((_, parent)) => {
                    cur = parent;
                    path_so_far = path_so_far
                        .rsplit_once('/')
                        .map(|(a, _)| a.to_string())
                        .unwrap_or_default();
                    continue;
                }
                None => {
                    return Ok(Resolved::Outside(
                        last_link.unwrap_or_else(|| shown.to_string()),
                    ))
                }
            }
        }
        let entries = read_tree(repo, cur, revision, &path_so_far)?;
        let Some(e) = entries.into_iter().find(|e| e.name == c) else {
            return Ok(Resolved::Absent(last_link));
        };
        let here = join(&path_so_far, &String::from_utf8_lossy(&c));
        match e.kind {
            GitKind::Tree => {
                stack.push((c, cur));
                cur = e.id;
                path_so_far = here;
            }
            GitKind::File => {
                if pending.iter().all(|p| p.is_empty() || p == b".") {
                    return Ok(Resolved::File(e.id));
                }
                return Ok(Resolved::Absent(last_link));
            }
            GitKind::Submodule => return Ok(Resolved::Special("submodule")),
            GitKind::Link => {
                hops += 1;
                let target = read_blob(repo, BlobId::from_oid(&e.id), revision, &here)?;
                let shown_target = String::from_utf8_lossy(&target).into_owned();
                if hops > MAX_SYMLINK_HOPS {
                    return Ok(Resolved::Loop(shown_target));
                }
                let Some(comps) = link_components(&target) else {
                    return Ok(Resolved::Outside(shown_target));
                };
                for c in comps.into_iter().rev() {
                    pending.push_front(c);
                }
                last_link = Some(shown_target);
            }
        }
    }
    // Every component consumed and the last one was a directory (or the start directory).
    Ok(Resolved::Dir)
}

#[cfg(unix)]
fn os_to_bytes(s: &OsStr) -> Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    Cow::Borrowed(s.as_bytes())
}
#[cfg(not(unix))]
fn os_to_bytes(s: &OsStr) -> Cow<'_, [u8]> {
    Cow::Owned(s.to_string_lossy().into_owned().into_bytes())
}
#[cfg(unix)]
fn bytes_to_os(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(b).to_os_string()
}
#[cfg(not(unix))]
fn bytes_to_os(b: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(b).into_owned())
}

/// Resolves `pending` components starting at directory `dir` (real components below `root`, each a real
/// directory), never leaving `root`: every step is checked with `symlink_metadata` and links are resolved
/// lexically, so the returned file path has no symlink in it.
fn resolve_dir(
    root: &Path,
    dir: &[OsString],
    mut pending: VecDeque<OsString>,
) -> Resolved<PathBuf> {
    let mut stack: Vec<OsString> = dir.to_vec();
    let mut hops = 0usize;
    let mut last_link: Option<String> = None;
    while let Some(c) = pending.pop_front() {
        if c.is_empty() || c == "." {
            continue;
        }
        if c == ".." {
            if stack.pop().is_none() {
                return Resolved::Outside(last_link.unwrap_or_else(|| "..".to_string()));
            }
            continue;
        }
        if c == ".git" {
            // Never part of a tree (git refuses such entries); do not read repository internals.
            return Resolved::Absent(last_link);
        }
        let mut p = root.to_path_buf();
        p.extend(stack.iter());
        p.push(&c);
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(_) => return Resolved::Absent(last_link),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            hops += 1;
            let target = match std::fs::read_link(&p) {
                Ok(t) => t,
                Err(_) => return Resolved::Absent(last_link),
            };
            let shown_target = target.to_string_lossy().into_owned();
            if hops > MAX_SYMLINK_HOPS {
                return Resolved::Loop(shown_target);
            }
            let mut comps = Vec::new();
            for comp in target.components() {
                match comp {
                    std::path::Component::Normal(n) => comps.push(n.to_os_string()),
                    std::path::Component::ParentDir => comps.push(OsString::from("..")),
                    std::path::Component::CurDir => {}
                    std::path::Component::RootDir | std::path::Component::Prefix(_) => {
                        return Resolved::Outside(shown_target)
                    }
                }
            }
            for c in comps.into_iter().rev() {
                pending.push_front(c);
            }
            last_link = Some(shown_target);
        } else if ft.is_dir() {
            stack.push(c);
        } else if ft.is_file() {
            if pending.iter().all(|p| p.is_empty() || p == ".") {
                return Resolved::File(p);
            }
            return Resolved::Absent(last_link);
        } else {
            return Resolved::Special("special file (fifo, socket or device)");
        }
    }
    Resolved::Dir
}

// ------------------------------------------------------------------------------------------------
// Listing
// ------------------------------------------------------------------------------------------------

impl GitTree {
    fn list(
        &self,
        revision: &str,
        select: &Selection,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), SourceError> {
        let repo = self.pool.lease(false);
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        let start = select.start();
        if !select.may_descend(&start) {
            return Ok((files, warnings));
        }
        // (tree id, path, raw components, states)
        let mut todo: Vec<(ObjectId, String, Vec<Vec<u8>>, States)> =
            vec![(self.tree, String::new(), Vec::new(), start)];
        while let Some((id, prefix, comps, states)) = todo.pop() {
            let entries = read_tree(&repo, id, revision, &prefix)?;
            for e in entries {
                if let Some(why) = bad_name(&e.name) {
                    warnings.push(SourceWarning {
                        revision: revision.to_string(),
                        path: join(&prefix, &String::from_utf8_lossy(&e.name)),
                        message: format!("tree entry with an invalid {why}; skipped"),
                    });
                    continue;
                }
                let st = select.step(&states, &e.name);
                if st.0.is_empty() {
                    continue;
                }
                let accept = select.accepts(&st);
                let descend = select.may_descend(&st);
                let wanted = accept || (descend && e.kind != GitKind::File);
                if !wanted {
                    continue;
                }
                let mut w = Vec::new();
                let name = component_str(&e.name, revision, &prefix, &mut w);
                let path = join(&prefix, &name);
                match e.kind {
                    GitKind::Tree => {
                        warnings.append(&mut w);
                        if descend {
                            let mut c = comps.clone();
                            c.push(e.name.clone());
                            todo.push((e.id, path, c, st));
                        }
                    }
                    GitKind::File => {
                        warnings.append(&mut w);
                        files.push(FileEntry {
                            path,
                            blob: BlobId::from_oid(&e.id),
                        });
                    }
                    GitKind::Submodule => {
                        warnings.append(&mut w);
                        warnings.push(SourceWarning {
                            revision: revision.to_string(),
                            path,
                            message: format!("submodule (commit {}) skipped", e.id),
                        });
                    }
                    GitKind::Link => {
                        let target = read_blob(&repo, BlobId::from_oid(&e.id), revision, &path)?;
                        let shown = String::from_utf8_lossy(&target).into_owned();
                        // Resolve the link itself from its directory, so the resolver reports this link's
                        // target when it is the one leaving the tree.
                        let res = resolve_git(
                            &repo,
                            self.tree,
                            &comps,
                            VecDeque::from([e.name.clone()]),
                            revision,
                            &path,
                        )?;
                        match res {
                            Resolved::File(id) if accept => {
                                warnings.append(&mut w);
                                files.push(FileEntry {
                                    path,
                                    blob: BlobId::from_oid(&id),
                                });
                            }
                            Resolved::File(_) => {} // a file where only directories could match
                            Resolved::Dir if !descend => {} // a directory where only files could match
                            other => {
                                warnings.append(&mut w);
                                warnings.push(SourceWarning {
                                    revision: revision.to_string(),
                                    path,
                                    message: other.link_warning(&shown),
                                });
                            }
                        }
                    }
                }
            }
        }
        Ok((files, warnings))
    }
}

impl DirTree {
    fn list(
        &self,
        revision: &str,
        select: &Selection,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), SourceError> {
        let mut warnings = Vec::new();
        // (listed path, real file path to read)
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        let mut non_utf8: Vec<(String, Vec<OsString>)> = Vec::new();
        let start = select.start();
        let io_err = |path: &str, e: std::io::Error| SourceError::Read {
            revision: revision.to_string(),
            what: format!("`{path}`"),
            reason: e.to_string(),
        };
        if select.may_descend(&start) {
            // (abs dir, listed prefix, real components, states, lossy?)
            let mut todo: Vec<(PathBuf, String, Vec<OsString>, States, bool)> =
                vec![(self.root.clone(), String::new(), Vec::new(), start, false)];
            while let Some((abs, prefix, comps, states, lossy_dir)) = todo.pop() {
                let rd = std::fs::read_dir(&abs)
                    .map_err(|e| io_err(if prefix.is_empty() { "/" } else { &prefix }, e))?;
                for de in rd {
                    let de = de.map_err(|e| io_err(&prefix, e))?;
                    let os_name = de.file_name();
                    if os_name == ".git" {
                        continue;
                    }
                    let raw = os_to_bytes(&os_name);
                    let st = select.step(&states, &raw);
                    if st.0.is_empty() {
                        continue;
                    }
                    let accept = select.accepts(&st);
                    let descend = select.may_descend(&st);
                    let ft = de.file_type().map_err(|e| io_err(&prefix, e))?;
                    let wanted = accept || (descend && !ft.is_file());
                    if !wanted {
                        continue;
                    }
                    let mut w = Vec::new();
                    let name = component_str(&raw, revision, &prefix, &mut w);
                    let lossy = lossy_dir || matches!(name, Cow::Owned(_));
                    let path = join(&prefix, &name);
                    let mut real = comps.clone();
                    real.push(os_name.clone());
                    if ft.is_dir() {
                        warnings.append(&mut w);
                        if descend {
                            todo.push((de.path(), path, real, st, lossy));
                        }
                    } else if ft.is_file() {
                        warnings.append(&mut w);
                        if lossy {
                            non_utf8.push((path.clone(), real));
                        }
                        found.push((path, de.path()));
                    } else if ft.is_symlink() {
                        let res =
                            resolve_dir(&self.root, &comps, VecDeque::from([os_name.clone()]));
                        let shown = std::fs::read_link(de.path())
                            .map(|t| t.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        match res {
                            Resolved::File(p) if accept => {
                                warnings.append(&mut w);
                                if lossy {
                                    non_utf8.push((path.clone(), real));
                                }
                                found.push((path, p));
                            }
                            Resolved::File(_) => {}
                            Resolved::Dir if !descend => {}
                            other => {
                                warnings.append(&mut w);
                                warnings.push(SourceWarning {
                                    revision: revision.to_string(),
                                    path,
                                    message: other.link_warning(&shown),
                                });
                            }
                        }
                    } else if accept {
                        warnings.append(&mut w);
                        warnings.push(SourceWarning {
                            revision: revision.to_string(),
                            path,
                            message: "not a regular file (fifo, socket or device); skipped".into(),
                        });
                    }
                }
            }
        }
        if !non_utf8.is_empty() {
            self.non_utf8
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(non_utf8);
        }
        let files: Vec<FileEntry> = found
            .par_iter()
            .map(|(path, real)| {
                let bytes = std::fs::read(real).map_err(|e| io_err(path, e))?;
                Ok(FileEntry {
                    path: path.clone(),
                    blob: BlobId::of_bytes(&bytes),
                })
            })
            .collect::<Result<_, SourceError>>()?;
        Ok((files, warnings))
    }

    /// Records the real file of each (name, listed path).
    fn rename(&self, renamed: Vec<(String, String)>) {
        let mut real = self.non_utf8.lock().unwrap_or_else(|e| e.into_inner());
        for (name, listed) in renamed {
            let comps = real.get(&listed).cloned().unwrap_or_else(|| {
                listed
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .map(OsString::from)
                    .collect()
            });
            real.insert(name, comps);
        }
    }

    fn read(&self, revision: &str, path: &str) -> Result<Vec<u8>, SourceError> {
        let mapped = self
            .non_utf8
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        let comps: VecDeque<OsString> = match mapped {
            Some(real) => real.into(),
            None => path
                .split('/')
                .filter(|c| !c.is_empty())
                .map(OsString::from)
                .collect(),
        };
        match resolve_dir(&self.root, &[], comps) {
            Resolved::File(p) => std::fs::read(&p).map_err(|e| SourceError::Read {
                revision: revision.to_string(),
                what: format!("`{path}`"),
                reason: e.to_string(),
            }),
            other => Err(other.into_error(revision, path)),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// History
// ------------------------------------------------------------------------------------------------

/// Commits reachable from `new` but not from `old` (all of `new ^old`, not only first parents), oldest first
/// (parents always before their children, otherwise by committer time), each with the files it changed
/// relative to its first parent restricted to `select`. Merge commits are included; their changes are
/// relative to the first parent, so they repeat what the merged branch brought in. Symlinks and submodules
/// are not reported as changed files.
///
/// Errors if either side is a directory or a tree that is not a commit, if they come from different
/// repositories, or if their histories are unrelated.
pub fn commits_between(
    old: &Tree,
    new: &Tree,
    select: &Selection,
) -> Result<Vec<CommitInfo>, SourceError> {
    let hist_err = |reason: String| SourceError::History {
        old: old.label.clone(),
        new: new.label.clone(),
        reason,
    };
    // A series' steps are its history from its base.
    if let Kind::Patched(p) = &new.kind {
        if old.tree_id() != p.base.tree_id() || old.location() != p.base.location() {
            return Err(hist_err(format!(
                "the series applies to `{}`, not to `{}`",
                p.base.label, old.label
            )));
        }
        return Ok(p
            .overlay
            .steps
            .iter()
            .map(|step| CommitInfo {
                changed: step
                    .changed
                    .iter()
                    .filter(|c| select.matches(&c.path))
                    .cloned()
                    .collect(),
                ..step.clone()
            })
            .collect());
    }
    fn git<'t>(
        t: &'t Tree,
        hist_err: &dyn Fn(String) -> SourceError,
    ) -> Result<(&'t GitTree, ObjectId), SourceError> {
        match &t.kind {
            Kind::Dir(_) => Err(hist_err(format!(
                "`{}` is a directory, not a git revision",
                t.label
            ))),
            Kind::Patched(_) => Err(hist_err(format!(
                "`{}` is a patch series, not a git revision",
                t.label
            ))),
            Kind::Git(g) => match g.commit {
                Some(c) => Ok((g, c)),
                None => Err(hist_err(format!("`{}` is a tree, not a commit", t.label))),
            },
        }
    }
    let (og, oc) = git(old, &hist_err)?;
    let (ng, nc) = git(new, &hist_err)?;
    if og.common_dir != ng.common_dir {
        return Err(hist_err(format!(
            "they come from different repositories ({} and {})",
            og.repo_path.display(),
            ng.repo_path.display()
        )));
    }
    if oc == nc {
        return Ok(Vec::new());
    }
    let repo = ng.pool.lease(true);
    match repo.merge_base(oc, nc) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(hist_err(
                "unrelated histories (no common ancestor)".to_string(),
            ))
        }
        Err(e) => {
            return Err(hist_err(format!(
                "cannot find a common ancestor: {}",
                error_chain(&e)
            )))
        }
    }
    let walk = repo
        .rev_walk([nc])
        .with_hidden([oc])
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
        .map_err(|e| hist_err(error_chain(&e)))?;
    let mut infos: Vec<(ObjectId, Vec<ObjectId>, i64)> = Vec::new();
    for info in walk {
        let info =
            info.map_err(|e| hist_err(format!("walking the history failed: {}", error_chain(&e))))?;
        let parents: Vec<ObjectId> = info.parent_ids.iter().copied().collect();
        infos.push((info.id, parents, info.commit_time.unwrap_or(0)));
    }
    drop(repo);
    let order = topo_oldest_first(&infos);
    let revision = format!("{}..{}", old.label, new.label);
    order
        .par_iter()
        .map_init(
            || ng.pool.lease(true),
            |repo, &i| commit_info(repo, infos[i].0, &revision, select),
        )
        .collect()
}

/// Orders commits (given newest-first, with parents and commit times) so that parents come before
/// children, otherwise oldest first.
fn topo_oldest_first(infos: &[(ObjectId, Vec<ObjectId>, i64)]) -> Vec<usize> {
    let index: HashMap<ObjectId, usize> = infos.iter().enumerate().map(|(i, c)| (c.0, i)).collect();
    let n = infos.len();
    let mut pending_parents = vec![0usize; n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, (_, parents, _)) in infos.iter().enumerate() {
        let mut seen = Vec::new();
        for p in parents {
            if let Some(&pi) = index.get(p) {
                if !seen.contains(&pi) {
                    seen.push(pi);
                    pending_parents[i] += 1;
                    children[pi].push(i);
                }
            }
        }
    }
    // Min-heap on (time, reverse walk position) so ties follow the walk's order, oldest first.
    let key = |i: usize| std::cmp::Reverse((infos[i].2, n - i));
    let mut heap: BinaryHeap<std::cmp::Reverse<(i64, usize)>> = BinaryHeap::new();
    for (i, &pending) in pending_parents.iter().enumerate() {
        if pending == 0 {
            heap.push(key(i));
        }
    }
    let mut out = Vec::with_capacity(n);
    while let Some(std::cmp::Reverse((_, rev))) = heap.pop() {
        let i = n - rev;
        out.push(i);
        for &c in &children[i] {
            pending_parents[c] -= 1;
            if pending_parents[c] == 0 {
                heap.push(key(c));
            }
        }
    }
    out
}

fn commit_info(
    repo: &gix::Repository,
    id: ObjectId,
    revision: &str,
    select: &Selection,
) -> Result<CommitInfo, SourceError> {
    let hex = id.to_string();
    let (kind, data) = find_raw(repo, id, revision, &format!("commit {hex}"))?;
    let invalid = |reason: String| SourceError::Invalid {
        revision: revision.to_string(),
        path: format!("commit {hex}"),
        reason,
    };
    if kind != gix::objs::Kind::Commit {
        return Err(invalid(format!("object is a {kind}, not a commit")));
    }
    let c = gix::objs::CommitRef::from_bytes(&data, gix::hash::Kind::Sha1)
        .map_err(|e| invalid(e.to_string()))?;
    let (author, date) = match c.author() {
        Ok(sig) => (
            format!(
                "{} <{}>",
                String::from_utf8_lossy(sig.name),
                String::from_utf8_lossy(sig.email)
            ),
            iso8601(sig.time),
        ),
        Err(_) => (
            String::from_utf8_lossy(c.author).into_owned(),
            iso8601("0 +0000"),
        ),
    };
    let message = String::from_utf8_lossy(c.message).into_owned();
    let subject = subject_of(&message);
    let new_tree = c.tree();
    let old_tree = match c.parents().next() {
        None => None,
        Some(p) => {
            let (pk, pdata) =
                find_raw(repo, p, &hex, &format!("the first parent of commit {hex}"))?;
            if pk != gix::objs::Kind::Commit {
                return Err(invalid(format!("parent {p} is a {pk}, not a commit")));
            }
            let pc = gix::objs::CommitRef::from_bytes(&pdata, gix::hash::Kind::Sha1)
                .map_err(|e| invalid(format!("parent {p}: {e}")))?;
            Some(pc.tree())
        }
    };
    let mut changed = Vec::new();
    diff_trees(repo, old_tree, Some(new_tree), select, &hex, &mut changed)?;
    changed.sort_by(|a: &ChangedFile, b| a.path.cmp(&b.path));
    Ok(CommitInfo {
        id: hex,
        author,
        date,
        subject,
        message,
        changed,
        patch: None,
    })
}

/// Files that differ between two trees (either may be absent), restricted to `select`, appended to `out`.
/// Iterative, so arbitrarily deep (crafted) trees cannot exhaust the stack.
fn diff_trees(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    select: &Selection,
    revision: &str,
    out: &mut Vec<ChangedFile>,
) -> Result<(), SourceError> {
    let mut todo: Vec<(Option<ObjectId>, Option<ObjectId>, String, States)> =
        vec![(old, new, String::new(), select.start())];
    while let Some((old, new, prefix, states)) = todo.pop() {
        if old == new {
            continue;
        }
        let read = |id: Option<ObjectId>| -> Result<Vec<GitEntry>, SourceError> {
            match id {
                None => Ok(Vec::new()),
                Some(id) => {
                    let mut v = read_tree(repo, id, revision, &prefix)?;
                    v.sort_by(|a, b| a.name.cmp(&b.name));
                    Ok(v)
                }
            }
        };
        let o = read(old)?;
        let n = read(new)?;
        let (mut i, mut j) = (0, 0);
        loop {
            let (oe, ne) = match (o.get(i), n.get(j)) {
                (Some(a), Some(b)) if a.name == b.name => {
                    i += 1;
                    j += 1;
                    (Some(a), Some(b))
                }
                (Some(a), Some(b)) if a.name < b.name => {
                    i += 1;
                    (Some(a), None)
                }
                (Some(_), Some(b)) => {
                    j += 1;
                    (None, Some(b))
                }
                (Some(a), None) => {
                    i += 1;
                    (Some(a), None)
                }
                (None, Some(b)) => {
                    j += 1;
                    (None, Some(b))
                }
                (None, None) => break,
            };
            let Some(name) = oe.or(ne).map(|e| &e.name) else {
                break;
            };
            if bad_name(name).is_some() {
                continue;
            }
            let st = select.step(&states, name);
            if st.0.is_empty() {
                continue;
            }
            let of = |e: Option<&GitEntry>, k: GitKind| e.filter(|e| e.kind == k).map(|e| e.id);
            let path = join(&prefix, &String::from_utf8_lossy(name));
            let (ob, nb) = (of(oe, GitKind::File), of(ne, GitKind::File));
            if (ob.is_some() || nb.is_some()) && ob != nb && select.accepts(&st) {
                out.push(ChangedFile {
                    path: path.clone(),
                    old: ob.map(|id| BlobId::from_oid(&id)),
                    new: nb.map(|id| BlobId::from_oid(&id)),
                });
            }
            let (ot, nt) = (of(oe, GitKind::Tree), of(ne, GitKind::Tree));
            if (ot.is_some() || nt.is_some()) && ot != nt && select.may_descend(&st) {
                todo.push((ot, nt, path, st));
            }
        }
    }
    Ok(())
}

/// First paragraph, lines trimmed and joined by spaces.
fn subject_of(message: &str) -> String {
    let mut parts = Vec::new();
    for line in message.lines() {
        let t = line.trim();
        if t.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        parts.push(t);
    }
    parts.join(" ")
}

/// "1700000000 +0130" -> "2023-11-14T23:43:20+01:30"; unparseable parts count as zero.
fn iso8601(raw: &str) -> String {
    let mut it = raw.split_whitespace();
    let secs: i64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let off = it.next().unwrap_or("+0000");
    let (sign, digits) = match off.as_bytes().first() {
        Some(b'-') => (-1i64, &off[1..]),
        Some(b'+') => (1, &off[1..]),
        _ => (1, off),
    };
    let (oh, om) = if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        (
            digits[..2].parse::<i64>().unwrap_or(0),
            digits[2..].parse::<i64>().unwrap_or(0),
        )
    } else {
        (0, 0)
    };
    let offset = sign * (oh * 3600 + om * 60);
    let local = secs.saturating_add(offset);
    let days = local.div_euclid(86_400);
    let tod = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}{oh:02}:{om:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        if sign < 0 { '-' } else { '+' }
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.clamp(-1_000_000_000, 1_000_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ------------------------------------------------------------------------------------------------
// Error helpers
// ------------------------------------------------------------------------------------------------

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
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

fn last_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        last = s.to_string();
        cur = s.source();
    }
    last
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Runs git in `dir` with a neutral environment; panics with its stderr on failure.
    fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
        // Keep any user/system configuration out; nothing is written to HOME by these commands.
        let home = std::env::temp_dir();
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .args([
                "-c",
                "user.name=Test Author",
                "-c",
                "user.email=test@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(["-c", "core.autocrlf=false", "-c", "commit.gpgsign=false"])
            .args(args)
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05+0100")
            .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05+0100");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        git_env(dir, args, &[])
    }

    fn write(root: &Path, rel: &str, content: &[u8]) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn commit_all(dir: &Path, msg: &str, date: &str) -> String {
        git(dir, &["add", "-A", "."]);
        git_env(
            dir,
            &["commit", "-q", "--allow-empty", "-m", msg],
            &[("GIT_AUTHOR_DATE", date), ("GIT_COMMITTER_DATE", date)],
        );
        git(dir, &["rev-parse", "HEAD"])
    }

    /// A repo with two commits, tagged `v1` (first) and `v2` (second).
    fn small_repo() -> (tempfile::TempDir, String, String) {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        git(d, &["init", "-q", "."]);
        write(d, "include/uapi/linux/a.h", b"#define A 1\n");
        write(d, "include/uapi/drm/drm.h", b"struct drm { int x; };\n");
        write(d, "include/linux/internal.h", b"internal\n");
        write(d, "arch/x86/include/uapi/asm/x.h", b"x86\n");
        write(d, "arch/arm/include/uapi/asm/y.h", b"arm\n");
        write(d, "arch/arm/include/asm/z.h", b"not uapi\n");
        write(d, "drivers/gpu/drm/drm_ioctl.c", b"ioctl.c\n");
        write(d, "drivers/gpu/drm/i915/i915.c", b"i915.c\n");
        write(d, "drivers/gpu/drm/i915/i915.h", b"i915.h\n");
        write(d, "MAINTAINERS", b"M: someone\n");
        let c1 = commit_all(d, "first", "2024-01-01T00:00:00+0000");
        git(d, &["tag", "v1"]);
        write(d, "include/uapi/linux/a.h", b"#define A 2\n");
        let c2 = commit_all(d, "second", "2024-01-02T00:00:00+0000");
        git(d, &["tag", "-a", "-m", "annotated", "v2"]);
        (td, c1, c2)
    }

    fn paths(files: &[FileEntry]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    fn uapi() -> Selection {
        Selection::new(&["include/uapi/**", "arch/*/include/uapi/**"])
    }

    #[test]
    fn types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Tree>();
        check::<Selection>();
        check::<SourceError>();
        check::<FileEntry>();
        check::<CommitInfo>();
    }

    #[test]
    fn open_by_tag_head_ancestor_and_ids() {
        let (td, c1, c2) = small_repo();
        let d = td.path();
        let by_tag = Tree::open(d, "v1").unwrap();
        assert_eq!(by_tag.label(), "v1");
        assert_eq!(by_tag.commit_id().as_deref(), Some(c1.as_str()));
        // An annotated tag peels to its commit.
        assert_eq!(
            Tree::open(d, "v2").unwrap().commit_id().as_deref(),
            Some(c2.as_str())
        );
        assert_eq!(
            Tree::open(d, "HEAD").unwrap().commit_id().as_deref(),
            Some(c2.as_str())
        );
        assert_eq!(
            Tree::open(d, "HEAD~1").unwrap().commit_id().as_deref(),
            Some(c1.as_str())
        );
        assert_eq!(
            Tree::open(d, &c1).unwrap().commit_id().as_deref(),
            Some(c1.as_str())
        );
        assert_eq!(
            Tree::open(d, &c2[..8]).unwrap().commit_id().as_deref(),
            Some(c2.as_str())
        );
        assert_eq!(
            Tree::open(d, "main").unwrap().commit_id().as_deref(),
            Some(c2.as_str())
        );
        // The repository may also be given by its .git directory.
        assert_eq!(
            Tree::open(&d.join(".git"), "v1")
                .unwrap()
                .commit_id()
                .as_deref(),
            Some(c1.as_str())
        );
        // A tree-ish that is not a commit.
        let t = Tree::open(d, "v1^{tree}").unwrap();
        assert_eq!(t.commit_id(), None);
        assert_eq!(t.tree_id().unwrap(), git(d, &["rev-parse", "v1^{tree}"]));
        let (f, _) = t.files(&Selection::new(&["MAINTAINERS"])).unwrap();
        assert_eq!(paths(&f), ["MAINTAINERS"]);
        // Content differs between the revisions.
        let a1 = by_tag.read_path("include/uapi/linux/a.h").unwrap().unwrap();
        let a2 = Tree::open(d, "HEAD")
            .unwrap()
            .read_path("include/uapi/linux/a.h")
            .unwrap()
            .unwrap();
        assert_eq!(a1, b"#define A 1\n");
        assert_eq!(a2, b"#define A 2\n");
        // A blob is not a tree.
        let err = Tree::open(d, "v1:MAINTAINERS").unwrap_err();
        assert!(matches!(err, SourceError::NotATree { .. }), "{err}");
    }

    #[test]
    fn open_directory_lists_and_reads() {
        let (td, _, _) = small_repo();
        let d = td.path();
        // Spec naming an existing directory: an unpacked tree, the repo argument is ignored.
        let t = Tree::open(Path::new("/nonexistent/repo"), d.to_str().unwrap()).unwrap();
        assert!(t.is_directory());
        assert_eq!(t.commit_id(), None);
        assert_eq!(t.label(), d.to_str().unwrap());
        let (files, warnings) = t.files(&uapi()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            paths(&files),
            [
                "arch/arm/include/uapi/asm/y.h",
                "arch/x86/include/uapi/asm/x.h",
                "include/uapi/drm/drm.h",
                "include/uapi/linux/a.h"
            ]
        );
        // Same ids as git gives the same content (the worktree has HEAD's content).
        let g = Tree::open(d, "HEAD").unwrap();
        let (gfiles, _) = g.files(&uapi()).unwrap();
        assert_eq!(files, gfiles);
        assert_eq!(t.read(&files[3]).unwrap(), b"#define A 2\n");
        assert_eq!(
            t.read_path("MAINTAINERS").unwrap().unwrap(),
            b"M: someone\n"
        );
        assert_eq!(t.read_path("NOPE").unwrap(), None);
        // `.git` is never listed, even by `**`.
        let (all, _) = t.files(&Selection::new(&["**"])).unwrap();
        assert!(all.iter().all(|f| !f.path.starts_with(".git/")));
        assert_eq!(all.len(), 10);
        assert!(all.iter().any(|f| f.path == "MAINTAINERS"));
    }

    #[test]
    fn unknown_revision_error_names_revision_and_repo() {
        let (td, _, _) = small_repo();
        let err = Tree::open(td.path(), "v9.9").unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, SourceError::UnknownRevision { .. }));
        let expected = format!(
            "unknown revision `v9.9` in repository {}",
            td.path().display()
        );
        assert!(msg.starts_with(&expected), "{msg}");
        let err = Tree::open(td.path(), "HEAD~7").unwrap_err();
        assert!(
            err.to_string().contains("unknown revision `HEAD~7`"),
            "{err}"
        );
    }

    #[test]
    fn non_repository_error() {
        let td = tempfile::tempdir().unwrap();
        let err = Tree::open(td.path(), "v6.1").unwrap_err();
        assert!(matches!(err, SourceError::NotARepository { .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "{} is not a git repository (and `v6.1` is not a directory)",
                td.path().display()
            )
        );
        let err = Tree::open(&td.path().join("missing"), "v6.1").unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a git repository (and `v6.1` is not a directory)"),
            "{err}"
        );
    }

    #[test]
    fn selection_matching() {
        let s = Selection::new(&[
            "include/uapi/**",
            "arch/*/include/uapi/**",
            "drivers/gpu/drm/**/*.c",
            "MAINTAINERS",
        ]);
        // `**`
        assert!(s.matches("include/uapi/linux/a.h"));
        assert!(s.matches("include/uapi/a.h"));
        assert!(!s.matches("include/uapi"), "dir/** names what is below dir");
        assert!(!s.matches("include/linux/a.h"));
        assert!(
            s.matches("drivers/gpu/drm/drm_ioctl.c"),
            "`**` may match zero components"
        );
        assert!(s.matches("drivers/gpu/drm/i915/gt/x.c"));
        assert!(!s.matches("drivers/gpu/drm/i915/x.h"));
        // `*` stays within one component
        assert!(s.matches("arch/x86/include/uapi/asm/x.h"));
        assert!(!s.matches("arch/x86/um/include/uapi/asm/x.h"));
        assert!(!s.matches("arch/include/uapi/asm/x.h"));
        // exact file
        assert!(s.matches("MAINTAINERS"));
        assert!(!s.matches("MAINTAINERS.old"));
        assert!(!s.matches("Documentation/MAINTAINERS"));
        // component globs
        let g = Selection::new(&["a/*.h", "b/x?z", "c/**/d/*"]);
        assert!(
            g.matches("a/foo.h")
                && g.matches("a/.h")
                && !g.matches("a/foo.c")
                && !g.matches("a/sub/foo.h")
        );
        assert!(g.matches("b/xyz") && !g.matches("b/xz") && !g.matches("b/xyyz"));
        assert!(
            g.matches("c/d/e")
                && g.matches("c/1/2/d/e")
                && !g.matches("c/d")
                && !g.matches("c/1/d/e/f")
        );
        assert!(glob_component(b"*a*b*", b"xaxxbx") && !glob_component(b"*a*b", b"xaxxbx"));
        assert!(glob_component(b"**", b"") && glob_component(b"*", b"anything"));
        let none = Selection::new(&[]);
        assert!(!none.matches("a") && !none.may_contain(""));
    }

    #[test]
    fn selection_may_contain_prunes_directories() {
        let s = Selection::new(&[
            "include/uapi/**",
            "arch/*/include/uapi/**",
            "drivers/gpu/drm/**/*.c",
            "MAINTAINERS",
        ]);
        for yes in [
            "",
            "include",
            "include/uapi",
            "include/uapi/linux",
            "arch",
            "arch/x86",
            "arch/x86/include",
            "arch/x86/include/uapi/asm",
            "drivers",
            "drivers/gpu",
            "drivers/gpu/drm",
            "drivers/gpu/drm/i915/gt",
        ] {
            assert!(s.may_contain(yes), "{yes} should be descended into");
        }
        for no in [
            "include/linux",
            "Documentation",
            "arch/x86/kernel",
            "arch/x86/include/asm",
            "drivers/net",
            "drivers/gpu/host1x",
            "kernel",
            "MAINTAINERS",
            "fs",
        ] {
            assert!(!s.may_contain(no), "{no} should not be descended into");
        }
        let exact = Selection::new(&["MAINTAINERS"]);
        assert!(exact.may_contain("") && !exact.may_contain("include"));
    }

    #[test]
    fn listing_only_reads_selected_subtrees() {
        let (td, _, _) = small_repo();
        let d = td.path();
        // Make the `include/linux` and `drivers` trees unreadable: listing uapi must not need them.
        for sub in ["include/linux", "drivers"] {
            let id = git(d, &["rev-parse", &format!("HEAD:{sub}")]);
            let p = d.join(".git/objects").join(&id[..2]).join(&id[2..]);
            std::fs::remove_file(&p).expect("loose tree object");
        }
        let t = Tree::open(d, "HEAD").unwrap();
        let (files, _) = t.files(&uapi()).unwrap();
        assert_eq!(files.len(), 4);
        // ...while a selection that needs one fails with an error naming revision and path.
        let err = t
            .files(&Selection::new(&["drivers/gpu/drm/**"]))
            .unwrap_err();
        assert!(matches!(err, SourceError::MissingObject { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.starts_with("revision `HEAD`: object ")
                && msg.contains("for `drivers` is missing (shallow or partial clone?)"),
            "{msg}"
        );
    }

    #[test]
    fn missing_blob_names_revision_and_path() {
        let (td, _, _) = small_repo();
        let d = td.path();
        let t = Tree::open(d, "v1").unwrap();
        let (files, _) = t
            .files(&Selection::new(&["include/uapi/drm/drm.h"]))
            .unwrap();
        let id = files[0].blob.to_string();
        std::fs::remove_file(d.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
        let err = t.read(&files[0]).unwrap_err();
        assert_eq!(err.to_string(), format!("revision `v1`: object {id} for `include/uapi/drm/drm.h` is missing (shallow or partial clone?)"));
        assert!(t.read_all(&files).is_err());
        assert!(t.read_path("include/uapi/drm/drm.h").is_err());
    }

    #[test]
    fn read_all_keeps_input_order() {
        let (td, _, _) = small_repo();
        let d = td.path();
        let sel = Selection::new(&["**"]);
        for t in [
            Tree::open(d, "v1").unwrap(),
            Tree::open(d, d.to_str().unwrap()).unwrap(),
        ] {
            let (mut files, _) = t.files(&sel).unwrap();
            assert_eq!(files.len(), 10);
            files.reverse();
            let many: Vec<FileEntry> = files
                .iter()
                .cycle()
                .take(files.len() * 7)
                .cloned()
                .collect();
            let data = t.read_all(&many).unwrap();
            assert_eq!(data.len(), many.len());
            for (f, bytes) in many.iter().zip(&data) {
                assert_eq!(BlobId::of_bytes(bytes), f.blob, "{}", f.path);
                assert_eq!(bytes, &t.read(f).unwrap());
            }
            assert_eq!(data[0], t.read_path(&many[0].path).unwrap().unwrap());
        }
    }

    #[test]
    fn directory_blob_id_equals_git_hash_object() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        let contents: [&[u8]; 4] = [b"", b"hello\n", b"\0binary\xff\xfe", &[b'x'; 100_000]];
        for (i, c) in contents.iter().enumerate() {
            write(d, &format!("f{i}"), c);
        }
        let t = Tree::open(Path::new("/nonexistent"), d.to_str().unwrap()).unwrap();
        let (files, _) = t.files(&Selection::new(&["f*"])).unwrap();
        assert_eq!(files.len(), 4);
        for f in &files {
            let expected = git(d, &["hash-object", &f.path]);
            assert_eq!(f.blob.to_string(), expected, "{}", f.path);
        }
    }

    #[test]
    fn git_symlinks_inside_and_outside() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        git(d, &["init", "-q", "."]);
        write(d, "include/uapi/real.h", b"real\n");
        write(d, "include/other/target.h", b"other\n");
        write(d, "outside.h", b"outside\n");
        let ln =
            |target: &str, link: &str| std::os::unix::fs::symlink(target, d.join(link)).unwrap();
        ln("real.h", "include/uapi/same_dir.h");
        ln("../other/target.h", "include/uapi/up.h");
        ln("../../../etc/passwd", "include/uapi/escape.h");
        ln("/etc/passwd", "include/uapi/absolute.h");
        ln("missing.h", "include/uapi/dangling.h");
        ln("loop_b.h", "include/uapi/loop_a.h");
        ln("loop_a.h", "include/uapi/loop_b.h");
        ln("../other", "include/uapi/dirlink");
        ln("../uapi/same_dir.h", "include/uapi/chain.h");
        ln("dirlink/target.h", "include/uapi/via_dirlink.h");
        commit_all(d, "links", "2024-01-01T00:00:00+0000");
        let real_id = git(d, &["rev-parse", "HEAD:include/uapi/real.h"]);
        let other_id = git(d, &["rev-parse", "HEAD:include/other/target.h"]);
        let sel = Selection::new(&["include/uapi/**"]);
        let dir_label = d.to_str().unwrap().to_string();
        for t in [
            Tree::open(d, "HEAD").unwrap(),
            Tree::open(d, &dir_label).unwrap(),
        ] {
            let (files, warnings) = t.files(&sel).unwrap();
            let got: Vec<(&str, String)> = files
                .iter()
                .map(|f| (f.path.as_str(), f.blob.to_string()))
                .collect();
            assert_eq!(
                got,
                [
                    ("include/uapi/chain.h", real_id.clone()),
                    ("include/uapi/real.h", real_id.clone()),
                    ("include/uapi/same_dir.h", real_id.clone()),
                    ("include/uapi/up.h", other_id.clone()),
                    ("include/uapi/via_dirlink.h", other_id.clone()),
                ],
                "{}",
                t.label()
            );
            let w: Vec<(&str, &str)> = warnings
                .iter()
                .map(|w| (w.path.as_str(), w.message.as_str()))
                .collect();
            let find = |p: &str| {
                w.iter()
                    .find(|(wp, _)| *wp == p)
                    .map(|(_, m)| *m)
                    .unwrap_or_else(|| panic!("no warning for {p}: {w:?}"))
            };
            assert!(
                find("include/uapi/escape.h").contains("`../../../etc/passwd`")
                    && find("include/uapi/escape.h").contains("outside"),
                "{w:?}"
            );
            assert!(
                find("include/uapi/absolute.h").contains("`/etc/passwd` points outside the tree")
            );
            assert!(find("include/uapi/dangling.h").contains("`missing.h` dangles"));
            assert!(find("include/uapi/loop_a.h").contains("loops"));
            assert!(find("include/uapi/loop_b.h").contains("loops"));
            assert!(find("include/uapi/dirlink").contains("directory"));
            assert_eq!(w.len(), 6, "{w:?}");
            assert!(warnings.iter().all(|w| w.revision == t.label()));
            // Reading a link reads its target.
            let up = files
                .iter()
                .find(|f| f.path == "include/uapi/up.h")
                .unwrap();
            assert_eq!(t.read(up).unwrap(), b"other\n");
            assert_eq!(
                t.read_path("include/uapi/chain.h").unwrap().unwrap(),
                b"real\n"
            );
            assert_eq!(t.read_path("include/uapi/dangling.h").unwrap(), None);
            assert!(t
                .read_path("include/uapi/escape.h")
                .unwrap_err()
                .to_string()
                .contains("leaving the tree"));
            assert!(t
                .read_path("include/uapi/loop_a.h")
                .unwrap_err()
                .to_string()
                .contains("loop"));
            assert!(t
                .read_path("include/uapi")
                .unwrap_err()
                .to_string()
                .contains("is a directory"));
            assert!(t.read_path("../outside.h").is_err());
        }
    }

    #[test]
    fn directory_never_follows_links_out_of_root() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("tree");
        write(&root, "include/uapi/in.h", b"in\n");
        write(outer.path(), "secret.h", b"secret\n");
        std::os::unix::fs::symlink("../../../secret.h", root.join("include/uapi/out.h")).unwrap();
        std::os::unix::fs::symlink(
            outer.path().join("secret.h"),
            root.join("include/uapi/abs.h"),
        )
        .unwrap();
        std::os::unix::fs::symlink("../..", root.join("include/uapi/up")).unwrap();
        std::os::unix::fs::symlink(outer.path(), root.join("include/uapi/outdir")).unwrap();
        let fifo = root.join("include/uapi/fifo.h");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let t = Tree::open(Path::new("/nonexistent"), root.to_str().unwrap()).unwrap();
        let (files, warnings) = t.files(&Selection::new(&["include/uapi/**"])).unwrap();
        assert_eq!(paths(&files), ["include/uapi/in.h"]);
        let w: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(
            w,
            [
                "include/uapi/abs.h",
                "include/uapi/fifo.h",
                "include/uapi/out.h",
                "include/uapi/outdir",
                "include/uapi/up"
            ],
            "{warnings:?}"
        );
        assert!(
            warnings[2].message.contains("outside")
                || warnings[2].message.contains("leaves the tree")
        );
        assert!(t.read_path("include/uapi/out.h").is_err());
        assert!(t.read_path("include/uapi/outdir/secret.h").is_err());
        assert!(t
            .read(&FileEntry {
                path: "include/uapi/out.h".into(),
                blob: BlobId([0; 20])
            })
            .is_err());
    }

    #[test]
    fn submodules_and_non_utf8_names_warn() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        git(d, &["init", "-q", "."]);
        write(d, "include/uapi/ok.h", b"ok\n");
        let name = std::ffi::OsStr::from_bytes_helper(b"include/uapi/bad\xffname.h");
        std::fs::write(d.join(&name), b"bad name\n").unwrap();
        git(d, &["add", "-A", "."]);
        let c = git(d, &["commit-tree", "-m", "x", &git(d, &["write-tree"])]);
        git(
            d,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{c},include/uapi/sub"),
            ],
        );
        git(d, &["commit", "-q", "-m", "with submodule"]);
        let t = Tree::open(d, "HEAD").unwrap();
        let (files, warnings) = t.files(&Selection::new(&["include/uapi/**"])).unwrap();
        assert_eq!(
            paths(&files),
            ["include/uapi/bad\u{fffd}name.h", "include/uapi/ok.h"]
        );
        assert_eq!(t.read(&files[0]).unwrap(), b"bad name\n");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings
            .iter()
            .any(|w| w.path == "include/uapi/sub" && w.message.contains("submodule")));
        assert!(warnings
            .iter()
            .any(|w| w.path == "include/uapi/bad\u{fffd}name.h" && w.message.contains("UTF-8")));
        // Directory mode reads the real (non-UTF-8) file behind the lossy name.
        let dt = Tree::open(d, d.to_str().unwrap()).unwrap();
        let (dfiles, dwarn) = dt.files(&Selection::new(&["include/uapi/**"])).unwrap();
        assert_eq!(
            paths(&dfiles),
            ["include/uapi/bad\u{fffd}name.h", "include/uapi/ok.h"]
        );
        assert_eq!(dfiles[0].blob, files[0].blob);
        assert_eq!(dt.read_all(&dfiles).unwrap()[0], b"bad name\n");
        assert!(dwarn.iter().any(|w| w.message.contains("UTF-8")));
    }

    trait FromBytesHelper {
        fn from_bytes_helper(b: &[u8]) -> OsString;
    }
    impl FromBytesHelper for OsStr {
        fn from_bytes_helper(b: &[u8]) -> OsString {
            bytes_to_os(b)
        }
    }

    #[test]
    fn commits_between_walks_all_commits_with_changes_and_trailers() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        git(d, &["init", "-q", "."]);
        write(d, "include/uapi/a.h", b"a1\n");
        write(d, "kernel/x.c", b"x1\n");
        let base = commit_all(d, "base", "2024-01-01T00:00:00+0000");
        git(d, &["tag", "old"]);
        // A side branch, merged later: its commit must be listed even though it is not a first parent.
        git(d, &["checkout", "-q", "-b", "side"]);
        write(d, "include/uapi/side.h", b"side\n");
        let side = commit_all(
            d,
            "drm: add side header\n\nLonger body.\n\nSigned-off-by: Side Dev <side@example.com>",
            "2024-01-03T00:00:00+0000",
        );
        git(d, &["checkout", "-q", "main"]);
        write(d, "include/uapi/a.h", b"a2\n");
        write(d, "kernel/x.c", b"x2\n");
        let m1 = commit_all(
            d,
            "uapi: change a\nsecond subject line\n\nBody text.\n\nSigned-off-by: Test Author <test@example.com>\nLink: https://example.com/x\n",
            "2024-01-02T10:20:30+0130",
        );
        write(d, "kernel/x.c", b"x3\n");
        let m2 = commit_all(d, "kernel only", "2024-01-04T00:00:00-0700");
        git_env(
            d,
            &["merge", "-q", "--no-ff", "-m", "Merge side", "side"],
            &[
                ("GIT_AUTHOR_DATE", "2024-01-05T00:00:00+0000"),
                ("GIT_COMMITTER_DATE", "2024-01-05T00:00:00+0000"),
            ],
        );
        let merge = git(d, &["rev-parse", "HEAD"]);
        std::fs::remove_file(d.join("include/uapi/a.h")).unwrap();
        let del = commit_all(d, "remove a", "2024-01-06T00:00:00+0000");
        git(d, &["tag", "new"]);

        let old = Tree::open(d, "old").unwrap();
        let new = Tree::open(d, "new").unwrap();
        let sel = Selection::new(&["include/uapi/**"]);
        let commits = commits_between(&old, &new, &sel).unwrap();
        let ids: Vec<&str> = commits.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                m1.as_str(),
                side.as_str(),
                m2.as_str(),
                merge.as_str(),
                del.as_str()
            ]
        );
        assert!(!ids.contains(&base.as_str()));

        let blob = |rev: &str| {
            BlobId({
                let hex = git(d, &["rev-parse", rev]);
                let mut b = [0u8; 20];
                for i in 0..20 {
                    b[i] = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
                }
                b
            })
        };
        let c = &commits[0];
        assert_eq!(c.author, "Test Author <test@example.com>");
        assert_eq!(c.date, "2024-01-02T10:20:30+01:30");
        assert_eq!(c.subject, "uapi: change a second subject line");
        assert!(
            c.message.contains(
                "Signed-off-by: Test Author <test@example.com>\nLink: https://example.com/x"
            ),
            "{:?}",
            c.message
        );
        assert!(c
            .message
            .starts_with("uapi: change a\nsecond subject line\n\nBody text."));
        assert_eq!(
            c.changed,
            [ChangedFile {
                path: "include/uapi/a.h".into(),
                old: Some(blob(&format!("{base}:include/uapi/a.h"))),
                new: Some(blob(&format!("{m1}:include/uapi/a.h")))
            }]
        );
        let s = &commits[1];
        assert_eq!(s.subject, "drm: add side header");
        assert!(s
            .message
            .contains("Signed-off-by: Side Dev <side@example.com>"));
        assert_eq!(
            s.changed,
            [ChangedFile {
                path: "include/uapi/side.h".into(),
                old: None,
                new: Some(blob(&format!("{side}:include/uapi/side.h")))
            }]
        );
        assert!(
            commits[2].changed.is_empty(),
            "kernel/x.c is outside the selection"
        );
        assert_eq!(commits[2].date, "2024-01-04T00:00:00-07:00");
        // The merge, relative to its first parent, brings in side.h.
        assert_eq!(commits[3].changed.len(), 1);
        assert_eq!(commits[3].changed[0].path, "include/uapi/side.h");
        assert_eq!(
            commits[4].changed,
            [ChangedFile {
                path: "include/uapi/a.h".into(),
                old: Some(blob(&format!("{m1}:include/uapi/a.h"))),
                new: None
            }]
        );

        // Nothing between a revision and itself or from new back to old.
        assert!(commits_between(&new, &new, &sel).unwrap().is_empty());
        assert!(commits_between(&new, &old, &sel).unwrap().is_empty());
        // Root commits diff against the empty tree.
        let root = Tree::open(d, &base).unwrap();
        let all = commits_between(&Tree::open(d, &side).unwrap(), &root, &sel);
        assert!(all.unwrap().is_empty());

        // Directories, trees and unrelated histories are errors.
        let dir = Tree::open(d, d.to_str().unwrap()).unwrap();
        let err = commits_between(&dir, &new, &sel).unwrap_err();
        assert!(
            err.to_string()
                .contains("is a directory, not a git revision"),
            "{err}"
        );
        let err = commits_between(&Tree::open(d, "old^{tree}").unwrap(), &new, &sel).unwrap_err();
        assert!(err.to_string().contains("is a tree, not a commit"), "{err}");
        git(d, &["checkout", "-q", "--orphan", "unrelated"]);
        git(d, &["rm", "-q", "-r", "-f", "."]);
        write(d, "include/uapi/u.h", b"u\n");
        commit_all(d, "unrelated root", "2024-02-01T00:00:00+0000");
        let unrelated = Tree::open(d, "unrelated").unwrap();
        let err = commits_between(&old, &unrelated, &sel).unwrap_err();
        assert_eq!(err.to_string(), "cannot list the commits between `old` and `unrelated`: unrelated histories (no common ancestor)");
        // Different repositories.
        let (other, _, _) = small_repo();
        let err =
            commits_between(&Tree::open(other.path(), "v1").unwrap(), &new, &sel).unwrap_err();
        assert!(err.to_string().contains("different repositories"), "{err}");
    }

    #[test]
    fn repository_config_never_runs_anything() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        git(d, &["init", "-q", "."]);
        write(d, "include/uapi/a.h", b"a1\n");
        write(
            d,
            ".gitattributes",
            b"* filter=x diff=x\n*.h filter=x diff=x\n",
        );
        commit_all(d, "one", "2024-01-01T00:00:00+0000");
        git(d, &["tag", "one"]);
        write(d, "include/uapi/a.h", b"a2\n");
        commit_all(d, "two", "2024-01-02T00:00:00+0000");
        // Only now configure the programs, so that git itself never ran them while setting up.
        let marker = d.join("MARKER");
        let script = d.join("evil.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho ran \"$@\" >> '{}'\ncat\n",
                marker.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let s = script.to_str().unwrap();
        for (k, v) in [
            ("core.fsmonitor", s),
            ("filter.x.smudge", s),
            ("filter.x.clean", s),
            ("diff.x.textconv", s),
            ("diff.x.command", s),
            ("core.hooksPath", d.to_str().unwrap()),
            ("core.pager", s),
            ("core.sshCommand", s),
            ("gc.auto", "1"),
        ] {
            git(d, &["config", k, v]);
        }
        for hook in [
            "post-checkout",
            "pre-commit",
            "post-index-change",
            "reference-transaction",
            "fsmonitor-watchman",
        ] {
            let h = d.join(".git/hooks").join(hook);
            std::fs::write(
                &h,
                format!("#!/bin/sh\necho hook >> '{}'\n", marker.display()),
            )
            .unwrap();
            std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let sel = Selection::new(&["**"]);
        let old = Tree::open(d, "one").unwrap();
        let new = Tree::open(d, "HEAD").unwrap();
        for t in [&old, &new] {
            let (files, _) = t.files(&sel).unwrap();
            let data = t.read_all(&files).unwrap();
            for (f, bytes) in files.iter().zip(&data) {
                assert_eq!(bytes, &t.read(f).unwrap());
            }
            t.read_path(".gitattributes").unwrap().unwrap();
        }
        assert_eq!(
            new.read_path("include/uapi/a.h").unwrap().unwrap(),
            b"a2\n",
            "raw blob bytes"
        );
        let commits = commits_between(&old, &new, &sel).unwrap();
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].changed.len(), 1);
        assert!(!marker.exists(), "a repository-configured program ran");
        // Sanity check that the trap works: git itself runs the textconv driver.
        git(
            d,
            &[
                "-c",
                "core.fsmonitor=false",
                "diff",
                "--no-ext-diff",
                "--textconv",
                "one",
                "HEAD",
                "--",
                "include/uapi/a.h",
            ],
        );
        assert!(marker.exists(), "the trap should have fired for git itself");
    }

    #[test]
    fn dates_and_subjects() {
        assert_eq!(iso8601("0 +0000"), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601("1700000000 +0130"), "2023-11-14T23:43:20+01:30");
        assert_eq!(iso8601("1700000000 -0800"), "2023-11-14T14:13:20-08:00");
        assert_eq!(iso8601("951782400 +0000"), "2000-02-29T00:00:00+00:00");
        assert_eq!(iso8601("-86400 +0000"), "1969-12-31T00:00:00+00:00");
        assert_eq!(iso8601("garbage"), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            iso8601("9223372036854775807 +9999"),
            iso8601("9223372036854775807 +9999")
        );
        assert_eq!(subject_of("\n\n a\nb \n\nc"), "a b");
        assert_eq!(subject_of(""), "");
    }

    #[test]
    fn blob_id_display_and_hash() {
        let id = BlobId::of_bytes(b"hello\n");
        assert_eq!(id.to_string(), "ce013625030ba8dba906f756967f9e9ca394464a");
        assert_eq!(
            BlobId::of_bytes(b"").to_string(),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
    }
}
