//! A KMS property's facts as a change records them (the `Facts::Property` payload); `kms` extracts
//! them from the DRM sources.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The property's uAPI type. `drm_property_create_bool` is a range 0..1 at the uAPI.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    Range,
    SignedRange,
    Enum,
    Bitmask,
    Blob,
    Object,
    /// `drm_property_create` with flags that name no type (or could not be read).
    Unknown,
}

impl PropertyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PropertyKind::Range => "range",
            PropertyKind::SignedRange => "signed_range",
            PropertyKind::Enum => "enum",
            PropertyKind::Bitmask => "bitmask",
            PropertyKind::Blob => "blob",
            PropertyKind::Object => "object",
            PropertyKind::Unknown => "unknown",
        }
    }
}

/// What a reviewer compares for one property (the `Facts::Property` payload).
#[derive(Clone, Debug, Serialize, PartialEq, Eq, Deserialize)]
pub struct PropertyFacts {
    #[serde(rename = "type")]
    pub kind: PropertyKind,
    pub flags: Vec<String>,
    pub range: Option<(Option<i128>, Option<i128>)>,
    /// Value name → value.
    pub values: BTreeMap<String, Option<i128>>,
    pub attached_to: Vec<String>,
    pub helper: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// The preprocessor conditions the property is created under (`CONFIG_X`: uAPI only in the
    /// configurations that set it); empty when every build creates it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}
