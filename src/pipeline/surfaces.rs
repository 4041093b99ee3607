//! Every surface of `surface::SURFACES` at one side of a diff: its files listed and read, its
//! extraction (cached by the files' blob ids, and by arch only for a surface whose items depend on
//! it), and what the rest of the pipeline takes from it:
//!
//! - its generated headers become header entries of the side (named by `GeneratedHeader::path`,
//!   with the blob id of their text), whose text the parse cache serves: from there on they are
//!   headers like any other, parsed, preprocessed (`#include <asm/unistd_64.h>` finds them), diffed
//!   and written to snapshots, and the incremental diff sees them changed when their text is;
//! - its items join the side's model (`snapshot`), its notes the side's notes;
//! - its files join the files a diff covers (`touched`): a changed table makes its items affected
//!   in the incremental diff, and its notes reported.

use super::ParseCache;
use crate::arch::Arch;
use crate::change::Note;
use crate::error::Error;
use crate::model::{Item, ItemKey};
use crate::source::{BlobId, FileEntry, Selection, Tree};
use crate::surface::{Extracted, Surface, SurfaceFile, SURFACES};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the surfaces made of one side (nothing for a side that is not a kernel tree: installed
/// headers already hold the generated ones, and a copy has no tables).
#[derive(Clone, Debug, Default)]
pub struct SurfaceSide {
    /// The files every surface read, sorted by path.
    pub files: Vec<FileEntry>,
    /// Every surface's items, keyed as the model keys its own.
    pub items: Vec<(ItemKey, Item)>,
    /// The generated headers, as entries of the side's header listing.
    pub generated: Vec<FileEntry>,
    pub notes: Vec<Note>,
}

/// Extractions already made, by surface, arch (None for a surface whose items do not depend on
/// it: `--all-arches` extracts it once) and the blob ids of its files.
#[derive(Default)]
pub(super) struct ExtractionCache {
    extracted: Mutex<HashMap<ExtractionKey, Arc<Extracted>>>,
    /// The text of every generated header, by its blob id.
    generated: Mutex<HashMap<BlobId, Arc<Vec<u8>>>>,
}

type ExtractionKey = (usize, Option<&'static str>, Vec<BlobId>);

impl ExtractionCache {
    /// The text of a generated header, if `blob` is one.
    pub(super) fn generated_text(&self, blob: &BlobId) -> Option<Arc<Vec<u8>>> {
        self.generated
            .lock()
            .expect("generated texts lock")
            .get(blob)
            .cloned()
    }
}

/// Lists, reads and extracts every surface of a kernel tree for `arch`.
pub fn extract(tree: &Tree, arch: &'static Arch, cache: &ParseCache) -> Result<SurfaceSide, Error> {
    extract_with(SURFACES, tree, arch, cache)
}

/// `extract` with these surfaces (`SURFACES`, or a test's).
fn extract_with(
    surfaces: &[&dyn Surface],
    tree: &Tree,
    arch: &'static Arch,
    cache: &ParseCache,
) -> Result<SurfaceSide, Error> {
    let mut side = SurfaceSide::default();
    for (index, surface) in surfaces.iter().enumerate() {
        let globs = surface.globs(arch);
        let globs: Vec<&str> = globs.iter().map(String::as_str).collect();
        let (files, warnings) = tree.files(&Selection::new(&globs))?;
        side.notes.extend(warnings.into_iter().map(|w| Note {
            revision: w.revision,
            file: w.path,
            line: 0,
            message: w.message,
        }));
        if files.is_empty() {
            continue;
        }
        let key = (
            index,
            surface.per_arch().then_some(arch.name),
            files.iter().map(|f| f.blob).collect(),
        );
        let known = cache
            .surfaces
            .extracted
            .lock()
            .expect("extractions lock")
            .get(&key)
            .cloned();
        let extracted = match known {
            Some(e) => e,
            None => {
                let bytes = tree.read_all(&files)?;
                let inputs: Vec<SurfaceFile> = files
                    .iter()
                    .zip(&bytes)
                    .map(|(f, b)| SurfaceFile {
                        path: &f.path,
                        bytes: b,
                    })
                    .collect();
                let e = Arc::new(surface.extract(&inputs, arch));
                let mut done = cache.surfaces.extracted.lock().expect("extractions lock");
                done.entry(key).or_insert(e).clone()
            }
        };
        let label = tree.label();
        side.items.extend(extracted.items.iter().map(|i| {
            let key = ItemKey {
                file: i.file.clone(),
                kind: i.kind,
                parent: i.parent.clone(),
                name: i.name.clone(),
            };
            let item = Item {
                line: i.line,
                facts: i.facts.clone(),
                decl: i.decl.as_str().into(),
            };
            (key, item)
        }));
        side.notes.extend(extracted.notes.iter().map(|n| Note {
            revision: label.to_string(),
            file: n.file.clone(),
            line: n.line,
            message: format!("{}: {}", surface.name(), n.message),
        }));
        let mut texts = cache
            .surfaces
            .generated
            .lock()
            .expect("generated texts lock");
        for g in &extracted.generated {
            let blob = BlobId::of_bytes(g.text.as_bytes());
            texts
                .entry(blob)
                .or_insert_with(|| Arc::new(g.text.clone().into_bytes()));
            side.generated.push(FileEntry {
                path: g.path.clone(),
                blob,
            });
        }
        side.files.extend(files);
    }
    side.files.sort_by(|a, b| a.path.cmp(&b.path));
    side.generated.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(side)
}

/// Adds a side's generated headers to its header entries (sorted by path). A header the tree
/// has at the same path is kept, and the generated one left out with a note.
pub fn add_generated(tree: &Tree, entries: &mut Vec<FileEntry>, side: &mut SurfaceSide) {
    let listed: std::collections::HashSet<String> =
        entries.iter().map(|e| e.path.clone()).collect();
    for g in &side.generated {
        if listed.contains(&g.path) {
            side.notes.push(Note {
                revision: tree.label().to_string(),
                file: g.path.clone(),
                line: 0,
                message:
                    "the tree has this header, which the build would generate: the tree's is read"
                        .to_string(),
            });
        } else {
            entries.push(g.clone());
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{Facts, ItemKind};
    use crate::surface::{GeneratedHeader, SurfaceItem, SurfaceNote};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A surface reading `tables/*.tbl`: an item per line, a header defining each, a note per
    /// empty line; it counts its extractions.
    struct Lines {
        per_arch: bool,
        runs: AtomicUsize,
    }

    impl Surface for Lines {
        fn name(&self) -> &'static str {
            "lines"
        }
        fn globs(&self, _arch: &Arch) -> Vec<String> {
            vec!["tables/*.tbl".to_string()]
        }
        fn per_arch(&self) -> bool {
            self.per_arch
        }
        fn extract(&self, files: &[SurfaceFile], arch: &'static Arch) -> Extracted {
            self.runs.fetch_add(1, Ordering::SeqCst);
            let mut out = Extracted::default();
            let mut text = String::new();
            for f in files {
                for (i, line) in String::from_utf8_lossy(f.bytes).lines().enumerate() {
                    let line_no = i as u32 + 1;
                    if line.is_empty() {
                        out.notes.push(SurfaceNote {
                            file: f.path.to_string(),
                            line: line_no,
                            message: "empty line".to_string(),
                        });
                        continue;
                    }
                    out.items.push(SurfaceItem {
                        file: f.path.to_string(),
                        kind: ItemKind::Syscall,
                        parent: None,
                        name: line.to_string(),
                        line: line_no,
                        facts: Facts::Syscall {
                            number: Some(line_no as u64),
                            abi: arch.name.to_string(),
                            entry: None,
                            compat_entry: None,
                            absent_from: Vec::new(),
                        },
                        decl: line.to_string(),
                    });
                    text.push_str(&format!("#define __NR_{line} {line_no}\n"));
                }
            }
            out.generated.push(GeneratedHeader {
                path: "include/uapi/asm-generic/lines.h".to_string(),
                include_as: "asm-generic/lines.h".to_string(),
                text,
            });
            out
        }
    }

    fn tree_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Tree) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let tree = Tree::open(Path::new(""), dir.path().to_str().expect("utf-8")).expect("a tree");
        (dir, tree)
    }

    use std::path::Path;

    /// A surface's items, notes and generated headers reach the side; the cache serves the
    /// generated text; a surface not per arch is extracted once for every arch, one per arch once
    /// per arch.
    #[test]
    fn extracts_once_per_arch_or_once_for_all() {
        let (_dir, tree) =
            tree_with(&[("tables/a.tbl", "read\n\nwrite\n"), ("other/b.tbl", "x\n")]);
        let (x86, arm64) = (
            Arch::by_name("x86").unwrap(),
            Arch::by_name("arm64").unwrap(),
        );
        for (per_arch, runs) in [(false, 1), (true, 2)] {
            let lines = Lines {
                per_arch,
                runs: AtomicUsize::new(0),
            };
            let cache = ParseCache::default();
            let side = extract_with(&[&lines], &tree, x86, &cache).expect("extracted");
            extract_with(&[&lines], &tree, arm64, &cache).expect("extracted");
            extract_with(&[&lines], &tree, x86, &cache).expect("extracted");
            assert_eq!(lines.runs.load(Ordering::SeqCst), runs);
            let names: Vec<&str> = side.items.iter().map(|(k, _)| k.name.as_str()).collect();
            assert_eq!(names, ["read", "write"]);
            assert_eq!(side.files.len(), 1, "only the files of the globs");
            assert_eq!(side.notes.len(), 1);
            assert_eq!(side.notes[0].message, "lines: empty line");
            assert_eq!(side.notes[0].line, 2);
            let text = cache
                .read_all(&tree, &side.generated)
                .expect("generated text served by the cache");
            assert_eq!(
                String::from_utf8_lossy(&text[0]),
                "#define __NR_read 1\n#define __NR_write 3\n"
            );
        }
    }

    /// A header the tree has wins over a generated one of the same path, with a note.
    #[test]
    fn a_tree_header_wins_over_a_generated_one() {
        let (_dir, tree) = tree_with(&[("tables/a.tbl", "read\n")]);
        let lines = Lines {
            per_arch: true,
            runs: AtomicUsize::new(0),
        };
        let cache = ParseCache::default();
        let mut side =
            extract_with(&[&lines], &tree, Arch::by_name("x86").unwrap(), &cache).expect("side");
        let own = FileEntry {
            path: "include/uapi/asm-generic/lines.h".to_string(),
            blob: BlobId::of_bytes(b"x"),
        };
        let mut entries = vec![own.clone()];
        add_generated(&tree, &mut entries, &mut side);
        assert_eq!(entries, [own]);
        assert!(side
            .notes
            .iter()
            .any(|n| n.message.contains("the tree's is read")));
        let mut entries = Vec::new();
        add_generated(&tree, &mut entries, &mut side);
        assert_eq!(entries, side.generated);
    }
}
