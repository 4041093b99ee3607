//! The stages wired together: source → parse → model → diff → rules, into a `DiffReport`. Blobs are parsed once each,
//! whatever revision they belong to (`ParseCache`), in parallel; each revision's model is then
//! built on its own thread.

mod blob_map;
mod elsewhere;
mod incremental;
mod kms_sources;
mod netlink_headers;
mod persist;
mod reach;
mod report;
mod surfaces;

use kms_sources::{
    add_kms_properties, kms_definitions_changed, kms_properties_wanted, kms_sources_of,
    prepare_kms_sources,
};
pub use kms_sources::{kms_definition_sources, list_kms_sources};
pub use persist::{install as install_store, Persist, Stored};
pub use report::{report, report_with, IndexedSnapshot};
pub use surfaces::SurfaceSide;

use crate::arch::Arch;
use crate::change::{DiffReport, Note, Revision, Summary};
use crate::error::Error;
use crate::kms::{self, KmsModel};
use crate::model::{self, HeaderSource, Model};
use crate::parse::{self, ParsedHeader};
use crate::rules;
use crate::source::layout::{Layout, LayoutKind};
use crate::source::{BlobId, FileEntry, Selection, Tree};
use blob_map::BlobMap;
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Options {
    pub arch: &'static Arch,
    /// Also extract and diff the DRM KMS properties created in drivers/gpu/drm.
    pub kms: bool,
    /// The enums the policy declares internal or ABI (the config's `[enums]`), for the rules
    /// judging renumberings.
    pub enum_roles: rules::EnumRoles,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            arch: Arch::by_name("x86").expect("x86 is a known arch"),
            kms: true,
            enum_roles: rules::EnumRoles::new(),
        }
    }
}

/// What is computed from blobs, by blob id: a blob that is identical at several revisions is read
/// and parsed once, whichever revision (or `history` step) asks first.
#[derive(Default)]
pub struct ParseCache {
    headers: BlobMap<Arc<ParsedHeader>>,
    /// Header texts and their words, for the incremental diff's dependency graph (read once for
    /// all the arches of `--all-arches`).
    header_texts: BlobMap<Arc<incremental::HeaderText>>,
    /// The bytes of the DRM sources KMS extraction reads.
    kms_sources: BlobMap<Arc<Vec<u8>>>,
    /// The names other arches' and asm-generic's headers define (`elsewhere`).
    defined_names: BlobMap<Arc<Vec<String>>>,
    /// The names the files KMS conditions look up define.
    kms_defined: kms_sources::DefinedNames,
    /// The DRM sources KMS extraction parsed, by path, blob and the parts parsed (which parts
    /// depends on the whole tree, so the extraction decides; a blob is parsed again only for
    /// other parts).
    kms_parsed: kms::ParsedFiles,
    /// The surfaces' extractions and the texts of the headers they generate.
    surfaces: surfaces::ExtractionCache,
    /// The header blobs of the revisions read back from the store (`persist`) instead of parsed.
    stored_headers: Mutex<HashSet<BlobId>>,
    /// Headers' items kept from one revision of a walk for the next (`keep_listings`).
    listings: model::ListingCache,
}

impl ParseCache {
    /// Whether the revisions modelled next keep their headers' items for later ones: a walk
    /// turns it on for all its revisions but the last, a full diff for its first side.
    /// `UAPI_DIFF_FULL` keeps it off.
    pub fn keep_listings(&self, keep: bool) {
        self.listings.keep(keep && !incremental::forced_full());
    }

    /// Whether the revisions modelled next also find and keep headers' items by what their
    /// lookups can find in the headers they read (`model::ListingCache::by_projection`): a walk
    /// turns it on, a diff off.
    pub fn keep_listings_by_projection(&self, on: bool) {
        self.listings.by_projection(on);
    }

    /// Forgets the kept items the last revision did not use (a walk calls it before each model).
    pub fn forget_unused_listings(&self) {
        self.listings.retain_used();
    }

    /// The headers of the revision to be modelled after the next one (None: not known), so that
    /// the next model keeps its listings for that one's (`model::ListingCache::expect_next`).
    pub fn expect_next(&self, next: Option<&[FileEntry]>) {
        let blobs = next.map(|entries| {
            (entries.iter())
                .map(|e| (e.path.clone(), e.blob.to_string()))
                .collect()
        });
        self.listings.expect_next(blobs);
    }

