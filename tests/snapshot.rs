//! uAPI snapshots (docs/snapshot.md): a snapshot file stands in for its revision
//! on either side of `diff` with the same JSON; it reads back to the same bytes; bad files are
//! errors naming file and line; the gate, acceptances, stale acceptances, `--update` and JUnit.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use uapi_diff::pipeline::{self, Options, ParseCache};
use uapi_diff::snapshot::{self, Side};
use uapi_diff::source::Tree;

fn snapshot_text(dir: &Path) -> String {
    let tree = Tree::open(Path::new("."), dir.to_str().expect("utf-8 path")).expect("open tree");
    let opts = Options::default();
    let (entries, notes) = pipeline::list_headers(&tree, &opts).expect("headers");
    let snap = pipeline::snapshot(&tree, &entries, notes, &ParseCache::default(), &opts)
        .expect("snapshot");
    snapshot::write(&snap)
}

fn report_json(old: &Side, new: &Side) -> String {
    let report = snapshot::diff(old, new, &Options::default(), &ParseCache::default(), false)
        .expect("diff runs");
    uapi_diff::report::json(&report)
}

fn tree_side(dir: &Path) -> Side {
    Side::open(Path::new("."), dir.to_str().expect("utf-8 path")).expect("open side")
}

#[test]
fn every_fixture_diffs_the_same_against_a_snapshot_on_either_side() {
    let scratch = tempfile::tempdir().expect("temp dir");
    for case in common::cases() {
        let old = common::fixture_tree(&case, "old");
        let new = common::fixture_tree(&case, "new");
        let (old_file, new_file) = (
            scratch.path().join("old.snapshot"),
            scratch.path().join("new.snapshot"),
        );
        let old_text = snapshot_text(old.path());
        std::fs::write(&old_file, &old_text).expect("write snapshot");
        std::fs::write(&new_file, snapshot_text(new.path())).expect("write snapshot");
        let (old_side, new_side) = (tree_side(old.path()), tree_side(new.path()));
        let (old_snap, new_snap) = (Side::Snapshot(old_file.clone()), Side::Snapshot(new_file));
        let expected = report_json(&old_side, &new_side);
        assert!(
            expected.contains("\"change\""),
            "{case}: the fixture has changes"
        );
        assert_eq!(
            report_json(&old_snap, &new_side),
            expected,
            "{case}: snapshot → new"
        );
        assert_eq!(
            report_json(&old_side, &new_snap),
            expected,
            "{case}: old → snapshot"
        );
        assert_eq!(
            report_json(&old_snap, &new_snap),
            expected,
            "{case}: snapshot → snapshot"
        );
        let same = snapshot::diff(
            &old_snap,
            &old_side,
            &Options::default(),
            &ParseCache::default(),
            false,
        )
        .expect("diff runs");
        assert!(
            same.changes.is_empty() && same.unparsed.is_empty(),
            "{case}: {:?}",
            same.changes
        );
        // Read back and written again: the same bytes.
        let read = snapshot::parse("old.snapshot", &old_text).expect("reads back");
        assert_eq!(snapshot::write(&read), old_text, "{case}");
    }
}

/// drm-basic's trees, and OLD's snapshot in a scratch directory.
struct DrmBasic {
    old: tempfile::TempDir,
    new: tempfile::TempDir,
    scratch: tempfile::TempDir,
    snap: std::path::PathBuf,
}

impl DrmBasic {
    fn new() -> DrmBasic {
        let old = common::fixture_tree("drm-basic", "old");
        let new = common::fixture_tree("drm-basic", "new");
        let scratch = tempfile::tempdir().expect("temp dir");
        let snap = scratch.path().join("uapi.snapshot");
        std::fs::write(&snap, snapshot_text(old.path())).expect("write");
        DrmBasic {
            old,
            new,
            scratch,
            snap,
        }
    }
}

