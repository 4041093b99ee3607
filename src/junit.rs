//! JUnit XML, the test-report format CI systems read (GitLab's drm-ci, GitHub Actions through a
//! reporter): one `<testsuite>` of `<testcase>`s. Written by hand: the subset used is a few
//! elements and attributes, and escaping is the only subtlety.

use std::fmt::Write;

/// One test case: passing, failing (`failure`) or skipped (`skipped`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Grouping shown by CI systems: the item's file.
    pub classname: String,
    /// The item id.
    pub name: String,
    pub file: String,
    pub line: u32,
    pub failure: Option<Failure>,
    /// Why the case was skipped (a stale acceptance).
    pub skipped: Option<String>,
    /// Shown with the case (what accepted a break, the evidence found).
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// One line: what is wrong.
    pub message: String,
    /// `breaking`, `needs-userspace`, `info`, `missing-evidence`.
    pub kind: String,
    /// Details (facts, declarations).
    pub text: String,
}

/// A whole report: `suite` names the run.
pub fn render(suite: &str, cases: &[Case]) -> String {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let skipped = cases.iter().filter(|c| c.skipped.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"",
        cases.len()
    );
    let _ = writeln!(out, "<testsuites name=\"uapi-diff\" {counts}>");
    let _ = writeln!(out, "  <testsuite name=\"{}\" {counts}>", escape(suite));
    for c in cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
            escape(&c.classname),
            escape(&c.name),
            escape(&c.file),
            c.line
        );
        if c.failure.is_none() && c.skipped.is_none() && c.output.is_none() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if let Some(f) = &c.failure {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                escape(&f.message),
                escape(&f.kind),
                escape(&f.text)
            );
        }
        if let Some(s) = &c.skipped {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(s));
        }
        if let Some(o) = &c.output {
            let _ = writeln!(out, "      <system-out>{}</system-out>", escape(o));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Text made safe for an XML attribute or element: the five predefined entities, and control
/// characters XML 1.0 cannot hold dropped (tabs and newlines kept).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_render_with_counts_and_escapes() {
        let failing = Case {
            classname: "include/uapi/drm/toy.h".to_string(),
            name: "field:toy<a>.b".to_string(),
            file: "include/uapi/drm/toy.h".to_string(),
            line: 7,
            failure: Some(Failure {
                message: "removed & \"gone\"".to_string(),
                kind: "breaking".to_string(),
                text: "a\u{1}b".to_string(),
            }),
            skipped: None,
            output: None,
        };
        let passing = Case {
            failure: None,
            name: "ioctl:X".to_string(),
            ..failing.clone()
        };
        let xml = render("suite 'x'", &[failing, passing]);
        assert!(
            xml.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""),
            "{xml}"
        );
        assert!(xml.contains("name=\"suite &apos;x&apos;\""), "{xml}");
        assert!(xml.contains("name=\"field:toy&lt;a&gt;.b\""), "{xml}");
        assert!(
            xml.contains("<failure message=\"removed &amp; &quot;gone&quot;\" type=\"breaking\">ab</failure>"),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"ioctl:X\" file=\"include/uapi/drm/toy.h\" line=\"7\"/>"),
            "{xml}"
        );
    }
}
