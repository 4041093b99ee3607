//! Instances: the properties each creation site makes, one per name it is given — its literal, or
//! each literal its callers pass (through up to `MAX_CHAIN` levels of wrappers).

use super::super::parse::Expr;
use super::super::Unresolved;
use super::sites::{NameSrc, Site};
use super::{unresolved_at, Resolver, MAX_CHAIN, PRIMITIVES};

/// One property a site creates under one name (a site called with different names, or on behalf
/// of different drivers, has several).
pub(super) struct Instance {
    pub(super) name: String,
    /// Core helper whose values a driver supplies (per-caller instances of core sites).
    pub(super) helper: Option<String>,
    pub(super) fi: usize,
    pub(super) line: u32,
    pub(super) scope: Option<usize>,
    pub(super) site: usize,
    /// The call site's arguments for parameter substitution (wrapper instances).
    pub(super) args: Option<(usize, usize)>,
    /// (file, scope, call position) whose result holds the property.
    pub(super) follows: Vec<(usize, Option<usize>, usize)>,
}

impl Resolver<'_, '_> {
    /// Every site's instances. What cannot be named goes to `unresolved`, followed by the notes on
    /// the site's values.
    pub(super) fn instances(
        &self,
        sites: &[Site],
        unresolved: &mut Vec<Unresolved>,
    ) -> Vec<Instance> {
        let mut instances: Vec<Instance> = Vec::new();
        for (si, s) in sites.iter().enumerate() {
            let f = &self.files[s.fi];
            let call = &f.calls[s.ci];
            match &s.name {
                NameSrc::Lit(name) => self.literal_instances(si, s, name, &mut instances),
                NameSrc::Param { idx, stringify } => {
                    self.parameter_instances(si, s, *idx, *stringify, &mut instances, unresolved)
                }
                NameSrc::Other(text) => unresolved.push(unresolved_at(
                    f,
                    call.line,
                    call.scope,
                    if text.is_empty() {
                        format!("`{}` call without a name argument", call.callee)
                    } else {
                        format!("property name is not a string literal: `{text}`")
                    },
                )),
            }
            for note in &s.notes {
                unresolved.push(unresolved_at(
                    f,
                    call.line,
                    call.scope,
                    format!("enum values of property at this call: {note}"),
                ));
            }
        }
        instances
    }

    /// A site with a literal name: its instance, and one per caller of another owner when the
    /// callers pass the enum names in.
    fn literal_instances(&self, si: usize, s: &Site, name: &str, out: &mut Vec<Instance>) {
        let files = self.files;
        let f = &files[s.fi];
        let call = &f.calls[s.ci];
        out.push(Instance {
            name: name.to_string(),
            helper: None,
            fi: s.fi,
            line: call.line,
            scope: call.scope,
            site: si,
            args: None,
            follows: vec![(s.fi, call.scope, call.pos)],
        });
        // Enum names a caller passes in (a driver's TV mode names handed to a core helper): the
        // values belong to the caller's owner, one instance per call.
        if s.deferred.is_empty() {
            return;
        }
        for (cf, ci) in self.calls_to(s.fi, call.scope) {
            let c = &files[cf].calls[ci];
            if files[cf].owner == f.owner {
                continue;
            }
            out.push(Instance {
                name: name.to_string(),
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

    /// A site named by parameter `idx` of its function: an instance per literal the callers pass;
    /// unresolved when no call passes one.
    fn parameter_instances(
        &self,
        si: usize,
        s: &Site,
        idx: usize,
        stringify: bool,
        out: &mut Vec<Instance>,
        unresolved: &mut Vec<Unresolved>,
    ) {
        let f = &self.files[s.fi];
        let call = &f.calls[s.ci];
        let follows = [(s.fi, call.scope, call.pos)];
        let n = match call.scope {
            Some(scope) => self.callers(
                si, s.fi, scope, idx, stringify, 0, &follows, None, out, unresolved,
            ),
            None => 0,
        };
        if n == 0 {
            let p = call
                .scope
                .and_then(|x| f.scopes.get(x))
                .and_then(|x| x.params.get(idx))
                .cloned()
                .unwrap_or_default();
            unresolved.push(unresolved_at(
                f,
                call.line,
                call.scope,
                format!(
                    "property name is parameter `{p}` of `{}`, which has no call site",
                    f.scope_name(call.scope)
                ),
            ));
        }
    }

    /// The calls that reach the scope of a site.
    pub(super) fn calls_to(&self, fi: usize, scope: Option<usize>) -> Vec<(usize, usize)> {
        let Some(s) = scope.and_then(|s| self.files[fi].scopes.get(s)) else {
            return Vec::new();
        };
        let Some(calls) = self.index.calls_by_callee.get(s.name.as_str()) else {
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
        let Some(calls) = self.index.calls_by_callee.get(scope.name.as_str()) else {
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
                            unresolved.push(unresolved_at(
                                f,
                                call.line,
                                call.scope,
                                format!("property name is parameter `{p}` of `{}`, which has no call site", f.scope_name(call.scope)),
                            ));
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
                None => unresolved.push(unresolved_at(
                    f,
                    call.line,
                    call.scope,
                    format!(
                        "property name passed to `{}` is not a string literal: `{}`",
                        scope.name, arg.text
                    ),
                )),
            }
        }
        found
    }
}
