use super::netlink::{checks_change, ChecksChange, SPECS_RST};
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "netlink-checks-loosened",
    severity: Severity::Info,
    summary: "a netlink attribute's input validation (checks) got looser",
    explanation: "Every request valid under the old `checks` is still valid \
(Documentation/userspace-api/netlink/specs.rst, \"checks\"): a lower minimum, a higher maximum, a \
limit removed. Old userspace keeps working; new userspace relying on the wider range needs the new \
kernel.",
    reference: SPECS_RST,
    matches: Some(|c, ctx| checks_change(c, ctx) == ChecksChange::Loosened),
};
