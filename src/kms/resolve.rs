//! Cross-file resolution: creation sites → properties (names through parameters and macros,
//! values from tables, fills and `drm_property_add_enum`, storage and attachment), core helpers
//! and the drivers that call them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use memchr::memmem;
use rayon::prelude::*;

use super::parse::{parse_file, Call, EntryValue, Expr, FileFacts, Table};
use super::{
    owner_of, EvalFn, Exposure, KmsModel, Property, PropertyKind, PropertyValue, SourceFile,
    Unresolved,
};

pub(crate) const PRIMITIVES: &[&str] = &[
    "drm_property_create",
    "drm_property_create_enum",
    "drm_property_create_bitmask",
    "drm_property_create_range",
    "drm_property_create_signed_range",
    "drm_property_create_bool",
    "drm_property_create_object",
];
const ADD_ENUM: &str = "drm_property_add_enum";
const ATTACH: &str = "drm_object_attach_property";
/// Parameter-name chains are followed this many calls up (wrapper of a wrapper of a wrapper).
const MAX_CHAIN: usize = 3;
/// Rounds of "parse the files that call a newly found helper".
const MAX_ROUNDS: usize = 3;

/// Plain integer literals (`0`, `0xffffff`, `-1`, `100U`, `(0)`), evaluated without the caller.
pub(crate) fn parse_int(text: &str) -> Option<i128> {
    let mut t = text.trim();
    while let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        t = inner.trim();
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.trim()),
        None => (false, t),
    };
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']);
    if t.is_empty() {
        return None;
    }
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

struct Ev<'e> {
    eval: EvalFn<'e>,
}

impl Ev<'_> {
    fn value(&self, expr: &str, file: &str) -> Option<i128> {
        if expr.is_empty() {
            return None;
        }
        parse_int(expr).or_else(|| (self.eval)(expr, file))
    }
}

/// Where a template's name, flags or bound comes from.
#[derive(Clone, Debug)]
enum Src {
    Text(String),
    Param(usize),
}

#[derive(Clone, Debug)]
enum NameSrc {
    Lit(String),
    Param { idx: usize, stringify: bool },
    Other(String),
}

/// One call to a creation primitive.
struct Site {
    fi: usize,
    ci: usize,
    kind: PropertyKind,
    flags: Src,
    min: Option<Src>,
    max: Option<Src>,
    object_type: Option<String>,
    name: NameSrc,
    values: Vec<PropertyValue>,
    notes: Vec<String>,
    /// Enum value tables passed in through a parameter of the site's scope: resolved from the
    /// call sites (the instance's own call for wrappers, every caller otherwise).
    deferred: Vec<Deferred>,
}

#[derive(Clone, Copy, Debug)]
struct Deferred {
    param: usize,
    /// Whether the entries' values are the enum values (table values or `P[i]` with value `i`).
    keep_values: bool,
}

struct Instance {
    name: String,
    /// Core helper whose values a driver supplies (per-caller instances of core sites).
    helper: Option<String>,
    fi: usize,
    line: u32,
    scope: Option<usize>,
    site: usize,
    /// The call site's arguments for parameter substitution (wrapper instances).
    args: Option<(usize, usize)>,
    /// (file, scope, call position) whose result holds the property.
    follows: Vec<(usize, Option<usize>, usize)>,
}

struct Index {
    scopes_by_name: HashMap<String, Vec<(usize, usize)>>,
    calls_by_callee: HashMap<String, Vec<(usize, usize)>>,
}

impl Index {
    fn build(files: &[FileFacts]) -> Index {
        let mut scopes_by_name: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut calls_by_callee: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            for (si, s) in f.scopes.iter().enumerate() {
                scopes_by_name
                    .entry(s.name.clone())
                    .or_default()
                    .push((fi, si));
            }
            for (ci, c) in f.calls.iter().enumerate() {
                calls_by_callee
                    .entry(c.callee.clone())
                    .or_default()
                    .push((fi, ci));
            }
        }
        Index {
            scopes_by_name,
            calls_by_callee,
        }
    }

    /// The scope a call to `name` from file `from` reaches: same file, else same owner, else core.
    fn resolve(&self, files: &[FileFacts], name: &str, from: usize) -> Option<(usize, usize)> {
        let cands = self.scopes_by_name.get(name)?;
        let owner = &files.get(from)?.owner;
        cands
            .iter()
            .find(|(fi, _)| *fi == from)
            .or_else(|| {
                cands.iter().find(|(fi, si)| {
                    files[*fi].owner == *owner && !files[*fi].scopes[*si].is_static
                })
            })
            .or_else(|| {
                cands.iter().find(|(fi, si)| {
                    files[*fi].owner == "core" && !files[*fi].scopes[*si].is_static
                })
            })
            .copied()
    }
}

/// Range of a file's calls (or assigns) in one scope, by (scope, pos) order.
fn scope_range<T>(
    items: &[T],
    key: impl Fn(&T) -> (usize, usize),
    scope: Option<usize>,
    after: usize,
    before: usize,
) -> std::ops::Range<usize> {
    let s = scope.map(|x| x + 1).unwrap_or(0);
    let lo = items.partition_point(|t| key(t) <= (s, after));
    let hi = items.partition_point(|t| key(t) < (s, before));
    lo..hi.max(lo)
}

fn skey(scope: Option<usize>, pos: usize) -> (usize, usize) {
    (scope.map(|x| x + 1).unwrap_or(0), pos)
}

#[derive(Default)]
struct Follow {
    /// The variable (or lvalue text) the result is assigned to.
    var: Option<String>,
    keys: Vec<String>,
    attached: Vec<&'static str>,
    add_enums: Vec<usize>,
}

/// What happens to the result of the call at `pos`: the variable or field it is stored in,
/// further stores of that variable, attach and add_enum calls on it, until it is reassigned.
fn follow(f: &FileFacts, scope: Option<usize>, pos: usize) -> Follow {
    let mut out = Follow::default();
    let ar = scope_range(&f.assigns, |a| skey(a.scope, a.pos), scope, 0, usize::MAX);
    let assigns = &f.assigns[ar];
    let Some(a) = assigns.iter().find(|a| a.rhs_call == Some(pos)) else {
        return out;
    };
    let var = a.lhs.clone();
    out.var = Some(var.clone());
    // A plain variable is followed within the scope only (locals of other functions share
    // names such as `prop`).
    if let Some(field) = &a.lhs_field {
        out.keys.push(field.clone());
    }
    let stop = assigns
        .iter()
        .find(|b| b.pos > a.pos && b.lhs == var && b.rhs_call != Some(pos))
        .map(|b| b.pos)
        .unwrap_or(usize::MAX);
    for b in assigns.iter().filter(|b| b.pos > a.pos && b.pos < stop) {
        if matches!(&b.rhs, Expr::Ident(x) if *x == var) {
            if let Some(field) = &b.lhs_field {
                out.keys.push(field.clone());
            }
        }
    }
    let cr = scope_range(&f.calls, |c| skey(c.scope, c.pos), scope, a.pos, stop);
    for ci in cr {
        let c = &f.calls[ci];
        if c.callee == ATTACH && c.args.get(1).map(|x| x.text == var).unwrap_or(false) {
            if let Some(kind) = c.args.first().and_then(|x| x.object) {
                out.attached.push(kind);
            }
        } else if c.callee == ADD_ENUM && c.args.first().map(|x| x.text == var).unwrap_or(false) {
            out.add_enums.push(ci);
        }
    }
    out
}

