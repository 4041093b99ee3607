//! The CI gate of `diff --fail-on breaking|needs-userspace|any` (docs/snapshot.md, "The gate"): a threshold,
//! as oasdiff's and buf's are (breaking ⊂ needs-userspace ⊂ any): the changes at or above it fail
//! the run unless the ledger clears them. A break (or any change in scope) is
//! cleared by an `accepted-break` entry with a reason and `accepted_by`; a change that needs
//! userspace also by its userspace evidence. An acceptance that clears nothing is stale.

use crate::change::Change;
use crate::change::DiffReport;
use crate::evidence::ledger::{Evidence, Ledger};
use crate::evidence::Finding;
use crate::junit::{self, Case, Failure};
use crate::report::facts_transition;
use std::collections::BTreeSet;

/// The lowest severity that fails the gate; each level includes the ones above it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Changes a rule classifies as breaking.
    Breaking,
    /// Changes that need open-source userspace, and breaking ones.
    NeedsUserspace,
    /// Every change.
    Any,
}

impl FailOn {
    fn covers(self, c: &Change) -> bool {
        match self {
            FailOn::Breaking => c.breaking,
            FailOn::NeedsUserspace => c.breaking || c.needs_userspace,
            FailOn::Any => true,
        }
    }
}

/// One change in the gate's scope.
pub struct Checked<'r> {
    pub change: &'r Change,
    /// The ledger entry that clears it.
    pub cleared_by: Option<Evidence>,
    /// Why a matching entry does not clear it (an acceptance without a reason…).
    pub problem: Option<String>,
}

impl Checked<'_> {
    /// `ID CHANGE (RULE)`, and why a matching ledger entry does not clear it.
    fn describe(&self) -> String {
        let c = self.change;
        let mut s = format!("{} {} ({})", c.id, c.change.as_str(), c.rule);
        if let Some(p) = &self.problem {
            s.push_str(&format!("; {p}"));
        }
        s
    }
}

pub struct Verdict<'r> {
    pub fail_on: FailOn,
    pub checked: Vec<Checked<'r>>,
    /// `accepted-break` entries that clear no change in scope.
    pub stale: Vec<Finding>,
}

impl Verdict<'_> {
    /// The changes that fail the gate.
    pub fn failing(&self) -> impl Iterator<Item = &Checked<'_>> {
        self.checked.iter().filter(|c| c.cleared_by.is_none())
    }

    pub fn passed(&self) -> bool {
        self.failing().next().is_none()
    }
}

pub fn check<'r>(report: &'r DiffReport, ledger: Option<&Ledger>, fail_on: FailOn) -> Verdict<'r> {
    let mut used: BTreeSet<(String, u32)> = BTreeSet::new();
    let checked = report
        .changes
        .iter()
        .filter(|c| fail_on.covers(c))
        .map(|change| {
            let acceptance = ledger.and_then(|l| l.acceptance(&change.id));
            let evidence = ledger
                .filter(|_| change.needs_userspace)
                .and_then(|l| l.lookup(&change.id));
            let found: Vec<Evidence> = acceptance
                .into_iter()
                .chain(evidence)
                .map(|(_, e)| e)
                .collect();
            for e in found
                .iter()
                .filter(|e| e.status == crate::evidence::ledger::Status::AcceptedBreak)
            {
                used.insert((e.ledger_id.clone(), e.ledger_line));
            }
            let cleared_by = found.iter().find(|e| e.problem().is_none()).cloned();
            let problem = match &cleared_by {
                Some(_) => None,
                None => found.iter().find_map(|e| {
                    e.problem()
                        .map(|p| format!("{} (ledger line {}): {p}", e.ledger_id, e.ledger_line))
                }),
            };
            Checked {
                change,
                cleared_by,
                problem,
            }
        })
        .collect();
    let stale = ledger
        .map(|l| {
            l.patterns
                .iter()
                .filter(|p| l.is_acceptance(p) && !used.contains(&(p.id.clone(), p.line)))
                .map(|p| Finding {
                    file: l.source.clone(),
                    line: p.line,
                    id: p.id.clone(),
                    message: format!(
                        "stale acceptance: matches no change --fail-on {} checks",
                        fail_on_name(fail_on)
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    Verdict {
        fail_on,
        checked,
        stale,
    }
}

fn fail_on_name(f: FailOn) -> &'static str {
    match f {
        FailOn::Breaking => "breaking",
        FailOn::NeedsUserspace => "needs-userspace",
        FailOn::Any => "any",
    }
}

/// What the gate says on standard error: each failing change, then the summary line.
pub fn summary(v: &Verdict) -> String {
    let mut out = String::new();
    for c in v.failing() {
        let ch = c.change;
        out.push_str(&format!(
            "uapi-diff: gate: {}:{}: {}\n",
            ch.file,
            ch.line,
            c.describe()
        ));
    }
    for f in &v.stale {
        out.push_str(&format!(
            "uapi-diff: warning: {}:{}: {}: {}\n",
            f.file, f.line, f.id, f.message
        ));
    }
    let failing = v.failing().count();
    out.push_str(&format!(
        "uapi-diff: gate --fail-on {}: {} ({failing} of {} changes it checks not accepted)\n",
        fail_on_name(v.fail_on),
        if failing == 0 { "passed" } else { "failed" },
        v.checked.len(),
    ));
    out
}

/// `diff --format junit`: one case per change in scope (failing unless cleared), one skipped
/// case per stale acceptance.
pub fn junit(report: &DiffReport, v: &Verdict) -> String {
    let severity = |c: &Change| c.severity.as_str();
    let mut cases: Vec<Case> = v
        .checked
        .iter()
        .map(|c| {
            let ch = c.change;
            let mut text = facts_transition(ch);
            if let Some(d) = crate::report::declaration_diff(ch) {
                text.push('\n');
                text.push_str(&d);
            }
            Case {
                classname: ch.file.clone(),
                name: ch.id.clone(),
                file: ch.file.clone(),
                line: ch.line,
                failure: c.cleared_by.is_none().then(|| Failure {
                    message: c.describe(),
                    kind: severity(ch).to_string(),
                    text,
                }),
                skipped: None,
                output: c.cleared_by.as_ref().map(cleared_text),
            }
        })
        .collect();
    cases.extend(v.stale.iter().map(|f| Case {
        classname: f.file.clone(),
        name: f.id.clone(),
        file: f.file.clone(),
        line: f.line,
        failure: None,
        skipped: Some(f.message.clone()),
        output: None,
    }));
    let suite = format!(
        "uapi-diff diff {} → {} ({}) --fail-on {}",
        report.old.revision,
        report.new.revision,
        report.new.arch,
        fail_on_name(v.fail_on)
    );
    junit::render(&suite, &cases)
}

fn cleared_text(e: &Evidence) -> String {
    let mut s = format!(
        "{} (ledger {}:{})",
        e.status.as_str(),
        e.ledger_id,
        e.ledger_line
    );
    if let Some(by) = &e.accepted_by {
        s.push_str(&format!(" by {by}"));
    }
    if let Some(r) = &e.reason {
        s.push_str(&format!(": {r}"));
    }
    for l in &e.links {
        s.push_str(&format!(" {l}"));
    }
    s
}
