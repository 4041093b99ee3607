use super::{Rule, Severity};
use crate::change::{same_meaning, ChangeKind};

pub static RULE: Rule = Rule {
    id: "respelled",
    severity: Severity::Info,
    summary: "a #define became an enumerator of the same name and value, or the reverse",
    explanation: "The constant keeps its name and value and changed how it is spelled: a `#define` turned \
into an enumerator (ethtool's flow types, btf's BTF_KIND_*), or an enumerator into a `#define`, in the same \
header or another (`moved_from`/`moved_to` then say which). C code compiles and behaves the same. \
Binding generators that read only one spelling notice: Go's x/sys dropped constants when Linux 6.10 \
turned ETHTOOL_FLAG_* into an enum, so the entry names both spellings (`old_kind`). An alias kept for \
compatibility (`#define OLD_NAME NEW_NAME` with the same value) is the same case. A respelling that also \
changed the value is judged under the value's rule, as one entry.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, _| {
        c.change == ChangeKind::Changed
            && c.old_kind.is_some()
            && match (&c.old, &c.new) {
                (Some(o), Some(n)) => same_meaning(o, n),
                _ => false,
            }
    }),
};
