use super::{hints, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "hint-size-not-multiple-of-8",
    severity: Severity::Info,
    summary: "a new ioctl struct's size is not a multiple of 8 bytes",
    explanation: "\"Pad the entire struct to a multiple of 64-bits if the structure contains 64-bit types - the \
structure size will otherwise differ on 32-bit versus 64-bit\", which hurts arrays of structs and the size \
check the DRM core makes (Documentation/process/botching-up-ioctls.rst). A struct that is not a multiple of 8 \
bytes either differs between ABIs already or will once a 64-bit member is appended. A hint for the reviewer; \
it does not classify the change.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        hints::new_ioctl_struct(c, ctx).is_some_and(|(size, _)| size % 8 != 0)
    }),
};
