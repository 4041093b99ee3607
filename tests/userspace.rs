//! `checklist --userspace DIR`: on a small fixture (the cache by commit, bad input) and on IGT
//! against v6.1 → v6.12, where every item's uses are checked against an independent plain token
//! scan of IGT's code, both ways.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn uapi_diff(args: &[&str], repo: &Path, cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .arg("-C")
        .arg(repo)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("run uapi-diff")
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}");
}

fn json_uses(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("checklist JSON")
}

fn item<'a>(cl: &'a Value, id: &str) -> &'a Value {
    cl["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["items"].as_array().expect("items"))
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

#[test]
fn fixture_uses_cache_and_bad_input() {
    let old = common::fixture_tree("rule-ioctl-added", "old");
    let new = common::fixture_tree("rule-ioctl-added", "new");
    let tmp = tempfile::tempdir().expect("temp dir");
    let cache = tmp.path().join("xdg");
    let user = tmp.path().join("tool");
    std::fs::create_dir_all(user.join("src")).expect("mkdir");
    std::fs::create_dir_all(user.join("include")).expect("mkdir");
    // A vendored copy of the header (declares FOO_PUT): nothing in it counts.
    std::fs::write(
        user.join("include/a.h"),
        "#define FOO_PUT _IOW('f', 2, __u32)\nstatic int x = FOO_PUT;\n",
    )
    .expect("write");
    std::fs::write(
        user.join("src/main.c"),
        "/* FOO_PUT in a comment */\nint main(void) {\n\treturn ioctl(0, FOO_PUT, 0);\n}\n",
    )
    .expect("write");
    // Latin-1 text: a warning, and still read.
    std::fs::write(user.join("src/old.c"), b"/* caf\xe9 */ int y = FOO_PUT;\n").expect("write");
    let (o, n, u) = (
        old.path().to_str().expect("utf-8"),
        new.path().to_str().expect("utf-8"),
        user.to_str().expect("utf-8"),
    );
    // rule-ioctl-added's ioctl is new uAPI outside DRM: listed under `--area other`.
    let args = [
        "checklist",
        o,
        n,
        "--format",
        "json",
        "--userspace",
        u,
        "--area",
        "other",
    ];
    let run = || uapi_diff(&args, Path::new("."), &cache);

    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let cl = json_uses(&out);
    let uses = &item(&cl, "ioctl:FOO_PUT")["uses"][0];
    assert_eq!(uses["count"], 2, "{uses}");
    assert_eq!(uses["first"][0], "src/main.c:3");
    assert_eq!(uses["first"][1], "src/old.c:1");
    assert_eq!(uses["kind"], "userspace");
    assert!(
        stderr.contains("src/old.c: not UTF-8 text"),
        "warning expected: {stderr}"
    );
    assert_eq!(cl["userspace"][0]["commit"], Value::Null);

    // A git work tree: cached by HEAD, and rescanned once a file changes.
    git(&user, &["init", "-q"]);
    git(&user, &["add", "-A"]);
    git(&user, &["commit", "-q", "-m", "tool"]);
    let first = run();
    let entries = || {
        std::fs::read_dir(cache.join("uapi-diff/userspace"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert_eq!(entries(), 1, "one cache entry after a git tree's scan");
    let second = run();
    assert_eq!(
        first.stdout, second.stdout,
        "the cached result is the scan's"
    );
    assert!(json_uses(&first)["userspace"][0]["commit"].is_string());
    std::fs::write(
        user.join("src/main.c"),
        "int main(void) {\n\treturn ioctl(0, FOO_PUT, 0) + FOO_PUT;\n}\n",
    )
    .expect("write");
    let edited = json_uses(&run());
    assert_eq!(item(&edited, "ioctl:FOO_PUT")["uses"][0]["count"], 2);
    assert_eq!(
        item(&edited, "ioctl:FOO_PUT")["uses"][0]["first"][0],
        "src/main.c:2"
    );

    // The other formats show the uses; ledger init lists them as candidates.
    let md = uapi_diff(
        &["checklist", o, n, "--userspace", u, "--area", "other"],
        Path::new("."),
        &cache,
    );
    let md = String::from_utf8_lossy(&md.stdout).to_string();
    assert!(
        md.contains(&format!(
            "  - uses: {u} (userspace): 2 uses: src/main.c:2, src/old.c:1"
        )),
        "{md}"
    );
    let ledger = uapi_diff(
        &["ledger", "init", o, n, "--userspace", u, "--area", "other"],
        Path::new("."),
        &cache,
    );
    assert!(String::from_utf8_lossy(&ledger.stdout)
        .contains(&format!("#   candidate: uses in {u} (userspace): 2 uses")));

    // Not a directory: an error naming it.
    let missing = tmp.path().join("no-such-tree");
    let file = user.join("src/main.c");
    for bad in [&missing, &file] {
        let out = uapi_diff(
            &[
                "checklist",
                o,
                n,
                "--userspace",
                bad.to_str().expect("utf-8"),
            ],
            Path::new("."),
            &cache,
        );
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&*bad.to_string_lossy()), "{err}");
    }
}

// ------------------------------------------------------------------------------------------------
// IGT
// ------------------------------------------------------------------------------------------------

/// One file's tokens, by a plain scan independent of the tool's lexer: identifiers and
/// punctuation, and string literals, each with its line; comments dropped.
#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
}

fn tokens(text: &str) -> Vec<(Token, u32)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1u32);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                if chars[i] == '\\' && chars.get(i + 1) == Some(&'\n') {
                    line += 1;
                    i += 1;
                }
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                line += u32::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let (start_line, mut s) = (line, String::new());
            i += 1;
            while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' && i + 1 < chars.len() && chars[i + 1] != '\n' {
                    s.push(chars[i]);
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            if c == '"' && chars.get(i) == Some(&'"') {
                out.push((Token::Str(s), start_line));
            }
            if chars.get(i) == Some(&c) {
                i += 1;
            }
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else {
            if !c.is_whitespace() {
                out.push((Token::Punct(c), line));
            }
            i += 1;
        }
    }
    out
}

