//! `checklist BASE --series PATCHES --format mail`: the checklist as a review reply to the series,
//! ready for `git send-email` or a mail client (docs/mail.md). The reply answers the cover letter
//! (else the first patch): `To:` its sender, `Cc:` its `To:` and `Cc:`, `Subject: Re: …`,
//! `In-Reply-To:` and `References:` threading it. The body quotes, as a mail reply does (`> `),
//! the lines of the patch hunk that introduced each uAPI item, and asks beneath them what the
//! checklist asks of those items. Plain UTF-8 text, prose wrapped at 72 columns; headers folded
//! at 78 (RFC 5322) with non-ASCII words encoded (RFC 2047). Deterministic: no date, no
//! Message-ID (the sending program adds them).

use super::patch::Hunk;
use super::{Patch, Series};
use crate::change::{ChangeKind, ItemKind, Severity};
use crate::checklist::{self, Checklist, Item};
use std::collections::BTreeSet;

/// Prose width: a quoted line stays under 78 columns after two more levels of quoting.
const WIDTH: usize = 72;
/// Header lines are folded before this many columns (RFC 5322 2.1.1's "SHOULD").
const HEADER_WIDTH: usize = 78;
/// The context lines quoted before the lines that introduced an item.
const CONTEXT: usize = 2;

/// The reply to `series` with the checklist `cl` of BASE → BASE + series. `from` is the
/// reviewer ("Name <email>"); without one the reply has no `From:` and the sending program
/// supplies it.
pub fn reply(cl: &Checklist, series: &Series, from: Option<&str>) -> String {
    let replied = series
        .cover
        .as_ref()
        .unwrap_or_else(|| &series.patches[0].mail);
    let own = from.map(address_of);
    let mut seen: BTreeSet<String> = own.iter().cloned().collect();
    let mut fresh = |mailbox: &&String| seen.insert(address_of(mailbox));
    let to: Vec<&String> = replied.from.iter().filter(&mut fresh).collect();
    let cc: Vec<&String> = replied
        .to
        .iter()
        .chain(&replied.cc)
        .filter(&mut fresh)
        .collect();
    let mut out = String::new();
    if let Some(from) = from {
        header(&mut out, "From", &[mailbox(from)], ",");
    }
    for (name, list) in [("To", &to), ("Cc", &cc)] {
        if !list.is_empty() {
            header(
                &mut out,
                name,
                &list.iter().map(|m| mailbox(m)).collect::<Vec<_>>(),
                ",",
            );
        }
    }
    let subject = match replied.sent_subject.get(..3) {
        Some(re) if re.eq_ignore_ascii_case("re:") => replied.sent_subject.clone(),
        _ => format!("Re: {}", replied.sent_subject),
    };
    header(&mut out, "Subject", &[encode_words(&subject)], "");
    if let Some(id) = &replied.message_id {
        let mut references: Vec<String> = replied
            .references
            .iter()
            .map(|r| format!("<{r}>"))
            .collect();
        references.push(format!("<{id}>"));
        header(&mut out, "In-Reply-To", &[format!("<{id}>")], "");
        header(&mut out, "References", &references, "");
    }
    out.push_str("MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n");
    out.push_str("Content-Transfer-Encoding: 8bit\n\n");
    body(&mut out, cl, series);
    out
}

