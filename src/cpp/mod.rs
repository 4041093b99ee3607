//! The C preprocessor's macro layer: a tokenizer for macro bodies and `#if` conditions
//! ([`tokenize`]), a C99 macro expander with hide sets ([`expand()`]) and a C integer constant
//! expression evaluator ([`eval()`], [`eval_condition`], [`eval_text`]).
//!
//! Everything here works on untrusted input: no function panics, recursion is bounded by explicit
//! limits and expansion by token/byte budgets (see [`ExpandLimits`]); the expression evaluator uses
//! explicit stacks and does not recurse at all. No global state is kept, so all entry points can be
//! called concurrently from many threads.
//!
//! Behaviour follows gcc (gnu11/gnu17 modes, as the kernel is compiled) where C leaves a choice:
//! - expansion: `, ## __VA_ARGS__` drops the comma only when the variable arguments are absent
//!   (or empty for a macro without named parameters); `__VA_OPT__` tests the *expanded* variable
//!   arguments; `defined` produced by macro expansion in `#if` is evaluated; pasting that does not
//!   form one token is an error.
//! - evaluation: left shifts wrap into the sign bit (`1 << 31` is `INT_MIN`); out-of-range shift
//!   counts and signed overflow of `+ - * / % unary-` are `Unresolved`; plain `char` is signed unless
//!   [`Semantics::char_is_signed`] says otherwise; multi-character constants are computed like gcc.
//! - values of sub-`int` types (from casts to `__u8`, `_Bool`, ...) are reported with their promoted
//!   kind `Int` (the value is exact; `sizeof` still knows the narrow size).
//! - in `#if` every value is `intmax_t`/`uintmax_t`, reported as [`IntKind::intmax`].
//!
//! Values and types were cross-checked against gcc 12 (x86_64 and `-m32`) with randomly generated
//! expressions, and the expander against `gcc -E` with randomly generated macro tables.

mod eval;
mod expand;
mod lex;
mod literal;
mod macros;
mod reason;
mod types;

pub use eval::{eval, eval_condition, eval_text, expand_and_eval, Mode};
pub use expand::{expand, expand_with_limits, ExpandLimits, Expansion, Invocation};
pub use lex::{find_top_level, tokenize, tokens_to_string, Token, TokenKind};
pub use macros::{MacroDef, MacroTable};
pub use reason::{Cause, NotInteger, Reason, Tag};
#[cfg(any(test, fuzzing))]
pub use types::BasicSemantics;
pub use types::{DataModel, IntKind, NoTypes, Semantics, TypeInfo, Value};

/// Errors of the macro layer. `Unresolved` means "valid C, perhaps, but not something we can
/// compute exactly" (unknown identifiers, pointers, strings, signed overflow, ...); its reason names
/// the offending token, and its cause says what is missing or wrong ([`CppError::cause`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CppError {
    #[error("lexical error: {0}")]
    Lex(String),
    #[error("syntax error: {0}")]
    Syntax(Reason),
    #[error("unresolved: {0}")]
    Unresolved(Reason),
    #[error("division by zero")]
    DivideByZero,
    #[error("macro expansion or expression nesting too deep")]
    TooDeep,
    #[error("macro expansion too large")]
    TooLarge,
}

impl CppError {
    /// What is missing or wrong, for a caller to act on; `Cause::Other` for what only the message
    /// tells (a lexical error, a division by zero, a limit).
    pub fn cause(&self) -> &Cause {
        match self {
            CppError::Syntax(r) | CppError::Unresolved(r) => &r.cause,
            _ => &Cause::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display() {
        assert_eq!(
            CppError::Unresolved("unknown identifier `FOO`".into()).to_string(),
            "unresolved: unknown identifier `FOO`"
        );
        assert_eq!(CppError::DivideByZero.to_string(), "division by zero");
        assert_eq!(CppError::Lex("x".into()).to_string(), "lexical error: x");
        assert_eq!(CppError::Syntax("y".into()).to_string(), "syntax error: y");
        assert!(CppError::TooDeep.to_string().contains("too deep"));
        assert!(CppError::TooLarge.to_string().contains("too large"));
    }

    /// Small deterministic PRNG (xorshift) so the robustness test needs no dependencies.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
            v[self.below(v.len())]
        }
    }

    const FRAGMENTS: &[&str] = &[
        "A",
        "B",
        "C",
        "F",
        "G",
        "V",
        "x",
        "y",
        "__VA_ARGS__",
        "__VA_OPT__",
        "defined",
        "sizeof",
        "(",
        ")",
        "(",
        ")",
        ",",
        "#",
        "##",
        "+",
        "-",
        "*",
        "/",
        "%",
        "<<",
        ">>",
        "<",
        "==",
        "&&",
        "||",
        "?",
        ":",
        "!",
        "~",
        "&",
        "|",
        "^",
        "0",
        "1",
        "0x7fffffff",
        "1U",
        "2147483648",
        "'a'",
        "'\\xff'",
        "\"s\"",
        "1.5",
        "(int)",
        "(unsigned char)",
        "(struct s)",
        "__has_include",
        "true",
        "...",
        "=",
        "[",
        "]",
        "{",
        ";",
        "L'x'",
        "0b1",
        "08",
        "1ULL",
        "-1",
        "/*c*/",
        "\\\n",
    ];

    fn soup(rng: &mut Rng, max: usize) -> String {
        let n = rng.below(max + 1);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(rng.pick(FRAGMENTS));
            if rng.below(3) == 0 {
                s.push(' ');
            }
        }
        s
    }

    #[test]
    fn random_inputs_never_panic() {
        let sem = BasicSemantics(DataModel::Lp64);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let mut table = std::collections::HashMap::new();
            for name in ["A", "B", "C", "F", "G", "V"] {
                let body = soup(&mut rng, 8);
                let def = match rng.below(3) {
                    0 => MacroDef::object(name, &body),
                    1 => {
                        MacroDef::function(name, &["x".to_string(), "y".to_string()], false, &body)
                    }
                    _ => MacroDef::function(name, &["x".to_string()], true, &body),
                };
                if let Ok(def) = def {
                    table.insert(name.to_string(), def);
                }
            }
            let src = soup(&mut rng, 12);
            if let Ok(toks) = tokenize(&src) {
                let _ = tokens_to_string(&toks);
                if let Ok(e) = expand(&toks, &table, &["F", "A"]) {
                    let _ = eval(&e.tokens, Mode::Constant, &sem);
                    let _ = eval(&e.tokens, Mode::Preprocessor, &sem);
                }
                let _ = eval(&toks, Mode::Constant, &sem);
            }
            let _ = eval_condition(&src, &table, &sem);
            let _ = eval_text(&src, &table, &sem, &["G"]);
        }
        // Arbitrary bytes (as lossy UTF-8) through the tokenizer.
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..rng.below(24)).map(|_| rng.next() as u8).collect();
            let s = String::from_utf8_lossy(&bytes);
            if let Ok(t) = tokenize(&s) {
                let _ = eval(&t, Mode::Constant, &sem);
            }
        }
    }

    #[test]
    fn public_types_are_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Token>();
        check::<MacroDef>();
        check::<Expansion>();
        check::<Invocation>();
        check::<Value>();
        check::<TypeInfo>();
        check::<CppError>();
        check::<std::collections::HashMap<String, MacroDef>>();
    }
}
