use super::{Rule, Severity};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "sentinel-moved",
    severity: Severity::Info,
    summary: "an end-of-list sentinel (`__FOO_MAX`, `FOO_MAX`, `_COUNT`, `_NUM`) grew because entries were added",
    explanation: "Sentinels count the entries before them; they grow whenever an enum is extended, which is \
the sanctioned way to extend netlink attributes and similar lists. The new entries are reported separately. \
Documentation/dev-tools/checkuapi.rst recognizes the same name patterns.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        let grew = matches!(
            (&c.old, &c.new),
            (Some(Facts::Value { value: Some(a), .. }), Some(Facts::Value { value: Some(b), .. })) if b > a
        );
        c.change == ChangeKind::Changed && matches!(c.kind, ItemKind::Enumerator | ItemKind::Define) && grew && is_sentinel(&c.name)
    }),
};

fn is_sentinel(name: &str) -> bool {
    ["_MAX", "_COUNT", "_NUM", "_LAST", "_NR"]
        .iter()
        .any(|s| name.ends_with(s))
        || name.starts_with("__") && name.contains("_MAX")
}
