//! The real kernel (v6.1 → v6.12 and v5.10 → v6.1, built by scripts/fetch-kernels.sh): the binary's
//! findings are pinned as insta snapshots, so any change in them shows up in review. Skipped without the repo,
//! except under CI (`common::kernel_repo`). The full JSON is the contract; the summary beside it
//! (counts per kind, change and rule) is what a reviewer reads first.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// Runs the binary; returns stdout, after checking the exit status (`diff` exits 1 when it finds
/// changes, `checklist` without `--check` exits 0).
fn run(repo: &Path, args: &[&str], threads: Option<&str>, status: i32) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uapi-diff"));
    cmd.args(args).arg("-C").arg(repo);
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    let out = cmd.output().expect("run uapi-diff");
    assert_eq!(
        out.status.code(),
        Some(status),
        "uapi-diff {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The output with the commit ids replaced by `<commit>`: they depend on when the local repo was
/// built. Returns the text as printed and its parsed value.
fn without_commits(json: &str) -> (String, Value) {
    let v: Value = serde_json::from_str(json).expect("valid JSON");
    let mut text = json.to_string();
    for side in ["old", "new"] {
        let id = v[side]["commit"]
            .as_str()
            .expect("a git revision has a commit");
        text = text.replace(id, "<commit>");
    }
    (text, v)
}

/// Counts per `kind change rule`, and the report's own summary.
fn summary(report: &Value) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in report["changes"].as_array().expect("changes") {
        let key = format!(
            "{:<15} {:<8} {}",
            c["kind"].as_str().expect("kind"),
            c["change"].as_str().expect("change"),
            c["rule"].as_str().expect("rule")
        );
        *counts.entry(key).or_default() += 1;
    }
    let mut out = format!(
        "summary: {}\nunparsed: {}\nnotes: {}\n\n",
        report["summary"],
        report["unparsed"].as_array().expect("unparsed").len(),
        report["notes"].as_array().expect("notes").len()
    );
    for (k, n) in counts {
        out.push_str(&format!("{n:>6} {k}\n"));
    }
    out
}

#[test]
fn diff_v6_1_v6_12_json() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let args = ["diff", "v6.1", "v6.12", "--format", "json"];
    let (text, report) = without_commits(&run(&repo, &args, None, 1));
    // Deterministic whatever the scheduling: one thread gives the same bytes as many.
    let (single, _) = without_commits(&run(&repo, &args, Some("1"), 1));
    assert!(text == single, "output depends on the thread count");
    // Both tags' KMS properties are in it, not only headers.
    let kinds: Vec<&str> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"ioctl") && kinds.contains(&"property"));
    settings().bind(|| {
        insta::assert_snapshot!("real-v6.1-v6.12.summary", summary(&report));
        insta::assert_snapshot!("real-v6.1-v6.12.json", text);
    });
}

/// The older pair, both ways: its counts per kind, change and rule (the whole JSON of one pair is
/// pinned above; these pin what the rules make of another pair and of the reverse diff).
#[test]
fn diff_v5_10_v6_1_both_ways_summary() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    for (old, new) in [("v5.10", "v6.1"), ("v6.1", "v5.10")] {
        let args = ["diff", old, new, "--format", "json"];
        let (_, report) = without_commits(&run(&repo, &args, None, 1));
        settings().bind(|| {
            insta::assert_snapshot!(format!("real-{old}-{new}.summary"), summary(&report));
        });
    }
}

#[test]
fn checklist_v6_1_v6_12_markdown() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let mut md = run(
        &repo,
        &["checklist", "v6.1", "v6.12", "--format", "markdown"],
        None,
        0,
    );
    // Attribution names the commits, which depend on how the local repo was built.
    for tag in ["v6.1", "v6.12"] {
        let out = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["rev-parse", &format!("{tag}^{{commit}}")])
            .output()
            .expect("run git");
        let id = String::from_utf8(out.stdout).expect("utf-8");
        md = md.replace(&id.trim()[..12], "<commit>");
    }
    settings().bind(|| insta::assert_snapshot!("real-v6.1-v6.12.checklist.md", md));
}
