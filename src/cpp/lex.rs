//! Tokenizer for macro bodies and `#if` conditions (C preprocessing tokens).

use super::CppError;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Identifiers and keywords.
    Ident,
    /// pp-numbers (`0x1fULL`, `1e+3`, `.5`, ...); not validated as C constants here.
    Number,
    /// Character constants including an optional `L`/`u`/`U`/`u8` prefix.
    Char,
    /// String literals including an optional `L`/`u`/`U`/`u8` prefix.
    Str,
    /// Punctuators, plus any other single character that is not part of another token.
    Punct,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    /// Whitespace (or a comment) preceded this token in the source.
    pub space_before: bool,
}

impl Token {
    pub fn new(kind: TokenKind, text: impl Into<String>, space_before: bool) -> Token {
        Token {
            kind,
            text: text.into(),
            space_before,
        }
    }

    pub fn ident(text: &str) -> Token {
        Token::new(TokenKind::Ident, text, false)
    }

    pub fn punct(text: &str) -> Token {
        Token::new(TokenKind::Punct, text, false)
    }

    pub fn number(text: &str) -> Token {
        Token::new(TokenKind::Number, text, false)
    }

    /// True for a punctuator spelled `p` (digraphs are not normalized; see [`Token::is_hash`]).
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == p
    }

    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == TokenKind::Ident && self.text == name
    }

    /// `#` or its digraph `%:`.
    pub fn is_hash(&self) -> bool {
        self.kind == TokenKind::Punct && (self.text == "#" || self.text == "%:")
    }

    /// `##` or its digraph `%:%:`.
    pub fn is_hashhash(&self) -> bool {
        self.kind == TokenKind::Punct && (self.text == "##" || self.text == "%:%:")
    }
}

/// Multi-character punctuators, longest first within each length.
const PUNCT4: &[&str] = &["%:%:"];
const PUNCT3: &[&str] = &["<<=", ">>=", "..."];
const PUNCT2: &[&str] = &[
    "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=",
    "&=", "^=", "|=", "##", "<:", ":>", "<%", "%>", "%:",
];

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0)
}

/// Removes backslash-newline sequences (also tolerating spaces/tabs between the backslash and the
/// newline, as gcc does with a warning, and `\r\n`).
fn splice_lines(src: &str) -> Cow<'_, str> {
    if !src.contains('\\') {
        return Cow::Borrowed(src);
    }
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut seg_start = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let mut j = i + 1;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            let nl_end = if j < b.len() && b[j] == b'\n' {
                Some(j + 1)
            } else if j + 1 < b.len() && b[j] == b'\r' && b[j + 1] == b'\n' {
                Some(j + 2)
            } else if j < b.len() && b[j] == b'\r' {
                Some(j + 1)
            } else {
                None
            };
            if let Some(end) = nl_end {
                out.push_str(&src[seg_start..i]);
                i = end;
                seg_start = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&src[seg_start..]);
    Cow::Owned(out)
}

enum Lexed {
    Token(TokenKind, usize),
    /// A comment ending at the given offset.
    Comment(usize),
}

/// Scans a quoted literal whose opening quote is at `start`; returns the offset after the closing quote.
fn scan_quoted(b: &[u8], start: usize, quote: u8) -> Result<usize, CppError> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => break,
            c if c == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(CppError::Lex(format!(
        "missing terminating {} character",
        quote as char
    )))
}

