use super::{hints, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "hint-implicit-padding",
    severity: Severity::Info,
    summary: "a new ioctl struct has an implicit hole or tail padding",
    explanation: "\"Align everything to the natural size and use explicit padding.\" 32-bit platforms do not \
always align 64-bit values as 64-bit ones do, and \"the padding the compiler might insert could contain \
garbage\", which then can never be checked for zero nor used for an extension \
(Documentation/process/botching-up-ioctls.rst). The layout computed for the target shows bytes no member \
covers: between members or after the last one. A hint for the reviewer; it does not classify the change.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        hints::new_ioctl_struct(c, ctx)
            .is_some_and(|(size, members)| hints::has_implicit_padding(size, &members))
    }),
};
