//! What `--userspace DIR` adds to a checklist (scripts/bench.sh): the checklist of OLD → NEW is
//! built once (not timed), then the scan of DIR for its items runs RUNS times (no cache: DIR is
//! scanned whole each time) and the median wall time and throughput are printed.
//!
//! `cargo run --release --example scan_userspace -- REPO OLD NEW DIR [--runs N]`

use std::path::{Path, PathBuf};
use std::time::Instant;
use uapi_diff::checklist::{self, Options};
use uapi_diff::snapshot::Side;
use uapi_diff::source::Tree;
use uapi_diff::userspace;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = match args.iter().position(|a| a == "--runs") {
        Some(i) => args.get(i + 1).ok_or("--runs N")?.parse()?,
        None => 5,
    };
    let [repo, old, new, dir] = match args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .take(4)
        .collect::<Vec<_>>()[..]
    {
        [a, b, c, d] => [a, b, c, d],
        _ => return Err("usage: scan_userspace REPO OLD NEW DIR [--runs N]".into()),
    };
    let opts = Options {
        pipeline: uapi_diff::pipeline::Options {
            arch: uapi_diff::model::Arch::by_name("x86").ok_or("x86")?,
            kms: true,
            ..Default::default()
        },
        merged_arches: None,
        ledger: None,
        attribution: false,
        areas: Vec::new(),
        userspace: Vec::new(),
        config: None,
    };
    let cl = checklist::run(
        &Side::Tree(Tree::open(Path::new(repo), old)?),
        &Side::Tree(Tree::open(Path::new(repo), new)?),
        &opts,
    )?;
    let queries = checklist::queries(&cl);
    let dir = PathBuf::from(dir);
    let mut times = Vec::new();
    let mut scan = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        scan = Some(userspace::scan_tree(&dir, &queries)?);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let scan = scan.expect("one run");
    let bytes: u64 = walk_bytes(&dir);
    println!(
        "{} items, {} code files ({:.1} MB): median {:.3} s of {} runs, {:.0} MB/s, {:.0} files/s; {} items used",
        queries.len(),
        scan.info.files,
        bytes as f64 / 1e6,
        median,
        times.len(),
        bytes as f64 / 1e6 / median,
        scan.info.files as f64 / median,
        scan.info.items_used
    );
    Ok(())
}

/// The bytes of every file under `dir` (what a naive scan would read).
fn walk_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => walk_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}
