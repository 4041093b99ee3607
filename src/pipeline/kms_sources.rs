//! The DRM sources of a revision's KMS properties: which files extraction reads (when it runs at
//! all), what of them is read and parsed while the revision is modelled, the properties evaluated
//! against the revision's uAPI constants, and whether the definitions those sources read changed
//! between two revisions (then the incremental diff does not apply).

use super::blob_map::BlobMap;
use super::{incremental, layout_label, Options, ParseCache, Snapshot};
use crate::change::{Facts, Note};
use crate::cpp;
use crate::error::Error;
use crate::kms::{self, KmsModel};
use crate::model::Model;
use crate::source::{FileEntry, Selection, Tree};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The DRM sources a revision's KMS extraction reads: drivers/gpu/drm/**/*.{c,h} that
/// `kms::wanted` keeps.
pub fn list_kms_sources(tree: &Tree) -> Result<Vec<FileEntry>, Error> {
    let (entries, _) = tree.files(&Selection::new(&[
        "drivers/gpu/drm/**/*.c",
        "drivers/gpu/drm/**/*.h",
    ]))?;
    Ok(entries
        .into_iter()
        .filter(|e| kms::wanted(&e.path))
        .collect())
}

/// Whether a revision's KMS properties are extracted: when asked for, and only from a kernel
/// tree (which has the DRM drivers they are read from).
pub(super) fn kms_properties_wanted(tree: &Tree, opts: &Options) -> bool {
    opts.kms && layout_label(tree).is_none()
}

/// The DRM sources a revision's KMS properties are read from, when they are extracted.
pub(super) fn kms_sources_of(tree: &Tree, opts: &Options) -> Result<Option<Vec<FileEntry>>, Error> {
    match kms_properties_wanted(tree, opts) {
        true => Ok(Some(list_kms_sources(tree)?)),
        false => Ok(None),
    }
}

/// Extracts a modelled revision's KMS properties from `sources` into its snapshot (their notes
/// after the others), from what `prepare_kms_sources` parsed of them when given.
pub(super) fn add_kms_properties(
    tree: &Tree,
    sources: &[FileEntry],
    prepared: Option<kms::Prepared>,
    snap: &mut Snapshot,
    cache: &ParseCache,
) -> Result<(), Error> {
    snap.kms = Some(kms_properties(
        tree,
        sources,
        prepared,
        &snap.model,
        cache,
        &mut snap.notes,
    )?);
    Ok(())
}

/// Reads and parses what a revision's KMS extraction will, of what does not depend on its
/// constants (`kms::prepare_cached`): run while the revision is modelled, so that its extraction
/// (`kms_properties`, after the model) only resolves.
pub(super) fn prepare_kms_sources(
    tree: &Tree,
    entries: &[FileEntry],
    cache: &ParseCache,
) -> Result<kms::Prepared, Error> {
    let bytes = cache.kms_sources(tree, entries)?;
    let (files, ids) = source_files(entries, &bytes);
    Ok(kms::prepare_cached(&files, &ids, &cache.kms_parsed))
}

/// The sources as extraction reads them, with their content ids (blob ids), in order.
fn source_files<'e>(
    entries: &'e [FileEntry],
    bytes: &'e [Arc<Vec<u8>>],
) -> (Vec<kms::SourceFile<'e>>, Vec<kms::ContentId>) {
    let files = entries
        .iter()
        .zip(bytes)
        .map(|(e, b)| kms::SourceFile {
            path: &e.path,
            bytes: b,
        })
        .collect();
    (files, entries.iter().map(|e| e.blob.0).collect())
}

/// The KMS properties of a revision. Range bounds and enum values are evaluated against the
/// revision's uAPI constants (`DRM_MODE_ROTATE_0`…); what they do not cover stays unknown.
fn kms_properties(
    tree: &Tree,
    entries: &[FileEntry],
    prepared: Option<kms::Prepared>,
    model: &Model,
    cache: &ParseCache,
    notes: &mut Vec<Note>,
) -> Result<KmsModel, Error> {
    let bytes = cache.kms_sources(tree, entries)?;
    let (files, ids) = source_files(entries, &bytes);
    let constants = Constants::of(model);
    let eval = |expr: &str, _file: &str| constants.eval(expr);
    let mut properties = match prepared {
        Some(prepared) => kms::extract_prepared(&files, &ids, prepared, &eval, &cache.kms_parsed),
        None => kms::extract_cached(&files, &ids, &eval, &cache.kms_parsed),
    };
    // Code no build compiles creates no uAPI (`#ifdef` of a name nothing defines, `#if 0`).
    let guards = kms::Guards::of(&properties, &files);
    let defined = defined_anywhere(tree, cache, entries, guards.names())?;
    for left in guards.apply(&mut properties, &|name| defined.contains(name)) {
        notes.push(Note {
            revision: tree.label().to_string(),
            file: left.file,
            line: left.line,
            message: format!(
                "{} left out: created only under `{}`, a condition no build meets (constant 0, \
                 or a name nothing in the tree defines): {}",
                match left.properties.len() {
                    1 => "1 KMS property".to_string(),
                    n => format!("{n} KMS properties"),
                },
                left.condition,
                left.properties.join(", ")
            ),
        });
    }
    notes.extend(properties.unresolved.iter().map(|u| Note {
        revision: tree.label().to_string(),
        file: u.file.clone(),
        line: u.line,
        message: format!(
            "KMS property in {}() not resolved: {}",
            u.function, u.reason
        ),
    }));
    Ok(properties)
}

