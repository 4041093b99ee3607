//! Unified diffs as `git apply` reads them, and applying them to bytes in memory.
//!
//! No crate fits: `diffy` and `patch` read one file's `---`/`+++` diff without git's extended
//! headers (new, deleted, renamed and copied files, modes, binary patches), and neither applies a
//! hunk at an offset the way `git apply` does. This applier follows `git apply`'s defaults: every
//! context line must match exactly (no fuzz), a hunk may move from its stated line (nearest place
//! first, searching from where the previous hunk left the file), and `\ No newline at end of file`
//! is honoured on either side.

/// One file's part of a patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiff {
    /// `None` for a new file.
    pub old_path: Option<String>,
    /// `None` for a deleted file.
    pub new_path: Option<String>,
    /// A copy keeps its source; a rename removes it.
    pub copy: bool,
    /// `Binary files … differ` or `GIT binary patch`: content this reader cannot apply.
    pub binary: bool,
    pub hunks: Vec<Hunk>,
}

impl FileDiff {
    /// The paths it touches: the old and the new one.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.old_path
            .iter()
            .chain(&self.new_path)
            .map(String::as_str)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunk {
    /// 1-based, as in `@@ -old_start,old_len +new_start,new_len @@`.
    pub old_start: usize,
    pub new_start: usize,
    /// The lines the file must have (context and removed), and what replaces them.
    pub old: Vec<String>,
    pub new: Vec<String>,
    /// `\ No newline at end of file` after the old (or new) side's last line.
    pub old_no_newline: bool,
    pub new_no_newline: bool,
    /// 1-based line of the `@@` header in the diff text.
    pub line: usize,
}

/// Reads every file diff of a patch's diff text. Errors name the line of the diff.
pub fn parse(diff: &str) -> Result<Vec<FileDiff>, String> {
    let lines: Vec<&str> = diff.lines().collect();
    let mut files = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("diff --git ") {
            let (file, next) = git_file(&lines, i, rest)?;
            files.push(file);
            i = next;
        } else if crate::series::mail::starts_plain_diff(&lines[i..].join("\n")) {
            let old = strip_prefix_dir(path_of(&line[4..]));
            let new = strip_prefix_dir(path_of(&lines[i + 1][4..]));
            let (hunks, next) = hunks(&lines, i + 2)?;
            files.push(FileDiff {
                old_path: old,
                new_path: new,
                copy: false,
                binary: false,
                hunks,
            });
            i = next;
        } else {
            i += 1;
        }
    }
    Ok(files)
}

/// A `diff --git` section starting at line `at`: its extended headers, then its hunks.
fn git_file(lines: &[&str], at: usize, header: &str) -> Result<(FileDiff, usize), String> {
    let (mut old, mut new) = split_git_header(header);
    let mut file = FileDiff {
        old_path: None,
        new_path: None,
        copy: false,
        binary: false,
        hunks: Vec::new(),
    };
    let (mut created, mut deleted) = (false, false);
    let mut i = at + 1;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("diff --git ") || line.starts_with("@@ ") {
            break;
        }
        if let Some(p) = line.strip_prefix("--- ") {
            old = strip_prefix_dir(path_of(p)).or(if created { None } else { old });
        } else if let Some(p) = line.strip_prefix("+++ ") {
            new = strip_prefix_dir(path_of(p)).or(if deleted { None } else { new });
        } else if line.starts_with("new file mode ") {
            created = true;
        } else if line.starts_with("deleted file mode ") {
            deleted = true;
        } else if let Some(p) = line
            .strip_prefix("rename from ")
            .or_else(|| line.strip_prefix("copy from "))
        {
            file.copy = line.starts_with("copy");
            old = Some(unquote(p));
        } else if let Some(p) = line
            .strip_prefix("rename to ")
            .or_else(|| line.strip_prefix("copy to "))
        {
            new = Some(unquote(p));
        } else if line.starts_with("GIT binary patch")
            || (line.starts_with("Binary files ") && line.ends_with(" differ"))
        {
            file.binary = true;
        } else if !is_extended_header(line) {
            break;
        }
        i += 1;
    }
    file.old_path = if created { None } else { old };
    file.new_path = if deleted { None } else { new };
    if file.old_path.is_none() && file.new_path.is_none() {
        return Err(format!("line {}: `diff --git` names no file", at + 1));
    }
    let (hunks, next) = hunks(lines, i)?;
    file.hunks = hunks;
    Ok((file, next))
}

