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
            insta::assert_snapshot!(
                format!("{case}.txt"),
                report::text(&r, false, Default::default())
            );
            insta::assert_snapshot!(
                format!("{case}.md"),
                report::markdown(&r, Default::default())
            );
        });
    }
}

/// `--declarations`: a changed record shown whole, where the default shows its changed lines.
#[test]
fn whole_declarations_on_request() {
    let r = common::diff_case("drm-basic");
    let (changed, whole) = (
        report::text(&r, false, report::Declarations::Changed),
        report::text(&r, false, report::Declarations::Whole),
    );
    assert!(whole.len() > changed.len());
    settings().bind(|| {
        insta::assert_snapshot!("drm-basic.whole.txt", whole);
    });
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

/// powerpc64 (tests/fixtures/_arch/powerpc over _base): big-endian, with powerpc's own `_IOC` (3
/// direction bits, 13 size bits, `_IOC_NONE` 1, `_IOC_WRITE` 4). The bitfield's offset counts from
/// the most significant bit, as gcc's DWARF `DW_AT_data_bit_offset` does there (level = 31 stores
/// byte 0x1f, not x86's 0xf8).
#[test]
fn powerpc64_ioctl_numbers_and_big_endian_bitfield() {
    use std::path::Path;
    use uapi_diff::change::{BitField, Facts, ItemKind};
    use uapi_diff::pipeline::{self, Options, ParseCache};
    use uapi_diff::source::Tree;

    let dir = common::fixture_tree("_arch", "powerpc");
    let tree = Tree::open(Path::new("."), dir.path().to_str().unwrap()).unwrap();
    let facts = |arch: &str, kind: ItemKind, parent: Option<&str>, name: &str| {
        let opts = Options {
            arch: uapi_diff::model::Arch::by_name(arch).unwrap(),
            kms: false,
            ..Options::default()
        };
        let (entries, notes) = pipeline::list_headers(&tree, &opts).unwrap();
        let snap =
            pipeline::snapshot(&tree, &entries, notes, &ParseCache::default(), &opts).unwrap();
        snap.model
            .items
            .into_iter()
            .find(|(k, _)| k.kind == kind && k.parent.as_deref() == parent && k.name == name)
            .map(|(_, item)| item.facts)
            .unwrap_or_else(|| panic!("{arch}: no {name}"))
    };
    let number = |arch: &str, name: &str| match facts(arch, ItemKind::Ioctl, None, name) {
        Facts::Ioctl { number, .. } => number,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(number("powerpc64", "TOY_IOC_SET"), Some(0x8008_5401));
    assert_eq!(number("powerpc64", "TOY_IOC_RESET"), Some(0x2000_5402));
    assert_eq!(number("x86", "TOY_IOC_SET"), Some(0x4008_5401));
    assert_eq!(number("x86", "TOY_IOC_RESET"), Some(0x5402));
    match facts("powerpc64", ItemKind::Field, Some("toy_flags"), "level") {
        Facts::Field { offset, bits, .. } => {
            assert_eq!(offset, Some(0));
            assert_eq!(
                bits,
                Some(BitField {
                    bit_offset: 3,
                    width: 5
                })
            );
        }
        other => panic!("level: {other:?}"),
    }
}
