//! Tests of [`Tree`] that hold for every kind of tree.

use super::test_repo::*;
use super::*;

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
fn blob_id_display_and_hash() {
    let id = BlobId::of_bytes(b"hello\n");
    assert_eq!(id.to_string(), "ce013625030ba8dba906f756967f9e9ca394464a");
    assert_eq!(
        BlobId::of_bytes(b"").to_string(),
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    );
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
fn submodules_and_non_utf8_names_warn() {
    let td = tempfile::tempdir().unwrap();
    let d = td.path();
    git(d, &["init", "-q", "."]);
    write(d, "include/uapi/ok.h", b"ok\n");
    let name = dir::bytes_to_os(b"include/uapi/bad\xffname.h");
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
