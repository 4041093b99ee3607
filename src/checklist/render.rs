//! The checklist's formats: a Markdown task list for a review, plain text for a mailing-list reply
//! (80 columns), JSON, SARIF 2.1.0 and GitHub workflow annotations (each pointing at the item's
//! file and line in the new tree), and the `ledger init` skeleton. Deterministic: everything is
//! rendered in the checklist's order.

use super::{Checklist, Group, Item};
use crate::change::{ChangeKind, Severity};
use crate::evidence::Finding;
use crate::junit::{self, Case, Failure};
use crate::report::{arch_label, arch_scope, section_title, text_diff};
use serde_json::json;

const DOC: &str = "Documentation/gpu/drm-uapi.rst, \"Open-Source Userspace Requirements\"";

fn items(n: usize) -> String {
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}

/// The severities the checklist lists, in the order it lists them: breaking first.
const TIERS: [Severity; 4] = [
    Severity::Breaking,
    Severity::NeedsUserspace,
    Severity::Check,
    Severity::NewUapi,
];

/// A group's items of one severity.
fn in_tier(g: &Group, tier: Severity) -> Vec<&Item> {
    g.items.iter().filter(|i| i.severity == tier).collect()
}

fn count_heading(title: &str, shown: &[&Item]) -> String {
    let missing = shown.iter().filter(|i| !i.justified).count();
    match missing {
        0 if shown
            .iter()
            .all(|i| i.missing.is_none() && i.evidence.is_none()) =>
        {
            format!("{title} ({})", items(shown.len()))
        }
        _ => format!("{title} ({}, {missing} missing)", items(shown.len())),
    }
}

fn tier_items(cl: &Checklist, tier: Severity) -> Vec<&Item> {
    cl.groups.iter().flat_map(|g| in_tier(g, tier)).collect()
}

/// The checklist's counts in a sentence or three: breaks, items needing userspace, to check, new.
pub fn headline(cl: &Checklist) -> String {
    let s = &cl.summary;
    let mut line = String::new();
    if s.breaking > 0 {
        line.push_str(&format!(
            "{} the uAPI, each asking why it is safe for existing userspace: {} justified \
(accepted-break), {} missing. ",
            match s.breaking {
                1 => "1 item breaks".to_string(),
                n => format!("{n} items break"),
            },
            s.breaking - s.breaking_missing,
            s.breaking_missing
        ));
    }
    line.push_str(&format!(
        "{} need open-source userspace ({DOC}): {} justified, {} missing.",
        items(s.justified + s.missing),
        s.justified,
        s.missing
    ));
    if s.check > 0 {
        line.push_str(&format!(" {} to check.", items(s.check)));
    }
    if s.new_uapi > 0 {
        line.push_str(&format!(
            " {} of new uAPI where no userspace evidence is required, for review.",
            items(s.new_uapi)
        ));
    }
    line
}

/// The question's first sentence, asked at each breaking and to-check item (the whole question
/// stands once under its severity's heading).
fn short_question(item: &Item) -> Option<&str> {
    if !matches!(item.severity, Severity::Breaking | Severity::Check) {
        return None;
    }
    let q = item.question.as_str();
    Some(q.find("? ").map_or(q, |end| &q[..=end]))
}

fn sources_line(cl: &Checklist) -> String {
    let ledger = cl.ledger.as_deref().unwrap_or("none");
    let attribution = match (&cl.attribution.commits, &cl.attribution.unavailable) {
        (Some(n), _) => format!("{n} commits on the path"),
        (None, Some(why)) => format!("unavailable ({why})"),
        (None, None) => "unavailable".to_string(),
    };
    let mut line = format!("Ledger: {ledger}. Attribution: {attribution}.");
    for t in cl.userspace.iter().flatten() {
        line.push_str(&format!(" Userspace: {}.", t.summary()));
    }
    line
}

