use super::netlink::{changed, dropped, is_reply, INTRO_RST};
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "netlink-reply-attribute-dropped",
    severity: Severity::Breaking,
    summary: "a netlink operation's reply or event no longer carries an attribute",
    explanation: "Userspace reads the attributes a reply, dump or notification carries \
(Documentation/userspace-api/netlink/intro.rst, \"Extending the kernel uAPI\": attributes are only \
ever added; the spec's `reply`/`event` lists are what the kernel sends, \
Documentation/userspace-api/netlink/specs.rst). One that stops coming leaves old userspace \
without a value it relies on.",
    reference: INTRO_RST,
    matches: Some(|c, _| {
        changed(c).is_some_and(|(old, new)| {
            old.messages.iter().any(|(message, attrs)| {
                is_reply(message)
                    && new
                        .messages
                        .get(message)
                        .is_some_and(|now| !dropped(attrs, now).is_empty())
            })
        })
    }),
};
