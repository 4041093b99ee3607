//! The operands that are not literals: identifiers (the `Semantics` answers enumerators and
//! sizes), `sizeof`/`_Alignof` of a type or an expression, and the builtins gcc folds.

use super::*;

impl<'a> Ev<'a> {
    /// If the parenthesized group at `open` is a type name per `Semantics::type_name`, returns the
    /// answer and the index of the closing parenthesis. For a possible cast, only groups starting
    /// with an identifier are offered.
    pub(super) fn try_type(
        &self,
        open: usize,
        cast: bool,
    ) -> Option<(Result<TypeInfo, Reason>, usize)> {
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

    /// Steps past a parenthesized type name ending at `close`; a brace after it makes it a
    /// compound literal, which is no integer constant (a cast and `sizeof` read it alike). Returns
    /// the type name's tokens.
    pub(super) fn past_type_name(&mut self, close: usize) -> Result<&'a [Token], CppError> {
        let ty = self.toks.get(self.pos + 1..close).unwrap_or_default();
        self.pos = close + 1;
        if self.peek_punct("{") {
            return Err(not_integer(
                NotInteger::CompoundLiteral,
                format!("compound literal of type `{}`", tokens_to_string(ty)),
            ));
        }
        Ok(ty)
    }

    pub(super) fn size_value(&self, ev: bool, n: u64, op: &str) -> Result<V, CppError> {
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
    pub(super) fn size_or_align_of_type(
        &mut self,
        ev: bool,
        is_size: bool,
    ) -> Result<Option<V>, CppError> {
        let toks = self.toks;
        let op = toks.get(self.pos).map_or("sizeof", |t| t.text.as_str());
        self.bump();
        if self.peek_punct("(") {
            if let Some((res, close)) = self.try_type(self.pos, false) {
                self.past_type_name(close)?;
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
    pub(super) fn builtin_call(&mut self, t: &Token) -> Result<Option<V>, CppError> {
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
    pub(super) fn identifier(&mut self, t: &Token, ev: bool) -> Result<V, CppError> {
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
}
