//! What the hint rules share: which changes are new members and new structs of ioctls, and what
//! their computed layout shows.

use super::{members, Context, Member};
use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::Model;

/// The types of the new members of structs an ioctl takes: an added field's, or every member's of
/// an added struct (whose fields are not changes of their own).
pub fn new_ioctl_member_types<'c>(c: &'c Change, ctx: &Context<'c>) -> Vec<&'c str> {
    if c.change != ChangeKind::Added {
        return Vec::new();
    }
    match (c.kind, &c.new, c.parent.as_deref()) {
        (ItemKind::Field, Some(Facts::Field { ty, .. }), Some(parent))
            if is_ioctl_arg(parent, ctx) =>
        {
            vec![ty.as_str()]
        }
        (ItemKind::Struct | ItemKind::Union, _, _) if is_ioctl_arg(&c.name, ctx) => {
            member_types(ctx.new, &c.file, &c.name)
        }
        _ => Vec::new(),
    }
}

/// The types of a record's members, as written.
pub fn member_types<'m>(model: &'m Model, file: &str, record: &str) -> Vec<&'m str> {
    model
        .fields_of(file, record)
        .filter_map(|(_, item)| match &item.facts {
            Facts::Field { ty, .. } => Some(ty.as_str()),
            _ => None,
        })
        .collect()
}

/// The size and members of an added struct an ioctl takes, when its layout is known.
pub fn new_ioctl_struct<'m>(c: &Change, ctx: &Context<'m>) -> Option<(u64, Vec<Member<'m>>)> {
    if c.change != ChangeKind::Added || c.kind != ItemKind::Struct || !is_ioctl_arg(&c.name, ctx) {
        return None;
    }
    match &c.new {
        Some(Facts::Record {
            size: Some(size), ..
        }) => Some((*size, members(ctx.new, &c.file, &c.name))),
        _ => None,
    }
}

fn is_ioctl_arg(name: &str, ctx: &Context) -> bool {
    ctx.ioctl_args.contains_key(name)
}

/// `__u32`, `__s64`, `__le16`, `__aligned_u64`, arrays of them, and records (whose own members
/// are checked where they are new).
pub fn is_fixed_width(ty: &str) -> bool {
    let base = ty.split(" [").next().unwrap_or(ty).trim();
    let base = base.strip_prefix("const ").unwrap_or(base);
    if base.starts_with("struct ") || base.starts_with("union ") {
        return true;
    }
    // C99's exact-width types are fixed width too (the kernel's own are preferred, a style point).
    let c99 = base
        .strip_prefix("uint")
        .or_else(|| base.strip_prefix("int"));
    if let Some(bits) = c99.and_then(|b| b.strip_suffix("_t")) {
        return ["8", "16", "32", "64"].contains(&bits);
    }
    let bits = base
        .strip_prefix("__aligned_")
        .unwrap_or(base)
        .trim_start_matches("__")
        .trim_start_matches(['u', 's'])
        .trim_start_matches("le")
        .trim_start_matches("be");
    let prefixed = base.starts_with("__u")
        || base.starts_with("__s")
        || base.starts_with("__le")
        || base.starts_with("__be")
        || base.starts_with("__aligned_");
    prefixed && ["8", "16", "32", "64"].contains(&bits)
}

/// Bytes no member covers, between members or at the end. Unknown when a member's place is not
/// computed or is a bitfield (then no hint).
pub fn has_implicit_padding(size: u64, members: &[Member]) -> bool {
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for m in members {
        match (m.1, m.2, m.3) {
            (Some(offset), Some(len), None) => spans.push((offset, offset + len)),
            _ => return false,
        }
    }
    spans.sort();
    let mut end = 0;
    for (start, stop) in spans {
        if start > end {
            return true;
        }
        end = end.max(stop);
    }
    end < size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_types() {
        for ty in [
            "__u8",
            "__s64",
            "__le32",
            "__be16",
            "__aligned_u64",
            "__u32 [4]",
            "__u8 []",
            "uint32_t",
            "int64_t",
            "struct x",
            "union y",
        ] {
            assert!(is_fixed_width(ty), "{ty}");
        }
        for ty in [
            "int",
            "unsigned long",
            "size_t",
            "__kernel_size_t",
            "_Bool",
            "enum e",
            "char [8]",
            "__u128",
        ] {
            assert!(!is_fixed_width(ty), "{ty}");
        }
    }

    #[test]
    fn holes_and_tail_padding() {
        let m = |name, offset, size| (name, Some(offset), Some(size), None);
        assert!(!has_implicit_padding(
            16,
            &[m("a", 0, 8), m("b", 8, 4), m("pad", 12, 4)]
        ));
        assert!(
            has_implicit_padding(16, &[m("a", 0, 4), m("b", 8, 8)]),
            "a hole"
        );
        assert!(
            has_implicit_padding(16, &[m("a", 0, 8), m("b", 8, 4)]),
            "tail padding"
        );
        // Union members overlap; the struct is covered.
        assert!(!has_implicit_padding(8, &[m("u1", 0, 8), m("u2", 0, 4)]));
    }
}
