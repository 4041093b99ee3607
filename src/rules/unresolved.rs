use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "unresolved",
    severity: Severity::Info,
    summary: "the facts of one side could not be computed: the change is unknown, not judged",
    explanation: "A value, layout or type that one revision could not compute (a header it includes is \
missing from that side, as when an installed header set leaves out drm/; a type that only another header \
defines) cannot be compared: the entry says so, with the reason in its `unresolved` facts, and is never \
judged `layout-changed` or breaking; a typedef whose size one side cannot compute is unknown the same \
way (its `size` is null there). A removal stays a removal whatever its facts. Check the item by \
hand, or give the side the headers it lacks.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        c.change == ChangeKind::Changed
            && c.kind != ItemKind::Ioctl
            && ([&c.old, &c.new]
                .iter()
                .any(|f| f.as_ref().is_some_and(|f| f.unresolved().is_some()))
                || super::typedef_changed::size_unknown_on_one_side(c))
    }),
};
