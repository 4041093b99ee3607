use super::netlink::{changed, dropped, INTRO_RST};
use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "netlink-removed",
    severity: Severity::Breaking,
    summary:
        "a netlink attribute, operation, multicast group, enum value or other spec item is gone",
    explanation: "Netlink is uAPI like any other: Documentation/userspace-api/netlink/intro.rst \
(\"Extending the kernel uAPI\", \"Attribute ordering\") has families only ever add attributes and \
commands, never remove or reuse them. Userspace sending a removed attribute or command is now \
rejected (strict validation refuses unknown attributes), one waiting on a removed multicast group \
cannot join it, and code using the generated C names stops building. An attribute dropped from a \
subset (`subset-of`, the attributes a nest carries) is gone from that nest.",
    reference: INTRO_RST,
    matches: Some(|c, _| {
        (c.change == ChangeKind::Removed && c.kind.is_netlink())
            || (c.kind == ItemKind::NetlinkAttributeSet
                && changed(c).is_some_and(|(old, new)| {
                    !dropped(&old.attributes, &new.attributes).is_empty()
                }))
    }),
};
