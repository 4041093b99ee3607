//! Each netlink spec against the uAPI header generated from it, at one revision: where a header
//! says it is generated from a spec ("Do not edit directly, auto-generated from:" and the spec's
//! path, as tools/net/ynl writes it), every enumerator and define the spec implies (attribute and
//! command ids, enum values, consts, the `__<PREFIX>MAX`/`<PREFIX>MAX` sentinels, the version
//! define: the `netlink_*` items' `c_name`, `value` and `sentinels`) must have the header's value.
//! A name the header lacks, or a value it gives otherwise, is a note on the header naming the
//! spec: a regenerated header that was not committed, or a spec edited without regenerating.
//!
//! The surface sees only the spec's bytes and the model only the header's: this check, in the
//! pipeline, is where the two meet.

use crate::change::{Facts, ItemKind, NetlinkFacts, Note};
use crate::model::Model;
use crate::pipeline::incremental::HeaderText;
use crate::source::FileEntry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The marker the kernel's generator writes at the top of a header it generates.
const MARKER: &[u8] = b"auto-generated from:";
/// How far after the marker the spec's path is looked for (the next comment line).
const MARKER_REACH: usize = 200;

/// Whether `text` (a header) says it is generated from the spec at `spec_path`.
pub fn generated_from(text: &[u8], spec_path: &str) -> bool {
    memchr::memmem::find_iter(text, MARKER).any(|at| {
        let end = (at + MARKER.len() + MARKER_REACH).min(text.len());
        memchr::memmem::find(&text[at..end], spec_path.as_bytes()).is_some()
    })
}

/// What the spec at one path implies: C name → value, and the header it is generated into.
struct Implied {
    header: String,
    values: BTreeMap<String, i128>,
}

/// The names and values every spec of `model` implies, by spec path (genetlink families only:
/// the generator writes no header for netlink-raw ones). `surface_files`: the files the surfaces
/// read, sorted by path (the specs among them), whose items are looked at in key order.
fn implied<'m>(model: &'m Model, surface_files: &'m [FileEntry]) -> BTreeMap<&'m str, Implied> {
    let spec_items = || {
        surface_files
            .iter()
            .flat_map(|f| model.items.of_file(&f.path))
    };
    let mut specs: BTreeMap<&str, Implied> = BTreeMap::new();
    // Definitions rendered elsewhere (`header:`) or outside the uAPI header (`scope:`) imply
    // nothing there, nor do their entries.
    let mut elsewhere: Vec<(&str, String)> = Vec::new();
    for (key, item) in spec_items() {
        if let (ItemKind::NetlinkDefinition, Facts::Netlink(f)) = (key.kind, &item.facts) {
            if f.header.is_some() || f.scope.as_deref().is_some_and(|s| s != "uapi") {
                let family = key.parent.clone().unwrap_or_default();
                elsewhere.push((key.file.as_str(), format!("{family}.{}", key.name)));
            }
        }
    }
    for (key, item) in spec_items() {
        let Facts::Netlink(f) = &item.facts else {
            continue;
        };
        if key.kind == ItemKind::NetlinkFamily {
            if let (Some("genetlink" | "genetlink-c" | "genetlink-legacy"), Some(h)) =
                (f.ty.as_deref(), &f.uapi_header)
            {
                let entry = specs.entry(key.file.as_str()).or_insert_with(|| Implied {
                    header: String::new(),
                    values: BTreeMap::new(),
                });
                entry.header = format!("include/uapi/{h}");
            }
        }
        let skipped = match key.kind {
            ItemKind::NetlinkEntry => key.parent.as_ref().is_some_and(|p| {
                elsewhere
                    .iter()
                    .any(|(file, def)| *file == key.file && def == p)
            }),
            ItemKind::NetlinkDefinition => {
                f.header.is_some() || f.scope.as_deref().is_some_and(|s| s != "uapi")
            }
            // The count of a set is among its sentinels; its c_name is that name.
            ItemKind::NetlinkAttributeSet => true,
            // The family's c_name is the family-name string define; its value is the version.
            ItemKind::NetlinkFamily => true,
            ItemKind::NetlinkAttribute => false,
            // The generator writes no header for the directional model.
            ItemKind::NetlinkOperation => f.request_value.is_some() || f.reply_value.is_some(),
            // Multicast group defines are strings; sub-messages and members have no C names.
            _ => true,
        };
        let values = &mut specs
            .entry(key.file.as_str())
            .or_insert_with(|| Implied {
                header: String::new(),
                values: BTreeMap::new(),
            })
            .values;
        if !skipped {
            if let (Some(name), Some(value)) = (&f.c_name, f.value) {
                values.insert(name.clone(), value);
            }
        }
        if !matches!(key.kind, ItemKind::NetlinkDefinition) || !skipped {
            values.extend(sentinels(f));
        }
    }
    specs.retain(|_, i| !i.header.is_empty());
    specs
}

fn sentinels(f: &NetlinkFacts) -> impl Iterator<Item = (String, i128)> + '_ {
    f.sentinels.iter().map(|(k, v)| (k.clone(), *v))
}

/// The notes of every disagreement between a spec and the header generated from it.
/// `surface_files`: the files the revision's surfaces read, sorted by path; `text` gives a
/// header's text by path, when the revision has it.
pub fn check(
    model: &Model,
    surface_files: &[FileEntry],
    text: &dyn Fn(&str) -> Option<Arc<HeaderText>>,
) -> Vec<Note> {
    let mut notes = Vec::new();
    for (spec, implied) in implied(model, surface_files) {
        let Some(bytes) = text(&implied.header) else {
            continue;
        };
        if !generated_from(bytes.bytes(), spec) {
            continue;
        }
        let mut header: HashMap<&str, (Option<i128>, u32)> = HashMap::new();
        for (key, item) in model.items.of_file(&implied.header) {
            if !matches!(key.kind, ItemKind::Enumerator | ItemKind::Define) {
                continue;
            }
            if let Facts::Value { value, .. } = &item.facts {
                header.insert(key.name.as_str(), (*value, item.line));
            }
        }
        for (name, want) in &implied.values {
            let message = match header.get(name.as_str()) {
                None => format!(
                    "netlink: {spec} implies {name} = {want}, which this header generated from it does not define"
                ),
                Some((Some(have), _)) if have == want => continue,
                Some((Some(have), _)) => format!(
                    "netlink: {spec} implies {name} = {want}, this header generated from it has {have}"
                ),
                Some((None, _)) => continue,
            };
            let line = header.get(name.as_str()).map_or(1, |(_, line)| *line);
            notes.push(Note {
                revision: model.revision.clone(),
                file: implied.header.clone(),
                line,
                message,
            });
        }
    }
    notes.sort();
    notes
}
