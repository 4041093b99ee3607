//! `--all-arches`: the merged diff of tests/fixtures/arch-dependent pinned as insta snapshots
//! (x86 and i386, named so that adding arches to `ARCHES` leaves them as they are), byte-identical
//! output at any thread count, and `--arch` refused beside it.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use uapi_diff::model::Arch;
use uapi_diff::report;
use uapi_diff::source::Tree;

const CASE: &str = "arch-dependent";

fn uapi_diff(args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .output()
        .expect("uapi-diff runs")
}

#[test]
fn merged_fixture_diff_matches_snapshots() {
    let (old, new) = (
        common::fixture_tree(CASE, "old"),
        common::fixture_tree(CASE, "new"),
    );
    let open = |p: &Path| Tree::open(Path::new("."), p.to_str().expect("utf-8 temp path"));
    let arches: Vec<&'static Arch> = ["x86", "i386"]
        .iter()
        .map(|a| Arch::by_name(a).expect("known arch"))
        .collect();
    let mut r = uapi_diff::all_arches::diff(
        &open(old.path()).expect("old tree"),
        &open(new.path()).expect("new tree"),
        &arches,
        true,
    )
    .expect("diff runs");
    common::relabel(&mut r, old.path(), new.path());
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| {
        insta::assert_snapshot!(format!("{CASE}.all-arches.json"), report::json(&r));
        insta::assert_snapshot!(format!("{CASE}.all-arches.txt"), report::text(&r, false));
        insta::assert_snapshot!(format!("{CASE}.all-arches.md"), report::markdown(&r));
    });
}

#[test]
fn output_is_byte_identical_at_one_and_two_threads() {
    let (old, new) = (
        common::fixture_tree(CASE, "old"),
        common::fixture_tree(CASE, "new"),
    );
    let (old, new) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    for format in ["json", "text", "markdown"] {
        let args = ["diff", old, new, "--all-arches", "--format", format];
        let one = uapi_diff(&args, "1");
        assert_eq!(one.status.code(), Some(1), "{one:?}");
        assert!(!one.stdout.is_empty());
        for _ in 0..3 {
            let two = uapi_diff(&args, "2");
            assert!(
                two.stdout == one.stdout && two.stderr == one.stderr,
                "{format} differs at 2 threads"
            );
        }
    }
}

#[test]
fn arch_and_all_arches_are_exclusive() {
    let out = uapi_diff(&["diff", "a", "b", "--all-arches", "--arch", "i386"], "1");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    assert!(out.stdout.is_empty());
}