fn bad_snapshot(text: &str) -> String {
    snapshot::parse("uapi.snapshot", text)
        .err()
        .expect("an error")
        .to_string()
}

#[test]
fn bad_snapshots_are_errors_naming_file_and_line() {
    let tree = common::fixture_tree("drm-basic", "old");
    let text = snapshot_text(tree.path());
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();

    let other_version = text.replacen("uapi-diff-snapshot 2 ", "uapi-diff-snapshot 3 ", 1);
    let e = bad_snapshot(&other_version);
    assert!(
        e.starts_with("snapshot uapi.snapshot:1: snapshot format version 3"),
        "{e}"
    );
    let e = bad_snapshot("some text\n");
    assert!(
        e.starts_with("snapshot uapi.snapshot:1: not a uapi-diff snapshot"),
        "{e}"
    );

    // Cut at a line boundary: no `end` line.
    let truncated = lines[..n - 5].join("\n");
    let e = bad_snapshot(&truncated);
    assert_eq!(
        e,
        format!(
            "snapshot uapi.snapshot:{}: truncated: the last line is not `end N`",
            n - 5
        )
    );
    // Cut inside a line: that line does not parse.
    let cut = &text[..text.find(&lines[3][10..]).expect("line 4") + 10];
    let e = bad_snapshot(cut);
    assert!(e.starts_with("snapshot uapi.snapshot:4: "), "{e}");

    // A hand edit that breaks a line's JSON, a value of the wrong type, an unknown tag, a field
    // the format does not have, a line removed.
    let line = 1 + lines
        .iter()
        .position(|l| l.starts_with("struct {\"name\":\"drm_toy_gem_create\""))
        .expect("the struct's line");
    for (from, to, says) in [
        ("\"file\":", "\"file\"", "expected `:`"),
        ("\"size\":16", "\"size\":\"big\"", "invalid type"),
        ("struct {", "strukt {", "unknown line tag `strukt`"),
        (
            "\"decl\":",
            "\"comment\":\"x\",\"decl\":",
            "unknown field `comment`",
        ),
    ] {
        let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert!(edited[line - 1].contains(from), "{}", edited[line - 1]);
        edited[line - 1] = edited[line - 1].replacen(from, to, 1);
        let e = bad_snapshot(&edited.join("\n"));
        assert!(
            e.starts_with(&format!("snapshot uapi.snapshot:{line}: ")),
            "{e}"
        );
        assert!(e.contains(says), "{e}");
    }
    let mut removed: Vec<&str> = lines.clone();
    removed.remove(5);
    let e = bad_snapshot(&removed.join("\n"));
    assert!(
        e.starts_with(&format!("snapshot uapi.snapshot:{}: `end` counts", n - 1)),
        "{e}"
    );
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .output()
        .expect("run uapi-diff")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

/// drm-basic's four breaking changes (of 15; 10 need userspace), by id.
const BREAKS: [&str; 4] = [
    "struct:drm_toy_old",
    "ioctl:DRM_IOCTL_TOY_OLD_THING",
    "define:DRM_TOY_OLD_THING",
    "define:TOY_MAX_ENGINES",
];

fn acceptance(id: &str, accepted_by: Option<&str>) -> String {
    let by = accepted_by
        .map(|b| format!("accepted_by = \"{b}\"\n"))
        .unwrap_or_default();
    format!("[[item]]\nid = \"{id}\"\nstatus = \"accepted-break\"\nreason = \"toy ABI v2\"\n{by}\n")
}

#[test]
fn the_gate_fails_on_unaccepted_breaks_only_and_reports_stale_acceptances() {
    let DrmBasic {
        old,
        new,
        scratch,
        snap,
    } = DrmBasic::new();
    let (snap, new_dir) = (snap.to_str().unwrap(), new.path().to_str().unwrap());
    let ledger = scratch.path().join("ledger.toml");
    let ledger_arg = ledger.to_str().unwrap();
    let gate = |fail_on: &str, extra: &[&str]| {
        let mut args = vec![
            "diff",
            snap,
            new_dir,
            "--fail-on",
            fail_on,
            "--ledger",
            ledger_arg,
        ];
        args.extend(extra);
        run(&args)
    };

    // Without acceptances the breaks fail; without --fail-on any change does, as before.
    std::fs::write(&ledger, "").expect("write");
    let o = gate("breaking", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gate --fail-on breaking: failed (4 of 4 changes"),
        "{}",
        stderr(&o)
    );
    // A threshold: needs-userspace checks the breaking changes too.
    let o = gate("needs-userspace", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for line in stderr(&gate("breaking", &[])).lines() {
        if line.starts_with("uapi-diff: gate: ") {
            assert!(
                stderr(&o).contains(line),
                "{line} missing from\n{}",
                stderr(&o)
            );
        }
    }
    assert_eq!(run(&["diff", snap, new_dir]).status.code(), Some(1));
    assert_eq!(
        run(&["diff", snap, old.path().to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );

    // All four accepted, and one acceptance that matches nothing: the gate passes, the stale one
    // is reported at its ledger line.
    let mut text: String = BREAKS
        .iter()
        .map(|id| acceptance(id, Some("Rev Iewer")))
        .collect();
    text.push_str(&acceptance("ioctl:DRM_IOCTL_TOY_GONE", Some("Rev Iewer")));
    std::fs::write(&ledger, &text).expect("write");
    let o = gate("breaking", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stale_line = 1 + text[..text.find("ioctl:DRM_IOCTL_TOY_GONE").unwrap()]
        .matches('\n')
        .count();
    assert!(
        stderr(&o).contains(&format!(
            "{ledger_arg}:{stale_line}: ioctl:DRM_IOCTL_TOY_GONE: stale acceptance"
        )),
        "{}",
        stderr(&o)
    );
    // Accepted breaks are no userspace evidence: the ten changes needing it still fail that gate,
    // which checks the four accepted breaks too (a threshold).
    let o = gate("needs-userspace", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("failed (10 of 14"), "{}", stderr(&o));
    let o = gate("any", &[]);
    assert!(stderr(&o).contains("failed (11 of 15"), "{}", stderr(&o));

    // An acceptance without who accepted it accepts nothing, and says why.
    let text: String = BREAKS
        .iter()
        .enumerate()
        .map(|(i, id)| acceptance(id, (i > 0).then_some("Rev Iewer")))
        .collect();
    std::fs::write(&ledger, &text).expect("write");
    let o = gate("breaking", &["--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("struct:drm_toy_old removed (removed); struct:drm_toy_old (ledger line 2): break accepted without `accepted_by`"),
        "{}",
        stderr(&o)
    );
    // JUnit: one case per break, the unaccepted one failing, the accepted ones saying by whom.
    let xml = stdout(&o);
    assert!(xml.contains("<testsuite name=\"uapi-diff diff "), "{xml}");
    assert!(
        xml.contains("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"0\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert!(
        xml.contains("<failure message=\"struct:drm_toy_old removed (removed); "),
        "{xml}"
    );
    let line = 1 + text[..text.find("define:TOY_MAX_ENGINES").unwrap()]
        .matches('\n')
        .count();
    assert!(
        xml.contains(&format!("<system-out>accepted-break (ledger define:TOY_MAX_ENGINES:{line}) by Rev Iewer: toy ABI v2</system-out>")),
        "{xml}"
    );
}

#[test]
fn update_writes_the_new_snapshot_over_the_old_one() {
    let DrmBasic {
        old,
        new,
        scratch: _scratch,
        snap,
    } = DrmBasic::new();
    let (snap_arg, new_dir) = (snap.to_str().unwrap(), new.path().to_str().unwrap());
    let o = run(&[
        "diff",
        snap_arg,
        new_dir,
        "--fail-on",
        "breaking",
        "--update",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("4 breaking"), "the diff is still shown");
    let dumped = run(&["dump", new_dir, "--format", "snapshot"]);
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), stdout(&dumped));
    assert_eq!(
        run(&["diff", snap_arg, new_dir, "--fail-on", "any"])
            .status
            .code(),
        Some(0)
    );

    let o = run(&["diff", old.path().to_str().unwrap(), new_dir, "--update"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is a revision, not a snapshot file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn checklist_junit_has_a_failing_case_per_item_without_evidence() {
    let old = common::fixture_tree("drm-basic", "old");
    let new = common::fixture_tree("drm-basic", "new");
    let scratch = tempfile::tempdir().expect("temp dir");
    let ledger = scratch.path().join("ledger.toml");
    std::fs::write(
        &ledger,
        "[[item]]\nid = \"define:DRM_TOY_WAIT\"\nstatus = \"merged\"\nlinks = [\"https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/1\"]\n\n"
            .to_string()
            + &acceptance("define:TOY_MAX_ENGINES", Some("Rev Iewer")),
    )
    .expect("write");
    let o = run(&[
        "checklist",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "junit",
        "--ledger",
        ledger.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = stdout(&o);
    // 14 items: 4 breaking (the checklist lists breaks first; TOY_MAX_ENGINES's is accepted), 10
    // needing userspace (DRM_TOY_WAIT's is justified).
    assert!(xml.contains("tests=\"14\" failures=\"12\""), "{xml}");
    assert!(xml.contains("name=\"define:DRM_TOY_WAIT\""), "{xml}");
    assert!(xml.contains("<system-out>merged ("), "{xml}");
    // The accepted break is the gate's business, not a stale checklist entry.
    assert!(!stderr(&o).contains("stale"), "{}", stderr(&o));
}

/// The real pair (UAPI_DIFF_KERNELS): a snapshot on either side gives the revision diff's JSON,
/// byte for byte; a revision against its own snapshot is no change; the snapshot is the same at
/// one thread and at several.
#[test]
fn real_kernel_snapshots_stand_in_for_their_revisions() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let repo = repo.to_str().expect("utf-8 path");
    let scratch = tempfile::tempdir().expect("temp dir");
    let dump = |rev: &str, threads: &str| {
        let path = scratch.path().join(format!("{rev}-{threads}.snapshot"));
        let o = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
            .args(["dump", rev, "--format", "snapshot", "-C", repo, "-o"])
            .arg(&path)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        path.to_str().unwrap().to_string()
    };
    let (old, new) = (dump("v6.1", "2"), dump("v6.12", "2"));
    assert_eq!(
        std::fs::read(dump("v6.12", "1")).unwrap(),
        std::fs::read(&new).unwrap(),
        "same bytes at any thread count"
    );
    let diff = |a: &str, b: &str| {
        let o = run(&["diff", a, b, "--format", "json", "-C", repo]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        stdout(&o)
    };
    let expected = diff("v6.1", "v6.12");
    assert!(expected.contains("\"breaking\": true"));
    assert!(diff(&old, "v6.12") == expected, "snapshot(v6.1) → v6.12");
    assert!(diff("v6.1", &new) == expected, "v6.1 → snapshot(v6.12)");
    let o = run(&[
        "diff",
        &new,
        "v6.12",
        "--format",
        "json",
        "-C",
        repo,
        "--fail-on",
        "any",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"changes\": []"));
}

#[test]
fn checklist_and_history_take_a_snapshot_for_a_revision() {
    let DrmBasic {
        old,
        new,
        scratch: _scratch,
        snap,
    } = DrmBasic::new();
    let (old_dir, new_dir, snap) = (
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        snap.to_str().unwrap(),
    );
    // (command, what its output says about drm-basic); history also counts the headers it
    // parsed, which a snapshot side has none of.
    for (args, says) in [
        (
            &["checklist", "--format", "json", "--no-attribution"][..],
            "define:DRM_TOY_WAIT",
        ),
        (&["history"][..], "4 breaking, 10 need userspace"),
    ] {
        let from_tree = run(&[args, &[old_dir, new_dir]].concat());
        let from_snapshot = run(&[args, &[snap, new_dir]].concat());
        let steps = |o: &Output| {
            let text = stdout(o);
            text.lines()
                .filter(|l| !l.ends_with("distinct headers parsed"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            stdout(&from_tree).contains(says),
            "{args:?}: {}",
            stdout(&from_tree)
        );
        assert_eq!(steps(&from_snapshot), steps(&from_tree), "{args:?}");
        assert_eq!(
            from_snapshot.status.code(),
            from_tree.status.code(),
            "{args:?}"
        );
    }
}

/// Format 1 (line numbers inside item and property lines: `uapi-diff` before format 2 wrote it)
/// is still read, and stands in for its revision as it did.
#[test]
fn format_1_snapshots_are_still_read() {
    let case = "rule-kms-property-changed";
    let file =
        common::fixtures_dir().join("snapshot-format-1/rule-kms-property-changed.old.snapshot");
    let text = std::fs::read_to_string(&file).expect("the format-1 fixture");
    assert!(text.starts_with("uapi-diff-snapshot 1 "));
    let (old, new) = (
        common::fixture_tree(case, "old"),
        common::fixture_tree(case, "new"),
    );
    let expected = report_json(&tree_side(old.path()), &tree_side(new.path())).replace(
        old.path().to_str().unwrap(),
        "rule-kms-property-changed/old",
    );
    assert!(expected.contains("kms-property-changed"), "{expected}");
    assert_eq!(
        report_json(&Side::Snapshot(file.clone()), &tree_side(new.path())),
        expected
    );
    // Read and written again, it is format 2, which reads back to the same model.
    let read = snapshot::parse("old.snapshot", &text).expect("reads");
    let again = snapshot::write(&read);
    assert!(again.starts_with("uapi-diff-snapshot 2 "), "{again}");
    assert_eq!(
        snapshot::write(&snapshot::parse("again.snapshot", &again).expect("reads")),
        again
    );
}

/// An edit above items (a comment block at the top of a header) changes the header's blob and
/// its `lines` line, no item line; so does a snapshot in git.
#[test]
fn an_edit_above_items_changes_no_item_line() {
    let old = common::fixture_tree("drm-basic", "old");
    let before = snapshot_text(old.path());
    let header = old.path().join("include/uapi/drm/toy_drm.h");
    let text = std::fs::read_to_string(&header).expect("read");
    let comment: String = (0..12)
        .map(|i| format!("/* comment line {i} */\n"))
        .collect();
    std::fs::write(&header, format!("{comment}{text}")).expect("write");
    let after = snapshot_text(old.path());
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len());
    let changed: Vec<(&str, &str)> = b
        .iter()
        .zip(&a)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    let tags: Vec<&str> = changed
        .iter()
        .map(|(x, _)| x.split(' ').next().unwrap())
        .collect();
    assert_eq!(tags, ["header", "lines"], "{changed:#?}");
    assert!(changed[1].0.contains("include/uapi/drm/toy_drm.h"));
    // The lines moved by 12, and a diff reads them back so.
    let moved = snapshot::parse("after", &after).expect("reads");
    let unmoved = snapshot::parse("before", &before).expect("reads");
    for (key, item) in &moved.model.items {
        if key.file == "include/uapi/drm/toy_drm.h" && key.kind.as_str() != "header" {
            assert_eq!(item.line, unmoved.model.items[key].line + 12, "{key:?}");
        }
    }
}

/// `lines` lines that do not fit the items are errors naming the line to blame.
#[test]
fn line_numbers_that_do_not_fit_are_errors() {
    let tree = common::fixture_tree("drm-basic", "old");
    let text = snapshot_text(tree.path());
    let lines: Vec<&str> = text.lines().collect();
    let at = |prefix: &str| {
        1 + lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .expect(prefix)
    };
    let toy = at("lines {\"file\":\"include/uapi/drm/toy_drm.h\"");
    // One number short.
    let short: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == toy {
                l.replacen("\"items\":[1,", "\"items\":[", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    let e = bad_snapshot(&(short.join("\n") + "\n"));
    assert!(
        e.starts_with(&format!(
            "snapshot uapi.snapshot:{toy}: include/uapi/drm/toy_drm.h: "
        )),
        "{e}"
    );
    // No `lines` line for a file with items: the first of its item lines is named (the end
    // count is kept right, so that is what fails).
    let mut missing: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    missing.remove(toy - 1);
    let n = missing.len();
    missing[n - 1] = format!("end {}", n - 1);
    let e = bad_snapshot(&(missing.join("\n") + "\n"));
    let first = at("header {\"name\":\"include/uapi/drm/toy_drm.h\"");
    assert_eq!(
        e,
        format!("snapshot uapi.snapshot:{first}: no `lines` line gives the line numbers of include/uapi/drm/toy_drm.h")
    );
    // A line number inside an item line belongs to format 1.
    let item = at("struct {\"name\":\"drm_toy_gem_create\"");
    let mut inline: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    inline[item - 1] = inline[item - 1].replacen("\"facts\":", "\"line\":3,\"facts\":", 1);
    let e = bad_snapshot(&(inline.join("\n") + "\n"));
    assert!(
        e.starts_with(&format!(
            "snapshot uapi.snapshot:{item}: `line` in an item line"
        )),
        "{e}"
    );
}

/// A snapshot records what its revision resolved to: `git describe --tags`, else the commit id;
/// never `HEAD`. `--update` records it the same way.
#[test]
fn a_snapshot_records_the_revision_it_resolved_to() {
    let repo = common::tagged_repo(&["drm-basic/old", "drm-basic/new"]);
    let root = repo.path();
    let date = "2024-03-02T00:00:00+0000";
    let header = |text: &str| text.lines().next().expect("a first line").to_string();
    let dump = |rev: &str| {
        let (status, text) = common::run_tool(root, &["dump", rev, "--format", "snapshot"]);
        assert_eq!(status, 0);
        header(&text)
    };
    let head = common::git(root, &["rev-parse", "HEAD"], date);
    assert_eq!(
        dump("HEAD"),
        format!("uapi-diff-snapshot 2 {{\"revision\":\"new\",\"commit\":\"{head}\",\"arch\":\"x86\",\"layout\":\"tree\",\"kms\":true}}")
    );
    std::fs::write(root.join("README"), "a commit past the tag\n").expect("write");
    common::git(root, &["add", "README"], date);
    common::git(root, &["commit", "-q", "-m", "readme"], date);
    let described = common::git(root, &["describe", "--tags", "HEAD"], date);
    assert!(described.starts_with("new-1-g"), "{described}");
    assert!(dump("HEAD").contains(&format!("\"revision\":\"{described}\"")));
    // `--update` from HEAD records the same.
    let snap = root.join("uapi.snapshot");
    let (_, old_text) = common::run_tool(root, &["dump", "old", "--format", "snapshot"]);
    std::fs::write(&snap, old_text).expect("write");
    let (status, _) = common::run_tool(root, &["diff", snap.to_str().unwrap(), "HEAD", "--update"]);
    assert_eq!(status, 0);
    assert!(header(&std::fs::read_to_string(&snap).unwrap())
        .contains(&format!("\"revision\":\"{described}\"")));
    // No tag: the commit id.
    for tag in ["old", "new"] {
        common::git(root, &["tag", "-d", tag], date);
    }
    let head = common::git(root, &["rev-parse", "HEAD"], date);
    assert!(dump("HEAD").contains(&format!("\"revision\":\"{head}\",\"commit\":\"{head}\"")));
}
