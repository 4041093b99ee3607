use super::abi::Verdict;
use super::{Rule, Severity, DRM_IOCTL_TYPE};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "ioctl-struct-changed",
    severity: Severity::Breaking,
    summary: "the layout of a struct passed to an ioctl changed",
    explanation: "The struct is copied between userspace and kernel by an ioctl: a new size changes the request \
number of non-DRM ioctls outright, and moved or resized fields make old binaries and the kernel disagree on \
every byte after them. Only DRM's grow-at-the-end extension is compatible (see drm-struct-extended). A DRM \
ioctl carrying such a struct is judged with it: whatever its size did, an old member moved, shrunk or retyped \
breaks the ioctl too (its number may say \"grew\", the bytes disagree). \
Documentation/process/botching-up-ioctls.rst.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        if c.change != ChangeKind::Changed {
            return false;
        }
        match c.kind {
            ItemKind::Struct | ItemKind::Union => {
                ctx.ioctl_args.contains_key(&c.name)
                    && ctx.verdict(c).is_none_or(|v| v == Verdict::Breaks)
            }
            // A DRM ioctl whose argument record breaks: DRM dispatch ignores the size bits, so
            // the record's verdict is the ioctl's.
            ItemKind::Ioctl => {
                matches!(
                    (&c.old, &c.new),
                    (
                        Some(Facts::Ioctl { ioc_type: Some(t1), .. }),
                        Some(Facts::Ioctl { ioc_type: Some(t2), .. }),
                    ) if *t1 == DRM_IOCTL_TYPE && t1 == t2
                ) && ctx.arg_verdict(c) == Some(Verdict::Breaks)
            }
            _ => false,
        }
    }),
};
