//! Evaluation of C integer constant expressions (`#if` conditions and constant-expression macro
//! bodies) with exact C typing: literal types, integer promotions, usual arithmetic conversions,
//! unsigned wraparound, and errors instead of guesses for anything gcc would not fold to a plain
//! integer without complaint.

use super::expand::{expand, expand_for_condition, Expansion};
use super::lex::{find_top_level, tokenize, tokens_to_string, Token, TokenKind};
use super::macros::MacroTable;
use super::CppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataModel {
    /// 64-bit Linux: int 32, long 64, pointers 64.
    Lp64,
    /// 32-bit Linux: int 32, long 32, pointers 32.
    Ilp32,
}

impl DataModel {
    pub fn pointer_bytes(self) -> u64 {
        match self {
            DataModel::Lp64 => 8,
            DataModel::Ilp32 => 4,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
}

impl IntKind {
    pub fn bits(self, dm: DataModel) -> u32 {
        match self {
            IntKind::Int | IntKind::UInt => 32,
            IntKind::Long | IntKind::ULong => match dm {
                DataModel::Lp64 => 64,
                DataModel::Ilp32 => 32,
            },
            IntKind::LongLong | IntKind::ULongLong => 64,
        }
    }

    pub fn is_signed(self) -> bool {
        matches!(self, IntKind::Int | IntKind::Long | IntKind::LongLong)
    }

    /// Integer conversion rank (C11 6.3.1.1): int < long < long long.
    pub fn rank(self) -> u8 {
        match self {
            IntKind::Int | IntKind::UInt => 1,
            IntKind::Long | IntKind::ULong => 2,
            IntKind::LongLong | IntKind::ULongLong => 3,
        }
    }

    pub fn to_unsigned(self) -> IntKind {
        match self {
            IntKind::Int | IntKind::UInt => IntKind::UInt,
            IntKind::Long | IntKind::ULong => IntKind::ULong,
            IntKind::LongLong | IntKind::ULongLong => IntKind::ULongLong,
        }
    }

    pub fn to_signed(self) -> IntKind {
        match self {
            IntKind::Int | IntKind::UInt => IntKind::Int,
            IntKind::Long | IntKind::ULong => IntKind::Long,
            IntKind::LongLong | IntKind::ULongLong => IntKind::LongLong,
        }
    }

    pub fn min_value(self, dm: DataModel) -> i128 {
        if self.is_signed() {
            -(1i128 << (self.bits(dm) - 1))
        } else {
            0
        }
    }

    pub fn max_value(self, dm: DataModel) -> i128 {
        if self.is_signed() {
            (1i128 << (self.bits(dm) - 1)) - 1
        } else {
            (1i128 << self.bits(dm)) - 1
        }
    }

    pub fn contains(self, v: i128, dm: DataModel) -> bool {
        v >= self.min_value(dm) && v <= self.max_value(dm)
    }

    /// Converts `v` to this type (modulo 2^bits, as gcc does for out-of-range signed conversions too).
    pub fn wrap(self, v: i128, dm: DataModel) -> i128 {
        wrap_bits(v, self.bits(dm), self.is_signed())
    }

    /// The type of `size_t` (and so of `sizeof`): `unsigned long` on LP64, `unsigned int` on ILP32.
    pub fn size_t(dm: DataModel) -> IntKind {
        match dm {
            DataModel::Lp64 => IntKind::ULong,
            DataModel::Ilp32 => IntKind::UInt,
        }
    }

    /// The type of `intmax_t`/`uintmax_t` (the type of every `#if` value): `long` on LP64,
    /// `long long` on ILP32.
    pub fn intmax(dm: DataModel, signed: bool) -> IntKind {
        let k = match dm {
            DataModel::Lp64 => IntKind::Long,
            DataModel::Ilp32 => IntKind::LongLong,
        };
        if signed {
            k
        } else {
            k.to_unsigned()
        }
    }

    pub fn c_name(self) -> &'static str {
        match self {
            IntKind::Int => "int",
            IntKind::UInt => "unsigned int",
            IntKind::Long => "long",
            IntKind::ULong => "unsigned long",
            IntKind::LongLong => "long long",
            IntKind::ULongLong => "unsigned long long",
        }
    }
}

fn wrap_bits(v: i128, bits: u32, signed: bool) -> i128 {
    if bits == 0 || bits >= 128 {
        return v;
    }
    let mask = (1u128 << bits) - 1;
    let u = (v as u128) & mask;
    if signed && (u >> (bits - 1)) & 1 == 1 {
        (u as i128) - (1i128 << bits)
    } else {
        u as i128
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    /// Always within the range of `kind` for the data model it was computed in.
    pub value: i128,
    pub kind: IntKind,
}

impl Value {
    /// A value of type `kind`, converting `value` into its range (modulo 2^bits).
    pub fn new(value: i128, kind: IntKind, dm: DataModel) -> Value {
        Value {
            value: kind.wrap(value, dm),
            kind,
        }
    }

    pub fn int(value: i32) -> Value {
        Value {
            value: value as i128,
            kind: IntKind::Int,
        }
    }

    /// The two's complement bit pattern in 64 bits (e.g. `-1` → `0xffff_ffff_ffff_ffff`).
    pub fn as_u64_bits(&self) -> u64 {
        self.value as u64
    }

    pub fn is_true(&self) -> bool {
        self.value != 0
    }

    /// `1` or `0` as an `int`.
    pub fn from_bool(b: bool) -> Value {
        Value::int(i32::from(b))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypeInfo {
    pub size: u64,
    pub align: u64,
    /// Some((bytes, signed)) for integer scalar types incl. enums and _Bool; None for
    /// records/arrays/pointers/floats.
    pub scalar: Option<(u32, bool)>,
    pub is_pointer: bool,
}

/// What the evaluator needs to know about the C program beyond the macros.
pub trait Semantics {
    fn data_model(&self) -> DataModel;
    /// Value of a non-macro identifier in constant mode (enumerator constants). None → Unresolved
    /// error naming it.
    fn identifier(&self, name: &str) -> Option<Value>;
    /// Called for the tokens inside `sizeof(...)`, `_Alignof(...)`/`__alignof__(...)`, and a
    /// parenthesized prefix that might be a cast (only when it starts with an identifier). None =
    /// "these tokens are not a type name" (then treat as expression); Some(Err(reason)) = a type whose
    /// size is unknown → the evaluation fails Unresolved with that reason.
    fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, String>>;
    /// Whether plain `char` is signed (x86: yes; arm, powerpc, s390, riscv: no). Affects character
    /// constants such as `'\xff'`.
    fn char_is_signed(&self) -> bool {
        true
    }
    /// The exact integer type of a cast's target type, if known (e.g. `__u64` is `unsigned long long`
    /// on every architecture, while an 8-byte unsigned scalar would otherwise be reported as
    /// `unsigned long` on LP64). Only consulted for 4- and 8-byte scalars; a kind whose width or
    /// signedness disagrees with the `TypeInfo` is ignored.
    fn integer_kind(&self, _tokens: &[Token], _info: &TypeInfo) -> Option<IntKind> {
        None
    }
    /// `__builtin_offsetof(type, member)`: the member's byte offset. None = no record layouts
    /// known here (the call stays unresolved).
    fn offset_of(&self, _ty: &[Token], _member: &[Token]) -> Option<Result<u64, String>> {
        None
    }
}

/// Semantics knowing only the data model and the built-in C types (see [`builtin_type`]): no
/// enumerators, no typedefs, no records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicSemantics(pub DataModel);

impl Semantics for BasicSemantics {
    fn data_model(&self) -> DataModel {
        self.0
    }
    fn identifier(&self, _name: &str) -> Option<Value> {
        None
    }
    fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, String>> {
        builtin_type(tokens, self.0).map(Ok)
    }
}

/// Recognizes built-in C type names: combinations of `void char short int long signed unsigned
/// _Bool __int128 float double` (with `const`/`volatile`), optionally followed by `*`s (a pointer).
/// Alignments are the ABI (`_Alignof`) ones, e.g. 4 for `long long` on i386.
pub fn builtin_type(tokens: &[Token], dm: DataModel) -> Option<TypeInfo> {
    let (mut char_, mut short, mut int, mut long, mut signed, mut unsigned) = (0, 0, 0, 0, 0, 0);
    let (mut bool_, mut i128_, mut void, mut float, mut double) = (0, 0, 0, 0, 0);
    let mut stars = 0;
    for t in tokens {
        if stars > 0 {
            if t.is_punct("*") || t.is_ident("const") || t.is_ident("volatile") {
                stars += usize::from(t.is_punct("*"));
                continue;
            }
            return None;
        }
        match (t.kind, t.text.as_str()) {
            (TokenKind::Punct, "*") => stars += 1,
            (TokenKind::Ident, "char") => char_ += 1,
            (TokenKind::Ident, "short") => short += 1,
            (TokenKind::Ident, "int") => int += 1,
            (TokenKind::Ident, "long") => long += 1,
            (TokenKind::Ident, "signed" | "__signed__" | "__signed") => signed += 1,
            (TokenKind::Ident, "unsigned") => unsigned += 1,
            (TokenKind::Ident, "_Bool") => bool_ += 1,
            (TokenKind::Ident, "__int128") => i128_ += 1,
            (TokenKind::Ident, "void") => void += 1,
            (TokenKind::Ident, "float") => float += 1,
            (TokenKind::Ident, "double") => double += 1,
            (TokenKind::Ident, "const" | "volatile" | "__const" | "__volatile__") => {}
            _ => return None,
        }
    }
    let total =
        char_ + short + int + long + signed + unsigned + bool_ + i128_ + void + float + double;
    if total == 0 {
        return None;
    }
    if stars > 0 {
        let p = dm.pointer_bytes();
        return Some(TypeInfo {
            size: p,
            align: p,
            scalar: None,
            is_pointer: true,
        });
    }
    if signed + unsigned > 1
        || int > 1
        || long > 2
        || char_ + short + bool_ + i128_ + void + float + double > 1
    {
        return None;
    }
    let is_unsigned = unsigned == 1;
    let scalar = |bytes: u64, align: u64, signed: bool| TypeInfo {
        size: bytes,
        align,
        scalar: Some((bytes as u32, signed)),
        is_pointer: false,
    };
    let other = |size: u64, align: u64| TypeInfo {
        size,
        align,
        scalar: None,
        is_pointer: false,
    };
    let floating = float + double > 0;
    if void + bool_ + floating as i32 > 0 && (signed + unsigned + int + short + char_ + i128_ > 0) {
        return None;
    }
    Some(if void == 1 {
        other(1, 1)
    } else if bool_ == 1 {
        scalar(1, 1, false)
    } else if float == 1 {
        if long > 0 {
            return None;
        }
        other(4, 4)
    } else if double == 1 {
        match (long, dm) {
            (0, DataModel::Lp64) => other(8, 8),
            (0, DataModel::Ilp32) => other(8, 4),
            (1, DataModel::Lp64) => other(16, 16),
            (1, DataModel::Ilp32) => other(12, 4),
            _ => return None,
        }
    } else if char_ == 1 {
        if long > 0 || int > 0 {
            return None;
        }
        scalar(
            1,
            1,
            if signed + unsigned == 0 {
                true
            } else {
                !is_unsigned
            },
        )
    } else if short == 1 {
        if long > 0 {
            return None;
        }
        scalar(2, 2, !is_unsigned)
    } else if i128_ == 1 {
        if long > 0 || int > 0 {
            return None;
        }
        scalar(16, 16, !is_unsigned)
    } else if long == 2 {
        scalar(8, if dm == DataModel::Lp64 { 8 } else { 4 }, !is_unsigned)
    } else if long == 1 {
        let b = dm.pointer_bytes();
        scalar(b, b, !is_unsigned)
    } else {
        scalar(4, 4, !is_unsigned)
    })
}

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

fn unresolved(s: String) -> CppError {
    CppError::Unresolved(s)
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
                                        return Err(unresolved(format!(
                                            "compound literal of type `{}`",
                                            tokens_to_string(ty)
                                        )));
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
                            return Err(CppError::Syntax(format!("unexpected token `{}`", t.text)))
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
                        return Err(unresolved(format!(
                            "string literal `{}` is not an integer constant",
                            t.text
                        )))
                    }
                }
                continue;
            }
            // Operator position.
            let Some(t) = self.peek() else { break };
            if t.kind != TokenKind::Punct {
                return Err(CppError::Syntax(format!(
                    "missing binary operator before token `{}`",
                    t.text
                )));
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
                        return Err(CppError::Syntax(format!(
                            "missing binary operator before token `{}`",
                            t.text
                        )));
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
                    _ => return Err(CppError::Syntax(format!("unknown operator `{op}`"))),
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
    fn try_type(&self, open: usize, cast: bool) -> Option<(Result<TypeInfo, String>, usize)> {
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
            return Err(unresolved(format!(
                "not an integer constant: pointer (cast to `{}`)",
                tokens_to_string(ty_toks)
            )));
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
                    return Err(unresolved(format!(
                        "compound literal of type `{}`",
                        tokens_to_string(ty)
                    )));
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
            return Err(unresolved(format!(
                "call of `{}`, which is not a macro",
                t.text
            )));
        }
        self.bump();
        if self.pp {
            return Ok(V::new(0, self.int_kind()));
        }
        match self.sem.identifier(&t.text) {
            Some(val) => Ok(V::new(self.conv(val.value, val.kind), val.kind)),
            None => Err(unresolved(format!("unknown identifier `{}`", t.text))),
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
            return Err(unresolved(format!("floating constant `{text}`")));
        }
        if digits.is_empty() {
            return Err(CppError::Syntax(format!(
                "invalid integer constant `{text}`"
            )));
        }
        let mut value: u128 = 0;
        for c in digits.chars() {
            let d = c.to_digit(16).unwrap_or(99);
            if d >= base {
                return Err(CppError::Syntax(format!(
                    "invalid digit `{c}` in {} constant `{text}`",
                    if base == 8 { "octal" } else { "binary" }
                )));
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
            return Err(CppError::Syntax(format!(
                "invalid suffix `{rest}` on integer constant `{text}`"
            )));
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
        let bad = || CppError::Syntax(format!("invalid character constant `{text}`"));
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
            .map_err(|e| CppError::Syntax(format!("{e} in character constant `{text}`")))?;
        if units.is_empty() {
            return Err(CppError::Syntax(format!(
                "empty character constant `{text}`"
            )));
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

fn parse_int_suffix(s: &str) -> Option<(bool, u8)> {
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
fn decode_char_units(inner: &str, width: u32, wide: bool) -> Result<Vec<u64>, String> {
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

/// Evaluates an already-expanded token sequence as a C integer constant expression.
///
/// In [`Mode::Preprocessor`] the result kind is `intmax_t`/`uintmax_t` as given by
/// [`IntKind::intmax`] (`Long`/`ULong` on LP64, `LongLong`/`ULongLong` on ILP32).
pub fn eval(tokens: &[Token], mode: Mode, sem: &dyn Semantics) -> Result<Value, CppError> {
    if tokens.is_empty() {
        return Err(CppError::Syntax("empty expression".into()));
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
mod tests {
    use super::super::macros::MacroDef;
    use super::*;
    use std::collections::HashMap;
    use IntKind::*;

    type Table = HashMap<String, MacroDef>;

    struct TestSem {
        dm: DataModel,
        enums: HashMap<String, Value>,
        unsigned_char: bool,
    }

    impl TestSem {
        fn new(dm: DataModel) -> TestSem {
            let mut enums = HashMap::new();
            enums.insert("ENUM_SEVEN".to_string(), Value::int(7));
            enums.insert(
                "BIG_ENUM".to_string(),
                Value {
                    value: 1 << 40,
                    kind: Long,
                },
            );
            TestSem {
                dm,
                enums,
                unsigned_char: false,
            }
        }
    }

    fn scalar(bytes: u32, signed: bool) -> TypeInfo {
        TypeInfo {
            size: u64::from(bytes),
            align: u64::from(bytes),
            scalar: Some((bytes, signed)),
            is_pointer: false,
        }
    }

    impl Semantics for TestSem {
        fn data_model(&self) -> DataModel {
            self.dm
        }
        fn identifier(&self, name: &str) -> Option<Value> {
            self.enums.get(name).copied()
        }
        fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, String>> {
            let s = tokens_to_string(tokens);
            let rec = |size| {
                Some(Ok(TypeInfo {
                    size,
                    align: 8,
                    scalar: None,
                    is_pointer: false,
                }))
            };
            match s.as_str() {
                "struct drm_foo" => rec(24),
                "struct x" => rec(16),
                "struct unknown" => Some(Err("incomplete type `struct unknown`".into())),
                "__u8" => Some(Ok(scalar(1, false))),
                "__s8" => Some(Ok(scalar(1, true))),
                "__u16" => Some(Ok(scalar(2, false))),
                "__u32" => Some(Ok(scalar(4, false))),
                "__s32" => Some(Ok(scalar(4, true))),
                "__u64" => Some(Ok(scalar(8, false))),
                "__s64" => Some(Ok(scalar(8, true))),
                "__u128" => Some(Ok(scalar(16, false))),
                "struct x *" => Some(Ok(TypeInfo {
                    size: 8,
                    align: 8,
                    scalar: None,
                    is_pointer: true,
                })),
                _ => builtin_type(tokens, self.dm).map(Ok),
            }
        }
        fn char_is_signed(&self) -> bool {
            !self.unsigned_char
        }
        fn integer_kind(&self, tokens: &[Token], _info: &TypeInfo) -> Option<IntKind> {
            match tokens_to_string(tokens).as_str() {
                "__u64" => Some(ULongLong),
                "__s64" => Some(LongLong),
                _ => None,
            }
        }
    }

    fn table(defs: &[(&str, Option<&[&str]>, &str)]) -> Table {
        let mut t = Table::new();
        for (name, params, body) in defs {
            let def = match params {
                None => MacroDef::object(name, body).unwrap(),
                Some(p) => {
                    let p: Vec<String> = p.iter().map(|s| s.to_string()).collect();
                    MacroDef::function(name, &p, false, body).unwrap()
                }
            };
            t.insert(name.to_string(), def);
        }
        t
    }

    fn ioc_table() -> Table {
        table(&[
            ("_IOC_NRBITS", None, "8"),
            ("_IOC_TYPEBITS", None, "8"),
            ("_IOC_SIZEBITS", None, "14"),
            ("_IOC_DIRBITS", None, "2"),
            ("_IOC_NRSHIFT", None, "0"),
            ("_IOC_TYPESHIFT", None, "(_IOC_NRSHIFT+_IOC_NRBITS)"),
            ("_IOC_SIZESHIFT", None, "(_IOC_TYPESHIFT+_IOC_TYPEBITS)"),
            ("_IOC_DIRSHIFT", None, "(_IOC_SIZESHIFT+_IOC_SIZEBITS)"),
            ("_IOC_NONE", None, "0U"),
            ("_IOC_WRITE", None, "1U"),
            ("_IOC_READ", None, "2U"),
            (
                "_IOC",
                Some(&["dir", "type", "nr", "size"]),
                "(((dir)  << _IOC_DIRSHIFT) | \\\n\t ((type) << _IOC_TYPESHIFT) | \\\n\t ((nr)   << _IOC_NRSHIFT) | \\\n\t ((size) << _IOC_SIZESHIFT))",
            ),
            ("_IOC_TYPECHECK", Some(&["t"]), "(sizeof(t))"),
            ("_IOWR", Some(&["type", "nr", "size"]), "_IOC(_IOC_READ|_IOC_WRITE,(type),(nr),(_IOC_TYPECHECK(size)))"),
            ("DRM_IOCTL_BASE", None, "'d'"),
            ("DRM_COMMAND_BASE", None, "0x40"),
            ("DRM_IOWR", Some(&["nr", "type"]), "_IOWR(DRM_IOCTL_BASE,nr,type)"),
        ])
    }

    fn c64(src: &str) -> Result<Value, CppError> {
        c_in(src, DataModel::Lp64)
    }

    fn c32(src: &str) -> Result<Value, CppError> {
        c_in(src, DataModel::Ilp32)
    }

    fn c_in(src: &str, dm: DataModel) -> Result<Value, CppError> {
        eval(&tokenize(src)?, Mode::Constant, &TestSem::new(dm))
    }

    fn v(value: i128, kind: IntKind) -> Result<Value, CppError> {
        Ok(Value { value, kind })
    }

    fn unresolved_naming(r: Result<Value, CppError>, needle: &str) {
        match r {
            Err(CppError::Unresolved(m)) => {
                assert!(m.contains(needle), "{m:?} should name {needle:?}")
            }
            other => panic!("expected Unresolved naming {needle:?}, got {other:?}"),
        }
    }

    fn cond(src: &str, t: &Table) -> Result<bool, CppError> {
        eval_condition(src, t, &TestSem::new(DataModel::Lp64))
    }

    #[test]
    fn drm_iowr_ioctl_number_and_watch() {
        let t = ioc_table();
        let sem = TestSem::new(DataModel::Lp64);
        let (val, exp) = eval_text(
            "DRM_IOWR(DRM_COMMAND_BASE + 0x01, struct drm_foo)",
            &t,
            &sem,
            &["_IOC", "_IOWR"],
        )
        .unwrap();
        assert_eq!(val.value, 0xC018_6441);
        // `sizeof` makes the whole expression size_t: unsigned long on LP64 (verified with gcc).
        assert_eq!(val.kind, ULong);
        let names: Vec<&str> = exp.invocations.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["_IOWR", "_IOC"]);
        let iowr = &exp.invocations[0];
        assert_eq!(iowr.raw_args.len(), 3);
        assert_eq!(tokens_to_string(&iowr.raw_args[2]), "struct drm_foo");
        assert_eq!(tokens_to_string(&iowr.raw_args[0]), "DRM_IOCTL_BASE");
        assert_eq!(tokens_to_string(&iowr.expanded_args[0]), "'d'");
        let ioc = &exp.invocations[1];
        let args: Vec<Value> = ioc
            .expanded_args
            .iter()
            .map(|a| eval(a, Mode::Constant, &sem).unwrap())
            .collect();
        assert_eq!(
            args[0],
            Value {
                value: 3,
                kind: UInt
            }
        );
        assert_eq!(
            args[1],
            Value {
                value: 0x64,
                kind: Int
            }
        );
        assert_eq!(
            args[2],
            Value {
                value: 0x41,
                kind: Int
            }
        );
        assert_eq!(
            args[3],
            Value {
                value: 24,
                kind: ULong
            }
        );
        assert_eq!(
            tokens_to_string(&ioc.raw_args[3]),
            "(_IOC_TYPECHECK(struct drm_foo))"
        );
        assert_eq!(
            tokens_to_string(&ioc.expanded_args[3]),
            "((sizeof(struct drm_foo)))"
        );

        // ILP32: size_t is unsigned int, so the result is UInt.
        let sem32 = TestSem::new(DataModel::Ilp32);
        let (val, _) = eval_text(
            "DRM_IOWR(DRM_COMMAND_BASE + 0x01, struct drm_foo)",
            &t,
            &sem32,
            &[],
        )
        .unwrap();
        assert_eq!(
            val,
            Value {
                value: 0xC018_6441,
                kind: UInt
            }
        );
    }

    #[test]
    fn ioc_without_sizeof_is_uint() {
        let mut t = ioc_table();
        t.insert(
            "_IO".into(),
            MacroDef::function(
                "_IO",
                &["type".into(), "nr".into()],
                false,
                "_IOC(_IOC_NONE,(type),(nr),0)",
            )
            .unwrap(),
        );
        let sem = TestSem::new(DataModel::Lp64);
        let (val, _) = eval_text("_IO('U', 0x23)", &t, &sem, &[]).unwrap();
        assert_eq!(
            val,
            Value {
                value: 0x5523,
                kind: UInt
            }
        );
        let (val, _) = eval_text("_IOC_DIRSHIFT", &t, &sem, &[]).unwrap();
        assert_eq!(
            val,
            Value {
                value: 30,
                kind: Int
            }
        );
    }

    #[test]
    fn shifts_like_gcc() {
        assert_eq!(c64("1 << 31"), v(-2147483648, Int));
        assert_eq!(c64("(1 << 31)"), v(-2147483648, Int));
        assert_eq!(c64("(1U << 31)"), v(2147483648, UInt));
        assert_eq!(c64("3 << 30"), v(-1073741824, Int));
        assert_eq!(c64("-1 >> 1"), v(-1, Int));
        assert_eq!(c64("0x80000000 >> 31"), v(1, UInt));
        assert_eq!(c64("1UL << 63"), v(1 << 63, ULong));
        assert_eq!(c64("1L << 63"), v(-(1 << 63), Long));
        assert_eq!(c64("1 << 2UL"), v(4, Int));
        unresolved_naming(c64("1 << 32"), "shift count 32");
        unresolved_naming(c64("1 << -1"), "shift count -1");
        unresolved_naming(c64("1UL >> 64"), "shift count 64");
        assert_eq!(c32("1UL << 31"), v(2147483648, ULong));
        unresolved_naming(c32("1UL << 32"), "shift count 32");
        assert_eq!(c32("1ULL << 32"), v(1 << 32, ULongLong));
    }

    #[test]
    fn complements_and_negations() {
        assert_eq!(c64("~0"), v(-1, Int));
        assert_eq!(c64("~0U"), v(4294967295, UInt));
        assert_eq!(c64("~0ULL"), v(18446744073709551615, ULongLong));
        assert_eq!(c64("-1UL"), v(18446744073709551615, ULong));
        assert_eq!(c32("-1UL"), v(4294967295, ULong));
        assert_eq!(c64("-0x80000000"), v(2147483648, UInt));
        assert_eq!(c64("!5"), v(0, Int));
        assert_eq!(c64("!0UL"), v(1, Int));
        assert_eq!(c64("+-+1"), v(-1, Int));
        assert_eq!(c64("- -1"), v(1, Int));
    }

    #[test]
    fn literal_types() {
        assert_eq!(c64("0xffffffff"), v(4294967295, UInt));
        assert_eq!(c64("0x7fffffff"), v(2147483647, Int));
        assert_eq!(c64("2147483647"), v(2147483647, Int));
        assert_eq!(c64("2147483648"), v(2147483648, Long));
        assert_eq!(c32("2147483648"), v(2147483648, LongLong));
        assert_eq!(c64("4294967295"), v(4294967295, Long));
        assert_eq!(c64("0x100000000"), v(4294967296, Long));
        assert_eq!(c32("0x100000000"), v(4294967296, LongLong));
        assert_eq!(c64("0xffffffffffffffff"), v(18446744073709551615, ULong));
        assert_eq!(
            c32("0xffffffffffffffff"),
            v(18446744073709551615, ULongLong)
        );
        assert_eq!(c32("0xffffffffL"), v(4294967295, ULong));
        assert_eq!(c64("0xffffffffL"), v(4294967295, Long));
        assert_eq!(c64("9223372036854775807"), v(9223372036854775807, Long));
        assert_eq!(c64("1u"), v(1, UInt));
        assert_eq!(c64("1U"), v(1, UInt));
        assert_eq!(c64("1l"), v(1, Long));
        assert_eq!(c64("1ll"), v(1, LongLong));
        assert_eq!(c64("1LL"), v(1, LongLong));
        assert_eq!(c64("1ul"), v(1, ULong));
        assert_eq!(c64("1Lu"), v(1, ULong));
        assert_eq!(c64("1uLL"), v(1, ULongLong));
        assert_eq!(c64("1llu"), v(1, ULongLong));
        assert_eq!(c64("1LLU"), v(1, ULongLong));
        assert_eq!(c64("0x1fULL"), v(31, ULongLong));
        assert_eq!(c64("07"), v(7, Int));
        assert_eq!(c64("010"), v(8, Int));
        assert_eq!(c64("0"), v(0, Int));
        assert_eq!(c64("0b101"), v(5, Int));
        unresolved_naming(c64("0x10000000000000000UL"), "too large");
        unresolved_naming(c64("18446744073709551616"), "18446744073709551616");
        // gcc gives this __int128 (with a warning); we refuse to guess.
        unresolved_naming(c64("9223372036854775808"), "9223372036854775808");
        assert!(matches!(c64("1lL"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1uu"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("08"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("0x"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1abc"), Err(CppError::Syntax(_))));
        unresolved_naming(c64("1.0"), "floating constant `1.0`");
        unresolved_naming(c64("1e3"), "1e3");
        unresolved_naming(c64("0x1p3"), "0x1p3");
        unresolved_naming(c64(".5"), ".5");
    }

    #[test]
    fn char_constants() {
        assert_eq!(c64("'d'"), v(100, Int));
        assert_eq!(c64(r"'\n'"), v(10, Int));
        assert_eq!(c64(r"'\x1f'"), v(31, Int));
        assert_eq!(c64(r"'\0'"), v(0, Int));
        assert_eq!(c64(r"'\''"), v(39, Int));
        assert_eq!(c64(r"'\\'"), v(92, Int));
        assert_eq!(c64(r"'\377'"), v(-1, Int));
        assert_eq!(c64(r"'\xff'"), v(-1, Int));
        assert_eq!(c64(r"'\e'"), v(27, Int));
        assert_eq!(c64("'ab'"), v(0x6162, Int));
        assert_eq!(c64("'abcde'"), v(1650680933, Int));
        assert_eq!(c64(r"'\xff\xff\xff\xff'"), v(-1, Int));
        assert_eq!(c64("L'a'"), v(97, Int));
        assert_eq!(c64("U'a'"), v(97, UInt));
        assert_eq!(c64("u'a'"), v(97, Int));
        assert_eq!(c64("'é'"), v(0xC3A9u16 as i16 as i128 & 0xffff, Int));
        assert_eq!(c64("L'é'"), v(0xe9, Int));
        let mut sem = TestSem::new(DataModel::Lp64);
        sem.unsigned_char = true;
        assert_eq!(
            eval(&tokenize(r"'\xff'").unwrap(), Mode::Constant, &sem),
            v(255, Int)
        );
        assert!(matches!(c64("''"), Err(CppError::Syntax(_))));
        assert!(matches!(c64(r"'\x'"), Err(CppError::Syntax(_))));
        unresolved_naming(c64("L'ab'"), "L'ab'");
    }

    #[test]
    fn casts() {
        assert_eq!(c64("(__u32)-1"), v(4294967295, UInt));
        assert_eq!(c64("(__s32)0xffffffff"), v(-1, Int));
        assert_eq!(c64("(__u8)300"), v(44, Int));
        assert_eq!(c64("(__s8)200"), v(-56, Int));
        assert_eq!(c64("+(__u16)65535"), v(65535, Int));
        assert_eq!(c64("(__u64)-1"), v(18446744073709551615, ULongLong));
        assert_eq!(c64("(__s64)1 << 40"), v(1 << 40, LongLong));
        assert_eq!(c64("(unsigned long)-1"), v(18446744073709551615, ULong));
        assert_eq!(
            c64("(unsigned long long)-1"),
            v(18446744073709551615, ULongLong)
        );
        assert_eq!(c32("(unsigned long)-1"), v(4294967295, ULong));
        assert_eq!(c32("(long)-1"), v(-1, Long));
        assert_eq!(c64("(int)4294967297"), v(1, Int));
        assert_eq!(c64("(_Bool)2"), v(1, Int));
        assert_eq!(c64("(char)200"), v(-56, Int));
        assert_eq!(c64("(unsigned char)-1 + 1"), v(256, Int));
        assert_eq!(c64("(__u32)(__u8)-1"), v(255, UInt));
        unresolved_naming(c64("(struct x *)0"), "pointer");
        unresolved_naming(c64("(void *)0"), "pointer");
        unresolved_naming(c64("(struct x)1"), "struct x");
        unresolved_naming(c64("(double)1"), "double");
        unresolved_naming(c64("(struct unknown)1"), "struct unknown");
        unresolved_naming(c64("(__u128)1"), "__u128");
        // A parenthesized enumerator is not a cast.
        assert_eq!(c64("(ENUM_SEVEN) - 1"), v(6, Int));
        assert!(matches!(c64("(__u32)"), Err(CppError::Syntax(_))));
    }

    #[test]
    fn sizeof_and_alignof() {
        assert_eq!(c64("sizeof(struct x) * 2"), v(32, ULong));
        assert_eq!(c32("sizeof(struct x) * 2"), v(32, UInt));
        assert_eq!(c64("sizeof(int)"), v(4, ULong));
        assert_eq!(c64("sizeof(long)"), v(8, ULong));
        assert_eq!(c32("sizeof(long)"), v(4, UInt));
        assert_eq!(c64("sizeof 'a'"), v(4, ULong));
        assert_eq!(c64("sizeof(1UL)"), v(8, ULong));
        assert_eq!(c64("sizeof ENUM_SEVEN"), v(4, ULong));
        assert_eq!(c64("sizeof((__u8)1)"), v(1, ULong));
        assert_eq!(c64("sizeof(0, (__u8)1)"), v(1, ULong));
        assert_eq!(c64("sizeof(+(__u8)1)"), v(4, ULong));
        assert_eq!(c64("sizeof(struct x *)"), v(8, ULong));
        assert_eq!(c64("_Alignof(struct drm_foo)"), v(8, ULong));
        assert_eq!(c64("__alignof__(int)"), v(4, ULong));
        assert_eq!(c32("_Alignof(long long)"), v(4, UInt));
        // The operand of sizeof is not evaluated.
        assert_eq!(c64("sizeof(1/0)"), v(4, ULong));
        unresolved_naming(c64("sizeof(struct unknown)"), "struct unknown");
        unresolved_naming(c64("sizeof(NOPE)"), "NOPE");
        unresolved_naming(c64("_Alignof(ENUM_SEVEN)"), "_Alignof");
        // Unknown size in an unevaluated operand does not matter.
        assert_eq!(c64("1 ? 5 : sizeof(struct unknown)"), v(5, ULong));
    }

    #[test]
    fn arithmetic_and_conversions() {
        assert_eq!(c64("1u - 2"), v(4294967295, UInt));
        assert_eq!(c64("-1 < 0u"), v(0, Int));
        assert_eq!(c64("-1L < 0u"), v(1, Int));
        assert_eq!(c32("-1L < 0u"), v(0, Int));
        assert_eq!(c64("1LL + 1UL"), v(2, ULongLong));
        assert_eq!(c64("1L + 1U"), v(2, Long));
        assert_eq!(c32("1L + 1U"), v(2, ULong));
        assert_eq!(c32("1LL + 1U"), v(2, LongLong));
        assert_eq!(c64("-7 / 2"), v(-3, Int));
        assert_eq!(c64("-7 % 2"), v(-1, Int));
        assert_eq!(c64("7 % -2"), v(1, Int));
        assert_eq!(c64("0xffffffffU * 0xffffffffU"), v(1, UInt));
        assert_eq!(
            c64("0xffffffffffffffffUL * 0xffffffffffffffffUL"),
            v(1, ULong)
        );
        assert_eq!(c64("2 + 3 * 4 - (5 | 2) ^ 1 & 3"), v(6, Int));
        assert_eq!(c64("1 < 2 == 1"), v(1, Int));
        assert_eq!(c64("5 & 3 | 8 ^ 1"), v(9, Int));
        assert_eq!(c64("ENUM_SEVEN * 2"), v(14, Int));
        assert_eq!(c64("BIG_ENUM + 1"), v((1 << 40) + 1, Long));
        assert_eq!(c64("(1, 2)"), v(2, Int));
        assert_eq!(c64("1, 2UL"), v(2, ULong));
    }

    #[test]
    fn ternary_typing() {
        assert_eq!(c64("1 ? -1 : 0U"), v(4294967295, UInt));
        assert_eq!(c64("0 ? 1 : 2L"), v(2, Long));
        assert_eq!(c64("1 ? 1 : 2ULL"), v(1, ULongLong));
        assert_eq!(c64("0 ? 1U : -1L"), v(-1, Long));
        assert_eq!(c32("0 ? 1U : -1L"), v(4294967295, ULong));
        assert_eq!(c64("1 ? 2 : 3 ? 4 : 5"), v(2, Int));
        assert_eq!(c64("0 ? 2 : 0 ? 4 : 5"), v(5, Int));
        assert_eq!(c64("3 ?: 4"), v(3, Int));
        assert_eq!(c64("0 ?: 4U"), v(4, UInt));
        assert_eq!(c64("(__u8)1 ? (__u8)2 : (__u8)3"), v(2, Int));
        assert!(matches!(c64("1 ? 2"), Err(CppError::Syntax(_))));
    }

    #[test]
    fn errors_and_short_circuit() {
        assert_eq!(c64("1 / 0"), Err(CppError::DivideByZero));
        assert_eq!(c64("1 % 0"), Err(CppError::DivideByZero));
        assert_eq!(c64("0 && 1 / 0"), v(0, Int));
        assert_eq!(c64("1 || 1 / 0"), v(1, Int));
        assert_eq!(c64("0 ? 1 / 0 : 5"), v(5, Int));
        assert_eq!(c64("1 ? 5 : 1 << 99"), v(5, Int));
        assert_eq!(c64("0 && 0x7fffffff + 1"), v(0, Int));
        unresolved_naming(c64("0x7fffffff + 1"), "signed overflow");
        unresolved_naming(c64("-(-2147483647 - 1)"), "signed overflow");
        unresolved_naming(c64("(-2147483647 - 1) / -1"), "signed overflow");
        unresolved_naming(c64("(-2147483647 - 1) % -1"), "signed overflow");
        unresolved_naming(c64("65536 * 65536"), "signed overflow");
        assert_eq!(c64("65536L * 65536"), v(1 << 32, Long));
        unresolved_naming(c64("FOO + 1"), "unknown identifier `FOO`");
        // Type errors count even in unevaluated operands.
        unresolved_naming(c64("0 && FOO"), "FOO");
        unresolved_naming(c64("\"abc\""), "\"abc\"");
        unresolved_naming(c64("f(1)"), "`f`");
        unresolved_naming(c64("ENUM_SEVEN = 1"), "`=`");
        unresolved_naming(c64("ENUM_SEVEN += 1"), "`+=`");
        unresolved_naming(c64("&ENUM_SEVEN"), "`&`");
        unresolved_naming(c64("*ENUM_SEVEN"), "`*`");
        unresolved_naming(c64("ENUM_SEVEN++"), "`++`");
        unresolved_naming(c64("ENUM_SEVEN[0]"), "`[`");
        unresolved_naming(c64("(1)(2)"), "function call");
        unresolved_naming(c64("__builtin_offsetof(struct x, a)"), "__builtin_offsetof");
        unresolved_naming(c64("__has_include(<x.h>)"), "__has_include");
        assert!(matches!(c64(""), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1 2"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("(1"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1)"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1 +"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("()"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("{1}"), Err(CppError::Syntax(_))));
    }

    #[test]
    fn string_literal_body_is_unresolved() {
        let t = table(&[("VERSION", None, "\"1.2.3\""), ("A", Some(&["x"]), "#x")]);
        let sem = TestSem::new(DataModel::Lp64);
        unresolved_naming(
            eval_text("VERSION", &t, &sem, &[]).map(|x| x.0),
            "\"1.2.3\"",
        );
        let r = eval_text("A(x)", &t, &sem, &[]);
        unresolved_naming(r.map(|x| x.0), "\"x\"");
        let (exp, r) = expand_and_eval("A(hello world)", &t, &sem, &[]).unwrap();
        assert_eq!(tokens_to_string(&exp.tokens), "\"hello world\"");
        assert!(r.is_err());
    }

    #[test]
    fn unknown_identifier_in_constant_mode() {
        let t = table(&[("X", None, "(FOO_BAR << 2)")]);
        let r = eval_text("X", &t, &TestSem::new(DataModel::Lp64), &[]);
        assert_eq!(
            r.map(|x| x.0),
            Err(CppError::Unresolved("unknown identifier `FOO_BAR`".into()))
        );
        assert_eq!(
            CppError::Unresolved("unknown identifier `FOO_BAR`".into()).to_string(),
            "unresolved: unknown identifier `FOO_BAR`"
        );
    }

    #[test]
    fn macro_expansion_through_eval_text() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let mut t = table(&[
            ("foo", None, "foo + 1"),
            ("a", None, "b"),
            ("b", None, "a"),
            ("CAT", Some(&["a", "b"]), "a##b"),
            ("FOO_BAR", None, "(1 << 4)"),
            ("F", Some(&["x"]), "((x) * 2)"),
        ]);
        t.insert(
            "SUM".into(),
            MacroDef::function("SUM", &s(&["x"]), true, "(x + __VA_ARGS__)").unwrap(),
        );
        let sem = TestSem::new(DataModel::Lp64);
        let e = |src: &str| eval_text(src, &t, &sem, &[]).map(|x| x.0);
        // Self-reference: `foo` expands once, the remaining `foo` is an (unknown) identifier.
        unresolved_naming(e("foo"), "unknown identifier `foo`");
        unresolved_naming(e("a"), "unknown identifier `a`");
        assert_eq!(e("CAT(FOO_,BAR)"), v(16, Int));
        assert_eq!(e("SUM(1, 2) + SUM(3, 4)"), v(10, Int));
        assert_eq!(e("SUM(1, 2, 3)"), v(3, Int));
        // A function-like macro name without parentheses stays an identifier.
        unresolved_naming(e("F + 1"), "unknown identifier `F`");
        assert_eq!(e("F(3)"), v(6, Int));
    }

    #[test]
    fn conditions() {
        let t = table(&[
            ("__x86_64__", None, "1"),
            ("__BITS_PER_LONG", None, "64"),
            ("X", None, "1"),
            ("ZERO", None, "0"),
            ("D", None, "defined(X)"),
            ("EMPTY", None, ""),
            ("F", Some(&["x"]), "x"),
        ]);
        assert_eq!(cond("defined(__x86_64__) && !defined(FOO)", &t), Ok(true));
        assert_eq!(cond("defined(__x86_64__) && !defined(X)", &t), Ok(false));
        assert_eq!(cond("defined __x86_64__ || defined FOO", &t), Ok(true));
        assert_eq!(cond("X ? 1 : 0", &t), Ok(true));
        assert_eq!(cond("ZERO ? 1 : 0", &t), Ok(false));
        assert_eq!(cond("UNDEFINED ? 1 : 0", &t), Ok(false));
        assert_eq!(cond("__BITS_PER_LONG == 64", &t), Ok(true));
        assert_eq!(cond("__BITS_PER_LONG == 32", &t), Ok(false));
        assert_eq!(cond("D", &t), Ok(true));
        assert_eq!(cond("defined(F) && F(1)", &t), Ok(true));
        // Identifiers left after expansion are 0, and `true`/`false` are not special.
        assert_eq!(cond("true", &t), Ok(false));
        assert_eq!(cond("true || false", &t), Ok(false));
        assert_eq!(cond("!false", &t), Ok(true));
        assert_eq!(cond("F", &t), Ok(false));
        // Everything is intmax_t/uintmax_t (matches gcc -E).
        assert_eq!(cond("0xffffffff > -1", &t), Ok(true));
        assert_eq!(cond("-1 > 0u", &t), Ok(true));
        assert_eq!(cond("(0 < 1) - 2 < 0", &t), Ok(true));
        assert_eq!(cond("18446744073709551615 == -1", &t), Ok(true));
        assert_eq!(cond("'\\xff' < 0", &t), Ok(true));
        assert_eq!(cond("2147483648 * 2 == 4294967296", &t), Ok(true));
        assert_eq!(cond("(1 << 63) < 0", &t), Ok(true));
        assert_eq!(cond("0 && (1/0)", &t), Ok(false));
        assert_eq!(cond("'ab' == 24930", &t), Ok(true));
        assert_eq!(cond("(0 ? 1u : -1) > 0", &t), Ok(true));
        assert_eq!(cond("/* c */ X // d", &t), Ok(true));
        assert_eq!(cond("1 / 0", &t), Err(CppError::DivideByZero));
        assert!(matches!(
            cond("0x7fffffffffffffff + 1", &t),
            Err(CppError::Unresolved(_))
        ));
        assert!(matches!(cond("1 << 64", &t), Err(CppError::Unresolved(_))));
        assert!(matches!(cond("", &t), Err(CppError::Syntax(_))));
        assert!(matches!(cond("EMPTY", &t), Err(CppError::Syntax(_))));
        assert!(matches!(
            cond("sizeof(int) == 4", &t),
            Err(CppError::Syntax(_))
        ));
        assert!(matches!(cond("(int)1", &t), Err(CppError::Syntax(_))));
        assert!(matches!(cond("defined", &t), Err(CppError::Syntax(_))));
        unresolved_naming(
            cond("__has_include(<linux/types.h>)", &t).map(Value::from_bool),
            "__has_include",
        );
        unresolved_naming(
            cond("__has_builtin(__builtin_expect)", &t).map(Value::from_bool),
            "__has_builtin",
        );
        unresolved_naming(cond("FOO(1)", &t).map(Value::from_bool), "FOO");
        unresolved_naming(cond("\"s\"", &t).map(Value::from_bool), "\"s\"");
    }

    #[test]
    fn preprocessor_mode_kinds() {
        let sem = TestSem::new(DataModel::Lp64);
        let p = |s: &str| eval(&tokenize(s).unwrap(), Mode::Preprocessor, &sem);
        assert_eq!(p("1"), v(1, Long));
        assert_eq!(p("1u"), v(1, ULong));
        assert_eq!(p("0xffffffff"), v(4294967295, Long));
        assert_eq!(p("-1U"), v(18446744073709551615, ULong));
        assert_eq!(p("FOO"), v(0, Long));
        let sem32 = TestSem::new(DataModel::Ilp32);
        assert_eq!(
            eval(&tokenize("1 ? 2 : 3u").unwrap(), Mode::Preprocessor, &sem32),
            v(2, ULongLong)
        );
        assert_eq!(
            eval(&tokenize("1L << 40").unwrap(), Mode::Preprocessor, &sem32),
            v(1 << 40, LongLong)
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // The evaluator uses explicit stacks, so nesting depth is only limited by memory.
        let src = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(c64(&src), v(1, Int));
        assert_eq!(c64(&format!("{}1", "- ".repeat(10_001))), v(-1, Int));
        assert_eq!(c64(&format!("{}1", "!".repeat(10_000))), v(1, Int));
        assert_eq!(c64(&format!("{}1", "(__u8)".repeat(10_000))), v(1, Int));
        let src = format!("{}1{}", "1 ? ".repeat(10_000), " : 0".repeat(10_000));
        assert_eq!(c64(&src), v(1, Int));
        let src = format!("{}0", "0 ? 1 : ".repeat(10_000));
        assert_eq!(c64(&src), v(0, Int));
        let src = vec!["1"; 100_000].join(" + ");
        assert_eq!(c64(&src), v(100_000, Int));
        let src = format!("{}1{}", "(".repeat(100_000), ")".repeat(99_999));
        assert!(matches!(c64(&src), Err(CppError::Syntax(_))));
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(c64("10 - 3 - 2"), v(5, Int));
        assert_eq!(c64("100 / 10 / 5"), v(2, Int));
        assert_eq!(c64("1 << 2 + 1"), v(8, Int));
        assert_eq!(c64("1 | 2 ^ 3 & 4"), v(3, Int));
        assert_eq!(c64("-2 * -3"), v(6, Int));
        assert_eq!(c64("~1 + 1"), v(-1, Int));
        assert_eq!(c64("!1 == 0"), v(1, Int));
        assert_eq!(c64("1 ? 2, 3 : 4"), v(3, Int));
        assert_eq!(c64("0 ? 1 : 2, 5"), v(5, Int));
        assert_eq!(c64("1 ? 0 ? 7 : 8 : 9"), v(8, Int));
        assert_eq!(c64("0 || 0 ? 1 : 2"), v(2, Int));
        assert_eq!(c64("1 ? 1 : 0 || 1 ? 5 : 6"), v(1, Int));
        assert_eq!(c64("(__u8)256 + 1"), v(1, Int));
        assert_eq!(c64("sizeof (int) + 1"), v(5, ULong));
        assert_eq!(c64("sizeof 1 + 1"), v(5, ULong));
        assert_eq!(c64("- sizeof(int)"), v(18446744073709551612, ULong));
        assert_eq!(c64("__extension__ 1"), v(1, Int));
        assert!(matches!(c64("1 : 2"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("(1 ? 2)"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1 ,"), Err(CppError::Syntax(_))));
        assert!(matches!(c64(", 1"), Err(CppError::Syntax(_))));
        assert!(matches!(c64("1 ~ 2"), Err(CppError::Syntax(_))));
    }

    #[test]
    fn builtin_types() {
        let ti = |s: &str, dm| builtin_type(&tokenize(s).unwrap(), dm);
        assert_eq!(
            ti("unsigned long", DataModel::Lp64).unwrap().scalar,
            Some((8, false))
        );
        assert_eq!(
            ti("long int", DataModel::Ilp32).unwrap().scalar,
            Some((4, true))
        );
        assert_eq!(ti("char", DataModel::Lp64).unwrap().scalar, Some((1, true)));
        assert_eq!(ti("unsigned short int", DataModel::Lp64).unwrap().size, 2);
        assert_eq!(ti("long long", DataModel::Ilp32).unwrap().align, 4);
        assert!(ti("const char *", DataModel::Lp64).unwrap().is_pointer);
        assert_eq!(ti("double", DataModel::Lp64).unwrap().scalar, None);
        assert!(ti("struct x", DataModel::Lp64).is_none());
        assert!(ti("long char", DataModel::Lp64).is_none());
        assert!(ti("unsigned signed", DataModel::Lp64).is_none());
        assert!(ti("1", DataModel::Lp64).is_none());
        let b = BasicSemantics(DataModel::Lp64);
        assert_eq!(
            eval(
                &tokenize("sizeof(long) + (unsigned char)257").unwrap(),
                Mode::Constant,
                &b
            ),
            v(9, ULong)
        );
    }

    #[test]
    fn value_helpers() {
        assert_eq!(
            Value::new(-1, UInt, DataModel::Lp64),
            Value {
                value: 4294967295,
                kind: UInt
            }
        );
        assert_eq!(Value::new(1 << 32, Long, DataModel::Ilp32).value, 0);
        assert_eq!(
            Value {
                value: -1,
                kind: Int
            }
            .as_u64_bits(),
            u64::MAX
        );
        assert_eq!(Long.bits(DataModel::Lp64), 64);
        assert_eq!(Long.bits(DataModel::Ilp32), 32);
        assert!(Int.is_signed() && !ULongLong.is_signed());
        assert_eq!(IntKind::size_t(DataModel::Ilp32), UInt);
        assert_eq!(Int.max_value(DataModel::Lp64), 2147483647);
        assert_eq!(ULong.max_value(DataModel::Ilp32), 4294967295);
    }
}
