use super::{Rule, Severity, DRM_IOCTL_TYPE};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "drm-ioctl-extended",
    severity: Severity::NeedsUserspace,
    summary: "a DRM ioctl's argument struct grew at the end",
    explanation: "The size bits of a DRM ioctl's request number changed because its struct grew. This is the \
sanctioned way to extend a DRM ioctl: the DRM core copies the smaller of the two sizes and zero-extends, so \
old binaries keep working (Documentation/process/botching-up-ioctls.rst, \"extending ioctls\"). The new \
fields are new uAPI and need open-source userspace (Documentation/gpu/drm-uapi.rst).",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, _| {
        if c.change != ChangeKind::Changed || c.kind != ItemKind::Ioctl {
            return false;
        }
        match (&c.old, &c.new) {
            (
                Some(Facts::Ioctl { dir: d1, ioc_type: Some(t1), nr: n1, size: Some(s1), .. }),
                Some(Facts::Ioctl { dir: d2, ioc_type: Some(t2), nr: n2, size: Some(s2), .. }),
            ) => *t1 == DRM_IOCTL_TYPE && t1 == t2 && d1 == d2 && n1 == n2 && s2 > s1,
            _ => false,
        }
    }),
};
