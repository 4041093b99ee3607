use super::netlink::{changed, SPECS_RST};
use super::{Rule, Severity};
use crate::change::{ItemKind, NetlinkFacts};

pub static RULE: Rule = Rule {
    id: "netlink-max-moved",
    severity: Severity::Info,
    summary: "a netlink attribute set's or command enum's count and MAX moved (attributes or commands were added)",
    explanation: "The generated `__<PREFIX>MAX` and `<PREFIX>MAX` of an attribute set or command \
enum (Documentation/userspace-api/netlink/c-code-gen.rst, \"uAPI header\") follow the last entry; \
they move whenever one is added, and userspace must not build them into its binaries' ABI \
(Documentation/userspace-api/netlink/specs.rst). The additions themselves are classified on their \
own.",
    reference: SPECS_RST,
    matches: Some(|c, _| {
        changed(c).is_some_and(|(old, new)| {
            let without = |f: &NetlinkFacts| NetlinkFacts {
                sentinels: Default::default(),
                // A set's value is its count; a family's is its version, which is no sentinel.
                value: f.value.filter(|_| c.kind != ItemKind::NetlinkAttributeSet),
                ..f.clone()
            };
            without(old) == without(new)
        })
    }),
};