fn body(out: &mut String, cl: &Checklist, series: &Series) {
    let intro = format!(
        "uapi-diff checked this series on {} ({}): {}",
        cl.old.revision,
        cl.new.arch,
        checklist::headline(cl)
    );
    checklist::wrap(out, &intro, "", "", WIDTH);
    let mut traced: Vec<(Quote, &Item)> = Vec::new();
    let mut untraced: Vec<&Item> = Vec::new();
    for item in cl.groups.iter().flat_map(|g| &g.items) {
        match trace(item, series) {
            Some(quote) => traced.push((quote, item)),
            None => untraced.push(item),
        }
    }
    // In the series' order; quotes that overlap or touch become one.
    traced.sort_by_key(|(q, _)| (q.patch, q.file, q.hunk, q.start, q.end));
    let mut blocks: Vec<Block> = Vec::new();
    for (quote, item) in traced {
        match blocks.last_mut().filter(|b| b.quote.meets(&quote)) {
            Some(block) => {
                block.quote.end = block.quote.end.max(quote.end);
                block.items.push(item);
            }
            None => blocks.push(Block {
                quote,
                items: vec![item],
            }),
        }
    }
    let mut named_trailers = BTreeSet::new();
    let mut last_patch = None;
    for block in &blocks {
        out.push('\n');
        let patch = &series.patches[block.quote.patch];
        if last_patch != Some(block.quote.patch) {
            let said = format!("In [PATCH {}] \"{}\":", patch.number, patch.mail.subject);
            checklist::wrap(out, &said, "", "", WIDTH);
            out.push('\n');
            last_patch = Some(block.quote.patch);
        }
        block.quote.write(out, patch);
        out.push('\n');
        questions(out, &block.items, &mut named_trailers);
    }
    if !untraced.is_empty() {
        out.push('\n');
        checklist::wrap(
            out,
            "Not traced to a line of the series (see the checklist):",
            "",
            "",
            WIDTH,
        );
        out.push('\n');
        questions(out, &untraced, &mut named_trailers);
    }
}

/// What a block's items ask, breaking ones first: the items of one severity named, then the
/// question once, then the evidence their commit messages name (each trailer once in the reply).
fn questions(out: &mut String, items: &[&Item], named_trailers: &mut BTreeSet<String>) {
    let mut items = items.to_vec();
    items.sort_by_key(|i| i.severity);
    let mut first = true;
    for severity in Severity::ALL {
        let these: Vec<&&Item> = items.iter().filter(|i| i.severity == severity).collect();
        if these.is_empty() {
            continue;
        }
        if !first {
            out.push('\n');
        }
        first = false;
        for item in &these {
            let what = format!(
                "- {} {} {}: {} (rule {})",
                item.change.as_str(),
                item.kind.as_str(),
                display_name(item),
                item.reason,
                item.rule,
            );
            checklist::wrap(out, &what, "", "  ", WIDTH);
            for hint in item.hint.iter().chain(&item.hints) {
                checklist::wrap(out, hint, "  Note: ", "  ", WIDTH);
            }
        }
        checklist::wrap(out, checklist::question(severity), "", "", WIDTH);
        let trailers: BTreeSet<String> = these
            .iter()
            .flat_map(|i| i.introduced_by.iter().flat_map(|b| &b.trailers))
            .map(|t| format!("{}: {}", t.key, t.value))
            .filter(|t| !named_trailers.contains(t))
            .collect();
        if !trailers.is_empty() && severity == Severity::NeedsUserspace {
            named_trailers.extend(trailers.iter().cloned());
            checklist::wrap(out, "The commit message names:", "", "", WIDTH);
            for t in trailers {
                // A link is never cut.
                out.push_str(&format!("  {t}\n"));
            }
        }
    }
}

/// An item's name as a reader knows it: a field with its record, an enumerator alone.
fn display_name(item: &Item) -> String {
    match (&item.parent, item.kind) {
        (Some(p), ItemKind::Field) => format!("{p}.{}", item.name),
        _ => item.name.clone(),
    }
}

/// Items whose quoted lines overlap, answered together.
struct Block<'c> {
    quote: Quote,
    items: Vec<&'c Item>,
}

/// Lines `start..end` of one hunk (indices into its lines after the `@@` header): the patch's
/// index in the series, the file's in the patch, the hunk's in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Quote {
    patch: usize,
    file: usize,
    hunk: usize,
    start: usize,
    end: usize,
}

impl Quote {
    /// Whether `later` (sorted after this one) overlaps it or starts where it ends.
    fn meets(&self, later: &Quote) -> bool {
        (self.patch, self.file, self.hunk) == (later.patch, later.file, later.hunk)
            && later.start <= self.end
    }

    /// `> ` before each line: the file, the hunk's `@@` line, `[...]` where lines are left out.
    fn write(&self, out: &mut String, patch: &Patch) {
        let hunk = &patch.files[self.file].hunks[self.hunk];
        let lines = hunk_lines(&patch.mail.diff, hunk);
        let header = patch
            .mail
            .diff
            .lines()
            .nth(hunk.line - 1)
            .unwrap_or_default();
        out.push_str(&format!("> {header}\n"));
        if self.start > 0 {
            out.push_str("> [...]\n");
        }
        for line in &lines[self.start..self.end] {
            out.push_str(&format!("> {line}\n"));
        }
        if self.end < lines.len() {
            out.push_str("> [...]\n");
        }
    }
}

