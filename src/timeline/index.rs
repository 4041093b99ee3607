//! The since-index: every item a walk saw, with the revision it first appears in, the revisions
//! where its facts changed and the last revision that has it, per arch. Items are followed by
//! their id (`change::item_id`, which names no file: an item that moves between headers stays one
//! item, as the diff's `moved` rule says), and "changed" is what the diff of that step says
//! (`same_meaning`, so a respelling is no change). Which kinds exist is the models' business: a
//! kind added to the models (syscalls, netlink) is indexed without a line here.

use crate::change::area::{group_of, group_of_item, Area};
use crate::change::{ChangeKind, DiffReport, Facts, ItemKind};
use crate::kms;
use crate::pipeline::Snapshot;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// The rule of a removal and an addition that are one item changing headers with its facts.
const MOVED: &str = "moved";

/// What happened to an item at one revision of the walk (its per-item history).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Present at the first revision of the walk.
    Present,
    Added,
    Changed,
    Removed,
    /// Present again after a revision without it.
    Returned,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Present => "present",
            Event::Added => "added",
            Event::Changed => "changed",
            Event::Removed => "removed",
            Event::Returned => "returned",
        }
    }
}

/// One arch's view of an item, revisions as indices into the walk.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ArchTrack {
    first: usize,
    /// The last revision that has it (so far).
    last: usize,
    changed: Vec<usize>,
    /// Its number or value at `last` (`headline`).
    value: String,
}

/// An item of the index, as it is built.
#[derive(Clone, Debug)]
struct Track {
    kind: ItemKind,
    name: String,
    parent: Option<String>,
    file: String,
    owner: Option<String>,
    /// One per arch walked, in walk order; None while the arch never had it.
    arches: Vec<Option<ArchTrack>>,
    /// The first arch's history: what happened at each revision where something did, with the
    /// facts it had then (none once removed).
    events: Vec<(usize, Event, Option<Facts>)>,
}

/// One item as a revision's model has it.
struct Seen<'s> {
    kind: ItemKind,
    name: &'s str,
    parent: Option<&'s str>,
    file: &'s str,
    owner: Option<&'s str>,
    facts: &'s Facts,
}

/// The since-index being built over a walk: fold each revision of each arch in order.
#[derive(Debug)]
pub struct Builder {
    revisions: Vec<String>,
    arches: Vec<String>,
    tracks: BTreeMap<String, Track>,
    /// Whether to keep each item's `events` (the report shows them; the index alone does not).
    with_events: bool,
    /// Items per area at each revision of the first arch.
    totals: Vec<BTreeMap<Area, usize>>,
}

impl Builder {
    pub fn new(arches: Vec<String>, with_events: bool) -> Builder {
        Builder {
            with_events,
            revisions: Vec::new(),
            arches,
            tracks: BTreeMap::new(),
            totals: Vec::new(),
        }
    }