/// `, on i386` (`--all-arches`), or nothing.
fn scope_suffix(cl: &Checklist, item: &Item) -> String {
    arch_scope(cl.arches.as_deref(), item.arches.as_deref())
        .map_or(String::new(), |s| format!(", {s}"))
}

fn evidence_line(item: &Item) -> String {
    match (&item.evidence, &item.missing) {
        (Some(e), missing) => {
            let mut parts = vec![e.status.as_str().to_string()];
            parts.extend(e.links.iter().cloned());
            if let Some(r) = &e.reviewer {
                parts.push(format!("reviewer {r}"));
            }
            if let Some(r) = &e.reason {
                parts.push(format!("reason: {r}"));
            }
            if let Some(by) = &e.accepted_by {
                parts.push(format!("accepted by {by}"));
            }
            if let Some(m) = missing {
                parts.push(format!("MISSING: {m}"));
            }
            parts.join(", ")
        }
        (None, Some(m)) => format!("MISSING: {m}"),
        (None, None) if item.severity == Severity::NewUapi => {
            "new uAPI: no open-source userspace required in this area".to_string()
        }
        (None, None) if item.severity == Severity::Check => "none required: to check".to_string(),
        (None, None) => String::new(),
    }
}

/// `--userspace`: one line per tree, its uses of the item.
fn uses_lines(item: &Item) -> Vec<String> {
    item.uses
        .iter()
        .flatten()
        .map(crate::userspace::describe)
        .collect()
}

fn introduced_line(item: &Item) -> Option<String> {
    let i = item.introduced_by.as_ref()?;
    // A patch of a series is named as on the list: its place, and its Message-ID after.
    let (place, message_id) = match &i.patch {
        Some(p) => (
            format!("[PATCH {}]", p.number),
            p.message_id
                .as_ref()
                .map_or(String::new(), |m| format!(" <{m}>")),
        ),
        None => (
            i.commit[..i.commit.len().min(12)].to_string(),
            String::new(),
        ),
    };
    Some(format!(
        "{place} \"{}\" ({}, {}){message_id}",
        i.subject,
        i.author,
        &i.date[..i.date.len().min(10)]
    ))
}

fn routing_lines(g: &Group) -> Vec<String> {
    g.maintainers
        .iter()
        .map(|e| {
            let mut s = e.subsystem.clone();
            if let Some(st) = &e.status {
                s.push_str(&format!(" [{st}]"));
            }
            if !e.lists.is_empty() {
                s.push_str(&format!("; lists: {}", e.lists.join(", ")));
            }
            if !e.maintainers.is_empty() {
                s.push_str(&format!("; maintainers: {}", e.maintainers.join(", ")));
            }
            s
        })
        .collect()
}

/// The declaration as shown: a unified diff for changed items, the new text otherwise.
fn declaration(item: &Item) -> Option<String> {
    if item.change == ChangeKind::Changed {
        if let Some(d) = text_diff(item.old_decl.as_deref()?, item.new_decl.as_deref()?) {
            return Some(d);
        }
    }
    item.new_decl.clone().filter(|d| !d.trim().is_empty())
}

fn findings_md(out: &mut String, title: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    out.push_str(&format!("\n## {title}\n\n"));
    for f in findings {
        out.push_str(&format!(
            "- `{}` (`{}:{}`): {}\n",
            f.id, f.file, f.line, f.message
        ));
    }
}

pub fn markdown(cl: &Checklist) -> String {
    let mut out = format!(
        "# uAPI review checklist: `{}` → `{}` ({})\n\n{}\n{}\n",
        cl.old.revision,
        cl.new.revision,
        arch_label(&cl.new.arch, cl.arches.as_deref()),
        headline(cl),
        sources_line(cl)
    );
    for tier in TIERS {
        let all = tier_items(cl, tier);
        if all.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {}\n\n{}\n",
            count_heading(section_title(tier), &all),
            crate::checklist::question(tier)
        ));
        for g in &cl.groups {
            markdown_group(&mut out, cl, g, &in_tier(g, tier));
        }
    }
    findings_md(&mut out, "Stale ledger entries", &cl.stale);
    findings_md(&mut out, "Warnings", &cl.warnings);
    out
}