/// The lines of `hunk` in `diff` as written (` `, `+`, `-` and `\` lines): as many as its
/// header counts, so the mail's `-- ` signature after the last hunk is no removed line.
fn hunk_lines<'d>(diff: &'d str, hunk: &Hunk) -> Vec<&'d str> {
    let (mut old, mut new) = (hunk.old.len(), hunk.new.len());
    let mut out = Vec::new();
    for line in diff.lines().skip(hunk.line) {
        match line.chars().next() {
            Some('\\') => {}
            _ if old == 0 && new == 0 => break,
            Some('-') => old = old.saturating_sub(1),
            Some('+') => new = new.saturating_sub(1),
            // Context, or a context line whose blank was trimmed in transit.
            _ => {
                old = old.saturating_sub(1);
                new = new.saturating_sub(1);
            }
        }
        out.push(line);
    }
    out
}

/// The hunk lines that introduced `item`: in the patch it is attributed to (else the first
/// patch whose lines name it), the line naming it with the sign of its change (`+` for an
/// addition or a change, `-` for a removal), with the rest of its declaration (a block up to its
/// closing brace, a macro's continuation lines), the lines it replaced or that replaced it, and
/// up to `CONTEXT` lines before.
fn trace(item: &Item, series: &Series) -> Option<Quote> {
    let attributed = item
        .introduced_by
        .as_ref()
        .and_then(|i| i.patch.as_ref())
        .and_then(|p| series.patches.iter().position(|s| s.number == p.number));
    let order = attributed
        .into_iter()
        .chain((0..series.patches.len()).filter(|i| Some(*i) != attributed));
    let sign = match item.change {
        ChangeKind::Removed => '-',
        ChangeKind::Added | ChangeKind::Changed => '+',
    };
    let needle = needle(item)?;
    for p in order {
        let patch = &series.patches[p];
        // Every line of the patch naming it, with its place; the one declaring it is preferred
        // to one using it (an ioctl naming its struct).
        let mut naming: Vec<(bool, usize, usize, usize)> = Vec::new();
        for (f, file) in patch.files.iter().enumerate() {
            if !file.paths().any(|path| path == item.file) {
                continue;
            }
            for (h, hunk) in file.hunks.iter().enumerate() {
                let lines = hunk_lines(&patch.mail.diff, hunk);
                for (at, line) in lines.iter().enumerate() {
                    if line.starts_with(sign) && names(&line[1..], &needle) {
                        naming.push((!declares(&line[1..], &needle), f, h, at));
                    }
                }
            }
        }
        if let Some(&(_, f, h, at)) = naming.iter().min() {
            let lines = hunk_lines(&patch.mail.diff, &patch.files[f].hunks[h]);
            let (start, end) = extent(&lines, at);
            return Some(Quote {
                patch: p,
                file: f,
                hunk: h,
                start,
                end,
            });
        }
    }
    None
}

/// What names an item in its source: an identifier (a field's own name, a property's name
/// string with its quotes). A header is no line of itself.
fn needle(item: &Item) -> Option<String> {
    Some(match item.kind {
        ItemKind::Header => return None,
        ItemKind::Property => format!("\"{}\"", item.name),
        ItemKind::PropertyValue => {
            format!("\"{}\"", item.name.rsplit(':').next().unwrap_or_default())
        }
        _ => item
            .name
            .rsplit(['.', ':'])
            .next()
            .unwrap_or_default()
            .to_string(),
    })
}

