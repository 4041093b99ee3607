//! Netlink specs as uAPI: each `Documentation/netlink/specs/*.yaml` of a revision, checked
//! against the kernel's own JSON Schema of its protocol level at that revision
//! (`Documentation/netlink/<protocol>.yaml`: `genetlink`, `genetlink-c`, `genetlink-legacy`,
//! `netlink-raw`), and turned into items (`spec`). Netlink facts do not depend on the arch.
//!
//! A spec that does not validate still yields its items (what the kernel's generator would
//! refuse is worth seeing, not hiding), with a note naming the file, the line and the JSON path
//! of each violation. A revision without the schema of a spec's protocol (before 6.4, specs came
//! without schemas) reads its specs unchecked and says so once.

mod schema;
mod spec;
mod yaml;

use super::{Extracted, Surface, SurfaceFile, SurfaceNote};
use crate::arch::Arch;

pub use spec::SpecItems;

/// Where the specs are, and where the schemas are.
const SPECS: &str = "Documentation/netlink/specs/";
const SCHEMAS: &str = "Documentation/netlink/";
/// The spec format's documentation: it defines the id of the first attribute or operation
/// written without a `value` (`spec::FirstId`).
const SPECS_RST: &str = "Documentation/userspace-api/netlink/specs.rst";
/// What specs.rst says once attributes and operations without a `value` are numbered from 1.
const FIRST_ID_IS_ONE: &str = "for the first attribute in the attribute set";

pub struct Netlink;

pub static NETLINK: Netlink = Netlink;

impl Surface for Netlink {
    fn name(&self) -> &'static str {
        "netlink"
    }

    fn globs(&self, _arch: &Arch) -> Vec<String> {
        vec![
            format!("{SPECS}*.yaml"),
            format!("{SCHEMAS}*.yaml"),
            SPECS_RST.to_string(),
        ]
    }

    fn per_arch(&self) -> bool {
        false
    }

    fn extract(&self, files: &[SurfaceFile], _arch: &'static Arch) -> Extracted {
        let mut out = Extracted::default();
        let schemas =
            schema::Schemas::read(files.iter().filter(|f| is_schema(f.path)), &mut out.notes);
        let first_id = files
            .iter()
            .find(|f| f.path == SPECS_RST)
            .filter(|f| memchr::memmem::find(f.bytes, FIRST_ID_IS_ONE.as_bytes()).is_some())
            .map(|_| 1);
        let mut missing_schema = std::collections::BTreeSet::new();
        for file in files.iter().filter(|f| is_spec(f.path)) {
            let read = read_spec(file, &schemas, first_id, &mut missing_schema);
            out.items.extend(read.items);
            out.notes.extend(read.notes);
        }
        for (protocol, first) in missing_schema {
            out.notes.push(SurfaceNote {
                file: first,
                line: 1,
                message: format!(
                    "no schema {SCHEMAS}{protocol}.yaml at this revision: its specs are read without validation"
                ),
            });
        }
        out.items.sort_by(|a, b| {
            (&a.file, a.kind, &a.parent, &a.name).cmp(&(&b.file, b.kind, &b.parent, &b.name))
        });
        out.notes.sort();
        out
    }
}

fn is_spec(path: &str) -> bool {
    path.strip_prefix(SPECS)
        .is_some_and(|name| !name.contains('/') && name.ends_with(".yaml"))
}

fn is_schema(path: &str) -> bool {
    path.strip_prefix(SCHEMAS)
        .is_some_and(|name| !name.contains('/') && name.ends_with(".yaml"))
}

/// One spec: parsed, validated against its protocol's schema, read into items. `missing_schema`
/// collects the protocols without a schema at this revision (with the first spec that had one).
pub fn read_spec(
    file: &SurfaceFile,
    schemas: &schema::Schemas,
    first_id: spec::FirstId,
    missing_schema: &mut std::collections::BTreeSet<(String, String)>,
) -> SpecItems {
    // One line each, whatever the parser or the validator wrote.
    let note = |line: u32, message: String| SurfaceNote {
        file: file.path.to_string(),
        line,
        message: message.replace(['\n', '\r'], " "),
    };
    let Ok(text) = std::str::from_utf8(file.bytes) else {
        return SpecItems {
            items: Vec::new(),
            notes: vec![note(1, "spec is not UTF-8 text: skipped".to_string())],
        };
    };
    let doc = match yaml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            return SpecItems {
                items: Vec::new(),
                notes: vec![note(
                    e.line,
                    format!("spec is not valid YAML ({}): skipped", e.message),
                )],
            }
        }
    };
    if !doc.value.is_object() {
        return SpecItems {
            items: Vec::new(),
            notes: vec![note(1, "spec is not a YAML mapping: skipped".to_string())],
        };
    }
    let protocol = doc
        .value
        .get("protocol")
        .and_then(|p| p.as_str())
        .unwrap_or("genetlink")
        .to_string();
    let mut violations = Vec::new();
    match schemas.validate(&protocol, &doc.value) {
        Some(errors) => {
            for (pointer, message) in errors {
                let at = if pointer.is_empty() { "/" } else { &pointer };
                violations.push(note(
                    doc.line(&pointer),
                    format!("spec does not validate against {SCHEMAS}{protocol}.yaml at {at}: {message}"),
                ));
            }
        }
        None => {
            if !missing_schema.iter().any(|(p, _)| *p == protocol) {
                missing_schema.insert((protocol, file.path.to_string()));
            }
        }
    }
    let mut read = spec::read(&doc, file.path, first_id);
    read.notes.extend(violations);
    read
}

#[cfg(test)]
mod tests;
