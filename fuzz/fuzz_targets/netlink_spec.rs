//! The netlink spec reader: the input is a spec (`Documentation/netlink/specs/fuzz.yaml`) read
//! beside a small JSON Schema and the specs.rst sentence that numbers implicit ids from 1, then
//! extracted (`surface::netlink`: YAML → JSON with lines, validation, items). Nothing may panic
//! or hang; a spec that cannot be read is a note naming its line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uapi_diff::surface::{netlink::NETLINK, Surface, SurfaceFile};

const SCHEMA: &str = "\
$schema: https://json-schema.org/draft-07/schema
type: object
required: [ name ]
properties:
  name: { type: string }
  attribute-sets: { type: array, items: { type: object, required: [ name ] } }
";

const SPECS_RST: &str = "and ``1`` for the first attribute in the attribute set.";

fuzz_target!(|data: &[u8]| {
    let files = [
        SurfaceFile {
            path: "Documentation/netlink/genetlink.yaml",
            bytes: SCHEMA.as_bytes(),
        },
        SurfaceFile {
            path: "Documentation/netlink/specs/fuzz.yaml",
            bytes: data,
        },
        SurfaceFile {
            path: "Documentation/userspace-api/netlink/specs.rst",
            bytes: SPECS_RST.as_bytes(),
        },
    ];
    let out = NETLINK.extract(&files, &uapi_diff::arch::ARCHES[0]);
    for note in &out.notes {
        assert!(!note.message.contains('\n'), "{note:?}");
    }
});