fn kind_of(callee: &str) -> PropertyKind {
    match callee {
        "drm_property_create_enum" => PropertyKind::Enum,
        "drm_property_create_bitmask" => PropertyKind::Bitmask,
        "drm_property_create_range" | "drm_property_create_bool" => PropertyKind::Range,
        "drm_property_create_signed_range" => PropertyKind::SignedRange,
        "drm_property_create_object" => PropertyKind::Object,
        _ => PropertyKind::Unknown,
    }
}

/// Type named by `DRM_MODE_PROP_*` identifiers in a flags expression, and the other flags.
fn split_flags(text: &str) -> (Option<PropertyKind>, Vec<String>, bool) {
    let mut kind = None;
    let mut flags = Vec::new();
    let mut any = false;
    for tok in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let Some(f) = tok.strip_prefix("DRM_MODE_PROP_") else {
            continue;
        };
        any = true;
        match f {
            "RANGE" => kind = kind.or(Some(PropertyKind::Range)),
            "SIGNED_RANGE" => kind = Some(PropertyKind::SignedRange),
            "ENUM" => kind = kind.or(Some(PropertyKind::Enum)),
            "BITMASK" => kind = kind.or(Some(PropertyKind::Bitmask)),
            "BLOB" => kind = kind.or(Some(PropertyKind::Blob)),
            "OBJECT" => kind = kind.or(Some(PropertyKind::Object)),
            "EXTENDED_TYPE" | "LEGACY_TYPE" | "TYPE" => {}
            other => flags.push(other.to_string()),
        }
    }
    (kind, flags, any)
}

fn src_of(arg: Option<&super::parse::Arg>, params: &[String]) -> Option<Src> {
    let a = arg?;
    if let Expr::Ident(x) = &a.expr {
        if let Some(i) = params.iter().position(|p| p == x) {
            return Some(Src::Param(i));
        }
    }
    Some(Src::Text(a.text.clone()))
}

struct Resolver<'f, 'a, 'e> {
    files: &'f [FileFacts<'a>],
    index: Index,
    ev: Ev<'e>,
    /// Tables named at a call but not found in the parsed files: (directory, name).
    missing: std::cell::RefCell<BTreeSet<(String, String)>>,
    /// Call sites the parameter-chain walk may still visit (bounds adversarial fan-out).
    budget: std::cell::Cell<usize>,
}

/// Call sites visited by the parameter-chain walk, at most, per extraction.
const CHAIN_BUDGET: usize = 200_000;

