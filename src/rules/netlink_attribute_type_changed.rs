use super::netlink::{changed, encoding, SPECS_RST};
use super::{Rule, Severity};
use crate::change::ItemKind;

pub static RULE: Rule = Rule {
    id: "netlink-attribute-type-changed",
    severity: Severity::Breaking,
    summary: "a netlink attribute's or struct member's type, width, byte order or encoding changed",
    explanation: "Documentation/userspace-api/netlink/specs.rst (\"Attributes\": type, byte-order, \
nested-attributes, multi-attr, enum-as-flags; \"Structs\"): the type says how many bytes the payload \
has and how to read them. A u16 made u32, a value made big-endian, a nest made to carry another \
set, a value made a bitmask of enum bits (enum-as-flags) or an attribute made repeatable: userspace \
built for the old encoding reads or sends another value. A struct member that changes (or moves) \
changes the fixed header every message carries.",
    reference: SPECS_RST,
    matches: Some(|c, _| {
        matches!(c.kind, ItemKind::NetlinkAttribute | ItemKind::NetlinkMember | ItemKind::NetlinkDefinition)
            && changed(c).is_some_and(|(old, new)| old.ty != new.ty || encoding(old) != encoding(new))
    }),
};
