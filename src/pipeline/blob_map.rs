//! A map from blob ids to what was made from those blobs (parsed headers, texts, KMS sources), each
//! blob read and made once however many revisions or arches ask for it.

use crate::error::Error;
use crate::source::{BlobId, FileEntry};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Values made from blobs, by blob id.
pub(super) struct BlobMap<T> {
    pub(super) map: Mutex<HashMap<BlobId, T>>,
    /// The blobs asked for since the last `take_used`.
    used: Mutex<HashSet<BlobId>>,
}

impl<T> Default for BlobMap<T> {
    fn default() -> Self {
        BlobMap {
            map: Mutex::default(),
            used: Mutex::default(),
        }
    }
}

impl<T: Clone + Send> BlobMap<T> {
    /// Reads the entries' blobs not seen yet (each once, in parallel, through `read_all`), makes
    /// their values, and returns the values of all entries in order.
    pub(super) fn get_or_make<B: Send>(
        &self,
        read_all: impl FnOnce(&[FileEntry]) -> Result<Vec<B>, Error>,
        entries: &[FileEntry],
        make: impl Fn(B) -> T + Sync + Send,
    ) -> Result<Vec<T>, Error> {
        self.used
            .lock()
            .expect("blob map lock")
            .extend(entries.iter().map(|e| e.blob));
        let missing: Vec<FileEntry> = {
            let done = self.map.lock().expect("blob map lock");
            let mut seen = HashSet::new();
            entries
                .iter()
                .filter(|e| !done.contains_key(&e.blob) && seen.insert(e.blob))
                .cloned()
                .collect()
        };
        let made: Vec<(BlobId, T)> = read_all(&missing)?
            .into_par_iter()
            .zip(missing.par_iter())
            .map(|(bytes, e)| (e.blob, make(bytes)))
            .collect();
        let mut done = self.map.lock().expect("blob map lock");
        done.extend(made);
        Ok(entries.iter().map(|e| done[&e.blob].clone()).collect())
    }

    pub(super) fn retain(&self, keep: impl Fn(&BlobId) -> bool) {
        self.map
            .lock()
            .expect("blob map lock")
            .retain(|b, _| keep(b));
    }

    /// The blobs asked for since the last call.
    pub(super) fn take_used(&self) -> HashSet<BlobId> {
        std::mem::take(&mut *self.used.lock().expect("blob map lock"))
    }

    /// Forgets the blobs not asked for since the last call.
    pub(super) fn retain_used(&self) {
        let used = self.take_used();
        self.retain(|b| used.contains(b));
    }

    /// Forgets every blob.
    pub(super) fn clear(&self) {
        self.take_used();
        self.retain(|_| false);
    }
}
