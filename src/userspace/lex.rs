//! A small C/C++ lexer for the userspace scan: it blanks comments and the contents of string and
//! character literals (so that a multi-pattern search over the result finds only identifiers in
//! code), and lists each string literal with its contents. Offsets and newlines are kept, so a
//! position in the blanked text is the same position in the file.

/// A file's code with comments and literal contents blanked, and its string literals.
pub struct Lexed {
    /// The input, same length, with every comment byte and every byte inside a string or
    /// character literal replaced by a space, newlines kept.
    pub code: Vec<u8>,
    /// The contents of each string literal (without quotes, escapes as written): start..end in
    /// the input.
    pub literals: Vec<(usize, usize)>,
}

enum State {
    Code,
    LineComment,
    BlockComment,
    /// Inside a literal opened by this quote at this offset.
    Literal(u8, usize),
}

pub fn lex(src: &[u8]) -> Lexed {
    let mut code = src.to_vec();
    let mut literals = Vec::new();
    let mut state = State::Code;
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        match state {
            State::Code => match b {
                b'/' if src.get(i + 1) == Some(&b'/') => {
                    state = State::LineComment;
                    continue;
                }
                b'/' if src.get(i + 1) == Some(&b'*') => {
                    code[i] = b' ';
                    code[i + 1] = b' ';
                    i += 2;
                    state = State::BlockComment;
                    continue;
                }
                b'"' | b'\'' => state = State::Literal(b, i + 1),
                _ => {}
            },
            State::LineComment => {
                if b == b'\n' {
                    state = State::Code;
                } else {
                    // A backslash-newline continues a line comment (translation phase 2).
                    if b == b'\\' && src.get(i + 1) == Some(&b'\n') {
                        code[i] = b' ';
                        i += 2;
                        continue;
                    }
                    code[i] = b' ';
                }
            }
            State::BlockComment => {
                if b == b'*' && src.get(i + 1) == Some(&b'/') {
                    code[i] = b' ';
                    code[i + 1] = b' ';
                    i += 2;
                    state = State::Code;
                    continue;
                }
                if b != b'\n' {
                    code[i] = b' ';
                }
            }
            State::Literal(quote, start) => {
                if b == quote || b == b'\n' {
                    // An unterminated literal ends at the line's end (`#error don't`).
                    if quote == b'"' && b == quote {
                        literals.push((start, i));
                    }
                    state = State::Code;
                } else {
                    code[i] = b' ';
                    if b == b'\\' && i + 1 < src.len() && src[i + 1] != b'\n' {
                        code[i + 1] = b' ';
                        i += 2;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    Lexed { code, literals }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexed(src: &str) -> (String, Vec<String>) {
        let l = lex(src.as_bytes());
        // Same length: offsets in the code are file offsets.
        assert_eq!(l.code.len(), src.len());
        let lits = l
            .literals
            .iter()
            .map(|&(s, e)| src[s..e].to_string())
            .collect();
        (String::from_utf8(l.code).unwrap(), lits)
    }

    #[test]
    fn comments_and_literal_contents_are_blanked() {
        let (code, lits) = lexed(
            "a /* B\nC */ d // E \"F\"\ng(\"H // I\", '\"', \"J\\\"K\"); /* L */ m\n// n\\\no\np",
        );
        assert_eq!(
            code,
            "a     \n     d         \ng(\"      \", ' ', \"    \");         m\n     \n \np"
        );
        assert_eq!(lits, ["H // I", "J\\\"K"]);
    }

    #[test]
    fn unterminated_literals_end_at_the_line() {
        let (code, lits) = lexed("#error don't\nFOO \"bar\nBAZ");
        assert_eq!(code, "#error don' \nFOO \"   \nBAZ");
        assert!(lits.is_empty());
    }
}
