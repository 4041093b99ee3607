use super::abi::Verdict;
use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "record-extended",
    severity: Severity::NeedsUserspace,
    summary: "a struct or union grew, or a record member (or an array) grew in place, every old member where it was; or gained members at its size (moved to another header, or its alignment raised by the new member)",
    explanation: "Growth that moves no old member is compatible where the size is negotiated (extensible \
structs passed with their size, `bpf_attr`, `clone_args`; DRM ioctls, see drm-struct-extended) and where a \
union member grows inside the union's unchanged size. It is not compatible for the argument of a non-DRM \
ioctl, whose request number encodes the size, nor for a record used as an array element: those stay \
breaking (ioctl-struct-changed, layout-changed). A record that moved to another header (misc/habanalabs.h → \
drm/habanalabs_accel.h) and gained members there (a union alternative, a member in its padding or reserved \
space) with its size, alignment and every old member kept is one entry of this rule, naming both headers; so \
is a record whose new member (a `__be64` alternative over `char handle[8]`) raised its alignment, its size \
and every old member kept: arrays of it keep their stride, and the records that hold it are judged on their \
own. The new bytes are new uAPI and need open-source userspace. \
Documentation/process/botching-up-ioctls.rst; Documentation/gpu/drm-uapi.rst.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        if c.change != ChangeKind::Changed {
            return false;
        }
        let verdict = ctx.verdict(c);
        match c.kind {
            // A record of one header is a changed item only when its size or alignment changed
            // (members added at its size: a new member raised the alignment); one that moved is
            // changed when its members did, whatever the size did.
            ItemKind::Struct | ItemKind::Union => {
                matches!(verdict, Some(Verdict::Grew | Verdict::ReservedUsed))
            }
            // A member that grew in place, what follows it judged by its own place.
            ItemKind::Field => verdict == Some(Verdict::Grew) && ctx.grew_in_place(c),
            _ => false,
        }
    }),
};
