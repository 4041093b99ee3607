//! Report stage: a diff → text for a terminal or a mail, Markdown for a review, JSON for tools.
//! Every format renders the same sorted changes, so output is byte-identical across runs.

mod json;
mod markdown;
mod text;

use crate::change::{
    Change, ChangeKind, Facts, IoctlDir, ItemKind, NetlinkFacts, PropertyFacts, Severity,
};
use crate::model::Model;
use serde::Serialize;

pub use crate::change::{DiffReport, Note, Revision, Summary};

pub use json::render as json;
pub use markdown::render as markdown;
pub use text::render as text;

/// How much of a changed declaration text and Markdown show.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Declarations {
    /// Only the lines that changed (the default: one added field is one line, not the struct).
    #[default]
    Changed,
    /// The whole declaration, before and after, with the changed lines marked.
    Whole,
}

/// The sections text and Markdown list, one per severity, in the order a reviewer acts on them
/// (`Severity::ALL`): breaking first.
pub fn section_title(severity: Severity) -> &'static str {
    match severity {
        Severity::Breaking => "Breaking",
        Severity::NeedsUserspace => "Needs open-source userspace",
        Severity::Check => "To check",
        Severity::NewUapi => "New uAPI",
        Severity::Info => "Other changes",
    }
}

/// The changes of one section, in report order.
pub fn in_section(changes: &[Change], severity: Severity) -> Vec<&Change> {
    changes.iter().filter(|c| c.severity == severity).collect()
}

/// A one-line rendering of an item's facts: `0xc0186441 (read|write, 'd', nr 0x41, size 24, struct foo)`.
pub fn facts_line(facts: &Facts) -> String {
    let opt = |v: &Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
    let mut s = match facts {
        Facts::Ioctl {
            number,
            dir,
            ioc_type,
            nr,
            size,
            arg_type,
            ..
        } => {
            let number = number.map_or("?".to_string(), |n| format!("{n:#x}"));
            let ty = match ioc_type {
                Some(t) if (0x20..0x7f).contains(t) => format!("'{}'", *t as u8 as char),
                Some(t) => format!("{t:#x}"),
                None => "?".into(),
            };
            let nr = nr.map_or("?".to_string(), |n| format!("{n:#x}"));
            let mut parts = vec![
                dir.map_or("?", IoctlDir::as_str).to_string(),
                ty,
                format!("nr {nr}"),
                format!("size {}", opt(size)),
            ];
            parts.extend(arg_type.clone());
            format!("{number} ({})", parts.join(", "))
        }
        Facts::Record { size, align, .. } => format!("size {}, align {}", opt(size), opt(align)),
        Facts::Field {
            offset,
            size,
            ty,
            bits,
            ..
        } => match bits {
            Some(b) => format!("{ty} at bit {} width {}", b.bit_offset, b.width),
            None => format!("{ty} at offset {}, size {}", opt(offset), opt(size)),
        },
        Facts::Value {
            value: Some(v),
            text,
            ..
        } if !is_literal_of(text, *v) => format!("{} ({text})", value_as_written(*v, text)),
        Facts::Value {
            value: Some(v),
            text,
            ..
        } => value_as_written(*v, text),
        Facts::Value {
            value: None, text, ..
        } => text.clone(),
        Facts::Typedef { ty, size } => format!("{ty}, size {}", opt(size)),
        Facts::Enum { size } => format!("size {}", opt(size)),
        Facts::Header { .. } => String::new(),
        Facts::Property(p) => property_line(p),
        Facts::PropertyValue { value } => value.map_or("?".to_string(), |v| v.to_string()),
        Facts::Syscall {
            number,
            abi,
            entry,
            compat_entry,
            ..
        } => {
            let mut parts = vec![abi.clone()];
            parts.extend(entry.iter().map(|e| format!("entry {e}")));
            parts.extend(compat_entry.iter().map(|e| format!("compat {e}")));
            format!("{} ({})", opt(number), parts.join(", "))
        }
        Facts::Netlink(n) => netlink_line(n),
    };
    if let Some(reason) = facts.unresolved() {
        s.push_str(&format!(" [unresolved: {reason}]"));
    }
    s
}

