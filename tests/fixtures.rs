//! Fixture pairs (tests/fixtures/<case>/{old,new}) diffed, with whole outputs pinned as insta
//! snapshots under snapshots/, and the self-diff of each side empty.

mod common;

use uapi_diff::report;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn fixture_diffs_match_snapshots() {
    for case in common::cases() {
        let r = common::diff_case(&case);
        settings().bind(|| {
            insta::assert_snapshot!(format!("{case}.json"), report::json(&r));
            insta::assert_snapshot!(format!("{case}.txt"), report::text(&r, false));
            insta::assert_snapshot!(format!("{case}.md"), report::markdown(&r));
        });
    }
}

#[test]
fn each_side_diffed_with_itself_has_no_changes() {
    for case in common::cases() {
        for side in ["old", "new"] {
            let a = common::fixture_tree(&case, side);
            let b = common::fixture_tree(&case, side);
            let r = common::diff_dirs(a.path(), b.path());
            assert!(
                r.changes.is_empty(),
                "{case}/{side} vs itself: {:#?}",
                r.changes
            );
            assert!(
                r.unparsed.is_empty(),
                "{case}/{side} vs itself: {:#?}",
                r.unparsed
            );
        }
    }
}
