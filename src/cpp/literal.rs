//! Integer and character literals as gcc reads them: suffixes and the code units of character
//! constants (escapes, universal character names, wide and UTF prefixes).

pub(super) fn parse_int_suffix(s: &str) -> Option<(bool, u8)> {
    fn take_u(r: &str) -> Option<&str> {
        r.strip_prefix('u').or_else(|| r.strip_prefix('U'))
    }
    fn take_l(r: &str) -> (u8, &str) {
        if let Some(x) = r.strip_prefix("ll").or_else(|| r.strip_prefix("LL")) {
            (2, x)
        } else if let Some(x) = r.strip_prefix('l').or_else(|| r.strip_prefix('L')) {
            (1, x)
        } else {
            (0, r)
        }
    }
    let (u, l, rest) = if let Some(r) = take_u(s) {
        let (l, r) = take_l(r);
        (true, l, r)
    } else {
        let (l, r) = take_l(s);
        match take_u(r) {
            Some(r2) => (true, l, r2),
            None => (false, l, r),
        }
    };
    rest.is_empty().then_some((u, l))
}

/// Decodes the characters of a character constant into code units (bytes for narrow constants,
/// code points/values for wide ones), masking escape values to `width` bits like gcc.
pub(super) fn decode_char_units(inner: &str, width: u32, wide: bool) -> Result<Vec<u64>, String> {
    let mask: u64 = if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    let chars: Vec<char> = inner.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let push_char = |out: &mut Vec<u64>, c: char| {
        if wide {
            out.push(u64::from(c as u32) & mask);
        } else {
            let mut buf = [0u8; 4];
            out.extend(c.encode_utf8(&mut buf).bytes().map(u64::from));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            push_char(&mut out, c);
            continue;
        }
        let Some(&e) = chars.get(i) else {
            return Err("trailing backslash".into());
        };
        i += 1;
        let simple = match e {
            'n' => Some(10),
            't' => Some(9),
            'r' => Some(13),
            'a' => Some(7),
            'b' => Some(8),
            'f' => Some(12),
            'v' => Some(11),
            'e' | 'E' => Some(27),
            '\\' | '\'' | '"' | '?' => Some(u64::from(e as u32)),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            continue;
        }
        match e {
            '0'..='7' => {
                let mut v = u64::from(e as u32 - '0' as u32);
                let mut n = 1;
                while n < 3 {
                    match chars.get(i) {
                        Some(&d @ '0'..='7') => {
                            v = v * 8 + u64::from(d as u32 - '0' as u32);
                            i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v & mask);
            }
            'x' => {
                let mut v: u64 = 0;
                let mut n = 0;
                while let Some(d) = chars.get(i).and_then(|c| c.to_digit(16)) {
                    v = v.wrapping_shl(4) | u64::from(d);
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    return Err("\\x used with no following hex digits".into());
                }
                out.push(v & mask);
            }
            'u' | 'U' => {
                let len = if e == 'u' { 4 } else { 8 };
                let mut v: u32 = 0;
                for _ in 0..len {
                    let d = chars
                        .get(i)
                        .and_then(|c| c.to_digit(16))
                        .ok_or_else(|| "incomplete universal character name".to_string())?;
                    v = (v << 4) | d;
                    i += 1;
                }
                let ch = char::from_u32(v)
                    .ok_or_else(|| format!("invalid universal character \\{e}{v:x}"))?;
                push_char(&mut out, ch);
            }
            other => push_char(&mut out, other),
        }
    }
    Ok(out)
}
