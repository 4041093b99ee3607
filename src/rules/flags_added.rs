use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "flags-added",
    severity: Severity::NeedsUserspace,
    summary: "a set of flags gained members (or its complement lost them)",
    explanation: "The define is a set of flags: an OR of flag names (or named a mask), whose new value holds \
every bit of the old one; or the complement of such a set (`~(…)`, a reserved mask), which lost only bits. \
A program built against the old headers still asks for and accepts exactly what it did: the set grew by \
the new flags, which are listed as additions and need a user like any new uAPI. A set that lost a bit is \
no longer a superset and stays `value-changed`, breaking. Documentation/process/botching-up-ioctls.rst: \
unknown flags are rejected, so a mask of the valid ones grows with each flag.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed
            && matches!(c.kind, ItemKind::Define | ItemKind::Enumerator)
            && ctx.values.flags_added(c)
    }),
};
