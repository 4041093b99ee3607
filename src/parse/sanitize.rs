//! Kernel annotations that tree-sitter-c does not know and that expand to nothing in the installed
//! headers (`scripts/headers_install.sh` strips `__user`, `__force`, `__iomem`; `__bitwise` and friends
//! are empty macros outside sparse). They are blanked with spaces, which keeps every byte offset and
//! line number as in the original file.

/// Identifiers blanked before parsing.
const BLANKED: &[&[u8]] = &[
    b"__user",
    b"__force",
    b"__iomem",
    b"__bitwise",
    b"__bitwise__",
    b"__rcu",
    b"__kernel",
    b"__must_check",
    b"__attribute_const__",
];

/// GCC's alternate keyword spellings, rewritten in place to the standard keyword (padded with
/// spaces to the same length): tree-sitter-c knows only the standard ones.
const RESPELLED: &[(&[u8], &[u8])] = &[
    (b"__signed__", b"signed"),
    (b"__signed", b"signed"),
    (b"__inline__", b"inline"),
    (b"__inline", b"inline"),
    (b"__const__", b"const"),
    (b"__const", b"const"),
    // `make headers_install` respells `volatile` and `inline` so (scripts/headers_install.sh).
    (b"__volatile__", b"volatile"),
    (b"__volatile", b"volatile"),
    (b"__restrict__", b"restrict"),
    (b"__restrict", b"restrict"),
];

pub fn blank_annotations(source: &mut [u8]) {
    let mut i = 0;
    while let Some(found) = memchr::memmem::find(&source[i..], b"__") {
        let start = i + found;
        let mut end = start;
        while end < source.len() && is_ident_byte(source[end]) {
            end += 1;
        }
        let preceded_by_ident = start > 0 && is_ident_byte(source[start - 1]);
        if preceded_by_ident || on_directive_line(source, start) {
            // Part of a longer identifier, or in a preprocessor line (`#define __bitwise__ __bitwise`):
            // left alone. Macro bodies go through `cpp`, where these are the tree's own empty macros;
            // blanking there would also leave a directive line ending in spaces, which tree-sitter-c
            // joins with the next line.
        } else if BLANKED.contains(&&source[start..end]) {
            source[start..end].fill(b' ');
        } else if let Some((_, standard)) = RESPELLED
            .iter()
            .find(|(alt, _)| *alt == &source[start..end])
        {
            source[start..start + standard.len()].copy_from_slice(standard);
            source[start + standard.len()..end].fill(b' ');
        }
        i = end.max(start + 2);
    }
}

/// Whether `start` is on a line that begins with `#`.
fn on_directive_line(source: &[u8], start: usize) -> bool {
    let line_start = source[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    source[line_start..start]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b'#')
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_comments_are_blanked_and_code_comments_kept() {
        let src =
            "#define A a; /* one */ \\\n  b; // two\nint x; /* code */\n#define S \"/* not */\"\n";
        let mut b = src.as_bytes().to_vec();
        take_body_directives(&mut b);
        let out = String::from_utf8(b).unwrap();
        assert_eq!(
            out,
            "#define A a;           \\\n  b;       \nint x; /* code */\n#define S \"/* not */\"\n"
        );
    }

    #[test]
    fn blanks_cplusplus_only_lines() {
        let src = "#ifdef __cplusplus\nextern \"C\" {\n#endif\nint x;\n#if defined(__cplusplus)\n}\n#else\nint y;\n#endif\n";
        let mut b = src.as_bytes().to_vec();
        blank_cplusplus_blocks(&mut b);
        let out = String::from_utf8(b).unwrap();
        assert_eq!(out, "#ifdef __cplusplus\n            \n#endif\nint x;\n#if defined(__cplusplus)\n \n#else\nint y;\n#endif\n");
    }

    #[test]
    fn blanks_whole_identifiers_only() {
        let mut s = b"int __user *p; __u32 __bitwise x; int __user_x; my__user; __signed__ char c;\n# define __bitwise__ __bitwise".to_vec();
        blank_annotations(&mut s);
        assert_eq!(
            String::from_utf8(s).unwrap(),
            "int        *p; __u32           x; int __user_x; my__user; signed     char c;\n# define __bitwise__ __bitwise"
        );
    }

    #[test]
    fn respells_what_headers_install_respells() {
        let mut s =
            b"__volatile__ __u8 s; static __inline__ int f(void); __const__ int c;".to_vec();
        blank_annotations(&mut s);
        assert_eq!(
            String::from_utf8(s).unwrap(),
            "volatile     __u8 s; static inline     int f(void); const     int c;"
        );
    }
}

