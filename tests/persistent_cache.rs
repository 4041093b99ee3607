//! The persistent cache (src/store) changes no byte of any output: every command below prints the
//! same bytes and exits with the same status with `--no-cache`, with a cold cache (an empty
//! temporary directory, which the run fills) and with the warm cache that run left. The cases: the
//! real pair v6.1 → v6.12, a patch series on v6.12, a walk over three revisions of the history
//! repository (scripts/gen-history-repo.sh), and `--all-arches`, `history`, `since` and `dump` on a
//! small tagged repository. Each case also checks the cache was used (it holds entries), so a
//! warm run reads what the cold one stored: a walk's revisions, a diff's report and sides.

mod common;

use std::path::Path;
use std::process::Command;

/// `uapi-diff ARGS` in `dir`, with the cache at `cache` (None: `--no-cache`); (status, stdout).
fn run(dir: &Path, args: &[&str], cache: Option<&Path>) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uapi-diff"));
    cmd.args(args)
        .current_dir(dir)
        .env("CI", "1")
        .env_remove("UAPI_DIFF_FULL")
        .env_remove("UAPI_DIFF_NO_CACHE");
    match cache {
        Some(cache) => cmd.env("UAPI_DIFF_CACHE_DIR", cache),
        // Even if --no-cache were ignored, the user's cache would not be touched.
        None => cmd
            .arg("--no-cache")
            .env("UAPI_DIFF_CACHE_DIR", dir.join("unused")),
    };
    let out = cmd.output().expect("run uapi-diff");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && !stderr.contains("warning: cache"),
        "uapi-diff {args:?}: {stderr}"
    );
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

/// Asserts `args` print the same bytes without a cache, cold and warm; returns whether the cold
/// run stored anything.
fn same_cold_warm_and_uncached(dir: &Path, args: &[&str]) -> bool {
    let cache = tempfile::tempdir().expect("temp dir");
    let uncached = run(dir, args, None);
    let cold = run(dir, args, Some(cache.path()));
    let stored = std::fs::read_dir(cache.path().join("content-v2")).is_ok();
    let warm = run(dir, args, Some(cache.path()));
    for (name, got) in [("cold", &cold), ("warm", &warm)] {
        assert_eq!(got.0, uncached.0, "exit status of {args:?}, {name}");
        if got.1 != uncached.1 {
            let diff = similar::TextDiff::from_lines(&uncached.1, &got.1);
            panic!(
                "{args:?}: the {name} cache's output differs from --no-cache's:\n{}",
                diff.unified_diff().header("--no-cache", name)
            );
        }
    }
    assert!(
        !std::fs::exists(dir.join("unused")).unwrap_or(true),
        "--no-cache wrote a cache"
    );
    stored
}

#[test]
fn a_tagged_repository_reads_the_same_from_the_cache() {
    let repo = common::tagged_repo(&["timeline/r1", "timeline/r2", "timeline/r3", "timeline/r4"]);
    let dir = repo.path();
    for args in [
        &["history", "r1", "r2", "r3", "r4", "--format", "json"][..],
        &["since", "r1", "r2", "r3", "r4", "--all-arches"],
        &["dump", "r3", "--format", "json"],
        &["diff", "r1", "r4", "--format", "json"],
        &["diff", "r1", "r4", "--all-arches", "--format", "json"],
    ] {
        // Walks and dumps store every revision, a diff its report (and both sides when it
        // computes them whole).
        assert!(
            same_cold_warm_and_uncached(dir, args),
            "{args:?} stored nothing"
        );
    }
}

