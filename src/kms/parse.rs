//! Per-file pass: parses one C file (and its function-like macro bodies) and records, per scope,
//! the calls, assignments and returns the resolver needs, plus the file's value tables. Nothing
//! here knows which functions matter globally; `resolve/` decides that across files.

use std::borrow::Cow;
use std::sync::LazyLock;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor};

use crate::ts;

mod syntax;
mod tables;

pub(crate) use syntax::{analyze, collapse, object_kind};
use syntax::{declarator_name, function_name_params, strip_wrappers, text};
use tables::table_entries;

pub(crate) static QUERY_SRC: &str = include_str!("../../grammars/kms.scm");

pub(crate) static QUERY: LazyLock<Query> =
    LazyLock::new(|| ts::compile_query("kms.scm", QUERY_SRC));

/// Nodes deeper than this are not descended into by the helpers here (fuzzed inputs).
const MAX_DEPTH: usize = 64;

/// What an expression (a call argument, an assignment's right side, a return value) is, as far as
/// the resolver cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    /// A string literal or adjacent literals, unquoted.
    Str(String),
    /// `#param` inside a function-like macro body.
    Stringify(String),
    Ident(String),
    /// `array[index]` or `array[index].field` / `array[index]->field`.
    Subscript {
        array: String,
        index: String,
        field: Option<String>,
    },
    /// `f(args)`, with the arguments' texts.
    Call {
        callee: String,
        args: Vec<String>,
    },
    /// `a->b.c`: the last field name.
    Field {
        last: String,
    },
    Other,
}

#[derive(Clone, Debug)]
pub(crate) struct Arg {
    /// The argument's text with whitespace runs collapsed.
    pub text: String,
    pub expr: Expr,
    /// For object arguments of `drm_object_attach_property`: the object type, when evident.
    pub object: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub scope: Option<usize>,
    pub pos: usize,
    pub line: u32,
    pub callee: String,
    pub args: Vec<Arg>,
}

#[derive(Clone, Debug)]
pub(crate) struct Assign {
    pub scope: Option<usize>,
    pub pos: usize,
    /// Left side text (collapsed whitespace); for an initialised declarator, the declared name.
    pub lhs: String,
    /// Last field name when the left side is a field expression.
    pub lhs_field: Option<String>,
    /// `array[i].field = ...`: (array, field).
    pub lhs_fill: Option<(String, String, String)>,
    pub rhs: Expr,
    /// Start byte of the right side when it is a call (parentheses and casts stripped).
    pub rhs_call: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Return {
    pub scope: Option<usize>,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub name: String,
    pub is_static: bool,
    pub params: Vec<String>,
    pub is_macro: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum EntryValue {
    /// The expression giving the value (struct tables: the element before the name).
    Expr(String),
    /// String arrays: the index is the last designator's value (0 without one) plus `offset`.
    Index {
        designator: Option<String>,
        offset: usize,
    },
    None,
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub value: EntryValue,
    pub name: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub scope: Option<usize>,
    pub name: String,
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FileFacts {
    pub path: String,
    pub owner: String,
    pub dir: String,
    pub scopes: Vec<Scope>,
    pub calls: Vec<Call>,
    pub assigns: Vec<Assign>,
    pub returns: Vec<Return>,
    pub tables: Vec<Table>,
}

impl FileFacts {
    pub fn scope_name(&self, scope: Option<usize>) -> &str {
        scope
            .and_then(|s| self.scopes.get(s))
            .map(|s| s.name.as_str())
            .unwrap_or("")
    }

    /// A table visible from `scope`: the scope's own (function-local static) table first, then a
    /// file-level one.
    pub fn table(&self, name: &str, scope: Option<usize>) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name == name && t.scope.is_some() && t.scope == scope)
            .or_else(|| {
                self.tables
                    .iter()
                    .find(|t| t.name == name && t.scope.is_none())
            })
    }
}

struct Unit<'s> {
    src: Cow<'s, [u8]>,
    /// Added to tree rows to get 1-based file lines.
    line_base: u32,
    /// The scope a macro unit is (its whole body); None for the file itself.
    macro_scope: Option<usize>,
}

