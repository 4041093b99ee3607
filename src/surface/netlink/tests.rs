use super::*;
use crate::change::{Facts, ItemKind, NetlinkFacts};
use crate::surface::{Extracted, SurfaceItem};

/// What specs.rst says of implicit ids since they start at 1.
const RST: &str = "and ``1`` for the first attribute in the attribute set.";

/// Extracts `specs` (name → text) with the given schemas (protocol → text), at a revision
/// whose specs.rst numbers implicit ids from 1.
pub(super) fn extract(specs: &[(&str, &str)], schemas: &[(&str, &str)]) -> Extracted {
    extract_with_rst(specs, schemas, Some(RST))
}

fn extract_with_rst(
    specs: &[(&str, &str)],
    schemas: &[(&str, &str)],
    rst: Option<&str>,
) -> Extracted {
    let owned: Vec<(String, &str)> = schemas
        .iter()
        .map(|(p, t)| (format!("{SCHEMAS}{p}.yaml"), *t))
        .chain(specs.iter().map(|(n, t)| (format!("{SPECS}{n}.yaml"), *t)))
        .chain(rst.map(|t| (SPECS_RST.to_string(), t)))
        .collect();
    let files: Vec<SurfaceFile> = owned
        .iter()
        .map(|(path, text)| SurfaceFile {
            path,
            bytes: text.as_bytes(),
        })
        .collect();
    NETLINK.extract(&files, &crate::arch::ARCHES[0])
}

fn find<'a>(x: &'a Extracted, kind: ItemKind, name: &str) -> &'a NetlinkFacts {
    let item: &SurfaceItem = x
        .items
        .iter()
        .find(|i| i.kind == kind && i.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} {name}"));
    match &item.facts {
        Facts::Netlink(f) => f,
        other => panic!("{other:?}"),
    }
}

const SPEC: &str = "\
name: toy
protocol: genetlink
doc: a toy
definitions:
  - type: enum
    name: mode
    render-max: true
    entries: [ manual, auto ]
  - type: flags
    name: caps
    value-start: 1
    entries: [ a, { name: b, value: 4 } ]
attribute-sets:
  - name: toy
    attributes:
      - name: id
        type: u32
        checks: { max: 10 }
      - name: addr
        type: u32
        byte-order: big-endian
        value: 5
  - name: sub
    subset-of: toy
    attributes: [ { name: id } ]
operations:
  list:
    - name: get
      doc: get
      attribute-set: toy
      do:
        request: { attributes: [ id ] }
        reply: { attributes: [ id, addr ] }
      dump:
        reply: { attributes: [ id ] }
    - name: change-ntf
      doc: ntf
      notify: get
      mcgrp: monitor
mcast-groups:
  list: [ { name: monitor } ]
";

#[test]
fn ids_and_c_names_follow_the_generator() {
    let x = extract(&[("toy", SPEC)], &[]);
    let id = find(&x, ItemKind::NetlinkAttribute, "id");
    assert_eq!(
        (id.value, id.c_name.as_deref()),
        (Some(1), Some("TOY_A_ID"))
    );
    assert_eq!(id.checks.get("max").map(String::as_str), Some("10"));
    let addr = find(&x, ItemKind::NetlinkAttribute, "addr");
    assert_eq!(
        (addr.value, addr.byte_order.as_deref()),
        (Some(5), Some("big-endian"))
    );
    let set = find(&x, ItemKind::NetlinkAttributeSet, "toy");
    assert_eq!(set.sentinels.get("__TOY_A_MAX"), Some(&6));
    assert_eq!(set.sentinels.get("TOY_A_MAX"), Some(&5));
    let sub = find(&x, ItemKind::NetlinkAttributeSet, "sub");
    assert_eq!(sub.attributes, vec!["id".to_string()]);
    let get = find(&x, ItemKind::NetlinkOperation, "get");
    assert_eq!(
        (get.value, get.c_name.as_deref()),
        (Some(1), Some("TOY_CMD_GET"))
    );
    assert_eq!(get.messages["do-reply"], vec!["id", "addr"]);
    assert_eq!(get.modes, vec!["do", "dump"]);
    let ntf = find(&x, ItemKind::NetlinkOperation, "change-ntf");
    assert_eq!(
        (ntf.value, ntf.attribute_set.as_deref()),
        (Some(2), Some("toy"))
    );
    let family = find(&x, ItemKind::NetlinkFamily, "toy");
    assert_eq!(family.sentinels.get("__TOY_CMD_MAX"), Some(&3));
    assert_eq!(family.sentinels.get("TOY_FAMILY_VERSION"), Some(&1));
    assert_eq!(family.c_name.as_deref(), Some("TOY_FAMILY_NAME"));
    let auto = find(&x, ItemKind::NetlinkEntry, "auto");
    assert_eq!(
        (auto.value, auto.c_name.as_deref()),
        (Some(1), Some("TOY_MODE_AUTO"))
    );
    let mode = find(&x, ItemKind::NetlinkDefinition, "mode");
    assert_eq!(mode.sentinels.get("TOY_MODE_MAX"), Some(&1));
    // Flags: the mask of the entry's bit, counted from value-start.
    assert_eq!(find(&x, ItemKind::NetlinkEntry, "a").value, Some(2));
    assert_eq!(find(&x, ItemKind::NetlinkEntry, "b").value, Some(16));
    let group = find(&x, ItemKind::NetlinkMcastGroup, "monitor");
    assert_eq!(group.c_name.as_deref(), Some("TOY_MCGRP_MONITOR"));
    // Without a schema at this revision the spec is read unchecked, and that is said once.
    assert_eq!(x.notes.len(), 1, "{:?}", x.notes);
    assert!(
        x.notes[0].message.contains("genetlink.yaml"),
        "{:?}",
        x.notes
    );
}

