//! Lookups across the parsed files: the scope a call reaches, a file's calls and assignments in one
//! scope, and what becomes of a call's result.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::super::parse::{Expr, FileFacts};
use super::{ADD_ENUM, ATTACH};
use crate::change::area::is_core;

/// Scopes by name and calls by callee, across the parsed files (the names borrowed from them).
pub(super) struct Index<'f> {
    scopes_by_name: FxHashMap<&'f str, Vec<(usize, usize)>>,
    pub(super) calls_by_callee: FxHashMap<&'f str, Vec<(usize, usize)>>,
}

impl<'f> Index<'f> {
    pub(super) fn build(files: &'f [Arc<FileFacts>]) -> Index<'f> {
        // At most one name per scope and one callee per call: sized so that no table regrows.
        let sized = |n: usize| FxHashMap::with_capacity_and_hasher(n, Default::default());
        let mut scopes_by_name: FxHashMap<&str, Vec<(usize, usize)>> =
            sized(files.iter().map(|f| f.scopes.len()).sum());
        let mut calls_by_callee: FxHashMap<&str, Vec<(usize, usize)>> =
            sized(files.iter().map(|f| f.calls.len()).sum());
        for (fi, f) in files.iter().enumerate() {
            for (si, s) in f.scopes.iter().enumerate() {
                scopes_by_name
                    .entry(s.name.as_str())
                    .or_default()
                    .push((fi, si));
            }
            for (ci, c) in f.calls.iter().enumerate() {
                calls_by_callee
                    .entry(c.callee.as_str())
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
    pub(super) fn resolve(
        &self,
        files: &[Arc<FileFacts>],
        name: &str,
        from: usize,
    ) -> Option<(usize, usize)> {
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
                    is_core(&files[*fi].owner) && !files[*fi].scopes[*si].is_static
                })
            })
            .copied()
    }
}

/// Range of a file's calls (or assigns) in one scope, by (scope, pos) order.
pub(super) fn scope_range<T>(
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

/// The sort key of a call or assignment: scope (file scope first), then position.
pub(super) fn skey(scope: Option<usize>, pos: usize) -> (usize, usize) {
    (scope.map(|x| x + 1).unwrap_or(0), pos)
}

#[derive(Default)]
pub(super) struct Follow {
    /// The variable (or lvalue text) the result is assigned to.
    pub(super) var: Option<String>,
    /// Fields the property is stored in (for attach calls elsewhere).
    pub(super) keys: Vec<String>,
    /// Objects it is attached to in the same scope.
    pub(super) attached: Vec<&'static str>,
    /// `drm_property_add_enum` calls on it.
    pub(super) add_enums: Vec<usize>,
}

/// What happens to the result of the call at `pos`: the variable or field it is stored in,
/// further stores of that variable, attach and add_enum calls on it, until it is reassigned.
pub(super) fn follow(f: &FileFacts, scope: Option<usize>, pos: usize) -> Follow {
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