/// Where KMS extraction looks for a definition of a name a preprocessor condition tests, besides
/// the DRM sources it reads: the drivers' build flags and the kernel-internal headers they include.
/// (The generated register headers, `asic_reg/`, hold register offsets only and are not read.)
pub fn kms_definition_sources(tree: &Tree) -> Result<Vec<FileEntry>, Error> {
    let (entries, _) = tree.files(&Selection::new(&[
        "drivers/gpu/drm/**/Makefile",
        "drivers/gpu/drm/**/Kbuild",
        "include/drm/**/*.h",
        "include/linux/**/*.h",
    ]))?;
    Ok(entries)
}

/// Whether what the KMS conditions look up outside the DRM sources (`kms_definition_sources`)
/// changed between two trees in a way that may change a property's fate: a driver's Makefile
/// changed, or a header's definitions of a name the DRM sources mention did.
pub(super) fn kms_definitions_changed(
    trees: [&Tree; 2],
    old_sources: &[FileEntry],
    cache: &ParseCache,
) -> Result<bool, Error> {
    let [old, new] = trees.map(kms_definition_sources);
    let (old, new) = (old?, new?);
    let touched = incremental::touched(&old, &new);
    if touched.is_empty() {
        return Ok(false);
    }
    if touched.iter().any(|p| !p.ends_with(".h")) {
        return Ok(true);
    }
    let defined = |tree: &Tree, entries: Vec<FileEntry>| -> Result<BTreeSet<String>, Error> {
        let entries: Vec<FileEntry> = entries
            .into_iter()
            .filter(|e| touched.contains(&e.path))
            .collect();
        Ok(cache
            .defined_names(tree, &entries)?
            .iter()
            .flat_map(|names| names.iter().cloned())
            .collect())
    };
    let (before, after) = (defined(trees[0], old)?, defined(trees[1], new)?);
    let names: BTreeSet<String> = before.symmetric_difference(&after).cloned().collect();
    incremental::named_in(trees[0], old_sources, &names)
}

/// Which of `names` something in the tree defines: a DRM source or a header of include/drm or
/// include/linux (`#define`), or a driver's Makefile (`-D`).
fn defined_anywhere(
    tree: &Tree,
    cache: &ParseCache,
    sources: &[FileEntry],
    mut names: BTreeSet<String>,
) -> Result<BTreeSet<String>, Error> {
    if names.is_empty() {
        return Ok(names);
    }
    // The sources' bytes are in the cache already.
    let in_sources = cache
        .kms_defined
        .of(sources, |missing| cache.kms_sources(tree, missing))?;
    let mut defined: BTreeSet<String> = names
        .iter()
        .filter(|n| defines_any(&in_sources, n))
        .cloned()
        .collect();
    names.retain(|n| !defined.contains(n));
    if names.is_empty() {
        return Ok(defined);
    }
    let entries = kms_definition_sources(tree)?;
    let elsewhere = cache
        .kms_defined
        .of(&entries, |missing| Ok(tree.read_all(missing)?))?;
    defined.extend(names.into_iter().filter(|n| defines_any(&elsewhere, n)));
    Ok(defined)
}

fn defines_any(files: &[Arc<Vec<String>>], name: &str) -> bool {
    files
        .iter()
        .any(|names| names.binary_search_by(|n| n.as_str().cmp(name)).is_ok())
}

/// The names each file read for KMS conditions defines (`kms::defined_names`), by blob, apart for
/// C files and for Makefiles (read for `-D` flags, not `#define`s): a blob is scanned once however
/// many revisions hold it. A walk forgets the blobs the last revision did not read.
#[derive(Default)]
pub(super) struct DefinedNames {
    in_c: BlobMap<Arc<Vec<String>>>,
    in_makefiles: BlobMap<Arc<Vec<String>>>,
}