    /// Forgets every kept listing (a diff's, once both sides are modelled).
    fn forget_listings(&self) {
        self.listings.clear();
    }

    /// Reads and parses (in parallel) the entries not parsed yet, then returns all of them.
    pub fn headers(
        &self,
        tree: &Tree,
        entries: &[FileEntry],
    ) -> Result<Vec<Arc<ParsedHeader>>, Error> {
        self.headers.get_or_make(
            |missing| self.read_all(tree, missing),
            entries,
            |b| Arc::new(parse::parse_header(&b)),
        )
    }

    /// Reads (in parallel) the header texts not read yet, then returns all of them.
    fn header_texts(
        &self,
        tree: &Tree,
        entries: &[FileEntry],
    ) -> Result<Vec<Arc<incremental::HeaderText>>, Error> {
        self.header_texts.get_or_make(
            |missing| self.read_all(tree, missing),
            entries,
            |b| Arc::new(incremental::HeaderText::new(b)),
        )
    }

    /// Reads (in parallel) and scans the headers not scanned yet for the names they define, then
    /// returns all of them.
    fn defined_names(
        &self,
        tree: &Tree,
        entries: &[FileEntry],
    ) -> Result<Vec<Arc<Vec<String>>>, Error> {
        self.defined_names.get_or_make(
            |missing| self.read_all(tree, missing),
            entries,
            |b| Arc::new(elsewhere::defined_names(&b)),
        )
    }

    /// Reads (in parallel) the KMS sources not read yet, then returns all of them.
    pub fn kms_sources(
        &self,
        tree: &Tree,
        entries: &[FileEntry],
    ) -> Result<Vec<Arc<Vec<u8>>>, Error> {
        self.kms_sources
            .get_or_make(|missing| Ok(tree.read_all(missing)?), entries, Arc::new)
    }

    /// The bytes of `entries`, in order: a generated header's from the surfaces' texts, any other
    /// file's from the tree.
    fn read_all(&self, tree: &Tree, entries: &[FileEntry]) -> Result<Vec<Vec<u8>>, Error> {
        let generated: Vec<Option<Arc<Vec<u8>>>> = entries
            .iter()
            .map(|e| self.surfaces.generated_text(&e.blob))
            .collect();
        let from_tree: Vec<FileEntry> = entries
            .iter()
            .zip(&generated)
            .filter(|(_, g)| g.is_none())
            .map(|(e, _)| e.clone())
            .collect();
        let mut read = tree.read_all(&from_tree)?.into_iter();
        Ok(generated
            .into_iter()
            .map(|g| match g {
                Some(text) => text.as_ref().clone(),
                None => read.next().expect("one text per file read from the tree"),
            })
            .collect())
    }

    /// Forgets the DRM sources (their bytes, parses and defined names) no KMS extraction read
    /// since the last call: a walk calls it after each revision's, and so keeps the sources of the
    /// revision before (which the next one mostly shares) rather than every revision's.
    pub fn forget_unused_kms_sources(&self) {
        let read = self.kms_sources.take_used();
        self.kms_sources.retain(|b| read.contains(b));
        self.kms_parsed.retain(|id| read.contains(&BlobId(*id)));
        self.kms_defined.retain_used();
    }

    /// Forgets every DRM source kept, once no more KMS properties are extracted.
    pub fn forget_kms_sources(&self) {
        self.kms_sources.clear();
        self.kms_parsed.retain(|_| false);
        self.kms_defined.clear();
    }

