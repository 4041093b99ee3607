//! Reading a snapshot's text back into the model it was written from (formats 1 and 2).

use super::{
    property, ElsewhereLine, EnumMembersLine, Header, ItemLine, LinesLine, NoteLine, UnparsedLine,
    ELSEWHERE, END, ENUM_MEMBERS, LAYOUT_TREE, LINES, MAGIC, NOTE, PROPERTY, UNPARSED, VERSION,
};
use crate::change::{ItemKind, Note, Revision};
use crate::error::Error;
use crate::kms::{KmsModel, Property};
use crate::model::{Arch, EnumMembers, Item, ItemKey, Model, UnparsedRegion};
use crate::pipeline::Snapshot;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Format 1: line numbers inside item and property lines; no enum member order and no other
/// arches' names (rules then judge enumerators and removals on the facts alone).
const FIRST_VERSION: u32 = 1;

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
    let (version, header) = parse_header(first).map_err(|reason| error(1, reason))?;
    let arch = Arch::by_name(&header.arch)
        .ok_or_else(|| error(1, format!("unknown arch `{}`", header.arch)))?;
    let mut read = Lines {
        version,
        revision: header.revision.clone(),
        ..Lines::default()
    };
    let mut end = None;
    for (number, line) in lines {
        if end.is_some() {
            return Err(error(number, "text after the `end` line".to_string()));
        }
        let (tag, body) = line.split_once(' ').unwrap_or((line, ""));
        if tag == END {
            let count: usize = body
                .parse()
                .map_err(|_| error(number, format!("`end` needs a line count, not `{body}`")))?;
            if count != number - 1 {
                return Err(error(
                    number,
                    format!("`end` counts {count} lines before it, the file has {}: lines were added or removed", number - 1),
                ));
            }
            end = Some(number);
        } else {
            read.take(number, tag, body)
                .map_err(|reason| error(number, reason))?;
        }
    }
    let Some(end) = end else {
        let last = text.lines().count();
        return Err(error(
            last,
            "truncated: the last line is not `end N`".to_string(),
        ));
    };
    read.locate()
        .map_err(|(line, reason)| error(line.unwrap_or(end), reason))?;
    let revision = Revision {
        revision: header.revision.clone(),
        commit: header.commit.clone(),
        arch: header.arch.clone(),
        layout: (header.layout != LAYOUT_TREE).then(|| header.layout.clone()),
    };
    let model = Model {
        revision: header.revision.clone(),
        arch,
        items: read.items.into_iter().collect(),
        unparsed: read.unparsed,
        notes: Vec::new(),
        consulted: Default::default(),
        enums: read.enums,
        elsewhere: read.elsewhere,
        types_headers: Default::default(),
    };
    let kms = header.kms.then(|| KmsModel {
        properties: read.properties,
        ..KmsModel::default()
    });
    Ok(Snapshot {
        revision,
        model,
        kms,
        notes: read.notes,
    })
}

fn parse_header(first: &str) -> Result<(u32, Header), String> {
    let mut words = first.splitn(3, ' ');
    if words.next() != Some(MAGIC) {
        return Err(format!(
            "not a uapi-diff snapshot: the first line does not start with `{MAGIC}`"
        ));
    }
    let version = words.next().unwrap_or_default();
    let version = match version.parse::<u32>() {
        Ok(v @ (FIRST_VERSION | VERSION)) => v,
        Ok(v) => {
            return Err(format!(
                "snapshot format version {v}: this uapi-diff reads versions {FIRST_VERSION} to {VERSION} (write it again with `uapi-diff dump REV --format snapshot`)"
            ))
        }
        Err(_) => return Err(format!("`{version}` is no format version")),
    };
    let header =
        serde_json::from_str(words.next().unwrap_or_default()).map_err(|e| e.to_string())?;
    Ok((version, header))
}

/// What a snapshot's lines hold, as they are read; `locate` then sets the line numbers from the
/// `lines` section (format 2).
#[derive(Default)]
struct Lines {
    version: u32,
    revision: String,
    items: BTreeMap<ItemKey, Item>,
    properties: Vec<Property>,
    enums: Vec<EnumMembers>,
    unparsed: Vec<UnparsedRegion>,
    notes: Vec<Note>,
    elsewhere: BTreeMap<String, BTreeSet<String>>,
    /// Each file's items and properties (indices into `properties`) in the order of their lines,
    /// with the line number of the first.
    by_file: BTreeMap<String, Located>,
    /// Each file's `lines` line, with its line number.
    locations: BTreeMap<String, (usize, LinesLine)>,
}

#[derive(Default)]
struct Located {
    first: usize,
    items: Vec<ItemKey>,
    properties: Vec<usize>,
}

