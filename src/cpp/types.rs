//! The C types the evaluator reasons about: data models, integer kinds with C's conversion rules,
//! typed values, what a type name means ([`TypeInfo`]) and the [`Semantics`] through which the
//! evaluator asks the program about identifiers and types.

use super::lex::Token;
use super::Reason;

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

pub(super) fn wrap_bits(v: i128, bits: u32, signed: bool) -> i128 {
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
    fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, Reason>>;
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
    fn offset_of(&self, _ty: &[Token], _member: &[Token]) -> Option<Result<u64, Reason>> {
        None
    }
}

/// Semantics knowing only the data model and the built-in C types (see [`builtin_type`]): no
/// enumerators, no typedefs, no records. For the tests and the fuzzers (`cargo fuzz` builds with
/// `--cfg fuzzing`); the tool always knows its program's types.
#[cfg(any(test, fuzzing))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicSemantics(pub DataModel);

#[cfg(any(test, fuzzing))]
impl Semantics for BasicSemantics {
    fn data_model(&self) -> DataModel {
        self.0
    }
    fn identifier(&self, _name: &str) -> Option<Value> {
        None
    }
    fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, Reason>> {
        builtin_type(tokens, self.0).map(Ok)
    }
}

/// Recognizes built-in C type names: combinations of `void char short int long signed unsigned
/// _Bool __int128 float double` (with `const`/`volatile`), optionally followed by `*`s (a pointer).
/// Alignments are the ABI (`_Alignof`) ones, e.g. 4 for `long long` on i386.
#[cfg(any(test, fuzzing))]
pub fn builtin_type(tokens: &[Token], dm: DataModel) -> Option<TypeInfo> {
    use super::lex::TokenKind;
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

/// Preprocessor-only semantics: `#if` needs neither types nor enumerators.
pub struct NoTypes(pub DataModel);

impl Semantics for NoTypes {
    fn data_model(&self) -> DataModel {
        self.0
    }
    fn identifier(&self, _name: &str) -> Option<Value> {
        None
    }
    fn type_name(&self, _tokens: &[Token]) -> Option<Result<TypeInfo, Reason>> {
        None
    }
}
