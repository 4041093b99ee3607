//! C's integer arithmetic as the evaluator applies it: the type of each operation (integer
//! promotions, the usual arithmetic conversions, `#if`'s intmax_t), its value wrapped to that type
//! (unsigned wraparound, signed overflow an error), unary and binary operators, and casts.

use super::*;

impl<'a> Ev<'a> {
    /// In `#if`, every signed type acts as intmax_t and every unsigned one as uintmax_t.
    pub(super) fn norm(&self, k: IntKind) -> IntKind {
        if self.pp {
            IntKind::intmax(self.dm, k.is_signed())
        } else {
            k
        }
    }

    pub(super) fn width(&self, k: IntKind) -> u32 {
        if self.pp {
            64
        } else {
            k.bits(self.dm)
        }
    }

    pub(super) fn conv(&self, v: i128, k: IntKind) -> i128 {
        wrap_bits(v, self.width(k), k.is_signed())
    }

    pub(super) fn fits(&self, v: i128, k: IntKind) -> bool {
        self.conv(v, k) == v
    }

    pub(super) fn int_kind(&self) -> IntKind {
        self.norm(IntKind::Int)
    }

    pub(super) fn bool_val(&self, b: bool) -> V {
        V::new(i128::from(b), self.int_kind())
    }

    /// Integer promotions: all our kinds already have at least the rank of int.
    pub(super) fn promote(&self, k: IntKind) -> IntKind {
        self.norm(k)
    }

    /// Usual arithmetic conversions (C11 6.3.1.8).
    pub(super) fn uac(&self, a: IntKind, b: IntKind) -> IntKind {
        let (a, b) = (self.norm(a), self.norm(b));
        if a == b {
            return a;
        }
        let r = if a.is_signed() == b.is_signed() {
            if a.rank() >= b.rank() {
                a
            } else {
                b
            }
        } else {
            let (s, u) = if a.is_signed() { (a, b) } else { (b, a) };
            if u.rank() >= s.rank() {
                u
            } else if self.width(s) > self.width(u) {
                s
            } else {
                s.to_unsigned()
            }
        };
        self.norm(r)
    }

    pub(super) fn unary_op(&self, op: char, x: V, ev: bool) -> Result<V, CppError> {
        let k = self.promote(x.k);
        match op {
            '+' => Ok(V::new(self.conv(x.v, k), k)),
            '-' => {
                let r = -x.v;
                if k.is_signed() && !self.fits(r, k) {
                    return self.fail(
                        ev,
                        k,
                        unresolved(format!(
                            "signed overflow in `-({})` (type `{}`)",
                            x.v,
                            k.c_name()
                        )),
                    );
                }
                Ok(V::new(self.conv(r, k), k))
            }
            '~' => Ok(V::new(self.conv(!x.v, k), k)),
            _ => Ok(self.bool_val(x.v == 0)),
        }
    }

    pub(super) fn arith(&self, op: &str, a: V, b: V, ev: bool) -> Result<V, CppError> {
        match op {
            "<<" | ">>" => {
                let k = self.promote(a.k);
                let w = self.width(k);
                if b.v < 0 || b.v >= i128::from(w) {
                    return self.fail(
                        ev,
                        k,
                        unresolved(format!(
                            "shift count {} is out of range for `{}` (`{}` is {w} bits wide)",
                            b.v,
                            op,
                            k.c_name()
                        )),
                    );
                }
                let c = b.v as u32;
                let x = self.conv(a.v, k);
                let v = if op == "<<" {
                    // Wraps into the sign bit like gcc; computed on the bit pattern.
                    let mask = if w >= 128 {
                        u128::MAX
                    } else {
                        (1u128 << w) - 1
                    };
                    let bits = ((x as u128) & mask) << c;
                    self.conv(bits as i128, k)
                } else {
                    x >> c
                };
                Ok(V::new(v, k))
            }
            "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                let k = self.uac(a.k, b.k);
                let (x, y) = (self.conv(a.v, k), self.conv(b.v, k));
                let r = match op {
                    "==" => x == y,
                    "!=" => x != y,
                    "<" => x < y,
                    ">" => x > y,
                    "<=" => x <= y,
                    _ => x >= y,
                };
                Ok(self.bool_val(r))
            }
            _ => {
                let k = self.uac(a.k, b.k);
                let (x, y) = (self.conv(a.v, k), self.conv(b.v, k));
                let signed = k.is_signed();
                let overflow = || {
                    unresolved(format!(
                        "signed overflow in `{x} {op} {y}` (type `{}`)",
                        k.c_name()
                    ))
                };
                let r = match op {
                    "+" => x.wrapping_add(y),
                    "-" => x.wrapping_sub(y),
                    "*" => x.wrapping_mul(y),
                    "/" | "%" => {
                        if y == 0 {
                            return self.fail(ev, k, CppError::DivideByZero);
                        }
                        if signed && y == -1 && x == -(1i128 << (self.width(k) - 1)) {
                            return self.fail(ev, k, overflow());
                        }
                        if op == "/" {
                            x / y
                        } else {
                            x % y
                        }
                    }
                    "&" => x & y,
                    "|" => x | y,
                    "^" => x ^ y,
                    _ => return Err(CppError::Syntax(format!("unknown operator `{op}`").into())),
                };
                if signed && !self.fits(r, k) {
                    return self.fail(ev, k, overflow());
                }
                Ok(V::new(self.conv(r, k), k))
            }
        }
    }

    pub(super) fn cast(&self, x: V, ti: &TypeInfo, ty_toks: &[Token]) -> Result<V, CppError> {
        if ti.is_pointer {
            return Err(not_integer(
                NotInteger::Pointer,
                format!(
                    "not an integer constant: pointer (cast to `{}`)",
                    tokens_to_string(ty_toks)
                ),
            ));
        }
        let Some((bytes, signed)) = ti.scalar else {
            return Err(unresolved(format!(
                "cast to non-integer type `{}`",
                tokens_to_string(ty_toks)
            )));
        };
        if ty_toks.len() == 1 && ty_toks[0].is_ident("_Bool") {
            return Ok(V {
                v: i128::from(x.v != 0),
                k: IntKind::Int,
                narrow: Some(1),
            });
        }
        let bits = bytes.saturating_mul(8);
        if bits == 0 || bits > 64 {
            return Err(unresolved(format!(
                "cast to {bytes}-byte integer type `{}` is not supported",
                tokens_to_string(ty_toks)
            )));
        }
        let v = wrap_bits(x.v, bits, signed);
        if bits < 32 {
            return Ok(V {
                v,
                k: IntKind::Int,
                narrow: Some(u64::from(bytes)),
            });
        }
        let hinted = self
            .sem
            .integer_kind(ty_toks, ti)
            .filter(|k| k.bits(self.dm) == bits && k.is_signed() == signed);
        let k = hinted.unwrap_or_else(|| {
            // Spelled-out types (`unsigned long`) give the exact rank; other names (typedefs) get
            // int for 4 bytes and long (LP64) / long long (ILP32) for 8.
            let longs = ty_toks.iter().filter(|t| t.is_ident("long")).count();
            let base = if longs >= 2 && bits == 64 {
                IntKind::LongLong
            } else if longs == 1 && IntKind::Long.bits(self.dm) == bits {
                IntKind::Long
            } else if bits == 32 {
                IntKind::Int
            } else if self.dm == DataModel::Lp64 {
                IntKind::Long
            } else {
                IntKind::LongLong
            };
            if signed {
                base
            } else {
                base.to_unsigned()
            }
        });
        Ok(V::new(v, k))
    }
}
