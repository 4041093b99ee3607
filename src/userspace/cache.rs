//! The scan cache: a tree that is a git work tree (the directory holds `.git`) has its result
//! stored under `$XDG_CACHE_HOME/uapi-diff/userspace/` (`~/.cache/uapi-diff/userspace/` when
//! `XDG_CACHE_HOME` is unset), one JSON file per HEAD commit and set of queries. A stamp of the
//! code files' paths, sizes and modification times is stored with it, so an edited work tree
//! is scanned again. The cache is an optimisation only: an entry that cannot be read or written
//! is ignored.

use super::search::CodeFile;
use super::TreeScan;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The HEAD commit when `dir` itself is the root of a git work tree.
pub fn head_commit(dir: &Path) -> Option<String> {
    if !dir.join(".git").exists() {
        return None;
    }
    let repo = gix::open(dir).ok()?;
    let id = repo.head_id().ok()?;
    Some(id.detach().to_string())
}

fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("uapi-diff").join("userspace"))
}

/// 64-bit FNV-1a: a stable hash for file names and stamps (std's hasher may change between
/// Rust releases).
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

#[derive(Serialize, Deserialize)]
struct Entry {
    version: String,
    stamp: u64,
    scan: TreeScan,
}

pub struct Key {
    path: Option<PathBuf>,
    stamp: u64,
}

impl Key {
    pub fn new(commit: &str, fingerprint: &str, files: &[CodeFile]) -> Key {
        let queries = fnv1a(fingerprint.as_bytes(), FNV_OFFSET);
        let stamp = files.iter().fold(FNV_OFFSET, |h, f| {
            let h = fnv1a(f.rel.as_bytes(), h);
            let h = fnv1a(&f.len.to_le_bytes(), h);
            fnv1a(&f.mtime.to_le_bytes(), h)
        });
        Key {
            path: cache_dir().map(|d| d.join(format!("{commit}-{queries:016x}.json"))),
            stamp,
        }
    }

    pub fn load(&self) -> Option<TreeScan> {
        let text = std::fs::read(self.path.as_ref()?).ok()?;
        let entry: Entry = serde_json::from_slice(&text).ok()?;
        (entry.version == env!("CARGO_PKG_VERSION") && entry.stamp == self.stamp)
            .then_some(entry.scan)
    }

    /// Writes the entry (to a temporary file renamed into place, so readers never see half).
    pub fn store(&self, scan: &TreeScan) {
        let Some(path) = &self.path else { return };
        let entry = Entry {
            version: env!("CARGO_PKG_VERSION").to_string(),
            stamp: self.stamp,
            scan: scan.clone(),
        };
        let Ok(text) = serde_json::to_vec(&entry) else {
            return;
        };
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&tmp, text))
            .and_then(|_| std::fs::rename(&tmp, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