/// Parses one file. `parse_macros`: also re-parse function-like macro bodies (done for files that
/// create or attach properties; macro bodies elsewhere are not followed). `regions`: parse only
/// these byte ranges (each on its own; see `regions_around`), for files that merely call a helper.
pub(crate) fn parse_file(
    path: &str,
    bytes: &[u8],
    owner: String,
    parse_macros: bool,
    regions: Option<&[(usize, usize)]>,
) -> FileFacts {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut facts = FileFacts {
        path: path.to_string(),
        owner,
        dir: dir.to_string(),
        ..Default::default()
    };
    let mut units: Vec<Unit> = match regions {
        None => vec![Unit {
            src: Cow::Borrowed(bytes),
            line_base: 0,
            macro_scope: None,
        }],
        Some(rs) => rs
            .iter()
            .filter_map(|&(a, b)| {
                let src = bytes.get(a..b)?;
                let line_base = memchr::memchr_iter(b'\n', bytes.get(..a)?).count() as u32;
                Some(Unit {
                    src: Cow::Borrowed(src),
                    line_base,
                    macro_scope: None,
                })
            })
            .collect(),
    };
    let file_units = units.len();
    let mut u = 0;
    while u < units.len() {
        let unit = &units[u];
        let mut new_units = Vec::new();
        parse_unit(
            &mut facts,
            unit,
            parse_macros && u < file_units,
            &mut new_units,
        );
        units.extend(new_units);
        u += 1;
        if u > 4096 {
            break;
        }
    }
    let key = |s: &Option<usize>, p: usize| (s.map(|x| x + 1).unwrap_or(0), p);
    facts.calls.sort_by_key(|c| key(&c.scope, c.pos));
    facts.assigns.sort_by_key(|a| key(&a.scope, a.pos));
    facts
}

