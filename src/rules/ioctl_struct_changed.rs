use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "ioctl-struct-changed",
    severity: Severity::Breaking,
    summary: "the layout of a struct passed to an ioctl changed",
    explanation: "The struct is copied between userspace and kernel by an ioctl: a new size changes the request \
number of non-DRM ioctls outright, and moved or resized fields make old binaries and the kernel disagree on \
every byte after them. Only DRM's grow-at-the-end extension is compatible (see drm-struct-extended). \
Documentation/process/botching-up-ioctls.rst.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed && matches!(c.kind, ItemKind::Struct | ItemKind::Union) && ctx.ioctl_args.contains_key(&c.name) && ctx.verdict(c).is_none_or(|v| v == super::abi::Verdict::Breaks)
    }),
};