fn markdown_group(out: &mut String, cl: &Checklist, g: &Group, shown: &[&Item]) {
    if shown.is_empty() {
        return;
    }
    out.push_str(&format!("\n### {}\n\n", count_heading(&g.title, shown)));
    for r in routing_lines(g) {
        out.push_str(&format!("Route to: {r}\n\n"));
    }
    for &item in shown {
        let tick = if item.justified { 'x' } else { ' ' };
        out.push_str(&format!(
            "- [{tick}] `{}` ({} {}) at `{}:{}`{}\n",
            item.id,
            item.change.as_str(),
            item.kind.as_str(),
            item.file,
            item.line,
            scope_suffix(cl, item)
        ));
        out.push_str(&format!(
            "  - rule `{}`: {} ({})\n",
            item.rule, item.reason, item.reference
        ));
        if let Some(q) = short_question(item) {
            out.push_str(&format!("  - asked: {q}\n"));
        }
        if !item.facts.is_empty() {
            out.push_str(&format!("  - facts: {}\n", item.facts.replace('|', "\\|")));
        }
        if let Some(d) = declaration(item) {
            let lang = if d.starts_with([' ', '+', '-']) && item.change == ChangeKind::Changed {
                "diff"
            } else {
                "c"
            };
            out.push_str(&format!("  - declaration:\n\n    ```{lang}\n"));
            for l in d.lines() {
                out.push_str(&format!("    {l}\n"));
            }
            out.push_str("    ```\n\n");
        }
        out.push_str(&format!("  - evidence: {}\n", evidence_line(item)));
        for u in uses_lines(item) {
            out.push_str(&format!("  - uses: {u}\n"));
        }
        if let Some(i) = introduced_line(item) {
            out.push_str(&format!("  - introduced by {i}\n"));
            for t in item.introduced_by.iter().flat_map(|i| &i.trailers) {
                out.push_str(&format!("    - candidate: {}: {}\n", t.key, t.value));
            }
        }
        for h in item.hint.iter().chain(&item.hints) {
            out.push_str(&format!("  - hint: {h}\n"));
        }
    }
}

/// Word-wraps `text` to `width` columns, the first line after `first`, the others after `rest`;
/// a word longer than a line is cut.
pub fn wrap(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let sep = usize::from(!empty);
            if used + sep + word.len() <= width {
                if !empty {
                    line.push(' ');
                }
                line.extend(word.iter());
                empty = false;
                break;
            }
            if !empty {
                out.push_str(&line);
                out.push('\n');
                line = rest.to_string();
                empty = true;
                continue;
            }
            // A word longer than a whole line: cut it.
            let room = width.saturating_sub(used).max(1);
            line.extend(word.iter().take(room));
            out.push_str(&line);
            out.push('\n');
            word.drain(..room.min(word.len()));
            line = rest.to_string();
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty {
        out.push_str(&line);
        out.push('\n');
    }
}

const WIDTH: usize = 80;

pub fn text(cl: &Checklist) -> String {
    let mut out = String::new();
    wrap(
        &mut out,
        &format!(
            "uAPI review checklist: {} -> {} ({})",
            cl.old.revision,
            cl.new.revision,
            arch_label(&cl.new.arch, cl.arches.as_deref())
        ),
        "",
        "  ",
        WIDTH,
    );
    wrap(&mut out, &headline(cl), "", "", WIDTH);
    wrap(&mut out, &sources_line(cl), "", "", WIDTH);
    for tier in TIERS {
        let all = tier_items(cl, tier);
        if all.is_empty() {
            continue;
        }
        out.push('\n');
        let heading = count_heading(section_title(tier), &all);
        wrap(&mut out, &heading, "=== ", "    ", WIDTH);
        wrap(&mut out, crate::checklist::question(tier), "", "", WIDTH);
        for g in &cl.groups {
            text_group(&mut out, cl, g, &in_tier(g, tier));
        }
    }
    for (title, findings) in [
        ("Stale ledger entries", &cl.stale),
        ("Warnings", &cl.warnings),
    ] {
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        for f in findings {
            let s = format!("{} ({}:{}): {}", f.id, f.file, f.line, f.message);
            wrap(&mut out, &s, "  - ", "    ", WIDTH);
        }
    }
    out
}

