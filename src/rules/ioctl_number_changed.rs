use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "ioctl-number-changed",
    severity: Severity::Breaking,
    summary: "an ioctl's request number changed",
    explanation: "Binaries carry the request number, not the macro: when the direction, type, number or \
argument size encoded in it changes, existing programs issue a request the kernel no longer recognizes. \
Only DRM ioctls whose struct was extended at the end are exempt (see drm-ioctl-extended); a DRM ioctl \
whose struct broke is ioctl-struct-changed. \
Documentation/dev-tools/checkuapi.rst, Documentation/process/botching-up-ioctls.rst.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, _| c.change == ChangeKind::Changed && c.kind == ItemKind::Ioctl),
};
