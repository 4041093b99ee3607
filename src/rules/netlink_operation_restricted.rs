use super::netlink::{changed, dropped, SPECS_RST};
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "netlink-operation-restricted",
    severity: Severity::Breaking,
    summary: "a netlink operation lost a mode, a message, a request attribute or a multicast group, or needs more privilege",
    explanation: "An operation's modes (do, dump, notify, event), its request attributes, its \
flags (admin-perm), validation and fixed header are what userspace relies on \
(Documentation/userspace-api/netlink/specs.rst, \"operations\"; intro.rst, \"Extending the kernel \
uAPI\"). A dump that goes, a request attribute no longer accepted, a reply no longer sent, a \
notification moved to another multicast group, validation turned back on (dont-validate removed) \
or a new admin-perm flag makes requests that worked fail.",
    reference: SPECS_RST,
    matches: Some(|c, _| {
        changed(c).is_some_and(|(old, new)| {
            !dropped(&old.modes, &new.modes).is_empty()
                || old.messages.iter().any(|(message, attrs)| match new.messages.get(message) {
                    None => true,
                    Some(now) => !dropped(attrs, now).is_empty(),
                })
                || !dropped(&new.flags, &old.flags).is_empty()
                || !dropped(&old.dont_validate, &new.dont_validate).is_empty()
                || (&old.attribute_set, &old.fixed_header, &old.notify) != (&new.attribute_set, &new.fixed_header, &new.notify)
                || old.mcgrp.is_some() && old.mcgrp != new.mcgrp
        })
    }),
};
