use super::abi::Verdict;
use super::{Rule, Severity, DRM_IOCTL_TYPE};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "flex-array-converted",
    severity: Severity::Info,
    summary: "a fake flexible array (`x[0]`, `x[1]`) became a real one (`x[]`, `__DECLARE_FLEX_ARRAY`), or the reverse",
    explanation: "The kernel-wide conversion to C99 flexible array members changes the declared type, and for \
`x[1]` the struct's sizeof, but not the bytes userspace exchanges with the kernel: the trailing array was \
always sized at run time, from the same offset. The length may be spelled by a constant \
(`x[MPI3_NVME_ENCAP_CMD_MAX]` of 1); diffed the other way (an older header against a newer one) a real \
flexible array made fake again is the same change. check-uapi.sh flags these as breaks; they are not, \
except where the record's size is part of the contract: the argument of a non-DRM ioctl (its request number \
carries the size) or an array element (its successors move), which is ioctl-struct-changed or \
layout-changed instead. A DRM ioctl carrying such a record changes its number's size bits only, which DRM \
dispatch ignores (drivers/gpu/drm/drm_ioctl.c).",
    reference: "Documentation/process/deprecated.rst",
    matches: Some(|c, ctx| {
        // A DRM ioctl whose number changed only by such a record's size: DRM dispatch ignores the
        // size bits and copies the smaller size, zero-extending (drivers/gpu/drm/drm_ioctl.c).
        let drm_ioctl_resized = c.kind == ItemKind::Ioctl
            && matches!(
                (&c.old, &c.new),
                (
                    Some(Facts::Ioctl { dir: d1, ioc_type: Some(t1), nr: n1, .. }),
                    Some(Facts::Ioctl { dir: d2, ioc_type: Some(t2), nr: n2, .. }),
                ) if *t1 == DRM_IOCTL_TYPE && t1 == t2 && d1 == d2 && n1 == n2
            )
            && ctx.arg_verdict(c) == Some(Verdict::Unchanged);
        drm_ioctl_resized
            || (c.kind == ItemKind::Field && ctx.is_flex_conversion(c))
            || (c.change == ChangeKind::Changed
                && matches!(c.kind, ItemKind::Struct | ItemKind::Union)
                && ctx.flex_only.contains(&(c.file.clone(), c.name.clone()))
                && ctx.verdict(c) != Some(Verdict::Breaks))
    }),
};
