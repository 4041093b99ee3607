//! The rule catalog against the fixtures: every rule has a fixture pair `rule-<id>` in which it
//! fires, and every fixture's classified output is pinned by the snapshots of tests/fixtures.rs, so
//! a rule that fires where it should not changes a reviewed snapshot.

mod common;

use std::collections::BTreeSet;
use uapi_diff::rules::CATALOG;

#[test]
fn every_rule_has_a_fixture_where_it_fires() {
    for rule in CATALOG {
        let case = format!("rule-{}", rule.id);
        assert!(
            common::fixtures_dir().join(&case).is_dir(),
            "rule `{}` has no fixture {case}",
            rule.id
        );
        let report = common::diff_case(&case);
        assert!(
            report.changes.iter().any(|c| c.rule == rule.id),
            "rule `{}` does not fire on its own fixture: {:#?}",
            rule.id,
            report.changes
        );
    }
}

#[test]
fn every_change_of_every_fixture_is_classified_by_a_catalog_rule() {
    let ids: BTreeSet<&str> = CATALOG.iter().map(|r| r.id).collect();
    for case in common::cases() {
        for c in common::diff_case(&case).changes {
            assert!(
                ids.contains(c.rule.as_str()),
                "{case}: {} {} has rule `{}`",
                c.kind.as_str(),
                c.name,
                c.rule
            );
            let rule = uapi_diff::rules::find(&c.rule).expect("catalog rule");
            assert_eq!(
                c.breaking,
                rule.severity == uapi_diff::rules::Severity::Breaking,
                "{case}: {}",
                c.name
            );
            assert_eq!(
                c.needs_userspace,
                rule.severity == uapi_diff::rules::Severity::NeedsUserspace,
                "{case}: {}",
                c.name
            );
        }
    }
}

#[test]
fn rule_ids_are_unique_and_explanations_cite_a_document() {
    let mut seen = BTreeSet::new();
    for rule in CATALOG {
        assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
        assert!(
            rule.reference.starts_with("Documentation/"),
            "{}: {}",
            rule.id,
            rule.reference
        );
        assert!(
            !rule.summary.is_empty() && !rule.explanation.is_empty(),
            "{}",
            rule.id
        );
    }
}
