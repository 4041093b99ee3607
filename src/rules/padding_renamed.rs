use super::{is_padding_name, Rule, Severity};
use crate::change::ItemKind;

pub static RULE: Rule = Rule {
    id: "padding-renamed",
    severity: Severity::Info,
    summary: "a padding or reserved field was renamed, same offset and size",
    explanation: "Padding that keeps its place and size but changes its name (`pad` → `pad0`) changes \
nothing for binaries. Documentation/process/botching-up-ioctls.rst asks for explicit padding; renaming it \
is bookkeeping.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        c.kind == ItemKind::Field
            && ctx.rename_partner(c).is_some_and(|other| is_padding_name(other) && is_padding_name(&c.name))
    }),
};
