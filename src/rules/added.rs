use super::{Rule, Severity};
use crate::change::ChangeKind;

pub static RULE: Rule = Rule {
    id: "added",
    severity: Severity::NeedsUserspace,
    summary: "a new uAPI item (struct, field, flag, define, enumerator, header)",
    explanation: "New uAPI is an extension userspace can rely on from now on. For DRM and accel, \
Documentation/gpu/drm-uapi.rst (\"Open-Source Userspace Requirements\") asks that any addition of uAPI \
come with reviewed open-source userspace that uses it, ready to merge in the canonical upstream project.",
    reference: "Documentation/gpu/drm-uapi.rst",
    matches: Some(|c, _| c.change == ChangeKind::Added),
};