/// Lexes one token (or comment) starting at `i`, which must not be whitespace.
fn lex_one(b: &[u8], i: usize) -> Result<Lexed, CppError> {
    let c = b[i];
    let next = b.get(i + 1).copied();
    // Comments.
    if c == b'/' && next == Some(b'/') {
        let mut j = i + 2;
        while j < b.len() && b[j] != b'\n' {
            j += 1;
        }
        return Ok(Lexed::Comment(j));
    }
    if c == b'/' && next == Some(b'*') {
        let mut j = i + 2;
        while j + 1 < b.len() {
            if b[j] == b'*' && b[j + 1] == b'/' {
                return Ok(Lexed::Comment(j + 2));
            }
            j += 1;
        }
        return Err(CppError::Lex("unterminated comment".into()));
    }
    // pp-numbers.
    if c.is_ascii_digit() || (c == b'.' && next.is_some_and(|n| n.is_ascii_digit())) {
        let mut j = i + 1;
        while j < b.len() {
            let d = b[j];
            let sign_after_exp =
                matches!(d, b'+' | b'-') && matches!(b[j - 1], b'e' | b'E' | b'p' | b'P');
            if sign_after_exp || is_ident_cont(d) || d == b'.' {
                j += 1;
            } else {
                break;
            }
        }
        return Ok(Lexed::Token(TokenKind::Number, j));
    }
    // Identifiers, possibly an encoding prefix of a character constant or string literal.
    if is_ident_start(c) {
        let mut j = i + 1;
        while j < b.len() && is_ident_cont(b[j]) {
            j += 1;
        }
        let word = &b[i..j];
        if matches!(word, b"L" | b"u" | b"U" | b"u8") {
            match b.get(j) {
                Some(b'\'') => return Ok(Lexed::Token(TokenKind::Char, scan_quoted(b, j, b'\'')?)),
                Some(b'"') => return Ok(Lexed::Token(TokenKind::Str, scan_quoted(b, j, b'"')?)),
                _ => {}
            }
        }
        return Ok(Lexed::Token(TokenKind::Ident, j));
    }
    if c == b'\'' {
        return Ok(Lexed::Token(TokenKind::Char, scan_quoted(b, i, b'\'')?));
    }
    if c == b'"' {
        return Ok(Lexed::Token(TokenKind::Str, scan_quoted(b, i, b'"')?));
    }
    // Punctuators (and any other single ASCII character).
    for (len, table) in [(4usize, PUNCT4), (3, PUNCT3), (2, PUNCT2)] {
        if let Some(s) = b.get(i..i + len) {
            if table.iter().any(|p| p.as_bytes() == s) {
                return Ok(Lexed::Token(TokenKind::Punct, i + len));
            }
        }
    }
    Ok(Lexed::Token(TokenKind::Punct, i + 1))
}

/// Tokenizes a macro body or #if condition: removes `//` and `/* */` comments, joins backslash-newline
/// continuations, recognizes all C multi-char punctuators (incl. `##`, `...`, `<<=`, digraphs), character
/// constants with escapes, string literals (with `L`/`u`/`U`/`u8` prefixes) and pp-numbers.
/// Unterminated comment/string/char → `Err(CppError::Lex)`. Non-ASCII characters are identifier characters.
pub fn tokenize(src: &str) -> Result<Vec<Token>, CppError> {
    let src = splice_lines(src);
    let s: &str = &src;
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut space = false;
    while i < b.len() {
        if is_space(b[i]) {
            space = true;
            i += 1;
            continue;
        }
        match lex_one(b, i)? {
            Lexed::Comment(end) => {
                space = true;
                i = end;
            }
            Lexed::Token(kind, end) => {
                // Token boundaries are always at ASCII bytes or at the end, so slicing is valid; use
                // `get` anyway so that a bug can never panic.
                let text = s.get(i..end).unwrap_or_default();
                let text = if text.is_empty() {
                    String::from_utf8_lossy(&b[i..end.min(b.len())]).into_owned()
                } else {
                    text.to_string()
                };
                out.push(Token {
                    kind,
                    text,
                    space_before: space,
                });
                space = false;
                i = end.max(i + 1);
            }
        }
    }
    Ok(out)
}

/// True if writing `b` directly after `a` would lex differently (so a space is needed for display).
fn needs_separator(a: &Token, b: &Token) -> bool {
    if a.text.is_empty() || b.text.is_empty() {
        return false;
    }
    let joined = format!("{}{}", a.text, b.text);
    match lex_one(joined.as_bytes(), 0) {
        Ok(Lexed::Token(_, end)) => end != a.text.len(),
        _ => true,
    }
}

/// The index of the first token spelled `text` outside parentheses, brackets and braces.
pub fn find_top_level(tokens: &[Token], text: &str) -> Option<usize> {
    let mut depth = 0i32;
    tokens.iter().position(|t| {
        match t.text.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            _ => {}
        }
        depth == 0 && t.text == text
    })
}

