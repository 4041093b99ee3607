//! Fixtures for the tests of this module: small git repositories made with the `git` program.

use super::{FileEntry, Selection};
use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a neutral environment; panics with its stderr on failure.
pub(super) fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    // Keep any user/system configuration out; nothing is written to HOME by these commands.
    let home = std::env::temp_dir();
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args([
            "-c",
            "user.name=Test Author",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(["-c", "core.autocrlf=false", "-c", "commit.gpgsign=false"])
        .args(args)
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05+0100")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05+0100");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub(super) fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

pub(super) fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

pub(super) fn commit_all(dir: &Path, msg: &str, date: &str) -> String {
    git(dir, &["add", "-A", "."]);
    git_env(
        dir,
        &["commit", "-q", "--allow-empty", "-m", msg],
        &[("GIT_AUTHOR_DATE", date), ("GIT_COMMITTER_DATE", date)],
    );
    git(dir, &["rev-parse", "HEAD"])
}

/// A repo with two commits, tagged `v1` (first) and `v2` (second).
pub(super) fn small_repo() -> (tempfile::TempDir, String, String) {
    let td = tempfile::tempdir().unwrap();
    let d = td.path();
    git(d, &["init", "-q", "."]);
    write(d, "include/uapi/linux/a.h", b"#define A 1\n");
    write(d, "include/uapi/drm/drm.h", b"struct drm { int x; };\n");
    write(d, "include/linux/internal.h", b"internal\n");
    write(d, "arch/x86/include/uapi/asm/x.h", b"x86\n");
    write(d, "arch/arm/include/uapi/asm/y.h", b"arm\n");
    write(d, "arch/arm/include/asm/z.h", b"not uapi\n");
    write(d, "drivers/gpu/drm/drm_ioctl.c", b"ioctl.c\n");
    write(d, "drivers/gpu/drm/i915/i915.c", b"i915.c\n");
    write(d, "drivers/gpu/drm/i915/i915.h", b"i915.h\n");
    write(d, "MAINTAINERS", b"M: someone\n");
    let c1 = commit_all(d, "first", "2024-01-01T00:00:00+0000");
    git(d, &["tag", "v1"]);
    write(d, "include/uapi/linux/a.h", b"#define A 2\n");
    let c2 = commit_all(d, "second", "2024-01-02T00:00:00+0000");
    git(d, &["tag", "-a", "-m", "annotated", "v2"]);
    (td, c1, c2)
}

pub(super) fn paths(files: &[FileEntry]) -> Vec<&str> {
    files.iter().map(|f| f.path.as_str()).collect()
}

pub(super) fn uapi() -> Selection {
    Selection::new(&["include/uapi/**", "arch/*/include/uapi/**"])
}
