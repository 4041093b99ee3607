//! A base tree with a patch series' files in place of its own, all in memory.

use std::collections::{BTreeMap, HashMap};

use super::{BlobId, CommitInfo, FileEntry, Selection, SourceError, SourceWarning, Tree};

/// A base revision with files changed in memory: a patch series applied (`series`).
pub(super) struct Patched {
    pub(super) base: Tree,
    pub(super) overlay: Overlay,
}

/// What a patch series changes in a base tree, made by `series`.
pub struct Overlay {
    /// Path → its content's blob at the end of the series (`None`: deleted).
    pub files: BTreeMap<String, Option<BlobId>>,
    /// The content of every blob the series makes, the intermediate ones included.
    pub blobs: HashMap<BlobId, Vec<u8>>,
    /// One step per applied patch, with the files it changed (what `commits_between` returns
    /// for the series).
    pub steps: Vec<CommitInfo>,
}

impl Patched {
    pub(super) fn list(
        &self,
        select: &Selection,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), SourceError> {
        let (mut files, warnings) = self.base.files(select)?;
        files.retain(|e| !self.overlay.files.contains_key(&e.path));
        files.extend(
            self.overlay
                .files
                .iter()
                .filter(|(path, _)| select.matches(path))
                .filter_map(|(path, blob)| {
                    Some(FileEntry {
                        path: path.clone(),
                        blob: (*blob)?,
                    })
                }),
        );
        Ok((files, warnings))
    }

    pub(super) fn read_all(&self, entries: &[FileEntry]) -> Result<Vec<Vec<u8>>, SourceError> {
        entries.iter().map(|e| self.read(e)).collect()
    }

    pub(super) fn read(&self, entry: &FileEntry) -> Result<Vec<u8>, SourceError> {
        match self.overlay.blobs.get(&entry.blob) {
            Some(bytes) => Ok(bytes.clone()),
            None => self.base.read(entry),
        }
    }

    /// The file at `path` after the series, None if absent (or deleted by the series).
    pub(super) fn read_path(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        match self.overlay.files.get(path) {
            Some(Some(blob)) => Ok(self.overlay.blobs.get(blob).cloned()),
            Some(None) => Ok(None),
            None => self.base.read_path(path),
        }
    }

    /// The series' steps, each with the changed files `select` matches.
    pub(super) fn steps(&self, select: &Selection) -> Vec<CommitInfo> {
        self.overlay
            .steps
            .iter()
            .map(|step| CommitInfo {
                changed: step
                    .changed
                    .iter()
                    .filter(|c| select.matches(&c.path))
                    .cloned()
                    .collect(),
                ..step.clone()
            })
            .collect()
    }
}
