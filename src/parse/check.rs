//! Checks on a header's raw bytes that tree-sitter does not report: a binary file, bytes that are
//! not UTF-8, `#if`/`#endif` that do not balance. Each is a [`Warning`] with its line, which the
//! pipeline passes on as a note naming the revision and file.

use super::sanitize::{directive_word, logical_line_end};
use super::Warning;

/// The line of the first NUL byte: git's own test for a binary file (over the whole file here).
pub fn binary_line(bytes: &[u8]) -> Option<u32> {
    memchr::memchr(0, bytes).map(|p| line_at(bytes, p))
}

/// Warnings about the bytes of a text header.
pub fn text_warnings(bytes: &[u8]) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Err(e) = std::str::from_utf8(bytes) {
        out.push(Warning {
            line: line_at(bytes, e.valid_up_to()),
            message: "bytes that are not UTF-8 (from this line on, they are read as U+FFFD)".into(),
        });
    }
    out.extend(unbalanced_conditionals(bytes));
    out.sort();
    out
}

fn line_at(bytes: &[u8], offset: usize) -> u32 {
    memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count() as u32 + 1
}

/// `#else`, `#elif` or `#endif` with no open `#if`, and `#if`s never closed. Directives are found as
/// the preprocessor finds them: at the start of a line, outside comments and literals.
fn unbalanced_conditionals(src: &[u8]) -> Vec<Warning> {
    let mut out = Vec::new();
    // The line and directive of each open `#if`/`#ifdef`/`#ifndef`.
    let mut open: Vec<(u32, String)> = Vec::new();
    let mut line: u32 = 1;
    let mut at_line_start = true;
    let mut p = 0;
    while p < src.len() {
        match src[p] {
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
                let end = logical_line_end(src, p);
                let word = String::from_utf8_lossy(directive_word(&src[p + 1..end])).into_owned();
                match word.as_str() {
                    "if" | "ifdef" | "ifndef" => open.push((line, word)),
                    "else" | "elif" | "elifdef" | "elifndef" if open.is_empty() => {
                        out.push(Warning {
                            line,
                            message: format!("#{word} without #if"),
                        })
                    }
                    "endif" if open.pop().is_none() => out.push(Warning {
                        line,
                        message: "#endif without #if".into(),
                    }),
                    _ => {}
                }
                line += memchr::memchr_iter(b'\n', &src[p..end]).count() as u32;
                p = end;
                continue;
            }
            b'/' if src.get(p + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&src[p + 2..], b"*/").map_or(src.len(), |e| p + 2 + e + 2);
                line += memchr::memchr_iter(b'\n', &src[p..end]).count() as u32;
                p = end;
                continue;
            }
            b'/' if src.get(p + 1) == Some(&b'/') => {
                p = memchr::memchr(b'\n', &src[p..]).map_or(src.len(), |e| p + e);
                continue;
            }
            q @ (b'"' | b'\'') => {
                p += 1;
                while p < src.len() && src[p] != q && src[p] != b'\n' {
                    if src[p] == b'\\' {
                        p += 1;
                    }
                    p += 1;
                }
            }
            _ => {}
        }
        at_line_start = false;
        p += 1;
    }
    out.extend(open.into_iter().map(|(line, word)| Warning {
        line,
        message: format!("#{word} without #endif (the rest of the file is read as inside it)"),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(src: &str) -> Vec<(u32, String)> {
        text_warnings(src.as_bytes())
            .into_iter()
            .map(|w| (w.line, w.message))
            .collect()
    }

    #[test]
    fn balanced_conditionals_are_quiet() {
        let src = "#ifndef A\n#define A\n# if B \\\n  && C\n#elif D\n#else\n#endif\n/* #endif */\n// #if\n\
                   #define S \"#endif\"\nint x; # endif\n#endif /* A */\n";
        assert_eq!(warnings(src), []);
    }

    #[test]
    fn unbalanced_conditionals_are_named_by_line() {
        let src = "#endif\n#ifdef A\n/*\n#endif\n*/\n#if B\n#endif\n#else\n";
        assert_eq!(
            warnings(src),
            [
                (1, "#endif without #if".to_string()),
                (
                    2,
                    "#ifdef without #endif (the rest of the file is read as inside it)".to_string()
                ),
            ]
        );
        assert_eq!(warnings("#else\n")[0], (1, "#else without #if".to_string()));
        assert_eq!(warnings("x\n\n  #elif 1\n")[0].0, 3);
    }

    #[test]
    fn non_utf8_is_named_by_line() {
        assert_eq!(
            text_warnings(b"ok\nok \xe9\n\xff\n")
                .iter()
                .map(|w| w.line)
                .collect::<Vec<_>>(),
            [2]
        );
        assert!(text_warnings("caf\u{e9}\r\n".as_bytes()).is_empty());
    }

    #[test]
    fn binary_is_found_by_nul() {
        assert_eq!(binary_line(b"a\nb\n\0c"), Some(3));
        assert_eq!(binary_line(b"#define A 1\n"), None);
    }
}
