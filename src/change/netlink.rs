//! A netlink spec item's facts as a change records them (the `Facts::Netlink` payload): what
//! `Documentation/netlink/specs/*.yaml` says of a family, a definition, an attribute, an operation
//! or a multicast group, with the numbers the kernel's generator derives from it. `surface::netlink`
//! extracts them; every field is optional, and absent from the JSON when the spec does not say it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Facts of one netlink item. Which fields are set depends on the item's kind:
/// - `netlink_family`: `type` (the protocol level), `value` (the genetlink version, netlink-raw's
///   `protonum`), `c_name` (the family-name define), `uapi_header`, `fixed_header`, `sentinels`;
/// - `netlink_definition`: `type` (`enum`, `flags`, `const`, `struct`), `value` (a const's),
///   `value_text` (one that is a name), `c_name`, `header` (defined by that header instead of the
///   generated one), `scope`, `sentinels`;
/// - `netlink_entry` (an enum or flags entry): `value` (for flags the mask `1 << n`), `c_name`;
/// - `netlink_member` (a struct member): `value` (its position, from 0), `type`, `byte_order`,
///   `len`, `enum`;
/// - `netlink_attribute_set`: `subset_of`, `attributes` (a subset's names), `c_name` (of its
///   `__…_MAX` count), `value` (the count), `sentinels`;
/// - `netlink_attribute`: `value` (its id), `c_name`, `type`, `byte_order`, `checks`,
///   `nested_attributes`, `multi_attr`, `enum`, `enum_as_flags`, `sub_type`, `struct`, `len`,
///   `sub_message`, `selector`;
/// - `netlink_operation`: `value` (its id) or `request_value`/`reply_value` (directional ids),
///   `c_name`, `attribute_set`, `flags`, `dont_validate`, `modes`, `messages` (`do-request`… →
///   attribute names),
///   `notify`, `mcgrp`, `fixed_header`;
/// - `netlink_mcast_group`: `value` (netlink-raw's group id), `c_name`, `flags`;
/// - `netlink_sub_message` (a netlink-raw sub-message format): `attribute_set`, `fixed_header`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NetlinkFacts {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i128>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_value: Option<i128>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_value: Option<i128>,
    /// A `const` definition's value when it is no integer (a name defined elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_text: Option<String>,
    /// The C name the kernel's generator gives the item in the uAPI header (`DPLL_A_PIN_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_name: Option<String>,
    /// The other enumerators and defines the generator emits for the item, with their values:
    /// an attribute set's `__<PREFIX>MAX` and `<PREFIX>MAX`, the family's version define and its
    /// operations' `__<PREFIX>MAX` and `<PREFIX>MAX`, an enum's `render-max` sentinels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sentinels: BTreeMap<String, i128>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_order: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<String>,
    /// Kernel input validation (`min`, `max`, `min-len`, `max-len`, `exact-len`, `flags-mask`,
    /// `unterminated-ok`) as written in the spec.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested_attributes: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multi_attr: bool,
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_name: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enum_as_flags: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    #[serde(rename = "struct", default, skip_serializing_if = "Option::is_none")]
    pub struct_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset_of: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_set: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// Validation an operation turns off (`strict`, `dump`, `dump-strict`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dont_validate: Vec<String>,
    /// An operation's modes: `do`, `dump`, `notify`, `event`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<String>,
    /// An operation's messages (`do-request`, `do-reply`, `dump-request`, `dump-reply`, `event`)
    /// → the attributes each carries, as the spec lists them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcgrp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uapi_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Why `value` (or `sentinels`) could not be computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved: Option<String>,
}
