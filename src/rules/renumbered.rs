use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "renumbered",
    severity: Severity::Check,
    summary: "enumerators renumbered by an insertion (or a move), in an enum no uAPI item carries: one entry per enum; check",
    explanation: "Members were inserted (or removed) before these enumerators, or the enumerator itself \
moved within its enum (`IPSTATS_MIB_OUTPKTS`, whose place `IPSTATS_MIB_OUTREQUESTS` took), so their \
implicit values moved. No record member, ioctl argument or array \
in the headers carries the enum's type or values (such an enum's renumbering is `value-changed`, \
breaking), so the headers cannot show that these values leave the kernel: an enum indexing kernel \
statistics that /proc prints by name changes nothing for userspace, one indexing an array exported \
over netlink does. Check which it is; the policy config can declare the enum internal or ABI. One \
entry per enum, with the renumbered enumerators under it (`items`).",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed
            && c.kind == ItemKind::Enumerator
            && ctx.values.renumbered(c).is_some()
            && !ctx.enum_carried(&c.file, &c.name)
    }),
};
