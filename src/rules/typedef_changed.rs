use super::{Rule, Severity};
use crate::change::{Change, ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "typedef-changed",
    severity: Severity::Breaking,
    summary: "a typedef now names another type or size",
    explanation: "Every struct field and argument declared with the typedef changes with it. \
Documentation/dev-tools/checkuapi.rst.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        c.change == ChangeKind::Changed
            && c.kind == ItemKind::Typedef
            && !size_unknown_on_one_side(c)
    }),
};

/// A typedef whose size one side computes and the other cannot (a header its type needs is
/// missing there): the change is unknown (`unresolved`), not judged.
pub fn size_unknown_on_one_side(c: &Change) -> bool {
    match (&c.old, &c.new) {
        (Some(Facts::Typedef { size: old, .. }), Some(Facts::Typedef { size: new, .. })) => {
            old.is_some() != new.is_some()
        }
        _ => false,
    }
}
