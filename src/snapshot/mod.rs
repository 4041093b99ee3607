//! uAPI snapshots: one revision's uAPI as a text file that can be committed beside the code and
//! stands in for that revision on either side of `diff`, `checklist` and `history` (README,
//! "Snapshots"). `write` renders a [`pipeline::Snapshot`] one line per item, sorted, so that a
//! changed item shows as a changed line in a patch; `read` parses it back into the same model, so
//! that diffing against the file gives the changes diffing against the revision gives.
//!
//! Layout: a first line `uapi-diff-snapshot VERSION {header}`, then one `TAG {json}` line per item
//! (TAG is the item kind), KMS property (`property`), unparsed region (`unparsed`) and note
//! (`note`), and a last line `end N` counting the lines before it (a truncated file has none).

mod facts;

use crate::change::{DiffReport, Note, Revision};
use crate::change::{Facts, ItemKind};
use crate::error::Error;
use crate::kms::{KmsModel, Property};
use crate::model::{Arch, Item, ItemKey, Model, UnparsedRegion};
use crate::pipeline::{self, Options, ParseCache, Snapshot};
use crate::source::Tree;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The first word of every snapshot.
pub const MAGIC: &str = "uapi-diff-snapshot";
/// The format version this build writes and reads. Readers refuse other versions.
pub const VERSION: u32 = 1;
/// The `layout` of a kernel tree (a git revision or an unpacked tree); other directory sides name
/// theirs (`installed`, `multiarch`, `copy`: `source::layout`).
const LAYOUT_TREE: &str = "tree";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
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
    line: u32,
    #[serde(with = "facts::Tagged")]
    facts: Facts,
    decl: String,
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

const PROPERTY: &str = "property";
const UNPARSED: &str = "unparsed";
const NOTE: &str = "note";
const END: &str = "end";

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("snapshot lines serialize")
}