const SCHEMA: &str = "\
$schema: https://json-schema.org/draft-07/schema
type: object
required: [ name, doc ]
properties:
  name: { type: string }
  attribute-sets:
    type: array
    items:
      type: object
      properties:
        attributes:
          type: array
          items:
            type: object
            properties:
              type: { enum: [ u32, u64 ] }
";

#[test]
fn a_violation_names_file_line_and_path() {
    let bad = SPEC.replace(
        "type: u32\n        byte-order",
        "type: u17\n        byte-order",
    );
    let x = extract(&[("toy", &bad)], &[("genetlink", SCHEMA)]);
    let violation: Vec<_> = x
        .notes
        .iter()
        .filter(|n| n.message.contains("does not validate"))
        .collect();
    assert_eq!(violation.len(), 1, "{:?}", x.notes);
    assert_eq!(violation[0].file, "Documentation/netlink/specs/toy.yaml");
    assert!(
        violation[0]
            .message
            .contains("/attribute-sets/0/attributes/1/type"),
        "{}",
        violation[0].message
    );
    assert_eq!(violation[0].line, 20);
    // The items are still read.
    assert!(x.items.iter().any(|i| i.name == "addr"));
    // A valid spec gives no note.
    assert!(extract(&[("toy", SPEC)], &[("genetlink", SCHEMA)])
        .notes
        .is_empty());
}

#[test]
fn malformed_yaml_is_one_note_with_its_line() {
    let x = extract(&[("toy", "name: toy\nlist: [a, b\nother: 1\n")], &[]);
    assert!(x.items.is_empty());
    let notes: Vec<_> = x
        .notes
        .iter()
        .filter(|n| n.message.contains("not valid YAML"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", x.notes);
    assert!(
        notes[0].line >= 2 && !notes[0].message.contains('\n'),
        "{:?}",
        notes[0]
    );
}

#[test]
fn implicit_ids_are_unresolved_where_the_revision_does_not_define_them() {
    let x = extract_with_rst(&[("toy", SPEC)], &[], None);
    let id = find(&x, ItemKind::NetlinkAttribute, "id");
    assert_eq!(id.value, None);
    assert!(
        id.unresolved
            .as_deref()
            .is_some_and(|r| r.contains("specs.rst")),
        "{id:?}"
    );
    // After an explicit value, the count is known again.
    assert_eq!(find(&x, ItemKind::NetlinkAttribute, "addr").value, Some(5));
    assert_eq!(
        find(&x, ItemKind::NetlinkAttributeSet, "toy").value,
        Some(6)
    );
    assert_eq!(find(&x, ItemKind::NetlinkOperation, "get").value, None);
    // Enum entries start at 0 whatever the revision.
    assert_eq!(find(&x, ItemKind::NetlinkEntry, "auto").value, Some(1));
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of YAML and of specs, so that inputs reach past the first line.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("name: x\n".to_string()),
            Just("attribute-sets:\n".to_string()),
            Just("  - name: s\n    attributes:\n".to_string()),
            Just("      - { name: a, type: u32, value: 9 }\n".to_string()),
            Just(
                "operations: { list: [ { name: o, do: { request: { attributes: [a] } } } ] }\n"
                    .to_string()
            ),
            Just("&a [*a, *a]\n".to_string()),
            Just("- [\n".to_string()),
            Just("\t: \"\n".to_string()),
            Just("value-start: -9223372036854775808\n".to_string()),
            "[ -~]{0,12}\n",
        ]
    }

    proptest! {
        /// Malformed specs never panic; a spec that is no YAML is one note, on one line, naming
        /// the file and a line of the input.
        #[test]
        fn malformed_specs_give_one_line_notes(parts in prop::collection::vec(fragment(), 0..12)) {
            let text: String = parts.concat();
            let x = extract(&[("fuzz", &text)], &[("genetlink", SCHEMA)]);
            let lines = text.lines().count() as u32 + 1;
            for note in &x.notes {
                prop_assert!(!note.message.contains('\n'), "{note:?}");
                prop_assert_eq!(&note.file, "Documentation/netlink/specs/fuzz.yaml");
                prop_assert!(note.line >= 1 && note.line <= lines, "{note:?} in {lines} lines");
            }
        }
    }
}
