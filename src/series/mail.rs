//! Mails of a series: an mbox (or one `git format-patch` file) split into messages, each read with
//! `mailparse` (RFC 2047 headers, quoted-printable and base64 bodies, charsets), as `git am` reads
//! them: the subject without its `[PATCH …]` prefix, the author from `From:` (or an in-body `From:`
//! line, as b4 and git send-email write for patches sent on someone's behalf), the commit message up
//! to the `---` line, and the diff.

/// One message of the series, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The commit id of a `git format-patch` `From <sha> …` separator, when it names one.
    pub commit: Option<String>,
    /// The subject as `git am` makes it: bracketed prefixes removed, whitespace folded.
    pub subject: String,
    /// The subject as sent (`[PATCH v2 1/3] drm/toy: …`), whitespace folded: what a reply quotes.
    pub sent_subject: String,
    /// `N/M` from the subject's `[PATCH … N/M]` prefix.
    pub counter: Option<(u32, u32)>,
    /// "Name <email>"
    pub author: String,
    /// The `From:` header's mailboxes, `To:`'s and `Cc:`'s, each "Name <email>" (or the bare
    /// address), decoded: who a reply goes to.
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// `References:` Message-IDs, without the angle brackets, in order.
    pub references: Vec<String>,
    /// ISO 8601 with offset, as commits' dates are shown; empty when the mail has no usable date.
    pub date: String,
    /// Without the angle brackets.
    pub message_id: Option<String>,
    /// The commit message as `git am` records it: subject, blank line, body up to `---`.
    pub message: String,
    /// Everything from the first `diff --git` (or `--- `/`+++ ` pair), newline-terminated lines.
    pub diff: String,
    /// 1-based line of `diff` within the decoded body, for messages about the patch's lines.
    pub diff_line: usize,
}

/// Splits an mbox into its messages. Text without an mbox `From ` separator is one message (a mail
/// saved alone). A separator is a `From SENDER DATE` line (a time and a year in it, as git's
/// mailsplit asks) at the start or after a blank line, followed by a header line: a `From ` line
/// in a commit message is not one.
pub fn split_mbox(bytes: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut at = 0;
    let mut previous_blank = true;
    while at < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1);
        let line = &bytes[at..end];
        if previous_blank && is_separator(line) && looks_like_header(&bytes[end..]) {
            starts.push(at);
        }
        previous_blank = line.iter().all(|b| b.is_ascii_whitespace());
        at = end;
    }
    if starts.is_empty() {
        return if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            Vec::new()
        } else {
            vec![bytes]
        };
    }
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
        out.push(&bytes[s..end]);
    }
    out
}

/// `From <sender> <asctime date>`: a `hh:mm:ss` time and a four-digit year among its words.
fn is_separator(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let words: Vec<&[u8]> = rest.split(|b| b.is_ascii_whitespace()).collect();
    let time = words.iter().any(|w| {
        w.len() == 8
            && w.iter().enumerate().all(|(i, b)| match i {
                2 | 5 => *b == b':',
                _ => b.is_ascii_digit(),
            })
    });
    let year = words
        .iter()
        .any(|w| w.len() == 4 && w.iter().all(u8::is_ascii_digit));
    time && year
}

/// Whether `rest` starts with a `Key: value` header line.
fn looks_like_header(rest: &[u8]) -> bool {
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    match line.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 => line[..colon]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-'),
        _ => false,
    }
}

