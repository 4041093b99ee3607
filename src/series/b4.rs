//! `uapi-diff b4 check|review`: one patch on standard input, as b4 runs its check commands.
//!
//! - `check` is for `b4.prep-perpatch-check-cmd` and `b4.am-perpatch-check-cmd`: b4 pipes each
//!   patch to the command and shows what it prints, one finding a line, in checkpatch's
//!   `--terse --showfile` style (`FILE:LINE: ERROR|WARNING|CHECK: message`); b4 counts lines with
//!   `ERROR:` as failures and `WARNING:`/`CHECK:` as warnings. Nothing printed: the patch passes.
//! - `review` is for `b4.review-perpatch-check-cmd`: the same findings as one JSON result,
//!   `[{"tool", "status": "pass"|"warn"|"fail", "summary", "url", "details"}]`.
//!
//! The patch is applied to the parent of the commit its `git format-patch` separator names when
//! the repository has it (`b4 prep --check` sends the branch's commits), otherwise to `--base`
//! (default `HEAD`: `b4 am` checks patches before they are applied).

use super::{apply, parse, Series};
use crate::change::Change;
use crate::error::Error;
use crate::evidence::trailers;
use crate::pipeline::{self, Options};
use crate::source::Tree;
use serde::Serialize;
use std::path::Path;

/// How serious a finding is, in checkpatch's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Check,
    Warning,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Check => "CHECK",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// The findings for the patches on `input` (usually one): breaking changes are errors, new uAPI
/// that needs open-source userspace a warning naming the patch's evidence trailers, a patch that
/// does not apply to its base alone a warning.
pub fn findings(
    repo: &Path,
    base: &str,
    input: &[u8],
    opts: &Options,
) -> Result<Vec<Finding>, Error> {
    // A cover letter, or a mail without a diff, has nothing to check.
    let series = parse("standard input", std::iter::once(("standard input", input)))?;
    let mut out = Vec::new();
    for patch in &series.patches {
        // `b4 prep` sends commits of the branch: their parent is the base.
        let parent = patch
            .mail
            .commit
            .as_ref()
            .and_then(|c| Tree::open(repo, &format!("{c}^")).ok());
        let old = match parent {
            Some(t) => t,
            None => Tree::open(repo, base)?,
        };
        let new_base = Tree::open(repo, old.commit_id().as_deref().unwrap_or(base))?;
        let one = Series {
            source: "standard input".to_string(),
            cover: None,
            patches: vec![patch.clone()],
        };
        let applied = match apply(new_base, &one) {
            Ok(a) => a,
            Err(e) => {
                out.push(Finding {
                    level: Level::Warning,
                    file: patch.files.first().and_then(|f| f.paths().next()).unwrap_or("-").to_string(),
                    line: 0,
                    message: format!(
                        "does not apply to {} alone ({e}); review the whole series with `uapi-diff checklist BASE --series`",
                        old.label()
                    ),
                });
                continue;
            }
        };
        let touched = &applied.touched;
        if touched.is_empty() {
            continue;
        }
        let report = pipeline::diff_trees(&old, &applied.tree, opts)?;
        let evidence: Vec<String> = trailers(&patch.mail.message)
            .into_iter()
            .map(|t| format!("{}: {}", t.key, t.value))
            .collect();
        for c in report.changes.iter().filter(|c| touched.contains(&c.file)) {
            out.extend(change_findings(c, &evidence));
        }
    }
    Ok(out)
}

/// A change's findings: its classification when breaking or needing userspace, then a `CHECK`
/// per hint.
fn change_findings(c: &Change, evidence: &[String]) -> Vec<Finding> {
    let what = format!("{} {} {}", c.kind.as_str(), c.name, c.change.as_str());
    let summary =
        |id: &str| crate::rules::find(id).map_or(id.to_string(), |r| r.summary.to_string());
    let at = |level, message| Finding {
        level,
        file: c.file.clone(),
        line: c.line,
        message,
    };
    let mut out: Vec<Finding> = classification(c, evidence, &what)
        .map(|(l, m)| at(l, m))
        .into_iter()
        .collect();
    out.extend(
        c.hints
            .iter()
            .map(|h| at(Level::Check, format!("{what}: {} (rule {h})", summary(h)))),
    );
    out
}

fn classification(c: &Change, evidence: &[String], what: &str) -> Option<(Level, String)> {
    let rule = crate::rules::find(&c.rule);
    let summary = rule.map_or(c.rule.as_str(), |r| r.summary);
    let (level, message) = if c.breaking {
        (Level::Error, format!("{what}: {summary} (rule {})", c.rule))
    } else if c.needs_userspace {
        let evidence = if evidence.is_empty() {
            "no evidence trailer (Link:, Mesa MR:, Userspace:, IGT tests:, Acked-by:)".to_string()
        } else {
            format!("candidate evidence: {}", evidence.join("; "))
        };
        (
            Level::Warning,
            format!(
                "{what}: needs open-source userspace, {summary} (rule {}); {evidence}",
                c.rule
            ),
        )
    } else {
        return None;
    };
    Some((level, message))
}

/// `check` output: one checkpatch-style line per finding.
pub fn check_lines(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {}: uapi-diff: {}\n",
                f.file,
                f.line,
                f.level.as_str(),
                f.message
            )
        })
        .collect()
}

/// One result of b4's review check protocol.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ReviewResult {
    pub tool: String,
    pub status: String,
    pub summary: String,
    pub url: String,
    pub details: String,
}

/// `review` output: `[{"tool", "status", "summary", "url", "details"}]`, the worst finding's
/// status, the findings counted in the summary and listed in `details`.
pub fn review_json(findings: &[Finding]) -> String {
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let (errors, warnings) = (
        count(Level::Error),
        count(Level::Warning) + count(Level::Check),
    );
    let status = match findings.iter().map(|f| f.level).max() {
        Some(Level::Error) => "fail",
        Some(_) => "warn",
        None => "pass",
    };
    let summary = if findings.is_empty() {
        "no breaking uAPI change, no new uAPI".to_string()
    } else {
        format!("{errors} breaking, {warnings} to review")
    };
    let result = [ReviewResult {
        tool: "uapi-diff".to_string(),
        status: status.to_string(),
        summary,
        url: String::new(),
        details: check_lines(findings),
    }];
    serde_json::to_string(&result).expect("serializable") + "\n"
}
