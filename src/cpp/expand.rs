//! C99 macro expansion (Prosser's hide-set algorithm, made iterative), with gcc's extensions that
//! kernel headers rely on (`, ## __VA_ARGS__`, named variadic parameters, `__VA_OPT__`).

use super::lex::{tokenize, Token, TokenKind};
use super::macros::{match_paren, MacroDef, MacroTable};
use super::CppError;
use std::borrow::Cow;
use std::rc::Rc;

mod args;
mod subst;
mod tokens;

use args::{build_args, collect_args, param_uses, Args};
use tokens::{hs_contains, hs_inter, hs_len, hs_union, hs_with, plain, HideSet, PTok};

/// One recorded invocation of a watched macro.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub name: String,
    /// The arguments as they appeared in the invocation (split at every top-level comma, so each
    /// variable argument is its own entry); empty for object-like macros and for `F()` when `F` has no
    /// parameters.
    pub raw_args: Vec<Vec<Token>>,
    /// Each raw argument fully macro-expanded in isolation (as the C standard pre-expands arguments).
    pub expanded_args: Vec<Vec<Token>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub tokens: Vec<Token>,
    /// Invocations of watched macros, in the order the expander recognized them (an outer invocation
    /// comes before the invocations inside its arguments and before those produced by its rescan).
    pub invocations: Vec<Invocation>,
}

/// Resource limits of one expansion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpandLimits {
    /// Maximum macro nesting: both the size of a token's hide set (nested replacement contexts) and
    /// the recursion depth of argument pre-expansion. Exceeding it → `TooDeep`.
    pub max_depth: usize,
    /// Maximum number of tokens produced by macro replacement in total (including argument
    /// pre-expansion). Exceeding it → `TooLarge`.
    pub max_tokens: usize,
    /// Maximum number of bytes of text synthesized by `#` and `##`. Exceeding it → `TooLarge`.
    pub max_bytes: usize,
}

impl Default for ExpandLimits {
    fn default() -> Self {
        ExpandLimits {
            max_depth: 200,
            max_tokens: 1_000_000,
            max_bytes: 16 << 20,
        }
    }
}

struct Expander<'t, 'w> {
    table: &'t dyn MacroTable,
    watch: &'w [&'w str],
    limits: ExpandLimits,
    invocations: Vec<Invocation>,
    recording: bool,
    produced: usize,
    bytes: usize,
    depth: usize,
    /// Process the `defined` operator at the top level (for `#if`).
    defined_op: bool,
}