impl Lines {
    fn newer(&self) -> bool {
        self.version > FIRST_VERSION
    }

    fn file(&mut self, file: &str, number: usize) -> &mut Located {
        self.by_file
            .entry(file.to_string())
            .or_insert_with(|| Located {
                first: number,
                ..Located::default()
            })
    }

    /// One line (neither the first nor `end`), numbered `number`.
    fn take(&mut self, number: usize, tag: &str, body: &str) -> Result<(), String> {
        match tag {
            PROPERTY => {
                let p: Property = if self.newer() {
                    from_json::<property::Read>(body)?.0
                } else {
                    from_json(body)?
                };
                let index = self.properties.len();
                self.file(&p.file, number).properties.push(index);
                self.properties.push(p);
            }
            UNPARSED => {
                let u: UnparsedLine = from_json(body)?;
                self.unparsed.push(UnparsedRegion {
                    file: u.file,
                    line: u.line,
                    end_line: u.end_line,
                    identifiers: u.identifiers,
                });
            }
            NOTE => {
                let n: NoteLine = from_json(body)?;
                self.notes.push(Note {
                    revision: self.revision.clone(),
                    file: n.file,
                    line: n.line,
                    message: n.message,
                });
            }
            ENUM_MEMBERS if self.newer() => {
                let e: EnumMembersLine = from_json(body)?;
                self.enums.push(EnumMembers {
                    file: e.file,
                    tag: e.tag,
                    members: e.members,
                });
            }
            ELSEWHERE if self.newer() => {
                let e: ElsewhereLine = from_json(body)?;
                for name in e.names {
                    self.elsewhere
                        .entry(name)
                        .or_default()
                        .insert(e.file.clone());
                }
            }
            LINES if self.newer() => {
                let l: LinesLine = from_json(body)?;
                if self.locations.contains_key(&l.file) {
                    return Err(format!("a second `lines` line for {}", l.file));
                }
                self.locations.insert(l.file.clone(), (number, l));
            }
            _ => {
                let (key, item) = self.item(tag, body)?;
                let id = crate::change::item_id(key.kind, key.parent.as_deref(), &key.name);
                if self.items.contains_key(&key) {
                    return Err(format!("{id} is listed twice"));
                }
                self.file(&key.file, number).items.push(key.clone());
                self.items.insert(key, item);
            }
        }
        Ok(())
    }

    /// One item line: its kind is the tag.
    fn item(&self, tag: &str, body: &str) -> Result<(ItemKey, Item), String> {
        let kind = ItemKind::deserialize(StrDeserializer::<ValueError>::new(tag))
            .map_err(|_| format!("unknown line tag `{tag}`"))?;
        let line: ItemLine = from_json(body)?;
        let number = match (line.line, self.newer()) {
            (Some(n), false) => n,
            // Set by `locate`.
            (None, true) => 0,
            (None, false) => return Err("missing field `line`".to_string()),
            (Some(_), true) => {
                return Err(format!(
                    "`line` in an item line: format {} keeps line numbers in `lines` lines",
                    self.version
                ))
            }
        };
        let key = ItemKey {
            file: line.file,
            kind,
            parent: line.parent,
            name: line.name,
        };
        let item = Item {
            line: number,
            facts: line.facts,
            decl: line.decl.into(),
        };
        Ok((key, item))
    }

    /// Format 2: sets every item's and property's line from its file's `lines` line, which must
    /// list exactly one per item line and property line. Errors carry the line to blame (None: the
    /// `end` line).
    fn locate(&mut self) -> Result<(), (Option<usize>, String)> {
        if !self.newer() {
            return Ok(());
        }
        for (file, located) in &self.by_file {
            let Some((number, lines)) = self.locations.get(file) else {
                return Err((
                    Some(located.first),
                    format!("no `lines` line gives the line numbers of {file}"),
                ));
            };
            let (items, properties) = (located.items.len(), located.properties.len());
            if lines.items.len() != items || lines.properties.len() != properties {
                return Err((
                    Some(*number),
                    format!(
                        "{file}: {} item and {} property line numbers for {items} item and {properties} property lines",
                        lines.items.len(),
                        lines.properties.len()
                    ),
                ));
            }
            for (key, line) in located.items.iter().zip(&lines.items) {
                if let Some(item) = self.items.get_mut(key) {
                    item.line = *line;
                }
            }
            for (index, line) in located.properties.iter().zip(&lines.properties) {
                self.properties[*index].line = *line;
            }
        }
        if let Some((file, (number, _))) = self
            .locations
            .iter()
            .find(|(file, _)| !self.by_file.contains_key(*file))
        {
            return Err((
                Some(*number),
                format!("`lines` for {file}, which has no item or property line"),
            ));
        }
        Ok(())
    }
}

fn from_json<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| e.to_string())
}
