use super::{hints, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "hint-pointer-member",
    severity: Severity::Info,
    summary: "a new member of an ioctl struct is a pointer, not a __u64",
    explanation: "\"Pointers are __u64, cast from/to a uintptr_t on the userspace side and from/to a void __user * \
in the kernel.\" (Documentation/process/botching-up-ioctls.rst, prerequisites): a pointer member has another \
size on 32-bit userspace and needs a compat layer. A hint for the reviewer, on new members of structs an ioctl \
takes; it does not classify the change.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        hints::new_ioctl_member_types(c, ctx)
            .iter()
            .any(|ty| ty.contains('*'))
    }),
};
