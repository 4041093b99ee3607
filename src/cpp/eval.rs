//! Evaluation of C integer constant expressions (`#if` conditions and constant-expression macro
//! bodies) with exact C typing: literal types, integer promotions, usual arithmetic conversions,
//! unsigned wraparound, and errors instead of guesses for anything gcc would not fold to a plain
//! integer without complaint.

use super::expand::{expand, expand_for_condition, Expansion};
use super::lex::{find_top_level, tokenize, tokens_to_string, Token, TokenKind};
use super::literal::{decode_char_units, parse_int_suffix};
use super::macros::MacroTable;
use super::types::{wrap_bits, DataModel, IntKind, Semantics, TypeInfo, Value};
use super::{Cause, CppError, NotInteger, Reason};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `#if`: identifiers are 0, everything is `intmax_t`/`uintmax_t`, no sizeof or casts.
    Preprocessor,
    /// A constant expression in the program: identifiers, sizeof, alignof and casts via
    /// [`Semantics`], full C typing.
    Constant,
}

const NO_MATCH: usize = usize::MAX;

/// Names whose value the evaluator cannot know (gcc evaluates them in `#if`).
const UNSUPPORTED_OPERATORS: &[&str] = &[
    "__has_include",
    "__has_include_next",
    "__has_attribute",
    "__has_cpp_attribute",
    "__has_c_attribute",
    "__has_builtin",
    "__has_feature",
    "__has_extension",
    "__has_embed",
    "__has_warning",
];

/// An intermediate value: `narrow` is the size in bytes of a sub-`int` type (from a cast), which
/// only matters to `sizeof`; arithmetic promotes it away.
#[derive(Clone, Copy, Debug)]
struct V {
    v: i128,
    k: IntKind,
    narrow: Option<u64>,
}

impl V {
    fn new(v: i128, k: IntKind) -> V {
        V { v, k, narrow: None }
    }
}

fn unresolved(reason: impl Into<Reason>) -> CppError {
    CppError::Unresolved(reason.into())
}

/// An unresolved value that is no integer constant by nature.
fn not_integer(what: NotInteger, message: String) -> CppError {
    CppError::Unresolved(Reason::new(Cause::NotInteger(what), message))
}

/// A pending operator of the expression parser.
#[derive(Clone, Copy, Debug)]
enum Op<'a> {
    Unary {
        op: char,
        ev: bool,
    },
    Cast {
        ti: TypeInfo,
        toks: &'a [Token],
        ev: bool,
    },
    /// `sizeof` of an expression: the operand is never evaluated.
    Sizeof {
        ev: bool,
    },
    Binary {
        op: &'a str,
        prec: u8,
        ev: bool,
        rhs_ev: bool,
    },
    Paren {
        ev: bool,
    },
    /// `cond ?` waiting for the middle operand.
    TernQ {
        ev: bool,
        cond: bool,
    },
    /// `cond ? mid :` waiting for the last operand (`mid` is on the value stack).
    TernColon {
        ev: bool,
        cond: bool,
    },
}

impl Op<'_> {
    /// Whether the operand currently being parsed after this operator is evaluated.
    fn operand_ev(&self) -> bool {
        match *self {
            Op::Unary { ev, .. } | Op::Cast { ev, .. } | Op::Paren { ev } => ev,
            Op::Sizeof { .. } => false,
            Op::Binary { rhs_ev, .. } => rhs_ev,
            Op::TernQ { ev, cond } => ev && cond,
            Op::TernColon { ev, cond } => ev && !cond,
        }
    }

    fn is_unary(&self) -> bool {
        matches!(self, Op::Unary { .. } | Op::Cast { .. } | Op::Sizeof { .. })
    }

    /// A binary operator binding at least as tightly as `prec` (left associativity).
    fn is_binary(&self, prec: u8) -> bool {
        matches!(self, Op::Binary { prec: p, .. } if *p >= prec)
    }
}

fn pop(vals: &mut Vec<V>) -> Result<V, CppError> {
    vals.pop()
        .ok_or_else(|| CppError::Syntax("malformed expression".into()))
}

struct Ev<'a> {
    toks: &'a [Token],
    pos: usize,
    pp: bool,
    sem: &'a dyn Semantics,
    dm: DataModel,
    close: Vec<usize>,
}

