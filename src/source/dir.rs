//! An unpacked tree in a directory, read through the file system without ever leaving its root.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use super::links::{Resolved, MAX_SYMLINK_HOPS};
use super::select::States;
use super::{component_str, join, BlobId, FileEntry, Selection, SourceError, SourceWarning};

/// A directory tree: a kernel source tree, installed headers or a userspace copy of them.
pub(super) struct DirTree {
    pub(super) root: PathBuf,
    /// Listed paths that are not the real path: lossy path of a name that is not UTF-8, or the name
    /// a layout gives (`Tree::files_mapped`) -> real components.
    non_utf8: Mutex<HashMap<String, Vec<OsString>>>,
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
pub(super) fn bytes_to_os(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(b).to_os_string()
}
#[cfg(not(unix))]
pub(super) fn bytes_to_os(b: &[u8]) -> OsString {
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

impl DirTree {
    /// The directory `spec`, by its canonical path.
    pub(super) fn open(spec: &str) -> Result<DirTree, SourceError> {
        let root = std::fs::canonicalize(spec).map_err(|e| SourceError::Directory {
            spec: spec.to_string(),
            reason: e.to_string(),
        })?;
        Ok(DirTree {
            root,
            non_utf8: Mutex::new(HashMap::new()),
        })
    }

    /// The files `select` matches (links resolved within the root), descending only into the
    /// directories that may hold one.
    pub(super) fn list(
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
                    if st.is_dead() {
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
    pub(super) fn rename(&self, renamed: Vec<(String, String)>) {
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

    /// Reads many entries in parallel, results in input order.
    pub(super) fn read_all(
        &self,
        revision: &str,
        entries: &[FileEntry],
    ) -> Result<Vec<Vec<u8>>, SourceError> {
        entries
            .par_iter()
            .map(|e| self.read(revision, &e.path))
            .collect()
    }

    /// The file at `comps` (`path` split), symlinks followed within the root; None if absent.
    pub(super) fn read_path(
        &self,
        revision: &str,
        path: &str,
        comps: Vec<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, SourceError> {
        let comps: VecDeque<OsString> = comps.into_iter().map(|c| bytes_to_os(&c)).collect();
        match resolve_dir(&self.root, &[], comps) {
            Resolved::File(p) => std::fs::read(&p).map(Some).map_err(|e| SourceError::Read {
                revision: revision.to_string(),
                what: format!("`{path}`"),
                reason: e.to_string(),
            }),
            Resolved::Absent(_) => Ok(None),
            other => Err(other.into_error(revision, path)),
        }
    }

    /// Reads a listed file (by its real path if the listing renamed it).
    pub(super) fn read(&self, revision: &str, path: &str) -> Result<Vec<u8>, SourceError> {
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

#[cfg(test)]
mod tests {
    use crate::source::test_repo::*;
    use crate::source::*;
    use std::path::Path;
    use std::process::Command;

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
}
