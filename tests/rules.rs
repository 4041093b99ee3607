//! The rule catalog against the fixtures: every rule has a fixture pair `rule-<id>` in which it
//! fires, and every fixture's classified output is pinned by the snapshots of tests/fixtures.rs, so
//! a rule that fires where it should not changes a reviewed snapshot.

mod common;

use std::collections::BTreeSet;
use uapi_diff::rules::{Severity, CATALOG};

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
            // The default policy: the rule's severity, needs-userspace only where the area asks
            // for open-source userspace (DRM, accel), new-uapi elsewhere.
            let rule = uapi_diff::rules::find(&c.rule).expect("catalog rule");
            let area = uapi_diff::change::area::group_of(&c).area;
            let policy = uapi_diff::rules::Policy::default();
            let want = match rule.severity {
                Severity::NeedsUserspace if !policy.userspace_required(area).0 => Severity::NewUapi,
                s => s,
            };
            assert_eq!(c.severity, want, "{case}: {}", c.name);
            assert_eq!(c.breaking, want == Severity::Breaking, "{case}: {}", c.name);
            assert_eq!(
                c.needs_userspace,
                want == Severity::NeedsUserspace,
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

#[test]
fn every_hint_has_a_fixture_where_it_fires_and_classifies_nothing() {
    use uapi_diff::rules::{Severity, HINTS};
    let classifying: BTreeSet<&str> = CATALOG.iter().map(|r| r.id).collect();
    for hint in HINTS {
        assert_eq!(hint.severity, Severity::Info, "{}", hint.id);
        assert!(
            !classifying.contains(hint.id),
            "{} is also a classifying rule",
            hint.id
        );
        assert!(hint.reference.starts_with("Documentation/"), "{}", hint.id);
        let case = format!("rule-{}", hint.id);
        assert!(
            common::fixtures_dir().join(&case).is_dir(),
            "hint `{}` has no fixture {case}",
            hint.id
        );
        let report = common::diff_case(&case);
        let firing: Vec<&str> = report
            .changes
            .iter()
            .filter(|c| c.hints.iter().any(|h| h == hint.id))
            .map(|c| c.name.as_str())
            .collect();
        assert!(
            !firing.is_empty(),
            "hint `{}` does not fire on its own fixture: {:#?}",
            hint.id,
            report.changes
        );
        // Each hint's fixture isolates it: no other hint fires there, and the old struct or
        // ioctl that the fixture keeps, which follows the document, has none.
        for c in &report.changes {
            assert!(
                c.hints.iter().all(|h| h == hint.id),
                "{case}: {} has {:?}",
                c.name,
                c.hints
            );
            assert!(
                classifying.contains(c.rule.as_str()),
                "{case}: {} has rule {}",
                c.name,
                c.rule
            );
        }
    }
    // The DRM driver range: 0x41 is inside, 0x20 and 0xa0 are not.
    let report = common::diff_case("rule-hint-drm-driver-nr");
    let mut flagged: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| !c.hints.is_empty())
        .map(|c| c.name.as_str())
        .collect();
    flagged.sort();
    assert_eq!(flagged, ["DRM_IOCTL_TOY_HIGH", "DRM_IOCTL_TOY_LOW"]);
}

/// `__aligned_u64` → `__u64` is a respelling where `__u64` aligns to 8 (x86_64) and a layout change
/// where it aligns to 4 (i386): the member moves and the struct's alignment drops.
#[test]
fn aligned_u64_respelled_is_judged_by_each_arch_layout() {
    use std::path::Path;
    use uapi_diff::pipeline::{self, Options};
    use uapi_diff::source::Tree;
    let old = common::fixture_tree("rule-type-respelled", "old");
    let new = common::fixture_tree("rule-type-respelled", "new");
    let rule_of = |arch: &str, id: &str| -> String {
        let tree = |dir: &Path| Tree::open(Path::new("."), dir.to_str().unwrap()).unwrap();
        let opts = Options {
            arch: uapi_diff::model::Arch::by_name(arch).unwrap(),
            kms: false,
            ..Options::default()
        };
        let report = pipeline::diff_trees(&tree(old.path()), &tree(new.path()), &opts).unwrap();
        report
            .changes
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| "unchanged".to_string(), |c| c.rule.clone())
    };
    assert_eq!(rule_of("x86", "field:aligned_once.value"), "type-respelled");
    assert_eq!(rule_of("x86", "struct:aligned_once"), "unchanged");
    assert_eq!(
        rule_of("i386", "field:aligned_once.value"),
        "layout-changed"
    );
    assert_eq!(rule_of("i386", "struct:aligned_once"), "layout-changed");
    // The C99 names and the __u32 family are one type on both.
    for arch in ["x86", "i386"] {
        assert_eq!(rule_of(arch, "field:spelled.id"), "type-respelled");
        assert_eq!(rule_of(arch, "field:spelled.pair"), "type-respelled");
    }
}

