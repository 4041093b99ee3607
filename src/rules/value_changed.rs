use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "value-changed",
    severity: Severity::Breaking,
    summary: "a define's or enumerator's value changed",
    explanation:
        "Constants are compiled into userspace binaries: a flag, command or enumerator whose value \
changes makes old binaries ask for something else. Documentation/dev-tools/checkuapi.rst.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        c.change == ChangeKind::Changed && matches!(c.kind, ItemKind::Define | ItemKind::Enumerator)
    }),
};