    /// The number of distinct header blobs of the revisions computed so far: parsed, or read back
    /// with a revision an earlier run stored (as many as a run without the store parses).
    pub fn len(&self) -> usize {
        let parsed = self.headers.map.lock().expect("blob map lock");
        let stored = self.stored_headers.lock().expect("stored headers lock");
        parsed.len() + stored.iter().filter(|b| !parsed.contains_key(*b)).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The uAPI header paths read for an architecture.
pub fn header_selection(arch: &Arch) -> Selection {
    let arch_glob = format!("arch/{}/include/uapi/**/*.h", arch.dir());
    Selection::new(&["include/uapi/**/*.h", &arch_glob])
}

/// One revision's model, with what could not be read or computed.
#[derive(Clone)]
pub struct Snapshot {
    pub revision: Revision,
    pub model: Model,
    /// KMS properties, when `Options::kms` is set.
    pub kms: Option<KmsModel>,
    pub notes: Vec<Note>,
}

/// Lists a revision's headers in its layout (an error if a kernel tree has no `include/uapi`).
/// The headers its surfaces generate are not among them: `snapshot` adds them.
pub fn list_headers(tree: &Tree, opts: &Options) -> Result<(Vec<FileEntry>, Vec<Note>), Error> {
    list_in_layout(tree, &Layout::of(tree)?, opts)
}

/// A directory side's layout name for reports (None for a kernel tree, and for a side whose layout
/// cannot be told, which listing it reports).
pub fn layout_label(tree: &Tree) -> Option<String> {
    Layout::of(tree)
        .ok()
        .filter(|l| l.kind != LayoutKind::Tree)
        .map(|l| l.kind.name().to_string())
}

/// Lists a revision's headers, named by their kernel source paths, as `layout` lays them out.
pub fn list_in_layout(
    tree: &Tree,
    layout: &Layout,
    opts: &Options,
) -> Result<(Vec<FileEntry>, Vec<Note>), Error> {
    let in_tree = layout.kind == LayoutKind::Tree;
    let (entries, warnings) = if in_tree {
        tree.files(&header_selection(opts.arch))?
    } else {
        layout.list(tree, opts.arch)?
    };
    if in_tree && !entries.iter().any(|e| e.path.starts_with("include/uapi/")) {
        return Err(Error::NoUapi {
            revision: tree.label().to_string(),
        });
    }
    let mut notes: Vec<Note> = warnings
        .into_iter()
        .map(|w| Note {
            revision: w.revision,
            file: w.path,
            line: 0,
            message: w.message,
        })
        .collect();
    // ia64's headers are gone since v6.7; an arch from another tree may be missing too.
    let arch_dir = format!("arch/{}/include/uapi", opts.arch.dir());
    if in_tree && !entries.iter().any(|e| e.path.starts_with(&arch_dir)) {
        notes.push(Note {
            revision: tree.label().to_string(),
            file: arch_dir,
            line: 0,
            message: format!(
                "no headers for --arch {} at this revision: the tree has no such arch, so no <asm/…> header (what needs one is unresolved)",
                opts.arch.name
            ),
        });
    }
    Ok((entries, notes))
}

/// A side's listed headers and notes with what its surfaces make of it: a kernel tree's surfaces
/// extracted, and the headers they generate among its headers.
fn with_surfaces(
    tree: &Tree,
    (mut entries, notes): (Vec<FileEntry>, Vec<Note>),
    cache: &ParseCache,
    opts: &Options,
) -> Result<Listed, Error> {
    let mut surfaces = SurfaceSide::default();
    if layout_label(tree).is_none() {
        surfaces = surfaces::extract(tree, opts.arch, cache)?;
        surfaces::add_generated(tree, &mut entries, &mut surfaces);
    }
    // The side keeps only the asm-generic headers the arch uses (`reach`). An installed tree has
    // its `asm/` wrappers as files; a copy may hold asm-generic headers without any `asm/`.
    let kind = Layout::of(tree).map(|l| l.kind);
    let wrapped = match kind {
        Ok(LayoutKind::Tree) => reach::wrapped(tree, opts.arch)?,
        Ok(LayoutKind::Installed | LayoutKind::Multiarch) => Some(BTreeSet::new()),
        _ => None,
    };
    if let Some(wrapped) = wrapped {
        let texts = cache.header_texts(tree, &entries)?;
        let wrappers_only = matches!(kind, Ok(LayoutKind::Tree));
        let unused = reach::unused_generic(opts.arch, &entries, &texts, &wrapped, wrappers_only);
        entries.retain(|e| !unused.contains(&e.path));
    }
    Ok(Listed {
        entries,
        notes,
        own: None,
        surfaces,
    })
}

/// Builds one revision's model from its listed headers (`list_headers`), with its surfaces'
/// items, notes and generated headers.
pub fn snapshot(
    tree: &Tree,
    entries: &[FileEntry],
    notes: Vec<Note>,
    cache: &ParseCache,
    opts: &Options,
) -> Result<Snapshot, Error> {
    let listed = with_surfaces(tree, (entries.to_vec(), notes), cache, opts)?;
    snapshot_of(tree, &listed.entries, &listed, cache, opts)
}

/// A revision's whole snapshot: as an earlier run stored it (`persist`), or listed, computed and
/// stored.
pub fn revision_snapshot(
    tree: &Tree,
    cache: &ParseCache,
    opts: &Options,
) -> Result<Snapshot, Error> {
    revision_model(tree, cache, opts)?.finish(cache, opts)
}

/// A revision's snapshot in two stages, so that a walk models the next revision (reusing this
/// one's header listings) while this one's KMS properties are extracted.
pub enum Staged<'t> {
    /// Stored by an earlier run, or read from a snapshot file.
    Complete(Snapshot),
    /// Modelled; its KMS properties (when asked for) are still to extract, and it is still to store.
    Modelled {
        tree: &'t Tree,
        listed: Box<Listed>,
        snap: Snapshot,
        /// The DRM sources its KMS properties are read from (None: not extracted), already read
        /// and parsed as far as the constants are not needed (`prepare_kms_sources`).
        kms_sources: Option<(Vec<FileEntry>, kms::Prepared)>,
    },
}

impl Staged<'_> {
    /// The whole snapshot: KMS properties extracted (their notes come last, as `snapshot_of`
    /// puts them), and stored when the store keeps it.
    pub fn finish(self, cache: &ParseCache, opts: &Options) -> Result<Snapshot, Error> {
        let (tree, listed, mut snap, kms_sources) = match self {
            Staged::Complete(snap) => return Ok(snap),
            Staged::Modelled {
                tree,
                listed,
                snap,
                kms_sources,
            } => (tree, listed, snap, kms_sources),
        };
        let mut sources = None;
        if let Some((entries, prepared)) = kms_sources {
            add_kms_properties(tree, &entries, Some(prepared), &mut snap, cache)?;
            sources = Some(entries);
        }
        if !persist::keeps(tree, opts) {
            return Ok(snap);
        }
        Ok(persist::save(tree, opts, &listed, sources.as_deref(), snap))
    }
}

