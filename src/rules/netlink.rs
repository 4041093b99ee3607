//! What the netlink rules share: a netlink change's facts at both sides, and how a spec's
//! `checks` compare (Documentation/userspace-api/netlink/specs.rst, "checks"; the limits as
//! tools/net/ynl reads them: an integer, a `u32-max`-style limit of a fixed-width type, or the
//! name of a `const` of the spec).

use super::Context;
use crate::change::{Change, ChangeKind, Facts, ItemKind, NetlinkFacts};
use crate::model::{ItemKey, Model};

/// The documents the netlink rules cite.
pub const SPECS_RST: &str = "Documentation/userspace-api/netlink/specs.rst";
pub const INTRO_RST: &str = "Documentation/userspace-api/netlink/intro.rst";

/// Both sides' facts of a changed netlink item.
pub fn changed(c: &Change) -> Option<(&NetlinkFacts, &NetlinkFacts)> {
    match (c.change, &c.old, &c.new) {
        (ChangeKind::Changed, Some(Facts::Netlink(old)), Some(Facts::Netlink(new))) => {
            Some((old, new))
        }
        _ => None,
    }
}

/// The family of a netlink change: its own name, or the first part of its parent
/// (`dpll` of `dpll.pin`).
fn family(c: &Change) -> &str {
    match &c.parent {
        Some(p) => p.split_once('.').map_or(p.as_str(), |(f, _)| f),
        None => &c.name,
    }
}

/// A check's limit as a number: an integer, a fixed-width type's `-min`/`-max`, or a `const` of
/// the family's spec at that side. `None` when it names something else.
fn limit(text: &str, model: &Model, c: &Change) -> Option<i128> {
    if let Ok(v) = text.parse::<i128>() {
        return Some(v);
    }
    if let Some((ty, end)) = text.rsplit_once('-') {
        let bits: u32 = ty
            .get(1..)?
            .parse()
            .ok()
            .filter(|b| [8, 16, 32, 64].contains(b))?;
        return match (ty.as_bytes().first()?, end) {
            (b'u', "min") => Some(0),
            (b'u', "max") => Some((1i128 << bits) - 1),
            (b's', "min") => Some(-(1i128 << (bits - 1))),
            (b's', "max") => Some((1i128 << (bits - 1)) - 1),
            _ => None,
        };
    }
    let key = ItemKey {
        file: c.file.clone(),
        kind: ItemKind::NetlinkDefinition,
        parent: Some(family(c).to_string()),
        name: text.to_string(),
    };
    match &model.items.get(&key)?.facts {
        Facts::Netlink(f) if f.ty.as_deref() == Some("const") => f.value,
        _ => None,
    }
}

/// How the checks of an attribute changed.
#[derive(Debug, PartialEq, Eq)]
pub enum ChecksChange {
    Same,
    /// Some input valid before is now rejected.
    Tightened,
    /// Everything valid before still is, and more is.
    Loosened,
    /// A limit that cannot be compared (a name defined outside the spec).
    Unknown,
}

/// Compares the checks of a changed attribute (`Same` for any other change).
pub fn checks_change(c: &Change, ctx: &Context) -> ChecksChange {
    let Some((old, new)) = changed(c) else {
        return ChecksChange::Same;
    };
    if old.checks == new.checks {
        return ChecksChange::Same;
    }
    let (mut tighter, mut looser, mut unknown) = (false, false, false);
    let keys: std::collections::BTreeSet<&String> =
        old.checks.keys().chain(new.checks.keys()).collect();
    for key in keys {
        let (before, after) = (old.checks.get(key), new.checks.get(key));
        if before == after {
            continue;
        }
        match (key.as_str(), before, after) {
            // Turning off the NUL-terminator check accepts more; turning it on, less.
            ("unterminated-ok", _, _) => {
                let on = |v: Option<&String>| v.is_some_and(|v| v == "true");
                if on(after) {
                    looser = true;
                } else if on(before) {
                    tighter = true;
                }
            }
            (_, None, Some(_)) => tighter = true,
            (_, Some(_), None) => looser = true,
            (_, Some(b), Some(a)) => {
                let (b, a) = (limit(b, ctx.old, c), limit(a, ctx.new, c));
                match (key.as_str(), b, a) {
                    (_, Some(b), Some(a)) if a == b => {}
                    ("min" | "min-len", Some(b), Some(a)) => {
                        *(if a > b { &mut tighter } else { &mut looser }) = true
                    }
                    ("max" | "max-len", Some(b), Some(a)) => {
                        *(if a < b { &mut tighter } else { &mut looser }) = true
                    }
                    // An exact length that changes rejects every length valid before.
                    ("exact-len", Some(_), Some(_)) => tighter = true,
                    _ => unknown = true,
                }
            }
            (_, None, None) => {}
        }
    }
    match (tighter, unknown, looser) {
        (true, _, _) => ChecksChange::Tightened,
        (false, true, _) => ChecksChange::Unknown,
        (false, false, true) => ChecksChange::Loosened,
        (false, false, false) => ChecksChange::Same,
    }
}

/// The messages an operation's replies are (what the kernel sends): do and dump replies, and
/// an event's attributes.
pub fn is_reply(message: &str) -> bool {
    message.ends_with("-reply") || message == "event"
}

/// Names in `before` that `after` lacks.
pub fn dropped<'a>(before: &'a [String], after: &[String]) -> Vec<&'a String> {
    before.iter().filter(|x| !after.contains(x)).collect()
}

/// The facts that say how an attribute's or a struct member's payload is encoded.
pub fn encoding(f: &NetlinkFacts) -> impl PartialEq + '_ {
    (
        (&f.ty, &f.byte_order, &f.len, &f.sub_type, &f.struct_name),
        (
            &f.nested_attributes,
            &f.enum_name,
            f.enum_as_flags,
            f.multi_attr,
        ),
        (&f.sub_message, &f.selector),
    )
}
