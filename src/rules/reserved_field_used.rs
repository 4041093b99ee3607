use super::{is_padding_name, Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "reserved-field-used",
    severity: Severity::NeedsUserspace,
    summary: "a reserved or padding field was put to use under a new name, same offset and size",
    explanation: "Reserved fields that the kernel checked to be zero may later carry meaning: old binaries \
pass zero and keep working (Documentation/process/botching-up-ioctls.rst). The new meaning is new uAPI and \
needs open-source userspace (Documentation/gpu/drm-uapi.rst).",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        let Some(other) = ctx.rename_partner(c) else { return false };
        c.kind == ItemKind::Field
            && match c.change {
                ChangeKind::Removed => is_padding_name(&c.name) && !is_padding_name(other),
                ChangeKind::Added => is_padding_name(other) && !is_padding_name(&c.name),
                ChangeKind::Changed => false,
            }
    }),
};