fn text_group(out: &mut String, cl: &Checklist, g: &Group, shown: &[&Item]) {
    if shown.is_empty() {
        return;
    }
    out.push('\n');
    wrap(out, &count_heading(&g.title, shown), "== ", "   ", WIDTH);
    for r in routing_lines(g) {
        wrap(out, &r, "Route to: ", "    ", WIDTH);
    }
    for &item in shown {
        out.push('\n');
        let mark = if item.justified { "[x]" } else { "[ ]" };
        wrap(out, &item.id, &format!("{mark} "), "    ", WIDTH);
        let at = format!(
            "{} {} at {}:{}{}",
            item.change.as_str(),
            item.kind.as_str(),
            item.file,
            item.line,
            scope_suffix(cl, item)
        );
        wrap(out, &at, "    ", "      ", WIDTH);
        let rule = format!("rule {}: {} ({})", item.rule, item.reason, item.reference);
        wrap(out, &rule, "    ", "      ", WIDTH);
        if let Some(q) = short_question(item) {
            wrap(out, q, "    asked: ", "      ", WIDTH);
        }
        if !item.facts.is_empty() {
            wrap(out, &item.facts, "    facts: ", "      ", WIDTH);
        }
        if let Some(d) = declaration(item) {
            for l in d.lines() {
                // Keep the declaration's indentation (tabs as two spaces).
                let body = l.trim_start();
                let indent = l[..l.len() - body.len()].replace('\t', "  ");
                let first = format!("    | {indent}");
                wrap(out, body, &first, &format!("{first}  "), WIDTH);
            }
        }
        wrap(out, &evidence_line(item), "    evidence: ", "      ", WIDTH);
        for u in uses_lines(item) {
            wrap(out, &u, "    uses: ", "      ", WIDTH);
        }
        if let Some(i) = introduced_line(item) {
            wrap(out, &i, "    introduced by ", "      ", WIDTH);
            for t in item.introduced_by.iter().flat_map(|i| &i.trailers) {
                let s = format!("{}: {}", t.key, t.value);
                wrap(out, &s, "      candidate: ", "        ", WIDTH);
            }
        }
        for h in item.hint.iter().chain(&item.hints) {
            wrap(out, h, "    hint: ", "      ", WIDTH);
        }
    }
}

pub fn json(cl: &Checklist) -> String {
    let mut s = serde_json::to_string_pretty(cl).expect("checklist serializes");
    s.push('\n');
    s
}

/// Ids of the findings that are not items, in SARIF and annotations.
const STALE_RULE: &str = "ledger-stale";
const WARNING_RULE: &str = "evidence-warning";

fn item_message(item: &Item) -> String {
    let mut message = match &item.missing {
        Some(m) if item.severity == Severity::Breaking => format!(
            "{} ({}) breaks the uAPI: {}; justification missing: {m}",
            item.id, item.rule, item.reason
        ),
        Some(m) => format!(
            "{} ({}) needs open-source userspace: {}; evidence missing: {m}",
            item.id, item.rule, item.reason
        ),
        None => format!(
            "{} ({}): justified: {}",
            item.id,
            item.rule,
            evidence_line(item)
        ),
    };
    for u in uses_lines(item) {
        message.push_str(&format!("; uses in {u}"));
    }
    message
}

