//! Shared test helpers: fixture trees, running the pipeline on them, the gcc harness.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod gcc;
pub mod oracle;

use std::path::{Path, PathBuf};
use uapi_diff::pipeline::{self, Options};
use uapi_diff::report::DiffReport;
use uapi_diff::source::Tree;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture case (directories with `old/` and `new/`), sorted.
pub fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("old").is_dir() && e.path().join("new").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable fixture dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// A kernel-like tree for one side of a fixture case: `_base/` with the case's `old/` or `new/`
/// laid over it (unless the case has its own `_base/`).
pub fn fixture_tree(case: &str, side: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let case_dir = fixtures_dir().join(case);
    let base = if case_dir.join("_base").is_dir() {
        case_dir.join("_base")
    } else {
        fixtures_dir().join("_base")
    };
    copy_dir(&base, dir.path());
    copy_dir(&case_dir.join(side), dir.path());
    dir
}

/// Diffs two directory trees, with their labels replaced by `old`/`new` so output is stable.
pub fn diff_dirs(old: &Path, new: &Path) -> DiffReport {
    let old_tree =
        Tree::open(Path::new("."), old.to_str().expect("utf-8 temp path")).expect("open old tree");
    let new_tree =
        Tree::open(Path::new("."), new.to_str().expect("utf-8 temp path")).expect("open new tree");
    let mut report =
        pipeline::diff_trees(&old_tree, &new_tree, &Options::default()).expect("diff runs");
    relabel(&mut report, old, new);
    report
}

pub fn relabel(report: &mut DiffReport, old: &Path, new: &Path) {
    report.old.revision = "old".into();
    report.new.revision = "new".into();
    let (old_s, new_s) = (old.display().to_string(), new.display().to_string());
    for n in &mut report.notes {
        n.revision = n.revision.replace(&old_s, "old").replace(&new_s, "new");
        // A fact lost since OLD names OLD in its message ("computed at OLD, not any more").
        n.message = n.message.replace(&old_s, "old").replace(&new_s, "new");
    }
    for u in &mut report.unparsed {
        u.revision = u.revision.replace(&old_s, "old").replace(&new_s, "new");
    }
    // The report sorts its notes by revision: sort them again under the stable labels (the
    // temporary paths' order is random).
    report.notes.sort();
}

pub fn diff_case(case: &str) -> DiffReport {
    let old = fixture_tree(case, "old");
    let new = fixture_tree(case, "new");
    diff_dirs(old.path(), new.path())
}

/// The real-kernel repository built by scripts/fetch-kernels.sh, if present. Under CI it must be.
pub fn kernel_repo() -> Option<PathBuf> {
    let path = std::env::var_os("UAPI_DIFF_KERNELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("cache/kernels/repo"));
    if path.join("HEAD").exists() || path.join(".git").exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the real-kernel tests: run scripts/fetch-kernels.sh (scripts/test.sh does)"
    );
    eprintln!("skipping: no kernel repo (run scripts/fetch-kernels.sh)");
    None
}

/// Runs `scripts/NAME` with `args` from the top of the repository, checks it succeeded (its
/// standard error in the message when not) and returns its standard output.
pub fn run_script(name: &str, args: &[&Path]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(root.join("scripts").join(name))
        .args(args)
        .current_dir(root)
        .output()
        .unwrap_or_else(|e| panic!("run scripts/{name}: {e}"));
    assert!(
        out.status.success(),
        "scripts/{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs git in `dir` with a neutral, fixed environment (so commit ids are reproducible).
pub fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Toy Dev",
            "-c",
            "user.email=toy@example.com",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "core.autocrlf=false"])
        .args(args)
        .env("HOME", std::env::temp_dir())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A git repository with one commit per directory of `revisions` (under `tests/fixtures`, in order),