/// Blanks the body of `#ifdef __cplusplus` / `#if defined(__cplusplus)` blocks (up to their
/// `#else` or `#endif`). They hold `extern "C" {` and its lone `}`, which tree-sitter-c pairs into
/// one linkage block that swallows the whole header into a dead branch. C compilers never see them
/// (`__cplusplus` is never defined for C), so blanking them changes nothing a compiler sees.
pub fn blank_cplusplus_blocks(source: &mut [u8]) {
    let mut p = 0;
    // Nesting depth inside a C++-only block; 0 outside.
    let mut depth = 0usize;
    while p < source.len() {
        let end = memchr::memchr(b'\n', &source[p..]).map_or(source.len(), |e| p + e);
        let line = &source[p..end];
        let trimmed: Vec<u8> = line
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let is_if = trimmed.starts_with(b"#if");
        if depth == 0 {
            if trimmed == b"#ifdef__cplusplus"
                || trimmed == b"#ifdefined(__cplusplus)"
                || trimmed == b"#ifdefined__cplusplus"
            {
                depth = 1;
            }
        } else if is_if {
            depth += 1;
        } else if trimmed.starts_with(b"#endif")
            || (depth == 1 && (trimmed.starts_with(b"#else") || trimmed.starts_with(b"#elif")))
        {
            depth -= 1;
        } else {
            for b in &mut source[p..end] {
                *b = b' ';
            }
        }
        p = end + 1;
    }
}

/// A `#define` or `#undef` found inside a struct, union or enum body.
pub struct BodyDirective {
    pub offset: usize,
    /// End offset in the source (`text` is lossily decoded, so its length can differ).
    pub end: usize,
    pub line: u32,
    pub end_line: u32,
    pub text: String,
}

/// Takes `#define` lines out of struct/union/enum bodies (blanking them, newlines kept) and returns
/// them. tree-sitter-c turns a `#define` between enumerators into an ERROR that swallows its
/// neighbours; the kernel puts them there often (`#define FRA_IFNAME FRA_IIFNAME`). `#undef`s inside
/// bodies only clean up helper macros used within the body, so they are blanked and dropped: the
/// model expands such bodies with the helper still defined.
pub fn take_body_directives(source: &mut [u8]) -> Vec<BodyDirective> {
    let mut found = Vec::new();
    let mut aggregate_depth: Vec<bool> = Vec::new();
    let mut line: u32 = 1;
    let mut at_line_start = true;
    let mut p = 0;
    while p < source.len() {
        let b = source[p];
        match b {
            b'\n' => {
                line += 1;
                at_line_start = true;
                p += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => {
                p += 1;
                continue;
            }
            b'#' if at_line_start => {
                let end = logical_line_end(source, p);
                let lines_in = memchr::memchr_iter(b'\n', &source[p..end]).count() as u32;
                let directive = directive_word(&source[p + 1..end]);
                if aggregate_depth.iter().any(|a| *a)
                    && (directive == b"define" || directive == b"undef")
                {
                    if directive == b"define" {
                        found.push(BodyDirective {
                            offset: p,
                            end,
                            line,
                            end_line: line + lines_in,
                            text: String::from_utf8_lossy(&source[p..end]).into_owned(),
                        });
                    }
                    for c in &mut source[p..end] {
                        if *c != b'\n' {
                            *c = b' ';
                        }
                    }
                }
                blank_comments(&mut source[p..end]);
                line += lines_in;
                p = end;
                continue;
            }
            b'/' if source.get(p + 1) == Some(&b'*') => {
                let end = memchr::memmem::find(&source[p + 2..], b"*/")
                    .map_or(source.len(), |e| p + 2 + e + 2);
                line += memchr::memchr_iter(b'\n', &source[p..end]).count() as u32;
                p = end;
                continue;
            }
            b'/' if source.get(p + 1) == Some(&b'/') => {
                p = memchr::memchr(b'\n', &source[p..]).map_or(source.len(), |e| p + e);
                continue;
            }
            b'"' | b'\'' => {
                p += 1;
                while p < source.len() && source[p] != b && source[p] != b'\n' {
                    if source[p] == b'\\' {
                        p += 1;
                    }
                    p += 1;
                }
            }
            b'{' => aggregate_depth.push(opens_aggregate(&source[..p])),
            b'}' => {
                aggregate_depth.pop();
            }
            _ => {}
        }
        at_line_start = false;
        p += 1;
    }
    found
}

/// Blanks the comments of one preprocessor line (newlines kept). tree-sitter-c ends a macro's
/// value at a block comment before a line continuation, and the rest of the body then parses as
/// garbage; comments mean nothing to the preprocessor.
fn blank_comments(line: &mut [u8]) {
    let mut p = 0;
    while p < line.len() {
        match line[p] {
            b'"' | b'\'' => {
                let quote = line[p];
                p += 1;
                while p < line.len() && line[p] != quote && line[p] != b'\n' {
                    p += if line[p] == b'\\' { 2 } else { 1 };
                }
                p += 1;
            }
            b'/' if line.get(p + 1) == Some(&b'*') => {
                let end = memchr::memmem::find(&line[p + 2..], b"*/")
                    .map_or(line.len(), |e| p + 2 + e + 2);
                line[p..end]
                    .iter_mut()
                    .filter(|c| **c != b'\n')
                    .for_each(|c| *c = b' ');
                p = end;
            }
            b'/' if line.get(p + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &line[p..]).map_or(line.len(), |e| p + e);
                line[p..end].fill(b' ');
                p = end;
            }
            _ => p += 1,
        }
    }
}