fn parse_unit<'s>(
    facts: &mut FileFacts,
    unit: &Unit<'s>,
    parse_macros: bool,
    new_units: &mut Vec<Unit<'s>>,
) {
    let src: &[u8] = &unit.src;
    let Some(tree) = ts::parse_c(src) else { return };
    let q = &*QUERY;
    let names = q.capture_names();
    let idx = |n: &str| names.iter().position(|x| *x == n).map(|i| i as u32);
    let (c_function, c_macro, c_macro_name, c_macro_params, c_macro_body) = (
        idx("function"),
        idx("macro"),
        idx("macro.name"),
        idx("macro.params"),
        idx("macro.body"),
    );
    let (c_call, c_call_fn, c_call_args) = (idx("call"), idx("call.fn"), idx("call.args"));
    let (c_assign, c_assign_lhs, c_assign_rhs) =
        (idx("assign"), idx("assign.lhs"), idx("assign.rhs"));
    let (c_init, c_init_decl, c_init_value) = (idx("init"), idx("init.decl"), idx("init.value"));
    let (c_return, c_return_value) = (idx("return"), idx("return.value"));

    let macro_params: Option<Vec<String>> = unit
        .macro_scope
        .and_then(|s| facts.scopes.get(s))
        .map(|s| s.params.clone());
    let mp = macro_params.as_deref();
    let line = |n: Node| {
        (n.start_position().row as u32)
            .saturating_add(1)
            .saturating_add(unit.line_base)
    };

    // Scopes of this unit: (start, end, scope index), sorted by start.
    let mut functions: Vec<(usize, usize, usize)> = Vec::new();
    let mut pending_calls = Vec::new();
    let mut pending_assigns = Vec::new();
    let mut pending_inits = Vec::new();
    let mut pending_returns = Vec::new();

    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(q, tree.root_node(), src);
    while let Some(m) = matches.next() {
        let get = |c: Option<u32>| {
            c.and_then(|c| m.captures.iter().find(|x| x.index == c))
                .map(|x| x.node)
        };
        if let Some(f) = get(c_function) {
            if unit.macro_scope.is_none() {
                if let Some((name, params)) = function_name_params(f, src) {
                    let mut c = f.walk();
                    let is_static = f.children(&mut c).any(|n| {
                        n.kind() == "storage_class_specifier" && text(n, src).as_ref() == "static"
                    });
                    facts.scopes.push(Scope {
                        name,
                        is_static,
                        params,
                        is_macro: false,
                    });
                    functions.push((f.start_byte(), f.end_byte(), facts.scopes.len() - 1));
                }
            }
        } else if let (Some(_m), Some(name), Some(params), Some(body)) = (
            get(c_macro),
            get(c_macro_name),
            get(c_macro_params),
            get(c_macro_body),
        ) {
            if parse_macros {
                let mut ps = Vec::new();
                let mut c = params.walk();
                for p in params.named_children(&mut c) {
                    if p.kind() == "identifier" {
                        ps.push(text(p, src).into_owned());
                    }
                }
                let body_text = src.get(body.byte_range()).unwrap_or(&[]);
                // Only bodies that look like statements with calls are worth a parse.
                if memchr::memchr(b'(', body_text).is_some() {
                    let scope = facts.scopes.len();
                    facts.scopes.push(Scope {
                        name: text(name, src).into_owned(),
                        // A macro in a header serves the files including it.
                        is_static: !facts.path.ends_with(".h"),
                        params: ps.clone(),
                        is_macro: true,
                    });
                    let wrapped = macro_source(body_text, &ps);
                    new_units.push(Unit {
                        src: Cow::Owned(wrapped),
                        line_base: (body.start_position().row as u32)
                            .saturating_add(unit.line_base),
                        macro_scope: Some(scope),
                    });
                }
            }
        } else if let (Some(call), Some(f), Some(args)) =
            (get(c_call), get(c_call_fn), get(c_call_args))
        {
            pending_calls.push((call, f, args));
        } else if let (Some(a), Some(l), Some(r)) =
            (get(c_assign), get(c_assign_lhs), get(c_assign_rhs))
        {
            pending_assigns.push((a, l, r));
        } else if let (Some(i), Some(d), Some(v)) =
            (get(c_init), get(c_init_decl), get(c_init_value))
        {
            pending_inits.push((i, d, v));
        } else if let (Some(r), Some(v)) = (get(c_return), get(c_return_value)) {
            pending_returns.push((r, v));
        }
    }
    functions.sort();
    let scope_of = |pos: usize| -> Option<usize> {
        if let Some(s) = unit.macro_scope {
            return Some(s);
        }
        let i = functions.partition_point(|f| f.0 <= pos);
        let f = functions.get(i.checked_sub(1)?)?;
        (pos < f.1).then_some(f.2)
    };

    for (call, f, args) in pending_calls {
        let mut out = Vec::new();
        let mut c = args.walk();
        for a in args.named_children(&mut c) {
            if a.kind() == "comment" {
                continue;
            }
            out.push(Arg {
                text: collapse(&text(a, src)),
                expr: analyze(a, src, mp),
                object: object_kind(a, src),
            });
        }
        facts.calls.push(Call {
            scope: scope_of(call.start_byte()),
            pos: call.start_byte(),
            line: line(call),
            callee: text(f, src).into_owned(),
            args: out,
        });
    }
    for (a, l, r) in pending_assigns {
        // Plain `=` only.
        let op = a
            .child_by_field_name("operator")
            .map(|o| text(o, src).into_owned())
            .unwrap_or_default();
        if op != "=" {
            continue;
        }
        let lhs_node = strip_wrappers(l);
        let lhs_field = (lhs_node.kind() == "field_expression")
            .then(|| {
                lhs_node
                    .child_by_field_name("field")
                    .map(|f| text(f, src).into_owned())
            })
            .flatten();
        let lhs_fill = match analyze(lhs_node, src, None) {
            Expr::Subscript {
                array,
                index,
                field: Some(field),
            } => Some((array, field, index)),
            _ => None,
        };
        let r = strip_wrappers(r);
        facts.assigns.push(Assign {
            scope: scope_of(a.start_byte()),
            pos: a.start_byte(),
            lhs: collapse(&text(lhs_node, src)),
            lhs_field,
            lhs_fill,
            rhs: analyze(r, src, mp),
            rhs_call: (r.kind() == "call_expression").then(|| r.start_byte()),
        });
    }
    for (i, d, v) in pending_inits {
        let Some((name, is_array)) = declarator_name(d, src) else {
            continue;
        };
        let scope = scope_of(i.start_byte());
        if v.kind() == "initializer_list" {
            if is_array {
                if let Some(entries) = table_entries(v, src) {
                    facts.tables.push(Table {
                        scope,
                        name,
                        entries,
                    });
                }
            }
            continue;
        }
        let r = strip_wrappers(v);
        facts.assigns.push(Assign {
            scope,
            pos: i.start_byte(),
            lhs: name,
            lhs_field: None,
            lhs_fill: None,
            rhs: analyze(r, src, mp),
            rhs_call: (r.kind() == "call_expression").then(|| r.start_byte()),
        });
    }
    for (r, v) in pending_returns {
        facts.returns.push(Return {
            scope: scope_of(r.start_byte()),
            value: analyze(v, src, mp),
        });
    }
}

