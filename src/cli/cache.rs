//! `uapi-diff cache stats|clear`, and the cache a computing subcommand installs (`install`).

use super::Common;
use crate::error::Error;
use crate::store::{self, Store};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum CacheCommand {
    /// Where the cache is, how many entries and bytes it holds (and how many this build reads).
    Stats,
    /// Remove every entry.
    Clear,
}

/// Installs the cache for this run, unless `--no-cache` or `UAPI_DIFF_NO_CACHE` is set. A cache
/// that cannot serve (not ours, not writable) is warned about once and the run computes all.
pub(super) fn install(common: &Common) {
    if common.no_cache || std::env::var_os("UAPI_DIFF_NO_CACHE").is_some_and(|v| !v.is_empty()) {
        return;
    }
    let Some(dir) = store::default_dir() else {
        return;
    };
    match Store::open(&dir, common.quiet) {
        Ok(store) => crate::pipeline::install_store(Box::new(store)),
        Err(e) if !common.quiet => eprintln!("uapi-diff: warning: {e}"),
        Err(_) => {}
    }
}

pub(super) fn run(command: CacheCommand) -> Result<i32, Error> {
    let dir = store::default_dir().ok_or(Error::Cache(
        "no cache directory: set UAPI_DIFF_CACHE_DIR, XDG_CACHE_HOME or HOME".to_string(),
    ))?;
    let store = Store::open(&dir, false).map_err(Error::Cache)?;
    match command {
        CacheCommand::Stats => {
            let s = store.stats();
            let mb = |bytes: u64| bytes as f64 / (1 << 20) as f64;
            println!("cache: {}", store.dir().display());
            println!("entries: {} ({:.1} MB)", s.entries, mb(s.bytes));
            println!(
                "readable by this build: {} ({:.1} MB)",
                s.current_entries,
                mb(s.current_bytes)
            );
        }
        CacheCommand::Clear => {
            store.clear().map_err(Error::Cache)?;
            println!("cache: {} cleared", store.dir().display());
        }
    }
    Ok(0)
}