/// `uapi-diff dump REV --format snapshot`.
pub fn write(snap: &Snapshot) -> String {
    let header = Header {
        revision: snap.revision.revision.clone(),
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
    for (key, item) in &snap.model.items {
        let line = ItemLine {
            name: key.name.clone(),
            parent: key.parent.clone(),
            file: key.file.clone(),
            line: item.line,
            facts: item.facts.clone(),
            decl: item.decl.clone(),
        };
        lines.push(format!("{} {}", key.kind.as_str(), json(&line)));
    }
    let mut properties: Vec<&Property> = snap.kms.iter().flat_map(|k| &k.properties).collect();
    properties.sort_by(|a, b| {
        (&a.owner, &a.name, &a.file, a.line).cmp(&(&b.owner, &b.name, &b.file, b.line))
    });
    lines.extend(properties.iter().map(|p| format!("{PROPERTY} {}", json(p))));
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

/// Parses a snapshot's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Snapshot, Error> {
    let error = |line: usize, reason: String| Error::Snapshot {
        file: file.to_string(),
        line: line as u32,
        reason,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (_, first) = lines
        .next()
        .ok_or_else(|| error(1, "empty file: not a uapi-diff snapshot".to_string()))?;
    let header = parse_header(first).map_err(|reason| error(1, reason))?;
    let arch = Arch::by_name(&header.arch)
        .ok_or_else(|| error(1, format!("unknown arch `{}`", header.arch)))?;
    let revision = Revision {
        revision: header.revision.clone(),
        commit: header.commit.clone(),
        arch: header.arch.clone(),
        layout: (header.layout != LAYOUT_TREE).then(|| header.layout.clone()),
    };
    let mut items: BTreeMap<ItemKey, Item> = BTreeMap::new();
    let mut properties = Vec::new();
    let mut unparsed = Vec::new();
    let mut notes = Vec::new();
    let mut end = None;
    for (number, line) in lines {
        if end.is_some() {
            return Err(error(number, "text after the `end` line".to_string()));
        }
        let (tag, body) = line.split_once(' ').unwrap_or((line, ""));
        let parsed: Result<(), String> = match tag {
            END => {
                let count: usize = body.parse().map_err(|_| {
                    error(number, format!("`end` needs a line count, not `{body}`"))
                })?;
                if count != number - 1 {
                    return Err(error(
                        number,
                        format!("`end` counts {count} lines before it, the file has {}: lines were added or removed", number - 1),
                    ));
                }
                end = Some(number);
                Ok(())
            }
            PROPERTY => serde_json::from_str::<Property>(body)
                .map(|p| properties.push(p))
                .map_err(|e| e.to_string()),
            UNPARSED => serde_json::from_str::<UnparsedLine>(body)
                .map(|u| {
                    unparsed.push(UnparsedRegion {
                        file: u.file,
                        line: u.line,
                        end_line: u.end_line,
                        identifiers: u.identifiers,
                    })
                })
                .map_err(|e| e.to_string()),
            NOTE => serde_json::from_str::<NoteLine>(body)
                .map(|n| {
                    notes.push(Note {
                        revision: header.revision.clone(),
                        file: n.file,
                        line: n.line,
                        message: n.message,
                    })
                })
                .map_err(|e| e.to_string()),
            _ => item(tag, body).and_then(|(key, item)| {
                let id = crate::change::item_id(key.kind, key.parent.as_deref(), &key.name);
                match items.insert(key, item) {
                    Some(_) => Err(format!("{id} is listed twice")),
                    None => Ok(()),
                }
            }),
        };
        parsed.map_err(|reason| error(number, reason))?;
    }
    if end.is_none() {
        let last = text.lines().count();
        return Err(error(
            last,
            "truncated: the last line is not `end N`".to_string(),
        ));
    }
    let model = Model {
        revision: header.revision.clone(),
        arch,
        items,
        unparsed,
        notes: Vec::new(),
        consulted: Default::default(),
        enums: Vec::new(),
        elsewhere: Default::default(),
    };
    let kms = header.kms.then(|| KmsModel {
        properties,
        ..KmsModel::default()
    });
    Ok(Snapshot {
        revision,
        model,
        kms,
        notes,
    })
}

fn parse_header(first: &str) -> Result<Header, String> {
    let mut words = first.splitn(3, ' ');
    if words.next() != Some(MAGIC) {
        return Err(format!(
            "not a uapi-diff snapshot: the first line does not start with `{MAGIC}`"
        ));
    }
    let version = words.next().unwrap_or_default();
    match version.parse::<u32>() {
        Ok(VERSION) => {}
        Ok(v) => {
            return Err(format!(
                "snapshot format version {v}: this uapi-diff reads version {VERSION} (write it again with `uapi-diff dump REV --format snapshot`)"
            ))
        }
        Err(_) => return Err(format!("`{version}` is no format version")),
    }
    serde_json::from_str(words.next().unwrap_or_default()).map_err(|e| e.to_string())
}

/// One item line: its kind is the tag.
fn item(tag: &str, body: &str) -> Result<(ItemKey, Item), String> {
    let kind = ItemKind::deserialize(StrDeserializer::<ValueError>::new(tag))
        .map_err(|_| format!("unknown line tag `{tag}`"))?;
    let line: ItemLine = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let key = ItemKey {
        file: line.file,
        kind,
        parent: line.parent,
        name: line.name,
    };
    let item = Item {
        line: line.line,
        facts: line.facts,
        decl: line.decl,
    };
    Ok((key, item))
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
        match self {
            Side::Tree(tree) => {
                let (entries, notes) = pipeline::list_headers(tree, opts)?;
                pipeline::snapshot(tree, &entries, notes, cache, opts)
            }
            Side::Snapshot(path) => read(path, opts),
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
        std::fs::write(path, write(&n)).map_err(|e| Error::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    Ok(pipeline::report_with(&o, &n, &opts.enum_roles))
}
