//! How a snapshot line stores an item's facts. `Facts` serializes untagged (the JSON contract: the
//! item's kind says which shape), which cannot be read back: its shapes overlap. A snapshot names
//! the shape (`{"Record":{"size":16,"align":8}}`); this remote definition of `Facts` reads and
//! writes it. The compiler checks it against `Facts`: a field added there must be added here.

use crate::change::{BitField, Facts, NetlinkFacts, NonInteger, PropertyFacts};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(remote = "Facts", deny_unknown_fields)]
pub enum Tagged {
    Ioctl {
        number: Option<u64>,
        dir: Option<String>,
        #[serde(rename = "type")]
        ioc_type: Option<u64>,
        nr: Option<u64>,
        size: Option<u64>,
        arg_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spelled: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unresolved: Option<String>,
    },
    Record {
        size: Option<u64>,
        align: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unresolved: Option<String>,
    },
    Field {
        offset: Option<u64>,
        size: Option<u64>,
        #[serde(rename = "type")]
        ty: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bits: Option<BitField>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unresolved: Option<String>,
    },
    Value {
        value: Option<i128>,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unresolved: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        non_integer: Option<NonInteger>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
    },
    Typedef {
        #[serde(rename = "type")]
        ty: String,
        size: Option<u64>,
    },
    Enum {
        size: Option<u64>,
    },
    Header {
        blob: String,
    },
    Property(PropertyFacts),
    PropertyValue {
        value: Option<i128>,
    },
    Syscall {
        number: Option<u64>,
        abi: String,
        entry: Option<String>,
        compat_entry: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        absent_from: Vec<String>,
    },
    Netlink(NetlinkFacts),
}
