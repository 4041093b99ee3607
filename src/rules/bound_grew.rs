use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "bound-grew",
    severity: Severity::Info,
    summary: "a bound or count grew because entries were added (judged from the enum, not the name)",
    explanation: "The item is a bound by its structure: the last counted enumerator of its enum, one past \
its predecessor (`__FOO_MAX`, `NUM_FOO`), the last enumerator naming its predecessor (`FOO_LAST = FOO_C`), \
or a constant computed from such bounds and unchanged constants (`#define FOO_MAX (__FOO_MAX - 1)`); a \
bound's word in the name (MAX, CNT, NUM, NR, LAST, END…) or the kernel's `__` prefix for internal \
sentinels confirms an implicit enumerator. It grows whenever entries are appended, which is how netlink \
attributes and similar lists are extended: programs built against the old headers know fewer entries, \
and the kernel accepts them. The new entries are listed as additions. \
Documentation/userspace-api/netlink/c-code-gen.rst: attribute enums end with `__$pfx-MAX` and `$pfx-MAX`.",
    reference: "Documentation/userspace-api/netlink/c-code-gen.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed
            && matches!(c.kind, ItemKind::Define | ItemKind::Enumerator)
            && ctx.values.bound_grew(c)
    }),
};
