use super::super::macros::MacroDef;
use super::super::types::{builtin_type, BasicSemantics};
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
    fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, Reason>> {
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
            assert!(
                m.to_string().contains(needle),
                "{m:?} should name {needle:?}"
            )
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
    let e = r.map(|x| x.0).expect_err("FOO_BAR is unknown");
    assert_eq!(e.cause(), &Cause::MissingMacro("FOO_BAR".into()));
    assert_eq!(e.to_string(), "unresolved: unknown identifier `FOO_BAR`");
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
