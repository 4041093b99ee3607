use super::{hints, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "hint-not-fixed-width",
    severity: Severity::Info,
    summary: "a new member of an ioctl struct is not of a fixed-width type (__u32, __s64, …)",
    explanation: "\"Only use fixed sized integers. To avoid conflicts with typedefs in userspace the kernel has \
special types like __u32, __s64. Use them.\" (Documentation/process/botching-up-ioctls.rst, prerequisites). \
`int`, `long`, `size_t`, `bool`, enums and the like change size or signedness between ABIs and need a compat \
layer. A hint for the reviewer, on new members of structs an ioctl takes; it does not classify the change.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        hints::new_ioctl_member_types(c, ctx)
            .iter()
            .any(|ty| !ty.contains('*') && !hints::is_fixed_width(ty))
    }),
};
