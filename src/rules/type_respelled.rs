use super::abi::TypeChange;
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "type-respelled",
    severity: Severity::Info,
    summary: "a field's type is spelled otherwise, same canonical type and layout on the target arch",
    explanation: "Binaries see bytes, not spellings: a field whose type is written another way \
(`uint32_t` → `__u32`, `unsigned short` → `__u16`, `__le32` → `__u32`, `__aligned_u64` → `__u64` where both \
align alike on the target arch, a nested record renamed with an identical layout, a typedef's record re-tagged with identical members, or \
named through another typedef before, `typedef guid_t uuid_le;` → `typedef struct { __u8 b[16]; } uuid_le;`) keeps its offset, size and \
type class, so neither old binaries nor programs rebuilt against the new header change. The kernel moves uAPI \
headers to the `__u32` family on purpose (Documentation/process/botching-up-ioctls.rst: use fixed-size \
types). Judged per arch: where the alignment differs (`__aligned_u64` on i386) the offsets or the record's \
alignment change and the change is layout-changed instead. An anonymous struct or union type of a named \
member given a tag (`union { __u32 x; } u` → `union u_t { __u32 x; } u`), or the reverse, is respelled \
too: `u.x` is reached and placed as before, and is listed as removed or added only because the tagged \
type's members are its own. So is an anonymous struct type made an anonymous union or the reverse \
(`struct { __u64 gfn; } shared_info` → `union { __u64 gfn; __u64 hva; } shared_info`): its members are \
listed under the member's name at both sides and judged one by one. A pointer member is \
respelled when what it points to is (`uint32_t *` → `__u32 *`), or when it pointed to `void` on \
either side, which declared no layout to keep.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        ctx.field_type_change(c) == Some(TypeChange::Respelled)
            || ctx.reached_through_tag(c)
            || ctx.typedef_record_respelled(c)
    }),
};