/// A revision's snapshot but for its KMS properties: as an earlier run stored it (whole), or
/// listed and modelled.
pub fn revision_model<'t>(
    tree: &'t Tree,
    cache: &ParseCache,
    opts: &Options,
) -> Result<Staged<'t>, Error> {
    if let Some(stored) = persist::load(tree, opts) {
        let mut counted = cache.stored_headers.lock().expect("stored headers lock");
        counted.extend(stored.headers.iter().map(|e| e.blob));
        return Ok(Staged::Complete(stored.snapshot));
    }
    // The DRM sources are read and parsed while the headers are modelled: only resolving their
    // properties needs the model's constants.
    let (modelled, kms_sources) = rayon::join(
        || -> Result<_, Error> {
            let listed = with_surfaces(tree, list_headers(tree, opts)?, cache, opts)?;
            let snap = model_snapshot(tree, &listed.entries, &listed, cache, opts)?;
            Ok((listed, snap))
        },
        || -> Result<_, Error> {
            match kms_sources_of(tree, opts)? {
                Some(sources) => {
                    let prepared = prepare_kms_sources(tree, &sources, cache)?;
                    Ok(Some((sources, prepared)))
                }
                None => Ok(None),
            }
        },
    );
    let (listed, snap) = modelled?;
    Ok(Staged::Modelled {
        tree,
        listed: Box::new(listed),
        snap,
        kms_sources: kms_sources?,
    })
}

/// The headers a revision's snapshot parses: its listing, with the headers its surfaces generate,
/// less the asm-generic headers the arch does not use (a walk parses a batch of them ahead).
pub fn used_headers(
    tree: &Tree,
    cache: &ParseCache,
    opts: &Options,
) -> Result<Vec<FileEntry>, Error> {
    Ok(with_surfaces(tree, list_headers(tree, opts)?, cache, opts)?.entries)
}

/// Whether an earlier run stored `tree`'s snapshot (a walk then neither lists nor parses it).
pub fn is_stored(tree: &Tree, opts: &Options) -> bool {
    persist::contains(tree, opts)
}

/// Builds one revision's model from `entries` (all of its listing's headers or some of them),
/// with its listing's notes and every surface item, and its KMS properties when asked for.
fn snapshot_of(
    tree: &Tree,
    entries: &[FileEntry],
    listed: &Listed,
    cache: &ParseCache,
    opts: &Options,
) -> Result<Snapshot, Error> {
    let mut snap = model_snapshot(tree, entries, listed, cache, opts)?;
    if let Some(sources) = kms_sources_of(tree, opts)? {
        add_kms_properties(tree, &sources, None, &mut snap, cache)?;
    }
    Ok(snap)
}