/// Renders tokens back to text with single spaces where `space_before` (for display of expansions).
/// A space is also inserted where two adjacent tokens would otherwise lex as different tokens
/// (e.g. `+` `+`), so the output re-tokenizes to the same sequence.
pub fn tokens_to_string(tokens: &[Token]) -> String {
    let mut s = String::with_capacity(tokens.iter().map(|t| t.text.len() + 1).sum());
    for (k, t) in tokens.iter().enumerate() {
        if k > 0 && (t.space_before || needs_separator(&tokens[k - 1], t)) {
            s.push(' ');
        }
        s.push_str(&t.text);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        tokenize(src).unwrap().into_iter().map(|t| t.text).collect()
    }

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn punctuators_longest_match() {
        assert_eq!(
            texts("a<<=b>>=c...##d->e++--f&&g||h!=i==j<=k>=l<<m>>n"),
            vec![
                "a", "<<=", "b", ">>=", "c", "...", "##", "d", "->", "e", "++", "--", "f", "&&",
                "g", "||", "h", "!=", "i", "==", "j", "<=", "k", ">=", "l", "<<", "m", ">>", "n"
            ]
        );
        assert_eq!(texts("a##b#c"), vec!["a", "##", "b", "#", "c"]);
        assert_eq!(
            texts("%:%: %: <: :> <% %>"),
            vec!["%:%:", "%:", "<:", ":>", "<%", "%>"]
        );
        assert_eq!(texts(".. ."), vec![".", ".", "."]);
        assert_eq!(
            texts("*= /= %= += -= &= ^= |="),
            vec!["*=", "/=", "%=", "+=", "-=", "&=", "^=", "|="]
        );
        assert_eq!(texts("@`\\"), vec!["@", "`", "\\"]);
    }

    #[test]
    fn comments_and_continuations() {
        let t = tokenize("a /* x\n y */ b // c\n d").unwrap();
        assert_eq!(
            t.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            vec!["a", "b", "d"]
        );
        assert!(t[1].space_before && t[2].space_before);
        assert_eq!(texts("(1 << \\\n 3)"), vec!["(", "1", "<<", "3", ")"]);
        assert_eq!(texts("FO\\\nO"), vec!["FOO"]);
        assert_eq!(texts("a \\  \r\n b"), vec!["a", "b"]);
        assert_eq!(texts("a/**/b"), vec!["a", "b"]);
        let t = tokenize("a/**/b").unwrap();
        assert!(t[1].space_before);
        assert!(!tokenize("a+b").unwrap()[1].space_before);
        assert!(matches!(tokenize("a /* b"), Err(CppError::Lex(_))));
        assert!(matches!(tokenize("/*/"), Err(CppError::Lex(_))));
    }

    #[test]
    fn literals() {
        assert_eq!(
            texts(r"'d' '\n' '\x1f' '\0' '\''"),
            vec!["'d'", r"'\n'", r"'\x1f'", r"'\0'", r"'\''"]
        );
        assert_eq!(
            kinds(r#"'a' "s\"t" L'x' u8"y" U'z' u"w" L x"#),
            vec![
                TokenKind::Char,
                TokenKind::Str,
                TokenKind::Char,
                TokenKind::Str,
                TokenKind::Char,
                TokenKind::Str,
                TokenKind::Ident,
                TokenKind::Ident
            ]
        );
        assert_eq!(texts(r#""a\\" b"#), vec![r#""a\\""#, "b"]);
        assert!(matches!(tokenize("'a"), Err(CppError::Lex(_))));
        assert!(matches!(tokenize("\"abc"), Err(CppError::Lex(_))));
        assert!(matches!(tokenize("'a\n'"), Err(CppError::Lex(_))));
        assert!(matches!(tokenize(r"'\'"), Err(CppError::Lex(_))));
        // A comment marker inside a literal is not a comment.
        assert_eq!(texts(r#""/*" x"#), vec![r#""/*""#, "x"]);
    }

    #[test]
    fn pp_numbers() {
        assert_eq!(
            texts("0x1fULL 1u 07 1e3 1e+3 0x1p-3 .5 1.2.3 0x1e+1 1-2"),
            vec![
                "0x1fULL", "1u", "07", "1e3", "1e+3", "0x1p-3", ".5", "1.2.3", "0x1e+1", "1", "-",
                "2"
            ]
        );
        assert!(kinds("0x1fULL 1u").iter().all(|k| *k == TokenKind::Number));
        assert_eq!(kinds("a1 _x $y é"), vec![TokenKind::Ident; 4]);
    }

    #[test]
    fn render() {
        let t = tokenize("a  +b /* c */ * ( d )").unwrap();
        assert_eq!(tokens_to_string(&t), "a +b * ( d )");
        // Adjacent tokens that would merge get a separator.
        let t = vec![
            Token::punct("+"),
            Token::punct("+"),
            Token::ident("x"),
            Token::ident("y"),
            Token::punct("-"),
            Token::punct(">"),
        ];
        let s = tokens_to_string(&t);
        assert_eq!(s, "+ +x y- >");
        assert_eq!(tokenize(&s).unwrap().len(), 6);
        let t = vec![
            Token::punct("/"),
            Token::punct("/"),
            Token::punct("/"),
            Token::punct("*"),
        ];
        assert_eq!(tokens_to_string(&t), "/ / / *");
        assert_eq!(tokens_to_string(&[]), "");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "", "\\", "\\\n", "'", "\"", "/", "/*", "é'", "u8", "L", "0x", ".", "\u{0}", "a\\b",
            "\\ \r",
        ] {
            let _ = tokenize(s);
        }
        let t = tokenize("\u{1F600}x + y").unwrap();
        assert_eq!(t[0].text, "\u{1F600}x");
    }
}