/// SARIF 2.1.0: one result per item (`error` while evidence is missing, `note` once justified),
/// stale ledger entries and warnings as `warning`s at their ledger line.
pub fn sarif(cl: &Checklist) -> String {
    let items = || cl.groups.iter().flat_map(|g| &g.items);
    let mut rule_ids: Vec<&str> = items().map(|i| i.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let mut rules: Vec<serde_json::Value> = rule_ids
        .iter()
        .map(|id| {
            let r = crate::rules::find(id);
            json!({
                "id": id,
                "shortDescription": { "text": r.map_or(*id, |r| r.summary) },
                "fullDescription": { "text": r.map_or(DOC, |r| r.explanation) },
                "properties": {
                    "severity": r.map_or("needs-userspace", |r| r.severity.as_str()),
                    "reference": r.map_or("Documentation/gpu/drm-uapi.rst", |r| r.reference),
                },
            })
        })
        .collect();
    rules.push(json!({
        "id": STALE_RULE,
        "shortDescription": { "text": "a ledger entry matches no checklist item" },
    }));
    rules.push(json!({
        "id": WARNING_RULE,
        "shortDescription": { "text": "evidence that does not meet drm-uapi.rst (e.g. a link to a fork)" },
    }));
    let location = |file: &str, line: u32| {
        json!([{ "physicalLocation": {
            "artifactLocation": { "uri": file, "uriBaseId": "SRCROOT" },
            "region": { "startLine": line.max(1) },
        } }])
    };
    let mut results: Vec<serde_json::Value> = items()
        .map(|item| {
            let mut result = json!({
                "ruleId": item.rule,
                "level": if item.justified { "note" } else { "error" },
                "message": { "text": item_message(item) },
                "locations": location(&item.file, item.line),
                "partialFingerprints": { "uapiItemId/v1": item.id },
            });
            if let Some(uses) = &item.uses {
                result["properties"] = json!({ "uses": uses });
            }
            result
        })
        .collect();
    for (rule, findings) in [(STALE_RULE, &cl.stale), (WARNING_RULE, &cl.warnings)] {
        results.extend(findings.iter().map(|f| {
            json!({
                "ruleId": rule,
                "level": "warning",
                "message": { "text": format!("{}: {}", f.id, f.message) },
                "locations": location(&f.file, f.line),
            })
        }));
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "uapi-diff",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.kernel.org/gpu/drm-uapi.html#open-source-userspace-requirements",
                "rules": rules,
            } },
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("sarif serializes");
    s.push('\n');
    s
}

/// GitHub workflow commands escape `%`, CR and LF in messages, and also `:` and `,` in properties.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(level: &str, file: &str, line: u32, title: &str, message: &str) -> String {
    format!(
        "::{level} file={},line={},title={}::{}\n",
        escape_property(file),
        line.max(1),
        escape_property(title),
        escape_data(message)
    )
}

/// GitHub annotations: a `warning` per item without evidence, a `notice` per justified item, and a
/// `warning` per stale entry or evidence warning.
pub fn github(cl: &Checklist) -> String {
    let mut out = String::new();
    for item in cl.groups.iter().flat_map(|g| &g.items) {
        let (level, title) = if item.justified {
            ("notice", format!("uAPI justified: {}", item.id))
        } else {
            ("warning", format!("uAPI needs userspace: {}", item.id))
        };
        out.push_str(&annotation(
            level,
            &item.file,
            item.line,
            &title,
            &item_message(item),
        ));
    }
    for (title, findings) in [
        ("stale ledger entry", &cl.stale),
        ("evidence warning", &cl.warnings),
    ] {
        for f in findings {
            let message = format!("{}: {}", f.id, f.message);
            out.push_str(&annotation("warning", &f.file, f.line, title, &message));
        }
    }
    out
}

