//! The recall baseline: a plain byte scan for string literals passed as the name argument (the
//! third) of the creation functions. No parsing, no macros, no parameters: what extraction must at
//! least find.

use std::collections::BTreeSet;

use memchr::memmem;

use super::SourceFile;

const SUFFIXES: &[&str] = &[
    "",
    "_enum",
    "_bitmask",
    "_range",
    "_signed_range",
    "_bool",
    "_object",
];

pub fn literal_names_by_grep(files: &[SourceFile]) -> BTreeSet<String> {
    let finder = memmem::Finder::new(b"drm_property_create");
    let mut out = BTreeSet::new();
    for f in files {
        let b = f.bytes;
        for at in finder.find_iter(b) {
            if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_') {
                continue;
            }
            let mut i = at + "drm_property_create".len();
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let suffix = std::str::from_utf8(&b[s..i]).unwrap_or("-");
            if !SUFFIXES.contains(&suffix) {
                continue;
            }
            i = skip_ws(b, i);
            if b.get(i) != Some(&b'(') {
                continue;
            }
            if let Some(name) = third_arg_literal(b, i + 1) {
                out.insert(name);
            }
        }
    }
    out
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'\\') {
        i += 1;
    }
    i
}

/// Reads a string literal (and adjacent ones) at `i`; returns it and the index after it.
fn literal(b: &[u8], mut i: usize) -> Option<(String, usize)> {
    let mut s = Vec::new();
    let mut any = false;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'"') {
            break;
        }
        any = true;
        i += 1;
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' && i + 1 < b.len() {
                s.push(b[i]);
                i += 1;
            } else if b[i] == b'\n' {
                return None;
            }
            s.push(b[i]);
            i += 1;
        }
        i += 1;
    }
    any.then(|| (String::from_utf8_lossy(&s).into_owned(), i))
}

/// The third argument of the call whose argument list starts at `i`, if it is a plain literal.
fn third_arg_literal(b: &[u8], mut i: usize) -> Option<String> {
    let mut depth = 0usize;
    let mut arg = 0usize;
    let limit = (i + 4096).min(b.len());
    while i < limit {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
            }
            b',' if depth == 0 => {
                arg += 1;
                if arg == 2 {
                    let (name, after) = literal(b, i + 1)?;
                    let after = skip_ws(b, after);
                    return matches!(b.get(after), Some(b',') | Some(b')')).then_some(name);
                }
            }
            b'"' => {
                // Skip a literal in the first two arguments.
                i += 1;
                while i < limit && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b';' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}