impl Resolver<'_, '_, '_> {
    fn table<'t>(
        &'t self,
        fi: usize,
        name: &str,
        scope: Option<usize>,
    ) -> Option<(usize, &'t Table)> {
        let f = &self.files[fi];
        if let Some(t) = f.table(name, scope) {
            return Some((fi, t));
        }
        // Headers and files beside this one.
        self.files
            .iter()
            .enumerate()
            .filter(|(gi, g)| *gi != fi && g.dir == f.dir)
            .find_map(|(gi, g)| {
                g.tables
                    .iter()
                    .find(|t| t.name == name && t.scope.is_none())
                    .map(|t| (gi, t))
            })
    }

    fn table_values(&self, fi: usize, t: &Table, limit: Option<usize>) -> Vec<PropertyValue> {
        let path = self.files[fi].path;
        let mut out = Vec::new();
        for e in t.entries.iter().take(limit.unwrap_or(usize::MAX)) {
            let (value, expr) = match &e.value {
                EntryValue::Expr(x) => (self.ev.value(x, path), Some(x.clone())),
                EntryValue::Index {
                    designator: None,
                    offset,
                } => (Some(*offset as i128), Some(offset.to_string())),
                EntryValue::Index {
                    designator: Some(d),
                    offset: 0,
                } => (self.ev.value(d, path), Some(d.clone())),
                EntryValue::Index {
                    designator: Some(d),
                    offset,
                } => (
                    self.ev
                        .value(d, path)
                        .and_then(|v| v.checked_add(*offset as i128)),
                    Some(format!("{d} + {offset}")),
                ),
                EntryValue::None => (None, None),
            };
            out.push(PropertyValue {
                name: e.name.clone(),
                value,
                expr,
            });
        }
        out
    }

    /// The table a name function (`f(i)` returning `T[i]` or `T[i].name`) reads.
    fn name_fn_table(&self, fi: usize, fname: &str) -> Option<(usize, &Table)> {
        let f = &self.files[fi];
        // DRM_ENUM_NAME_FN(f, T)-style generator invocations.
        for c in &f.calls {
            if c.args.len() == 2 && c.args[0].text == fname {
                if let Expr::Ident(t) = &c.args[1].expr {
                    if let Some(x) = self.table(fi, t, None) {
                        return Some(x);
                    }
                }
            }
        }
        let si = f
            .scopes
            .iter()
            .position(|s| s.name == fname && !s.is_macro)?;
        f.returns
            .iter()
            .filter(|r| r.scope == Some(si))
            .find_map(|r| match &r.value {
                Expr::Subscript { array, .. } => self.table(fi, array, Some(si)),
                _ => None,
            })
    }

    /// Values of an enum list argument: a table, or a local array filled in a loop.
    fn list_values(
        &self,
        fi: usize,
        scope: Option<usize>,
        list: &Expr,
        count: Option<&str>,
        notes: &mut Vec<String>,
        deferred: &mut Vec<Deferred>,
    ) -> Vec<PropertyValue> {
        let f = &self.files[fi];
        let Expr::Ident(x) = list else {
            notes.push("enum list is not a table name".to_string());
            return Vec::new();
        };
        let params: &[String] = scope
            .and_then(|s| f.scopes.get(s))
            .map(|s| s.params.as_slice())
            .unwrap_or(&[]);
        if let Some(param) = params.iter().position(|p| p == x) {
            deferred.push(Deferred {
                param,
                keep_values: true,
            });
            return Vec::new();
        }
        if let Some((ti, t)) = self.table(fi, x, scope) {
            // `privacy_screen_enum, 2` takes the first entries only; ARRAY_SIZE and variables take all.
            let limit = count
                .and_then(parse_int)
                .and_then(|n| usize::try_from(n).ok());
            return self.table_values(ti, t, limit);
        }
        let ar = scope_range(&f.assigns, |a| skey(a.scope, a.pos), scope, 0, usize::MAX);
        let mut out = Vec::new();
        let mut found = false;
        for a in &f.assigns[ar] {
            let Some((array, field, _index)) = &a.lhs_fill else {
                continue;
            };
            if array != x || field != "name" {
                continue;
            }
            found = true;
            match &a.rhs {
                Expr::Subscript { array: t, .. } => match self.table(fi, t, scope) {
                    Some((ti, t)) => out.extend(self.table_values(ti, t, None)),
                    None => {
                        self.missing
                            .borrow_mut()
                            .insert((f.dir.to_string(), t.clone()));
                        notes.push(format!("enum names from `{t}[...]`, not a table"))
                    }
                },
                Expr::Call { callee, .. } => match self.name_fn_table(fi, callee) {
                    Some((ti, t)) => out.extend(self.table_values(ti, t, None)),
                    None => notes.push(format!("enum names from `{callee}()`")),
                },
                Expr::Str(s) => out.push(PropertyValue {
                    name: s.clone(),
                    value: None,
                    expr: None,
                }),
                _ => notes.push(format!("enum names filled into `{x}` from an expression")),
            }
        }
        if !found {
            self.missing
                .borrow_mut()
                .insert((f.dir.to_string(), x.clone()));
            notes.push(format!("enum list `{x}` not found"));
        }
        out
    }

    fn add_enum_values(
        &self,
        fi: usize,
        call: &Call,
        notes: &mut Vec<String>,
        deferred: &mut Vec<Deferred>,
    ) -> Vec<PropertyValue> {
        let f = &self.files[fi];
        let (Some(value), Some(name)) = (call.args.get(1), call.args.get(2)) else {
            return Vec::new();
        };
        let params: &[String] = call
            .scope
            .and_then(|s| f.scopes.get(s))
            .map(|s| s.params.as_slice())
            .unwrap_or(&[]);
        match &name.expr {
            // `modes[i]` with `modes` a parameter.
            Expr::Subscript {
                array,
                index,
                field,
            } if params.contains(array) => {
                let param = params.iter().position(|p| p == array).unwrap_or(0);
                let keep_values = if field.is_some() {
                    matches!(&value.expr, Expr::Subscript { array: a2, .. } if a2 == array)
                } else {
                    value.text == *index
                };
                deferred.push(Deferred { param, keep_values });
                Vec::new()
            }
            // `l->name` with `l` set from a parameter (or a table) in this scope.
            Expr::Field { last } if last == "name" => {
                let base = name
                    .text
                    .rsplit_once("->")
                    .or_else(|| name.text.rsplit_once('.'))
                    .map(|(b, _)| b.trim().to_string())
                    .unwrap_or_default();
                let ar = scope_range(
                    &f.assigns,
                    |a| skey(a.scope, a.pos),
                    call.scope,
                    0,
                    call.pos,
                );
                let src = f.assigns[ar]
                    .iter()
                    .rev()
                    .find(|a| a.lhs == base)
                    .map(|a| a.rhs.clone());
                let keep_values = value
                    .text
                    .rsplit_once("->")
                    .or_else(|| value.text.rsplit_once('.'))
                    .map(|(b, _)| b.trim() == base)
                    .unwrap_or(false);
                match src {
                    Some(Expr::Ident(x)) if params.contains(&x) => {
                        let param = params.iter().position(|p| *p == x).unwrap_or(0);
                        deferred.push(Deferred { param, keep_values });
                        Vec::new()
                    }
                    Some(Expr::Ident(x)) => match self.table(fi, &x, call.scope) {
                        Some((ti, t)) => {
                            let mut vals = self.table_values(ti, t, None);
                            if !keep_values {
                                vals.iter_mut()
                                    .for_each(|v| (v.value, v.expr) = (None, None));
                            }
                            vals
                        }
                        None => {
                            notes.push(format!("enum names from `{}`", name.text));
                            Vec::new()
                        }
                    },
                    _ => {
                        notes.push(format!("enum names from `{}`", name.text));
                        Vec::new()
                    }
                }
            }
            Expr::Str(s) => vec![PropertyValue {
                name: s.clone(),
                value: self.ev.value(&value.text, f.path),
                expr: Some(value.text.clone()),
            }],
            Expr::Subscript {
                array,
                index,
                field,
            } => {
                let Some((ti, t)) = self.table(fi, array, call.scope) else {
                    self.missing
                        .borrow_mut()
                        .insert((f.dir.to_string(), array.clone()));
                    notes.push(format!("enum names from `{}`", name.text));
                    return Vec::new();
                };
                let mut vals = self.table_values(ti, t, None);
                // Whether the value argument is the table's own value (T[i].type) or the index.
                let same_entry = match (&value.expr, field) {
                    (
                        Expr::Subscript {
                            array: a2,
                            index: i2,
                            field: Some(_),
                        },
                        Some(_),
                    ) => a2 == array && i2 == index,
                    _ => false,
                };
                let is_index = value.text == *index;
                if !(same_entry || (is_index && field.is_none())) {
                    for v in &mut vals {
                        v.value = None;
                        v.expr = None;
                    }
                }
                vals
            }
            _ => {
                notes.push(format!("enum names from `{}`", name.text));
                Vec::new()
            }
        }
    }

    fn site(&self, fi: usize, ci: usize) -> Site {
        let f = &self.files[fi];
        let call = &f.calls[ci];
        let scope = call.scope.and_then(|s| f.scopes.get(s));
        let params: &[String] = scope.map(|s| s.params.as_slice()).unwrap_or(&[]);
        let arg = |i: usize| call.args.get(i);
        let flags = src_of(arg(1), params).unwrap_or(Src::Text(String::new()));
        let mut kind = kind_of(&call.callee);
        if call.callee == "drm_property_create" {
            if let Src::Text(t) = &flags {
                kind = split_flags(t).0.unwrap_or(PropertyKind::Unknown);
            }
        }
        let name = match arg(2).map(|a| &a.expr) {
            Some(Expr::Str(s)) => NameSrc::Lit(s.clone()),
            Some(Expr::Stringify(p)) => match params.iter().position(|x| x == p) {
                Some(idx) => NameSrc::Param {
                    idx,
                    stringify: true,
                },
                None => NameSrc::Other(format!("#{p}")),
            },
            Some(Expr::Ident(x)) => match params.iter().position(|p| p == x) {
                Some(idx) => NameSrc::Param {
                    idx,
                    stringify: false,
                },
                None => NameSrc::Other(x.clone()),
            },
            Some(_) => NameSrc::Other(arg(2).map(|a| a.text.clone()).unwrap_or_default()),
            None => NameSrc::Other(String::new()),
        };
        let (min, max) = match call.callee.as_str() {
            "drm_property_create_range" | "drm_property_create_signed_range" => {
                (src_of(arg(3), params), src_of(arg(4), params))
            }
            "drm_property_create_bool" => {
                (Some(Src::Text("0".into())), Some(Src::Text("1".into())))
            }
            _ => (None, None),
        };
        let object_type = (call.callee == "drm_property_create_object")
            .then(|| arg(3).map(|a| a.text.clone()))
            .flatten();
        let mut notes = Vec::new();
        let mut values = Vec::new();
        let mut deferred = Vec::new();
        if matches!(
            call.callee.as_str(),
            "drm_property_create_enum" | "drm_property_create_bitmask"
        ) {
            if let Some(list) = arg(3) {
                values = self.list_values(
                    fi,
                    call.scope,
                    &list.expr,
                    arg(4).map(|a| a.text.as_str()),
                    &mut notes,
                    &mut deferred,
                );
            }
        }
        let fl = follow(f, call.scope, call.pos);
        for ai in fl.add_enums {
            values.extend(self.add_enum_values(fi, &f.calls[ai], &mut notes, &mut deferred));
        }
        Site {
            fi,
            ci,
            kind,
            flags,
            min,
            max,
            object_type,
            name,
            values,
            notes,
            deferred,
        }
    }

    /// Values of a deferred (parameter) table at one call of the site's scope.
    fn deferred_values(
        &self,
        d: Deferred,
        cf: usize,
        ci: usize,
        notes: &mut Vec<String>,
    ) -> Vec<PropertyValue> {
        let f = &self.files[cf];
        let Some(call) = f.calls.get(ci) else {
            return Vec::new();
        };
        let Some(arg) = call.args.get(d.param) else {
            return Vec::new();
        };
        let table = match &arg.expr {
            Expr::Ident(t) if t == "NULL" => return Vec::new(),
            Expr::Ident(t) => {
                let x = self.table(cf, t, call.scope);
                let is_param = call
                    .scope
                    .and_then(|s| f.scopes.get(s))
                    .map(|s| s.params.contains(t))
                    .unwrap_or(false);
                if x.is_none() && !is_param {
                    self.missing
                        .borrow_mut()
                        .insert((f.dir.to_string(), t.clone()));
                }
                x
            }
            _ => None,
        };
        match table {
            Some((ti, t)) => {
                let mut vals = self.table_values(ti, t, None);
                if !d.keep_values {
                    vals.iter_mut()
                        .for_each(|v| (v.value, v.expr) = (None, None));
                }
                vals
            }
            None => {
                notes.push(format!(
                    "enum names passed as `{}` at {}:{}",
                    arg.text, f.path, call.line
                ));
                Vec::new()
            }
        }
    }

    /// The calls that reach the scope of a site.
    fn calls_to(&self, fi: usize, scope: Option<usize>) -> Vec<(usize, usize)> {
        let Some(s) = scope.and_then(|s| self.files[fi].scopes.get(s)) else {
            return Vec::new();
        };
        let Some(calls) = self.index.calls_by_callee.get(&s.name) else {
            return Vec::new();
        };
        calls
            .iter()
            .copied()
            .filter(|&(cf, _)| {
                self.index.resolve(self.files, &s.name, cf) == Some((fi, scope.unwrap_or(0)))
            })
            .collect()
    }

    /// Instances of a template whose name is parameter `idx` of the scope `(fi, si)`: one per call
    /// site passing a literal (through up to MAX_CHAIN levels of callers).
    #[allow(clippy::too_many_arguments)]
    fn callers(
        &self,
        site: usize,
        fi: usize,
        si: usize,
        idx: usize,
        stringify: bool,
        depth: usize,
        follows: &[(usize, Option<usize>, usize)],
        args: Option<(usize, usize)>,
        out: &mut Vec<Instance>,
        unresolved: &mut Vec<Unresolved>,
    ) -> usize {
        let Some(scope) = self.files[fi].scopes.get(si) else {
            return 0;
        };
        let mut found = 0;
        let Some(calls) = self.index.calls_by_callee.get(&scope.name) else {
            return 0;
        };
        for &(cf, ci) in calls {
            let left = self.budget.get();
            if left == 0 {
                break;
            }
            self.budget.set(left - 1);
            if self.index.resolve(self.files, &scope.name, cf) != Some((fi, si)) {
                continue;
            }
            let f = &self.files[cf];
            let call = &f.calls[ci];
            if PRIMITIVES.contains(&f.scope_name(call.scope)) {
                continue;
            }
            let Some(arg) = call.args.get(idx) else {
                continue;
            };
            found += 1;
            let mut fl = follows.to_vec();
            fl.push((cf, call.scope, call.pos));
            let caller_params: &[String] = call
                .scope
                .and_then(|s| f.scopes.get(s))
                .map(|s| s.params.as_slice())
                .unwrap_or(&[]);
            let name = match &arg.expr {
                Expr::Str(s) => Some(s.clone()),
                Expr::Stringify(p) | Expr::Ident(p)
                    if caller_params.contains(p) && depth < MAX_CHAIN =>
                {
                    let pidx = caller_params.iter().position(|x| x == p).unwrap_or(0);
                    let st = stringify || matches!(arg.expr, Expr::Stringify(_));
                    if let Some(cs) = call.scope {
                        let n = self.callers(
                            site,
                            cf,
                            cs,
                            pidx,
                            st,
                            depth + 1,
                            &fl,
                            args.or(Some((cf, ci))),
                            out,
                            unresolved,
                        );
                        if n == 0 {
                            unresolved.push(Unresolved {
                                file: f.path.to_string(),
                                line: call.line,
                                function: f.scope_name(call.scope).to_string(),
                                reason: format!("property name is parameter `{p}` of `{}`, which has no call site", f.scope_name(call.scope)),
                            });
                        }
                    }
                    continue;
                }
                _ if stringify => Some(arg.text.clone()),
                _ => None,
            };
            match name {
                Some(name) => out.push(Instance {
                    name,
                    helper: None,
                    fi: cf,
                    line: call.line,
                    scope: call.scope,
                    site,
                    args: args.or(Some((cf, ci))),
                    follows: fl,
                }),
                None => unresolved.push(Unresolved {
                    file: f.path.to_string(),
                    line: call.line,
                    function: f.scope_name(call.scope).to_string(),
                    reason: format!(
                        "property name passed to `{}` is not a string literal: `{}`",
                        scope.name, arg.text
                    ),
                }),
            }
        }
        found
    }
}

