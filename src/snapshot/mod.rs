//! uAPI snapshots: one revision's uAPI as a text file that can be committed beside the code and
//! stands in for that revision on either side of `diff`, `checklist` and `history`
//! (docs/snapshot.md). `write` renders a [`pipeline::Snapshot`] one line per item, sorted, so that a
//! changed item shows as a changed line in a patch; `parse` reads it back into the same model, so
//! that diffing against the file gives the changes and verdicts diffing against the revision gives.
//!
//! Layout (format 2): a first line `uapi-diff-snapshot VERSION {header}`; one `TAG {json}` line per
//! item (TAG is the item kind), then per enum (`enum-members`: the order rules read), KMS property
//! (`property`), unparsed region (`unparsed`), note (`note`) and header of the other arches
//! (`elsewhere`: the names it defines); then the line numbers of the items and properties, one
//! `lines` line per file, apart so that an edit above an item changes that one line and not the
//! item's; and a last line `end N` counting the lines before it (a truncated file has none).
//! Format 1 (line numbers inside item and property lines, none of the new sections) is still read.

mod property;
mod read;

/// How a snapshot line stores an item's facts, and a persistent cache too (`crate::store`).
pub(crate) use crate::change::TaggedFacts;

use crate::change::{DiffReport, Note};
use crate::error::Error;
use crate::kms::Property;
use crate::model::UnparsedRegion;
use crate::pipeline::{self, Options, ParseCache, Snapshot};
use crate::source::Tree;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use read::parse;

/// The first word of every snapshot.
pub const MAGIC: &str = "uapi-diff-snapshot";
/// The format version this build writes. It reads it and format 1; it refuses other versions.
pub const VERSION: u32 = 2;
/// The `layout` of a kernel tree (a git revision or an unpacked tree); other directory sides name
/// theirs (`installed`, `multiarch`, `copy`: `source::layout`).
const LAYOUT_TREE: &str = "tree";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    /// What the revision resolved to (`git describe --tags`, else the commit id; a directory as
    /// given): never a name that moves, such as `HEAD` (format 1 kept the name as given).
    revision: String,
    commit: Option<String>,
    arch: String,
    layout: String,
    /// Whether KMS properties were extracted (`dump` without `--no-kms`).
    kms: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemLine {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    file: String,
    /// Format 1 only: format 2 keeps line numbers in the `lines` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(with = "TaggedFacts")]
    facts: crate::change::Facts,
    decl: String,
}

/// One enum's enumerators in the order written (`model::EnumMembers`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnumMembersLine {
    file: String,
    /// The enum's tag; absent for an anonymous enum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    members: Vec<String>,
}

/// A header of another arch, or asm-generic's, and the names its text defines (`Model::elsewhere`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ElsewhereLine {
    file: String,
    names: BTreeSet<String>,
}

/// The line numbers of one file's items and KMS properties, each in the order of their lines.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinesLine {
    file: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    items: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    properties: Vec<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnparsedLine {
    file: String,
    line: u32,
    end_line: u32,
    identifiers: BTreeSet<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteLine {
    file: String,
    line: u32,
    message: String,
}

const ENUM_MEMBERS: &str = "enum-members";
const PROPERTY: &str = "property";
const UNPARSED: &str = "unparsed";
const NOTE: &str = "note";
const ELSEWHERE: &str = "elsewhere";
const LINES: &str = "lines";
const END: &str = "end";

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("snapshot lines serialize")
}

/// `uapi-diff dump REV --format snapshot`, and `diff --update`: the snapshot of `tree`, its
/// revision recorded as what it resolved to ([`Tree::resolved_name`]), not as given.
pub fn write_for(snap: &Snapshot, tree: &Tree) -> String {
    let revision = tree
        .resolved_name()
        .unwrap_or_else(|| snap.revision.revision.clone());
    render(snap, &revision)
}

