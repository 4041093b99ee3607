//! Symlinks followed within a tree: what resolving a path comes to ([`Resolved`]), and the error or
//! warning each outcome gives, the same for git trees (`git::resolve_git`) and directories
//! (`dir::resolve_dir`). A link may lead anywhere inside the tree, never out of it, and at most
//! [`MAX_SYMLINK_HOPS`] links deep.

use super::SourceError;

/// How many links a path may go through before it counts as a loop (Linux's `MAXSYMLINKS`).
pub(super) const MAX_SYMLINK_HOPS: usize = 40;

/// Outcome of resolving a path (following symlinks within the tree).
#[derive(Debug)]
pub(super) enum Resolved<F> {
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
    pub(super) fn into_error(self, revision: &str, path: &str) -> SourceError {
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
    pub(super) fn link_warning(&self, target: &str) -> String {
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

#[cfg(test)]
mod tests {
    use crate::source::test_repo::*;
    use crate::source::*;

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
}
