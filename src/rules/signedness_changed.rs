use super::abi::TypeChange;
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "signedness-changed",
    severity: Severity::NeedsUserspace,
    summary: "a field's integer type changed signedness, same offset and size",
    explanation: "The bytes stay where they were, so old binaries keep working: this is no ABI break (a \
same-size type change \"is not a real breakage\", LKML on check-uapi.sh, April 2023). What changes is the \
range of values userspace reads: a count that was `__u32` and is now `__s32` may come back negative, a `char` \
that became `__u8` no longer sign-extends. Programs rebuilt against the new header compare, shift and widen \
the value differently, so the userspace that reads it must be checked: needs userspace. \
Documentation/process/botching-up-ioctls.rst.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| ctx.field_type_change(c) == Some(TypeChange::Signedness)),
};
