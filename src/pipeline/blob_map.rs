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
    /// their values, and returns the values of all entries in order. The values already made are
    /// taken when the missing ones are picked: a `retain` on another thread meanwhile (a walk
    /// forgets the blobs of a revision while the next ones' are read) drops none of them.
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
        let mut missing: Vec<FileEntry> = Vec::new();
        let found: Vec<Option<T>> = {
            let done = self.map.lock().expect("blob map lock");
            let mut seen = HashSet::new();
            entries
                .iter()
                .map(|e| {
                    let value = done.get(&e.blob).cloned();
                    if value.is_none() && seen.insert(e.blob) {
                        missing.push(e.clone());
                    }
                    value
                })
                .collect()
        };
        let made: HashMap<BlobId, T> = read_all(&missing)?
            .into_par_iter()
            .zip(missing.par_iter())
            .map(|(bytes, e)| (e.blob, make(bytes)))
            .collect();
        let values = entries
            .iter()
            .zip(found)
            .map(|(e, value)| value.unwrap_or_else(|| made[&e.blob].clone()))
            .collect();
        self.map.lock().expect("blob map lock").extend(made);
        Ok(values)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, id: u8) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            blob: BlobId([id; 20]),
        }
    }

    /// A walk forgets one revision's blobs on one thread while the next revision's are read on
    /// another: a blob already made when the missing ones are picked is returned even when it is
    /// forgotten before they are read.
    #[test]
    fn a_blob_forgotten_while_others_are_read_is_still_returned() {
        let map: BlobMap<Vec<u8>> = BlobMap::default();
        let made = map.get_or_make(
            |missing| Ok(vec![b"a".to_vec(); missing.len()]),
            &[entry("a", 1)],
            |b| b,
        );
        assert_eq!(made.expect("read"), [b"a".to_vec()]);
        let entries = [entry("a", 1), entry("b", 2), entry("b2", 2)];
        let values = map.get_or_make(
            |missing| {
                assert_eq!(missing.len(), 1, "only blob 2 is missing, read once");
                map.retain(|_| false);
                Ok(vec![b"b".to_vec()])
            },
            &entries,
            |b| b,
        );
        assert_eq!(
            values.expect("read"),
            [b"a".to_vec(), b"b".to_vec(), b"b".to_vec()]
        );
        // What was read is kept; what was forgotten is read again when asked for.
        let again = map.get_or_make(
            |missing| Ok(vec![b"a2".to_vec(); missing.len()]),
            &entries,
            |b| b,
        );
        assert_eq!(
            again.expect("read"),
            [b"a2".to_vec(), b"b".to_vec(), b"b".to_vec()]
        );
    }
}