/// each laid over the tree of the commit before (the first over `_base`) and tagged with the
/// directory's name. Author, committer and dates are fixed, so commit ids are stable.
pub fn tagged_repo(revisions: &[&str]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("temp dir");
    let root = repo.path();
    let date = "2024-03-01T00:00:00+0000";
    git(root, &["init", "-q", "."], date);
    copy_dir(&fixtures_dir().join("_base"), root);
    for dir in revisions {
        copy_dir(&fixtures_dir().join(dir), root);
        let tag = Path::new(dir)
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name");
        git(root, &["add", "-A", "."], date);
        git(root, &["commit", "-q", "-m", tag], date);
        git(root, &["tag", tag], date);
    }
    repo
}

/// Runs the tool with `args` and `-C repo` (with `CI` set: no progress bars); returns its exit
/// status and standard output, after checking that it neither failed with an error nor panicked.
pub fn run_tool(repo: &Path, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .arg("-C")
        .arg(repo)
        .env("CI", "1")
        .output()
        .expect("uapi-diff runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = out.status.code().unwrap_or(-1);
    assert!(
        status < 2 && !stderr.contains("panicked"),
        "{args:?}: {stderr}"
    );
    (status, String::from_utf8(out.stdout).expect("utf-8 output"))
}

/// The entry of a since-index (`since --format json`) with this item id.
pub fn since_item<'a>(index: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    index["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} is in the index"))
}

pub const IGT: &str = "igt-gpu-tools-b3d809d5";

/// IGT (a userspace tree with a copy of the DRM uAPI headers) unpacked into the git-ignored cache/ from `../shared/data/` (or `$UAPI_DIFF_DATA`).
pub fn igt_tree() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = std::env::var_os("UAPI_DIFF_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data"));
    let tarball = data.join(format!("{IGT}.tar.xz"));
    let dest = root.join("cache").join(IGT);
    if dest.join("igt-gpu-tools/meson.build").is_file() {
        return Some(dest.join("igt-gpu-tools"));
    }
    if !tarball.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the IGT test: {} is missing",
            tarball.display()
        );
        eprintln!("skipping: no {}", tarball.display());
        return None;
    }
    let partial = root.join("cache").join(format!("{IGT}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).expect("mkdir cache");
    let status = std::process::Command::new("tar")
        .arg("xJf")
        .arg(&tarball)
        .arg("-C")
        .arg(&partial)
        .status()
        .expect("tar runs");
    assert!(status.success(), "unpacking {}", tarball.display());
    std::fs::rename(&partial, &dest).expect("rename into place");
    Some(dest.join("igt-gpu-tools"))
}

/// Values made once per (kernel version, arch) and kept for the test binary's lifetime, so the
/// tests that share a tag's model build it once.
pub type PerTag<T> = std::sync::Mutex<
    std::collections::BTreeMap<
        (&'static str, &'static str),
        &'static std::sync::OnceLock<Option<T>>,
    >,
>;

/// The value of `cells` for `(version, arch)`, made by `make` the first time it is asked for.
pub fn once_per_tag<T: Send + Sync>(
    cells: &'static PerTag<T>,
    version: &'static str,
    arch: &'static str,
    make: impl FnOnce() -> Option<T>,
) -> Option<&'static T> {
    let cell: &'static std::sync::OnceLock<Option<T>> = cells
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry((version, arch))
        .or_insert_with(|| Box::leak(Box::default()));
    cell.get_or_init(make).as_ref()
}

/// Tag `v{version}` of the kernel repository modelled for `opts` (KMS as `opts` says).
pub fn tag_snapshot(repo: &Path, version: &str, opts: &Options) -> pipeline::Snapshot {
    let tree = Tree::open(repo, &format!("v{version}")).expect("tag exists");
    let (entries, notes) = pipeline::list_headers(&tree, opts).expect("headers");
    pipeline::snapshot(
        &tree,
        &entries,
        notes,
        &pipeline::ParseCache::default(),
        opts,
    )
    .expect("model")
}