/// A macro body as a parseable function (the wrapper adds no line, so rows are the body's lines):
/// continuations dropped (newlines kept), `#param` turned into the literal `"#param"`, `##` pasting joined.
fn macro_source(body: &[u8], params: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 64);
    out.extend_from_slice(b"void __kms_macro(void) { ");
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'\\' && body.get(i + 1) == Some(&b'\n') {
            out.push(b' ');
            i += 1;
            continue;
        }
        if b == b'\\' && body.get(i + 1) == Some(&b'\r') && body.get(i + 2) == Some(&b'\n') {
            out.push(b' ');
            i += 2;
            continue;
        }
        if b == b'#' {
            if body.get(i + 1) == Some(&b'#') {
                i += 2;
                continue;
            }
            // #param → "#param"
            let mut j = i + 1;
            while j < body.len() && (body[j] == b' ' || body[j] == b'\t') {
                j += 1;
            }
            let start = j;
            while j < body.len() && (body[j].is_ascii_alphanumeric() || body[j] == b'_') {
                j += 1;
            }
            let ident = std::str::from_utf8(&body[start..j]).unwrap_or("");
            if !ident.is_empty() && params.iter().any(|p| p == ident) {
                out.push(b'"');
                out.push(b'#');
                out.extend_from_slice(ident.as_bytes());
                out.push(b'"');
                i = j;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out.extend_from_slice(b"\n;}\n");
    out
}

/// The top-level regions around `positions` in kernel-style C: from just after the previous
/// column-0 closing brace line to the next one (a function with the comments before it), merged.
/// A file in another style degrades to larger regions, never to missing code.
pub(crate) fn regions_around(bytes: &[u8], positions: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut sorted = positions.to_vec();
    sorted.sort_unstable();
    for pos in sorted {
        let pos = pos.min(bytes.len());
        if out.last().map(|r| pos < r.1).unwrap_or(false) {
            continue;
        }
        let start = memchr::memmem::rfind(&bytes[..pos], b"\n}")
            .map(|i| {
                memchr::memchr(b'\n', &bytes[i + 1..])
                    .map(|j| i + 1 + j + 1)
                    .unwrap_or(bytes.len())
            })
            .unwrap_or(0)
            .min(pos);
        let end = memchr::memmem::find(&bytes[pos..], b"\n}")
            .map(|i| {
                let close = pos + i + 2;
                memchr::memchr(b'\n', &bytes[close..])
                    .map(|j| close + j + 1)
                    .unwrap_or(bytes.len())
            })
            .unwrap_or(bytes.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}
