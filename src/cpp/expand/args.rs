//! The arguments of a function-like invocation: collected up to the closing parenthesis, split at
//! top-level commas, mapped to the parameter slots (variadic and GNU comma elision included).

use super::*;

/// Arguments of one function-like invocation, by parameter slot (named parameters, then the
/// variable arguments for a variadic macro).
pub(super) struct Args<'a> {
    pub(super) raw: Vec<Vec<PTok<'a>>>,
    pub(super) expanded: Vec<Option<Vec<PTok<'a>>>>,
    /// The raw tokens of the slot are still needed after pre-expansion (`#`, `##`, `__VA_OPT__`);
    /// otherwise pre-expansion consumes them instead of copying.
    pub(super) raw_needed: Vec<bool>,
    /// The invocation had no variable arguments at all (GNU comma elision applies).
    pub(super) va_absent: bool,
}

impl<'a> Args<'a> {
    pub(super) fn none() -> Args<'a> {
        Args {
            raw: Vec::new(),
            expanded: Vec::new(),
            raw_needed: Vec::new(),
            va_absent: true,
        }
    }
}

/// For each parameter slot: whether its argument is substituted normally (so it must be
/// pre-expanded), and whether its raw tokens are used (`#`, `##`, `__VA_OPT__`).
pub(super) fn param_uses(def: &MacroDef, nslots: usize) -> (Vec<bool>, Vec<bool>) {
    let mut normal = vec![false; nslots];
    let mut raw = vec![false; nslots];
    let body = &def.body;
    for (i, t) in body.iter().enumerate() {
        if def.variadic && t.is_ident("__VA_OPT__") {
            if let Some(r) = raw.last_mut() {
                *r = true;
            }
            continue;
        }
        let Some(p) = def.param_slot_of(t) else {
            continue;
        };
        let prev = if i > 0 { body.get(i - 1) } else { None };
        let raw_use = prev.is_some_and(|x| x.is_hash() || x.is_hashhash())
            || body.get(i + 1).is_some_and(|x| x.is_hashhash());
        let slot = if raw_use {
            raw.get_mut(p)
        } else {
            normal.get_mut(p)
        };
        if let Some(u) = slot {
            *u = true;
        }
    }
    (normal, raw)
}

pub(super) type Collected<'a> = (Vec<Vec<PTok<'a>>>, Vec<PTok<'a>>, HideSet);

/// Collects the arguments after the `(` of an invocation, split at top-level commas; returns the
/// arguments, the separating commas, and the hide set of the closing `)`.
pub(super) fn collect_args<'a>(
    stack: &mut Vec<PTok<'a>>,
    name: &str,
) -> Result<Collected<'a>, CppError> {
    let mut args: Vec<Vec<PTok<'a>>> = vec![Vec::new()];
    let mut commas = Vec::new();
    let mut depth = 0usize;
    loop {
        let Some(t) = stack.pop() else {
            return Err(CppError::Syntax(
                format!("unterminated argument list invoking macro `{name}`").into(),
            ));
        };
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            if depth == 0 {
                return Ok((args, commas, t.hs));
            }
            depth -= 1;
        } else if depth == 0 && t.is_punct(",") {
            commas.push(t);
            args.push(Vec::new());
            continue;
        }
        if let Some(last) = args.last_mut() {
            last.push(t);
        }
    }
}

/// Maps the split arguments to parameter slots, checking the argument count.
pub(super) fn build_args<'a>(
    def: &MacroDef,
    n: usize,
    name: &str,
    split: Vec<Vec<PTok<'a>>>,
    commas: &[PTok<'a>],
) -> Result<Args<'a>, CppError> {
    let given = split.len();
    let mut raw: Vec<Vec<PTok<'a>>>;
    let mut va_absent = true;
    if !def.variadic {
        if n == 0 {
            if given != 1 || split.first().is_some_and(|a| !a.is_empty()) {
                return Err(CppError::Syntax(
                    format!("macro `{name}` passed {given} arguments, but takes just 0").into(),
                ));
            }
            raw = Vec::new();
        } else if given != n {
            return Err(CppError::Syntax(
                format!("macro `{name}` passed {given} arguments, but takes {n}").into(),
            ));
        } else {
            raw = split;
        }
    } else {
        if given < n {
            return Err(CppError::Syntax(
                format!("macro `{name}` requires at least {n} arguments, but only {given} given")
                    .into(),
            ));
        }
        let mut split = split;
        let rest = split.split_off(n);
        raw = split;
        let mut va: Vec<PTok<'a>> = Vec::new();
        for (k, a) in rest.into_iter().enumerate() {
            if k > 0 {
                if let Some(c) = commas.get(n + k - 1) {
                    va.push(c.clone());
                }
            }
            va.extend(a);
        }
        // gcc (gnu modes) elides `, ## __VA_ARGS__` when the variable arguments are absent, and for a
        // macro without named parameters also when they are empty.
        va_absent = given == n || (n == 0 && va.is_empty());
        raw.push(va);
    }
    let expanded = vec![None; raw.len()];
    let raw_needed = vec![true; raw.len()];
    Ok(Args {
        raw,
        expanded,
        raw_needed,
        va_absent,
    })
}
