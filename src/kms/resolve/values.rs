//! Enum and bitmask values: from value tables (in the file, or beside it in its directory), from
//! arrays filled in a loop, from `drm_property_add_enum` calls, and from tables the callers pass in.

use super::super::parse::{Call, EntryValue, Expr, Table};
use super::super::PropertyValue;
use super::index::{scope_range, skey};
use super::sites::Deferred;
use super::{parse_int, Resolver};

impl Resolver<'_, '_> {
    /// The table `name` as file `fi` sees it (in `scope`), else a file-scope table of a file in the
    /// same directory (headers and files beside it).
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

    /// The entries of a table as enum values (the first `limit`), each evaluated in its file.
    fn table_values(&self, fi: usize, t: &Table, limit: Option<usize>) -> Vec<PropertyValue> {
        let path = self.files[fi].path.as_str();
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
    pub(super) fn list_values(
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

    /// Values a `drm_property_add_enum` call adds: a literal, a table entry, or an entry of a
    /// table passed in through a parameter (deferred to the callers).
    pub(super) fn add_enum_values(
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
                value: self.ev.value(&value.text, &f.path),
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

    /// Values of a deferred (parameter) table at one call of the site's scope.
    pub(super) fn deferred_values(
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
}
