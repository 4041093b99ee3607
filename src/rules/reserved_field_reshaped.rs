use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "reserved-field-reshaped",
    severity: Severity::Info,
    summary: "a reserved or padding member moved or resized only as the space around it was reshaped; the record's break is reported by its own entry or its other members'",
    explanation: "Reserved and padding members carry no meaning: the kernel checks them to be zero \
and no program reads a value from them (Documentation/process/botching-up-ioctls.rst), so where \
their bytes sit is no part of the ABI, and the record's judgement skips them. When a record breaks \
around its reserved space (`struct fuse_init_out`, v6.1 → v5.10: `uint32_t flags2` removed and \
`unused[7]` at offset 36 grown back to `unused[8]` at 32), the break is what the other entries \
report: the removed or moved member, or the record's own size or alignment. The reserved member's \
new offset or size follows from them and is not a second break. Where the record is not judged \
(a side's layout not computed) or no other entry of the diff shows its break, the member stays \
`layout-changed`; reserved space put to use in a record that otherwise holds is \
`reserved-field-used`.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| ctx.reserved_reshaped(c)),
};