/// A value in the base its definition suggests: hexadecimal where the text is built from bits (a
/// hex literal, a shift, `|`, `&`, `~`, or a macro call such as `BIT(3)` or `fourcc_code(…)`), as
/// masks, flags, fourcc codes and modifiers read; decimal otherwise.
fn value_as_written(v: i128, text: &str) -> String {
    let macro_call = text
        .as_bytes()
        .windows(2)
        .any(|w| w[1] == b'(' && (w[0].is_ascii_alphanumeric() || w[0] == b'_'));
    let operators = ["0x", "0X", "<<", "|", "&", "~"];
    let bits = macro_call || operators.iter().any(|t| text.contains(t));
    match (bits, v < 0) {
        (false, _) => v.to_string(),
        (true, false) => format!("{v:#x}"),
        (true, true) => format!("-{:#x}", v.unsigned_abs()),
    }
}

/// Whether `text` is nothing but a literal of `v` (`21`, `0x15`, `(0x15U)`): then the value alone
/// says it all.
fn is_literal_of(text: &str, v: i128) -> bool {
    let bare: String = text
        .chars()
        .filter(|c| !matches!(c, '(' | ')') && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let bare = bare.trim_end_matches(['u', 'l']);
    bare.is_empty() || bare == v.to_string() || bare == format!("{v:#x}")
}

fn property_line(p: &PropertyFacts) -> String {
    let mut parts = vec![p.kind.as_str().to_string()];
    if !p.flags.is_empty() {
        parts.push(p.flags.join("|"));
    }
    if let Some((lo, hi)) = p.range {
        let show = |v: Option<i128>| v.map_or("?".to_string(), |v| v.to_string());
        parts.push(format!("range {}..{}", show(lo), show(hi)));
    }
    if !p.values.is_empty() {
        let names: Vec<&str> = p.values.keys().map(String::as_str).collect();
        parts.push(format!("values {}", names.join(", ")));
    }
    if let Some(h) = &p.helper {
        parts.push(format!("via {h}()"));
    }
    if !p.conditions.is_empty() {
        parts.push(format!("only when {}", p.conditions.join(" && ")));
    }
    parts.join(", ")
}

/// A netlink item's facts on one line: `id 3 (DPLL_A_PIN_ID), u32, big-endian, checks max=10`.
fn netlink_line(n: &NetlinkFacts) -> String {
    let mut parts = Vec::new();
    match (n.value, &n.c_name) {
        (Some(v), Some(c)) => parts.push(format!("{v} ({c})")),
        (Some(v), None) => parts.push(v.to_string()),
        (None, Some(c)) => parts.push(c.clone()),
        (None, None) => {}
    }
    if let Some(v) = n.request_value {
        parts.push(format!("request {v}"));
    }
    if let Some(v) = n.reply_value {
        parts.push(format!("reply {v}"));
    }
    let named = [
        ("", &n.ty),
        ("", &n.byte_order),
        ("value ", &n.value_text),
        ("len ", &n.len),
        ("nested ", &n.nested_attributes),
        ("enum ", &n.enum_name),
        ("sub-type ", &n.sub_type),
        ("struct ", &n.struct_name),
        ("sub-message ", &n.sub_message),
        ("selector ", &n.selector),
        ("subset of ", &n.subset_of),
        ("attribute set ", &n.attribute_set),
        ("notify ", &n.notify),
        ("mcgrp ", &n.mcgrp),
        ("fixed header ", &n.fixed_header),
        ("header ", &n.header),
        ("scope ", &n.scope),
    ];
    parts.extend(
        named
            .iter()
            .filter_map(|(label, v)| Some(format!("{label}{}", v.as_ref()?))),
    );
    if n.multi_attr {
        parts.push("multi-attr".to_string());
    }
    if n.enum_as_flags {
        parts.push("enum-as-flags".to_string());
    }
    let joined = |v: &[String]| v.join("|");
    for (label, v) in [
        ("modes", &n.modes),
        ("flags", &n.flags),
        ("dont-validate", &n.dont_validate),
        ("attributes", &n.attributes),
    ] {
        if !v.is_empty() {
            parts.push(format!("{label} {}", joined(v)));
        }
    }
    if !n.checks.is_empty() {
        let checks: Vec<String> = n.checks.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(format!("checks {}", checks.join(" ")));
    }
    for (message, attrs) in &n.messages {
        parts.push(format!("{message} [{}]", attrs.join(" ")));
    }
    if !n.sentinels.is_empty() {
        let sentinels: Vec<String> = n
            .sentinels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(sentinels.join(" "));
    }
    parts.join(", ")
}

/// "old → new" for a changed item, or the one side's facts.
pub fn facts_transition(c: &Change) -> String {
    let facts = match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{} → {}", facts_line(o), facts_line(n)),
        (Some(f), None) | (None, Some(f)) => facts_line(f),
        (None, None) => String::new(),
    };
    // A removed header's items are removals; the other folds (a renumbered enum's enumerators, a
    // removed alias's target) are named by the entry's note (`entry_note`).
    let folded = match (c.kind, c.items.len()) {
        (ItemKind::Header, 1) => "1 item removed with it".to_string(),
        (ItemKind::Header, n) if n > 1 => format!("{n} items removed with it"),
        _ => return facts,
    };
    match facts.is_empty() {
        true => folded,
        false => format!("{facts}, {folded}"),
    }
}

