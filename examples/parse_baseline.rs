//! The floor `uapi-diff diff` is measured against (scripts/bench.sh): tree-sitter-c parsing, and
//! nothing else, of the distinct blobs a diff of OLD → NEW parses: every uAPI header of both
//! revisions and, unless `--no-kms`, the DRM sources KMS extraction parses whole. The blobs are
//! read first (not timed); the parse runs on rayon's pool (RAYON_NUM_THREADS) RUNS times and the
//! median wall time is printed.
//!
//! `cargo run --release --example parse_baseline -- REPO OLD NEW [--no-kms] [--runs N]`

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;
use uapi_diff::kms;
use uapi_diff::pipeline::{self, Options};
use uapi_diff::source::{BlobId, Tree};
use uapi_diff::ts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name);
    let runs: usize = match flag("--runs") {
        Some(i) => args.get(i + 1).ok_or("--runs N")?.parse()?,
        None => 5,
    };
    let no_kms = flag("--no-kms").is_some();
    let [repo, old, new] = match args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .take(3)
        .collect::<Vec<_>>()[..]
    {
        [r, o, n] => [r, o, n],
        _ => return Err("usage: parse_baseline REPO OLD NEW [--no-kms] [--runs N]".into()),
    };
    let opts = Options::default();
    let mut blobs: BTreeMap<BlobId, Vec<u8>> = BTreeMap::new();
    for rev in [old, new] {
        let tree = Tree::open(Path::new(repo), rev)?;
        let (headers, _) = pipeline::list_headers(&tree, &opts)?;
        for (e, b) in headers.iter().zip(tree.read_all(&headers)?) {
            blobs.insert(e.blob, b);
        }
        if !no_kms {
            let sources = pipeline::list_kms_sources(&tree)?;
            for (e, b) in sources.iter().zip(tree.read_all(&sources)?) {
                if kms::parsed_whole(&kms::SourceFile {
                    path: &e.path,
                    bytes: &b,
                }) {
                    blobs.insert(e.blob, b);
                }
            }
        }
    }
    let bytes: Vec<&Vec<u8>> = blobs.values().collect();
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            let nodes: usize = bytes
                .par_iter()
                .map(|b| ts::parse_c(b).map_or(0, |t| t.root_node().descendant_count()))
                .sum();
            assert!(nodes > 0, "parsed something");
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let size: usize = bytes.iter().map(|b| b.len()).sum();
    println!(
        "{} distinct blobs, {:.1} MB, {} threads: parse median {:.3} s over {} runs",
        bytes.len(),
        size as f64 / 1e6,
        rayon::current_num_threads(),
        times[times.len() / 2],
        times.len()
    );
    Ok(())
}
