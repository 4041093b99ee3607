//! C99 macro expansion (Prosser's hide-set algorithm, made iterative), with gcc's extensions that
//! kernel headers rely on (`, ## __VA_ARGS__`, named variadic parameters, `__VA_OPT__`).

use super::lex::{tokenize, Token, TokenKind};
use super::macros::{match_paren, MacroDef, MacroTable};
use super::CppError;
use std::borrow::Cow;
use std::rc::Rc;

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

/// Sorted set of macro identities (addresses of the `MacroDef`s); `None` is the empty set.
type HideSet = Option<Rc<[usize]>>;

fn hs_contains(hs: &HideSet, id: usize) -> bool {
    hs.as_ref().is_some_and(|h| h.binary_search(&id).is_ok())
}

fn hs_len(hs: &HideSet) -> usize {
    hs.as_ref().map_or(0, |h| h.len())
}

fn hs_with(hs: &HideSet, id: usize) -> HideSet {
    match hs {
        None => Some(Rc::from(vec![id])),
        Some(h) => match h.binary_search(&id) {
            Ok(_) => Some(h.clone()),
            Err(pos) => {
                let mut v = Vec::with_capacity(h.len() + 1);
                v.extend_from_slice(&h[..pos]);
                v.push(id);
                v.extend_from_slice(&h[pos..]);
                Some(Rc::from(v))
            }
        },
    }
}

fn hs_union(a: &HideSet, b: &HideSet) -> HideSet {
    match (a, b) {
        (None, x) | (x, None) => x.clone(),
        (Some(x), Some(y)) => {
            if Rc::ptr_eq(x, y) {
                return a.clone();
            }
            let mut v = Vec::with_capacity(x.len() + y.len());
            let (mut i, mut j) = (0, 0);
            while i < x.len() && j < y.len() {
                match x[i].cmp(&y[j]) {
                    std::cmp::Ordering::Less => {
                        v.push(x[i]);
                        i += 1;
                    }
                    std::cmp::Ordering::Greater => {
                        v.push(y[j]);
                        j += 1;
                    }
                    std::cmp::Ordering::Equal => {
                        v.push(x[i]);
                        i += 1;
                        j += 1;
                    }
                }
            }
            v.extend_from_slice(&x[i..]);
            v.extend_from_slice(&y[j..]);
            Some(Rc::from(v))
        }
    }
}

fn hs_inter(a: &HideSet, b: &HideSet) -> HideSet {
    match (a, b) {
        (Some(x), Some(y)) => {
            if Rc::ptr_eq(x, y) {
                return a.clone();
            }
            let v: Vec<usize> = x
                .iter()
                .copied()
                .filter(|id| y.binary_search(id).is_ok())
                .collect();
            if v.is_empty() {
                None
            } else {
                Some(Rc::from(v))
            }
        }
        _ => None,
    }
}

/// A token during expansion: the token (borrowed from the input or a definition where possible,
/// to avoid copying), its effective `space_before`, its hide set, and whether it is a placemarker.
#[derive(Clone, Debug)]
struct PTok<'a> {
    tok: Cow<'a, Token>,
    space: bool,
    hs: HideSet,
    placemarker: bool,
}

impl<'a> PTok<'a> {
    fn borrowed(tok: &'a Token) -> PTok<'a> {
        PTok {
            space: tok.space_before,
            tok: Cow::Borrowed(tok),
            hs: None,
            placemarker: false,
        }
    }

    fn owned(tok: Token) -> PTok<'a> {
        PTok {
            space: tok.space_before,
            tok: Cow::Owned(tok),
            hs: None,
            placemarker: false,
        }
    }

    fn placemarker() -> PTok<'a> {
        PTok {
            tok: Cow::Owned(Token::new(TokenKind::Punct, String::new(), false)),
            space: false,
            hs: None,
            placemarker: true,
        }
    }

    fn is_punct(&self, p: &str) -> bool {
        !self.placemarker && self.tok.is_punct(p)
    }

    fn to_token(&self) -> Token {
        Token {
            kind: self.tok.kind,
            text: self.tok.text.clone(),
            space_before: self.space,
        }
    }

    fn into_token(self) -> Token {
        let mut t = self.tok.into_owned();
        t.space_before = self.space;
        t
    }
}