impl<'a> Ev<'a> {
    fn new(toks: &'a [Token], mode: Mode, sem: &'a dyn Semantics) -> Ev<'a> {
        let mut close = vec![NO_MATCH; toks.len()];
        let mut open = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            if t.is_punct("(") {
                open.push(i);
            } else if t.is_punct(")") {
                if let Some(o) = open.pop() {
                    close[o] = i;
                }
            }
        }
        Ev {
            toks,
            pos: 0,
            pp: mode == Mode::Preprocessor,
            sem,
            dm: sem.data_model(),
            close,
        }
    }

    // ---- typing helpers ----

    /// In `#if`, every signed type acts as intmax_t and every unsigned one as uintmax_t.
    fn norm(&self, k: IntKind) -> IntKind {
        if self.pp {
            IntKind::intmax(self.dm, k.is_signed())
        } else {
            k
        }
    }

    fn width(&self, k: IntKind) -> u32 {
        if self.pp {
            64
        } else {
            k.bits(self.dm)
        }
    }

    fn conv(&self, v: i128, k: IntKind) -> i128 {
        wrap_bits(v, self.width(k), k.is_signed())
    }

    fn fits(&self, v: i128, k: IntKind) -> bool {
        self.conv(v, k) == v
    }

    fn int_kind(&self) -> IntKind {
        self.norm(IntKind::Int)
    }

    fn bool_val(&self, b: bool) -> V {
        V::new(i128::from(b), self.int_kind())
    }

    /// Integer promotions: all our kinds already have at least the rank of int.
    fn promote(&self, k: IntKind) -> IntKind {
        self.norm(k)
    }

    /// Usual arithmetic conversions (C11 6.3.1.8).
    fn uac(&self, a: IntKind, b: IntKind) -> IntKind {
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

    /// A value error: fatal in evaluated context, ignored (value 0) in an unevaluated operand.
    fn fail(&self, evaluated: bool, k: IntKind, e: CppError) -> Result<V, CppError> {
        if evaluated {
            Err(e)
        } else {
            Ok(V::new(0, k))
        }
    }

    // ---- token helpers ----

    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, k: usize) -> Option<&'a Token> {
        self.toks.get(self.pos + k)
    }

    fn peek_punct(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is_punct(p))
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    // ---- grammar ----
    //
    // An operator-precedence parser with explicit operator and value stacks (no recursion, so
    // arbitrarily deep nesting cannot overflow the native stack). Each pending operator records
    // whether its operand is evaluated, which implements short-circuiting: value errors (division
    // by zero, overflow, bad shift counts, unknown sizes) in unevaluated operands are ignored,
    // type errors are not.

    fn run(&mut self) -> Result<V, CppError> {
        let mut ops: Vec<Op<'a>> = Vec::new();
        let mut vals: Vec<V> = Vec::new();
        let mut expect_operand = true;
        loop {
            let cur_ev = ops.last().is_none_or(|o| o.operand_ev());
            if expect_operand {
                let Some(t) = self.peek() else {
                    return Err(CppError::Syntax("unexpected end of expression".into()));
                };
                match t.kind {
                    TokenKind::Punct => match t.text.as_str() {
                        "+" | "-" | "~" | "!" => {
                            let op = t.text.chars().next().unwrap_or('+');
                            ops.push(Op::Unary { op, ev: cur_ev });
                            self.bump();
                        }
                        "(" => {
                            if !self.pp {
                                if let Some((res, close)) = self.try_type(self.pos, true) {
                                    let toks = self.toks;
                                    let ty = toks.get(self.pos + 1..close).unwrap_or_default();
                                    self.pos = close + 1;
                                    if self.peek_punct("{") {
                                        return Err(not_integer(
                                            NotInteger::CompoundLiteral,
                                            format!(
                                                "compound literal of type `{}`",
                                                tokens_to_string(ty)
                                            ),
                                        ));
                                    }
                                    let ti = res.map_err(unresolved)?;
                                    ops.push(Op::Cast {
                                        ti,
                                        toks: ty,
                                        ev: cur_ev,
                                    });
                                    continue;
                                }
                            }
                            self.bump();
                            if self.peek_punct(")") {
                                return Err(CppError::Syntax(
                                    "expected expression before `)`".into(),
                                ));
                            }
                            ops.push(Op::Paren { ev: cur_ev });
                        }
                        "&" | "*" | "++" | "--" => {
                            return Err(unresolved(format!(
                                "operator `{}` is not allowed in an integer constant expression",
                                t.text
                            )))
                        }
                        _ => {
                            let message = format!("unexpected token `{}`", t.text);
                            // A brace here starts an initializer, not an expression.
                            let cause = match t.text.as_str() {
                                "{" => Cause::NotInteger(NotInteger::Initializer),
                                _ => Cause::Other,
                            };
                            return Err(CppError::Syntax(Reason::new(cause, message)));
                        }
                    },
                    TokenKind::Ident => match t.text.as_str() {
                        "sizeof" if self.pp => {
                            return Err(CppError::Syntax(
                                "`sizeof` is not allowed in preprocessor expressions".into(),
                            ))
                        }
                        "sizeof" | "_Alignof" | "__alignof__" | "__alignof" | "alignof"
                            if !self.pp =>
                        {
                            let is_size = t.text == "sizeof";
                            match self.size_or_align_of_type(cur_ev, is_size)? {
                                Some(v) => {
                                    vals.push(v);
                                    expect_operand = false;
                                }
                                None => ops.push(Op::Sizeof { ev: cur_ev }),
                            }
                        }
                        "__extension__" if !self.pp => self.bump(),
                        _ => {
                            vals.push(self.identifier(t, cur_ev)?);
                            expect_operand = false;
                        }
                    },
                    TokenKind::Number => {
                        self.bump();
                        vals.push(self.number(&t.text)?);
                        expect_operand = false;
                    }
                    TokenKind::Char => {
                        self.bump();
                        vals.push(self.char_const(&t.text)?);
                        expect_operand = false;
                    }
                    TokenKind::Str => {
                        return Err(not_integer(
                            NotInteger::String,
                            format!("string literal `{}` is not an integer constant", t.text),
                        ))
                    }
                }
                continue;
            }
            // Operator position.
            let Some(t) = self.peek() else { break };
            if t.kind != TokenKind::Punct {
                return Err(CppError::Syntax(
                    format!("missing binary operator before token `{}`", t.text).into(),
                ));
            }
            match t.text.as_str() {
                "[" | "." | "->" | "++" | "--" | "(" => {
                    let what = if t.text == "(" {
                        "function call"
                    } else {
                        "postfix operator"
                    };
                    return Err(unresolved(format!(
                        "{what} `{}` is not allowed in an integer constant expression",
                        t.text
                    )));
                }
                "=" | "*=" | "/=" | "%=" | "+=" | "-=" | "<<=" | ">>=" | "&=" | "^=" | "|=" => {
                    return Err(unresolved(format!(
                        "assignment operator `{}` in a constant expression",
                        t.text
                    )));
                }
                "?" => {
                    self.bump();
                    self.reduce_while(&mut ops, &mut vals, |o| o.is_unary() || o.is_binary(0))?;
                    let ev = ops.last().is_none_or(|o| o.operand_ev());
                    let c = pop(&mut vals)?;
                    let cond = c.v != 0;
                    if self.peek_punct(":") {
                        // GNU `c ?: b`: the middle operand is the condition itself.
                        self.bump();
                        vals.push(c);
                        ops.push(Op::TernColon { ev, cond });
                    } else {
                        ops.push(Op::TernQ { ev, cond });
                    }
                    expect_operand = true;
                }
                ":" => {
                    self.bump();
                    self.reduce_while(&mut ops, &mut vals, |o| {
                        o.is_unary() || o.is_binary(0) || matches!(o, Op::TernColon { .. })
                    })?;
                    match ops.pop() {
                        Some(Op::TernQ { ev, cond }) => ops.push(Op::TernColon { ev, cond }),
                        _ => return Err(CppError::Syntax("unexpected `:`".into())),
                    }
                    expect_operand = true;
                }
                "," => {
                    self.bump();
                    self.reduce_while(&mut ops, &mut vals, |o| {
                        o.is_unary() || o.is_binary(0) || matches!(o, Op::TernColon { .. })
                    })?;
                    // The comma operator's value is its right operand.
                    pop(&mut vals)?;
                    expect_operand = true;
                }
                ")" => {
                    self.reduce_while(&mut ops, &mut vals, |o| {
                        o.is_unary() || o.is_binary(0) || matches!(o, Op::TernColon { .. })
                    })?;
                    match ops.pop() {
                        Some(Op::Paren { .. }) => self.bump(),
                        Some(Op::TernQ { .. }) => {
                            return Err(CppError::Syntax("expected `:` before `)`".into()))
                        }
                        _ => return Err(CppError::Syntax("unbalanced `)`".into())),
                    }
                }
                _ => {
                    let Some(prec) = Self::binop_prec(t) else {
                        return Err(CppError::Syntax(
                            format!("missing binary operator before token `{}`", t.text).into(),
                        ));
                    };
                    self.bump();
                    self.reduce_while(&mut ops, &mut vals, |o| o.is_unary() || o.is_binary(prec))?;
                    let ev = ops.last().is_none_or(|o| o.operand_ev());
                    let lhs = vals.last().map_or(0, |v| v.v);
                    let rhs_ev = match t.text.as_str() {
                        "&&" => ev && lhs != 0,
                        "||" => ev && lhs == 0,
                        _ => ev,
                    };
                    ops.push(Op::Binary {
                        op: t.text.as_str(),
                        prec,
                        ev,
                        rhs_ev,
                    });
                    expect_operand = true;
                }
            }
        }
        self.reduce_while(&mut ops, &mut vals, |o| {
            o.is_unary() || o.is_binary(0) || matches!(o, Op::TernColon { .. })
        })?;
        match ops.last() {
            Some(Op::Paren { .. }) => {
                return Err(CppError::Syntax("expected `)` at end of expression".into()))
            }
            Some(_) => return Err(CppError::Syntax("expected `:` at end of expression".into())),
            None => {}
        }
        let v = pop(&mut vals)?;
        if !vals.is_empty() {
            return Err(CppError::Syntax("malformed expression".into()));
        }
        Ok(v)
    }

    fn reduce_while(
        &self,
        ops: &mut Vec<Op<'a>>,
        vals: &mut Vec<V>,
        pred: impl Fn(&Op<'a>) -> bool,
    ) -> Result<(), CppError> {
        while let Some(op) = ops.last().copied() {
            if !pred(&op) {
                break;
            }
            ops.pop();
            let r = match op {
                Op::Unary { op, ev } => {
                    let x = pop(vals)?;
                    self.unary_op(op, x, ev)?
                }
                Op::Cast { ti, toks, .. } => {
                    let x = pop(vals)?;
                    self.cast(x, &ti, toks)?
                }
                Op::Sizeof { ev } => {
                    let x = pop(vals)?;
                    let n = x.narrow.unwrap_or(u64::from(self.width(x.k) / 8));
                    self.size_value(ev, n, "sizeof")?
                }
                Op::Binary { op, ev, .. } => {
                    let b = pop(vals)?;
                    let a = pop(vals)?;
                    match op {
                        "&&" => self.bool_val(a.v != 0 && b.v != 0),
                        "||" => self.bool_val(a.v != 0 || b.v != 0),
                        _ => self.arith(op, a, b, ev)?,
                    }
                }
                Op::TernColon { cond, .. } => {
                    let b = pop(vals)?;
                    let a = pop(vals)?;
                    let k = self.uac(a.k, b.k);
                    let v = if cond { a.v } else { b.v };
                    V::new(self.conv(v, k), k)
                }
                Op::Paren { .. } | Op::TernQ { .. } => {
                    return Err(CppError::Syntax("malformed expression".into()))
                }
            };
            vals.push(r);
        }
        Ok(())
    }

    fn binop_prec(t: &Token) -> Option<u8> {
        if t.kind != TokenKind::Punct {
            return None;
        }
        Some(match t.text.as_str() {
            "||" => 1,
            "&&" => 2,
            "|" => 3,
            "^" => 4,
            "&" => 5,
            "==" | "!=" => 6,
            "<" | ">" | "<=" | ">=" => 7,
            "<<" | ">>" => 8,
            "+" | "-" => 9,
            "*" | "/" | "%" => 10,
            _ => return None,
        })
    }

    fn unary_op(&self, op: char, x: V, ev: bool) -> Result<V, CppError> {
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

    fn arith(&self, op: &str, a: V, b: V, ev: bool) -> Result<V, CppError> {
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

    /// If the parenthesized group at `open` is a type name per `Semantics::type_name`, returns the
    /// answer and the index of the closing parenthesis. For a possible cast, only groups starting
    /// with an identifier are offered.
    fn try_type(&self, open: usize, cast: bool) -> Option<(Result<TypeInfo, Reason>, usize)> {
        let close = *self.close.get(open)?;
        if close == NO_MATCH {
            return None;
        }
        let inner = self.toks.get(open + 1..close)?;
        if inner.is_empty() || (cast && inner[0].kind != TokenKind::Ident) {
            return None;
        }
        self.sem.type_name(inner).map(|r| (r, close))
    }

    fn cast(&self, x: V, ti: &TypeInfo, ty_toks: &[Token]) -> Result<V, CppError> {
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

    fn size_value(&self, ev: bool, n: u64, op: &str) -> Result<V, CppError> {
        let k = IntKind::size_t(self.dm);
        let v = i128::from(n);
        if !self.fits(v, k) {
            return self.fail(
                ev,
                k,
                unresolved(format!("`{op}` result {n} does not fit in size_t")),
            );
        }
        Ok(V::new(v, k))
    }

    /// At `sizeof`/`_Alignof`: if a parenthesized type name follows, consumes it and returns the
    /// value; otherwise consumes only the keyword and returns None (`sizeof` of an expression).
    fn size_or_align_of_type(&mut self, ev: bool, is_size: bool) -> Result<Option<V>, CppError> {
        let toks = self.toks;
        let op = toks.get(self.pos).map_or("sizeof", |t| t.text.as_str());
        self.bump();
        if self.peek_punct("(") {
            if let Some((res, close)) = self.try_type(self.pos, false) {
                let ty = toks.get(self.pos + 1..close).unwrap_or_default();
                self.pos = close + 1;
                if self.peek_punct("{") {
                    return Err(not_integer(
                        NotInteger::CompoundLiteral,
                        format!("compound literal of type `{}`", tokens_to_string(ty)),
                    ));
                }
                return match res {
                    Ok(ti) => self
                        .size_value(ev, if is_size { ti.size } else { ti.align }, op)
                        .map(Some),
                    Err(r) => self
                        .fail(ev, IntKind::size_t(self.dm), unresolved(r))
                        .map(Some),
                };
            }
        }
        if !is_size {
            return Err(unresolved(format!("`{op}` applied to an expression")));
        }
        Ok(None)
    }

    /// The builtins a constant expression may call: `__builtin_constant_p(e)` is 1 when `e` is a
    /// constant (what cannot be evaluated here is no answer: gcc may still fold it), and
    /// `__builtin_offsetof(type, member)`. Consumes the call; None when `t` is neither.
    fn builtin_call(&mut self, t: &Token) -> Result<Option<V>, CppError> {
        let open = self.pos + 1;
        let close = self.close.get(open).copied().unwrap_or(NO_MATCH);
        if self.pp || close == NO_MATCH {
            return Ok(None);
        }
        let inner = &self.toks[open + 1..close];
        let value = match t.text.as_str() {
            "__builtin_constant_p" => {
                eval(inner, Mode::Constant, self.sem)?;
                self.bool_val(true)
            }
            "__builtin_offsetof" => {
                let Some(comma) = find_top_level(inner, ",") else {
                    return Err(CppError::Syntax(
                        "`__builtin_offsetof` takes a type and a member".into(),
                    ));
                };
                let Some(offset) = self.sem.offset_of(&inner[..comma], &inner[comma + 1..]) else {
                    return Ok(None);
                };
                let offset = offset.map_err(unresolved)?;
                self.size_value(true, offset, "__builtin_offsetof")?
            }
            _ => return Ok(None),
        };
        self.pos = close + 1;
        Ok(Some(value))
    }

    /// An identifier in operand position (consumed).
    /// `ev`: whether the operand is evaluated; a function call in an arm that is not (the
    /// `__builtin_constant_p(x) ? constant : __fswab32(x)` of swab.h) is folded away, as gcc does.
    fn identifier(&mut self, t: &Token, ev: bool) -> Result<V, CppError> {
        if UNSUPPORTED_OPERATORS.contains(&t.text.as_str()) {
            return Err(unresolved(format!("`{}` cannot be evaluated here", t.text)));
        }
        if self.peek_at(1).is_some_and(|n| n.is_punct("(")) {
            let close = self.close.get(self.pos + 1).copied().unwrap_or(NO_MATCH);
            if !ev && !self.pp && close != NO_MATCH {
                self.pos = close + 1;
                return Ok(V::new(0, self.int_kind()));
            }
            if let Some(v) = self.builtin_call(t)? {
                return Ok(v);
            }
            return Err(unresolved(Reason::new(
                Cause::MissingMacro(t.text.to_string()),
                format!("call of `{}`, which is not a macro", t.text),
            )));
        }
        self.bump();
        if self.pp {
            return Ok(V::new(0, self.int_kind()));
        }
        match self.sem.identifier(&t.text) {
            Some(val) => Ok(V::new(self.conv(val.value, val.kind), val.kind)),
            None => Err(unresolved(Reason::new(
                Cause::MissingMacro(t.text.to_string()),
                format!("unknown identifier `{}`", t.text),
            ))),
        }
    }

    // ---- literals ----

    fn number(&self, text: &str) -> Result<V, CppError> {
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

    fn char_const(&self, text: &str) -> Result<V, CppError> {
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

/// Evaluates an already-expanded token sequence as a C integer constant expression.
///
/// In [`Mode::Preprocessor`] the result kind is `intmax_t`/`uintmax_t` as given by
/// [`IntKind::intmax`] (`Long`/`ULong` on LP64, `LongLong`/`ULongLong` on ILP32).
pub fn eval(tokens: &[Token], mode: Mode, sem: &dyn Semantics) -> Result<Value, CppError> {
    if tokens.is_empty() {
        return Err(CppError::Syntax(Reason::new(
            Cause::NotInteger(NotInteger::Empty),
            "empty expression",
        )));
    }
    let mut ev = Ev::new(tokens, mode, sem);
    let v = ev.run()?;
    Ok(Value {
        value: v.v,
        kind: v.k,
    })
}

/// `#if`/`#elif` helper: processes `defined X` and `defined(X)` against `table` before expansion
/// (and `defined` produced by expansion, as gcc does), expands, and evaluates in Preprocessor mode.
/// `__has_include(...)` and friends → Unresolved.
pub fn eval_condition(
    src: &str,
    table: &dyn MacroTable,
    sem: &dyn Semantics,
) -> Result<bool, CppError> {
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Err(CppError::Syntax("#if with no expression".into()));
    }
    let e = expand_for_condition(&toks, table)?;
    if e.tokens.is_empty() {
        return Err(CppError::Syntax("#if with no expression".into()));
    }
    Ok(eval(&e.tokens, Mode::Preprocessor, sem)?.value != 0)
}

/// Convenience: tokenize + expand (watching `watch`) + eval in Constant mode.
pub fn eval_text(
    src: &str,
    table: &dyn MacroTable,
    sem: &dyn Semantics,
    watch: &[&str],
) -> Result<(Value, Expansion), CppError> {
    let (exp, v) = expand_and_eval(src, table, sem, watch)?;
    Ok((v?, exp))
}

/// Like [`eval_text`], but keeps the expansion when only the evaluation fails (for display).
/// The outer error is a tokenize/expansion failure; the inner one an evaluation failure.
pub fn expand_and_eval(
    src: &str,
    table: &dyn MacroTable,
    sem: &dyn Semantics,
    watch: &[&str],
) -> Result<(Expansion, Result<Value, CppError>), CppError> {
    let toks = tokenize(src)?;
    let exp = expand(&toks, table, watch)?;
    let v = eval(&exp.tokens, Mode::Constant, sem);
    Ok((exp, v))
}

#[cfg(test)]
mod tests;
