use super::{is_padding_name, Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "reserved-field-used",
    severity: Severity::NeedsUserspace,
    summary: "reserved or padding space was put to use, in whole or in part, the record's layout otherwise kept",
    explanation: "Reserved fields that the kernel checked to be zero may later carry meaning: old binaries \
pass zero and keep working (Documentation/process/botching-up-ioctls.rst). This holds when the whole \
reserved field is renamed and when part of it is taken (`__u32 reserved[8]` → `__u32 flags; __u32 \
reserved[7]`, a `__u16 rsvd` narrowed to `__u8` beside a new `__u8`), as long as every other member \
keeps its place and the record its size and alignment. The new meaning is new uAPI and needs \
open-source userspace (Documentation/gpu/drm-uapi.rst).",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        if c.kind == ItemKind::Field && ctx.uses_reserved_space(c) {
            return true;
        }
        let Some(other) = ctx.rename_partner(c) else { return false };
        c.kind == ItemKind::Field
            && match c.change {
                ChangeKind::Removed => is_padding_name(&c.name) && !is_padding_name(other),
                ChangeKind::Added => is_padding_name(other) && !is_padding_name(&c.name),
                ChangeKind::Changed => false,
            }
    }),
};
