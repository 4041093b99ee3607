//! How a format-2 snapshot line stores a KMS property: as `kms::Property` serializes, without its
//! line number, which the `lines` section keeps (so that an edit above a property's creation
//! leaves its line alone). The compiler checks this remote definition against `Property`.

use crate::change::PropertyKind;
use crate::kms::{Property, PropertyValue};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(remote = "Property", deny_unknown_fields)]
pub struct WithoutLine {
    name: String,
    owner: String,
    kind: PropertyKind,
    flags: Vec<String>,
    range: Option<(Option<i128>, Option<i128>)>,
    values: Vec<PropertyValue>,
    attached_to: Vec<String>,
    file: String,
    /// Read as 0; the `lines` section sets it.
    #[serde(skip)]
    line: u32,
    function: String,
    helper: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    other_sites: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<String>,
}

/// A property to write.
#[derive(Serialize)]
pub struct Line<'p>(#[serde(with = "WithoutLine")] pub &'p Property);

/// A property read (its line 0).
#[derive(Deserialize)]
pub struct Read(#[serde(with = "WithoutLine")] pub Property);
