//! Every fact uapi-diff computes for the fixture trees equals what gcc computes from the same
//! headers (installed as headers_install would).

mod common;

use common::gcc;
use std::path::Path;
use uapi_diff::pipeline::{self, Options, ParseCache};
use uapi_diff::source::Tree;

/// The headers of a fixture side listed in its `not-self-contained` file (`SIDE PATH` lines).
fn not_self_contained(case: &str, side: &str) -> Vec<String> {
    let list = common::fixtures_dir().join(case).join("not-self-contained");
    let text = std::fs::read_to_string(list).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .filter(|(s, _)| *s == side)
        .map(|(_, path)| path.trim().to_string())
        .collect()
}

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
            // A fixture may hold headers that cannot compile by design (`not-self-contained`:
            // what the tool reports unresolved, such as a type from a header the side lacks);
            // each must fail, so the list cannot go stale.
            let exempt = not_self_contained(&case, side);
            let failures: Vec<&String> = cmp
                .compile_failures
                .iter()
                .filter(|f| !exempt.iter().any(|h| f.starts_with(&format!("{h}:"))))
                .collect();
            assert!(failures.is_empty(), "{case}/{side}: {failures:#?}");
            for h in &exempt {
                assert!(
                    cmp.compile_failures
                        .iter()
                        .any(|f| f.starts_with(&format!("{h}:"))),
                    "{case}/{side}: {h} is listed in not-self-contained but compiles"
                );
            }
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
