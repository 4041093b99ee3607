use super::{Rule, Severity};
use crate::change::{ChangeKind, Facts, ItemKind};

pub static RULE: Rule = Rule {
    id: "sentinel-moved",
    severity: Severity::Info,
    summary: "a sentinel known only by its name (`FOO_MAX`, `_COUNT`, `_NUM`) grew, where no structure decides",
    explanation: "Sentinels count the entries before them; they grow whenever an enum is extended, which is \
the sanctioned way to extend netlink attributes and similar lists. The new entries are reported separately. \
This rule judges by the name alone, so it applies only where the structure cannot decide (rule \
`bound-grew` judges enumerators by their enum, and constants by what they are computed from): a define \
whose value is a bare number, or an enumerator whose enum's order a snapshot side does not keep. \
Documentation/dev-tools/checkuapi.rst recognizes the same name patterns.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, ctx| {
        let grew = matches!(
            (&c.old, &c.new),
            (Some(Facts::Value { value: Some(a), .. }), Some(Facts::Value { value: Some(b), .. })) if b > a
        );
        c.change == ChangeKind::Changed && matches!(c.kind, ItemKind::Enumerator | ItemKind::Define) && grew
            && !ctx.values.structure_decides(c)
            && is_sentinel(&c.name)
    }),
};

/// A sentinel's name: it ends with a bound's word (`FOO_MAX`, `RTC_FEATURE_CNT`,
/// `AMDKFD_COMMAND_END`) or is an internal maximum (`__FOO_MAX_ID`). A maximum that merely starts
/// the name (`TOY_MAX_ENGINES`) may size what userspace allocates: it stays `value-changed`.
fn is_sentinel(name: &str) -> bool {
    ["_MAX", "_COUNT", "_CNT", "_NUM", "_LAST", "_END", "_NR"]
        .iter()
        .any(|s| name.ends_with(s))
        || name.starts_with("__") && name.contains("_MAX")
}

#[cfg(test)]
mod tests {
    #[test]
    fn sentinel_names() {
        use super::is_sentinel;
        assert!(is_sentinel("NFNL_SUBSYS_COUNT"));
        assert!(is_sentinel("VIRTIO_TRANSPORT_F_END"));
        assert!(!is_sentinel("__NR_read"));
        assert!(!is_sentinel("TOY_MAX_ENGINES"));
        assert!(!is_sentinel("NSIGSEGV"));
    }
}