/// Whether `line` names `needle` as a whole word (an identifier not part of a longer one).
fn names(line: &str, needle: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    line.match_indices(needle).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + needle.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Whether `line` declares `needle` rather than uses it: `#define NEEDLE`, or the name followed
/// by what follows a declared name (`{`, `;`, `[`, `:`, `,`, `=`) or by the end of the line.
fn declares(line: &str, needle: &str) -> bool {
    let text = line.trim_start();
    if let Some(rest) = text.strip_prefix("#define") {
        let name = rest
            .trim_start()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        return name.into_iter().next() == Some(needle);
    }
    line.match_indices(needle).any(|(at, _)| {
        let after = line[at + needle.len()..].trim_start();
        after.is_empty() || after.starts_with(['{', ';', '[', ':', ',', '='])
    })
}

/// The lines to quote around the naming line `at`.
fn extent(lines: &[&str], at: usize) -> (usize, usize) {
    let sign = lines[at].chars().next().unwrap_or(' ');
    let mut end = at + 1;
    // A block up to its closing brace; a macro up to its last continued line.
    let mut depth = braces(lines[at]);
    while depth > 0 && end < lines.len() {
        if !lines[end].starts_with(opposite(sign)) {
            depth += braces(lines[end]);
        }
        end += 1;
    }
    while end < lines.len() && lines[end - 1].trim_end().ends_with('\\') {
        end += 1;
    }
    let mut start = at;
    // What the lines replace (a removal's replacement after it, an addition's original before).
    if sign == '-' {
        while end < lines.len() && lines[end].starts_with('+') {
            end += 1;
        }
    }
    while start > 0 && lines[start - 1].starts_with(opposite(sign)) {
        start -= 1;
    }
    let mut context = 0;
    while context < CONTEXT
        && start > 0
        && lines[start - 1].starts_with(' ')
        && !lines[start - 1].trim().is_empty()
    {
        start -= 1;
        context += 1;
    }
    (start, end)
}

fn opposite(sign: char) -> char {
    match sign {
        '-' => '+',
        _ => '-',
    }
}

/// `{` minus `}` on a diff line (its sign left out).
fn braces(line: &str) -> i64 {
    let text = line.get(1..).unwrap_or_default();
    text.matches('{').count() as i64 - text.matches('}').count() as i64
}

/// The address of "Name <address>" or of a bare address, lowercased: who a mailbox is.
fn address_of(mailbox: &str) -> String {
    let addr = match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(open), Some(close)) if open < close => &mailbox[open + 1..close],
        _ => mailbox,
    };
    addr.trim().to_ascii_lowercase()
}

/// A mailbox as a header writes it: a display name with specials quoted, a non-ASCII one
/// encoded (RFC 2047); the address as it is.
fn mailbox(mailbox: &str) -> String {
    let Some(open) = mailbox.rfind('<') else {
        return mailbox.to_string();
    };
    let name = mailbox[..open].trim();
    let addr = &mailbox[open..];
    if name.is_empty() {
        return addr.to_string();
    }
    let name = if !name.is_ascii() {
        encode_words(name)
    } else if name.contains([
        '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '.', '"',
    ]) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    };
    format!("{name} {addr}")
}

/// Text for a header: ASCII words as they are, each run of non-ASCII words as RFC 2047 encoded
/// words (`=?UTF-8?Q?…?=`, each at most 75 characters).
fn encode_words(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let flush = |pending: &mut Vec<&str>, out: &mut Vec<String>| {
        if !pending.is_empty() {
            out.extend(q_encode(&pending.join(" ")));
            pending.clear();
        }
    };
    for word in text.split(' ') {
        if word.is_ascii() {
            flush(&mut pending, &mut out);
            out.push(word.to_string());
        } else {
            pending.push(word);
        }
    }
    flush(&mut pending, &mut out);
    out.join(" ")
}

/// RFC 2047 "Q" encoded words of `text`, split between characters so each fits 75 columns.
fn q_encode(text: &str) -> Vec<String> {
    const PREFIX: &str = "=?UTF-8?Q?";
    const LIMIT: usize = 75 - PREFIX.len() - 2;
    let mut words = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        let mut buf = [0; 4];
        let encoded: String = match ch {
            ' ' => "_".to_string(),
            c if c.is_ascii_alphanumeric() || "!*+-/".contains(c) => c.to_string(),
            c => c
                .encode_utf8(&mut buf)
                .bytes()
                .map(|b| format!("={b:02X}"))
                .collect(),
        };
        if current.len() + encoded.len() > LIMIT {
            words.push(format!("{PREFIX}{current}?="));
            current.clear();
        }
        current.push_str(&encoded);
    }
    words.push(format!("{PREFIX}{current}?="));
    words
}

