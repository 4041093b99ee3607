//! A git revision read straight from the object database with `gix`: no checkout, no temporary tree,
//! no `git` subprocess.
//!
//! # Safety against the repository
//! Nothing configured by the repository is ever executed or even consulted for behaviour: the repository is
//! opened with [`gix::open::Options::isolated`] (no system/global/user config, no environment variables, no
//! config includes), explicitly at [`gix::sec::Trust::Reduced`], and with a config-section filter that
//! rejects *every* section, so no repository-local setting (filters, textconv, fsmonitor, hooks paths...)
//! is used by the lookups that honour the filter. On top of that, `gix` is built without its `attributes`
//! feature, so the filter pipeline (clean/smudge, `.gitattributes`) is not even compiled in, and this module
//! only ever asks the object database for raw objects: blobs are returned byte for byte as stored.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use gix::objs::Find as _;
use gix::ObjectId;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::error::{error_chain, last_cause};
use super::links::{Resolved, MAX_SYMLINK_HOPS};
use super::select::States;
use super::{component_str, join, BlobId, FileEntry, Selection, SourceError, SourceWarning};

/// A commit or tree of a repository.
pub(super) struct GitTree {
    pub(super) repo_path: PathBuf,
    /// Canonical common git dir, to tell whether two trees come from the same repository.
    pub(super) common_dir: PathBuf,
    pub(super) pool: RepoPool,
    pub(super) commit: Option<ObjectId>,
    pub(super) tree: ObjectId,
}

impl GitTree {
    /// The revision `spec` of the repository at `repo`, tags peeled to their commit or tree.
    pub(super) fn open(repo: &Path, spec: &str) -> Result<GitTree, SourceError> {
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
            .map_err(|e| {
                unknown(
                    last_cause(&e).or_else(|| Some("no tag, branch or commit of that name".into())),
                )
            })?
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
        Ok(GitTree {
            repo_path: repo.to_path_buf(),
            common_dir,
            pool,
            commit,
            tree,
        })
    }

    /// `git describe --tags` of the commit (the nearest tag, then the commits since it and the
    /// abbreviated id when the commit is not tagged itself: `v6.12-3-g14a9391`); None for a tree,
    /// or a commit with no tag in its history.
    pub(super) fn describe(&self) -> Option<String> {
        let repo = self.pool.lease(true);
        let commit = repo.find_commit(self.commit?).ok()?;
        let name = commit
            .describe()
            .names(gix::commit::describe::SelectRef::AllTags)
            .try_format()
            .ok()??;
        Some(name.to_string())
    }

    /// Reads many entries in parallel, results in input order.
    pub(super) fn read_all(
        &self,
        revision: &str,
        entries: &[FileEntry],
    ) -> Result<Vec<Vec<u8>>, SourceError> {
        entries
            .par_iter()
            .map_init(
                || self.pool.lease(false),
                |repo, e| read_blob(repo, e.blob, revision, &e.path),
            )
            .collect()
    }

    pub(super) fn read(&self, revision: &str, entry: &FileEntry) -> Result<Vec<u8>, SourceError> {
        read_blob(&self.pool.lease(false), entry.blob, revision, &entry.path)
    }

    /// The file at `comps` (`path` split), symlinks followed within the tree; None if absent.
    pub(super) fn read_path(
        &self,
        revision: &str,
        path: &str,
        comps: Vec<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, SourceError> {
        let repo = self.pool.lease(false);
        match resolve_git(&repo, self.tree, &[], comps.into(), revision, path)? {
            Resolved::File(id) => read_blob(&repo, BlobId::from_oid(&id), revision, path).map(Some),
            Resolved::Absent(_) => Ok(None),
            other => Err(other.into_error(revision, path)),
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
pub(super) struct RepoPool {
    ts: gix::ThreadSafeRepository,
    plain: Mutex<Vec<gix::Repository>>,
    cached: Mutex<Vec<gix::Repository>>,
}

pub(super) struct Lease<'a> {
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
    pub(super) fn lease(&self, cached: bool) -> Lease<'_> {
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
pub(super) fn find_raw(
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

/// What a tree entry is, by its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GitKind {
    Tree,
    File,
    Link,
    Submodule,
}

/// One entry of a tree object.
#[derive(Clone)]
pub(super) struct GitEntry {
    pub(super) name: Vec<u8>,
    pub(super) kind: GitKind,
    pub(super) id: ObjectId,
}

/// Tree objects decoded so far, by id: the same id is the same tree in any repository and at any
/// revision, and the revisions of a walk share most of their subtrees (each revision lists its
/// headers, DRM sources and syscall tables, some of them twice). Forgotten whole when it holds
/// `DECODED_TREES_KEPT` trees (a kernel revision's listed subtrees are a few thousand).
static DECODED_TREES: LazyLock<Mutex<FxHashMap<ObjectId, Arc<[GitEntry]>>>> =
    LazyLock::new(Mutex::default);
const DECODED_TREES_KEPT: usize = 50_000;

/// Reads and decodes a tree object (or takes it decoded). `path` ("" for the root) names it in
/// errors.
pub(super) fn read_tree(
    repo: &gix::Repository,
    id: ObjectId,
    revision: &str,
    path: &str,
) -> Result<Arc<[GitEntry]>, SourceError> {
    let decoded = || DECODED_TREES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(entries) = decoded().get(&id) {
        return Ok(entries.clone());
    }
    let entries: Arc<[GitEntry]> = decode_tree(repo, id, revision, path)?.into();
    let mut kept = decoded();
    if kept.len() >= DECODED_TREES_KEPT {
        kept.clear();
    }
    kept.insert(id, entries.clone());
    Ok(entries)
}

fn decode_tree(
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
pub(super) fn bad_name(name: &[u8]) -> Option<&'static str> {
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
        match entries.iter().find(|e| e.name == *c) {
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
        let Some(e) = entries.iter().find(|e| e.name == c) else {
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

impl GitTree {
    /// The files `select` matches (links resolved within the tree), reading only the subtrees that
    /// may hold one.
    pub(super) fn list(
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
            for e in entries.iter() {
                if let Some(why) = bad_name(&e.name) {
                    warnings.push(SourceWarning {
                        revision: revision.to_string(),
                        path: join(&prefix, &String::from_utf8_lossy(&e.name)),
                        message: format!("tree entry with an invalid {why}; skipped"),
                    });
                    continue;
                }
                let st = select.step(&states, &e.name);
                if st.is_dead() {
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

#[cfg(test)]
mod tests;