/// End (exclusive, before the newline) of the preprocessor line starting at `p`, following
/// backslash continuations and block comments that span lines.
pub fn logical_line_end(source: &[u8], mut p: usize) -> usize {
    while p < source.len() {
        match source[p] {
            b'\\' if source.get(p + 1) == Some(&b'\n') => p += 2,
            b'\\' if source.get(p + 1) == Some(&b'\r') && source.get(p + 2) == Some(&b'\n') => {
                p += 3
            }
            b'\n' => return p,
            b'/' if source.get(p + 1) == Some(&b'*') => {
                p = memchr::memmem::find(&source[p + 2..], b"*/")
                    .map_or(source.len(), |e| p + 2 + e + 2)
            }
            _ => p += 1,
        }
    }
    p
}

/// Moves the spaces and tabs that end a value-less `#define` line to the start of the line
/// (`#define G \t` → ` \t#define G`): tree-sitter-c reads such a `#define` as taking the *next* line
/// as its value, which loses that line's item. Indentation before `#` changes nothing, the
/// directive's own text and every line stay as they were. Runs after annotations and directive
/// comments are blanked (`#define X __user`, `#define X /* c */` leave trailing spaces too).
pub fn move_directive_trailing_space(source: &mut [u8]) {
    let mut p = 0;
    let mut continued = false;
    while p < source.len() {
        let end = memchr::memchr(b'\n', &source[p..]).map_or(source.len(), |e| p + e);
        let line = &mut source[p..end];
        let content = line.len() - usize::from(line.last() == Some(&b'\r'));
        let kept = line[..content]
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
            .map_or(0, |i| i + 1);
        if !continued && kept < content && is_valueless_define(&line[..kept]) {
            line[..content].rotate_right(content - kept);
        }
        continued = line[..content].last() == Some(&b'\\');
        p = end + 1;
    }
}

/// `#define NAME` or `#define NAME(params)`, indented or not, and nothing after.
fn is_valueless_define(line: &[u8]) -> bool {
    let skip_ws =
        |s: &[u8]| -> usize { s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count() };
    let mut i = skip_ws(line);
    if line.get(i) != Some(&b'#') {
        return false;
    }
    i += 1;
    i += skip_ws(&line[i..]);
    if !line[i..].starts_with(b"define") {
        return false;
    }
    i += b"define".len();
    let ws = skip_ws(&line[i..]);
    let name = line[i + ws..]
        .iter()
        .take_while(|b| is_ident_byte(**b))
        .count();
    if ws == 0 || name == 0 {
        return false;
    }
    let rest = &line[i + ws + name..];
    rest.is_empty()
        || (rest.first() == Some(&b'(') && memchr::memchr(b')', rest) == Some(rest.len() - 1))
}

