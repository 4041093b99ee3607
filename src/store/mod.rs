//! The persistent cache: what a run computed from a revision (its snapshot and listing,
//! `pipeline::Stored`), kept on disk so that the next run on the same content reads it back.
//!
//! On disk it is a `cacache` directory (content-addressed, as npm's cache): every entry is written
//! to a temporary file and renamed into place, and read back only if its hash matches, so two runs
//! at once (two CI jobs) never see half an entry, and a damaged one reads as absent. An entry's
//! key names the cache format, the build of the tool (`build.rs`: a hash of its sources and locked
//! dependencies) and a SHA-1 of what determines the value (the revision's tree, arch, options):
//! a changed input or another build of the tool cannot hit it. The directory holds at most
//! `max_bytes` (`UAPI_DIFF_CACHE_MAX_MB`, default 2048): past it, the entries of other builds go
//! first, then the least recently used. A directory that is not one of ours (no marker file, yet
//! not empty) is never written to nor read; the run goes on without a cache, with one warning.

mod record;

use crate::change::DiffReport;
use crate::pipeline::{Persist, Stored};
use crate::source::BlobId;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The layout of the entries: bumped when `record` changes shape.
const FORMAT: u32 = 1;
/// The build the entries are written by and for.
const BUILD_ID: &str = env!("UAPI_DIFF_BUILD_ID");
/// The file that marks a directory as a uapi-diff cache.
const MARKER: &str = "uapi-diff-cache";
const DEFAULT_MAX_MB: u64 = 2048;

pub struct Store {
    dir: PathBuf,
    max_bytes: u64,
    /// Whether to warn (not with `--quiet`), and whether the one warning was given.
    quiet: bool,
    warned: AtomicBool,
}

/// What `uapi-diff cache stats` prints.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub entries: usize,
    pub bytes: u64,
    /// Of those, the entries this build can read.
    pub current_entries: usize,
    pub current_bytes: u64,
}

/// The cache directory: `UAPI_DIFF_CACHE_DIR`, else `$XDG_CACHE_HOME/uapi-diff`, else
/// `~/.cache/uapi-diff` (None without a home).
pub fn default_dir() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = set("UAPI_DIFF_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(xdg) = set("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("uapi-diff"));
    }
    set("HOME").map(|home| PathBuf::from(home).join(".cache").join("uapi-diff"))
}

impl Store {
    /// Opens (creating it if needed) the cache at `dir`. An error names why it cannot serve:
    /// a directory not made by uapi-diff, or one that cannot be created.
    pub fn open(dir: &Path, quiet: bool) -> Result<Store, String> {
        let marker = dir.join(MARKER);
        if !marker.is_file() {
            let empty = match std::fs::read_dir(dir) {
                Ok(mut entries) => entries.next().is_none(),
                Err(_) => true,
            };
            if !empty {
                return Err(format!(
                    "{} is not a uapi-diff cache (no {MARKER} file): not used",
                    dir.display()
                ));
            }
            std::fs::create_dir_all(dir)
                .and_then(|()| {
                    std::fs::write(
                        dir.join("CACHEDIR.TAG"),
                        "Signature: 8a477f597d28d172789f06886806bc55\n# uapi-diff's cache\n",
                    )
                })
                .and_then(|()| std::fs::write(&marker, "uapi-diff cache\n"))
                .map_err(|e| format!("cannot create the cache {}: {e}", dir.display()))?;
        }
        let max_mb = std::env::var("UAPI_DIFF_CACHE_MAX_MB")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(DEFAULT_MAX_MB);
        Ok(Store {
            dir: dir.to_path_buf(),
            max_bytes: max_mb.saturating_mul(1 << 20),
            quiet,
            warned: AtomicBool::new(false),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cacache key of what `description` names.
    fn key(description: &str) -> String {
        format!(
            "{}/{FORMAT}/{}",
            prefix(),
            BlobId::of_bytes(description.as_bytes())
        )
    }

    /// The one warning of a run about the cache (later problems are as silent as a miss).
    fn warn(&self, what: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) && !self.quiet {
            eprintln!(
                "uapi-diff: warning: cache {}: {what}; computed instead (`uapi-diff cache clear` empties it)",
                self.dir.display()
            );
        }
    }

    fn read(&self, description: &str) -> Option<Vec<u8>> {
        let key = Store::key(description);
        match cacache::read_sync(&self.dir, &key) {
            Ok(bytes) => {
                self.touch(&key, bytes.len());
                Some(bytes)
            }
            Err(cacache::Error::EntryNotFound(..)) => None,
            // Content evicted by another run between the index lookup and the read.
            Err(cacache::Error::IoError(e, _)) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.warn(&format!("an entry cannot be read ({e})"));
                None
            }
        }
    }

    /// Marks an entry as used now (eviction removes the least recently used first).
    fn touch(&self, key: &str, size: usize) {
        if let Ok(Some(meta)) = cacache::metadata_sync(&self.dir, key) {
            let opts = cacache::WriteOpts::new()
                .integrity(meta.integrity)
                .size(size)
                .time(now_millis());
            let _ = cacache::index::insert(&self.dir, key, opts);
        }
    }

    /// The entry of `description` decoded, or None (with the warning) when it does not decode.
    fn decoded<T>(&self, description: &str, decode: fn(&[u8]) -> Result<T, String>) -> Option<T> {
        let bytes = self.read(description)?;
        decode(&bytes)
            .map_err(|e| self.warn(&format!("an entry is not readable by this build ({e})")))
            .ok()
    }

    fn write(&self, description: &str, bytes: &[u8]) {
        if let Err(e) = put(&self.dir, &Store::key(description), bytes) {
            self.warn(&format!("an entry cannot be written ({e})"));
            return;
        }
        self.evict();
    }

    /// Every entry's metadata (entries whose index cannot be read are skipped).
    fn entries(&self) -> Vec<cacache::Metadata> {
        cacache::list_sync(&self.dir)
            .filter_map(Result::ok)
            .collect()
    }

    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        for e in self.entries() {
            stats.entries += 1;
            stats.bytes += e.size as u64;
            if e.key.starts_with(&format!("{}/{FORMAT}/", prefix())) {
                stats.current_entries += 1;
                stats.current_bytes += e.size as u64;
            }
        }
        stats
    }