/// `checklist --format junit`: one case per item, failing while it lacks evidence.
pub fn junit(cl: &Checklist) -> String {
    let cases: Vec<Case> = cl
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(move |i| (g, i)))
        .map(|(group, item)| Case {
            classname: group.title.clone(),
            name: item.id.clone(),
            file: item.file.clone(),
            line: item.line,
            failure: (!item.justified).then(|| Failure {
                message: item
                    .missing
                    .clone()
                    .unwrap_or_else(|| "no evidence".to_string()),
                kind: "missing-evidence".to_string(),
                text: format!(
                    "{} ({}): {}\n{}",
                    item.rule, item.reason, item.facts, item.reference
                ),
            }),
            skipped: None,
            output: item.evidence.as_ref().map(|e| {
                format!(
                    "{} ({}:{}) {}",
                    e.status.as_str(),
                    cl.ledger.as_deref().unwrap_or_default(),
                    e.ledger_line,
                    e.links.join(" ")
                )
            }),
        })
        .collect();
    let suite = format!(
        "uapi-diff checklist {} → {}",
        cl.old.revision, cl.new.revision
    );
    junit::render(&suite, &cases)
}

/// `uapi-diff ledger init`: an entry per item, `status = "todo"`, with its place, the commit that
/// introduced it and its candidate evidence as comments.
pub fn ledger_skeleton(cl: &Checklist) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "# uapi-diff evidence ledger: {} -> {}\n\
# One [[item]] per uAPI item that needs open-source userspace ({DOC}).\n\
# status: todo | proposed | merged | waived. proposed/merged need `links` to the userspace\n\
# merge requests in the canonical upstream project (Mesa, libdrm, IGT, Weston, ...);\n\
# waived needs a `reason`; accepted-break (a breaking item) a `reason` and `accepted_by`.
# Optional: reviewer, note. `ids = [...]` and `*` cover several items.\n\
version = 1\n",
        cl.old.revision, cl.new.revision
    );
    for g in &cl.groups {
        out.push_str(&format!("\n# ==== {} ====\n", g.title));
        for item in &g.items {
            out.push_str(&format!(
                "\n# {} {} at {}:{} (rule {})\n",
                item.change.as_str(),
                item.kind.as_str(),
                item.file,
                item.line,
                item.rule
            ));
            if let Some(i) = introduced_line(item) {
                out.push_str(&format!("# introduced by {i}\n"));
                for t in item.introduced_by.iter().flat_map(|i| &i.trailers) {
                    out.push_str(&format!("#   candidate: {}: {}\n", t.key, t.value));
                }
            }
            for u in uses_lines(item) {
                out.push_str(&format!("#   candidate: uses in {u}\n"));
            }
            for h in item.hint.iter().chain(&item.hints) {
                out.push_str(&format!("# hint: {h}\n"));
            }
            // A break is justified by its acceptance: the entry to complete is one.
            out.push_str(&match item.severity {
                Severity::Breaking => format!(
                    "# breaking: {}\n[[item]]\nid = {}\nstatus = \"accepted-break\"\n\
reason = \"\"\naccepted_by = \"\"\n",
                    short_question(item).unwrap_or_default(),
                    q(&item.id)
                ),
                _ => format!(
                    "[[item]]\nid = {}\nstatus = \"todo\"\nlinks = []\n",
                    q(&item.id)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_fits_and_keeps_words() {
        let mut out = String::new();
        let long = "x".repeat(100);
        wrap(
            &mut out,
            &format!("alpha beta {long} gamma"),
            "> ",
            "  ",
            20,
        );
        for l in out.lines() {
            assert!(l.chars().count() <= 20, "{l:?}");
        }
        let words: String = out
            .lines()
            .map(|l| l.trim_start_matches("> ").trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(words.starts_with("alpha beta xxxx"), "{out}");
        assert!(words.ends_with("gamma"), "{out}");
        assert_eq!(out.matches('x').count(), 100);
    }

    #[test]
    fn annotation_escaping() {
        assert_eq!(
            annotation("warning", "a,b:c.h", 0, "t: x", "50%\nnext"),
            "::warning file=a%2Cb%3Ac.h,line=1,title=t%3A x::50%25%0Anext\n"
        );
    }
}