/// `snapshot_of` but for the KMS properties (`kms_of`).
fn model_snapshot(
    tree: &Tree,
    entries: &[FileEntry],
    listed: &Listed,
    cache: &ParseCache,
    opts: &Options,
) -> Result<Snapshot, Error> {
    let mut notes = listed.notes.clone();
    let parsed = cache.headers(tree, entries)?;
    notes.extend(entries.iter().zip(&parsed).flat_map(|(e, p)| {
        p.warnings.iter().map(|w| Note {
            revision: tree.label().to_string(),
            file: e.path.clone(),
            line: w.line,
            message: w.message.clone(),
        })
    }));
    let headers: Vec<HeaderSource> = entries
        .iter()
        .zip(parsed)
        .map(|(e, p)| HeaderSource {
            path: e.path.clone(),
            blob: e.blob.to_string(),
            parsed: p,
        })
        .collect();
    let mut model = model::build(tree.label(), opts.arch, &headers, Some(&cache.listings));
    let layout = layout_label(tree);
    // Only a kernel tree has other arches' headers.
    if layout.is_none() {
        model.elsewhere = elsewhere::index(tree, opts.arch, cache)?;
    }
    notes.extend(model.notes.iter().map(|n| Note {
        revision: tree.label().to_string(),
        file: n.file.clone(),
        line: n.line,
        message: n.message.clone(),
    }));
    model.items.extend(listed.surfaces.items.iter().cloned());
    notes.extend(listed.surfaces.notes.iter().cloned());
    // Each netlink spec against the header generated from it, where this model has the header.
    // The texts read for the listing (`with_surfaces`), kept by blob for the revisions after;
    // a header the surfaces generate is no file of the tree.
    let header_text = |path: &str| {
        let entry = entries.iter().find(|e| e.path == path)?;
        if cache.surfaces.generated_text(&entry.blob).is_some() {
            return None;
        }
        let texts = cache.header_texts(tree, std::slice::from_ref(entry)).ok()?;
        texts.into_iter().next()
    };
    notes.extend(netlink_headers::check(
        &model,
        &listed.surfaces.files,
        &header_text,
    ));
    let revision = Revision {
        revision: tree.label().to_string(),
        commit: tree.commit_id(),
        arch: opts.arch.name.to_string(),
        layout,
    };
    Ok(Snapshot {
        revision,
        model,
        kms: None,
        notes,
    })
}

/// One side of a diff, listed.
#[derive(Clone)]
pub struct Listed {
    /// Its headers, the generated ones among them.
    pub entries: Vec<FileEntry>,
    /// What listing found (always reported).
    pub notes: Vec<Note>,
    /// A copy's own headers (its `entries` also hold those it borrows); None for a whole uAPI.
    pub own: Option<BTreeSet<String>>,
    /// What the surfaces made of it.
    pub surfaces: SurfaceSide,
}

impl Listed {
    /// The files a diff against `other` covers, whose notes it reports: headers and surface files
    /// whose blob differs, or that only one side has.
    pub fn touched(&self, other: &Listed) -> BTreeSet<String> {
        let mut touched = incremental::touched(&self.entries, &other.entries);
        touched.extend(incremental::touched(
            &self.surfaces.files,
            &other.surfaces.files,
        ));
        touched
    }
}

