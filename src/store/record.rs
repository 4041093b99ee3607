//! A stored side as bytes: JSON (facts in the snapshot file's tagged form, since `Facts`
//! serializes untagged and cannot be read back), decoded into the same `pipeline::Stored`.

use crate::arch::Arch;
use crate::change::{
    Change, ChangeKind, DiffReport, Facts, ItemKind, Note, Revision, Severity, Summary,
    UnparsedItem,
};
use crate::kms::KmsModel;
use crate::model::{self, Consulted, EnumMembers, Item, ItemKey, ItemMap, Model, UnparsedRegion};
use crate::pipeline::{Snapshot, Stored};
use crate::snapshot::TaggedFacts;
use crate::source::FileEntry;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    revision: Revision,
    model: ModelRecord,
    kms: Option<KmsModel>,
    notes: Vec<Note>,
    headers: Vec<FileEntry>,
    listing_notes: usize,
    surface_files: Vec<FileEntry>,
    kms_sources: Option<Vec<FileEntry>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRecord {
    revision: String,
    arch: String,
    #[serde(with = "items")]
    items: ItemMap,
    unparsed: Vec<UnparsedRegion>,
    notes: Vec<model::Note>,
    consulted: Consulted,
    enums: Vec<EnumMembers>,
    elsewhere: BTreeMap<String, BTreeSet<String>>,
    types_headers: BTreeSet<String>,
}

/// A model's items as a list of objects (key, line, tagged facts, declaration), written from the
/// model's map and read into one: the items are neither copied nor moved on the way out, so a
/// walk's stored revision keeps sharing its headers' items with the next one.
mod items {
    use super::*;

    #[derive(Serialize)]
    struct Out<'a> {
        key: &'a ItemKey,
        line: u32,
        #[serde(serialize_with = "tagged")]
        facts: &'a Facts,
        decl: &'a str,
    }
    fn tagged<S: Serializer>(facts: &&Facts, s: S) -> Result<S::Ok, S::Error> {
        TaggedFacts::serialize(facts, s)
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        key: ItemKey,
        line: u32,
        #[serde(with = "TaggedFacts")]
        facts: Facts,
        decl: String,
    }

    pub fn serialize<S: Serializer>(items: &ItemMap, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(items.iter().map(|(key, item)| Out {
            key,
            line: item.line,
            facts: &item.facts,
            decl: &item.decl,
        }))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ItemMap, D::Error> {
        Ok(Vec::<In>::deserialize(d)?
            .into_iter()
            .map(|i| {
                let item = Item {
                    line: i.line,
                    facts: i.facts,
                    decl: i.decl.into(),
                };
                (i.key, item)
            })
            .collect())
    }
}

/// `stored` as bytes, and `stored` back (moved through the record, not copied).
pub fn encode(stored: Stored) -> (Vec<u8>, Stored) {
    let Stored {
        snapshot,
        headers,
        listing_notes,
        surface_files,
        kms_sources,
    } = stored;
    let Snapshot {
        revision,
        model,
        kms,
        notes,
    } = snapshot;
    let arch = model.arch;
    let record = Record {
        revision,
        model: ModelRecord {
            revision: model.revision,
            arch: arch.name.to_string(),
            items: model.items,
            unparsed: model.unparsed,
            notes: model.notes,
            consulted: model.consulted,
            enums: model.enums,
            elsewhere: model.elsewhere,
            types_headers: model.types_headers,
        },
        kms,
        notes,
        headers,
        listing_notes,
        surface_files,
        kms_sources,
    };
    let bytes = serde_json::to_vec(&record).expect("a stored side serializes");
    (bytes, stored_of(record, arch))
}

/// The side `bytes` hold, or why they hold none.
pub fn decode(bytes: &[u8]) -> Result<Stored, String> {
    let record: Record = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let arch = Arch::by_name(&record.model.arch)
        .ok_or_else(|| format!("unknown arch {}", record.model.arch))?;
    Ok(stored_of(record, arch))
}

