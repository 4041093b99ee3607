use super::{Rule, Severity};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "ioctl-respelled",
    severity: Severity::Info,
    summary: "an ioctl is now spelled differently (a #define became an enumerator) with the same number",
    explanation: "The request number is what binaries carry, and it is unchanged: binder's ioctls moved from \
#defines to enumerators of the same values. Code that tested the name with #ifdef no longer sees it.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        c.change == ChangeKind::Changed
            && c.kind == ItemKind::Ioctl
            && matches!((&c.old, &c.new), (Some(Facts::Ioctl { number: Some(a), .. }), Some(Facts::Ioctl { number: Some(b), .. })) if a == b)
    }),
};