/// The config's `[enums]` reaches the renumbering judgement: the same insertion is breaking in an
/// enum declared ABI (though no header carries it) and `renumbered` in one declared internal
/// (though a record member carries it); an enum none declares is carried by an array it sizes.
#[test]
fn config_enums_decide_the_renumbering_verdict() {
    let old = common::fixture_tree("rule-renumbered", "old");
    let new = common::fixture_tree("rule-renumbered", "new");
    let config = tempfile::NamedTempFile::new().expect("temp file");
    // The counters' enum is anonymous: its first enumerator names it.
    std::fs::write(
        config.path(),
        "[enums]\nabi = [\"FOO_MIB_NUM\"]\ninternal = [\"enum bar_mode\"]\n",
    )
    .expect("write config");
    let rules_of = |config: Option<&std::path::Path>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_uapi-diff"));
        cmd.args(["diff", "--format", "json"])
            .arg(old.path())
            .arg(new.path());
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let out = cmd.env("CI", "1").output().expect("uapi-diff runs");
        assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let rule = |name: &str| -> String {
            json["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .find(|c| c["name"] == name && c["kind"] == "enumerator")
                .map(|c| c["rule"].as_str().expect("rule").to_string())
                .unwrap_or_else(|| format!("{name}: folded"))
        };
        [
            rule("FOO_MIB_OUTPKTS"),
            rule("BAR_MODE_ON"),
            rule("BAZ_STAT_TX"),
        ]
    };
    // By the headers alone: the counters are renumbered (nothing carries them), bar_mode breaks
    // (struct bar_config's member has its type), and so do the stats, whose enumerator is the
    // length of struct baz_stats' array.
    assert_eq!(
        rules_of(None),
        ["renumbered", "value-changed", "value-changed"]
    );
    assert_eq!(
        rules_of(Some(config.path())),
        ["value-changed", "renumbered", "value-changed"]
    );
}

/// What a pointer member points to decides its verdict, whatever spells the pointer: a typedef of
/// a pointer, a pointer to a pointer and an array of pointers whose targets grow are retyped
/// (`layout-changed`); a pointer to a record of the same members under another tag is respelled,
/// one to an opaque record made another retyped; a function pointer made a data pointer is
/// retyped. Records that point to themselves end the comparison.
#[test]
fn a_pointer_member_is_judged_by_what_it_points_to() {
    let side = |members: &str| {
        let dir = common::fixture_tree("rule-layout-changed", "old");
        let header = format!(
            "#ifndef _P_H\n#define _P_H\n#include <linux/types.h>\n\
             struct shape_a {{ __u32 w; __u32 h; }};\nstruct shape_b {{ __u32 w; __u32 h; }};\n\
             struct opaque_a;\nstruct opaque_b;\ntypedef __u32 *u32_ptr;\n\
             struct node_a {{ struct node_a *next; __u32 v; }};\n\
             struct node_b {{ struct node_b *next; __u32 v; }};\n\
             struct node_c {{ struct node_c *next; __u64 v; }};\n\
             struct pointers {{\n{members}\n}};\n#endif\n"
        );
        std::fs::write(dir.path().join("include/uapi/linux/p.h"), header).expect("write header");
        dir
    };
    let old = side(
        "u32_ptr typed; __u32 **nested; __u32 *row[2]; struct shape_a *shape; \
         struct opaque_a *handle; void (*callback)(int); struct node_a *list; \
         struct node_a *other;",
    );
    let new = side(
        "__u64 *typed; __u64 **nested; __u64 *row[2]; struct shape_b *shape; \
         struct opaque_b *handle; void *callback; struct node_b *list; struct node_c *other;",
    );
    let report = common::diff_dirs(old.path(), new.path());
    let rule = |member: &str| -> String {
        let id = format!("field:pointers.{member}");
        report
            .changes
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| format!("{id}: unchanged"), |c| c.rule.clone())
    };
    for member in ["typed", "nested", "row", "handle", "callback", "other"] {
        assert_eq!(rule(member), "layout-changed", "{member}");
    }
    // Records that point to themselves are compared once: alike (`list`) or not (`other`).
    for member in ["shape", "list"] {
        assert_eq!(rule(member), "type-respelled", "{member}");
    }
}
