use super::netlink::{checks_change, ChecksChange, SPECS_RST};
use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "netlink-checks-tightened",
    severity: Severity::Breaking,
    summary: "a netlink attribute's input validation (checks) got stricter",
    explanation: "The `checks` of an attribute (Documentation/userspace-api/netlink/specs.rst, \
\"checks\": min, max, min-len, max-len, exact-len, flags-mask, unterminated-ok) become the kernel's \
input policy: a request outside them is rejected with -EINVAL before any handler runs. A higher \
minimum, a lower maximum, a new limit, a changed exact length or a string now required to be \
NUL-terminated rejects requests that the old kernel accepted.",
    reference: SPECS_RST,
    matches: Some(|c, ctx| checks_change(c, ctx) == ChecksChange::Tightened),
};
