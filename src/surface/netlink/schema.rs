//! The kernel's JSON Schemas of the netlink protocol levels at one revision
//! (`Documentation/netlink/genetlink.yaml`…), compiled once per extraction. They reference only
//! themselves (`#/$defs/…`): the validator resolves nothing over the network or from disk.

use super::yaml;
use crate::surface::{SurfaceFile, SurfaceNote};
use std::collections::BTreeMap;

/// A spec's violations reported at most this many times each (the first ones name the cause).
const MAX_VIOLATIONS: usize = 5;

pub struct Schemas {
    /// Protocol level (the schema's file stem) → its validator.
    by_protocol: BTreeMap<String, jsonschema::Validator>,
}

impl Schemas {
    /// Reads and compiles every schema file; one that cannot be read or compiled is a note.
    pub fn read<'a>(
        files: impl Iterator<Item = &'a SurfaceFile<'a>>,
        notes: &mut Vec<SurfaceNote>,
    ) -> Schemas {
        let mut by_protocol = BTreeMap::new();
        for file in files {
            let Some(protocol) = file
                .path
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".yaml"))
            else {
                continue;
            };
            let mut note = |line: u32, message: String| {
                notes.push(SurfaceNote {
                    file: file.path.to_string(),
                    line,
                    message,
                })
            };
            let Ok(text) = std::str::from_utf8(file.bytes) else {
                note(
                    1,
                    "schema is not UTF-8 text: specs of its protocol are not validated".to_string(),
                );
                continue;
            };
            let doc = match yaml::parse(text) {
                Ok(doc) => doc,
                Err(e) => {
                    note(e.line, format!("schema is not valid YAML ({}): specs of its protocol are not validated", e.message));
                    continue;
                }
            };
            match jsonschema::validator_for(&doc.value) {
                Ok(validator) => {
                    by_protocol.insert(protocol.to_string(), validator);
                }
                Err(e) => note(
                    doc.line(e.instance_path().as_str()),
                    format!(
                        "schema cannot be compiled ({}): specs of its protocol are not validated",
                        e.masked()
                    ),
                ),
            }
        }
        Schemas { by_protocol }
    }

    /// The violations of `spec` against its protocol's schema, as (JSON pointer, message), or
    /// `None` when this revision has no schema for the protocol.
    pub fn validate(
        &self,
        protocol: &str,
        spec: &serde_json::Value,
    ) -> Option<Vec<(String, String)>> {
        let validator = self.by_protocol.get(protocol)?;
        let mut errors: Vec<(String, String)> = validator
            .iter_errors(spec)
            .map(|e| {
                (
                    e.instance_path().as_str().to_string(),
                    e.masked().to_string(),
                )
            })
            .collect();
        errors.sort();
        errors.dedup();
        errors.truncate(MAX_VIOLATIONS);
        Some(errors)
    }
}