/// A unified diff of the declaration's text before and after, when it changed.
pub fn declaration_diff(c: &Change) -> Option<String> {
    text_diff(c.old_decl.as_deref()?, c.new_decl.as_deref()?)
}

/// A changed declaration as `shown`: its changed lines only (runs of unchanged lines between
/// them folded to `…`), or the whole diff.
pub fn shown_declaration(c: &Change, shown: Declarations) -> Option<String> {
    let whole = declaration_diff(c)?;
    if shown == Declarations::Whole {
        return Some(whole);
    }
    let mut out = String::new();
    let mut folded = false;
    for line in whole.lines() {
        if line.starts_with(['+', '-']) {
            if folded && !out.is_empty() {
                out.push_str(" …\n");
            }
            folded = false;
            out.push_str(line);
            out.push('\n');
        } else {
            folded = true;
        }
    }
    Some(out)
}

/// A unified diff of two texts, `None` when they are equal.
pub fn text_diff(old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        out.push(sign);
        out.push_str(change.value().trim_end_matches('\n'));
        out.push('\n');
    }
    Some(out)
}

/// The target a report is for: its arch, or `all arches: x86, i386` for `--all-arches`.
pub fn arch_label(arch: &str, all: Option<&[String]>) -> String {
    match all {
        Some(all) => format!("all arches: {}", all.join(", ")),
        None => arch.to_string(),
    }
}

/// Where an `--all-arches` entry holds, as text and Markdown show it: `on all arches`, `on i386`,
/// or `on all arches except …` when that list is shorter. `None` for a one-arch report.
pub fn arch_scope(all: Option<&[String]>, arches: Option<&[String]>) -> Option<String> {
    let (all, arches) = (all?, arches?);
    if arches == all {
        return Some("on all arches".to_string());
    }
    let except: Vec<&str> = all
        .iter()
        .filter(|a| !arches.contains(a))
        .map(String::as_str)
        .collect();
    Some(if except.len() < arches.len() {
        format!("on all arches except {}", except.join(", "))
    } else {
        format!("on {}", arches.join(", "))
    })
}

/// Changes grouped by file, in order.
pub fn by_file<'c>(
    changes: impl IntoIterator<Item = &'c Change>,
) -> Vec<(&'c str, Vec<&'c Change>)> {
    let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
    for c in changes {
        match groups.last_mut() {
            Some((file, list)) if *file == c.file => list.push(c),
            _ => groups.push((&c.file, vec![c])),
        }
    }
    groups
}

