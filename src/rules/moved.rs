use super::{Rule, Severity};

pub static RULE: Rule = Rule {
    id: "moved",
    severity: Severity::Info,
    summary: "an item moved to another header with the same facts",
    explanation: "The item left one header and appeared in another with the same value, layout or number, \
as when misc/habanalabs.h became drm/habanalabs_accel.h. The ABI is unchanged; programs that include the \
old header by name may need the new one. Reported as a move, not as a removal plus an addition \
(Documentation/dev-tools/checkuapi.rst reports every removal).",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, ctx| ctx.moved.contains_key(&(c.kind, c.parent.clone(), c.name.clone()))),
};
