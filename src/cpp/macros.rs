//! Macro definitions and the lookup table trait.

use super::lex::{tokenize, Token, TokenKind};
use super::CppError;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroDef {
    pub name: String,
    /// `None` for object-like macros; the named parameters (without `...`) for function-like ones.
    pub params: Option<Vec<String>>,
    /// The parameter list ended with `...`; the variable arguments are `__VA_ARGS__` in `body`.
    pub variadic: bool,
    pub body: Vec<Token>,
}

fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80 => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80)
}

impl MacroDef {
    /// An object-like macro `#define name body_src`.
    pub fn object(name: &str, body_src: &str) -> Result<MacroDef, CppError> {
        let body = tokenize(body_src)?;
        let def = MacroDef {
            name: name.to_string(),
            params: None,
            variadic: false,
            body,
        };
        def.validate()?;
        Ok(def)
    }

    /// A function-like macro `#define name(params) body_src`.
    ///
    /// `params` are the parameter names as written, without a trailing `...` entry; `variadic` is true
    /// if the list ended with `...` (the body then uses `__VA_ARGS__`). A literal `"..."` as the last
    /// entry is also accepted (and implies `variadic`). A GNU named variadic parameter is passed as its
    /// last entry with the dots attached, `"args..."` (or `"args ..."`): it implies `variadic`, and the
    /// body's uses of `args` are stored as `__VA_ARGS__` (which behaves identically).
    pub fn function(
        name: &str,
        params: &[String],
        variadic: bool,
        body_src: &str,
    ) -> Result<MacroDef, CppError> {
        let mut variadic = variadic;
        let mut named: Vec<String> = Vec::with_capacity(params.len());
        let mut named_va: Option<String> = None;
        for (i, p) in params.iter().enumerate() {
            let p = p.trim();
            let last = i + 1 == params.len();
            if let Some(stem) = p.strip_suffix("...") {
                if !last {
                    return Err(CppError::Syntax(
                        format!("`...` must end the parameter list of macro `{name}`").into(),
                    ));
                }
                variadic = true;
                let stem = stem.trim();
                if !stem.is_empty() {
                    if !is_identifier(stem) || stem == "__VA_ARGS__" {
                        return Err(CppError::Syntax(
                            format!("invalid variadic parameter `{p}` of macro `{name}`").into(),
                        ));
                    }
                    named_va = Some(stem.to_string());
                }
                continue;
            }
            if !is_identifier(p) {
                return Err(CppError::Syntax(
                    format!("invalid parameter `{p}` of macro `{name}`").into(),
                ));
            }
            if p == "__VA_ARGS__" {
                return Err(CppError::Syntax(
                    format!("`__VA_ARGS__` can not be a parameter name (macro `{name}`)").into(),
                ));
            }
            if named.iter().any(|q| q == p) {
                return Err(CppError::Syntax(
                    format!("duplicate macro parameter `{p}` (macro `{name}`)").into(),
                ));
            }
            named.push(p.to_string());
        }
        let mut body = tokenize(body_src)?;
        if let Some(va) = named_va {
            if named.contains(&va) {
                return Err(CppError::Syntax(
                    format!("duplicate macro parameter `{va}` (macro `{name}`)").into(),
                ));
            }
            for t in body.iter_mut() {
                if t.kind == TokenKind::Ident && t.text == va {
                    t.text = "__VA_ARGS__".to_string();
                }
            }
        }
        let def = MacroDef {
            name: name.to_string(),
            params: Some(named),
            variadic,
            body,
        };
        def.validate()?;
        Ok(def)
    }

    pub fn is_function_like(&self) -> bool {
        self.params.is_some()
    }

    /// Index of the parameter slot named `name`: named parameters first, then `__VA_ARGS__` (only in a
    /// variadic macro) as the slot after the last named one.
    pub(crate) fn param_index(&self, name: &str) -> Option<usize> {
        let params = self.params.as_ref()?;
        if let Some(i) = params.iter().position(|p| p == name) {
            return Some(i);
        }
        if self.variadic && name == "__VA_ARGS__" {
            return Some(params.len());
        }
        None
    }

    pub(crate) fn param_slot_of(&self, tok: &Token) -> Option<usize> {
        if tok.kind == TokenKind::Ident {
            self.param_index(&tok.text)
        } else {
            None
        }
    }

    /// Checks the constraints gcc enforces at `#define` time that the expander relies on.
    fn validate(&self) -> Result<(), CppError> {
        let body = &self.body;
        let name = &self.name;
        if body.first().is_some_and(|t| t.is_hashhash())
            || body.last().is_some_and(|t| t.is_hashhash())
        {
            return Err(CppError::Syntax(
                format!("'##' cannot appear at either end of a macro expansion (macro `{name}`)")
                    .into(),
            ));
        }
        if self.params.is_none() {
            return Ok(());
        }
        let mut i = 0;
        let mut vaopt_close: Option<usize> = None;
        while i < body.len() {
            let t = &body[i];
            if Some(i) == vaopt_close {
                vaopt_close = None;
            } else if t.is_hash() {
                if body
                    .get(i + 1)
                    .and_then(|n| self.param_slot_of(n))
                    .is_none()
                {
                    return Err(CppError::Syntax(
                        format!("'#' is not followed by a macro parameter (macro `{name}`)").into(),
                    ));
                }
            } else if self.variadic && t.is_ident("__VA_OPT__") {
                if vaopt_close.is_some() {
                    return Err(CppError::Syntax(
                        format!(
                        "`__VA_OPT__` may not appear in a `__VA_OPT__` operand (macro `{name}`)"
                    )
                        .into(),
                    ));
                }
                let close = match_paren(body, i + 1).ok_or_else(|| {
                    CppError::Syntax(
                        format!(
                        "`__VA_OPT__` must be followed by a parenthesized operand (macro `{name}`)"
                    )
                        .into(),
                    )
                })?;
                if body.get(i + 2).is_some_and(|t| t.is_hashhash())
                    || (close > i + 2 && body.get(close - 1).is_some_and(|t| t.is_hashhash()))
                {
                    return Err(CppError::Syntax(
                        format!(
                            "'##' cannot appear at either end of `__VA_OPT__` (macro `{name}`)"
                        )
                        .into(),
                    ));
                }
                vaopt_close = Some(close);
                i += 2;
                continue;
            }
            i += 1;
        }
        Ok(())
    }
}

