//! Properties: each instance's facts (values supplied by callers, attachments and added enum
//! values wherever the property's pointer goes, type, flags, range), merged per (owner, name).

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::super::parse::{Expr, FileFacts};
use super::super::{Property, PropertyKind, PropertyValue, Unresolved};
use super::index::{follow, scope_range, skey};
use super::instances::Instance;
use super::sites::{split_flags, Site, Src};
use super::{parse_int, unresolved_at, Resolver, ATTACH};
use crate::change::area::is_core;

/// A call whose result holds the property: (file, scope, call position).
type Holder = (usize, Option<usize>, usize);

/// Attach calls by the field that holds the property (read directly, or through a local variable
/// set from it), for attachments in other functions: field → (attaching owner, object).
pub(super) type AttachByKey<'f> = FxHashMap<String, Vec<(&'f str, &'static str)>>;

pub(super) fn attachments_by_key<'f>(files: &'f [Arc<FileFacts>]) -> AttachByKey<'f> {
    let mut attach_by_key: AttachByKey = FxHashMap::default();
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
    attach_by_key
}

impl Resolver<'_, '_> {
    /// One property per (owner, name), merged from the instances; the notes on each instance's
    /// values go to `unresolved`.
    pub(super) fn properties(
        &self,
        sites: &[Site],
        instances: &[Instance],
        attach_by_key: &AttachByKey,
        unresolved: &mut Vec<Unresolved>,
    ) -> Vec<Property> {
        let mut by_id: BTreeMap<(String, String), Vec<Property>> = BTreeMap::new();
        for inst in instances {
            let (property, notes) = self.property(&sites[inst.site], inst, attach_by_key);
            let f = &self.files[inst.fi];
            by_id
                .entry((property.owner.clone(), inst.name.clone()))
                .or_default()
                .push(property);
            for note in notes {
                unresolved.push(unresolved_at(
                    f,
                    inst.line,
                    inst.scope,
                    format!("enum values of \"{}\": {note}", inst.name),
                ));
            }
        }
        by_id.into_values().filter_map(merge).collect()
    }

    /// The property of one instance, and the notes on its values.
    fn property(
        &self,
        s: &Site,
        inst: &Instance,
        attach_by_key: &AttachByKey,
    ) -> (Property, Vec<String>) {
        let files = self.files;
        let f = &files[inst.fi];
        let owner = f.owner.clone();
        let mut notes = Vec::new();
        let mut values = s.values.clone();
        values.extend(self.supplied_values(s, inst, &owner, &mut notes));
        let holders = self.holders(s, inst);
        let attached = self.trace(
            inst,
            &holders,
            &owner,
            attach_by_key,
            &mut values,
            &mut notes,
        );
        let (kind, flags) = kind_and_flags(s, inst, files);
        let range = matches!(kind, PropertyKind::Range | PropertyKind::SignedRange)
            .then(|| self.range(s, inst));
        let site_scope = files[s.fi].calls[s.ci].scope;
        let helper = inst
            .helper
            .clone()
            .or_else(|| is_core(&owner).then(|| files[s.fi].scope_name(site_scope).to_string()))
            .filter(|h| !h.is_empty());
        let property = Property {
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
            conditions: Vec::new(),
        };
        (property, notes)
    }

    /// Enum values the callers pass in through a parameter of the site's function: the instance's
    /// own call for a per-caller instance, else every call from the instance's owner (other owners
    /// have their own instances).
    fn supplied_values(
        &self,
        s: &Site,
        inst: &Instance,
        owner: &str,
        notes: &mut Vec<String>,
    ) -> Vec<PropertyValue> {
        let files = self.files;
        let mut values = Vec::new();
        if s.deferred.is_empty() {
            return values;
        }
        let site_scope = files[s.fi].calls[s.ci].scope;
        let calls = match inst.args {
            Some(a) => vec![a],
            None => self
                .calls_to(s.fi, site_scope)
                .into_iter()
                .filter(|(cf, _)| files[*cf].owner == owner)
                .collect(),
        };
        for d in &s.deferred {
            for &(cf, ci) in &calls {
                values.extend(self.deferred_values(*d, cf, ci, notes));
            }
        }
        if calls.is_empty() && self.calls_to(s.fi, site_scope).is_empty() {
            notes.push(format!(
                "enum names come from a parameter of `{}`, which has no call site",
                files[s.fi].scope_name(site_scope)
            ));
        }
        values
    }

    /// The calls whose result holds the property: the instance's chain of calls and, when the
    /// creating function returns the property, the calls to that function (at most 64).
    fn holders(&self, s: &Site, inst: &Instance) -> Vec<Holder> {
        let files = self.files;
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
                for (cf, ci) in self.calls_to(sfi, sscope).into_iter().take(64) {
                    let c = &files[cf].calls[ci];
                    follows.push((cf, c.scope, c.pos));
                }
            }
        }
        follows
    }

    /// Follows the property from each holder: the objects it is attached to (in the same function,
    /// or through the field it is stored in), and the values `drm_property_add_enum` adds to it
    /// outside the creating function (appended to `values`).
    fn trace(
        &self,
        inst: &Instance,
        holders: &[Holder],
        owner: &str,
        attach_by_key: &AttachByKey,
        values: &mut Vec<PropertyValue>,
        notes: &mut Vec<String>,
    ) -> BTreeSet<&'static str> {
        let files = self.files;
        let mut attached: BTreeSet<&'static str> = BTreeSet::new();
        for (i, &(ffi, scope, pos)) in holders.iter().enumerate() {
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
                    values.extend(self.add_enum_values(ffi, &ff.calls[ai], notes, &mut deferred));
                }
            }
            for key in &fl.keys {
                for (o, obj) in attach_by_key.get(key).map(|v| v.as_slice()).unwrap_or(&[]) {
                    if *o == owner || is_core(owner) || *o == ff.owner {
                        attached.insert(obj);
                    }
                }
            }
        }
        attached
    }

    /// Range bounds, each evaluated in the file its (substituted) text comes from.
    fn range(&self, s: &Site, inst: &Instance) -> (Option<i128>, Option<i128>) {
        let site_path = self.files[s.fi].path.as_str();
        let bound = |x: &Option<Src>| {
            subst(x, inst.args, site_path, self.files).and_then(|(t, p)| self.ev.value(&t, &p))
        };
        (bound(&s.min), bound(&s.max))
    }
}

/// The property's type and its other flags, sorted (a flags expression naming no
/// `DRM_MODE_PROP_*` and not 0 is kept as `?text`), with the instance's arguments substituted.
fn kind_and_flags(
    s: &Site,
    inst: &Instance,
    files: &[Arc<FileFacts>],
) -> (PropertyKind, Vec<String>) {
    let site_path = files[s.fi].path.as_str();
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
    (kind, flags)
}

/// The text of a name, flags or bound, and the file it is written in: the site's own text, or
/// the argument the instance's call passes for the parameter.
fn subst(
    src: &Option<Src>,
    args: Option<(usize, usize)>,
    site_path: &str,
    files: &[Arc<FileFacts>],
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

/// flags and attachments are unions, values are merged by name, a range differing between sites
/// becomes the hull of the known bounds.
fn merge(mut list: Vec<Property>) -> Option<Property> {
    list.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut iter = list.into_iter();
    let mut p = iter.next()?;
    let mut all_flags: BTreeSet<String> = p.flags.iter().cloned().collect();
    let mut common: BTreeSet<String> = all_flags.clone();
    let mut attached: BTreeSet<String> = p.attached_to.iter().cloned().collect();
    let mut seen: FxHashSet<String> = FxHashSet::default();
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
