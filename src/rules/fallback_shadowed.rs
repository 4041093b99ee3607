use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "fallback-shadowed",
    severity: Severity::Info,
    summary: "an asm-generic fallback changed where this arch's own header defines the name, unchanged",
    explanation: "The define is in an asm-generic header, and this arch's `asm/` header of the same name \
defines it too, with the same value at both revisions. An arch header defines what differs from the \
generic version and then includes it, whose definitions are fallbacks behind `#ifndef` \
(arch/x86/include/uapi/asm/bitsperlong.h defines `__BITS_PER_LONG` 64, then includes \
asm-generic/bitsperlong.h, whose fallback went from 32 to `(__CHAR_BIT__ * __SIZEOF_LONG__)`): programs \
on this arch read the arch's definition, which did not change. Arches without their own definition \
are judged by the fallback (`uapi-diff --arch`). Documentation/kbuild/headers_install.rst.",
    reference: "Documentation/kbuild/headers_install.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed
            && c.kind == ItemKind::Define
            && ctx.values.fallback_shadowed(c)
    }),
};