/// If `toks[open]` is `(`, the index of its matching `)`.
pub(crate) fn match_paren(toks: &[Token], open: usize) -> Option<usize> {
    if !toks.get(open)?.is_punct("(") {
        return None;
    }
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// Macro lookup used by the expander.
pub trait MacroTable {
    fn get(&self, name: &str) -> Option<&MacroDef>;
}

impl<S: BuildHasher> MacroTable for HashMap<String, MacroDef, S> {
    fn get(&self, name: &str) -> Option<&MacroDef> {
        HashMap::get(self, name)
    }
}

impl MacroTable for BTreeMap<String, MacroDef> {
    fn get(&self, name: &str) -> Option<&MacroDef> {
        BTreeMap::get(self, name)
    }
}

impl<T: MacroTable + ?Sized> MacroTable for &T {
    fn get(&self, name: &str) -> Option<&MacroDef> {
        (**self).get(name)
    }
}

/// A table with no macros.
impl MacroTable for () {
    fn get(&self, _name: &str) -> Option<&MacroDef> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn object_and_function() {
        let d = MacroDef::object("X", "1 + 2").unwrap();
        assert_eq!(d.params, None);
        assert_eq!(d.body.len(), 3);
        let d = MacroDef::function("F", &s(&["a", "b"]), false, "a ## b").unwrap();
        assert_eq!(d.params, Some(s(&["a", "b"])));
        assert!(!d.variadic);
        assert_eq!(d.param_index("b"), Some(1));
        assert_eq!(d.param_index("__VA_ARGS__"), None);
        // Object-like: `#` is an ordinary token.
        assert!(MacroDef::object("H", "# x").is_ok());
    }

    #[test]
    fn variadic_forms() {
        let d = MacroDef::function("F", &s(&["fmt"]), true, "f(fmt, __VA_ARGS__)").unwrap();
        assert!(d.variadic);
        assert_eq!(d.param_index("__VA_ARGS__"), Some(1));
        let d = MacroDef::function("F", &s(&["fmt", "..."]), false, "f(fmt, __VA_ARGS__)").unwrap();
        assert!(d.variadic);
        assert_eq!(d.params, Some(s(&["fmt"])));
        // GNU named variadic.
        let d =
            MacroDef::function("F", &s(&["fmt", "args..."]), false, "f(fmt , ## args)").unwrap();
        assert!(d.variadic);
        assert_eq!(d.params, Some(s(&["fmt"])));
        assert_eq!(d.body[d.body.len() - 2].text, "__VA_ARGS__");
        let d = MacroDef::function("F", &s(&["args ..."]), true, "#args").unwrap();
        assert_eq!(d.params, Some(vec![]));
        assert_eq!(d.body[1].text, "__VA_ARGS__");
    }

    #[test]
    fn invalid_definitions() {
        let syn = |r: Result<MacroDef, CppError>| matches!(r, Err(CppError::Syntax(_)));
        assert!(syn(MacroDef::object("X", "## a")));
        assert!(syn(MacroDef::object("X", "a ##")));
        assert!(syn(MacroDef::function("F", &s(&["a"]), false, "#b")));
        assert!(syn(MacroDef::function("F", &s(&["a"]), false, "a #")));
        assert!(syn(MacroDef::function("F", &s(&["a", "a"]), false, "a")));
        assert!(syn(MacroDef::function("F", &s(&["1a"]), false, "a")));
        assert!(syn(MacroDef::function(
            "F",
            &s(&["__VA_ARGS__"]),
            false,
            "a"
        )));
        assert!(syn(MacroDef::function("F", &s(&["a...", "b"]), false, "a")));
        assert!(syn(MacroDef::function("F", &s(&[]), true, "__VA_OPT__ x")));
        assert!(syn(MacroDef::function(
            "F",
            &s(&[]),
            true,
            "__VA_OPT__(## x)"
        )));
        assert!(syn(MacroDef::function(
            "F",
            &s(&[]),
            true,
            "__VA_OPT__(__VA_OPT__(x))"
        )));
        assert!(matches!(MacroDef::object("X", "'a"), Err(CppError::Lex(_))));
        assert!(MacroDef::function("F", &s(&[]), true, "#__VA_ARGS__").is_ok());
    }

    #[test]
    fn tables() {
        let mut h: HashMap<String, MacroDef> = HashMap::new();
        h.insert("X".into(), MacroDef::object("X", "1").unwrap());
        assert!(MacroTable::get(&h, "X").is_some());
        assert!(MacroTable::get(&h, "Y").is_none());
        let r = &h;
        assert!(MacroTable::get(&r, "X").is_some());
        let b: BTreeMap<String, MacroDef> = h.clone().into_iter().collect();
        assert!(MacroTable::get(&b, "X").is_some());
        assert!(MacroTable::get(&(), "X").is_none());
    }
}
