use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "ioctl-added",
    severity: Severity::NeedsUserspace,
    summary: "a new ioctl",
    explanation: "A new ioctl is new uAPI. Documentation/gpu/drm-uapi.rst requires open-source userspace \
for every new DRM/accel ioctl (and its DRM_IOCTL_DEF_DRV table slot); \
Documentation/process/botching-up-ioctls.rst lists what its argument struct must get right from the start \
(fixed-size types, explicit padding, 64-bit alignment, a flags field checked to be zero).",
    reference: "Documentation/gpu/drm-uapi.rst",
    matches: Some(|c, _| c.change == ChangeKind::Added && c.kind == ItemKind::Ioctl),
};
