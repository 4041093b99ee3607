use super::{Rule, Severity};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "drm-struct-extended",
    severity: Severity::NeedsUserspace,
    summary: "the argument struct of a DRM ioctl grew at the end, earlier fields unmoved",
    explanation: "DRM ioctls may grow their argument struct at the end: the DRM core copies the smaller of the \
user and kernel sizes and zero-extends the rest, so old binaries keep working \
(Documentation/process/botching-up-ioctls.rst). The appended fields are new uAPI and need open-source \
userspace (Documentation/gpu/drm-uapi.rst).",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        let grew = matches!(
            (&c.old, &c.new),
            (Some(Facts::Record { size: Some(a), .. }), Some(Facts::Record { size: Some(b), .. })) if b > a
        );
        c.change == ChangeKind::Changed
            && matches!(c.kind, ItemKind::Struct | ItemKind::Union)
            && grew
            && ctx.ioctl_args.get(&c.name) == Some(&true)
            && ctx.verdict(c) == Some(super::abi::Verdict::Grew)
    }),
};