/// `uapi-diff dump --format json`: every item of one revision with its facts.
pub fn dump_json(revision: &Revision, model: &Model, notes: &[Note]) -> String {
    #[derive(Serialize)]
    struct DumpItem<'a> {
        kind: crate::change::ItemKind,
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent: Option<&'a str>,
        file: &'a str,
        line: u32,
        facts: &'a Facts,
    }
    #[derive(Serialize)]
    struct Dump<'a> {
        revision: &'a Revision,
        items: Vec<DumpItem<'a>>,
        unparsed: Vec<UnparsedRegionOut<'a>>,
        notes: &'a [Note],
    }
    #[derive(Serialize)]
    struct UnparsedRegionOut<'a> {
        file: &'a str,
        line: u32,
        end_line: u32,
    }
    let dump = Dump {
        revision,
        items: model
            .items
            .iter()
            .map(|(k, i)| DumpItem {
                kind: k.kind,
                name: &k.name,
                parent: k.parent.as_deref(),
                file: &k.file,
                line: i.line,
                facts: &i.facts,
            })
            .collect(),
        unparsed: model
            .unparsed
            .iter()
            .map(|u| UnparsedRegionOut {
                file: &u.file,
                line: u.line,
                end_line: u.end_line,
            })
            .collect(),
        notes,
    };
    let mut s = serde_json::to_string_pretty(&dump).expect("dump serializes");
    s.push('\n');
    s
}

/// `uapi-diff dump --format text`: one line per item.
pub fn dump_text(model: &Model) -> String {
    let mut out = String::new();
    for (k, i) in &model.items {
        let name = match &k.parent {
            Some(p) => format!("{p}.{}", k.name),
            None => k.name.clone(),
        };
        out.push_str(&format!(
            "{}:{}: {} {} {}\n",
            k.file,
            i.line,
            k.kind.as_str(),
            name,
            facts_line(&i.facts)
        ));
    }
    out
}

/// What an entry says besides its rule: where it moved (`moved to <header>` / `moved from
/// <header>` for a move's two halves, `moved from A to B` for one entry), the spelling it had
/// (`was a define`), and how many changes are folded under it (a removed alias: the target it
/// named, `with its alias target __X`).
fn entry_note(c: &Change) -> Option<String> {
    let mut parts = Vec::new();
    match (&c.moved_to, &c.moved_from) {
        (Some(to), Some(from)) => parts.push(format!("moved from {from} to {to}")),
        (Some(to), None) => parts.push(format!("moved to {to}")),
        (None, Some(from)) => parts.push(format!("moved from {from}")),
        _ => {}
    }
    if let Some(kind) = c.old_kind {
        parts.push(format!("was {} {}", article(kind.as_str()), kind.as_str()));
    }
    if !c.items.is_empty() {
        let names: Vec<&str> = c.items.iter().map(|i| i.name.as_str()).collect();
        // A removed alias carries the removed helper it named (`rules::fold`): one name, not more.
        let alias = c.kind != ItemKind::Header && c.change == ChangeKind::Removed;
        parts.push(match alias {
            true => format!("with its alias target {}", names.join(", ")),
            false => format!("and {} more: {}", names.len(), names.join(", ")),
        });
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `a` or `an` before a word.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use super::{arch_scope, value_as_written};

    #[test]
    fn values_built_from_bits_print_in_hex() {
        assert_eq!(value_as_written(255, "__GENMASK(7, 0)"), "0xff");
        assert_eq!(value_as_written(128, "(1<<7)"), "0x80");
        assert_eq!(value_as_written(-2147483648, "(1<<31)"), "-0x80000000");
        assert_eq!(value_as_written(6, "(FOO_A | FOO_B)"), "0x6");
        assert_eq!(value_as_written(9, "SETUP_RNG_SEED"), "9");
        assert_eq!(value_as_written(38, "(__FOO_MAX - 1)"), "38");
        assert_eq!(value_as_written(4, "(4)"), "4");
        assert!(super::is_literal_of("(0x15U)", 21) && super::is_literal_of("21", 21));
        assert!(!super::is_literal_of("0x16", 21) && !super::is_literal_of("FOO", 21));
    }

    #[test]
    fn arch_scope_names_the_shorter_list() {
        let list = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let all = list("x86 i386 arm arm64");
        let scope = |arches: &str| arch_scope(Some(&all), Some(&list(arches)));
        assert_eq!(
            scope("x86 i386 arm arm64").as_deref(),
            Some("on all arches")
        );
        assert_eq!(
            scope("x86 arm arm64").as_deref(),
            Some("on all arches except i386")
        );
        assert_eq!(scope("x86 arm").as_deref(), Some("on x86, arm"));
        assert_eq!(arch_scope(None, Some(&all)), None);
    }
}
