//! A stored side as bytes: JSON (facts in the snapshot file's tagged form, since `Facts`
//! serializes untagged and cannot be read back), decoded into the same `pipeline::Stored`.

use crate::arch::Arch;
use crate::change::{Facts, Note, Revision};
use crate::kms::KmsModel;
use crate::model::{self, Consulted, EnumMembers, Item, ItemKey, Model, UnparsedRegion};
use crate::pipeline::{Snapshot, Stored};
use crate::snapshot::TaggedFacts;
use crate::source::FileEntry;
use serde::{Deserialize, Serialize};
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
    items: Vec<ItemRecord>,
    unparsed: Vec<UnparsedRegion>,
    notes: Vec<model::Note>,
    consulted: Consulted,
    enums: Vec<EnumMembers>,
    elsewhere: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemRecord {
    key: ItemKey,
    line: u32,
    #[serde(with = "TaggedFacts")]
    facts: Facts,
    decl: String,
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
            items: model
                .items
                .into_iter()
                .map(|(key, item)| ItemRecord {
                    key,
                    line: item.line,
                    facts: item.facts,
                    decl: item.decl,
                })
                .collect(),
            unparsed: model.unparsed,
            notes: model.notes,
            consulted: model.consulted,
            enums: model.enums,
            elsewhere: model.elsewhere,
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
        items: m
            .items
            .into_iter()
            .map(|i| {
                let item = Item {
                    line: i.line,
                    facts: i.facts,
                    decl: i.decl,
                };
                (i.key, item)
            })
            .collect(),
        unparsed: m.unparsed,
        notes: m.notes,
        consulted: m.consulted,
        enums: m.enums,
        elsewhere: m.elsewhere,
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
