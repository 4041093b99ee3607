//! Core helpers: the functions of DRM core that create properties (directly or through other core
//! functions), the driver functions that take a property's name as a parameter, and the drivers
//! that call the helpers (exposures). Derived from the tree at hand; no helper name is hard-coded.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeSet;
use std::sync::Arc;

use super::super::parse::{Call, Expr, FileFacts};
use super::super::{Exposure, Property};
use super::index::Index;
use super::PRIMITIVES;
use crate::change::area::is_core;

/// A creation call that is part of the creation API itself: inside one of the primitives, or
/// in the file defining them with a name that is not a literal (its internal helpers).
pub(super) fn is_api(f: &FileFacts, c: &Call) -> bool {
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
pub(super) fn core_helpers(
    files: &[Arc<FileFacts>],
    index: &Index,
) -> (BTreeSet<String>, FxHashMap<String, (usize, usize)>) {
    let mut helpers: BTreeSet<String> = BTreeSet::new();
    let mut at: FxHashMap<String, (usize, usize)> = FxHashMap::default();
    let mut queue: Vec<(usize, usize, usize)> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if !is_core(&f.owner) {
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
            .get(name.as_str())
            .map(|v| v.as_slice())
            .unwrap_or(&[])
        {
            if !is_core(&files[cf].owner) || index.resolve(files, name, cf) != Some((fi, si)) {
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
pub(super) fn name_wrappers(files: &[Arc<FileFacts>]) -> Vec<(String, String)> {
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

/// Driver calls into core helpers, each with the property names the helper creates.
pub(super) fn exposures(
    files: &[Arc<FileFacts>],
    index: &Index,
    properties: &[Property],
) -> Vec<Exposure> {
    let (helpers, at) = core_helpers(files, index);
    let helper_props = helper_properties(files, index, &helpers, &at, properties);
    let mut exposures = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if is_core(&f.owner) {
            continue;
        }
        for c in &f.calls {
            if !helpers.contains(&c.callee) {
                continue;
            }
            let Some(target) = index.resolve(files, &c.callee, fi) else {
                continue;
            };
            if !is_core(&files[target.0].owner) {
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
    exposures
}

/// Property names each helper creates, itself or through the core functions it calls.
fn helper_properties(
    files: &[Arc<FileFacts>],
    index: &Index,
    helpers: &BTreeSet<String>,
    at: &FxHashMap<String, (usize, usize)>,
    properties: &[Property],
) -> FxHashMap<String, BTreeSet<String>> {
    let mut direct: FxHashMap<String, BTreeSet<String>> = FxHashMap::default();
    for p in properties.iter().filter(|p| is_core(&p.owner)) {
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
    let mut callees: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for h in helpers {
        let Some(&(fi, si)) = at.get(h) else { continue };
        let f = &files[fi];
        for c in f.calls.iter().filter(|c| c.scope == Some(si)) {
            if helpers.contains(&c.callee)
                && index
                    .resolve(files, &c.callee, fi)
                    .map(|t| is_core(&files[t.0].owner))
                    .unwrap_or(false)
            {
                callees
                    .entry(h.as_str())
                    .or_default()
                    .push(c.callee.as_str());
            }
        }
    }
    let mut out: FxHashMap<String, BTreeSet<String>> = FxHashMap::default();
    for h in helpers {
        let mut seen: FxHashSet<&str> = FxHashSet::default();
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
