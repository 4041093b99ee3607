use super::{Rule, Severity};
use crate::change::{ChangeKind, Facts};

pub static RULE: Rule = Rule {
    id: "config-dependent",
    severity: Severity::Info,
    summary: "a value the kernel's configuration chooses changed: the headers cannot judge it",
    explanation: "The define's value is chosen by `#if` conditions on kernel configuration symbols \
(`CONFIG_*`, listed in its `configured` facts) that userspace never defines: \
`AT_VECTOR_SIZE_ARCH` under `#if defined(CONFIG_IA32_EMULATION) || !defined(CONFIG_X86_64)` is the \
number of auxiliary vector entries the kernel's build adds. The exported headers are what userspace \
builds against (Documentation/kbuild/headers_install.rst); scripts/headers_install.sh calls such \
conditions leaks of the kernel configuration into them and lists the headers that still have them. \
What userspace compiles is one branch of a choice each kernel makes for itself, so a change of it is \
not a fact of the interface: the entry is reported, not judged. Read the kernel code that uses the \
value to know whether a program can rely on it.",
    reference: "Documentation/kbuild/headers_install.rst",
    matches: Some(|c, _| {
        let configured =
            |f: &Option<Facts>| matches!(f, Some(Facts::Value { configured, .. }) if !configured.is_empty());
        c.change == ChangeKind::Changed && (configured(&c.old) || configured(&c.new))
    }),
};
