use super::{is_flex_conversion, Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "flex-array-converted",
    severity: Severity::Info,
    summary: "a fake flexible array (`x[0]`, `x[1]`) became a real one (`x[]`, `__DECLARE_FLEX_ARRAY`)",
    explanation: "The kernel-wide conversion to C99 flexible array members changes the declared type, and for \
`x[1]` the struct's sizeof, but not the bytes userspace exchanges with the kernel: the trailing array was \
always sized at run time. check-uapi.sh flags these as breaks; they are not.",
    reference: "Documentation/process/deprecated.rst",
    matches: Some(|c, ctx| {
        (c.kind == ItemKind::Field && is_flex_conversion(c))
            || (c.change == ChangeKind::Changed
                && matches!(c.kind, ItemKind::Struct | ItemKind::Union)
                && ctx.flex_only.contains(&(c.file.clone(), c.name.clone())))
    }),
};