fn code_files(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let t = e.file_type().expect("file type");
        if t.is_dir() {
            code_files(&e.path(), &rel, out);
        } else if t.is_file()
            && ["c", "h", "cc", "cpp", "cxx", "hh", "hpp", "hxx", "inl"]
                .contains(&name.rsplit('.').next().unwrap_or(""))
        {
            out.push((rel, e.path()));
        }
    }
}

/// Names to the items they stand for: (id, role, parent).
type Roles = HashMap<String, Vec<(String, &'static str, Option<String>)>>;

/// Every item's uses by the plain scan: (item id → places `file:line`).
fn plain_scan(igt: &Path, items: &[&Value]) -> BTreeMap<String, BTreeSet<(String, u32)>> {
    // Names to items: (id, role), role "name", "member" (with parent), "literal", "value", "header".
    let mut idents: Roles = HashMap::new();
    let mut literals: Roles = HashMap::new();
    let mut headers: HashMap<String, Vec<String>> = HashMap::new();
    let mut declared_names: BTreeSet<String> = BTreeSet::new();
    for i in items {
        let id = i["id"].as_str().expect("id").to_string();
        let name = i["name"].as_str().expect("name").to_string();
        let parent = i["parent"].as_str().map(str::to_string);
        match i["kind"].as_str().expect("kind") {
            "header" => headers
                .entry(name.rsplit('/').next().expect("file").to_string())
                .or_default()
                .push(id),
            "property" => literals
                .entry(name)
                .or_default()
                .push((id, "literal", None)),
            "property_value" => literals
                .entry(name)
                .or_default()
                .push((id, "value", parent)),
            "field" => {
                declared_names.insert(parent.clone().expect("a field's struct"));
                idents.entry(name).or_default().push((id, "member", parent));
            }
            kind => {
                declared_names.insert(name.clone());
                idents
                    .entry(name)
                    .or_default()
                    .push((id.clone(), "name", None));
                let decl = i["new_decl"].as_str().unwrap_or("");
                if kind == "ioctl" {
                    if let Some(after) = decl.split("DRM_COMMAND_BASE").nth(1) {
                        let after = after.trim_start().trim_start_matches('+').trim_start();
                        let index: String = after
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !index.is_empty() && !index.starts_with(|c: char| c.is_ascii_digit()) {
                            declared_names.insert(index.clone());
                            idents.entry(index).or_default().push((id, "name", None));
                        }
                    }
                }
            }
        }
    }
    let mut files = Vec::new();
    code_files(igt, "", &mut files);
    let mut uses: BTreeMap<String, BTreeSet<(String, u32)>> = BTreeMap::new();
    for (rel, path) in files {
        let bytes = std::fs::read(&path).expect("read");
        let toks = tokens(&String::from_utf8_lossy(&bytes));
        let ident = |k: usize| match toks.get(k) {
            Some((Token::Ident(s), _)) => Some(s.as_str()),
            _ => None,
        };
        let punct = |k: usize| match toks.get(k) {
            Some((Token::Punct(c), _)) => Some(*c),
            _ => None,
        };
        // Declarations: `# define NAME`, `struct|union|enum NAME {`.
        let is_decl = |k: usize| {
            (k >= 2 && ident(k - 1) == Some("define") && punct(k - 2) == Some('#'))
                || (k >= 1
                    && matches!(ident(k - 1), Some("struct" | "union" | "enum"))
                    && punct(k + 1) == Some('{'))
        };
        let is_header = rel.ends_with(".h")
            || rel.ends_with(".hh")
            || rel.ends_with(".hpp")
            || rel.ends_with(".hxx")
            || rel.ends_with(".inl");
        let declares = (0..toks.len())
            .any(|k| ident(k).is_some_and(|s| declared_names.contains(s)) && is_decl(k));
        if is_header && declares {
            continue;
        }
        let named: BTreeSet<&str> = (0..toks.len())
            .filter(|&k| !is_decl(k))
            .filter_map(ident)
            .collect();
        let strings: BTreeSet<&str> = toks
            .iter()
            .filter_map(|(t, _)| match t {
                Token::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        for (k, (tok, line)) in toks.iter().enumerate() {
            match tok {
                Token::Ident(s) => {
                    for (id, role, parent) in idents.get(s).into_iter().flatten() {
                        let counts = match *role {
                            "name" => !is_decl(k),
                            _ => {
                                let access = punct(k.wrapping_sub(1)) == Some('.')
                                    || (punct(k.wrapping_sub(1)) == Some('>')
                                        && punct(k.wrapping_sub(2)) == Some('-'));
                                access && named.contains(parent.as_deref().expect("parent"))
                            }
                        };
                        if counts {
                            uses.entry(id.clone())
                                .or_default()
                                .insert((rel.clone(), *line));
                        }
                    }
                }
                Token::Str(s) => {
                    for (id, role, parent) in literals.get(s).into_iter().flatten() {
                        if *role == "literal"
                            || strings.contains(parent.as_deref().expect("property"))
                        {
                            uses.entry(id.clone())
                                .or_default()
                                .insert((rel.clone(), *line));
                        }
                    }
                    // `#include "x.h"`
                    if k >= 2 && ident(k - 1) == Some("include") && punct(k - 2) == Some('#') {
                        let file = s.rsplit('/').next().unwrap_or(s);
                        for id in headers.get(file).into_iter().flatten() {
                            uses.entry(id.clone())
                                .or_default()
                                .insert((rel.clone(), *line));
                        }
                    }
                }
                Token::Punct('<') if k >= 2 && ident(k - 1) == Some("include") => {
                    // `#include <dir/x.h>`: the tokens up to `>`, on the same line.
                    let mut target = String::new();
                    let mut j = k + 1;
                    while let Some((t, l)) = toks.get(j) {
                        match t {
                            _ if l != line => break,
                            Token::Punct('>') => break,
                            Token::Ident(s) => target.push_str(s),
                            Token::Punct(c) => target.push(*c),
                            Token::Str(_) => break,
                        }
                        j += 1;
                    }
                    let file = target.rsplit('/').next().unwrap_or(&target).to_string();
                    for id in headers.get(&file).into_iter().flatten() {
                        uses.entry(id.clone())
                            .or_default()
                            .insert((rel.clone(), *line));
                    }
                }
                _ => {}
            }
        }
    }
    uses
}

#[test]
fn igt_uses_match_a_plain_token_scan() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let Some(igt) = common::igt_tree() else {
        return;
    };
    let cache = tempfile::tempdir().expect("temp dir");
    let out = uapi_diff(
        &[
            "checklist",
            "v6.1",
            "v6.12",
            "--format",
            "json",
            "--no-attribution",
            "--userspace",
            igt.to_str().expect("utf-8"),
        ],
        &repo,
        cache.path(),
    );
    let cl = json_uses(&out);
    assert_eq!(cl["userspace"][0]["kind"], "test-suite");
    let items: Vec<&Value> = cl["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["items"].as_array().expect("items"))
        .collect();
    let plain = plain_scan(&igt, &items);
    let mut mismatches = Vec::new();
    for i in &items {
        let id = i["id"].as_str().expect("id");
        let u = &i["uses"][0];
        let places = plain.get(id);
        let count = places.map_or(0, BTreeSet::len);
        let first: Vec<String> = places
            .into_iter()
            .flatten()
            .take(5)
            .map(|(f, l)| format!("{f}:{l}"))
            .collect();
        if u["count"] != count || u["first"] != serde_json::json!(first) {
            mismatches.push(format!(
                "{id}: tool {} {}, plain scan {count} {first:?}",
                u["count"], u["first"]
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} items differ:\n{}",
        mismatches.len(),
        items.len(),
        mismatches.join("\n")
    );
    // The figures the issue asks for: new DRM ioctls and KMS properties IGT uses.
    let drm = |i: &&&Value| {
        let file = i["file"].as_str().expect("file");
        file.starts_with("include/uapi/drm/") || file.starts_with("drivers/gpu/drm/")
    };
    for kind in ["ioctl", "property"] {
        let of_kind: Vec<&&Value> = items
            .iter()
            .filter(|i| i["kind"] == kind && i["change"] == "added")
            .filter(drm)
            .collect();
        let used = of_kind
            .iter()
            .filter(|i| i["uses"][0]["count"] != 0)
            .count();
        eprintln!(
            "IGT uses {used} of the {} DRM {kind}s added in v6.1 → v6.12",
            of_kind.len()
        );
        assert!(used > 0 && used < of_kind.len());
    }
    assert_ne!(
        item(&cl, "ioctl:DRM_IOCTL_SYNCOBJ_EVENTFD")["uses"][0]["count"],
        0
    );
    assert_eq!(
        item(&cl, "ioctl:DRM_IOCTL_MODE_CLOSEFB")["uses"][0]["count"],
        0
    );
}

/// A new syscall's evidence (Documentation/process/adding-syscalls.rst): its man page in a
/// man-pages tree, a selftest calling it by number, a libc declaration and wrapper; a copy of the
/// generated unistd header, another syscall's man page and a page outside `man2` are none.
#[test]
fn syscall_evidence_man_page_selftest_and_libc() {
    let old = common::fixture_tree("rule-syscall-added", "old");
    let new = common::fixture_tree("rule-syscall-added", "new");
    let tmp = tempfile::tempdir().expect("temp dir");
    let user = tmp.path().join("user");
    let files: &[(&str, &str)] = &[
        ("man-pages/man/man2/frob.2", ".TH frob 2\n.SH NAME\nfrob \\- frobnicate\n"),
        ("man-pages/man/man2/other.2", ".TH other 2\n"),
        ("man-pages/man/man7/frob.2", ".TH frob 2\n"),
        (
            "linux/tools/testing/selftests/frob/frob_test.c",
            "#define __NR_frob 451\nTEST(frob_works)\n{\n\tASSERT_EQ(0, syscall(__NR_frob, 0));\n}\n",
        ),
        ("libc/include/unistd.h", "int frob(int flags);\n"),
        (
            "libc/src/frob.c",
            "#include <unistd.h>\nint frob(int flags)\n{\n\treturn syscall(SYS_frob, flags);\n}\n",
        ),
        ("libc/arch/x86_64/bits/unistd_64.h", "#define __NR_frob 451\n"),
    ];
    for (path, text) in files {
        let file = user.join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    let out = uapi_diff(
        &[
            "checklist",
            old.path().to_str().expect("utf-8"),
            new.path().to_str().expect("utf-8"),
            "--format",
            "json",
            "--userspace",
            user.to_str().expect("utf-8"),
            "--area",
            "other",
        ],
        Path::new("."),
        &tmp.path().join("xdg"),
    );
    let cl = json_uses(&out);
    let uses = &item(&cl, "syscall:frob")["uses"][0];
    let places: Vec<&str> = uses["first"]
        .as_array()
        .expect("places")
        .iter()
        .map(|p| p.as_str().expect("a place"))
        .collect();
    assert_eq!(
        places,
        [
            "libc/include/unistd.h:1",
            "libc/src/frob.c:2",
            "libc/src/frob.c:4",
            "linux/tools/testing/selftests/frob/frob_test.c:4",
            "man-pages/man/man2/frob.2:1",
        ],
        "{uses}"
    );
    assert_eq!(uses["count"], 5, "{uses}");
}
