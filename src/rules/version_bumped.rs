use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "version-bumped",
    severity: Severity::Info,
    summary: "an interface version went up (a minor, patch or single version number, or a version string)",
    explanation: "The define is a version: its name holds VERSION (or is the minor or patch part beside a \
`…MAJOR…` sibling), and its value went up, with the major part unchanged where the version is composed \
(`SNDRV_PROTOCOL_VERSION(2, 0, 17)`). Programs built against the old headers report the older version, \
which the kernel keeps accepting; that is what minor versions are for (device-mapper's DM_VERSION_MINOR, \
FUSE_KERNEL_MINOR_VERSION). A major version going up, or the oldest version still accepted \
(`…_VERSION_MIN`) rising, declares old userspace unsupported and stays `value-changed`, breaking. \
Documentation/filesystems/autofs-mount-control.rst: a version mismatch is a major one.",
    reference: "Documentation/filesystems/autofs-mount-control.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed
            && c.kind == ItemKind::Define
            && ctx.values.version_bumped(c)
    }),
};
