use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "enum-size-changed",
    severity: Severity::Info,
    summary: "an enum's storage size changed, and no uAPI item carries its type",
    explanation: "The compiler sizes an enum by its largest enumerator (a member of `1ULL << 63` makes \
it 8 bytes). Only an object of the enum's type has that size, and no record member, typedef or ioctl \
argument of the headers has it at either revision (`enum perf_event_sample_format` 8 → 4 bytes, whose \
values travel in `perf_event_attr.sample_type`, a `__u64`): no bytes exchanged with the kernel move. \
The enumerators' own values are judged as items of their own. An enum that a uAPI item carries stays \
`layout-changed`, breaking. Documentation/process/botching-up-ioctls.rst: enums are not fixed-width \
types, which is why uAPI records carry their values in `__u32`/`__u64`.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed
            && c.kind == ItemKind::Enum
            && !ctx.enum_type_carried(&c.file, &c.name)
    }),
};
