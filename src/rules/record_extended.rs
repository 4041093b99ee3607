use super::abi::Verdict;
use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "record-extended",
    severity: Severity::NeedsUserspace,
    summary: "a struct or union grew, or a record member (or a union's array alternative) grew in place, every old member where it was",
    explanation: "Growth that moves no old member is compatible where the size is negotiated (extensible \
structs passed with their size, `bpf_attr`, `clone_args`; DRM ioctls, see drm-struct-extended) and where a \
union member grows inside the union's unchanged size. It is not compatible for the argument of a non-DRM \
ioctl, whose request number encodes the size, nor for a record used as an array element: those stay \
breaking (ioctl-struct-changed, layout-changed). The new bytes are new uAPI and need open-source userspace. \
Documentation/process/botching-up-ioctls.rst; Documentation/gpu/drm-uapi.rst.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        if c.change != ChangeKind::Changed || ctx.verdict(c) != Some(Verdict::Grew) {
            return false;
        }
        match c.kind {
            ItemKind::Struct | ItemKind::Union => true,
            // A member that grew in place, what follows it unmoved.
            ItemKind::Field => ctx.grew_in_place(c),
            _ => false,
        }
    }),
};
