//! `--all-arches`: the merged diff of tests/fixtures/arch-dependent pinned as insta snapshots
//! (x86 and i386, named so that adding arches to `ARCHES` leaves them as they are), byte-identical
//! output at any thread count, the checklist's items with their arches, and `--arch` refused
//! beside it.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;
use uapi_diff::model::{arch::ARCHES, Arch};
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

/// The case's old and new trees.
fn fixture_pair() -> [TempDir; 2] {
    ["old", "new"].map(|side| common::fixture_tree(CASE, side))
}

fn path(dir: &TempDir) -> &str {
    dir.path().to_str().expect("utf-8 temp path")
}

#[test]
fn merged_fixture_diff_matches_snapshots() {
    let [old, new] = fixture_pair();
    let open = |d: &TempDir| Tree::open(Path::new("."), path(d));
    let arches: Vec<&'static Arch> = ["x86", "i386"]
        .iter()
        .map(|a| Arch::by_name(a).expect("known arch"))
        .collect();
    let mut r = uapi_diff::all_arches::diff(
        &open(&old).expect("old tree"),
        &open(&new).expect("new tree"),
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
        insta::assert_snapshot!(
            format!("{CASE}.all-arches.txt"),
            report::text(&r, false, Default::default())
        );
        insta::assert_snapshot!(
            format!("{CASE}.all-arches.md"),
            report::markdown(&r, Default::default())
        );
    });
}

#[test]
fn output_is_byte_identical_at_one_and_two_threads() {
    let [old, new] = fixture_pair();
    let (old, new) = (path(&old), path(&new));
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
fn checklist_items_carry_their_arches() {
    let [old, new] = fixture_pair();
    let (old, new) = (path(&old), path(&new));
    let out = uapi_diff(
        // The fixture's items are new uAPI outside DRM: listed under `--area other`.
        &[
            "checklist",
            old,
            new,
            "--all-arches",
            "--format",
            "json",
            "--area",
            "other",
        ],
        "2",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let cl: serde_json::Value = serde_json::from_slice(&out.stdout).expect("checklist JSON");
    let every: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
    assert_eq!(cl["arches"], serde_json::json!(every));
    let arches_of = |id: &str| -> Vec<serde_json::Value> {
        let items = cl["groups"].as_array().unwrap().iter();
        items
            .flat_map(|g| g["items"].as_array().unwrap())
            .filter(|i| i["id"] == id)
            .map(|i| i["arches"].clone())
            .collect()
    };
    assert_eq!(arches_of("field:ad_info.c"), [serde_json::json!(every)]);
    assert_eq!(
        arches_of("define:AD_ASM_SYSCALL_64"),
        [serde_json::json!(["x86"])]
    );
    // One item per data model: LP64 arches with x86, ILP32 ones with i386.
    let data = arches_of("field:ad_args.data");
    let has = |i: usize, arch: &str| data[i].as_array().unwrap().contains(&arch.into());
    assert_eq!(data.len(), 2, "{data:?}");
    assert!(has(0, "x86") && !has(0, "i386") && has(1, "i386") && !has(1, "x86"));
}

#[test]
fn arch_and_all_arches_are_exclusive() {
    for command in ["diff", "checklist"] {
        let out = uapi_diff(&[command, "a", "b", "--all-arches", "--arch", "i386"], "1");
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot be used with"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// v6.1 → v6.12 on `arches`, merged, without KMS (None without the kernel cache).
fn real_pair_on(arches: [&str; 2]) -> Option<uapi_diff::report::DiffReport> {
    let repo = common::kernel_repo()?;
    let open = |rev: &str| Tree::open(&repo, rev).expect("a tag of the kernel cache");
    let arches = arches.map(|name| Arch::by_name(name).expect("known arch"));
    Some(uapi_diff::all_arches::diff(&open("v6.1"), &open("v6.12"), &arches, false).expect("diff"))
}

/// A note that holds on some arches only says which: on v6.1 → v6.12, KVM's s390 ioctls stop being
/// computable on x86 (their struct moved to s390's asm/kvm.h), not on s390x.
#[test]
fn notes_of_some_arches_name_them() {
    let Some(report) = real_pair_on(["x86", "s390x"]) else {
        return;
    };
    let note = |id: &str| {
        report
            .notes
            .iter()
            .find(|n| n.message.contains(id))
            .map(|n| n.message.clone())
    };
    let lost = note("ioctl:KVM_S390_UCAS_MAP:").expect("a note on KVM_S390_UCAS_MAP");
    assert!(lost.starts_with("on x86: "), "{lost}");
}

/// An arch only one revision has (ia64, gone in v6.7) is not compared: its items would all read as
/// removed, many of them because generic headers need its missing `asm/` (an ioctl's `_IOC`). A
/// note on the revision lacking it says so; the other arches are diffed as ever.
#[test]
fn an_arch_one_revision_lacks_is_named_not_compared() {
    let Some(report) = real_pair_on(["x86", "ia64"]) else {
        return;
    };
    assert_eq!(report.arches, Some(vec!["x86".to_string()]));
    let missing: Vec<(&str, &str)> = report
        .notes
        .iter()
        .filter(|n| n.message.starts_with("ia64: the arch is not in this tree"))
        .map(|n| (n.revision.as_str(), n.file.as_str()))
        .collect();
    assert_eq!(missing, [("v6.12", "arch/ia64/include/uapi")]);
    assert!(report
        .changes
        .iter()
        .all(|c| c.arches.as_ref().is_some_and(|a| a == &["x86"])));
    assert!(report.summary.breaking < 300, "{:?}", report.summary);
}

/// A removed header is one entry after the merge too: its items, merged arch by arch, folded under
/// it, each with the arches it held for; a removal from a header that stays is its own entry.
#[test]
fn merged_removed_header_is_one_entry_with_its_items() {
    let [old, new] = ["old", "new"].map(|side| common::fixture_tree("removed-header", side));
    let open = |d: &TempDir| Tree::open(Path::new("."), path(d)).expect("tree");
    let arches: Vec<&'static Arch> = ["x86", "i386"]
        .iter()
        .map(|a| Arch::by_name(a).expect("known arch"))
        .collect();
    let r =
        uapi_diff::all_arches::diff(&open(&old), &open(&new), &arches, false).expect("diff runs");
    let top: Vec<(&str, usize)> = r
        .changes
        .iter()
        .map(|c| (c.id.as_str(), c.items.len()))
        .collect();
    // gone_args has one layout on both arches; GONE_IOC_SET one number.
    assert_eq!(
        top,
        [
            ("header:include/uapi/linux/gone.h", 3),
            ("define:KEPT_B", 0)
        ]
    );
    let items: Vec<(&str, Vec<String>)> = r.changes[0]
        .items
        .iter()
        .map(|c| (c.id.as_str(), c.arches.clone().unwrap_or_default()))
        .collect();
    let both = vec!["x86".to_string(), "i386".to_string()];
    assert_eq!(
        items,
        [
            ("ioctl:GONE_IOC_SET", both.clone()),
            ("struct:gone_args", both.clone()),
            ("define:GONE_FLAG_A", both),
        ]
    );
    assert_eq!((r.summary.removed, r.summary.breaking), (2, 2));
}
