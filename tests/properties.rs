//! Property tests: formatting-only edits of the fixture headers (whitespace, comments, kernel-doc,
//! reordered `#define`s) never yield a change, and a tree diffed with itself has none.

mod common;

use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Every `.h` of one side of a case, relative to the tree root, with its lines.
struct Side {
    dir: tempfile::TempDir,
    headers: Vec<(PathBuf, Vec<String>)>,
}

fn side(case: &str, side: &str) -> Side {
    let dir = common::fixture_tree(case, side);
    let mut headers = Vec::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "h") {
                let text = std::fs::read_to_string(&p).unwrap();
                let lines = text.lines().map(str::to_string).collect();
                headers.push((p.strip_prefix(dir.path()).unwrap().to_path_buf(), lines));
            }
        }
    }
    headers.sort();
    Side { dir, headers }
}

/// Where a line stands: whether it starts inside a block comment or a continued directive, and
/// whether it ends inside a block comment or with a continuation backslash.
#[derive(Clone, Copy, Default)]
struct LineState {
    starts_in_comment: bool,
    starts_continued: bool,
    ends_in_comment: bool,
    continues: bool,
}

fn line_states(lines: &[String]) -> Vec<LineState> {
    let mut in_comment = false;
    let mut continued = false;
    lines
        .iter()
        .map(|l| {
            let mut st = LineState {
                starts_in_comment: in_comment,
                starts_continued: continued,
                ..Default::default()
            };
            let b = l.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if in_comment {
                    if b[i..].starts_with(b"*/") {
                        in_comment = false;
                        i += 1;
                    }
                } else if b[i..].starts_with(b"/*") {
                    in_comment = true;
                    i += 1;
                } else if b[i..].starts_with(b"//") {
                    break;
                } else if b[i] == b'"' || b[i] == b'\'' {
                    let q = b[i];
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                }
                i += 1;
            }
            st.ends_in_comment = in_comment;
            st.continues = l.ends_with('\\');
            continued = st.continues;
            st
        })
        .collect()
}

/// A single-line object-like `#define NAME …` outside comments: its name.
fn simple_define<'a>(line: &'a str, st: &LineState) -> Option<&'a str> {
    if st.starts_in_comment || st.starts_continued || st.continues || st.ends_in_comment {
        return None;
    }
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("define")?.trim_start();
    let name: &str = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    (!name.is_empty()).then_some(name)
}

