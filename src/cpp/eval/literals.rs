//! Integer and character constants: their value and their C type (suffix, base and the first
//! type in C's list that holds the value).

use super::*;

impl<'a> Ev<'a> {
    pub(super) fn number(&self, text: &str) -> Result<V, CppError> {
        let b = text.as_bytes();
        let (base, start) = if b.len() >= 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
            (16u32, 2usize)
        } else if b.len() >= 2 && b[0] == b'0' && (b[1] == b'b' || b[1] == b'B') {
            (2, 2)
        } else if b.first() == Some(&b'0') {
            (8, 0)
        } else {
            (10, 0)
        };
        let mut i = start;
        while i < b.len()
            && (if base == 16 {
                b[i].is_ascii_hexdigit()
            } else {
                b[i].is_ascii_digit()
            })
        {
            i += 1;
        }
        let digits = &text[start..i];
        let rest = &text[i..];
        let is_float = if base == 16 {
            rest.starts_with(['.', 'p', 'P'])
        } else if base == 10 || base == 8 {
            rest.starts_with(['.', 'e', 'E'])
        } else {
            false
        };
        if is_float || b.first() == Some(&b'.') {
            return Err(not_integer(
                NotInteger::Floating,
                format!("floating constant `{text}`"),
            ));
        }
        if digits.is_empty() {
            return Err(CppError::Syntax(
                format!("invalid integer constant `{text}`").into(),
            ));
        }
        let mut value: u128 = 0;
        for c in digits.chars() {
            let d = c.to_digit(16).unwrap_or(99);
            if d >= base {
                return Err(CppError::Syntax(
                    format!(
                        "invalid digit `{c}` in {} constant `{text}`",
                        if base == 8 { "octal" } else { "binary" }
                    )
                    .into(),
                ));
            }
            value = value * u128::from(base) + u128::from(d);
            if value > u128::from(u64::MAX) {
                return Err(unresolved(format!(
                    "integer constant `{text}` is too large"
                )));
            }
        }
        let Some((unsigned, longs)) = parse_int_suffix(rest) else {
            let lower = rest.to_ascii_lowercase();
            if lower.contains("wb") {
                return Err(unresolved(format!("_BitInt constant `{text}`")));
            }
            if lower.contains('i') || lower.contains('j') {
                return Err(unresolved(format!("imaginary constant `{text}`")));
            }
            return Err(CppError::Syntax(
                format!("invalid suffix `{rest}` on integer constant `{text}`").into(),
            ));
        };
        use IntKind::*;
        let decimal = base == 10;
        let candidates: &[IntKind] = match (unsigned, longs, decimal) {
            (false, 0, true) => &[Int, Long, LongLong],
            (false, 0, false) => &[Int, UInt, Long, ULong, LongLong, ULongLong],
            (true, 0, _) => &[UInt, ULong, ULongLong],
            (false, 1, true) => &[Long, LongLong],
            (false, 1, false) => &[Long, ULong, LongLong, ULongLong],
            (true, 1, _) => &[ULong, ULongLong],
            (false, _, true) => &[LongLong],
            (false, _, false) => &[LongLong, ULongLong],
            (true, _, _) => &[ULongLong],
        };
        let v = value as i128;
        for &k in candidates {
            let w = self.width(k);
            let max = if k.is_signed() {
                (1i128 << (w - 1)) - 1
            } else {
                (1i128 << w) - 1
            };
            if v <= max {
                return Ok(V::new(v, self.norm(k)));
            }
        }
        if self.pp {
            // gcc: "integer constant is so large that it is unsigned".
            return Ok(V::new(v, self.norm(ULongLong)));
        }
        Err(unresolved(format!(
            "integer constant `{text}` is too large for its type (gcc makes it __int128)"
        )))
    }

    pub(super) fn char_const(&self, text: &str) -> Result<V, CppError> {
        let bad = || CppError::Syntax(format!("invalid character constant `{text}`").into());
        let q = text.find('\'').ok_or_else(bad)?;
        if text.len() < q + 2 || !text.ends_with('\'') {
            return Err(bad());
        }
        let prefix = &text[..q];
        let inner = text.get(q + 1..text.len() - 1).ok_or_else(bad)?;
        let (width, wide) = match prefix {
            "" | "u8" => (8u32, false),
            "u" => (16, true),
            "L" | "U" => (32, true),
            _ => return Err(bad()),
        };
        let units = decode_char_units(inner, width, wide)
            .map_err(|e| CppError::Syntax(format!("{e} in character constant `{text}`").into()))?;
        if units.is_empty() {
            return Err(CppError::Syntax(
                format!("empty character constant `{text}`").into(),
            ));
        }
        if !prefix.is_empty() && units.len() != 1 {
            return Err(unresolved(format!("multi-character constant `{text}`")));
        }
        let first = units[0];
        let (v, k) = match prefix {
            "" if units.len() == 1 => {
                let b = i128::from(first & 0xff);
                let v = if self.sem.char_is_signed() && b >= 0x80 {
                    b - 256
                } else {
                    b
                };
                (v, IntKind::Int)
            }
            "" => {
                // Like gcc: value = (prev << 8 | c) in 32 bits, as int; more than 4 chars keep the last 4.
                let mut acc: u32 = 0;
                for u in &units {
                    acc = (acc << 8) | (*u as u32 & 0xff);
                }
                (i128::from(acc as i32), IntKind::Int)
            }
            "u8" => (i128::from(first & 0xff), IntKind::Int),
            "u" => (i128::from(first & 0xffff), IntKind::Int),
            "L" => (i128::from(first as u32 as i32), IntKind::Int),
            _ => (i128::from(first as u32), IntKind::UInt),
        };
        Ok(V::new(v, self.norm(k)))
    }
}
