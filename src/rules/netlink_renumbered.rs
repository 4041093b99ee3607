use super::netlink::{changed, SPECS_RST};
use super::{Rule, Severity};
use crate::change::ItemKind;

pub static RULE: Rule = Rule {
    id: "netlink-renumbered",
    severity: Severity::Breaking,
    summary:
        "a netlink attribute, operation, enum value, const or member got another number or C name",
    explanation: "An attribute's type id, a command's id and an enum's values are what travels on \
the wire; the spec fixes them (Documentation/userspace-api/netlink/specs.rst: attributes are \
numbered from 1, commands likewise, an explicit `value` restarting the count; \"values\"), and the \
uAPI header's names are generated from the spec's names and prefixes. Binaries built against the \
old numbers send or expect another attribute or command, and code using the old C name no longer \
builds. Inserting an attribute or command anywhere but at the end renumbers everything after it.",
    reference: SPECS_RST,
    matches: Some(|c, _| {
        changed(c).is_some_and(|(old, new)| {
            // A set's or family's own number is the count of its attributes or commands: that
            // moving is the sentinels' rule.
            let numbered = !matches!(
                c.kind,
                ItemKind::NetlinkAttributeSet | ItemKind::NetlinkFamily
            );
            // A number one side cannot compute is unknown, not changed.
            let known = old.unresolved.is_none() && new.unresolved.is_none();
            let number = (old.value, old.request_value, old.reply_value)
                != (new.value, new.request_value, new.reply_value);
            (numbered && known && number)
                || old.c_name != new.c_name
                || old.value_text != new.value_text
        })
    }),
};
