use crate::source::test_repo::*;
use crate::source::*;

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
