//! The import direction of ARCHITECTURE.md, checked: each module of `src/` (a file or a directory)
//! imports only what `LAYERS` allows it, and `LAYERS` allows a module only what comes before it,
//! so no import circle can come back. A new import against the direction fails here; one that
//! follows it is added to the table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of `src/`, lowest first, with the modules it may import (all listed before it).
const LAYERS: &[(&str, &[&str])] = &[
    ("cpp", &[]),
    ("ts", &[]),
    ("progress", &[]),
    // The bottom layer: facts, changes, the report's records.
    ("change", &["cpp"]),
    ("arch", &["cpp"]),
    // The evidence asked of a change: the ledger, commit trailers, findings.
    ("evidence", &[]),
    ("junit", &[]),
    ("source", &["arch"]),
    ("error", &["source"]),
    ("parse", &["ts"]),
    ("model", &["arch", "change", "cpp", "parse"]),
    ("kms", &["change", "ts"]),
    // uAPI surfaces beyond the C headers (syscall tables, netlink specs): bytes in, items out.
    ("surface", &["arch", "change", "cpp"]),
    ("diff", &["change", "model"]),
    ("rules", &["change", "model"]),
    ("report", &["change", "model"]),
    // The CI gate: a diff's verdicts against the accepted breaks of the ledger.
    ("gate", &["change", "evidence", "junit", "report"]),
    (
        "pipeline",
        &[
            "arch", "change", "cpp", "diff", "error", "kms", "model", "parse", "rules", "source",
            "surface",
        ],
    ),
    (
        "snapshot",
        &["change", "error", "kms", "model", "pipeline", "source"],
    ),
    // The persistent cache: a revision's computed side on disk (facts in the snapshot's form).
    (
        "store",
        &[
            "arch", "change", "kms", "model", "pipeline", "snapshot", "source",
        ],
    ),
    (
        "history",
        &["change", "error", "pipeline", "snapshot", "source"],
    ),
    // The since-index and the HTML report: a walk (history) folded per item, rendered.
    (
        "timeline",
        &[
            "arch", "change", "error", "history", "kms", "pipeline", "report", "snapshot",
        ],
    ),
    (
        "all_arches",
        &[
            "arch", "change", "error", "pipeline", "report", "snapshot", "source",
        ],
    ),
    (
        "copies",
        &["change", "error", "pipeline", "report", "source"],
    ),
    (
        "userspace",
        &["change", "error", "kms", "model", "pipeline", "source"],
    ),
    (
        "checklist",
        &[
            "all_arches",
            "change",
            "error",
            "evidence",
            "junit",
            "model",
            "parse",
            "pipeline",
            "report",
            "rules",
            "snapshot",
            "source",
            "userspace",
        ],
    ),
    (
        "series",
        &[
            "change",
            "checklist",
            "error",
            "evidence",
            "pipeline",
            "rules",
            "source",
        ],
    ),
    (
        "cli",
        &[
            "all_arches",
            "arch",
            "change",
            "checklist",
            "copies",
            "error",
            "gate",
            "history",
            "junit",
            "model",
            "pipeline",
            "progress",
            "report",
            "rules",
            "series",
            "snapshot",
            "store",
            "source",
            "timeline",
            "userspace",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments and the contents of string and character literals blanked (each
/// replaced by spaces, newlines kept), so that braces and `crate::` are found only in code and
/// every byte keeps its line.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string r"…" or r#"…"# (also after a `b` prefix, pushed as code before).
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push(c);
            for _ in i + 1..=j {
                out.push(' ');
            }
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += hashes + 1;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a), kept as code.
            let end = if next == Some('\\') {
                (i + 2..chars.len()).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The byte offset of the `}` that closes the `{` at `open` (code only, as `code_only` gives).
fn closing_brace(code: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// The code of a file without its unit tests: a `tests.rs` file is all test; elsewhere each
/// `#[cfg(test)] mod … { … }` is blanked wherever it stands (production code may follow it), and
/// comments and literals are blanked as `code_only` does. Tests may reach across layers to check
/// a stage in context.
fn non_test_code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).expect("read source");
    let mut code = code_only(&text);
    let mut from = 0;
    while let Some(at) = code[from..].find("#[cfg(test)]").map(|at| from + at) {
        let rest = &code[at + "#[cfg(test)]".len()..];
        let item = rest.trim_start();
        let item_at = code.len() - item.len();
        from = item_at;
        let Some(module) = item.strip_prefix("mod ") else {
            continue;
        };
        let head = module.find(['{', ';']).unwrap_or(module.len());
        if !module[head..].starts_with('{') {
            continue;
        }
        let open = item_at + "mod ".len() + head;
        let close = closing_brace(&code, open);
        let blanked: String = code[at..=close.min(code.len() - 1)]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        code.replace_range(at..=close.min(code.len() - 1), &blanked);
        from = close.min(code.len());
    }
    code
}

/// The top-level modules a file's code names: `crate::x::…`, and each `x` of `use crate::{x, y::…}`.
fn imported_modules(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(&group[start..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

#[test]
fn imports_follow_the_layers() {
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    // The table itself has no circle: a module may import only modules listed before it.
    for (i, (module, imports)) in LAYERS.iter().enumerate() {
        for import in *imports {
            assert!(
                LAYERS[..i].iter().any(|(m, _)| m == import),
                "LAYERS: {module} may import {import}, which is not listed before it"
            );
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut against = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let module = first.as_os_str().to_string_lossy();
        let module = module.trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        seen.insert(module.to_string());
        let Some(may) = allowed.get(module) else {
            against.push(format!(
                "{}: module {module} is not in LAYERS",
                relative.display()
            ));
            continue;
        };
        for import in imported_modules(&non_test_code(file)) {
            if import != module && !may.contains(&import.as_str()) {
                against.push(format!("{}: {module} imports {import}", relative.display()));
            }
        }
    }
    assert!(
        against.is_empty(),
        "imports against the layers (ARCHITECTURE.md):\n{}",
        against.join("\n")
    );
    let listed: BTreeSet<String> = allowed.keys().map(|m| m.to_string()).collect();
    assert_eq!(listed, seen, "LAYERS lists exactly the modules of src/");
}

#[test]
fn grouped_imports_are_read() {
    let code = "use crate::{diff, rules::{self, Rule}};\nlet x = crate::report::text(&r);\nuse crate::change::{Facts, ItemKind};";
    let got: Vec<String> = imported_modules(code).into_iter().collect();
    assert_eq!(got, ["change", "diff", "report", "rules"]);
}

/// The longest a source file may be (its inline tests count; tests in their own `tests.rs` do
/// not) and the longest an `impl` block may be: past these a file or a type holds more than one
/// responsibility and a newcomer cannot find their way in it.
const MAX_FILE_LINES: usize = 800;
const MAX_IMPL_LINES: usize = 400;

/// Files and impls still over a limit, each with its length today as a ceiling it may not exceed
/// (so it only shrinks): the debt of issue #23, to be split and then removed from here. An impl is
/// named by its file and its header (`src/x.rs: impl Foo`). Everything else meets the limits with
/// no exemption, and an entry back under its limit fails until it is removed.
const SIZE_DEBT: &[(&str, usize)] = &[];

/// Each `impl` block of the code (as `non_test_code` gives it): its header (`impl Foo`, up to the
/// `{`, spaces collapsed) and its length in lines.
fn impl_blocks(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in code.split('\n') {
        let trimmed = line.trim_start();
        let item = trimmed.strip_prefix("unsafe ").unwrap_or(trimmed);
        if item.starts_with("impl<") || item.starts_with("impl ") {
            let start = offset + (line.len() - trimmed.len());
            if let Some(open) = code[start..].find('{').map(|o| start + o) {
                let close = closing_brace(code, open);
                let lines = code[start..close].matches('\n').count() + 1;
                let header = code[start..open].split_whitespace().collect::<Vec<_>>();
                out.push((header.join(" "), lines));
            }
        }
        offset += line.len() + 1;
    }
    out
}

#[test]
fn files_and_impls_stay_small() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let debt: BTreeMap<&str, usize> = SIZE_DEBT.iter().copied().collect();
    let mut over = Vec::new();
    let mut still_over = BTreeSet::new();
    for file in &files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let relative = file.strip_prefix(&src).expect("under src");
        let name = format!("src/{}", relative.to_string_lossy().replace('\\', "/"));
        let text = std::fs::read_to_string(file).expect("read source");
        let mut sizes = vec![(name.clone(), text.lines().count(), MAX_FILE_LINES)];
        for (header, lines) in impl_blocks(&non_test_code(file)) {
            sizes.push((format!("{name}: {header}"), lines, MAX_IMPL_LINES));
        }
        for (what, lines, limit) in sizes {
            if lines <= limit {
                continue;
            }
            let ceiling = debt.get(what.as_str()).copied().unwrap_or(limit);
            if ceiling > limit {
                still_over.insert(what.clone());
            }
            if lines > ceiling {
                over.push(format!("{what}: {lines} lines (at most {ceiling})"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "over the size limits (split by responsibility; SIZE_DEBT only shrinks):\n{}",
        over.join("\n")
    );
    let paid: Vec<&str> = debt
        .keys()
        .filter(|what| !still_over.contains(**what))
        .copied()
        .collect();
    assert!(
        paid.is_empty(),
        "back under the limits: remove from SIZE_DEBT: {paid:?}"
    );
}

#[test]
fn test_modules_and_literals_are_not_code() {
    let text = "fn a() { let s = \"crate::x {\"; }\n#[cfg(test)]\nmod tests {\n    use crate::y;\n    fn f() { '{'; }\n}\nuse crate::z; // crate::w\nimpl Foo {\n    fn g() {}\n}\n";
    let dir = std::env::temp_dir().join(format!("architecture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("sample.rs");
    std::fs::write(&file, text).expect("write sample");
    let code = non_test_code(&file);
    std::fs::remove_dir_all(&dir).ok();
    let got: Vec<String> = imported_modules(&code).into_iter().collect();
    assert_eq!(
        got,
        ["z"],
        "code after the test module is read, the module and literals are not"
    );
    assert_eq!(impl_blocks(&code), [("impl Foo".to_string(), 3)]);
    assert_eq!(code.lines().count(), text.lines().count());
}