/// Reads one message (with or without its mbox separator line).
pub fn parse(raw: &[u8]) -> Result<Mail, String> {
    let (separator, rest) = match raw.strip_prefix(b"From ") {
        Some(r) => {
            let end = memchr::memchr(b'\n', r).map_or(r.len(), |i| i + 1);
            (
                Some(String::from_utf8_lossy(&r[..end]).into_owned()),
                &r[end..],
            )
        }
        None => (None, raw),
    };
    let commit = separator
        .as_deref()
        .and_then(|s| s.split_whitespace().next())
        .filter(|w| w.len() == 40 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let parsed = mailparse::parse_mail(rest).map_err(|e| format!("not a mail: {e}"))?;
    let header = |name: &str| {
        use mailparse::MailHeaderMap;
        parsed.headers.get_first_value(name)
    };
    let raw_subject = fold(&header("Subject").unwrap_or_default());
    let (counter, subject) = strip_prefixes(&raw_subject);
    let mailboxes = |name: &str| {
        use mailparse::MailHeaderMap;
        parsed
            .headers
            .get_all_headers(name)
            .into_iter()
            .filter_map(|h| mailparse::addrparse_header(h).ok())
            .flat_map(|list| list.iter().flat_map(mailboxes_of).collect::<Vec<_>>())
            .collect::<Vec<String>>()
    };
    let body = text_body(&parsed)?.replace("\r\n", "\n");
    let (in_body_from, body) = in_body_headers(&body);
    let author = in_body_from
        .or_else(|| header("From"))
        .map(|f| fold(&f))
        .unwrap_or_default();
    let (log, diff, diff_line) = split_body(body);
    let mut message = subject.clone();
    let log = log.trim_matches('\n');
    if !log.is_empty() {
        message.push_str("\n\n");
        message.push_str(log);
    }
    message.push('\n');
    Ok(Mail {
        commit,
        subject,
        sent_subject: raw_subject,
        counter,
        author,
        from: mailboxes("From"),
        to: mailboxes("To"),
        cc: mailboxes("Cc"),
        references: header("References")
            .map(|r| message_ids(&r))
            .unwrap_or_default(),
        date: header("Date").map_or_else(String::new, |d| iso8601(&d)),
        message_id: header("Message-ID")
            .map(|m| {
                m.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
            .filter(|m| !m.is_empty()),
        message,
        diff: diff.to_string(),
        diff_line,
    })
}

/// "Name <email>", or the bare address, of each mailbox of an address (a group's members).
fn mailboxes_of(addr: &mailparse::MailAddr) -> Vec<String> {
    let single = |s: &mailparse::SingleInfo| match &s.display_name {
        Some(name) if !name.trim().is_empty() => format!("{} <{}>", fold(name), s.addr),
        _ => s.addr.clone(),
    };
    match addr {
        mailparse::MailAddr::Single(s) => vec![single(s)],
        mailparse::MailAddr::Group(g) => g.addrs.iter().map(single).collect(),
    }
}

/// The `<…>` ids of a `References:` or `In-Reply-To:` header, without their brackets.
fn message_ids(header: &str) -> Vec<String> {
    header
        .split('<')
        .skip(1)
        .filter_map(|part| part.split_once('>'))
        .map(|(id, _)| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

/// The text of the mail: the body of a single-part mail, or the text/plain parts of a multipart
/// one (a patch sent as an inline attachment) joined.
fn text_body(mail: &mailparse::ParsedMail) -> Result<String, String> {
    if mail.subparts.is_empty() {
        return part_text(mail).map_err(|e| format!("cannot decode the body: {e}"));
    }
    let mut out = String::new();
    for part in mail.parts().skip(1) {
        if part.subparts.is_empty() && part.ctype.mimetype.eq_ignore_ascii_case("text/plain")
            || part.ctype.mimetype.eq_ignore_ascii_case("text/x-patch")
            || part.ctype.mimetype.eq_ignore_ascii_case("text/x-diff")
        {
            let text = part_text(part).map_err(|e| format!("cannot decode a part: {e}"))?;
            out.push_str(&text);
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// A part's text. Without a declared charset (or with UTF-8 or ASCII declared), UTF-8 bytes are
/// taken as they are, as `git am` takes them: a patch saved without a `Content-Type` must not
/// have its `©` read as US-ASCII. Other charsets are converted.
fn part_text(part: &mailparse::ParsedMail) -> Result<String, mailparse::MailParseError> {
    let charset = part.ctype.charset.to_ascii_lowercase();
    let declared = part.ctype.params.contains_key("charset");
    if !declared || ["utf-8", "utf8", "us-ascii"].contains(&charset.as_str()) {
        if let Ok(text) = String::from_utf8(part.get_body_raw()?) {
            return Ok(text);
        }
    }
    part.get_body()
}

/// Removes in-body `From:`/`Date:`/`Subject:` lines at the top of the body (git am's in-body
/// headers); returns the in-body `From:` and the rest.
fn in_body_headers(body: &str) -> (Option<String>, &str) {
    let mut from = None;
    let mut rest = body;
    loop {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let Some((key, value)) = line.split_once(':') else {
            break;
        };
        if !["From", "Date", "Subject"].contains(&key) {
            break;
        }
        if key == "From" {
            from = Some(value.trim().to_string());
        }
        rest = after;
    }
    if rest.len() != body.len() {
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    (from, rest)
}

/// The commit message (up to a `---` line or the diff), the diff, and the diff's 1-based line.
fn split_body(body: &str) -> (&str, &str, usize) {
    let mut offset = 0;
    let mut log_end = None;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches('\n');
        if log_end.is_none() && bare == "---" {
            log_end = Some(offset);
        }
        if bare.starts_with("diff --git ") || starts_plain_diff(&body[offset..]) {
            return (&body[..log_end.unwrap_or(offset)], &body[offset..], i + 1);
        }
        offset += line.len();
    }
    (&body[..log_end.unwrap_or(body.len())], "", 0)
}

/// A diff without git's header: `--- `, `+++ `, `@@ ` lines in a row.
pub(crate) fn starts_plain_diff(text: &str) -> bool {
    let mut lines = text.lines();
    matches!(
        (lines.next(), lines.next(), lines.next()),
        (Some(a), Some(b), Some(c)) if a.starts_with("--- ") && b.starts_with("+++ ") && c.starts_with("@@ ")
    )
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `[PATCH v2 3/7] [RFC] drm/toy: add` → (Some((3, 7)), "drm/toy: add"); `Re:` is kept (a reply is
/// not a patch of the series).
fn strip_prefixes(subject: &str) -> (Option<(u32, u32)>, String) {
    let mut rest = subject.trim();
    let mut counter = None;
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else { break };
        for word in inner[..close].split_whitespace() {
            if let Some((n, m)) = word.split_once('/') {
                if let (Ok(n), Ok(m)) = (n.parse(), m.parse()) {
                    counter = Some((n, m));
                }
            }
        }
        rest = inner[close + 1..].trim_start();
    }
    (counter, rest.to_string())
}

/// RFC 2822 `Date:` (`Mon, 1 Jan 2024 12:34:56 +0100`) → `2024-01-01T12:34:56+01:00`; the header
/// as given when it does not read as one.
fn iso8601(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let words: Vec<&str> = date
        .split_whitespace()
        .filter(|w| !w.ends_with(','))
        .collect();
    let parsed = (|| {
        let [day, month, year, time, zone, ..] = words.as_slice() else {
            return None;
        };
        let day: u32 = day.parse().ok()?;
        let month = MONTHS
            .iter()
            .position(|m| month.to_ascii_lowercase().starts_with(m))?
            + 1;
        let year: u32 = year.parse().ok()?;
        let mut hms = time.split(':').map(|p| p.parse::<u32>().ok());
        let (h, m, s) = (
            hms.next()??,
            hms.next()??,
            hms.next().flatten().unwrap_or(0),
        );
        let (sign, digits) = zone.split_at_checked(1)?;
        if !matches!(sign, "+" | "-")
            || digits.len() != 4
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        Some(format!(
            "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{sign}{}:{}",
            &digits[..2],
            &digits[2..]
        ))
    })();
    parsed.unwrap_or_else(|| date.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n\
From: =?UTF-8?q?Ren=C3=A9?= <rene@example.com>\n\
Date: Tue, 5 Mar 2024 09:08:07 -0800\n\
Subject: [PATCH v2 1/2] drm/toy: add the\n wait ioctl\n\
Message-ID: <20240305.1@example.com>\n\
\n\
Waits.\n\
\n\
From the start, a line that is not a separator.\n\
Link: https://example.com/1\n\
Signed-off-by: R <r@example.com>\n\
---\n\
 include/uapi/drm/toy.h | 1 +\n\
\n\
diff --git a/include/uapi/drm/toy.h b/include/uapi/drm/toy.h\n\
--- a/include/uapi/drm/toy.h\n\
+++ b/include/uapi/drm/toy.h\n\
@@ -1 +1,2 @@\n\
 #define A 1\n\
+#define B 2\n\
-- \n\
2.43.0\n\
\n\
From git@z Thu Jan  1 00:00:00 1970\n\
Subject: [PATCH v2 2/2] second\n\
From: A <a@example.com>\n\
Content-Transfer-Encoding: quoted-printable\n\
\n\
From: B <b@example.com>\n\
\n\
Body =3D ok\n";

    #[test]
    fn an_mbox_splits_into_mails_as_git_am_reads_them() {
        let mails: Vec<Mail> = split_mbox(TWO.as_bytes())
            .into_iter()
            .map(|m| parse(m).unwrap())
            .collect();
        assert_eq!(mails.len(), 2);
        let first = &mails[0];
        assert_eq!(
            first.commit.as_deref(),
            Some("1111111111111111111111111111111111111111")
        );
        assert_eq!(first.subject, "drm/toy: add the wait ioctl");
        assert_eq!(first.counter, Some((1, 2)));
        assert_eq!(first.author, "René <rene@example.com>");
        assert_eq!(first.date, "2024-03-05T09:08:07-08:00");
        assert_eq!(first.message_id.as_deref(), Some("20240305.1@example.com"));
        assert!(first
            .message
            .starts_with("drm/toy: add the wait ioctl\n\nWaits.\n"));
        assert!(first.message.contains("Link: https://example.com/1\n"));
        assert!(!first.message.contains("toy.h |"), "{}", first.message);
        assert!(first
            .diff
            .starts_with("diff --git a/include/uapi/drm/toy.h"));
        let second = &mails[1];
        assert_eq!(second.commit, None);
        assert_eq!(second.author, "B <b@example.com>", "the in-body From wins");
        assert_eq!(second.message, "second\n\nBody = ok\n");
        assert_eq!(second.diff, "");
    }

    #[test]
    fn base64_and_crlf_bodies_decode() {
        let body = "Subject: [PATCH] x\r\n\r\nmsg\r\n---\r\ndiff --git a/f b/f\r\n";
        use std::fmt::Write;
        let mut b64 = String::new();
        for chunk in base64_encode(body.split_once("\r\n\r\n").unwrap().1.as_bytes())
            .as_bytes()
            .chunks(76)
        {
            writeln!(b64, "{}", std::str::from_utf8(chunk).unwrap()).unwrap();
        }
        let raw = format!("Subject: [PATCH] x\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}");
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(mail.message, "x\n\nmsg\n");
        assert_eq!(mail.diff, "diff --git a/f b/f\n");
    }

    fn base64_encode(bytes: &[u8]) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn utf8_without_a_declared_charset_stays_utf8() {
        let raw = "Subject: [PATCH] x\n\n---\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n- * Copyright \u{a9} 2022\n+ * Copyright \u{a9} 2023\n";
        let mail = parse(raw.as_bytes()).unwrap();
        assert!(
            mail.diff.contains("- * Copyright \u{a9} 2022\n"),
            "{}",
            mail.diff
        );
        let latin1 =
            b"Subject: x\nContent-Type: text/plain; charset=ISO-8859-1\n\n\xa9 2024\n---\n";
        assert_eq!(parse(latin1).unwrap().message, "x\n\n\u{a9} 2024\n");
    }

    #[test]
    fn subject_prefixes_and_dates() {
        assert_eq!(
            strip_prefixes("[RFC] [PATCH v3 04/12] drm: x"),
            (Some((4, 12)), "drm: x".to_string())
        );
        assert_eq!(
            strip_prefixes("[PATCH] drm: y"),
            (None, "drm: y".to_string())
        );
        assert_eq!(
            iso8601("Thu, 1 Jan 1970 00:00:00 +0000"),
            "1970-01-01T00:00:00+00:00"
        );
        assert_eq!(iso8601("garbage"), "garbage");
    }
}
