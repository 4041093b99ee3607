//! KMS property recall on the real trees: every property name a plain scan finds as a string
//! literal passed to a creation function is also found by the extractor, at v6.1 and v6.12.

mod common;

use std::collections::BTreeSet;
use uapi_diff::kms::{self, SourceFile};
use uapi_diff::pipeline;
use uapi_diff::source::Tree;

#[test]
fn extract_finds_every_literal_property_name() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    for tag in ["v6.1", "v6.12"] {
        let tree = Tree::open(&repo, tag).expect("tag exists");
        let entries = pipeline::list_kms_sources(&tree).expect("list drivers/gpu/drm");
        let bytes = tree.read_all(&entries).expect("read sources");
        let files: Vec<SourceFile> = entries
            .iter()
            .zip(&bytes)
            .map(|(e, b)| SourceFile {
                path: &e.path,
                bytes: b,
            })
            .collect();
        let none = |_: &str, _: &str| None;
        let model = kms::extract(&files, &none);
        let found: BTreeSet<String> = model.properties.iter().map(|p| p.name.clone()).collect();
        let grep = kms::literal_names_by_grep(&files);
        let missed: Vec<&String> = grep.difference(&found).collect();
        assert!(missed.is_empty(), "{tag}: missed by extract: {missed:?}");
        // The scan itself must have found something, or the check proves nothing.
        assert!(
            grep.len() > 90,
            "{tag}: the scan found only {} names",
            grep.len()
        );
        eprintln!(
            "{tag}: {} properties ({} names); the scan finds {} names",
            model.properties.len(),
            found.len(),
            grep.len()
        );
    }
}
