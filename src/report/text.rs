//! Plain text, readable in a terminal and pasteable into a mail: the summary, then the breaking
//! changes, those needing userspace and the rest, each section grouped by header.

use super::{
    arch_label, arch_scope, by_file, facts_transition, in_section, section_title,
    shown_declaration, Declarations, DiffReport,
};
use crate::change::{Change, ChangeKind, Severity};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

pub fn render(report: &DiffReport, color: bool, shown: Declarations) -> String {
    let style = Style { color };
    let s = &report.summary;
    let mut out = format!(
        "uapi-diff {} → {} ({}): {} added, {} removed, {} changed; {} breaking, {} need userspace, {} new uAPI\n",
        report.old.label(), report.new.label(), arch_label(&report.new.arch, report.arches.as_deref()), s.added, s.removed, s.changed, s.breaking, s.needs_userspace, s.new_uapi
    );
    for severity in Severity::ALL {
        let changes = in_section(&report.changes, severity);
        if changes.is_empty() {
            continue;
        }
        let code = match severity {
            Severity::Breaking => "1;31",
            Severity::NeedsUserspace | Severity::Check => "1;33",
            Severity::NewUapi | Severity::Info => "1",
        };
        let title = format!("{} ({})", section_title(severity), changes.len());
        out.push_str(&format!("\n{}\n", style.paint(code, &title)));
        for (file, changes) in by_file(changes) {
            out.push('\n');
            out.push_str(&style.paint("1", file));
            out.push('\n');
            for c in changes {
                let scope = scope_suffix(report.arches.as_deref(), c.arches.as_deref());
                out.push_str(&line(c, &scope, &style, shown));
            }
        }
    }
    if !report.unparsed.is_empty() {
        out.push_str(&format!(
            "\n{} items could not be compared (unparsed text):\n",
            report.unparsed.len()
        ));
        for u in &report.unparsed {
            out.push_str(&format!(
                "  ? {} {} — {}:{} at {} did not parse{}\n",
                u.kind.as_str(),
                u.name,
                u.file,
                u.line,
                u.revision,
                scope_suffix(report.arches.as_deref(), u.arches.as_deref())
            ));
        }
    }
    out
}

/// Two spaces and where an `--all-arches` entry holds; nothing for a one-arch report.
fn scope_suffix(all: Option<&[String]>, arches: Option<&[String]>) -> String {
    arch_scope(all, arches).map_or(String::new(), |s| format!("  {s}"))
}

fn line(c: &Change, scope: &str, style: &Style, shown: Declarations) -> String {
    let (sign, code) = match c.change {
        ChangeKind::Added => ('+', "32"),
        ChangeKind::Removed => ('-', "31"),
        ChangeKind::Changed => ('~', "33"),
    };
    let name = match &c.parent {
        Some(p) => format!("{p}.{}", c.name),
        None => c.name.clone(),
    };
    let flag = if c.breaking {
        ", breaking"
    } else if c.needs_userspace {
        ", needs userspace"
    } else if c.severity == Severity::NewUapi {
        ", new uAPI"
    } else {
        ""
    };
    // A move's two halves (rule `moved`) say only where they went; other entries give their rule.
    let verdict = match super::entry_note(c) {
        Some(note) if c.rule == "moved" => format!("[{note}]"),
        Some(note) => format!("[{}{flag}; {note}]", c.rule),
        None => format!("[{}{flag}]", c.rule),
    };
    let mut out = format!(
        "  {} {} {}  {}  {}{}\n",
        style.paint(code, &sign.to_string()),
        c.kind.as_str(),
        name,
        facts_transition(c),
        verdict,
        scope
    );
    if c.change == ChangeKind::Changed {
        if let Some(d) = shown_declaration(c, shown) {
            for l in d.lines() {
                out.push_str("      ");
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}