fn stored_of(record: Record, arch: &'static Arch) -> Stored {
    let m = record.model;
    let model = Model {
        revision: m.revision,
        arch,
        items: m.items,
        unparsed: m.unparsed,
        notes: m.notes,
        consulted: m.consulted,
        enums: m.enums,
        elsewhere: m.elsewhere,
        types_headers: m.types_headers,
    };
    Stored {
        snapshot: Snapshot {
            revision: record.revision,
            model,
            kms: record.kms,
            notes: record.notes,
        },
        headers: record.headers,
        listing_notes: record.listing_notes,
        surface_files: record.surface_files,
        kms_sources: record.kms_sources,
    }
}

/// A diff's report in the same JSON (its facts tagged): the remote definitions of `DiffReport` and
/// `Change`, which the compiler checks field by field against theirs.
#[derive(Serialize, Deserialize)]
#[serde(remote = "DiffReport", deny_unknown_fields)]
struct ReportDef {
    old: Revision,
    new: Revision,
    arches: Option<Vec<String>>,
    #[serde(with = "changes")]
    changes: Vec<Change>,
    unparsed: Vec<UnparsedItem>,
    summary: Summary,
    notes: Vec<Note>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Change", deny_unknown_fields)]
struct ChangeDef {
    kind: ItemKind,
    change: ChangeKind,
    name: String,
    parent: Option<String>,
    file: String,
    line: u32,
    breaking: bool,
    needs_userspace: bool,
    severity: Severity,
    rule: String,
    #[serde(with = "tagged_option")]
    old: Option<Facts>,
    #[serde(with = "tagged_option")]
    new: Option<Facts>,
    id: String,
    owner: Option<String>,
    old_decl: Option<String>,
    new_decl: Option<String>,
    arches: Option<Vec<String>>,
    hints: Vec<String>,
    moved_to: Option<String>,
    moved_from: Option<String>,
    old_kind: Option<ItemKind>,
    #[serde(with = "changes")]
    items: Vec<Change>,
}

mod changes {
    use super::*;

    #[derive(Serialize)]
    struct Out<'a>(#[serde(serialize_with = "one")] &'a Change);
    fn one<S: Serializer>(change: &&Change, s: S) -> Result<S::Ok, S::Error> {
        ChangeDef::serialize(change, s)
    }
    #[derive(Deserialize)]
    struct In(#[serde(with = "ChangeDef")] Change);

    pub fn serialize<S: Serializer>(changes: &[Change], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(changes.iter().map(Out))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Change>, D::Error> {
        Ok(Vec::<In>::deserialize(d)?
            .into_iter()
            .map(|c| c.0)
            .collect())
    }
}

mod tagged_option {
    use super::*;

    #[derive(Serialize)]
    struct Out<'a>(#[serde(serialize_with = "one")] &'a Facts);
    fn one<S: Serializer>(facts: &&Facts, s: S) -> Result<S::Ok, S::Error> {
        TaggedFacts::serialize(facts, s)
    }
    #[derive(Deserialize)]
    struct In(#[serde(with = "TaggedFacts")] Facts);

    pub fn serialize<S: Serializer>(facts: &Option<Facts>, s: S) -> Result<S::Ok, S::Error> {
        facts.as_ref().map(Out).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Facts>, D::Error> {
        Ok(Option::<In>::deserialize(d)?.map(|f| f.0))
    }
}

#[derive(Serialize)]
struct ReportOut<'a>(#[serde(serialize_with = "report_out")] &'a DiffReport);
fn report_out<S: Serializer>(report: &&DiffReport, s: S) -> Result<S::Ok, S::Error> {
    ReportDef::serialize(report, s)
}

#[derive(Deserialize)]
struct ReportIn(#[serde(with = "ReportDef")] DiffReport);

pub fn encode_report(report: &DiffReport) -> Vec<u8> {
    serde_json::to_vec(&ReportOut(report)).expect("a report serializes")
}

pub fn decode_report(bytes: &[u8]) -> Result<DiffReport, String> {
    serde_json::from_slice::<ReportIn>(bytes)
        .map(|r| r.0)
        .map_err(|e| e.to_string())
}
