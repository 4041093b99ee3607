//! A uAPI declaration using a type only the kernel defines (`u32`, `s64`…): userspace has no such
//! type, so the header stops compiling there. Breaking in a header userspace already includes;
//! to check in a new header (nothing existing breaks, but no program can use it yet).

use super::{Context, Rule, Severity};
use crate::change::{Change, ChangeKind, Facts, ItemKind};

/// The kernel's own fixed-width types (include/asm-generic/int-ll64.h, outside its `uapi/` part):
/// a uAPI header has `__u8`…`__s64` instead.
const KERNEL_ONLY: &[&str] = &["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64"];

const EXPLANATION: &str = "\"To avoid conflicts with typedefs in userspace the kernel has special types like \
__u32, __s64. Use them.\" (Documentation/process/botching-up-ioctls.rst). `u8`…`u64` and `s8`…`s64` are \
the kernel's own names (include/asm-generic/int-ll64.h, outside uapi/): a program including the header \
gets \"unknown type name\", as does the kernel's own header test (usr/include/Makefile compiles every \
exported header with -std=c90). Matched on a new or changed member, typedef or ioctl argument whose type \
names one of them while no header of the new revision defines it.";

pub static IN_EXISTING_HEADER: Rule = Rule {
    id: "kernel-only-type",
    severity: Severity::Breaking,
    summary:
        "a uAPI header userspace already includes now uses a kernel-only type (u32, s64…): it no \
longer compiles in userspace",
    explanation: EXPLANATION,
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| uses_kernel_only_type(c, ctx) && existed(c, ctx)),
};

pub static IN_NEW_HEADER: Rule = Rule {
    id: "kernel-only-type-new-header",
    severity: Severity::Check,
    summary: "a new uAPI header uses a kernel-only type (u32, s64…): userspace cannot compile it",
    explanation: EXPLANATION,
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| uses_kernel_only_type(c, ctx) && !existed(c, ctx)),
};

/// Whether the change's declaration at NEW names a kernel-only type that NEW does not define.
fn uses_kernel_only_type(c: &Change, ctx: &Context) -> bool {
    if c.change == ChangeKind::Removed {
        return false;
    }
    let types: Vec<&str> = match (c.kind, &c.new) {
        (_, Some(Facts::Field { ty, .. } | Facts::Typedef { ty, .. })) => vec![ty.as_str()],
        (
            ItemKind::Ioctl,
            Some(Facts::Ioctl {
                arg_type: Some(t), ..
            }),
        ) => vec![t.as_str()],
        // An added record's members are no changes of their own.
        (ItemKind::Struct | ItemKind::Union, _) if c.change == ChangeKind::Added => {
            super::hints::member_types(ctx.new, &c.file, &c.name)
        }
        _ => Vec::new(),
    };
    types.iter().any(|ty| {
        ty.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .any(|word| {
                KERNEL_ONLY.contains(&word)
                    && matches!(ctx.new_types.class(word), super::abi::TypeClass::Unknown(_))
            })
    })
}

/// Whether the change's header was there at OLD (userspace may include it).
fn existed(c: &Change, ctx: &Context) -> bool {
    ctx.old.items.keys().any(|k| k.file == c.file)
}
