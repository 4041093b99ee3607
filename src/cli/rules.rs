//! `uapi-diff rules` and `uapi-diff explain RULE`: the classification rules.

use crate::rules;

/// Every rule and review hint, a line each; exit status 0.
pub(super) fn list() -> i32 {
    let mut out = String::new();
    for r in rules::CATALOG.iter().chain(rules::HINTS) {
        out.push_str(&format!(
            "{:<28} {:<16} {}\n",
            r.id,
            r.severity.as_str(),
            r.summary
        ));
    }
    print!("{out}");
    0
}

/// One rule: why it matters, where it comes from and the policy applied to it; exit status 2 for
/// an unknown rule.
pub(super) fn explain(rule: &str, policy: &rules::Policy) -> i32 {
    match rules::find(rule) {
        Some(r) => {
            println!(
                "{} ({})\n\n{}\n\n{}\n\nReference: {}\n\n{}",
                r.id,
                r.severity.as_str(),
                r.summary,
                r.explanation,
                r.reference,
                policy.describe(r).trim_end()
            );
            0
        }
        None => {
            eprintln!("uapi-diff: error: unknown rule `{rule}` (see `uapi-diff rules`)");
            2
        }
    }
}
