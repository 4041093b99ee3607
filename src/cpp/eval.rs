//! Evaluation of C integer constant expressions (`#if` conditions and constant-expression macro
//! bodies) with exact C typing: literal types, integer promotions, usual arithmetic conversions,
//! unsigned wraparound, and errors instead of guesses for anything gcc would not fold to a plain
//! integer without complaint.

use super::expand::{expand, expand_for_condition, Expansion};
use super::lex::{find_top_level, tokenize, tokens_to_string, Token, TokenKind};
use super::literal::{decode_char_units, parse_int_suffix};
use super::macros::MacroTable;
use super::types::{wrap_bits, DataModel, IntKind, Semantics, TypeInfo, Value};
use super::{Cause, CppError, NotInteger, Reason};

mod arith;
mod literals;
mod operands;

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

fn unresolved(reason: impl Into<Reason>) -> CppError {
    CppError::Unresolved(reason.into())
}

/// An unresolved value that is no integer constant by nature.
fn not_integer(what: NotInteger, message: String) -> CppError {
    CppError::Unresolved(Reason::new(Cause::NotInteger(what), message))
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

    /// An operator an operand completes, up to a `?` or `(`: what `:`, `,`, `)` and the end of
    /// the expression reduce.
    fn completes_operand(&self) -> bool {
        self.is_unary() || self.is_binary(0) || matches!(self, Op::TernColon { .. })
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
            if expect_operand {
                expect_operand = self.operand(&mut ops, &mut vals)?;
                continue;
            }
            let Some(t) = self.peek() else { break };
            expect_operand = self.operator(t, &mut ops, &mut vals)?;
        }
        self.reduce_while(&mut ops, &mut vals, Op::completes_operand)?;
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

    /// At an operand's place: a prefix operator or an opening parenthesis (pushed, an operand
    /// still expected), or a complete operand (pushed as a value). Returns whether an operand is
    /// still expected.
    fn operand(&mut self, ops: &mut Vec<Op<'a>>, vals: &mut Vec<V>) -> Result<bool, CppError> {
        let cur_ev = ops.last().is_none_or(|o| o.operand_ev());
        let mut expect_operand = true;
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
                            let ty = self.past_type_name(close)?;
                            let ti = res.map_err(unresolved)?;
                            ops.push(Op::Cast {
                                ti,
                                toks: ty,
                                ev: cur_ev,
                            });
                            return Ok(true);
                        }
                    }
                    self.bump();
                    if self.peek_punct(")") {
                        return Err(CppError::Syntax("expected expression before `)`".into()));
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
                    let message = format!("unexpected token `{}`", t.text);
                    // A brace here starts an initializer, not an expression.
                    let cause = match t.text.as_str() {
                        "{" => Cause::NotInteger(NotInteger::Initializer),
                        _ => Cause::Other,
                    };
                    return Err(CppError::Syntax(Reason::new(cause, message)));
                }
            },
            TokenKind::Ident => match t.text.as_str() {
                "sizeof" if self.pp => {
                    return Err(CppError::Syntax(
                        "`sizeof` is not allowed in preprocessor expressions".into(),
                    ))
                }
                "sizeof" | "_Alignof" | "__alignof__" | "__alignof" | "alignof" if !self.pp => {
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
                return Err(not_integer(
                    NotInteger::String,
                    format!("string literal `{}` is not an integer constant", t.text),
                ))
            }
        }
        Ok(expect_operand)
    }

    /// At an operator's place (after an operand): `t` is a binary operator, a part of `?:`, a
    /// comma or a closing parenthesis; what it closes is reduced. Returns whether an operand is
    /// expected next.
    fn operator(
        &mut self,
        t: &'a Token,
        ops: &mut Vec<Op<'a>>,
        vals: &mut Vec<V>,
    ) -> Result<bool, CppError> {
        let mut expect_operand = false;
        if t.kind != TokenKind::Punct {
            return Err(CppError::Syntax(
                format!("missing binary operator before token `{}`", t.text).into(),
            ));
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
                self.reduce_while(ops, vals, |o| o.is_unary() || o.is_binary(0))?;
                let ev = ops.last().is_none_or(|o| o.operand_ev());
                let c = pop(vals)?;
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
                self.reduce_while(ops, vals, Op::completes_operand)?;
                match ops.pop() {
                    Some(Op::TernQ { ev, cond }) => ops.push(Op::TernColon { ev, cond }),
                    _ => return Err(CppError::Syntax("unexpected `:`".into())),
                }
                expect_operand = true;
            }
            "," => {
                self.bump();
                self.reduce_while(ops, vals, Op::completes_operand)?;
                // The comma operator's value is its right operand.
                pop(vals)?;
                expect_operand = true;
            }
            ")" => {
                self.reduce_while(ops, vals, Op::completes_operand)?;
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
                    return Err(CppError::Syntax(
                        format!("missing binary operator before token `{}`", t.text).into(),
                    ));
                };
                self.bump();
                self.reduce_while(ops, vals, |o| o.is_unary() || o.is_binary(prec))?;
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
        Ok(expect_operand)
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
}

/// Evaluates an already-expanded token sequence as a C integer constant expression.
///
/// In [`Mode::Preprocessor`] the result kind is `intmax_t`/`uintmax_t` as given by
/// [`IntKind::intmax`] (`Long`/`ULong` on LP64, `LongLong`/`ULongLong` on ILP32).
pub fn eval(tokens: &[Token], mode: Mode, sem: &dyn Semantics) -> Result<Value, CppError> {
    if tokens.is_empty() {
        return Err(CppError::Syntax(Reason::new(
            Cause::NotInteger(NotInteger::Empty),
            "empty expression",
        )));
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
mod tests;