fn is_extended_header(line: &str) -> bool {
    [
        "old mode ",
        "new mode ",
        "similarity index ",
        "dissimilarity index ",
        "index ",
        "literal ",
        "delta ",
    ]
    .iter()
    .any(|p| line.starts_with(p))
        || line.is_empty()
}

/// `a/x b/x` → the two paths when they can be told apart (always for equal names; renames
/// also carry `rename from`/`to` lines, which win).
fn split_git_header(header: &str) -> (Option<String>, Option<String>) {
    if header.starts_with('"') {
        let mut parts = header.splitn(2, "\" ");
        let a = parts.next().map(|a| unquote(&format!("{a}\"")));
        let b = parts.next().map(unquote);
        return (strip_prefix_dir(a), strip_prefix_dir(b));
    }
    let bytes = header.as_bytes();
    // Equal names: `a/NAME b/NAME`, split at the middle space (a header too short for two
    // prefixes, or cut inside a character, is no such pair).
    if bytes.len() % 2 == 1 && bytes[bytes.len() / 2] == b' ' {
        let mid = bytes.len() / 2;
        if let (Some(a), Some(b)) = (header.get(2..mid), header.get(mid + 3..)) {
            if a == b {
                return (Some(a.to_string()), Some(a.to_string()));
            }
        }
    }
    match header.split_once(" b/") {
        Some((a, b)) => (strip_prefix_dir(Some(a.to_string())), Some(b.to_string())),
        None => (None, None),
    }
}

/// The path of a `---`/`+++` line: tab-separated timestamps dropped, quotes undone, `/dev/null`
/// as `None`.
fn path_of(field: &str) -> Option<String> {
    let path = field.split('\t').next().unwrap_or(field).trim_end();
    (path != "/dev/null").then(|| unquote(path))
}

/// `a/x` → `x` (git's `-p1`).
fn strip_prefix_dir(path: Option<String>) -> Option<String> {
    path.map(|p| match p.split_once('/') {
        Some((_, rest)) => rest.to_string(),
        None => p,
    })
}

/// A C-quoted path (`"a/t\303\251st"`) as git writes names with unusual bytes.
fn unquote(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_string();
    };
    let mut out: Vec<u8> = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut v = (d - b'0') as u32;
                for _ in 0..2 {
                    if let Some(d) = bytes.next() {
                        v = v * 8 + (d.wrapping_sub(b'0') as u32 & 7);
                    }
                }
                out.push(v as u8);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The hunks starting at line `at`; returns them and the first line after them.
fn hunks(lines: &[&str], mut at: usize) -> Result<(Vec<Hunk>, usize), String> {
    let mut out = Vec::new();
    while let Some(header) = lines.get(at).and_then(|l| l.strip_prefix("@@ -")) {
        let bad = || format!("line {}: malformed hunk header `{}`", at + 1, lines[at]);
        let (ranges, _) = header.split_once(" @@").ok_or_else(bad)?;
        let (old, new) = ranges.split_once(" +").ok_or_else(bad)?;
        let range = |r: &str| -> Option<(usize, usize)> {
            match r.split_once(',') {
                Some((s, n)) => Some((s.parse().ok()?, n.parse().ok()?)),
                None => Some((r.parse().ok()?, 1)),
            }
        };
        let ((old_start, mut old_left), (new_start, mut new_left)) =
            (range(old).ok_or_else(bad)?, range(new).ok_or_else(bad)?);
        let mut hunk = Hunk {
            old_start,
            new_start,
            old: Vec::new(),
            new: Vec::new(),
            old_no_newline: false,
            new_no_newline: false,
            line: at + 1,
        };
        at += 1;
        // The side the last line went to, for a following `\ No newline` marker.
        let mut last = (false, false);
        while old_left > 0 || new_left > 0 || lines.get(at).is_some_and(|l| l.starts_with('\\')) {
            let Some(line) = lines.get(at) else {
                return Err(format!(
                    "line {}: the hunk at line {} ends early",
                    at + 1,
                    hunk.line
                ));
            };
            let (tag, text) = match line.chars().next() {
                Some(c) => (c, &line[c.len_utf8()..]),
                // An empty line stands for an empty context line (some mailers strip the space).
                None => (' ', ""),
            };
            match tag {
                ' ' if old_left > 0 && new_left > 0 => {
                    hunk.old.push(text.to_string());
                    hunk.new.push(text.to_string());
                    (old_left, new_left, last) = (old_left - 1, new_left - 1, (true, true));
                }
                '-' if old_left > 0 => {
                    hunk.old.push(text.to_string());
                    (old_left, last) = (old_left - 1, (true, false));
                }
                '+' if new_left > 0 => {
                    hunk.new.push(text.to_string());
                    (new_left, last) = (new_left - 1, (false, true));
                }
                '\\' => {
                    hunk.old_no_newline |= last.0;
                    hunk.new_no_newline |= last.1;
                }
                _ => {
                    return Err(format!(
                        "line {}: the hunk at line {} does not match its header (a line starting with `{tag}`)",
                        at + 1,
                        hunk.line
                    ))
                }
            }
            at += 1;
        }
        out.push(hunk);
    }
    Ok((out, at))
}

