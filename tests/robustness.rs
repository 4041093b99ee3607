//! Bad input, end to end through the built binary: each case gives a clear error (exit status 2,
//! naming the revision and path, nothing on standard output) or a warning naming the revision, file
//! and line while every other item is still reported. Also: byte-identical output whatever the
//! thread count, and nothing from or configured by the repository ever runs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn uapi_diff(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uapi-diff"));
    cmd.args(args).current_dir(cwd).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run uapi-diff");
    Run {
        status: out.status.code().expect("exit status, not a signal"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

/// A fatal error: status 2, a message containing every `needle`, nothing on standard output.
fn assert_fatal(r: &Run, needles: &[&str]) {
    assert_eq!(r.status, 2, "stderr: {}", r.stderr);
    assert!(r.stdout.is_empty(), "partial output: {}", r.stdout);
    assert!(r.stderr.starts_with("uapi-diff: error: "), "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "`{n}` not in: {}", r.stderr);
    }
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// The `(change, kind, name)` of every change.
fn changes(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("change"), s("kind"), s("name"))
        })
        .collect()
}

fn has(v: &serde_json::Value, change: &str, kind: &str, name: &str) -> bool {
    changes(v).contains(&(change.into(), kind.into(), name.into()))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args([
            "-c",
            "core.autocrlf=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

fn copy_base(to: &Path) {
    let base = common::fixture_tree("drm-basic", "old");
    std::fs::remove_dir_all(base.path().join("include/uapi/drm")).expect("rm case files");
    let status = Command::new("cp")
        .args(["-r", "--", &format!("{}/.", base.path().display())])
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
}

/// A git repository whose tag `old` holds the fixture base plus `old_files`, and tag `new` the base
/// plus `new_files`.
fn repo(old_files: &[(&str, &[u8])], new_files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let td = tempfile::tempdir().expect("temp dir");
    let d = td.path();
    git(d, &["init", "-q", "."]);
    copy_base(d);
    for (tag, files) in [("old", old_files), ("new", new_files)] {
        git(
            d,
            &[
                "rm",
                "-q",
                "-r",
                "--cached",
                "--ignore-unmatch",
                "include/uapi/test",
            ],
        );
        let _ = std::fs::remove_dir_all(d.join("include/uapi/test"));
        for (path, bytes) in files {
            write(d, path, bytes);
        }
        git(d, &["add", "-A", "."]);
        git(d, &["commit", "-q", "--allow-empty", "-m", tag]);
        git(d, &["tag", tag]);
    }
    td
}

fn diff_json(d: &Path) -> Run {
    uapi_diff(&["diff", "old", "new", "--format", "json"], d, &[])
}

const GOOD: &[u8] = b"#ifndef _TEST_GOOD_H\n#define _TEST_GOOD_H\n#include <linux/types.h>\n\
#define GOOD_FLAG 4\nstruct good { __u32 a; __u64 b; };\n#endif\n";

// ---------------------------------------------------------------------------------------------
// Fatal errors
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_revision_is_fatal_and_named() {
    let td = repo(&[], &[]);
    let r = uapi_diff(
        &["diff", "old", "no-such-tag", "--format", "json"],
        td.path(),
        &[],
    );
    assert_fatal(&r, &["unknown revision `no-such-tag`"]);
    // Nothing is written to -o either.
    let out = td.path().join("out.json");
    let r = uapi_diff(
        &["diff", "no-such-tag", "new", "-o", out.to_str().unwrap()],
        td.path(),
        &[],
    );
    assert_fatal(&r, &["`no-such-tag`"]);
    assert!(!out.exists());
    // In the user's words: no internal error names such as `(NotFound)`.
    assert!(!r.stderr.contains("NotFound"), "{}", r.stderr);
}

#[test]
fn flags_are_checked_before_any_work() {
    let td = repo(&[("include/uapi/test/good.h", GOOD)], &[]);
    // -o into a directory that does not exist: said at once, naming the path.
    let r = uapi_diff(
        &["diff", "old", "new", "-o", "no/such/dir/out.json"],
        td.path(),
        &[],
    );
    assert_fatal(
        &r,
        &[
            "cannot write no/such/dir/out.json",
            "no directory `no/such/dir`",
        ],
    );
    let r = uapi_diff(&["dump", "old", "-o", "."], td.path(), &[]);
    assert_fatal(&r, &["cannot write .", "it is a directory"]);
    // --layout reads a directory side; on two git revisions it would silently do nothing.
    let r = uapi_diff(&["diff", "old", "new", "--layout", "copy"], td.path(), &[]);
    assert_fatal(
        &r,
        &[
            "--layout copy applies to directory sides",
            "`old` is a git revision",
        ],
    );
    let dir = td.path().to_str().unwrap();
    let r = uapi_diff(
        &["diff", dir, "new", "--layout", "tree", "--layout", "tree"],
        td.path(),
        &[],
    );
    assert_fatal(&r, &["--layout tree is NEW's", "`new` is a git revision"]);
    // One --layout with a directory side among revisions is fine.
    let r = uapi_diff(
        &["diff", "old", dir, "--layout", "tree", "--no-kms"],
        td.path(),
        &[],
    );
    assert_ne!(r.status, 2, "{}", r.stderr);
}

#[test]
fn diff_narrows_by_area_path_and_severity() {
    let td = repo(
        &[(
            "include/uapi/test/a.h",
            b"#define A_MODE 1\n#define A_KEEP 2\n",
        )],
        &[
            (
                "include/uapi/test/a.h",
                b"#define A_MODE 3\n#define A_KEEP 2\n#define A_NEW 4\n",
            ),
            ("include/uapi/drm/toy_drm.h", b"#define DRM_TOY_FLAG 1\n"),
        ],
    );
    let narrowed = |extra: &[&str]| {
        let mut args = vec!["diff", "old", "new", "--no-kms", "--format", "json"];
        args.extend(extra);
        let r = uapi_diff(&args, td.path(), &[]);
        assert!(r.status == 0 || r.status == 1, "{}", r.stderr);
        let v = json(&r);
        let names: Vec<String> = changes(&v).into_iter().map(|(_, _, n)| n).collect();
        assert_eq!(
            v["summary"]["added"].as_u64().unwrap() + v["summary"]["changed"].as_u64().unwrap(),
            names.len() as u64,
            "the summary counts what is kept"
        );
        names
    };
    let all = narrowed(&[]);
    assert!(all.len() >= 3, "{all:?}");
    assert_eq!(narrowed(&["--only", "breaking"]), ["A_MODE"]);
    let drm = ["include/uapi/drm/toy_drm.h", "DRM_TOY_FLAG"];
    assert_eq!(narrowed(&["--path", "include/uapi/drm/**"]), drm);
    assert_eq!(narrowed(&["--area", "drm-driver"]), drm);
    let in_test = |extra: &[&str]| {
        let mut args = vec!["--path", "include/uapi/test/*.h"];
        args.extend(extra);
        narrowed(&args)
    };
    assert_eq!(in_test(&[]), ["A_MODE", "A_NEW"]);
    let parts = [
        in_test(&["--only", "breaking"]),
        in_test(&[
            "--only",
            "needs-userspace",
            "--only",
            "new-uapi",
            "--only",
            "info",
        ]),
    ];
    assert_eq!(
        parts.concat(),
        in_test(&[]),
        "the severities partition the changes"
    );
}

#[test]
fn many_notes_are_counted_unless_verbose_and_quiet_hides_them() {
    // Twelve headers with bytes that are not UTF-8: twelve notes.
    let bad: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            let mut text = format!("#define BAD{i} 1\n/* ").into_bytes();
            text.extend_from_slice(b"\xff */\n");
            (format!("include/uapi/test/bad{i}.h"), text)
        })
        .collect();
    let files: Vec<(&str, &[u8])> = bad
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let td = repo(&[], &files);
    let run = |extra: &[&str]| {
        let mut args = vec!["diff", "old", "new", "--no-kms"];
        args.extend(extra);
        uapi_diff(&args, td.path(), &[])
    };
    let counted = run(&[]);
    assert_eq!(counted.status, 1, "{}", counted.stderr);
    assert_eq!(counted.stderr.lines().count(), 1, "{}", counted.stderr);
    assert!(
        counted.stderr.contains("12 notes on 12 files") && counted.stderr.contains("--verbose"),
        "{}",
        counted.stderr
    );
    let verbose = run(&["--verbose"]);
    assert_eq!(
        verbose
            .stderr
            .matches("uapi-diff: warning: new: include/uapi/test/bad")
            .count(),
        12
    );
    let quiet = run(&["-q"]);
    assert_eq!(quiet.stderr, "", "--quiet prints no notes");
    assert_eq!(
        quiet.stdout, counted.stdout,
        "the notes never change the report"
    );
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    let cwd = std::env::temp_dir();
    for shell in ["bash", "zsh", "fish"] {
        let r = uapi_diff(&["completions", shell], &cwd, &[]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        for word in ["checklist", "fail-on", "all-arches", "needs-userspace"] {
            assert!(r.stdout.contains(word), "{shell}: `{word}` not completed");
        }
    }
    let r = uapi_diff(&["man"], &cwd, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH uapi-diff"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    assert!(r.stdout.contains("checklist"));
    let dir = tempfile::tempdir().expect("temp dir");
    let r = uapi_diff(&["man", "--dir", dir.path().to_str().unwrap()], &cwd, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    for page in ["uapi-diff.1", "uapi-diff-diff.1", "uapi-diff-checklist.1"] {
        assert!(dir.path().join(page).is_file(), "{page} not written");
    }
}

#[test]
fn a_directory_that_is_not_a_repository_is_fatal() {
    let td = tempfile::tempdir().unwrap();
    let r = uapi_diff(
        &[
            "diff",
            "v1",
            "v2",
            "-C",
            td.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        Path::new("/"),
        &[],
    );
    assert_fatal(
        &r,
        &[&td.path().display().to_string(), "is not a git repository"],
    );
}

#[test]
fn a_revision_without_include_uapi_is_fatal() {
    let td = tempfile::tempdir().unwrap();
    let d = td.path();
    git(d, &["init", "-q", "."]);
    write(d, "README", b"not a kernel\n");
    write(d, "include/linux/x.h", b"#define X 1\n");
    git(d, &["add", "-A", "."]);
    git(d, &["commit", "-q", "-m", "x"]);
    git(d, &["tag", "notkernel"]);
    let r = uapi_diff(&["diff", "notkernel", "HEAD", "--format", "json"], d, &[]);
    assert_fatal(&r, &["revision `notkernel` has no include/uapi"]);
    let r = uapi_diff(&["dump", "notkernel"], d, &[]);
    assert_fatal(&r, &["`notkernel`"]);
}

#[test]
fn missing_objects_are_fatal_and_named() {
    let td = repo(
        &[("include/uapi/test/good.h", GOOD)],
        &[("include/uapi/test/good.h", b"#define GOOD_FLAG 5\n")],
    );
    let d = td.path();
    // A shallow clone: only `new` is there; `old`'s commit is named but absent.
    let old_id = git(d, &["rev-parse", "old"]);
    let shallow = tempfile::tempdir().unwrap();
    git(
        shallow.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "new",
            &format!("file://{}", d.display()),
            "c",
        ],
    );
    let c = shallow.path().join("c");
    let r = uapi_diff(&["diff", &old_id, "HEAD", "--format", "json"], &c, &[]);
    assert_fatal(&r, &[&old_id[..7]]);
    // An object deleted from the store: the message names the revision and the file.
    let blob = git(d, &["rev-parse", "old:include/uapi/test/good.h"]);
    std::fs::remove_file(d.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    assert_fatal(
        &diff_json(d),
        &[
            "revision `old`",
            &blob,
            "include/uapi/test/good.h",
            "missing",
        ],
    );
}

#[test]
fn only_the_selected_paths_are_read() {
    let big = vec![b'x'; 1 << 20];
    let td = repo(
        &[
            ("include/uapi/test/good.h", GOOD),
            ("drivers/net/huge.c", &big),
            ("arch/arm64/include/uapi/asm/x.h", b"#define ARM 1\n"),
            ("include/linux/kernel_only.h", b"#define K 1\n"),
        ],
        &[("include/uapi/test/good.h", b"#define GOOD_FLAG 5\n")],
    );
    let d = td.path();
    // Delete every object outside what an x86 diff needs: if anything read them, it would fail.
    // (Other arches' uAPI headers are read: the syscall surface reads each arch's tables, and
    // `moved-to-arch` looks for an item gone from x86 in the other arches' headers.)
    let ids: Vec<String> = [
        "old:drivers/net",
        "old:drivers/net/huge.c",
        "old:include/linux/kernel_only.h",
    ]
    .iter()
    .map(|spec| git(d, &["rev-parse", spec]))
    .collect();
    for id in ids {
        std::fs::remove_file(d.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
    }
    let r = diff_json(d);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(has(&json(&r), "changed", "define", "GOOD_FLAG"));
}

// ---------------------------------------------------------------------------------------------
// Warnings: the run goes on
// ---------------------------------------------------------------------------------------------

#[test]
fn old_equal_to_new_is_no_change() {
    let td = repo(&[("include/uapi/test/good.h", GOOD)], &[]);
    let r = uapi_diff(&["diff", "old", "old", "--format", "json"], td.path(), &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(changes(&json(&r)).is_empty());
    assert!(r.stderr.contains("are the same commit"), "{}", r.stderr);
}

#[test]
fn a_cycle_of_typedefs_is_unresolved_not_a_crash() {
    // Headers of other libraries (EGL's, under /usr/include) define a type through itself once the
    // model takes every branch of their `#if`s: the layout recursed until the stack overflowed.
    let cycle = b"#include <linux/types.h>\ntypedef cyc_b_t cyc_a_t;\ntypedef cyc_a_t cyc_b_t;\n\
struct cyc { cyc_a_t x; __u32 y; };\n";
    let td = repo(&[], &[("include/uapi/test/cycle.h", cycle)]);
    let r = diff_json(td.path());
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(has(&json(&r), "added", "struct", "cyc"), "{}", r.stdout);
    assert!(
        r.stdout.contains("is defined through itself"),
        "no unresolved reason: {}",
        r.stdout
    );
}

#[test]
fn non_utf8_bytes_warn_with_revision_file_and_line() {
    let bad = b"#define BAD_A 1\n/* caf\xe9 \xff */\n#define BAD_B 2\nstruct bad { int x; };\n";
    let td = repo(
        &[],
        &[
            ("include/uapi/test/bad.h", bad),
            ("include/uapi/test/good.h", GOOD),
        ],
    );
    let r = diff_json(td.path());
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: new: include/uapi/test/bad.h:2: bytes that are not UTF-8"),
        "{}",
        r.stderr
    );
    let v = json(&r);
    for name in ["BAD_A", "BAD_B", "GOOD_FLAG"] {
        assert!(
            has(&v, "added", "define", name),
            "{name}: {:?}",
            changes(&v)
        );
    }
    assert!(has(&v, "added", "struct", "bad"));
    assert!(v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["file"] == "include/uapi/test/bad.h" && n["line"] == 2));
}

#[test]
fn a_binary_file_named_h_warns_and_is_not_read() {
    let mut binary = b"#define FROM_BINARY 1\n\x7fELF\x02\x01".to_vec();
    binary.extend((0..4096u32).map(|i| (i * 7 % 251) as u8));
    let td = repo(
        &[],
        &[
            ("include/uapi/test/blob.h", &binary),
            ("include/uapi/test/good.h", GOOD),
        ],
    );
    let r = diff_json(td.path());
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: new: include/uapi/test/blob.h:2: binary file"),
        "{}",
        r.stderr
    );
    let v = json(&r);
    assert!(has(&v, "added", "header", "include/uapi/test/blob.h"));
    assert!(has(&v, "added", "define", "GOOD_FLAG"));
    assert!(
        !has(&v, "added", "define", "FROM_BINARY"),
        "nothing is guessed from a binary file"
    );
}

#[test]
fn unbalanced_if_warns_with_line_and_items_are_kept() {
    let unbalanced = b"#ifndef _UNB_H\n#define _UNB_H\n#define UNB_A 1\nstruct unb { int a; };\n";
    let stray = b"#define STRAY_A 1\n#endif\n#define STRAY_B 2\n";
    let td = repo(
        &[],
        &[
            ("include/uapi/test/unb.h", unbalanced),
            ("include/uapi/test/stray.h", stray),
        ],
    );
    let r = diff_json(td.path());
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: new: include/uapi/test/unb.h:1: #ifndef without #endif"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("warning: new: include/uapi/test/stray.h:2: #endif without #if"),
        "{}",
        r.stderr
    );
    let v = json(&r);
    for name in ["UNB_A", "STRAY_A", "STRAY_B"] {
        assert!(
            has(&v, "added", "define", name),
            "{name}: {:?}",
            changes(&v)
        );
    }
    assert!(has(&v, "added", "struct", "unb"));
}

#[test]
fn deeply_nested_and_recursive_macros_terminate() {
    let mut src =
        String::from("#define CYC_A CYC_B\n#define CYC_B CYC_A\n#define SELF(x) SELF(x) + 1\n");
    src.push_str("#define USE_SELF SELF(2)\n#define CHAIN_0 1\n");
    for i in 1..3000 {
        src.push_str(&format!("#define CHAIN_{i} (CHAIN_{} + 1)\n", i - 1));
    }
    src.push_str(&format!(
        "#define PARENS {}1{}\n",
        "(".repeat(20000),
        ")".repeat(20000)
    ));
    src.push_str(&format!("#define UNCLOSED {}1\n", "(".repeat(20000)));
    // Each level doubles the expansion: bounded by the expansion budget, not by memory.
    src.push_str("#define D0 x\n");
    for i in 1..64 {
        src.push_str(&format!("#define D{i} D{0} D{0}\n", i - 1));
    }
    src.push_str(
        "#define DOUBLED D63\n#if CYC_A\n#define IN_CYCLIC_IF 1\n#endif\n#define AFTER 7\n",
    );
    let td = repo(&[], &[("include/uapi/test/macros.h", src.as_bytes())]);
    let r = diff_json(td.path());
    assert_eq!(r.status, 1, "{}", r.stderr);
    let v = json(&r);
    let value = |name: &str| {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} reported"))["new"]
            .clone()
    };
    assert_eq!(value("AFTER")["value"], 7);
    assert_eq!(value("CHAIN_10")["value"], 11);
    for name in ["CYC_A", "CYC_B", "USE_SELF", "UNCLOSED", "DOUBLED"] {
        let f = value(name);
        assert!(
            f["value"].is_null() && f["unresolved"].is_string(),
            "{name}: {f}"
        );
    }
    // Deep but valid: either computed or said to be too deep, never guessed.
    let deep = value("CHAIN_2999");
    assert!(
        deep["value"] == 3000 || deep["unresolved"].is_string(),
        "{deep}"
    );
    let parens = value("PARENS");
    assert!(
        parens["value"] == 1 || parens["unresolved"].is_string(),
        "{parens}"
    );
}

#[test]
fn a_50_mb_header_is_read_whole() {
    let mut big = b"#define BIG_FIRST 1\n/**\n".to_vec();
    while big.len() < 50 << 20 {
        big.extend_from_slice(
            b" * kernel-doc prose, line after line, to make this header very big.\n",
        );
    }
    big.extend_from_slice(b" */\nstruct big_last { int a; };\n#define BIG_LAST 2\n");
    let td = tempfile::tempdir().unwrap();
    let (old, new) = (td.path().join("old"), td.path().join("new"));
    copy_base(&old);
    copy_base(&new);
    write(&new, "include/uapi/test/big.h", &big);
    let r = uapi_diff(
        &[
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--format",
            "json",
        ],
        td.path(),
        &[],
    );
    assert_eq!(r.status, 1, "{}", r.stderr);
    let v = json(&r);
    assert!(has(&v, "added", "define", "BIG_FIRST"));
    assert!(has(&v, "added", "define", "BIG_LAST"));
    assert!(has(&v, "added", "struct", "big_last"));
}

#[test]
fn symlinked_headers_are_followed_within_the_tree_only() {
    let td = repo(
        &[("include/uapi/test/good.h", GOOD)],
        &[("include/uapi/test/good.h", GOOD)],
    );
    let d = td.path();
    std::os::unix::fs::symlink("good.h", d.join("include/uapi/test/alias.h")).unwrap();
    std::os::unix::fs::symlink(
        "../../../../outside.h",
        d.join("include/uapi/test/escape.h"),
    )
    .unwrap();
    git(d, &["add", "-A", "."]);
    git(d, &["commit", "-q", "-m", "links"]);
    let r = uapi_diff(&["diff", "old", "HEAD", "--format", "json"], d, &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let v = json(&r);
    assert!(has(&v, "added", "header", "include/uapi/test/alias.h"));
    assert!(
        changes(&v)
            .iter()
            .any(|(c, k, n)| c == "added" && k == "define" && n == "GOOD_FLAG"),
        "the link's target is read: {:?}",
        changes(&v)
    );
    assert!(
        r.stderr
            .contains("warning: HEAD: include/uapi/test/escape.h:"),
        "{}",
        r.stderr
    );
}

#[test]
fn crlf_line_endings_change_nothing() {
    let lf = b"#ifndef _CR_H\n#define _CR_H\n#include <linux/types.h>\n/* a comment */\n\
#define CR_MULTI (1 << \\\n 4)\nstruct cr {\n\t__u32 a;\n#ifdef __KERNEL__\n\tint k;\n#endif\n\t__u64 b;\n};\n\
#define CR_IOC _IOW('c', 1, struct cr)\n#endif\n";
    let crlf: Vec<u8> = lf
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    let td = repo(
        &[("include/uapi/test/cr.h", lf)],
        &[("include/uapi/test/cr.h", &crlf)],
    );
    let r = diff_json(td.path());
    assert_eq!(r.status, 0, "{}\n{}", r.stderr, r.stdout);
    assert!(changes(&json(&r)).is_empty());
    let r = uapi_diff(&["dump", "new", "--format", "json"], td.path(), &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains("CR_MULTI"), "{}", r.stdout);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn a_header_that_does_not_parse_reports_its_items_as_unparsed() {
    let old = b"#define PF_A 1\nstruct pf { int a; long b; };\nenum pf_e { PF_X, PF_Y };\n";
    let new = b"@#$%^ struct pf ( int a; long b; ) enum pf_e ( PF_X, PF_Y )\n PF_A 1\n";
    let td = repo(
        &[("include/uapi/test/pf.h", old)],
        &[("include/uapi/test/pf.h", new)],
    );
    let r = diff_json(td.path());
    let v = json(&r);
    let removed: Vec<_> = changes(&v)
        .into_iter()
        .filter(|(c, _, _)| c == "removed")
        .collect();
    assert!(removed.is_empty(), "removed: {removed:?}");
    let unparsed: Vec<&str> = v["unparsed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            assert_eq!(u["revision"], "new");
            assert_eq!(u["file"], "include/uapi/test/pf.h");
            u["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(unparsed, ["pf", "pf_e", "PF_X", "PF_Y", "PF_A"]);
}

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn output_is_byte_identical_at_any_thread_count() {
    // The real kernel pair when there is one, else every fixture case (as git revisions).
    let (repo_dir, _keep): (PathBuf, Option<tempfile::TempDir>) = match common::kernel_repo() {
        Some(p) => (p, None),
        None => {
            let td = repo(&[("include/uapi/test/good.h", GOOD)], &[]);
            for case in common::cases() {
                for side in ["old", "new"] {
                    let t = common::fixture_tree(&case, side);
                    let status = Command::new("cp")
                        .args(["-r", "--", &format!("{}/.", t.path().display())])
                        .arg(td.path())
                        .status()
                        .unwrap();
                    assert!(status.success());
                    git(td.path(), &["add", "-A", "."]);
                    git(td.path(), &["commit", "-q", "--allow-empty", "-m", side]);
                }
            }
            (td.path().to_path_buf(), Some(td))
        }
    };
    let (old, new) = if _keep.is_some() {
        ("old", "HEAD")
    } else {
        ("v6.1", "v6.12")
    };
    let run = |threads: &str, format: &str| {
        let r = uapi_diff(
            &[
                "diff",
                old,
                new,
                "--format",
                format,
                "-C",
                repo_dir.to_str().unwrap(),
            ],
            Path::new("/"),
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert_eq!(r.status, 1, "{}", r.stderr);
        (r.stdout, r.stderr)
    };
    let reference = run("1", "json");
    assert!(reference.0.len() > 1000);
    for threads in ["2", "8", "8", "1"] {
        assert!(
            run(threads, "json") == reference,
            "JSON differs at {threads} threads"
        );
    }
    let text = run("1", "text");
    assert!(run("8", "text") == text, "text differs at 8 threads");
}

// ---------------------------------------------------------------------------------------------
// No code execution
// ---------------------------------------------------------------------------------------------

#[test]
fn nothing_from_the_repository_ever_runs() {
    let td = repo(
        &[("include/uapi/test/good.h", GOOD)],
        &[("include/uapi/test/good.h", b"#define GOOD_FLAG 8\n")],
    );
    let d = td.path();
    let marker = d.join("MARKER");
    let script = d.join("evil.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"ran $0 $*\" >> '{}'\ncat\n",
            marker.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = script.to_str().unwrap();
    // Attributes in the tree, at both revisions' paths, and in .git/info.
    write(
        d,
        ".gitattributes",
        b"* filter=evil diff=evil merge=evil\n*.h filter=evil diff=evil\n",
    );
    write(d, ".git/info/attributes", b"* filter=evil diff=evil\n");
    git(d, &["add", ".gitattributes"]);
    git(d, &["commit", "-q", "-m", "attributes"]);
    git(d, &["tag", "-f", "new"]);
    for (k, v) in [
        ("filter.evil.clean", s),
        ("filter.evil.smudge", s),
        ("filter.evil.process", s),
        ("filter.evil.required", "true"),
        ("diff.evil.textconv", s),
        ("diff.evil.command", s),
        ("diff.external", s),
        ("merge.evil.driver", s),
        ("core.fsmonitor", s),
        ("core.pager", s),
        ("core.editor", s),
        ("core.sshCommand", s),
        ("core.askPass", s),
        ("core.hooksPath", d.join(".git/hooks").to_str().unwrap()),
        ("credential.helper", s),
        ("gpg.program", s),
        ("uploadpack.packObjectsHook", s),
        ("alias.rev-parse", &format!("!{s}")),
        ("include.path", d.join("included.cfg").to_str().unwrap()),
        ("gc.auto", "1"),
        ("maintenance.auto", "true"),
    ] {
        git(d, &["config", k, v]);
    }
    std::fs::write(
        d.join("included.cfg"),
        format!("[core]\n\tfsmonitor = {s}\n"),
    )
    .unwrap();
    for hook in [
        "post-checkout",
        "pre-commit",
        "post-index-change",
        "reference-transaction",
        "fsmonitor-watchman",
        "pre-auto-gc",
        "post-rewrite",
    ] {
        let h = d.join(".git/hooks").join(hook);
        std::fs::write(
            &h,
            format!("#!/bin/sh\necho hook >> '{}'\n", marker.display()),
        )
        .unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The environment a CI job might have must not open a way either.
    let env = [
        ("GIT_EXTERNAL_DIFF", s),
        ("GIT_PAGER", s),
        ("PAGER", s),
        ("GIT_SSH_COMMAND", s),
    ];
    for args in [
        &["diff", "old", "new", "--format", "json"][..],
        &["diff", "old", "new"],
        &["diff", "old", "new", "--format", "markdown"],
        &["dump", "new"],
        &["diff", "old", "new", "-C", "."],
    ] {
        let r = uapi_diff(args, d, &env);
        assert!(r.status <= 1, "{args:?}: {}", r.stderr);
    }
    let r = uapi_diff(&["diff", "old", "new", "--format", "json"], d, &env);
    assert!(
        has(&json(&r), "changed", "define", "GOOD_FLAG"),
        "{}",
        r.stdout
    );
    assert!(
        !marker.exists(),
        "a repository-configured program ran: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    // The trap works: git itself runs the textconv program on the same repository.
    // (git fails here: the process filter does not speak its protocol, but it ran.)
    let _ = Command::new("git")
        .args([
            "-c",
            "core.fsmonitor=false",
            "diff",
            "--textconv",
            "old",
            "new",
        ])
        .current_dir(d)
        .output()
        .expect("run git");
    assert!(marker.exists(), "the trap should fire for git itself");
}
