//! A function-like macro's body with its arguments substituted: parameters (pre-expanded unless
//! `#` or `##` touches them), stringizing, token pasting and `__VA_OPT__`.

use super::*;

impl<'t, 'w> Expander<'t, 'w> {
    pub(super) fn stringify(
        &mut self,
        raw: &[PTok<'t>],
        space_before: bool,
    ) -> Result<PTok<'t>, CppError> {
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

    pub(super) fn paste(&mut self, lhs: PTok<'t>, rhs: PTok<'t>) -> Result<PTok<'t>, CppError> {
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

    pub(super) fn emit(
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
    pub(super) fn va_nonempty(
        &mut self,
        def: &MacroDef,
        args: &mut Args<'t>,
    ) -> Result<bool, CppError> {
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
    pub(super) fn subst(
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
