use super::abi::Verdict;
use super::{Rule, Severity, DRM_IOCTL_TYPE};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "drm-ioctl-extended",
    severity: Severity::NeedsUserspace,
    summary: "a DRM ioctl's argument struct grew at the end, every old member in place",
    explanation: "The size bits of a DRM ioctl's request number changed because its struct was extended: it \
grew, and every old member kept its offset, size and type (the struct's own verdict, drm-struct-extended). \
This is the sanctioned way to extend a DRM ioctl: drm_ioctl() matches the request on its number alone, \
ignoring the size bits, copies the smaller of the user and kernel sizes and zero-extends the rest, so old \
binaries keep working (Documentation/process/botching-up-ioctls.rst, \"extending ioctls\"; \
drivers/gpu/drm/drm_ioctl.c). An alignment raised by the appended members (4 → 8) changes nothing in that \
copy. A struct whose old members moved, shrank or changed type breaks its ioctls whatever its size did \
(ioctl-struct-changed). The new fields are new uAPI and need open-source userspace \
(Documentation/gpu/drm-uapi.rst).",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        if c.change != ChangeKind::Changed || c.kind != ItemKind::Ioctl {
            return false;
        }
        match (&c.old, &c.new) {
            (
                Some(Facts::Ioctl { dir: d1, ioc_type: Some(t1), nr: n1, size: Some(s1), .. }),
                Some(Facts::Ioctl { dir: d2, ioc_type: Some(t2), nr: n2, size: Some(s2), .. }),
            ) => {
                *t1 == DRM_IOCTL_TYPE
                    && t1 == t2
                    && d1 == d2
                    && n1 == n2
                    && s2 > s1
                    && ctx.arg_verdict(c) == Some(Verdict::Grew)
            }
            _ => false,
        }
    }),
};
