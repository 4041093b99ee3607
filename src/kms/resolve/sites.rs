//! Creation sites: each call to a creation primitive, with what it says about the property (name,
//! type, flags, bounds, enum values) as text or as a parameter of its function.

use super::super::parse::{Arg, Expr};
use super::super::{PropertyKind, PropertyValue};
use super::helpers::is_api;
use super::index::follow;
use super::{Resolver, PRIMITIVES};

/// Where a template's name, flags or bound comes from.
#[derive(Clone, Debug)]
pub(super) enum Src {
    Text(String),
    Param(usize),
}

/// Where a site's property name comes from.
#[derive(Clone, Debug)]
pub(super) enum NameSrc {
    Lit(String),
    Param { idx: usize, stringify: bool },
    Other(String),
}

/// One call to a creation primitive.
pub(super) struct Site {
    pub(super) fi: usize,
    pub(super) ci: usize,
    pub(super) kind: PropertyKind,
    pub(super) flags: Src,
    pub(super) min: Option<Src>,
    pub(super) max: Option<Src>,
    pub(super) object_type: Option<String>,
    pub(super) name: NameSrc,
    pub(super) values: Vec<PropertyValue>,
    pub(super) notes: Vec<String>,
    /// Enum value tables passed in through a parameter of the site's scope: resolved from the
    /// call sites (the instance's own call for wrappers, every caller otherwise).
    pub(super) deferred: Vec<Deferred>,
}

/// An enum value table a site's callers pass in as parameter `param`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Deferred {
    pub(super) param: usize,
    /// Whether the entries' values are the enum values (table values or `P[i]` with value `i`).
    pub(super) keep_values: bool,
}

impl Resolver<'_, '_> {
    /// Every call to a creation primitive outside the creation API itself.
    pub(super) fn sites(&self) -> Vec<Site> {
        let mut sites = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            for (ci, c) in f.calls.iter().enumerate() {
                if !PRIMITIVES.contains(&c.callee.as_str()) {
                    continue;
                }
                if is_api(f, c) {
                    continue; // the creation API itself (drm_property.c)
                }
                sites.push(self.site(fi, ci));
            }
        }
        sites
    }

    /// The site of the primitive call `ci` of file `fi`: what it creates, as far as the call says.
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
}

/// The type a typed creation primitive makes.
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

/// Type named by `DRM_MODE_PROP_*` identifiers in a flags expression, the other flags, and
/// whether there was any such identifier.
pub(super) fn split_flags(text: &str) -> (Option<PropertyKind>, Vec<String>, bool) {
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

/// An argument as a parameter of the enclosing scope, or as its text.
fn src_of(arg: Option<&Arg>, params: &[String]) -> Option<Src> {
    let a = arg?;
    if let Expr::Ident(x) = &a.expr {
        if let Some(i) = params.iter().position(|p| p == x) {
            return Some(Src::Param(i));
        }
    }
    Some(Src::Text(a.text.clone()))
}
