use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "layout-changed",
    severity: Severity::Breaking,
    summary: "a struct's size or alignment, or a field's offset, size or type changed",
    explanation:
        "Userspace and kernel exchange these structs as bytes: a moved, resized or retyped field, \
or a struct whose size changed, means old binaries read and write the wrong bytes. \
Documentation/dev-tools/checkuapi.rst; Documentation/process/botching-up-ioctls.rst.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        c.change == ChangeKind::Changed
            && matches!(
                c.kind,
                ItemKind::Struct | ItemKind::Union | ItemKind::Field | ItemKind::Enum
            )
    }),
};
