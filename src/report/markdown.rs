//! Markdown for a review: the summary, then a section per severity (breaking first) with a
//! subsection per header, a bullet per change, the changed lines of a changed declaration.

use super::{
    arch_label, arch_scope, by_file, facts_transition, in_section, section_title,
    shown_declaration, Declarations, DiffReport,
};
use crate::change::{ChangeKind, Severity};

pub fn render(report: &DiffReport, shown: Declarations) -> String {
    let s = &report.summary;
    let mut out = format!(
        "# uAPI changes: `{}` → `{}` ({})\n\n{} added, {} removed, {} changed; **{} breaking**, {} need userspace, {} new uAPI.\n",
        report.old.label(), report.new.label(), arch_label(&report.new.arch, report.arches.as_deref()), s.added, s.removed, s.changed, s.breaking, s.needs_userspace, s.new_uapi
    );
    for severity in Severity::ALL {
        let changes = in_section(&report.changes, severity);
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {} ({})\n",
            section_title(severity),
            changes.len()
        ));
        for (file, changes) in by_file(changes) {
            out.push_str(&format!("\n### `{file}`\n\n"));
            for c in changes {
                let sign = match c.change {
                    ChangeKind::Added => "added",
                    ChangeKind::Removed => "removed",
                    ChangeKind::Changed => "changed",
                };
                let name = match &c.parent {
                    Some(p) => format!("{p}.{}", c.name),
                    None => c.name.clone(),
                };
                let flag = if c.breaking {
                    " **breaking**"
                } else if c.needs_userspace {
                    " *needs userspace*"
                } else if c.severity == Severity::NewUapi {
                    " *new uAPI*"
                } else {
                    ""
                };
                let rule = match super::entry_note(c) {
                    Some(place) => format!("{} ({place})", c.rule),
                    None => c.rule.clone(),
                };
                out.push_str(&format!(
                    "- {sign} {} `{name}` (line {}): {}; rule `{rule}`{flag}{}\n",
                    c.kind.as_str(),
                    c.line,
                    facts_transition(c).replace('|', "\\|"),
                    arch_scope(report.arches.as_deref(), c.arches.as_deref())
                        .map_or(String::new(), |s| format!("; {s}"))
                ));
                if c.change == ChangeKind::Changed {
                    if let Some(d) = shown_declaration(c, shown) {
                        out.push_str("\n  ```diff\n");
                        for l in d.lines() {
                            out.push_str("  ");
                            out.push_str(l);
                            out.push('\n');
                        }
                        out.push_str("  ```\n\n");
                    }
                }
            }
        }
    }
    if !report.unparsed.is_empty() {
        out.push_str(&format!(
            "\n## Not compared ({} items in text that did not parse)\n\n",
            report.unparsed.len()
        ));
        for u in &report.unparsed {
            out.push_str(&format!(
                "- {} `{}`: `{}` line {} at `{}`{}\n",
                u.kind.as_str(),
                u.name,
                u.file,
                u.line,
                u.revision,
                arch_scope(report.arches.as_deref(), u.arches.as_deref())
                    .map_or(String::new(), |s| format!("; {s}"))
            ));
        }
    }
    out
}