impl<'t, 'w> Expander<'t, 'w> {
    fn new(table: &'t dyn MacroTable, watch: &'w [&'w str], limits: ExpandLimits) -> Self {
        Expander {
            table,
            watch,
            limits,
            invocations: Vec::new(),
            recording: true,
            produced: 0,
            bytes: 0,
            depth: 0,
            defined_op: false,
        }
    }

    fn expand_seq(&mut self, input: Vec<PTok<'t>>, top: bool) -> Result<Vec<PTok<'t>>, CppError> {
        if self.depth >= self.limits.max_depth {
            return Err(CppError::TooDeep);
        }
        self.depth += 1;
        let r = self.expand_seq_inner(input, top);
        self.depth -= 1;
        r
    }

    fn expand_seq_inner(
        &mut self,
        mut input: Vec<PTok<'t>>,
        top: bool,
    ) -> Result<Vec<PTok<'t>>, CppError> {
        input.reverse();
        let mut stack = input;
        let mut out: Vec<PTok<'t>> = Vec::with_capacity(stack.len());
        while let Some(t) = stack.pop() {
            if t.tok.kind != TokenKind::Ident || t.placemarker {
                out.push(t);
                continue;
            }
            if top && self.defined_op && t.tok.text == "defined" {
                let is_def = self.defined_operand(&mut stack)?;
                let text = if is_def { "1" } else { "0" };
                out.push(PTok::owned(Token::new(TokenKind::Number, text, t.space)));
                continue;
            }
            let table = self.table;
            let Some(def) = table.get(&t.tok.text) else {
                out.push(t);
                continue;
            };
            let id = def as *const MacroDef as usize;
            if hs_contains(&t.hs, id) {
                out.push(t);
                continue;
            }
            match &def.params {
                None => {
                    let hs = hs_with(&t.hs, id);
                    if hs_len(&hs) > self.limits.max_depth {
                        return Err(CppError::TooDeep);
                    }
                    if self.recording && self.watched(&def.name, &t.tok.text) {
                        self.invocations.push(Invocation {
                            name: t.tok.text.clone(),
                            raw_args: Vec::new(),
                            expanded_args: Vec::new(),
                        });
                    }
                    let mut args = Args::none();
                    let repl = self.subst(def, &mut args, &hs, t.space)?;
                    stack.extend(repl.into_iter().rev());
                }
                Some(params) => {
                    if !stack.last().is_some_and(|n| n.is_punct("(")) {
                        out.push(t);
                        continue;
                    }
                    stack.pop();
                    let (split, commas, rparen_hs) = collect_args(&mut stack, &t.tok.text)?;
                    let hs = hs_with(&hs_inter(&t.hs, &rparen_hs), id);
                    if hs_len(&hs) > self.limits.max_depth {
                        return Err(CppError::TooDeep);
                    }
                    let watched = self.recording && self.watched(&def.name, &t.tok.text);
                    let record = if watched {
                        self.invocations.push(Invocation {
                            name: t.tok.text.clone(),
                            raw_args: if params.is_empty() && !def.variadic {
                                Vec::new()
                            } else {
                                split.iter().map(|a| plain(a)).collect()
                            },
                            expanded_args: Vec::new(),
                        });
                        Some((self.invocations.len() - 1, split.clone()))
                    } else {
                        None
                    };
                    let mut args = build_args(def, params.len(), &t.tok.text, split, &commas)?;
                    // Pre-expand the arguments that are substituted normally, in parameter order.
                    let (normal, raw_needed) = param_uses(def, args.raw.len());
                    args.raw_needed = raw_needed;
                    for (p, used) in normal.iter().enumerate() {
                        if *used {
                            self.ensure_expanded(&mut args, p)?;
                        }
                    }
                    if let Some((idx, split)) = record {
                        let expanded = self.record_expanded(def, params.len(), &split, &args)?;
                        if let Some(inv) = self.invocations.get_mut(idx) {
                            inv.expanded_args = expanded;
                        }
                    }
                    let repl = self.subst(def, &mut args, &hs, t.space)?;
                    stack.extend(repl.into_iter().rev());
                }
            }
        }
        Ok(out)
    }

    fn watched(&self, def_name: &str, name: &str) -> bool {
        self.watch.iter().any(|w| *w == name || *w == def_name)
    }

    /// The expanded arguments for a recorded invocation: reuse the pre-expansions, and expand the
    /// others with recording switched off (so nothing is recorded that the real expansion does not do).
    fn record_expanded(
        &mut self,
        def: &MacroDef,
        nparams: usize,
        split: &[Vec<PTok<'t>>],
        args: &Args<'t>,
    ) -> Result<Vec<Vec<Token>>, CppError> {
        if nparams == 0 && !def.variadic {
            return Ok(Vec::new());
        }
        let mut result = Vec::with_capacity(split.len());
        for (k, a) in split.iter().enumerate() {
            let cached = if k < nparams {
                args.expanded.get(k).and_then(|e| e.as_ref())
            } else if split.len() == nparams + 1 {
                args.expanded.get(nparams).and_then(|e| e.as_ref())
            } else {
                None
            };
            if let Some(e) = cached {
                result.push(plain(e));
                continue;
            }
            let prev = self.recording;
            self.recording = false;
            let r = self.expand_seq(a.clone(), false);
            self.recording = prev;
            match r {
                Ok(e) => result.push(plain(&e)),
                Err(e @ (CppError::TooDeep | CppError::TooLarge)) => return Err(e),
                Err(_) => result.push(plain(a)),
            }
        }
        Ok(result)
    }

    fn ensure_expanded(&mut self, args: &mut Args<'t>, p: usize) -> Result<(), CppError> {
        if args.expanded.get(p).is_some_and(|e| e.is_none()) {
            let raw = if args.raw_needed.get(p).copied().unwrap_or(true) {
                args.raw.get(p).cloned().unwrap_or_default()
            } else {
                args.raw.get_mut(p).map(std::mem::take).unwrap_or_default()
            };
            let e = self.expand_seq(raw, false)?;
            if let Some(slot) = args.expanded.get_mut(p) {
                *slot = Some(e);
            }
        }
        Ok(())
    }

    /// Reads the operand of `defined` (`X` or `( X )`) without expanding it.
    fn defined_operand(&mut self, stack: &mut Vec<PTok<'t>>) -> Result<bool, CppError> {
        let err = || CppError::Syntax("operator \"defined\" requires an identifier".into());
        let t = stack.pop().ok_or_else(err)?;
        let name = if t.is_punct("(") {
            let id = stack.pop().ok_or_else(err)?;
            if id.tok.kind != TokenKind::Ident {
                return Err(err());
            }
            match stack.pop() {
                Some(c) if c.is_punct(")") => {}
                _ => return Err(CppError::Syntax("missing ')' after \"defined\"".into())),
            }
            id.tok.text.clone()
        } else if t.tok.kind == TokenKind::Ident {
            t.tok.text.clone()
        } else {
            return Err(err());
        };
        Ok(self.table.get(&name).is_some())
    }

    fn charge_tokens(&mut self, n: usize) -> Result<(), CppError> {
        self.produced = self.produced.saturating_add(n);
        if self.produced > self.limits.max_tokens {
            return Err(CppError::TooLarge);
        }
        Ok(())
    }

    fn charge_bytes(&mut self, n: usize) -> Result<(), CppError> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.max_bytes {
            return Err(CppError::TooLarge);
        }
        Ok(())
    }
}

/// Full C99 macro expansion of `input` with the default [`ExpandLimits`]; see [`expand_with_limits`].
pub fn expand(
    input: &[Token],
    table: &dyn MacroTable,
    watch: &[&str],
) -> Result<Expansion, CppError> {
    expand_with_limits(input, table, watch, ExpandLimits::default())
}

/// Full C99 macro expansion with rescanning and hide sets (a macro is not re-expanded inside its own
/// expansion; mutually recursive macros terminate), argument pre-expansion, `#` stringify, `##`
/// paste (with placemarkers), `__VA_ARGS__`, GNU `, ## __VA_ARGS__`, `__VA_OPT__`. A function-like
/// macro name not followed by `(` is left alone. Every invocation of a macro whose name is in `watch`
/// is recorded with its raw and fully-expanded arguments.
pub fn expand_with_limits(
    input: &[Token],
    table: &dyn MacroTable,
    watch: &[&str],
    limits: ExpandLimits,
) -> Result<Expansion, CppError> {
    let mut ex = Expander::new(table, watch, limits);
    run(&mut ex, input)
}

/// Expansion for `#if`: the `defined` operator is evaluated (against `table`, operand unexpanded) both
/// where it appears in `input` and where it is produced by macro expansion, as gcc does.
pub(crate) fn expand_for_condition(
    input: &[Token],
    table: &dyn MacroTable,
) -> Result<Expansion, CppError> {
    let mut ex = Expander::new(table, &[], ExpandLimits::default());
    ex.defined_op = true;
    run(&mut ex, input)
}

fn run<'t>(ex: &mut Expander<'t, '_>, input: &'t [Token]) -> Result<Expansion, CppError> {
    let toks: Vec<PTok<'t>> = input.iter().map(PTok::borrowed).collect();
    let out = ex.expand_seq(toks, true)?;
    Ok(Expansion {
        tokens: out.into_iter().map(PTok::into_token).collect(),
        invocations: std::mem::take(&mut ex.invocations),
    })
}

#[cfg(test)]
mod tests;