/// Lists both sides of a diff in their layouts. A copy's top-level headers are placed where the
/// other side has them, and it borrows the other side's headers it lacks. Returns the sides in
/// (old, new) order and whether `new` must be parsed first (it lends headers to `old`).
pub fn list_pair(
    old: &Tree,
    new: &Tree,
    opts: &Options,
    cache: &ParseCache,
) -> Result<([Listed; 2], bool), Error> {
    let trees = [old, new];
    let mut layouts = [Layout::of(old)?, Layout::of(new)?];
    let is_copy = |l: &Layout| l.kind == LayoutKind::Copy;
    let lender_first = is_copy(&layouts[0]) && !is_copy(&layouts[1]);
    // A side placed by the kernel tree's listing (`Layout::place_like`) is listed after it.
    let is_tree = |l: &Layout| l.kind == LayoutKind::Tree;
    let tree_first = !is_tree(&layouts[0]) && is_tree(&layouts[1]);
    let order = if lender_first || tree_first {
        [1, 0]
    } else {
        [0, 1]
    };
    let mut listed: [Option<Listed>; 2] = [None, None];
    for i in order {
        if let Some(other) = &listed[1 - i] {
            layouts[i].place_like(&other.entries, is_tree(&layouts[1 - i]));
        }
        let headers = list_in_layout(trees[i], &layouts[i], opts)?;
        listed[i] = Some(with_surfaces(trees[i], headers, cache, opts)?);
    }
    let [mut old_listed, mut new_listed] = listed.map(|l| l.expect("both sides listed"));
    // Only a kernel tree has the surfaces' sources (syscall tables, netlink specs): against
    // installed headers or a copy, their items would all read as added or removed. The headers
    // they generate stay: an installed side has them as files.
    if layouts.iter().any(|l| l.kind != LayoutKind::Tree) {
        for side in [&mut old_listed, &mut new_listed] {
            side.surfaces.items.clear();
            side.surfaces.notes.clear();
        }
    }
    let lend = |mut side: Listed, layout: &Layout, other: &Layout, from: &[FileEntry]| {
        if !is_copy(layout) {
            return side;
        }
        let own: BTreeSet<String> = side.entries.iter().map(|e| e.path.clone()).collect();
        if !is_copy(other) {
            side.entries
                .extend(from.iter().filter(|e| !own.contains(&e.path)).cloned());
            side.entries.sort_by(|a, b| a.path.cmp(&b.path));
        }
        side.own = Some(own);
        side
    };
    let old_side = lend(
        old_listed.clone(),
        &layouts[0],
        &layouts[1],
        &new_listed.entries,
    );
    let new_side = lend(new_listed, &layouts[1], &layouts[0], &old_listed.entries);
    Ok(([old_side, new_side], lender_first))
}

/// Keeps what concerns the headers every copy side has (a header missing from a copy is not a
/// removal, and what it borrows is no part of it).
pub fn restrict(report: &mut DiffReport, sides: &[&Listed]) {
    let owns: Vec<&BTreeSet<String>> = sides.iter().filter_map(|s| s.own.as_ref()).collect();
    if owns.is_empty() {
        return;
    }
    let kept = |file: &str| owns.iter().all(|own| own.contains(file));
    report.changes.retain(|c| kept(&c.file));
    report.unparsed.retain(|u| kept(&u.file));
    report.notes.retain(|n| kept(&n.file));
    report.summary = Summary::of(&report.changes);
}

/// `uapi-diff diff OLD NEW`.
pub fn diff_trees(old: &Tree, new: &Tree, opts: &Options) -> Result<DiffReport, Error> {
    diff_trees_cached(old, new, opts, &ParseCache::default())
}

/// `diff_trees` with a parse cache the caller keeps (to parse more blobs of the same repository
/// afterwards without parsing these again).
pub fn diff_trees_cached(
    old: &Tree,
    new: &Tree,
    opts: &Options,
    cache: &ParseCache,
) -> Result<DiffReport, Error> {
    if let Some(report) = persist::load_report(old, new, opts) {
        return Ok(report);
    }
    let report = compute_diff(old, new, opts, cache)?;
    persist::save_report(old, new, opts, &report);
    Ok(report)
}

