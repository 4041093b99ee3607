//! The `#include` and other preprocessor lines of a header's text, read as text (no
//! preprocessing, every branch): what the incremental diff's include graph, an arch's reachable
//! asm-generic headers and an installed side's other libraries are decided from.

/// One `#include` line of a header's text.
pub struct IncludeLine {
    pub target: String,
    pub quoted: bool,
    /// Inside an `#if` other than the include guard: it may not be live.
    pub conditional: bool,
}

/// The `#include` lines of a header's text, in order.
pub fn include_lines(text: &[u8]) -> Vec<IncludeLine> {
    let name = |r: &[u8]| -> String {
        let len = r
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        String::from_utf8_lossy(&r[..len]).into_owned()
    };
    let lines: Vec<(&str, &[u8])> = all_directives(text).collect();
    // An include guard (a first `#ifndef X` right followed by `#define X`) is live.
    let guarded = matches!(
        lines.as_slice(),
        [("ifndef", a), ("define", b), ..] if name(a) == name(b)
    );
    let mut depth = 0usize;
    let mut out = Vec::new();
    for (word, rest) in lines {
        match word {
            "if" | "ifdef" | "ifndef" => depth += 1,
            "endif" => depth = depth.saturating_sub(1),
            "include" => {
                let close = match rest.first() {
                    Some(b'<') => b'>',
                    Some(b'"') => b'"',
                    _ => continue,
                };
                let Some(end) = memchr::memchr(close, &rest[1..]) else {
                    continue;
                };
                let Ok(target) = std::str::from_utf8(&rest[1..1 + end]) else {
                    continue;
                };
                out.push(IncludeLine {
                    target: target.to_string(),
                    quoted: close == b'"',
                    conditional: depth > usize::from(guarded),
                });
            }
            _ => {}
        }
    }
    out
}

/// Each preprocessor line of a text: its directive word and what follows it (blanks skipped).
pub fn all_directives(text: &[u8]) -> impl Iterator<Item = (&str, &[u8])> {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    text.split(|&b| b == b'\n').filter_map(move |line| {
        let start = line.iter().position(|b| !blank(b))?;
        let rest = line[start..].strip_prefix(b"#")?;
        let start = rest.iter().position(|b| !blank(b)).unwrap_or(rest.len());
        let rest = &rest[start..];
        let len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let word = std::str::from_utf8(&rest[..len]).ok()?;
        let after = rest[len..]
            .iter()
            .position(|b| !blank(b))
            .unwrap_or(rest.len() - len);
        Some((word, &rest[len + after..]))
    })
}