    /// Revision `rev` of arch number `arch` (walk order), with the diff from revision `rev - 1`.
    pub fn fold(&mut self, arch: usize, rev: usize, snap: &Snapshot, step: Option<&DiffReport>) {
        let kms_items = snap.kms.as_ref().map(kms::items).unwrap_or_default();
        // An id in several headers at once is one item: its first file in path order speaks for it.
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        for (key, item) in &snap.model.items {
            let id = crate::change::item_id(key.kind, key.parent.as_deref(), &key.name);
            seen.entry(id).or_insert(Seen {
                kind: key.kind,
                name: &key.name,
                parent: key.parent.as_deref(),
                file: &key.file,
                owner: None,
                facts: &item.facts,
            });
        }
        for k in &kms_items {
            seen.entry(k.id.clone()).or_insert(Seen {
                kind: k.kind,
                name: &k.name,
                parent: k.parent.as_deref(),
                file: &k.file,
                owner: Some(&k.owner),
                facts: &k.facts,
            });
        }
        // What the diff of this step reports, a pure move (same facts, another header) aside.
        let touched: HashSet<&str> = step
            .map(|s| {
                s.changes
                    .iter()
                    .filter(|c| c.rule != MOVED)
                    .map(|c| c.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let first_arch = arch == 0;
        if first_arch {
            self.revisions.push(snap.revision.revision.clone());
            let mut totals = BTreeMap::new();
            for s in seen.values() {
                *totals
                    .entry(group_of_item(s.owner, s.file).area)
                    .or_default() += 1;
            }
            self.totals.push(totals);
        }
        let width = self.arches.len();
        for (id, s) in &seen {
            let track = self.tracks.entry(id.clone()).or_insert_with(|| Track {
                kind: s.kind,
                name: s.name.to_string(),
                parent: s.parent.map(str::to_string),
                file: s.file.to_string(),
                owner: s.owner.map(str::to_string),
                arches: vec![None; width],
                events: Vec::new(),
            });
            let event = match &mut track.arches[arch] {
                slot @ None => {
                    *slot = Some(ArchTrack {
                        first: rev,
                        last: rev,
                        changed: Vec::new(),
                        value: headline(s.facts),
                    });
                    Some(if rev == 0 {
                        Event::Present
                    } else {
                        Event::Added
                    })
                }
                Some(t) => {
                    let event = match t.last + 1 == rev {
                        true => touched.contains(id.as_str()).then_some(Event::Changed),
                        false => Some(Event::Returned),
                    };
                    if event.is_some() {
                        t.changed.push(rev);
                        t.value = headline(s.facts);
                    }
                    t.last = rev;
                    event
                }
            };
            // The header it is in now (an item that moved is shown where it went).
            if first_arch && track.file != s.file {
                track.file = s.file.to_string();
            }
            if let (true, true, Some(event)) = (self.with_events, first_arch, event) {
                track.events.push((rev, event, Some(s.facts.clone())));
            }
        }
        if self.with_events && first_arch && rev > 0 {
            for (id, track) in self.tracks.iter_mut() {
                let gone = matches!(&track.arches[0], Some(t) if t.last + 1 == rev);
                if gone && !seen.contains_key(id) {
                    track.events.push((rev, Event::Removed, None));
                }
            }
        }
    }

    pub fn finish(self) -> Index {
        let final_rev = self.revisions.len().saturating_sub(1);
        let label = |i: usize| self.revisions[i].clone();
        let all_arches = self.arches.len() > 1;
        let items = self
            .tracks
            .into_iter()
            .map(|(id, t)| {
                let present: Vec<(&String, &ArchTrack)> = self
                    .arches
                    .iter()
                    .zip(&t.arches)
                    .filter_map(|(a, t)| Some((a, t.as_ref()?)))
                    .collect();
                let first = present.iter().map(|(_, a)| a.first).min().unwrap_or(0);
                let last = present.iter().map(|(_, a)| a.last).max().unwrap_or(0);
                let mut changed: Vec<usize> = present
                    .iter()
                    .flat_map(|(_, a)| a.changed.iter().copied())
                    .collect();
                changed.sort_unstable();
                changed.dedup();
                let gone = |last: usize| (last < final_rev).then(|| label(last));
                let per_arch = all_arches.then(|| {
                    present
                        .iter()
                        .map(|(arch, a)| ArchEntry {
                            arch: arch.to_string(),
                            first: label(a.first),
                            changed: a.changed.iter().map(|&r| label(r)).collect(),
                            last: gone(a.last),
                            value: a.value.clone(),
                        })
                        .collect()
                });
                let value = match (all_arches, present.first()) {
                    (false, Some((_, a))) => Some(a.value.clone()),
                    _ => None,
                };
                let area = group_of_item(t.owner.as_deref(), &t.file).area;
                Entry {
                    id,
                    kind: t.kind,
                    name: t.name,
                    parent: t.parent,
                    file: t.file,
                    area,
                    first: label(first),
                    changed: changed.iter().map(|&r| label(r)).collect(),
                    last: gone(last),
                    value,
                    arches: per_arch,
                    events: t
                        .events
                        .into_iter()
                        .map(|(rev, event, facts)| (label(rev), event, facts))
                        .collect(),
                    on_arches: None,
                }
            })
            .collect();
        Index {
            revisions: self.revisions,
            arches: self.arches,
            items,
            totals: self.totals,
        }
    }
}

/// The since-index of a walk (`uapi-diff since`): docs/since.md is its contract.
#[derive(Serialize, Clone, Debug)]
pub struct Index {
    /// The revisions walked, in order.
    pub revisions: Vec<String>,
    /// The arches walked (one, or every arch with `--all-arches`).
    pub arches: Vec<String>,
    pub items: Vec<Entry>,
    /// Items per area at each revision (the first arch's), for the growth chart.
    #[serde(skip)]
    pub totals: Vec<BTreeMap<Area, usize>>,
}

/// One item of the index.
#[derive(Serialize, Clone, Debug)]
pub struct Entry {
    pub id: String,
    pub kind: ItemKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The header (or DRM source, for a KMS property) it is in at the last revision that has it.
    pub file: String,
    pub area: Area,
    /// The first revision that has it (on any arch walked).
    pub first: String,
    /// The revisions whose diff from the one before changes its facts (on any arch), and those
    /// where it is back after a revision without it.
    pub changed: Vec<String>,
    /// The last revision that has it; absent while the last revision walked has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// One arch walked: its number, value or size at `last` (or at the end), see docs/since.md.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `--all-arches`: each arch that has it at some revision, in walk order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arches: Option<Vec<ArchEntry>>,
    /// The first arch's history (for the HTML report): revision, what happened, facts then.
    #[serde(skip)]
    pub events: Vec<(String, Event, Option<Facts>)>,
    /// An `--all-arches` diff's entry: the arches it holds for (one item may have an entry per
    /// group of arches with equal facts).
    #[serde(skip)]
    pub on_arches: Option<Vec<String>>,
}

/// An item on one arch.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct ArchEntry {
    pub arch: String,
    pub first: String,
    pub changed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    pub value: String,
}

impl Entry {
    /// Whether anything happened to it during the walk (not only present throughout, unchanged).
    pub fn eventful(&self) -> bool {
        self.events.iter().any(|(_, e, _)| *e != Event::Present)
    }
}

/// The index of one diff: its changed items, each with its facts on both sides.
pub fn of_changes(report: &DiffReport) -> Index {
    let (old, new) = (&report.old.revision, &report.new.revision);
    let items = report
        .changes
        .iter()
        .map(|c| {
            let before = (old.clone(), Event::Present, c.old.clone());
            let events = match c.change {
                ChangeKind::Added => vec![(new.clone(), Event::Added, c.new.clone())],
                ChangeKind::Changed => vec![before, (new.clone(), Event::Changed, c.new.clone())],
                ChangeKind::Removed => vec![before, (new.clone(), Event::Removed, None)],
            };
            Entry {
                id: c.id.clone(),
                kind: c.kind,
                name: c.name.clone(),
                parent: c.parent.clone(),
                file: c.file.clone(),
                area: group_of(c).area,
                first: match c.change {
                    ChangeKind::Added => new.clone(),
                    _ => old.clone(),
                },
                changed: match c.change {
                    ChangeKind::Changed => vec![new.clone()],
                    _ => Vec::new(),
                },
                last: (c.change == ChangeKind::Removed).then(|| old.clone()),
                value: c.new.as_ref().or(c.old.as_ref()).map(headline),
                arches: None,
                events,
                on_arches: c.arches.clone(),
            }
        })
        .collect();
    Index {
        revisions: vec![old.clone(), new.clone()],
        arches: report
            .arches
            .clone()
            .unwrap_or_else(|| vec![report.new.arch.clone()]),
        items,
        totals: Vec::new(),
    }
}

/// The facts a table of numbers shows for an item, whatever its kind: the first of its facts'
/// `number`, `value`, `offset`, `size`, `text` and `type` that is known, as a decimal integer or
/// the text; else `?` for an unresolved item and nothing for the others (a header). A syscall's
/// `number`, an ioctl's request number, a constant's value, a field's offset, a struct's size.
pub fn headline(facts: &Facts) -> String {
    const KEYS: [&str; 6] = ["number", "value", "offset", "size", "text", "type"];
    let json = serde_json::to_value(facts).unwrap_or_default();
    let known = KEYS
        .iter()
        .filter_map(|k| json.get(k))
        .find_map(|v| match v {
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        });
    let unknown = || match facts.unresolved() {
        Some(_) => "?".to_string(),
        None => String::new(),
    };
    known.unwrap_or_else(unknown)
}

/// `--format json`: the index, one object per item.
pub fn json(index: &Index) -> String {
    let mut s = serde_json::to_string_pretty(index).expect("the index serializes");
    s.push('\n');
    s
}

/// `--format tsv`: a header line, then one line per item: `id kind name first changed last`, then
/// for each arch walked its value and first revision (`x86 x86_first arm64 arm64_first …`), empty
/// where the arch never has it. `changed` is comma-separated; `last` is empty while it exists.
pub fn tsv(index: &Index) -> String {
    let mut out = String::from("id\tkind\tname\tfirst\tchanged\tlast");
    for arch in &index.arches {
        out.push_str(&format!("\t{arch}\t{arch}_first"));
    }
    out.push('\n');
    for e in &index.items {
        let mut cols = vec![
            e.id.clone(),
            e.kind.as_str().to_string(),
            e.name.clone(),
            e.first.clone(),
            e.changed.join(","),
            e.last.clone().unwrap_or_default(),
        ];
        for arch in &index.arches {
            let (value, first) = match (&e.arches, &e.value) {
                (Some(per_arch), _) => per_arch
                    .iter()
                    .find(|a| &a.arch == arch)
                    .map(|a| (a.value.clone(), a.first.clone()))
                    .unwrap_or_default(),
                (None, Some(value)) => (value.clone(), e.first.clone()),
                (None, None) => Default::default(),
            };
            cols.push(value);
            cols.push(first);
        }
        // A tab or newline in a value (a define's text) would break the columns.
        let cols: Vec<String> = cols.iter().map(|c| c.replace(['\t', '\n'], " ")).collect();
        out.push_str(&cols.join("\t"));
        out.push('\n');
    }
    out
}
