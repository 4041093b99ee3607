use super::netlink::SPECS_RST;
use super::{Rule, Severity};
use crate::change::ChangeKind;

pub static RULE: Rule = Rule {
    id: "netlink-spec-changed",
    severity: Severity::Info,
    summary: "a netlink spec item changed in what no other netlink rule judges: review it",
    explanation: "What is left after the netlink rules: a protocol level (genetlink-legacy → \
genetlink, Documentation/userspace-api/netlink/specs.rst, \"Compatibility levels\"), a version, a \
definition's scope or header, an attribute added to a subset, a check whose limit names something \
outside the spec, or an id one side cannot compute (a spec from before specs.rst numbered \
attributes and operations from 1). The wire format and the generated names did not change as far as the spec \
says; the facts before and after show what did.",
    reference: SPECS_RST,
    matches: Some(|c, _| c.change == ChangeKind::Changed && c.kind.is_netlink()),
};