/// A snapshot's text, its revision as `snap` names it: a snapshot read back writes the same bytes.
pub fn write(snap: &Snapshot) -> String {
    render(snap, &snap.revision.revision)
}

fn render(snap: &Snapshot, revision: &str) -> String {
    let header = Header {
        revision: revision.to_string(),
        commit: snap.revision.commit.clone(),
        arch: snap.revision.arch.clone(),
        layout: snap
            .revision
            .layout
            .clone()
            .unwrap_or_else(|| LAYOUT_TREE.to_string()),
        kms: snap.kms.is_some(),
    };
    let mut lines = vec![format!("{MAGIC} {VERSION} {}", json(&header))];
    // Line numbers by file, kept apart from the lines they locate.
    let mut locations: BTreeMap<&str, LinesLine> = BTreeMap::new();
    fn locate<'l, 'f>(
        locations: &'l mut BTreeMap<&'f str, LinesLine>,
        file: &'f str,
    ) -> &'l mut LinesLine {
        locations.entry(file).or_insert_with(|| LinesLine {
            file: file.to_string(),
            items: Vec::new(),
            properties: Vec::new(),
        })
    }
    for (key, item) in &snap.model.items {
        let line = ItemLine {
            name: key.name.clone(),
            parent: key.parent.clone(),
            file: key.file.clone(),
            line: None,
            facts: item.facts.clone(),
            decl: item.decl.to_string(),
        };
        lines.push(format!("{} {}", key.kind.as_str(), json(&line)));
        locate(&mut locations, &key.file).items.push(item.line);
    }
    // In the model's order (by header, then as written): a rule takes an enumerator's enum to be
    // the first of its file that lists it.
    lines.extend(snap.model.enums.iter().map(|e| {
        let line = EnumMembersLine {
            file: e.file.clone(),
            tag: e.tag.clone(),
            members: e.members.clone(),
        };
        format!("{ENUM_MEMBERS} {}", json(&line))
    }));
    let mut properties: Vec<&Property> = snap.kms.iter().flat_map(|k| &k.properties).collect();
    properties.sort_by(|a, b| {
        (&a.owner, &a.name, &a.file, a.line).cmp(&(&b.owner, &b.name, &b.file, b.line))
    });
    for p in properties {
        lines.push(format!("{PROPERTY} {}", json(&property::Line(p))));
        locate(&mut locations, &p.file).properties.push(p.line);
    }
    let mut unparsed: Vec<&UnparsedRegion> = snap.model.unparsed.iter().collect();
    unparsed.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    lines.extend(unparsed.iter().map(|u| {
        let line = UnparsedLine {
            file: u.file.clone(),
            line: u.line,
            end_line: u.end_line,
            identifiers: u.identifiers.clone(),
        };
        format!("{UNPARSED} {}", json(&line))
    }));
    let mut notes: Vec<&Note> = snap.notes.iter().collect();
    notes.sort();
    notes.dedup();
    lines.extend(notes.iter().map(|n| {
        let line = NoteLine {
            file: n.file.clone(),
            line: n.line,
            message: n.message.clone(),
        };
        format!("{NOTE} {}", json(&line))
    }));
    // By header: a header that gains a name changes its own line.
    let mut elsewhere: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, files) in &snap.model.elsewhere {
        for file in files {
            elsewhere.entry(file).or_default().insert(name.clone());
        }
    }
    lines.extend(elsewhere.into_iter().map(|(file, names)| {
        let line = ElsewhereLine {
            file: file.to_string(),
            names,
        };
        format!("{ELSEWHERE} {}", json(&line))
    }));
    lines.extend(locations.values().map(|l| format!("{LINES} {}", json(l))));
    let count = lines.len();
    lines.push(format!("{END} {count}"));
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Whether a revision argument names a snapshot file rather than a git revision or a directory.
pub fn is_snapshot_path(spec: &str) -> bool {
    Path::new(spec).is_file()
}