fn prefilter(bytes: &[u8], finders: &[memmem::Finder]) -> bool {
    finders.iter().any(|f| f.find(bytes).is_some())
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Positions in `bytes` of identifiers from `names` that have "drm" in them (found by scanning
/// the occurrences of "drm"), and of the `others` (names without "drm", searched one by one).
fn mentions(
    bytes: &[u8],
    drm: &memmem::Finder,
    names: &HashSet<Vec<u8>>,
    others: &[memmem::Finder],
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for at in drm.find_iter(bytes) {
        if at < last_end {
            continue;
        }
        let mut s = at;
        while s > 0 && is_ident(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = at;
        while e < bytes.len() && is_ident(bytes[e]) {
            e += 1;
        }
        last_end = e;
        if names.contains(&bytes[s..e]) {
            out.push(s);
        }
    }
    for f in others {
        out.extend(f.find_iter(bytes));
    }
    out
}

/// Byte ranges of a file parsed on their own.
type Regions = Vec<(usize, usize)>;

/// Files parsed so far: full parses, and region parses of files that only call helpers.
struct Parsed<'a> {
    slots: Vec<Option<FileFacts<'a>>>,
    /// Regions parsed, for region-parsed files; None for full parses.
    regions: Vec<Option<Regions>>,
}

impl<'a> Parsed<'a> {
    /// (Re)parses files: `Some(positions)` around those positions (with the regions already
    /// parsed), `None` whole.
    fn parse(&mut self, files: &[SourceFile<'a>], jobs: Vec<(usize, Option<Vec<usize>>)>) {
        let jobs: Vec<(usize, Option<Regions>)> = jobs
            .into_iter()
            .filter_map(|(i, pos)| {
                let bytes = files[i].bytes;
                let regions = match (pos, &self.regions[i], self.slots[i].is_some()) {
                    (_, None, true) => return None, // already whole
                    (None, _, _) => None,
                    (Some(pos), old, _) => {
                        let mut r = super::parse::regions_around(bytes, &pos);
                        if let Some(old) = old {
                            r.extend(old.iter().copied());
                            r.sort_unstable();
                            let mut merged: Vec<(usize, usize)> = Vec::new();
                            for x in r {
                                match merged.last_mut() {
                                    Some(last) if x.0 <= last.1 => last.1 = last.1.max(x.1),
                                    _ => merged.push(x),
                                }
                            }
                            r = merged;
                        }
                        let size: usize = r.iter().map(|x| x.1 - x.0).sum();
                        if old.as_ref() == Some(&r) {
                            return None;
                        }
                        (size * 2 < bytes.len()).then_some(r)
                    }
                };
                Some((i, regions))
            })
            .collect();
        let parsed: Vec<(usize, Option<Regions>, FileFacts<'a>)> = jobs
            .into_par_iter()
            .map(|(i, regions)| {
                let f = &files[i];
                let mut facts = parse_file(
                    f.path,
                    f.bytes,
                    owner_of(f.path),
                    regions.is_none(),
                    regions.as_deref(),
                );
                facts.src_index = i;
                (i, regions, facts)
            })
            .collect();
        for (i, regions, facts) in parsed {
            self.slots[i] = Some(facts);
            self.regions[i] = regions;
        }
    }

    fn whole(&self, i: usize) -> bool {
        self.slots[i].is_some() && self.regions[i].is_none()
    }
}

/// Finders for what makes a file parsed whole from the start: the creation, fill and attach
/// calls, and (in headers) enum value tables.
static FIRST_ROUND: LazyLock<[memmem::Finder<'static>; 4]> = LazyLock::new(|| {
    [
        "drm_property_create",
        ADD_ENUM,
        ATTACH,
        "drm_prop_enum_list",
    ]
    .map(|n| memmem::Finder::new(n.as_bytes()))
});

/// Whether a file is parsed whole in the first round (the others only if later rounds find
/// calls to helpers in them).
pub(crate) fn parsed_whole(file: &SourceFile) -> bool {
    let needles = &*FIRST_ROUND;
    prefilter(file.bytes, &needles[..3])
        || (file.path.ends_with(".h") && prefilter(file.bytes, &needles[3..]))
}

pub(crate) fn extract(files: &[SourceFile], eval: EvalFn) -> KmsModel {
    let first: Vec<(usize, Option<Vec<usize>>)> = (0..files.len())
        .into_par_iter()
        .filter(|&i| parsed_whole(&files[i]))
        .map(|i| (i, None))
        .collect();
    let mut parsed = Parsed {
        slots: (0..files.len()).map(|_| None).collect(),
        regions: vec![None; files.len()],
    };
    parsed.parse(files, first);

    // Rounds: derive the core helpers and driver wrappers from what is parsed, then parse the
    // places that call them (the functions around the calls), until nothing new turns up.
    let drm = memmem::Finder::new(b"drm");
    let mut searched: HashSet<String> = HashSet::new();
    for _ in 0..MAX_ROUNDS {
        let facts: Vec<FileFacts> = parsed.slots.iter_mut().filter_map(Option::take).collect();
        let index = Index::build(&facts);
        let (helpers, _) = core_helpers(&facts, &index);
        let wrappers = name_wrappers(&facts);
        drop(index);
        for f in facts {
            let i = f.src_index;
            parsed.slots[i] = Some(f);
        }
        let new_helpers: Vec<String> = helpers
            .into_iter()
            .filter(|h| !searched.contains(h))
            .collect();
        let new_wrappers: Vec<(String, String)> = wrappers
            .into_iter()
            .filter(|(_, w)| !searched.contains(&format!("{w}@")))
            .collect();
        if new_helpers.is_empty() && new_wrappers.is_empty() {
            break;
        }
        let with_drm: HashSet<Vec<u8>> = new_helpers
            .iter()
            .filter(|h| h.contains("drm"))
            .map(|h| h.as_bytes().to_vec())
            .collect();
        let others: Vec<memmem::Finder> = new_helpers
            .iter()
            .filter(|h| !h.contains("drm"))
            .map(|h| memmem::Finder::new(h.as_bytes()).into_owned())
            .collect();
        let wrapper_finders: Vec<(String, memmem::Finder)> = new_wrappers
            .iter()
            .map(|(o, w)| (o.clone(), memmem::Finder::new(w.as_bytes()).into_owned()))
            .collect();
        searched.extend(new_helpers.iter().cloned());
        searched.extend(new_wrappers.iter().map(|(_, w)| format!("{w}@")));
        let jobs: Vec<(usize, Option<Vec<usize>>)> = (0..files.len())
            .into_par_iter()
            .filter(|&i| !parsed.whole(i))
            .filter_map(|i| {
                let f = &files[i];
                if !(f.path.ends_with(".c") || f.path.ends_with(".h")) {
                    return None;
                }
                let mut pos = mentions(f.bytes, &drm, &with_drm, &others);
                let owner = owner_of(f.path);
                for (o, w) in &wrapper_finders {
                    if *o == owner {
                        pos.extend(w.find_iter(f.bytes));
                    }
                }
                (!pos.is_empty()).then_some((i, Some(pos)))
            })
            .collect();
        if jobs.is_empty() {
            break;
        }
        parsed.parse(files, jobs);
    }
    // Resolve; if enum tables named at calls live in files not parsed (whole) yet (a driver's
    // table in another file of its directory), parse those and resolve again.
    let mut extra_round = true;
    loop {
        let mut facts: Vec<FileFacts> = parsed.slots.iter_mut().filter_map(Option::take).collect();
        facts.sort_by(|a, b| a.path.cmp(b.path));
        let (model, missing) = {
            let index = Index::build(&facts);
            let r = Resolver {
                files: &facts,
                index,
                ev: Ev { eval },
                missing: Default::default(),
                budget: CHAIN_BUDGET.into(),
            };
            let model = resolve_all(&r);
            (model, r.missing.take())
        };
        if !extra_round || missing.is_empty() {
            return model;
        }
        extra_round = false;
        for f in facts {
            let i = f.src_index;
            parsed.slots[i] = Some(f);
        }
        let jobs: Vec<(usize, Option<Vec<usize>>)> = (0..files.len())
            .into_par_iter()
            .filter(|&i| !parsed.whole(i))
            .filter(|&i| {
                let f = &files[i];
                let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                missing
                    .iter()
                    .any(|(d, name)| d == dir && memmem::find(f.bytes, name.as_bytes()).is_some())
            })
            .map(|i| (i, None))
            .collect();
        if jobs.is_empty() {
            return model;
        }
        parsed.parse(files, jobs);
    }
}

/// A creation call that is part of the creation API itself: inside one of the primitives, or
/// in the file defining them with a name that is not a literal (its internal helpers).
fn is_api(f: &FileFacts, c: &Call) -> bool {
    if PRIMITIVES.contains(&f.scope_name(c.scope)) {
        return true;
    }
    let literal = matches!(c.args.get(2).map(|a| &a.expr), Some(Expr::Str(_)));
    !literal
        && f.scopes
            .iter()
            .any(|s| !s.is_macro && PRIMITIVES.contains(&s.name.as_str()))
}

/// Hops through exported core callers: a driver reaches a creator through one exported core
/// function wrapping another (`drm_writeback_connector_init` → `..._with_encoder`).
const EXPORTED_HOPS: usize = 1;

/// Scopes of core files that create properties (sites), plus the core functions that call them:
/// static (file-local) helpers pass to all their callers; exported helpers only to exported
/// callers, EXPORTED_HOPS levels (a driver-facing helper calling a static one that creates is the
/// helper; a static path from an exported helper back up to a generic init function is not).
/// Returns the helper names and, per helper, the (fi, si) of its scope.
fn core_helpers(
    files: &[FileFacts],
    index: &Index,
) -> (BTreeSet<String>, HashMap<String, (usize, usize)>) {
    let mut helpers: BTreeSet<String> = BTreeSet::new();
    let mut at: HashMap<String, (usize, usize)> = HashMap::new();
    let mut queue: Vec<(usize, usize, usize)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if f.owner != "core" {
            continue;
        }
        for c in &f.calls {
            let Some(si) = c.scope else { continue };
            let s = &f.scopes[si];
            if PRIMITIVES.contains(&c.callee.as_str())
                && !is_api(f, c)
                && helpers.insert(s.name.clone())
            {
                at.insert(s.name.clone(), (fi, si));
                queue.push((fi, si, EXPORTED_HOPS));
            }
        }
    }
    let mut guard = 0;
    while let Some((fi, si, hops)) = queue.pop() {
        guard += 1;
        if guard > 10_000 {
            break;
        }
        let name = &files[fi].scopes[si].name;
        for &(cf, ci) in index
            .calls_by_callee
            .get(name)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
        {
            if files[cf].owner != "core" || index.resolve(files, name, cf) != Some((fi, si)) {
                continue;
            }
            let Some(cs) = files[cf].calls[ci].scope else {
                continue;
            };
            let caller = &files[cf].scopes[cs];
            if PRIMITIVES.contains(&caller.name.as_str()) {
                continue;
            }
            // From a static helper every caller counts (static ones continue the walk, an
            // exported one starts with the full hop budget); from an exported helper only
            // exported callers, each using a hop.
            let left = match (files[fi].scopes[si].is_static, caller.is_static) {
                (true, true) => hops,
                (true, false) => EXPORTED_HOPS,
                (false, true) => continue,
                (false, false) if hops > 0 => hops - 1,
                (false, false) => continue,
            };
            if helpers.insert(caller.name.clone()) {
                at.insert(caller.name.clone(), (cf, cs));
                queue.push((cf, cs, left));
            }
        }
    }
    (helpers, at)
}

/// Driver scopes whose creation takes its name from a parameter: (owner, scope name).
fn name_wrappers(files: &[FileFacts]) -> Vec<(String, String)> {
    let mut out = BTreeSet::new();
    for f in files {
        for c in &f.calls {
            if !PRIMITIVES.contains(&c.callee.as_str()) {
                continue;
            }
            let Some(s) = c.scope.and_then(|s| f.scopes.get(s)) else {
                continue;
            };
            if is_api(f, c) {
                continue;
            }
            let is_param = match c.args.get(2).map(|a| &a.expr) {
                Some(Expr::Ident(x)) | Some(Expr::Stringify(x)) => s.params.contains(x),
                _ => false,
            };
            if is_param {
                out.insert((f.owner.clone(), s.name.clone()));
            }
        }
    }
    out.into_iter().collect()
}

fn subst(
    src: &Option<Src>,
    args: Option<(usize, usize)>,
    site_path: &str,
    files: &[FileFacts],
) -> Option<(String, String)> {
    match src.as_ref()? {
        Src::Text(t) => Some((t.clone(), site_path.to_string())),
        Src::Param(i) => {
            let (cf, ci) = args?;
            let f = files.get(cf)?;
            let a = f.calls.get(ci)?.args.get(*i)?;
            Some((a.text.clone(), f.path.to_string()))
        }
    }
}

fn resolve_all(r: &Resolver) -> KmsModel {
    let files = r.files;
    let mut unresolved = Vec::new();
    let mut sites = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for (ci, c) in f.calls.iter().enumerate() {
            if !PRIMITIVES.contains(&c.callee.as_str()) {
                continue;
            }
            if is_api(f, c) {
                continue; // the creation API itself (drm_property.c)
            }
            sites.push(r.site(fi, ci));
        }
    }

    // Instances.
    let mut instances: Vec<Instance> = Vec::new();
    for (si, s) in sites.iter().enumerate() {
        let f = &files[s.fi];
        let call = &f.calls[s.ci];
        match &s.name {
            NameSrc::Lit(name) => {
                instances.push(Instance {
                    name: name.clone(),
                    helper: None,
                    fi: s.fi,
                    line: call.line,
                    scope: call.scope,
                    site: si,
                    args: None,
                    follows: vec![(s.fi, call.scope, call.pos)],
                });
                // Enum names a caller passes in (a driver's TV mode names handed to a core
                // helper): the values belong to the caller's owner, one instance per call.
                if !s.deferred.is_empty() {
                    for (cf, ci) in r.calls_to(s.fi, call.scope) {
                        let c = &files[cf].calls[ci];
                        if files[cf].owner == f.owner {
                            continue;
                        }
                        instances.push(Instance {
                            name: name.clone(),
                            helper: Some(f.scope_name(call.scope).to_string()),
                            fi: cf,
                            line: c.line,
                            scope: c.scope,
                            site: si,
                            args: Some((cf, ci)),
                            follows: vec![(s.fi, call.scope, call.pos), (cf, c.scope, c.pos)],
                        });
                    }
                }
            }
            NameSrc::Param { idx, stringify } => {
                let follows = [(s.fi, call.scope, call.pos)];
                let n = match call.scope {
                    Some(scope) => r.callers(
                        si,
                        s.fi,
                        scope,
                        *idx,
                        *stringify,
                        0,
                        &follows,
                        None,
                        &mut instances,
                        &mut unresolved,
                    ),
                    None => 0,
                };
                if n == 0 {
                    let p = call
                        .scope
                        .and_then(|x| f.scopes.get(x))
                        .and_then(|x| x.params.get(*idx))
                        .cloned()
                        .unwrap_or_default();
                    unresolved.push(Unresolved {
                        file: f.path.to_string(),
                        line: call.line,
                        function: f.scope_name(call.scope).to_string(),
                        reason: format!(
                            "property name is parameter `{p}` of `{}`, which has no call site",
                            f.scope_name(call.scope)
                        ),
                    });
                }
            }
            NameSrc::Other(text) => unresolved.push(Unresolved {
                file: f.path.to_string(),
                line: call.line,
                function: f.scope_name(call.scope).to_string(),
                reason: if text.is_empty() {
                    format!("`{}` call without a name argument", call.callee)
                } else {
                    format!("property name is not a string literal: `{text}`")
                },
            }),
        }
        for note in &s.notes {
            unresolved.push(Unresolved {
                file: f.path.to_string(),
                line: call.line,
                function: f.scope_name(call.scope).to_string(),
                reason: format!("enum values of property at this call: {note}"),
            });
        }
    }

    // Attach calls by stored field (or file-local variable) for the cross-function attachments.
    let mut attach_by_key: HashMap<String, Vec<(&str, &'static str)>> = HashMap::new();
    for f in files {
        for c in &f.calls {
            if c.callee != ATTACH {
                continue;
            }
            let (Some(obj), Some(prop)) = (c.args.first().and_then(|a| a.object), c.args.get(1))
            else {
                continue;
            };
            let key = match &prop.expr {
                Expr::Field { last } => last.clone(),
                Expr::Ident(x) => {
                    // `prop = connector->colorspace_property; attach(&connector->base, prop, ...)`
                    let ar = scope_range(&f.assigns, |a| skey(a.scope, a.pos), c.scope, 0, c.pos);
                    match f.assigns[ar]
                        .iter()
                        .rev()
                        .find(|a| a.lhs == *x)
                        .map(|a| &a.rhs)
                    {
                        Some(Expr::Field { last }) => last.clone(),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            attach_by_key
                .entry(key)
                .or_default()
                .push((f.owner.as_str(), obj));
        }
    }

    // Properties per instance, then merged per (owner, name).
    let mut by_id: BTreeMap<(String, String), Vec<Property>> = BTreeMap::new();
    for inst in &instances {
        let s = &sites[inst.site];
        let f = &files[inst.fi];
        let site_path = files[s.fi].path;
        let owner = f.owner.clone();
        let mut values = s.values.clone();
        let mut attached: BTreeSet<&str> = BTreeSet::new();
        let mut notes = Vec::new();
        if !s.deferred.is_empty() {
            // Same-owner callers supply the site owner's own values; other owners get their own
            // instances (above).
            let calls = match inst.args {
                Some(a) => vec![a],
                None => r
                    .calls_to(s.fi, files[s.fi].calls[s.ci].scope)
                    .into_iter()
                    .filter(|(cf, _)| files[*cf].owner == owner)
                    .collect(),
            };
            for d in &s.deferred {
                for &(cf, ci) in &calls {
                    values.extend(r.deferred_values(*d, cf, ci, &mut notes));
                }
            }
            if calls.is_empty() && r.calls_to(s.fi, files[s.fi].calls[s.ci].scope).is_empty() {
                notes.push(format!(
                    "enum names come from a parameter of `{}`, which has no call site",
                    files[s.fi].scope_name(files[s.fi].calls[s.ci].scope)
                ));
            }
        }
        // A creating function that returns the property: follow it at its callers too.
        let mut follows = inst.follows.clone();
        if let Some(&(sfi, sscope, spos)) = inst.follows.first() {
            let sf = &files[sfi];
            let var = follow(sf, sscope, spos).var;
            let callee = &sf.calls[s.ci].callee;
            let returned = sf
                .returns
                .iter()
                .filter(|x| x.scope == sscope && sscope.is_some())
                .any(|x| match &x.value {
                    Expr::Ident(v) => Some(v) == var.as_ref(),
                    Expr::Call { callee: c, .. } => c == callee,
                    _ => false,
                });
            if returned && inst.args.is_none() {
                for (cf, ci) in r.calls_to(sfi, sscope).into_iter().take(64) {
                    let c = &files[cf].calls[ci];
                    follows.push((cf, c.scope, c.pos));
                }
            }
        }
        for (i, &(ffi, scope, pos)) in follows.iter().enumerate() {
            let ff = &files[ffi];
            let mut fl = follow(ff, scope, pos);
            // A macro assigning to its own parameter (`p = drm_property_create(...)`) stores into
            // whatever the invocation passes there.
            if let (0, Some(var), Some((cf, ci))) = (i, fl.var.as_ref(), inst.args) {
                let sc = scope.and_then(|x| ff.scopes.get(x));
                if let Some(k) = sc
                    .filter(|x| x.is_macro)
                    .and_then(|x| x.params.iter().position(|p| p == var))
                {
                    if let Some(Expr::Field { last }) = files[cf]
                        .calls
                        .get(ci)
                        .and_then(|c| c.args.get(k))
                        .map(|a| &a.expr)
                    {
                        fl.keys.push(last.clone());
                    }
                }
            }
            attached.extend(fl.attached.iter().copied());
            if i > 0 {
                let mut deferred = Vec::new();
                for ai in fl.add_enums {
                    values.extend(r.add_enum_values(ffi, &ff.calls[ai], &mut notes, &mut deferred));
                }
            }
            for key in &fl.keys {
                for (o, obj) in attach_by_key.get(key).map(|v| v.as_slice()).unwrap_or(&[]) {
                    if *o == owner || owner == "core" || *o == ff.owner {
                        attached.insert(obj);
                    }
                }
            }
        }
        let flags_text = subst(&Some(s.flags.clone()), inst.args, site_path, files)
            .map(|x| x.0)
            .unwrap_or_default();
        let (kind_from_flags, mut flags, any) = split_flags(&flags_text);
        if !any && parse_int(&flags_text) != Some(0) && !flags_text.is_empty() {
            flags.push(format!("?{flags_text}"));
        }
        let mut kind = s.kind;
        if kind == PropertyKind::Unknown {
            kind = kind_from_flags.unwrap_or(PropertyKind::Unknown);
        }
        flags.sort();
        flags.dedup();
        let range = if matches!(kind, PropertyKind::Range | PropertyKind::SignedRange) {
            let b = |x: &Option<Src>| {
                subst(x, inst.args, site_path, files).and_then(|(t, p)| r.ev.value(&t, &p))
            };
            Some((b(&s.min), b(&s.max)))
        } else {
            None
        };
        let site_scope = files[s.fi].calls[s.ci].scope;
        let helper = inst
            .helper
            .clone()
            .or_else(|| (owner == "core").then(|| files[s.fi].scope_name(site_scope).to_string()))
            .filter(|h| !h.is_empty());
        by_id
            .entry((owner.clone(), inst.name.clone()))
            .or_default()
            .push(Property {
                name: inst.name.clone(),
                owner,
                kind,
                flags,
                range,
                values,
                attached_to: attached.iter().map(|s| s.to_string()).collect(),
                file: f.path.to_string(),
                line: inst.line,
                function: f.scope_name(inst.scope).to_string(),
                helper,
                object_type: s.object_type.clone(),
                other_sites: Vec::new(),
            });
        for note in notes {
            unresolved.push(Unresolved {
                file: f.path.to_string(),
                line: inst.line,
                function: f.scope_name(inst.scope).to_string(),
                reason: format!("enum values of \"{}\": {note}", inst.name),
            });
        }
    }
    let properties: Vec<Property> = by_id.into_values().filter_map(merge).collect();

    // Exposures: driver calls into core helpers.
    let (helpers, at) = core_helpers(files, &r.index);
    let helper_props = helper_properties(files, &r.index, &helpers, &at, &properties);
    let mut exposures = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if f.owner == "core" {
            continue;
        }
        for c in &f.calls {
            if !helpers.contains(&c.callee) {
                continue;
            }
            let Some(target) = r.index.resolve(files, &c.callee, fi) else {
                continue;
            };
            if files[target.0].owner != "core" {
                continue;
            }
            exposures.push(Exposure {
                owner: f.owner.clone(),
                helper: c.callee.clone(),
                file: f.path.to_string(),
                line: c.line,
                function: f.scope_name(c.scope).to_string(),
                properties: helper_props
                    .get(&c.callee)
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default(),
            });
        }
    }
    exposures.sort_by(|a, b| {
        (&a.owner, &a.file, a.line, &a.helper).cmp(&(&b.owner, &b.file, b.line, &b.helper))
    });
    exposures.dedup();
    unresolved.sort_by(|a, b| (&a.file, a.line, &a.reason).cmp(&(&b.file, b.line, &b.reason)));
    unresolved.dedup();
    KmsModel {
        properties,
        exposures,
        unresolved,
    }
}

/// Property names each helper creates, itself or through the core functions it calls.
fn helper_properties(
    files: &[FileFacts],
    index: &Index,
    helpers: &BTreeSet<String>,
    at: &HashMap<String, (usize, usize)>,
    properties: &[Property],
) -> HashMap<String, BTreeSet<String>> {
    let mut direct: HashMap<String, BTreeSet<String>> = HashMap::new();
    for p in properties.iter().filter(|p| p.owner == "core") {
        if let Some(h) = &p.helper {
            direct.entry(h.clone()).or_default().insert(p.name.clone());
        }
        for site in &p.other_sites {
            if let Some(h) = site.rsplit_once(" in ").map(|x| x.1) {
                direct
                    .entry(h.to_string())
                    .or_default()
                    .insert(p.name.clone());
            }
        }
    }
    // Calls between helpers.
    let mut callees: HashMap<&str, Vec<&str>> = HashMap::new();
    for h in helpers {
        let Some(&(fi, si)) = at.get(h) else { continue };
        let f = &files[fi];
        for c in f.calls.iter().filter(|c| c.scope == Some(si)) {
            if helpers.contains(&c.callee)
                && index
                    .resolve(files, &c.callee, fi)
                    .map(|t| files[t.0].owner == "core")
                    .unwrap_or(false)
            {
                callees
                    .entry(h.as_str())
                    .or_default()
                    .push(c.callee.as_str());
            }
        }
    }
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for h in helpers {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = vec![h.as_str()];
        let mut names = BTreeSet::new();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) || seen.len() > 1000 {
                continue;
            }
            if let Some(d) = direct.get(x) {
                names.extend(d.iter().cloned());
            }
            stack.extend(callees.get(x).map(|v| v.as_slice()).unwrap_or(&[]));
        }
        out.insert(h.clone(), names);
    }
    out
}

/// One property per (owner, name): the first site (by file, line) gives the location and type;
/// flags and attachments are unions, values are merged by name, a range differing between sites
/// becomes the hull of the known bounds.
fn merge(mut list: Vec<Property>) -> Option<Property> {
    list.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut iter = list.into_iter();
    let mut p = iter.next()?;
    let mut all_flags: BTreeSet<String> = p.flags.iter().cloned().collect();
    let mut common: BTreeSet<String> = all_flags.clone();
    let mut attached: BTreeSet<String> = p.attached_to.iter().cloned().collect();
    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(if p.function.is_empty() {
        format!("{}:{}", p.file, p.line)
    } else {
        format!("{}:{} in {}", p.file, p.line, p.function)
    });
    for q in iter {
        let qf: BTreeSet<String> = q.flags.iter().cloned().collect();
        common = common.intersection(&qf).cloned().collect();
        all_flags.extend(qf);
        if p.kind == PropertyKind::Unknown {
            p.kind = q.kind;
        }
        attached.extend(q.attached_to.iter().cloned());
        p.range = match (p.range, q.range) {
            (Some(a), Some(b)) if a == b => Some(a),
            (Some((amin, amax)), Some((bmin, bmax))) => Some((
                amin.zip(bmin).map(|(x, y)| x.min(y)),
                amax.zip(bmax).map(|(x, y)| x.max(y)),
            )),
            (a, b) => a.or(b),
        };
        p.values.extend(q.values);
        if p.object_type.is_none() {
            p.object_type = q.object_type;
        }
        let site = if q.function.is_empty() {
            format!("{}:{}", q.file, q.line)
        } else {
            format!("{}:{} in {}", q.file, q.line, q.function)
        };
        if seen.insert(site.clone()) {
            p.other_sites.push(site);
        }
    }
    // A flag only some sites set (zpos: mutable and immutable variants) is marked as such.
    p.flags = all_flags
        .iter()
        .map(|f| {
            if common.contains(f) {
                f.clone()
            } else {
                format!("{f} (some sites)")
            }
        })
        .collect();
    p.attached_to = attached.into_iter().collect();
    // Values by name: first known value wins.
    let mut by_name: BTreeMap<String, PropertyValue> = BTreeMap::new();
    for v in std::mem::take(&mut p.values) {
        match by_name.get_mut(&v.name) {
            Some(e) => {
                if e.value.is_none() && v.value.is_some() {
                    *e = v;
                }
            }
            None => {
                by_name.insert(v.name.clone(), v);
            }
        }
    }
    let mut values: Vec<PropertyValue> = by_name.into_values().collect();
    values.sort_by(|a, b| {
        (a.value.is_none(), a.value, &a.name).cmp(&(b.value.is_none(), b.value, &b.name))
    });
    p.values = values;
    Some(p)
}