/// Arguments of one function-like invocation, by parameter slot (named parameters, then the
/// variable arguments for a variadic macro).
struct Args<'a> {
    raw: Vec<Vec<PTok<'a>>>,
    expanded: Vec<Option<Vec<PTok<'a>>>>,
    /// The raw tokens of the slot are still needed after pre-expansion (`#`, `##`, `__VA_OPT__`);
    /// otherwise pre-expansion consumes them instead of copying.
    raw_needed: Vec<bool>,
    /// The invocation had no variable arguments at all (GNU comma elision applies).
    va_absent: bool,
}

impl<'a> Args<'a> {
    fn none() -> Args<'a> {
        Args {
            raw: Vec::new(),
            expanded: Vec::new(),
            raw_needed: Vec::new(),
            va_absent: true,
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

fn plain(v: &[PTok<'_>]) -> Vec<Token> {
    v.iter().map(PTok::to_token).collect()
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

    fn stringify(&mut self, raw: &[PTok<'t>], space_before: bool) -> Result<PTok<'t>, CppError> {
        let mut s = String::from("\"");
        for (k, t) in raw.iter().enumerate() {
            if k > 0 && t.space {
                s.push(' ');
            }
            if matches!(t.tok.kind, TokenKind::Str | TokenKind::Char) {
                for c in t.tok.text.chars() {
                    if c == '"' || c == '\\' {
                        s.push('\\');
                    }
                    s.push(c);
                }
            } else {
                s.push_str(&t.tok.text);
            }
        }
        s.push('"');
        self.charge_bytes(s.len())?;
        Ok(PTok::owned(Token::new(TokenKind::Str, s, space_before)))
    }

    fn paste(&mut self, lhs: PTok<'t>, rhs: PTok<'t>) -> Result<PTok<'t>, CppError> {
        if lhs.placemarker {
            return Ok(rhs);
        }
        if rhs.placemarker {
            return Ok(lhs);
        }
        let text = format!("{}{}", lhs.tok.text, rhs.tok.text);
        self.charge_bytes(text.len())?;
        let invalid = || {
            CppError::Syntax(
                format!(
                    "pasting `{}` and `{}` does not give a valid preprocessing token",
                    lhs.tok.text, rhs.tok.text
                )
                .into(),
            )
        };
        let mut toks = match tokenize(&text) {
            Ok(t) => t,
            Err(_) => return Err(invalid()),
        };
        if toks.len() != 1 || toks[0].space_before || toks[0].text.len() != text.len() {
            return Err(invalid());
        }
        let kind = toks.pop().map_or(TokenKind::Punct, |t| t.kind);
        Ok(PTok {
            tok: Cow::Owned(Token::new(kind, text, lhs.space)),
            space: lhs.space,
            hs: hs_inter(&lhs.hs, &rhs.hs),
            placemarker: false,
        })
    }

    fn emit(
        &mut self,
        out: &mut Vec<PTok<'t>>,
        t: PTok<'t>,
        pending: &mut bool,
    ) -> Result<(), CppError> {
        if *pending {
            *pending = false;
            match out.pop() {
                Some(lhs) => {
                    let r = self.paste(lhs, t)?;
                    out.push(r);
                }
                None => out.push(t),
            }
        } else {
            out.push(t);
        }
        Ok(())
    }

    /// `__VA_OPT__` condition: the variable arguments are non-empty after expansion (as gcc 12).
    fn va_nonempty(&mut self, def: &MacroDef, args: &mut Args<'t>) -> Result<bool, CppError> {
        let Some(p) = def.param_index("__VA_ARGS__") else {
            return Ok(false);
        };
        if args.raw.get(p).is_none_or(|r| r.is_empty()) {
            return Ok(false);
        }
        if args.expanded.get(p).is_some_and(|e| e.is_none()) {
            let prev = self.recording;
            self.recording = false;
            let raw = args.raw.get(p).cloned().unwrap_or_default();
            let r = self.expand_seq(raw, false);
            self.recording = prev;
            let e = r?;
            let nonempty = !e.is_empty();
            if let Some(slot) = args.expanded.get_mut(p) {
                *slot = Some(e);
            }
            return Ok(nonempty);
        }
        Ok(args
            .expanded
            .get(p)
            .is_some_and(|e| e.as_ref().is_some_and(|e| !e.is_empty())))
    }

    /// Substitutes arguments into the replacement list of `def` (handling `#`, `##`, placemarkers,
    /// GNU comma elision and `__VA_OPT__`), then adds `hs` to every resulting token's hide set.
    fn subst(
        &mut self,
        def: &'t MacroDef,
        args: &mut Args<'t>,
        hs: &HideSet,
        space_before: bool,
    ) -> Result<Vec<PTok<'t>>, CppError> {
        let body = &def.body;
        let function_like = def.params.is_some();
        let mut out: Vec<PTok<'t>> = Vec::with_capacity(body.len());
        let mut pending = false;
        let mut vaopt_close: Option<usize> = None;
        let mut i = 0;
        while i < body.len() {
            let t = &body[i];
            if Some(i) == vaopt_close {
                vaopt_close = None;
                if pending {
                    self.emit(&mut out, PTok::placemarker(), &mut pending)?;
                }
                i += 1;
                continue;
            }
            if function_like && t.is_hash() {
                if let Some(p) = body.get(i + 1).and_then(|n| def.param_slot_of(n)) {
                    let raw = args.raw.get(p).map(|v| v.as_slice()).unwrap_or(&[]);
                    let s = self.stringify(raw, t.space_before)?;
                    self.emit(&mut out, s, &mut pending)?;
                    i += 2;
                    continue;
                }
            }
            if t.is_hashhash() && i > 0 && i + 1 < body.len() {
                // GNU: `, ## __VA_ARGS__` drops the comma when there are no variable arguments, and
                // otherwise inserts them unexpanded after the comma.
                let next_is_va = def.variadic
                    && body[i + 1].is_ident("__VA_ARGS__")
                    && def.param_index("__VA_ARGS__").is_some();
                if next_is_va
                    && !pending
                    && body[i - 1].is_punct(",")
                    && out.last().is_some_and(|l| l.is_punct(","))
                {
                    let p = def.param_index("__VA_ARGS__").unwrap_or(0);
                    if args.va_absent {
                        out.pop();
                    } else if let Some(raw) = args.raw.get(p) {
                        out.extend(raw.iter().cloned());
                    }
                    i += 2;
                    continue;
                }
                pending = true;
                i += 1;
                continue;
            }
            if t.kind == TokenKind::Ident {
                if let Some(p) = def.param_index(&t.text) {
                    let next_paste = body.get(i + 1).is_some_and(|n| n.is_hashhash());
                    if pending || next_paste {
                        let raw = args.raw.get(p).cloned().unwrap_or_default();
                        if raw.is_empty() {
                            self.emit(&mut out, PTok::placemarker(), &mut pending)?;
                        } else {
                            for (k, mut rt) in raw.into_iter().enumerate() {
                                if k == 0 {
                                    rt.space = t.space_before;
                                }
                                self.emit(&mut out, rt, &mut pending)?;
                            }
                        }
                    } else {
                        self.ensure_expanded(args, p)?;
                        if let Some(Some(e)) = args.expanded.get(p) {
                            let start = out.len();
                            out.extend(e.iter().cloned());
                            if let Some(f) = out.get_mut(start) {
                                f.space = t.space_before;
                            }
                        }
                    }
                    i += 1;
                    continue;
                }
                if def.variadic && t.text == "__VA_OPT__" {
                    if let Some(close) = match_paren(body, i + 1) {
                        if self.va_nonempty(def, args)? {
                            if !pending {
                                out.push(PTok::placemarker());
                            }
                            vaopt_close = Some(close);
                            i += 2;
                        } else {
                            self.emit(&mut out, PTok::placemarker(), &mut pending)?;
                            i = close + 1;
                        }
                        continue;
                    }
                }
            }
            self.emit(&mut out, PTok::borrowed(t), &mut pending)?;
            i += 1;
        }
        out.retain(|t| !t.placemarker);
        if let Some(f) = out.first_mut() {
            f.space = space_before;
        }
        // Add `hs` to every token's hide set, sharing the result between tokens with the same set.
        let mut memo: Option<(Rc<[usize]>, HideSet)> = None;
        for t in out.iter_mut() {
            t.hs = match &t.hs {
                None => hs.clone(),
                Some(own) => match &memo {
                    Some((key, val)) if Rc::ptr_eq(key, own) => val.clone(),
                    _ => {
                        let u = hs_union(&t.hs, hs);
                        memo = Some((own.clone(), u.clone()));
                        u
                    }
                },
            };
        }
        self.charge_tokens(out.len())?;
        Ok(out)
    }
}

/// For each parameter slot: whether its argument is substituted normally (so it must be
/// pre-expanded), and whether its raw tokens are used (`#`, `##`, `__VA_OPT__`).
fn param_uses(def: &MacroDef, nslots: usize) -> (Vec<bool>, Vec<bool>) {
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

type Collected<'a> = (Vec<Vec<PTok<'a>>>, Vec<PTok<'a>>, HideSet);

/// Collects the arguments after the `(` of an invocation, split at top-level commas; returns the
/// arguments, the separating commas, and the hide set of the closing `)`.
fn collect_args<'a>(stack: &mut Vec<PTok<'a>>, name: &str) -> Result<Collected<'a>, CppError> {
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
fn build_args<'a>(
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
mod tests {
    use super::super::lex::tokens_to_string;
    use super::*;
    use std::collections::HashMap;

    type Table = HashMap<String, MacroDef>;

    /// Builds a table from `#define`-like lines: `NAME body` or `NAME(a,b) body`.
    fn table(defs: &[&str]) -> Table {
        let mut t = Table::new();
        for d in defs {
            let d = d.trim();
            let name_end = d
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(d.len());
            let name = &d[..name_end];
            let rest = &d[name_end..];
            let def = if let Some(r) = rest.strip_prefix('(') {
                let close = r.find(')').unwrap();
                let params: Vec<String> = r[..close]
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                MacroDef::function(name, &params, false, &r[close + 1..]).unwrap()
            } else {
                MacroDef::object(name, rest).unwrap()
            };
            t.insert(name.to_string(), def);
        }
        t
    }

    fn exp(t: &Table, src: &str) -> String {
        let e = expand(&tokenize(src).unwrap(), t, &[]).unwrap();
        tokens_to_string(&e.tokens)
    }

    fn exp_err(t: &Table, src: &str) -> CppError {
        expand(&tokenize(src).unwrap(), t, &[]).unwrap_err()
    }

    #[test]
    fn object_like_and_rescan() {
        let t = table(&["A B + 1", "B 2", "EMPTY"]);
        assert_eq!(exp(&t, "A * A"), "2 + 1 * 2 + 1");
        assert_eq!(exp(&t, "x EMPTY y"), "x y");
        assert_eq!(exp(&t, ""), "");
    }

    #[test]
    fn self_reference_expands_once() {
        let t = table(&["foo foo + 1"]);
        assert_eq!(exp(&t, "foo"), "foo + 1");
        let t = table(&["f(x) x + f(x)"]);
        assert_eq!(exp(&t, "f(1)"), "1 + f(1)");
        // The painted token stays unexpandable after being passed through another macro.
        let t = table(&["foo foo", "ID(x) x"]);
        assert_eq!(exp(&t, "ID(foo)"), "foo");
    }

    #[test]
    fn mutual_recursion_terminates() {
        let t = table(&["a b", "b a"]);
        assert_eq!(exp(&t, "a"), "a");
        assert_eq!(exp(&t, "b"), "b");
        let t = table(&["f(x) g(x)", "g(x) f(x)"]);
        assert_eq!(exp(&t, "f(1)"), "f(1)");
    }

    #[test]
    fn function_like_and_nested_parens() {
        let t = table(&["F(a,b) [a|b]", "G(x) x"]);
        assert_eq!(exp(&t, "F((1,2),(3))"), "[(1,2)|(3)]");
        assert_eq!(exp(&t, "F(G(1), G((2)))"), "[1|(2)]");
        assert_eq!(exp(&t, "F( , )"), "[|]");
        assert_eq!(exp(&t, "G()"), "");
    }

    #[test]
    fn function_like_without_parens_left_alone() {
        let t = table(&["F(x) <x>", "G F", "H(y) y"]);
        assert_eq!(exp(&t, "F + 1"), "F + 1");
        assert_eq!(exp(&t, "F"), "F");
        // The `(` may come after the name is produced by another macro.
        assert_eq!(exp(&t, "G(1)"), "<1>");
        // Argument pre-expansion is isolated; the call happens on rescan.
        assert_eq!(exp(&t, "H(F)(2)"), "<2>");
    }

    #[test]
    fn f_of_1_of_2_like_gcc() {
        let t = table(&["f(x) x f"]);
        assert_eq!(exp(&t, "f(1)(2)"), "1 f(2)");
    }

    #[test]
    fn stringify() {
        let t = table(&["A(x) #x", "XS(x) A(x)", "E", "N 42"]);
        assert_eq!(
            exp(&t, r#"A( a  +  "b\n" 'c' '"')"#),
            r#""a + \"b\\n\" 'c' '\"'""#
        );
        assert_eq!(exp(&t, "A(N)"), "\"N\"");
        assert_eq!(exp(&t, "XS(N)"), "\"42\"");
        assert_eq!(exp(&t, "A()"), "\"\"");
        assert_eq!(exp(&t, "XS(E)"), "\"\"");
        let e = expand(&tokenize("A(x)").unwrap(), &t, &[]).unwrap();
        assert_eq!(e.tokens[0].kind, TokenKind::Str);
    }

    #[test]
    fn paste() {
        let t = table(&[
            "CAT(a,b) a##b",
            "FOO_BAR 7",
            "P(a,b) a ## b",
            "OBJ x ## y",
            "ARROW - ## >",
            "XCAT(a,b) CAT(a,b)",
            "N 3",
        ]);
        assert_eq!(exp(&t, "CAT(FOO_,BAR)"), "7");
        assert_eq!(exp(&t, "CAT(,)"), "");
        assert_eq!(exp(&t, "CAT(a,)"), "a");
        assert_eq!(exp(&t, "CAT(,b)"), "b");
        assert_eq!(exp(&t, "P(1,e)"), "1e");
        assert_eq!(exp(&t, "P(x, 1 2)"), "x1 2");
        assert_eq!(exp(&t, "P(1 2, 3)"), "1 23");
        assert_eq!(exp(&t, "OBJ"), "xy");
        assert_eq!(exp(&t, "ARROW"), "->");
        // `##` operands are not pre-expanded; XCAT's are.
        assert_eq!(exp(&t, "CAT(N,N)"), "NN");
        assert_eq!(exp(&t, "XCAT(N,N)"), "33");
        let e = expand(&tokenize("CAT(0x,1f)").unwrap(), &t, &[]).unwrap();
        assert_eq!(e.tokens, vec![Token::new(TokenKind::Number, "0x1f", false)]);
        assert!(matches!(exp_err(&t, "CAT(.,x)"), CppError::Syntax(_)));
        assert!(matches!(exp_err(&t, "CAT(/,/)"), CppError::Syntax(_)));
        assert!(matches!(exp_err(&t, "CAT(+,-)"), CppError::Syntax(_)));
    }

    #[test]
    fn chained_paste() {
        let t = table(&["C3(a,b,c) a ## b ## c", "abc 99"]);
        assert_eq!(exp(&t, "C3(a,b,c)"), "99");
        assert_eq!(exp(&t, "C3(,,)"), "");
        assert_eq!(exp(&t, "C3(a,,c)"), "ac");
    }

    #[test]
    fn variadic() {
        let mut t = table(&["E"]);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        t.insert(
            "V".into(),
            MacroDef::function("V", &s(&["x"]), true, "f(x; __VA_ARGS__)").unwrap(),
        );
        t.insert(
            "G".into(),
            MacroDef::function("G", &s(&["x"]), true, "f(x , ## __VA_ARGS__)").unwrap(),
        );
        t.insert(
            "H".into(),
            MacroDef::function("H", &s(&["x", "args..."]), false, "h(x , ## args)").unwrap(),
        );
        t.insert(
            "K".into(),
            MacroDef::function("K", &[], true, "k(0 , ## __VA_ARGS__)").unwrap(),
        );
        t.insert(
            "S".into(),
            MacroDef::function("S", &[], true, "#__VA_ARGS__").unwrap(),
        );
        t.insert(
            "O".into(),
            MacroDef::function(
                "O",
                &s(&["x"]),
                true,
                "__VA_OPT__(x ## x) [__VA_OPT__()##x]",
            )
            .unwrap(),
        );
        t.insert(
            "Q".into(),
            MacroDef::function("Q", &s(&["a"]), true, "[a##__VA_ARGS__]").unwrap(),
        );
        t.insert(
            "W".into(),
            MacroDef::function("W", &[], true, "[__VA_OPT__(x)]").unwrap(),
        );
        assert_eq!(exp(&t, "V(1, 2, (3, 4))"), "f(1; 2, (3, 4))");
        assert_eq!(exp(&t, "V(1)"), "f(1;)");
        // These match gcc 12 -E output exactly (modulo spacing).
        assert_eq!(
            exp(&t, "G(a) G(a,) G(a,E) G(a,b,c)"),
            "f(a) f(a ,) f(a ,) f(a ,b,c)"
        );
        assert_eq!(exp(&t, "H(a) H(a,) H(a,b)"), "h(a) h(a ,) h(a ,b)");
        assert_eq!(exp(&t, "K() K(1)"), "k(0) k(0 ,1)");
        assert_eq!(exp(&t, "S(a, b,c)"), "\"a, b,c\"");
        assert_eq!(exp(&t, "O(a) O(a,1) O(,1)"), "[a] aa [a] []");
        assert_eq!(exp(&t, "Q(1) Q(1,2) Q(,2)"), "[1] [12] [2]");
        assert_eq!(exp(&t, "W(E) W() W(1)"), "[] [] [x]");
        assert_eq!(exp(&t, "V()"), "f(;)");
        let t2 = table(&["F(a,b) a"]);
        assert!(matches!(exp_err(&t2, "F(1)"), CppError::Syntax(_)));
        assert!(matches!(exp_err(&t2, "F(1,2,3)"), CppError::Syntax(_)));
        let t3 = table(&["Z() z"]);
        assert_eq!(exp(&t3, "Z()"), "z");
        assert!(matches!(exp_err(&t3, "Z(1)"), CppError::Syntax(_)));
    }

    #[test]
    fn unterminated_invocation() {
        let t = table(&["F(x) x", "LP F("]);
        assert!(matches!(exp_err(&t, "F(1"), CppError::Syntax(_)));
        assert!(matches!(exp_err(&t, "LP"), CppError::Syntax(_)));
        assert_eq!(exp(&t, "LP 2)"), "2");
    }

    #[test]
    fn watch_records_invocations() {
        let t = table(&["W(a,b) (a)+(b)", "N 5", "OBJ W(N, 1)", "X(y) y"]);
        let e = expand(
            &tokenize("OBJ + W(X(W(1,2)), N)").unwrap(),
            &t,
            &["W", "OBJ"],
        )
        .unwrap();
        let names: Vec<&str> = e.invocations.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["OBJ", "W", "W", "W"]);
        assert_eq!(e.invocations[0].raw_args.len(), 0);
        let w1 = &e.invocations[1];
        assert_eq!(tokens_to_string(&w1.raw_args[0]), "N");
        assert_eq!(tokens_to_string(&w1.expanded_args[0]), "5");
        let w2 = &e.invocations[2];
        assert_eq!(tokens_to_string(&w2.raw_args[0]), "X(W(1,2))");
        assert_eq!(tokens_to_string(&w2.expanded_args[0]), "(1)+(2)");
        assert_eq!(tokens_to_string(&w2.expanded_args[1]), "5");
        let w3 = &e.invocations[3];
        assert_eq!(tokens_to_string(&w3.raw_args[1]), "2");
        assert_eq!(tokens_to_string(&e.tokens), "(5)+(1) + ((1)+(2))+(5)");
    }

    #[test]
    fn watch_records_unused_and_pasted_args_without_duplicates() {
        let t = table(&["U(a,b) a", "V(a) #a", "N 1", "M U(N,N)"]);
        let e = expand(&tokenize("U(N, M) V(M)").unwrap(), &t, &["U"]).unwrap();
        // U(N, M) records once; the unused argument M is expanded for the record without recording
        // the U inside it; V(M) stringifies so M is never expanded at all.
        assert_eq!(e.invocations.len(), 1);
        assert_eq!(tokens_to_string(&e.invocations[0].expanded_args[1]), "1");
        assert_eq!(tokens_to_string(&e.tokens), "1 \"M\"");
    }

    #[test]
    fn too_deep_chain_object_like() {
        let mut t = Table::new();
        for i in 0..10_000 {
            t.insert(
                format!("M{i}"),
                MacroDef::object(&format!("M{i}"), &format!("M{}", i + 1)).unwrap(),
            );
        }
        assert_eq!(exp_err(&t, "M0"), CppError::TooDeep);
        // A short chain is fine.
        assert_eq!(exp(&t, "M9990"), "M10000");
    }

    #[test]
    fn too_deep_chain_function_like_and_nested_args() {
        let mut t = Table::new();
        let s = |v: &str| vec![v.to_string()];
        for i in 0..10_000 {
            t.insert(
                format!("L{i}"),
                MacroDef::function(&format!("L{i}"), &s("x"), false, &format!("L{}(x)", i + 1))
                    .unwrap(),
            );
        }
        assert_eq!(exp_err(&t, "L0(1)"), CppError::TooDeep);
        let t = table(&["F(x) x"]);
        let src = format!("{}1{}", "F(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(exp_err(&t, &src), CppError::TooDeep);
        let src = format!("{}1{}", "F(".repeat(50), ")".repeat(50));
        assert_eq!(exp(&t, &src), "1");
    }

    #[test]
    fn too_large_blowup() {
        let mut defs = vec!["A0 x x x x x x x x x x".to_string()];
        for i in 1..8 {
            defs.push(format!(
                "A{i} {}",
                vec![format!("A{}", i - 1); 10].join(" ")
            ));
        }
        let refs: Vec<&str> = defs.iter().map(|s| s.as_str()).collect();
        let t = table(&refs);
        assert_eq!(exp_err(&t, "A7"), CppError::TooLarge);
        // 10^4 tokens is fine.
        let e = expand(&tokenize("A3").unwrap(), &t, &[]).unwrap();
        assert_eq!(e.tokens.len(), 10_000);
        // Exponential growth through arguments.
        let t = table(&["D(x) x x"]);
        let src = format!("{}1{}", "D(".repeat(40), ")".repeat(40));
        assert_eq!(exp_err(&t, &src), CppError::TooLarge);
        // Exponential text growth through pasting.
        let t = table(&["P(a,b) a##b", "D(x) P(x,x)"]);
        let src = format!("{}x{}", "D(".repeat(60), ")".repeat(60));
        assert_eq!(exp_err(&t, &src), CppError::TooLarge);
    }

    #[test]
    fn custom_limits() {
        let t = table(&["A B", "B C", "C 1"]);
        let lim = ExpandLimits {
            max_depth: 2,
            ..ExpandLimits::default()
        };
        assert_eq!(
            expand_with_limits(&tokenize("A").unwrap(), &t, &[], lim).unwrap_err(),
            CppError::TooDeep
        );
        let lim = ExpandLimits {
            max_tokens: 2,
            ..ExpandLimits::default()
        };
        assert_eq!(
            expand_with_limits(&tokenize("A A A").unwrap(), &t, &[], lim).unwrap_err(),
            CppError::TooLarge
        );
    }

    #[test]
    fn defined_operator_for_conditions() {
        let t = table(&["FOO 1", "D defined(FOO)", "ID(x) x", "F(x) x"]);
        let run = |s: &str| {
            expand_for_condition(&tokenize(s).unwrap(), &t).map(|e| tokens_to_string(&e.tokens))
        };
        assert_eq!(run("defined FOO && defined(BAR)").unwrap(), "1 && 0");
        assert_eq!(run("defined(F) + defined F").unwrap(), "1 + 1");
        assert_eq!(run("D").unwrap(), "1");
        // Like gcc: the argument is pre-expanded, giving `defined 1`.
        assert!(matches!(run("ID(defined FOO)"), Err(CppError::Syntax(_))));
        assert!(matches!(run("defined"), Err(CppError::Syntax(_))));
        assert!(matches!(run("defined(FOO"), Err(CppError::Syntax(_))));
        assert!(matches!(run("defined 1"), Err(CppError::Syntax(_))));
        // Plain expansion leaves `defined` alone.
        let e = expand(&tokenize("defined FOO").unwrap(), &t, &[]).unwrap();
        assert_eq!(tokens_to_string(&e.tokens), "defined 1");
    }

    #[test]
    fn space_handling() {
        let t = table(&["P +", "F(x) x"]);
        let e = expand(&tokenize("a P+b F(+)+").unwrap(), &t, &[]).unwrap();
        let s = tokens_to_string(&e.tokens);
        assert_eq!(s, "a + +b + +");
        assert_eq!(tokenize(&s).unwrap().len(), e.tokens.len());
    }
}
