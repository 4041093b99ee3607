use super::{Rule, Severity};
use crate::change::{ChangeKind, ItemKind};

pub static RULE: Rule = Rule {
    id: "list-extended",
    severity: Severity::Info,
    summary: "an initializer list (a table of names the header gives userspace) only gained entries",
    explanation: "The define expands to an initializer list, such as the tables of symbolic names for \
tracing tools (`SVM_EXIT_REASONS`, `{ SVM_EXIT_READ_CR0, \"read_cr0\" }, …`) or a designated array \
(`FC_ELS_CMDS_INIT`, `{ [ELS_LS_RJT] = \"LS_RJT\", … }`). Every old entry is still there, unchanged \
(entries keyed by an index or a first member may be inserted anywhere; plain entries only after the \
old ones), so a program built with the old table knows fewer entries and reads none wrongly. An entry \
changed or removed stays `value-changed`, breaking; the values the entries name are judged as items \
of their own. Documentation/dev-tools/checkuapi.rst.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, ctx| {
        c.change == ChangeKind::Changed && c.kind == ItemKind::Define && ctx.values.list_extended(c)
    }),
};