/// `diff_trees_cached` without the stored diff: from the stored sides (both stored), incrementally,
/// or fully (then storing both sides).
fn compute_diff(
    old: &Tree,
    new: &Tree,
    opts: &Options,
    cache: &ParseCache,
) -> Result<DiffReport, Error> {
    if let Some(report) = stored_report(old, new, opts) {
        return Ok(report);
    }
    let ([old_side, new_side], new_first) = list_pair(old, new, opts, cache)?;
    let kms_sources = match opts.kms {
        true => Some([list_kms_sources(old)?, list_kms_sources(new)?]),
        false => None,
    };
    let sides = [&old_side, &new_side];
    let definitions_changed = match &kms_sources {
        Some([old_sources, _]) => kms_definitions_changed([old, new], old_sources, cache)?,
        None => false,
    };
    // Changed definitions may change which KMS properties a build compiles: the full diff then.
    if !definitions_changed {
        if let Some(report) =
            incremental::diff([old, new], sides, kms_sources.as_ref(), opts, cache)?
        {
            return Ok(report);
        }
    }
    let [old_sources, new_sources] = match &kms_sources {
        Some([o, n]) => [Some(&o[..]), Some(&n[..])],
        None => [None, None],
    };
    let (mut old_snap, mut new_snap) = model_pair(
        [old, new],
        [&old_side, &new_side],
        [old_sources, new_sources],
        new_first,
        cache,
        opts,
    )?;
    if persist::keeps(old, opts) && persist::keeps(new, opts) {
        old_snap = persist::save(old, opts, &old_side, old_sources, old_snap);
        new_snap = persist::save(new, opts, &new_side, new_sources, new_snap);
    }
    // A diff reports the notes of the files it covers (as the incremental diff computes them).
    let mut touched = old_side.touched(&new_side);
    if let Some([old_sources, new_sources]) = &kms_sources {
        touched.extend(incremental::touched(old_sources, new_sources));
    }
    incremental::retain_notes(&mut old_snap, old_side.notes.len(), &touched);
    incremental::retain_notes(&mut new_snap, new_side.notes.len(), &touched);
    let mut report = report_with(&old_snap, &new_snap, &opts.enum_roles);
    restrict(&mut report, &[&old_side, &new_side]);
    Ok(report)
}

/// Both sides' snapshots, as a walk's step computes them (`history::visit`): the first side is
/// modelled while its DRM sources are read and parsed, then the second on the first's kept
/// listings (a header whose translation unit is unchanged is not listed again) while the first's
/// KMS properties are resolved. A side lending headers to a copy goes first (`second_first`): the
/// copy's listing holds them, read from the lender.
fn model_pair(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    kms_sources: [Option<&[FileEntry]>; 2],
    second_first: bool,
    cache: &ParseCache,
    opts: &Options,
) -> Result<(Snapshot, Snapshot), Error> {
    let (a, b) = if second_first { (1, 0) } else { (0, 1) };
    let model = |s: usize| -> Result<(Snapshot, Option<kms::Prepared>), Error> {
        let sources = kms_sources[s].filter(|_| kms_properties_wanted(trees[s], opts));
        let (snap, prepared) = rayon::join(
            || model_snapshot(trees[s], &sides[s].entries, sides[s], cache, opts),
            || {
                sources
                    .map(|sources| prepare_kms_sources(trees[s], sources, cache))
                    .transpose()
            },
        );
        Ok((snap?, prepared?))
    };
    let finish = |s: usize, (mut snap, prepared): (Snapshot, Option<kms::Prepared>)| {
        if let (Some(sources), Some(prepared)) = (kms_sources[s], prepared) {
            add_kms_properties(trees[s], sources, Some(prepared), &mut snap, cache)?;
        }
        Ok::<_, Error>(snap)
    };
    cache.keep_listings(true);
    cache.keep_listings_by_projection(false);
    let first = model(a);
    cache.keep_listings(false);
    let both = first.and_then(|first| {
        let (first, second) = rayon::join(|| finish(a, first), || model(b));
        Ok((first?, second?))
    });
    cache.forget_listings();
    let (first, second) = both?;
    let second = finish(b, second)?;
    Ok(if second_first {
        (second, first)
    } else {
        (first, second)
    })
}

/// The diff of two kernel trees both stored by an earlier run, as `diff_trees_cached` computes it:
/// the notes of the files whose blobs differ, and the listings'.
fn stored_report(old: &Tree, new: &Tree, opts: &Options) -> Option<DiffReport> {
    if !(persist::contains(old, opts) && persist::contains(new, opts)) {
        return None;
    }
    let mut old = persist::load(old, opts)?;
    let mut new = persist::load(new, opts)?;
    let mut touched = incremental::touched(&old.headers, &new.headers);
    touched.extend(incremental::touched(&old.surface_files, &new.surface_files));
    if let (Some(o), Some(n)) = (&old.kms_sources, &new.kms_sources) {
        touched.extend(incremental::touched(o, n));
    }
    incremental::retain_notes(&mut old.snapshot, old.listing_notes, &touched);
    incremental::retain_notes(&mut new.snapshot, new.listing_notes, &touched);
    Some(report_with(&old.snapshot, &new.snapshot, &opts.enum_roles))
}