#[derive(Clone, Debug)]
enum Edit {
    TrailingSpace(usize, String),
    Indent(usize, String),
    BlankLine(usize),
    LineComment(usize, String),
    BlockComment(usize, String),
    KernelDoc(usize, String),
    TrailingComment(usize, String),
    SwapDefines(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let ws = "[ \t]{1,4}";
    let word = "[a-zA-Z0-9 ,.()]{0,20}";
    prop_oneof![
        (any::<usize>(), ws).prop_map(|(i, s)| Edit::TrailingSpace(i, s)),
        (any::<usize>(), ws).prop_map(|(i, s)| Edit::Indent(i, s)),
        any::<usize>().prop_map(Edit::BlankLine),
        (any::<usize>(), word).prop_map(|(i, s)| Edit::LineComment(i, s)),
        (any::<usize>(), word).prop_map(|(i, s)| Edit::BlockComment(i, s)),
        (any::<usize>(), "[a-z_]{1,12}").prop_map(|(i, s)| Edit::KernelDoc(i, s)),
        (any::<usize>(), word).prop_map(|(i, s)| Edit::TrailingComment(i, s)),
        any::<usize>().prop_map(Edit::SwapDefines),
    ]
}

/// Applies a formatting-only edit (where the position allows it; elsewhere it does nothing).
fn apply(lines: &mut Vec<String>, e: &Edit) {
    if lines.is_empty() {
        return;
    }
    let states = line_states(lines);
    let n = lines.len();
    // Between line i-1 and line i: not inside a comment, not after a continuation backslash.
    let boundary_ok =
        |i: usize| i == 0 || (!states[i - 1].ends_in_comment && !states[i - 1].continues);
    match e {
        Edit::TrailingSpace(i, s) => {
            let i = i % n;
            if !states[i].continues {
                lines[i].push_str(s);
            }
        }
        Edit::Indent(i, s) => {
            let i = i % n;
            lines[i].insert_str(0, s);
        }
        Edit::BlankLine(i) => {
            let i = i % (n + 1);
            if boundary_ok(i) {
                lines.insert(i, String::new());
            }
        }
        Edit::LineComment(i, s) => {
            let i = i % (n + 1);
            if boundary_ok(i) {
                lines.insert(i, format!("// {s}"));
            }
        }
        Edit::BlockComment(i, s) => {
            let i = i % (n + 1);
            if boundary_ok(i) {
                lines.insert(i, format!("/* {s}"));
                lines.insert(i + 1, format!("   {s} */"));
            }
        }
        Edit::KernelDoc(i, s) => {
            let i = i % (n + 1);
            if boundary_ok(i) {
                let doc = [
                    "/**".to_string(),
                    format!(" * {s} - what it is"),
                    format!(" * @{s}: a member, with `#define` and #if in prose"),
                    " *".to_string(),
                    " * Return: nothing; struct x { int y; };".to_string(),
                    " */".to_string(),
                ];
                lines.splice(i..i, doc);
            }
        }
        Edit::TrailingComment(i, s) => {
            let i = i % n;
            if !states[i].continues && !states[i].ends_in_comment {
                lines[i].push_str(&format!(" /* {s} */"));
            }
        }
        Edit::SwapDefines(i) => {
            let i = i % n;
            if i + 1 < n {
                let a = simple_define(&lines[i], &states[i]);
                let b = simple_define(&lines[i + 1], &states[i + 1]);
                if let (Some(a), Some(b)) = (a, b) {
                    if a != b {
                        lines.swap(i, i + 1);
                    }
                }
            }
        }
    }
}

fn write_side(root: &Path, headers: &[(PathBuf, Vec<String>)]) {
    for (path, lines) in headers {
        std::fs::write(root.join(path), lines.join("\n") + "\n").unwrap();
    }
}

fn cases_and_sides() -> Vec<(String, &'static str)> {
    common::cases()
        .into_iter()
        .flat_map(|c| [(c.clone(), "old"), (c, "new")])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn formatting_only_edits_never_change_anything(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), edit()), 1..24),
    ) {
        let all = cases_and_sides();
        let (case, s) = &all[which.index(all.len())];
        let original = side(case, s);
        let edited = side(case, s);
        let mut headers = edited.headers.clone();
        for (file, e) in &edits {
            let n = headers.len();
            apply(&mut headers[file.index(n)].1, e);
        }
        write_side(edited.dir.path(), &headers);
        let r = common::diff_dirs(original.dir.path(), edited.dir.path());
        prop_assert!(r.changes.is_empty(), "{case}/{s} {edits:?}: {:#?}", r.changes);
        prop_assert!(r.unparsed.is_empty(), "{case}/{s} {edits:?}: {:#?}", r.unparsed);
        // diff(A, A) is empty, for the edited tree too.
        let again = side(case, s);
        write_side(again.dir.path(), &headers);
        let r = common::diff_dirs(edited.dir.path(), again.dir.path());
        prop_assert!(r.changes.is_empty() && r.unparsed.is_empty());
    }
}

#[test]
fn the_edits_are_applied() {
    let mut lines: Vec<String> = [
        "#define A 1",
        "#define B 2",
        "/* open",
        "x */",
        "#define C \\",
        " 3",
    ]
    .map(String::from)
    .to_vec();
    apply(&mut lines, &Edit::SwapDefines(0));
    assert_eq!(lines[..2], ["#define B 2", "#define A 1"]);
    apply(&mut lines, &Edit::BlankLine(3)); // inside the comment: refused
    apply(&mut lines, &Edit::BlankLine(5)); // after the backslash: refused
    apply(&mut lines, &Edit::TrailingComment(2, "c".into())); // ends inside a comment: refused
    assert_eq!(lines.len(), 6);
    apply(&mut lines, &Edit::KernelDoc(4, "doc".into()));
    assert_eq!(lines.len(), 12);
    assert_eq!(lines[4], "/**");
}
