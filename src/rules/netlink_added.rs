use super::netlink::INTRO_RST;
use super::{Rule, Severity};
use crate::change::ChangeKind;

pub static RULE: Rule = Rule {
    id: "netlink-added",
    severity: Severity::NeedsUserspace,
    summary:
        "a new netlink family, attribute, operation, multicast group, enum value or other spec item",
    explanation: "New attributes, commands and enum values are the compatible way netlink grows \
(Documentation/userspace-api/netlink/intro.rst, \"Extending the kernel uAPI\"): old userspace \
does not see them. They are new uAPI, which the kernel keeps for good once released: each needs \
its users and review like any other.",
    reference: INTRO_RST,
    matches: Some(|c, _| c.change == ChangeKind::Added && c.kind.is_netlink()),
};