impl DefinedNames {
    /// The names each entry defines (in no particular order of entries), scanning the blobs not
    /// scanned yet, whose bytes `read_all` gives.
    fn of<B: AsRef<Vec<u8>> + Send>(
        &self,
        entries: &[FileEntry],
        read_all: impl Fn(&[FileEntry]) -> Result<Vec<B>, Error>,
    ) -> Result<Vec<Arc<Vec<String>>>, Error> {
        let (makefiles, c): (Vec<FileEntry>, Vec<FileEntry>) = entries
            .iter()
            .cloned()
            .partition(|e| kms::is_makefile(&e.path));
        let scan =
            |makefile: bool| move |bytes: B| Arc::new(kms::defined_names(makefile, bytes.as_ref()));
        let mut names = self.in_c.get_or_make(&read_all, &c, scan(false))?;
        names.extend(
            self.in_makefiles
                .get_or_make(&read_all, &makefiles, scan(true))?,
        );
        Ok(names)
    }

    /// Forgets the blobs not read since the last call.
    pub(super) fn retain_used(&self) {
        self.in_c.retain_used();
        self.in_makefiles.retain_used();
    }

    pub(super) fn clear(&self) {
        self.in_c.clear();
        self.in_makefiles.clear();
    }
}

/// Every integer constant of a revision's uAPI by name, for expressions outside the headers.
struct Constants<'m> {
    values: FxHashMap<&'m str, cpp::Value>,
    data_model: cpp::DataModel,
}

impl<'m> Constants<'m> {
    fn of(model: &'m Model) -> Constants<'m> {
        // Sized for every item up front: most are constants, and growing the table rehashes it.
        let mut values = FxHashMap::with_capacity_and_hasher(model.items.len(), Default::default());
        for (key, item) in &model.items {
            let value = match &item.facts {
                Facts::Value { value: Some(v), .. } => *v,
                Facts::Ioctl {
                    number: Some(n), ..
                } => *n as i128,
                _ => continue,
            };
            let kind = if i64::try_from(value).is_ok() {
                cpp::IntKind::LongLong
            } else {
                cpp::IntKind::ULongLong
            };
            values
                .entry(key.name.as_str())
                .or_insert(cpp::Value { value, kind });
        }
        Constants {
            values,
            data_model: model.arch.data_model,
        }
    }

    fn eval(&self, expr: &str) -> Option<i128> {
        let tokens = cpp::tokenize(expr).ok()?;
        cpp::eval(&tokens, cpp::Mode::Constant, self)
            .ok()
            .map(|v| v.value)
    }
}

impl cpp::Semantics for Constants<'_> {
    fn data_model(&self) -> cpp::DataModel {
        self.data_model
    }
    fn identifier(&self, name: &str) -> Option<cpp::Value> {
        self.values.get(name).copied()
    }
    fn type_name(&self, _tokens: &[cpp::Token]) -> Option<Result<cpp::TypeInfo, cpp::Reason>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::BlobId;

    #[test]
    fn defined_names_are_kept_per_blob_and_kind_of_file() {
        let cache = DefinedNames::default();
        let entry = |path: &str, id: u8| FileEntry {
            path: path.to_string(),
            blob: BlobId([id; 20]),
        };
        let text = b"ccflags-y += -DFLAG\n#define MACRO\n".to_vec();
        let read = |missing: &[FileEntry]| -> Result<Vec<Vec<u8>>, Error> {
            Ok(vec![text.clone(); missing.len()])
        };
        let names = |entries: &[FileEntry]| -> Vec<Vec<String>> {
            let found = cache.of(entries, read).expect("read");
            found.iter().map(|n| n.as_ref().clone()).collect()
        };
        // The same blob as a header and as a Makefile: each read by its own rules.
        assert_eq!(names(&[entry("a/x.h", 1)]), [["MACRO"]]);
        assert_eq!(names(&[entry("a/Makefile", 1)]), [["FLAG"]]);
        let other = |missing: &[FileEntry]| -> Result<Vec<Vec<u8>>, Error> {
            Ok(vec![b"#define OTHER\n".to_vec(); missing.len()])
        };
        let found = cache.of(&[entry("a/x.h", 2)], other).expect("read");
        assert_eq!(*found[0], ["OTHER"]);
        // Forgotten once a retain passes without a revision reading it.
        cache.retain_used();
        cache.retain_used();
        let found = cache.of(&[entry("a/x.h", 1)], other).expect("read");
        assert_eq!(*found[0], ["OTHER"], "scanned again after being forgotten");
    }
}