/// Reads a snapshot file for a run with `opts`: its arch must be `opts.arch`; without
/// `opts.kms` its KMS properties are left out.
pub fn read(path: &Path, opts: &Options) -> Result<Snapshot, Error> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Snapshot {
        file: file.clone(),
        line: 0,
        reason: e.to_string(),
    })?;
    let mut snap = parse(&file, &text)?;
    if snap.revision.arch != opts.arch.name {
        return Err(Error::Snapshot {
            file,
            line: 1,
            reason: format!(
                "made for arch {}, not --arch {}: diff it with --arch {}",
                snap.revision.arch, opts.arch.name, snap.revision.arch
            ),
        });
    }
    if !opts.kms {
        snap.kms = None;
    } else if snap.kms.is_none() {
        snap.notes.push(Note {
            revision: snap.revision.revision.clone(),
            file,
            line: 1,
            message: "snapshot made with --no-kms: KMS properties are not compared".to_string(),
        });
    }
    Ok(snap)
}

/// One side of a comparison: a revision (git or directory) or a snapshot file.
pub enum Side {
    Tree(Tree),
    Snapshot(PathBuf),
}

impl Side {
    /// A revision argument: a snapshot when it names a file, else a git revision or directory.
    pub fn open(repo: &Path, spec: &str) -> Result<Side, Error> {
        Side::open_with(spec, |spec| Ok(Tree::open(repo, spec)?))
    }

    /// As [`Side::open`], with `open_tree` opening a revision or directory (the CLI applies
    /// `--layout` there).
    pub fn open_with(
        spec: &str,
        open_tree: impl FnOnce(&str) -> Result<Tree, Error>,
    ) -> Result<Side, Error> {
        if is_snapshot_path(spec) {
            Ok(Side::Snapshot(PathBuf::from(spec)))
        } else {
            Ok(Side::Tree(open_tree(spec)?))
        }
    }

    pub fn tree(&self) -> Option<&Tree> {
        match self {
            Side::Tree(t) => Some(t),
            Side::Snapshot(_) => None,
        }
    }

    /// The side's model: computed from the tree (parsing through `cache`), or read from the file.
    pub fn snapshot(&self, opts: &Options, cache: &ParseCache) -> Result<Snapshot, Error> {
        self.modelled(opts, cache)?.finish(cache, opts)
    }

    /// Its snapshot but for the KMS properties of a revision (`pipeline::Staged`).
    pub fn modelled(
        &self,
        opts: &Options,
        cache: &ParseCache,
    ) -> Result<pipeline::Staged<'_>, Error> {
        match self {
            Side::Tree(tree) => pipeline::revision_model(tree, cache, opts),
            Side::Snapshot(path) => read(path, opts).map(pipeline::Staged::Complete),
        }
    }
}

/// `diff OLD NEW` where either may be a snapshot file. With `update`, OLD must be one: NEW's
/// snapshot is written over it (after the diff, which is still returned).
pub fn diff(
    old: &Side,
    new: &Side,
    opts: &Options,
    cache: &ParseCache,
    update: bool,
) -> Result<DiffReport, Error> {
    let target = match old {
        Side::Snapshot(path) => update.then_some(path),
        Side::Tree(tree) if update => {
            return Err(Error::UpdateNeedsSnapshot(tree.label().to_string()))
        }
        Side::Tree(_) => None,
    };
    if let (Side::Tree(o), Side::Tree(n)) = (old, new) {
        return pipeline::diff_trees_cached(o, n, opts, cache);
    }
    let (o, n) = rayon::join(|| old.snapshot(opts, cache), || new.snapshot(opts, cache));
    let (o, n) = (o?, n?);
    if let Some(path) = target {
        let text = match new {
            Side::Tree(tree) => write_for(&n, tree),
            Side::Snapshot(_) => write(&n),
        };
        std::fs::write(path, text).map_err(|e| Error::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    Ok(pipeline::report_with(&o, &n, &opts.enum_roles))
}