/// A file as lines (without their `\n`) and whether its last line ends with one.
struct Lines<'a> {
    lines: Vec<&'a [u8]>,
    final_newline: bool,
}

fn lines_of(bytes: &[u8]) -> Lines<'_> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let final_newline = bytes.is_empty() || bytes.ends_with(b"\n");
    if final_newline {
        lines.pop();
    }
    Lines {
        lines,
        final_newline,
    }
}

/// Applies `hunks` to `content`; on failure, the hunk that did not apply.
pub fn apply<'h>(content: &[u8], hunks: &'h [Hunk]) -> Result<Vec<u8>, &'h Hunk> {
    let file = lines_of(content);
    let mut out: Vec<&[u8]> = Vec::new();
    let mut out_final_newline = file.final_newline;
    // Lines of `file` consumed so far; git applies hunks in order, each after the previous one.
    let mut done = 0usize;
    let mut offset: isize = 0;
    for hunk in hunks {
        let old: Vec<&[u8]> = hunk.old.iter().map(|l| l.as_bytes()).collect();
        // An insertion-only hunk (`-N,0`) goes after line N; others start at line N.
        let stated = if old.is_empty() {
            hunk.old_start
        } else {
            hunk.old_start.saturating_sub(1)
        };
        let wanted = (stated as isize + offset).max(done as isize) as usize;
        let at = find(&file.lines, &old, wanted, done).ok_or(hunk)?;
        // The old side must end the file when its last line has no newline.
        let at_end = at + old.len() == file.lines.len();
        if hunk.old_no_newline && (!at_end || file.final_newline) {
            return Err(hunk);
        }
        offset = at as isize - stated as isize;
        out.extend_from_slice(&file.lines[done..at]);
        out.extend(hunk.new.iter().map(|l| l.as_bytes()));
        done = at + old.len();
        if at_end {
            out_final_newline =
                !hunk.new_no_newline && (!hunk.new.is_empty() || file.final_newline);
        }
    }
    out.extend_from_slice(&file.lines[done..]);
    let mut bytes = out.join(&b'\n');
    if !out.is_empty() && out_final_newline {
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// Where `old` occurs in `lines` at or after `from`, nearest to `wanted` first.
fn find(lines: &[&[u8]], old: &[&[u8]], wanted: usize, from: usize) -> Option<usize> {
    let fits = |at: usize| at + old.len() <= lines.len() && lines[at..at + old.len()] == *old;
    let last = lines.len().checked_sub(old.len())?;
    let wanted = wanted.min(last);
    (0..=last.max(wanted)).find_map(|distance| {
        let after = wanted + distance;
        let before = wanted.checked_sub(distance).filter(|&b| b >= from);
        if after <= last && fits(after) {
            Some(after)
        } else {
            before.filter(|&b| fits(b))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the series fuzzer: a `diff --git` header shorter than `a/ b/` panicked.
    #[test]
    fn short_or_odd_git_headers_are_no_path_pair() {
        assert_eq!(split_git_header("- Z"), (None, None));
        assert_eq!(split_git_header("a"), (None, None));
        assert_eq!(
            split_git_header("a/é b/é"),
            (Some("é".into()), Some("é".into()))
        );
        assert_eq!(
            split_git_header("a/x b/x"),
            (Some("x".into()), Some("x".into()))
        );
    }

    fn apply_text(content: &str, diff: &str) -> Result<String, usize> {
        let files = parse(diff).unwrap();
        assert_eq!(files.len(), 1);
        apply(content.as_bytes(), &files[0].hunks)
            .map(|b| String::from_utf8(b).unwrap())
            .map_err(|h| h.line)
    }

    #[test]
    fn hunks_apply_at_their_line_or_moved() {
        let diff = "diff --git a/f.h b/f.h\nindex 1..2 100644\n--- a/f.h\n+++ b/f.h\n\
@@ -2,3 +2,4 @@\n b\n c\n+c2\n d\n@@ -8,2 +9,2 @@\n h\n-i\n+I\n";
        let base = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        assert_eq!(
            apply_text(base, diff).unwrap(),
            "a\nb\nc\nc2\nd\ne\nf\ng\nh\nI\n"
        );
        // Two lines added on top: both hunks move by two.
        assert_eq!(
            apply_text(&format!("x\ny\n{base}"), diff).unwrap(),
            "x\ny\na\nb\nc\nc2\nd\ne\nf\ng\nh\nI\n"
        );
        // A context line that differs fails, naming the hunk's line in the diff.
        assert_eq!(apply_text("a\nb\nC\nd\ne\nf\ng\nh\ni\n", diff), Err(5));
    }

    #[test]
    fn no_newline_at_end_of_file_on_either_side() {
        let add_newline = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n";
        assert_eq!(apply_text("x", add_newline).unwrap(), "x\n");
        assert_eq!(apply_text("x\n", add_newline), Err(3));
        let drop_newline = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n";
        assert_eq!(apply_text("x\n", drop_newline).unwrap(), "y");
    }

    #[test]
    fn new_deleted_renamed_copied_and_binary_files() {
        let diff = "diff --git a/n.h b/n.h\nnew file mode 100644\nindex 0000000..1\n--- /dev/null\n+++ b/n.h\n\
@@ -0,0 +1,2 @@\n+one\n+two\n\
diff --git a/gone.h b/gone.h\ndeleted file mode 100644\nindex 1..0000000\n--- a/gone.h\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n\
diff --git a/old name.h b/new name.h\nsimilarity index 90%\nrename from old name.h\nrename to new name.h\n\
--- a/old name.h\n+++ b/new name.h\n@@ -1 +1 @@\n-a\n+b\n\
diff --git a/src.h b/copy.h\nsimilarity index 100%\ncopy from src.h\ncopy to copy.h\n\
diff --git a/logo.png b/logo.png\nold mode 100644\nnew mode 100755\nindex 1..2\nBinary files a/logo.png and b/logo.png differ\n\
diff --git a/x.sh b/x.sh\nold mode 100644\nnew mode 100755\n";
        let files = parse(diff).unwrap();
        /// Old path, new path, copy, binary, hunks.
        type Shape<'a> = (Option<&'a str>, Option<&'a str>, bool, bool, usize);
        let summary: Vec<Shape> = files
            .iter()
            .map(|f| {
                (
                    f.old_path.as_deref(),
                    f.new_path.as_deref(),
                    f.copy,
                    f.binary,
                    f.hunks.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (None, Some("n.h"), false, false, 1),
                (Some("gone.h"), None, false, false, 1),
                (Some("old name.h"), Some("new name.h"), false, false, 1),
                (Some("src.h"), Some("copy.h"), true, false, 0),
                (Some("logo.png"), Some("logo.png"), false, true, 0),
                (Some("x.sh"), Some("x.sh"), false, false, 0),
            ]
        );
        assert_eq!(apply(b"", &files[0].hunks).unwrap(), b"one\ntwo\n");
        assert_eq!(apply(b"x\n", &files[1].hunks).unwrap(), b"");
    }

    #[test]
    fn quoted_paths_and_malformed_hunks() {
        assert_eq!(unquote("\"a/t\\303\\251st\""), "a/tést");
        let err = parse("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n").unwrap_err();
        assert!(err.contains("ends early"), "{err}");
        let err = parse("--- a/f\n+++ b/f\n@@ -x +1 @@\n").unwrap_err();
        assert!(err.contains("malformed hunk header"), "{err}");
    }
}