    /// Removes every entry (the directory and its marker stay).
    pub fn clear(&self) -> Result<(), String> {
        for sub in ["index-v5", "content-v2", "tmp"] {
            let path = self.dir.join(sub);
            if path.exists() {
                std::fs::remove_dir_all(&path)
                    .map_err(|e| format!("cannot clear {}: {e}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Removes entries until the cache holds at most `max_bytes`: other builds' and formats'
    /// first, then the least recently used.
    fn evict(&self) {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.size as u64).sum();
        if total <= self.max_bytes {
            return;
        }
        let current = format!("{}/{FORMAT}/", prefix());
        entries.sort_by_key(|e| (e.key.starts_with(&current), e.time));
        for e in entries {
            if total <= self.max_bytes {
                break;
            }
            // Another run may have removed it already: nothing to do then.
            let _ = cacache::RemoveOpts::new()
                .remove_fully(true)
                .remove_sync(&self.dir, &e.key);
            total = total.saturating_sub(e.size as u64);
        }
    }
}

/// Writes an entry, its size in the index (what eviction counts), hashed with xxh3 (fast; the
/// hash detects damage, it does not defend against forgery).
fn put(dir: &Path, key: &str, bytes: &[u8]) -> cacache::Result<()> {
    use std::io::Write;
    let mut writer = cacache::WriteOpts::new()
        .algorithm(cacache::Algorithm::Xxh3)
        .size(bytes.len())
        .time(now_millis())
        .open_sync(dir, key)?;
    writer
        .write_all(bytes)
        .map_err(|e| cacache::Error::IoError(e, format!("writing {key}")))?;
    writer.commit().map(|_| ())
}

/// The part of every key that names this build.
fn prefix() -> String {
    format!("uapi-diff {BUILD_ID}")
}

fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Persist for Store {
    fn contains(&self, key: &str) -> bool {
        matches!(
            cacache::metadata_sync(&self.dir, Store::key(key)),
            Ok(Some(_))
        )
    }

    fn load(&self, key: &str) -> Option<Stored> {
        self.decoded(key, record::decode)
    }

    fn load_report(&self, key: &str) -> Option<DiffReport> {
        self.decoded(key, record::decode_report)
    }

    fn save_report(&self, key: &str, report: &DiffReport) {
        self.write(key, &record::encode_report(report));
    }

    fn save(&self, key: &str, stored: Stored) -> Stored {
        let (bytes, stored) = record::encode(stored);
        self.write(key, &bytes);
        stored
    }
}

#[cfg(test)]
mod tests;