/// `Name: v1<sep> v2…`, folded before `HEADER_WIDTH` columns between values, and inside a value
/// at its spaces only when it alone is too long for a line.
fn header(out: &mut String, name: &str, values: &[String], sep: &str) {
    let mut line = format!("{name}:");
    let count = values.len();
    let fold = |line: &mut String, out: &mut String| {
        out.push_str(line);
        out.push('\n');
        line.clear();
    };
    for (i, value) in values.iter().enumerate() {
        let value = match i + 1 < count {
            true => format!("{value}{sep}"),
            false => value.clone(),
        };
        let starts_line = line.len() <= name.len() + 1;
        if !starts_line && line.len() + 1 + value.len() > HEADER_WIDTH {
            fold(&mut line, out);
        }
        for word in value.split(' ') {
            let starts_line = line.is_empty() || line.len() <= name.len() + 1;
            if !starts_line && line.len() + 1 + word.len() > HEADER_WIDTH {
                fold(&mut line, out);
            }
            line.push(' ');
            line.push_str(word);
        }
    }
    out.push_str(&line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_and_encode() {
        let mut out = String::new();
        let many: Vec<String> = (0..6)
            .map(|i| mailbox(&format!("Person Number{i} <person.number{i}@example.org>")))
            .collect();
        header(&mut out, "Cc", &many, ",");
        for line in out.lines() {
            assert!(line.len() <= HEADER_WIDTH, "{line:?}");
        }
        assert!(out.starts_with("Cc: Person Number0 <person.number0@example.org>,"));
        // Folded between mailboxes, not inside one.
        assert!(
            out.lines().all(|l| l.trim_end().ends_with(['>', ','])),
            "{out}"
        );
        assert!(out.lines().skip(1).all(|l| l.starts_with(' ')), "{out}");
        let joined = out.replace("\n ", " ");
        assert_eq!(joined.trim_end(), format!("Cc: {}", many.join(", ")));
        assert_eq!(
            mailbox("René Léger <rene@example.org>"),
            "=?UTF-8?Q?Ren=C3=A9_L=C3=A9ger?= <rene@example.org>"
        );
        assert_eq!(
            mailbox("Doe, Jane <jane@example.org>"),
            "\"Doe, Jane\" <jane@example.org>"
        );
        let long = "é".repeat(40);
        for word in encode_words(&long).split(' ') {
            assert!(word.len() <= 75, "{word}");
        }
        let decoded: String = mailparse::parse_header(
            format!("Subject: {}", encode_words(&format!("Re: {long}"))).as_bytes(),
        )
        .unwrap()
        .0
        .get_value();
        assert_eq!(decoded, format!("Re: {long}"));
    }

    #[test]
    fn the_lines_of_a_declaration_are_quoted() {
        let hunk = [
            " struct drm_toy_create {",
            " \t__u32 id;",
            "-\t__u32 ncounters;",
            "+\t__u32 num_counters;",
            " \t__u8 counters[32];",
            " };",
            "+struct drm_toy_wait {",
            "+\t__u64 handle;",
            "+};",
            "+#define DRM_IOCTL_TOY_WAIT DRM_IOW(0x41, \\",
            "+\t\tstruct drm_toy_wait)",
        ];
        // A removal, with its replacement and two lines of context.
        assert_eq!(extent(&hunk, 2), (0, 4));
        // An addition with what it replaced.
        assert_eq!(extent(&hunk, 3), (0, 4));
        // A block to its closing brace (after two lines of context); a macro to its last line.
        assert_eq!(extent(&hunk, 6), (4, 9));
        assert_eq!(extent(&hunk, 9), (9, 11));
        assert!(names("\t__u32 ncounters;", "ncounters"));
        assert!(declares("struct drm_toy_wait {", "drm_toy_wait"));
        assert!(!declares("\t\tstruct drm_toy_wait)", "drm_toy_wait"));
        assert!(declares(
            "#define DRM_IOCTL_TOY_WAIT DRM_IOW(0x41, \\",
            "DRM_IOCTL_TOY_WAIT"
        ));
        assert!(!names("\t__u32 ncounters_max;", "ncounters"));
    }
}