#[test]
fn the_real_pair_a_series_and_a_walk_read_the_same_from_the_cache() {
    let Some(kernels) = common::kernel_repo() else {
        return;
    };
    let out = tempfile::tempdir().expect("temp dir");
    let kernels_arg = kernels.to_str().expect("utf-8 path");
    // The DRM sources differ: computed whole, both sides stored.
    let stored = same_cold_warm_and_uncached(
        out.path(),
        &[
            "diff",
            "v6.1",
            "v6.12",
            "-C",
            kernels_arg,
            "--format",
            "json",
        ],
    );
    assert!(stored, "the real pair stored nothing");

    let patched = out.path().join("patched");
    common::run_script("gen-patched-repo.sh", &[&kernels, &patched]);
    let patched_arg = patched.to_str().expect("utf-8 path");
    let mbox = patched.join("series.mbox");
    let stored = same_cold_warm_and_uncached(
        out.path(),
        &[
            "diff",
            "base",
            "--series",
            mbox.to_str().expect("utf-8 path"),
            "-C",
            patched_arg,
            "--format",
            "json",
        ],
    );
    assert!(stored, "the series stored nothing");

    let history = out.path().join("history");
    common::run_script("gen-history-repo.sh", &[Path::new("2"), &kernels, &history]);
    let stored = same_cold_warm_and_uncached(
        out.path(),
        &[
            "history",
            "r00",
            "r01",
            "r02",
            "-C",
            history.to_str().expect("utf-8 path"),
            "--format",
            "json",
        ],
    );
    assert!(stored, "the walk stored nothing");
}

#[test]
fn cache_stats_and_clear_report_and_empty_the_cache() {
    let repo = common::tagged_repo(&["timeline/r1", "timeline/r2"]);
    let cache = tempfile::tempdir().expect("temp dir");
    let tool = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
            .args(args)
            .current_dir(repo.path())
            .env("UAPI_DIFF_CACHE_DIR", cache.path())
            .env_remove("UAPI_DIFF_NO_CACHE")
            .output()
            .expect("run uapi-diff");
        assert!(out.status.code().is_some_and(|c| c < 2), "{args:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    assert!(tool(&["cache", "stats"]).contains("entries: 0 "));
    tool(&["history", "r1", "r2"]);
    let stats = tool(&["cache", "stats"]);
    assert!(stats.contains("entries: 2 "), "{stats}");
    assert!(stats.contains("readable by this build: 2 "), "{stats}");
    tool(&["cache", "clear"]);
    assert!(tool(&["cache", "stats"]).contains("entries: 0 "));
}

#[test]
fn a_directory_that_is_not_a_cache_is_warned_about_once_and_left_alone() {
    let repo = common::tagged_repo(&["timeline/r1", "timeline/r2"]);
    let foreign = tempfile::tempdir().expect("temp dir");
    std::fs::write(foreign.path().join("thesis.tex"), "mine").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(["history", "r1", "r2", "-C"])
        .arg(repo.path())
        .env("UAPI_DIFF_CACHE_DIR", foreign.path())
        .env_remove("UAPI_DIFF_NO_CACHE")
        .output()
        .expect("run uapi-diff");
    assert!(out.status.code().is_some_and(|c| c < 2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("is not a uapi-diff cache").count(),
        1,
        "{stderr}"
    );
    let names: Vec<_> = std::fs::read_dir(foreign.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["thesis.tex"]);
}

/// A stored diff is the diff under the policy it was computed with: a run with another `[enums]`
/// declaration, on a cache an earlier run filled, judges the renumbering by its own config.
#[test]
fn a_stored_diff_is_not_reused_under_another_enum_policy() {
    let repo = common::tagged_repo(&["rule-renumbered/old", "rule-renumbered/new"]);
    let dir = repo.path();
    let config = dir.join("uapi-diff-test.toml");
    std::fs::write(&config, "[enums]\nabi = [\"FOO_MIB_NUM\"]\n").expect("write config");
    let config = config.to_str().expect("utf-8 path");
    let plain = ["diff", "old", "new", "--format", "json"];
    let with_config = ["diff", "old", "new", "--format", "json", "--config", config];
    let cache = tempfile::tempdir().expect("temp dir");
    let without = run(dir, &plain, Some(cache.path()));
    let warm_with = run(dir, &with_config, Some(cache.path()));
    let uncached_with = run(dir, &with_config, None);
    assert_eq!(
        warm_with, uncached_with,
        "the stored diff was reused under another [enums]"
    );
    assert_ne!(
        without.1, uncached_with.1,
        "the config changes no verdict: the test proves nothing"
    );
}
