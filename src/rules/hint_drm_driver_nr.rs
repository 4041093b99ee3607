use super::{Rule, Severity, DRM_IOCTL_TYPE};
use crate::change::area::{group_of, Area};
use crate::change::{ChangeKind, Facts, ItemKind};

/// `DRM_COMMAND_BASE` and `DRM_COMMAND_END` of include/uapi/drm/drm.h.
const DRM_COMMAND_BASE: u64 = 0x40;
const DRM_COMMAND_END: u64 = 0xa0;

pub static RULE: Rule = Rule {
    id: "hint-drm-driver-nr",
    severity: Severity::Info,
    summary: "a new DRM driver ioctl's number is outside DRM_COMMAND_BASE…DRM_COMMAND_END (0x40–0x9f)",
    explanation: "include/uapi/drm/drm.h: \"Device specific ioctls should only be in their respective headers. The \
device specific ioctl range is from 0x40 to 0x9f. Generic IOCTLS restart at 0xA0.\" A driver ioctl outside \
that range collides with the DRM core's own ioctls, present or future (the DRM core dispatches by number; \
Documentation/gpu/drm-uapi.rst). A hint for the reviewer on new ioctls of driver headers; it does not \
classify the change.",
    reference: "Documentation/gpu/drm-uapi.rst",
    matches: Some(|c, _| {
        let nr = match &c.new {
            Some(Facts::Ioctl {
                ioc_type: Some(t),
                nr: Some(nr),
                ..
            }) if *t == DRM_IOCTL_TYPE => *nr,
            _ => return false,
        };
        c.change == ChangeKind::Added
            && c.kind == ItemKind::Ioctl
            && group_of(c).area == Area::DrmDriver
            && !(DRM_COMMAND_BASE..DRM_COMMAND_END).contains(&nr)
    }),
};
