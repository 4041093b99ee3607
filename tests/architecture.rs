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
    ("junit", &["checklist"]),
    ("gate", &["change", "checklist", "junit", "report"]),
    (
        "series",
        &[
            "change",
            "checklist",
            "error",
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

/// The code of a file without its unit tests (a `tests.rs` file, an inline `mod tests` at the
/// end): tests may reach across layers to check a stage in context. Line comments are dropped.
fn non_test_code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).expect("read source");
    let code = match text.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &text[..at],
        None => &text,
    };
    code.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
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
