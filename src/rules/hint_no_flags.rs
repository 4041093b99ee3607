use super::{hints, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "hint-no-flags",
    severity: Severity::Info,
    summary: "a new ioctl struct has no `flags` or `extensions` member",
    explanation: "\"Have a plan for extending ioctls with new flags or new fields at the end of the structure\", \
and reject unknown flags so that they can be given a meaning later \
(Documentation/process/botching-up-ioctls.rst). A struct without a `flags` member, or an `extensions` chain \
as i915 and xe use, leaves no room for that. A hint for the reviewer; it does not classify the change.",
    reference: "Documentation/process/botching-up-ioctls.rst",
    matches: Some(|c, ctx| {
        hints::new_ioctl_struct(c, ctx).is_some_and(|(_, members)| {
            !members.iter().any(|m| {
                let n = m.0.to_ascii_lowercase();
                n.contains("flags") || n.starts_with("extension")
            })
        })
    }),
};
