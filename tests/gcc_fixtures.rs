//! Every fact uapi-diff computes for the fixture trees equals what gcc computes from the same
//! headers (installed as headers_install would).

mod common;

use common::gcc;
use std::path::Path;
use uapi_diff::pipeline::{self, Options, ParseCache};
use uapi_diff::source::Tree;

#[test]
fn fixture_facts_equal_gccs() {
    if !gcc::gcc_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have gcc (scripts/test.sh installs it)"
        );
        eprintln!("skipping: no gcc");
        return;
    }
    let opts = Options::default();
    let mut total = 0;
    for case in common::cases() {
        for side in ["old", "new"] {
            let dir = common::fixture_tree(&case, side);
            let tree = Tree::open(Path::new("."), dir.path().to_str().unwrap()).unwrap();
            let (entries, notes) = pipeline::list_headers(&tree, &opts).unwrap();
            let snap =
                pipeline::snapshot(&tree, &entries, notes, &ParseCache::default(), &opts).unwrap();
            let installed = gcc::install_headers(dir.path(), "x86");
            let cmp = gcc::compare(&snap.model, installed.path(), &gcc::Compiler::native(&[]));
            assert!(
                cmp.compile_failures.is_empty(),
                "{case}/{side}: {:#?}",
                cmp.compile_failures
            );
            assert!(
                cmp.mismatches.is_empty(),
                "{case}/{side}: {:#?}",
                cmp.mismatches
            );
            total += cmp.equal.values().sum::<usize>();
        }
    }
    // The fixtures hold well over a hundred facts; a harness that checks nothing must fail.
    assert!(total > 100, "only {total} facts compared");
}
