use super::netlink::{changed, dropped, SPECS_RST};
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "netlink-operation-extended",
    severity: Severity::NeedsUserspace,
    summary: "a netlink operation gained a mode, a message or attributes, or needs less privilege",
    explanation: "Adding attributes to a request or reply, a dump to a command or a multicast \
group to a notification is how netlink grows compatibly \
(Documentation/userspace-api/netlink/intro.rst, \"Extending the kernel uAPI\"; specs.rst, \
\"operations\"): old userspace ignores what it does not know. It is new uAPI all the same, for \
userspace to use and review.",
    reference: SPECS_RST,
    matches: Some(|c, _| {
        changed(c).is_some_and(|(old, new)| {
            !dropped(&new.modes, &old.modes).is_empty()
                || new
                    .messages
                    .iter()
                    .any(|(message, attrs)| match old.messages.get(message) {
                        None => true,
                        Some(before) => !dropped(attrs, before).is_empty(),
                    })
                || !dropped(&old.flags, &new.flags).is_empty()
                || !dropped(&new.dont_validate, &old.dont_validate).is_empty()
                || old.mcgrp.is_none() && new.mcgrp.is_some()
        })
    }),
};
