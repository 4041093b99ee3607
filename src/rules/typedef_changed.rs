use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "typedef-changed",
    severity: Severity::Breaking,
    summary: "a typedef now names another type or size",
    explanation: "Every struct field and argument declared with the typedef changes with it. \
Documentation/dev-tools/checkuapi.rst.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| c.change == ChangeKind::Changed && c.kind == ItemKind::Typedef),
};
