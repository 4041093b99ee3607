use super::{Rule, Severity};
use crate::change::ChangeKind;

pub static RULE: Rule = Rule {
    id: "removed",
    severity: Severity::Breaking,
    summary: "a uAPI item was removed",
    explanation: "Userspace built against the old headers uses this name: removing it breaks the build of \
existing programs, and for ioctls and structs their binaries. Documentation/dev-tools/checkuapi.rst: \
\"any change that removes or modifies existing UAPI is a potential ABI break\".",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| c.change == ChangeKind::Removed),
};