pub fn directive_word(rest: &[u8]) -> &[u8] {
    let start = rest
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(rest.len());
    let len = rest[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    &rest[start..start + len]
}

/// Whether the `{` that follows `before` opens a struct, union or enum body: the words before it
/// are `struct NAME` or `struct` (likewise union, enum).
fn opens_aggregate(before: &[u8]) -> bool {
    let mut words = before
        .rsplit(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .filter(|w| !w.is_empty());
    let trailing_space = before
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    let tail = &before[..before.len() - trailing_space];
    if !tail
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return false;
    }
    let is_kw = |w: &[u8]| w == b"struct" || w == b"union" || w == b"enum";
    match (words.next(), words.next()) {
        (Some(last), _) if is_kw(last) => true,
        (Some(_), Some(prev)) => is_kw(prev),
        _ => false,
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;

    /// Found by the `parse_header` fuzzer: a body `#define` with a byte that is not UTF-8 had a
    /// span past the end of the source (its lossily decoded text is longer than its bytes).
    #[test]
    fn a_non_utf8_body_directive_keeps_its_byte_span() {
        let src = b"union{\n#define_\xaa";
        let h = crate::parse::parse_header(src);
        let d = h
            .nodes
            .iter()
            .find_map(|n| match n {
                crate::parse::Node::Define(d) => Some(d),
                _ => None,
            })
            .expect("the body define is kept");
        assert_eq!(d.span.bytes, 7..src.len());
    }

    #[test]
    fn takes_defines_out_of_enum_bodies_only() {
        let src = "#define TOP 1\nextern \"C\" {\nenum x {\n A,\n#define B A\n C,\n#undef Q\n};\nstruct s { int a;\n#define F 1\n};\n}\n";
        let mut bytes = src.as_bytes().to_vec();
        let found = take_body_directives(&mut bytes);
        let texts: Vec<(u32, &str)> = found.iter().map(|d| (d.line, d.text.as_str())).collect();
        assert_eq!(texts, vec![(5, "#define B A"), (10, "#define F 1")]);
        let out = String::from_utf8(bytes).unwrap();
        assert!(out.contains("#define TOP 1"));
        assert!(!out.contains("#undef"));
        assert_eq!(out.lines().count(), src.lines().count());
        assert_eq!(out.len(), src.len());
    }
}

#[cfg(test)]
mod trailing_space_tests {
    use super::*;

    fn moved(src: &str) -> String {
        let mut b = src.as_bytes().to_vec();
        move_directive_trailing_space(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn trailing_space_of_valueless_defines_moves_to_the_line_start() {
        assert_eq!(moved("#define G \t\n"), " \t#define G\n");
        assert_eq!(
            moved("  # define F(x, y)  \r\nint x;  \n"),
            "    # define F(x, y)\r\nint x;  \n"
        );
        // A value keeps its trailing spaces, and so do other directives and continued lines.
        assert_eq!(moved("#define C 1  \n"), "#define C 1  \n");
        assert_eq!(moved("#define F(x) x  \n"), "#define F(x) x  \n");
        assert_eq!(
            moved("#endif  \n#include <a.h> \n"),
            "#endif  \n#include <a.h> \n"
        );
        assert_eq!(
            moved("#define A \\\n#define B  \n"),
            "#define A \\\n#define B  \n"
        );
        assert_eq!(moved("#define B \\ \n"), "#define B \\ \n");
        assert_eq!(moved("#  \n# define  \n"), "#  \n# define  \n");
    }

    /// Found by the formatting property test: `#define G ` (trailing space, no value) took the next
    /// line as its value, and the `#define` on it was lost.
    #[test]
    fn an_empty_define_with_trailing_space_keeps_the_next_line() {
        for tail in [
            " ",
            "\t",
            " /* c */ ",
            " /* c */",
            " // c",
            " __user",
            "  \r",
        ] {
            for def in ["#define G", "#define F(x)"] {
                let src = format!("{def}{tail}\n#define NEXT 1\n");
                let h = crate::parse::parse_header(src.as_bytes());
                let defines: Vec<(String, String)> = h
                    .nodes
                    .iter()
                    .filter_map(|n| match n {
                        crate::parse::Node::Define(d) => {
                            Some((d.name.clone(), d.body.trim().to_string()))
                        }
                        _ => None,
                    })
                    .collect();
                assert_eq!(defines.len(), 2, "{src:?}: {defines:?}");
                assert_eq!(defines[1], ("NEXT".to_string(), "1".to_string()), "{src:?}");
                assert!(!defines[0].1.contains("NEXT"), "{src:?}: {defines:?}");
            }
        }
    }
}
