//! The bottom layer every stage imports: the facts of an item and the diff's output records (one
//! `Change` per added, removed or changed item, the `DiffReport` of a run), with what is decided
//! on them alone: when two facts mean the same (`same_meaning`), why one is unresolved, an item's
//! id, the area a change belongs to (`area`). These types are the JSON contract documented in the
//! docs/json.md; fields may be added, never renamed or removed. Imports nothing of the crate but `cpp`.

pub mod area;
mod diff_report;
mod meaning;
mod netlink;
mod property;

pub use diff_report::{
    fold_removed_headers, unfold_removed_headers, DiffReport, Note, Revision, Summary, UnparsedItem,
};
pub use meaning::{same_meaning, strip_install_annotations};
pub use netlink::NetlinkFacts;
pub use property::{PropertyFacts, PropertyKind};

use serde::{Deserialize, Serialize};

/// What kind of uAPI item a change is about.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Header,
    Ioctl,
    Struct,
    Union,
    Field,
    Enum,
    Enumerator,
    Define,
    Typedef,
    Property,
    PropertyValue,
    /// A system call of one ABI of an arch's syscall table (the `syscalls` surface).
    Syscall,
    NetlinkFamily,
    NetlinkDefinition,
    NetlinkEntry,
    NetlinkMember,
    NetlinkAttributeSet,
    NetlinkAttribute,
    NetlinkOperation,
    NetlinkMcastGroup,
    NetlinkSubMessage,
}

impl ItemKind {
    /// The kinds of netlink spec items (`surface::netlink`).
    pub fn is_netlink(self) -> bool {
        matches!(
            self,
            ItemKind::NetlinkFamily
                | ItemKind::NetlinkDefinition
                | ItemKind::NetlinkEntry
                | ItemKind::NetlinkMember
                | ItemKind::NetlinkAttributeSet
                | ItemKind::NetlinkAttribute
                | ItemKind::NetlinkOperation
                | ItemKind::NetlinkMcastGroup
                | ItemKind::NetlinkSubMessage
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Header => "header",
            ItemKind::Ioctl => "ioctl",
            ItemKind::Struct => "struct",
            ItemKind::Union => "union",
            ItemKind::Field => "field",
            ItemKind::Enum => "enum",
            ItemKind::Enumerator => "enumerator",
            ItemKind::Define => "define",
            ItemKind::Typedef => "typedef",
            ItemKind::Property => "property",
            ItemKind::PropertyValue => "property_value",
            ItemKind::Syscall => "syscall",
            ItemKind::NetlinkFamily => "netlink_family",
            ItemKind::NetlinkDefinition => "netlink_definition",
            ItemKind::NetlinkEntry => "netlink_entry",
            ItemKind::NetlinkMember => "netlink_member",
            ItemKind::NetlinkAttributeSet => "netlink_attribute_set",
            ItemKind::NetlinkAttribute => "netlink_attribute",
            ItemKind::NetlinkOperation => "netlink_operation",
            ItemKind::NetlinkMcastGroup => "netlink_mcast_group",
            ItemKind::NetlinkSubMessage => "netlink_sub_message",
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// How much a change matters, from its rule and the policy (`rules::Policy`): the default is the
/// rule's own severity, needs-userspace becoming new-uapi outside the areas whose additions need
/// open-source userspace (DRM and accel, Documentation/gpu/drm-uapi.rst).
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Breaking,
    NeedsUserspace,
    /// Not judged breaking, but what the headers cannot show must be checked by a reviewer
    /// (rule `renumbered`).
    Check,
    /// New uAPI where no open-source userspace is required: listed for review, no evidence asked.
    NewUapi,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Breaking,
        Severity::NeedsUserspace,
        Severity::Check,
        Severity::NewUapi,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::NeedsUserspace => "needs-userspace",
            Severity::Check => "check",
            Severity::NewUapi => "new-uapi",
            Severity::Info => "info",
        }
    }
}

/// An ioctl's direction, as the `_IOC_READ` and `_IOC_WRITE` bits of its number (`_IOC_DIR`) say,
/// named from userspace's side: `_IOR` reads (the kernel fills the argument), `_IOW` writes.
/// Serialized as the JSON contract's strings: `none`, `read`, `write`, `read|write`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoctlDir {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "read")]
    Read,
    #[serde(rename = "write")]
    Write,
    #[serde(rename = "read|write")]
    ReadWrite,
}

impl IoctlDir {
    /// The direction whose number has these bits set.
    pub fn from_bits(read: bool, write: bool) -> IoctlDir {
        match (read, write) {
            (false, false) => IoctlDir::None,
            (true, false) => IoctlDir::Read,
            (false, true) => IoctlDir::Write,
            (true, true) => IoctlDir::ReadWrite,
        }
    }

    /// As the JSON and the text report spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            IoctlDir::None => "none",
            IoctlDir::Read => "read",
            IoctlDir::Write => "write",
            IoctlDir::ReadWrite => "read|write",
        }
    }
}

/// Defines `Facts` and, from the same shapes, `TaggedFacts` (serde's `remote` of it): the one
/// definition of an item's facts. `Facts` serializes untagged (the JSON contract: the item's `kind`
/// says which shape), which cannot be read back, as its shapes overlap; a snapshot line and the
/// store write `TaggedFacts`, which names the shape (`{"Record":{"size":16,"align":8}}`), reads
/// an absent optional field (an older snapshot) as its default and refuses an unknown one.
macro_rules! facts_and_tagged {
    ($(#[$meta:meta])* pub enum Facts { $($shapes:tt)* }) => {
        $(#[$meta])*
        #[derive(Serialize, Clone, Debug, PartialEq, Eq)]
        #[serde(untagged)]
        pub enum Facts { $($shapes)* }

        /// `Facts` as a snapshot line and the store write it: tagged by its shape's name.
        #[derive(Serialize, Deserialize)]
        #[serde(remote = "Facts", deny_unknown_fields)]
        pub(crate) enum TaggedFacts { $($shapes)* }
    };
}

facts_and_tagged! {
    /// The facts known about one item at one revision. Serialized untagged: the item's `kind` says
    /// which shape to expect. A fact that could not be computed is `null` and `unresolved` says why.
    pub enum Facts {
        Ioctl {
            number: Option<u64>,
            dir: Option<IoctlDir>,
            #[serde(rename = "type")]
            ioc_type: Option<u64>,
            nr: Option<u64>,
            size: Option<u64>,
            arg_type: Option<String>,
            /// `enumerator` when the request number is an enumerator's value (binder); absent for a `#define`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            spelled: Option<String>,
            /// The header whose translation unit the number was computed in, when not its own (see
            /// `Value::context`).
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
            /// Bit offset and width, for bitfields only.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            bits: Option<BitField>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            unresolved: Option<String>,
        },
        /// Defines and enumerators: the evaluated integer (when it is one) and the text as written.
        Value {
            value: Option<i128>,
            text: String,
            /// Why an integer-looking value could not be computed.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            unresolved: Option<String>,
            /// What the define is when it is no integer constant at all: a string, an initializer, a
            /// type, an attribute… (`value` is then `null`, and nothing is missing).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            non_integer: Option<NonInteger>,
            /// A header that is not self-contained is evaluated in another translation unit, whose
            /// headers this lists in include order (`, `-separated): its includer's (zorro_ids.h uses
            /// ZORRO_ID from zorro.h, which includes it), or the headers defining what it uses without
            /// including them, then its own (`include/uapi/linux/sockios.h, include/uapi/linux/kcm.h`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            context: Option<String>,
            /// The kernel configuration symbols (`CONFIG_*`) whose `#if` chooses this definition
            /// among others (`AT_VECTOR_SIZE_ARCH` under `defined(CONFIG_IA32_EMULATION) ||
            /// !defined(CONFIG_X86_64)`): userspace never defines them, so the value it sees is one
            /// branch of a choice each kernel's build makes. Sorted; absent when none.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            configured: Vec<String>,
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
        /// Boxed, as `Netlink`: the other variants are a fraction of their size, and a model
        /// holds some hundred thousand facts (moved and copied whole).
        Property(Box<PropertyFacts>),
        PropertyValue {
            value: Option<i128>,
        },
        /// A syscall of an arch: its number as userspace's `__NR_*` has it, the table's ABI column
        /// (for an arch taking asm-generic/unistd.h, `common` or the `#if` conditions it stands
        /// under), the entry point and the compat entry point (None when the row names none).
        Syscall {
            number: Option<u64>,
            abi: String,
            entry: Option<String>,
            compat_entry: Option<String>,
            /// The arches (`--arch` names, `ARCHES` order) whose syscalls at this revision do not
            /// include it. Not part of its meaning: another arch's table changes no syscall here.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            absent_from: Vec<String>,
        },
        /// Every netlink spec item (`netlink_*` kinds).
        Netlink(Box<NetlinkFacts>),
    }
}

impl Facts {
    /// Why a fact could not be computed, if it could not.
    pub fn unresolved(&self) -> Option<&str> {
        match self {
            Facts::Ioctl { unresolved, .. }
            | Facts::Record { unresolved, .. }
            | Facts::Field { unresolved, .. }
            | Facts::Value { unresolved, .. } => unresolved.as_deref(),
            Facts::Netlink(n) => n.unresolved.as_deref(),
            _ => None,
        }
    }
}

/// What a define is when it is no integer constant at all (`non_integer` in the JSON).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonInteger {
    #[serde(rename = "string")]
    String,
    #[serde(rename = "floating-point")]
    FloatingPoint,
    #[serde(rename = "compound literal")]
    CompoundLiteral,
    #[serde(rename = "pointer")]
    Pointer,
    /// A brace initializer, or part of one (`0,0,0,`).
    #[serde(rename = "initializer")]
    Initializer,
    #[serde(rename = "empty")]
    Empty,
    /// A short name for a member: `#define ifr_name ifr_ifrn.ifrn_name`.
    #[serde(rename = "member alias")]
    MemberAlias,
    /// Names the function or object of its own name: `#define __arch_swab32 __arch_swab32`.
    #[serde(rename = "function or object")]
    FunctionOrObject,
    /// Code to paste into a definition: `__HANDLE_ITEM(tx); __HANDLE_ITEM(rx);`.
    #[serde(rename = "statements")]
    Statements,
    /// A struct, union or enum tag: `#define ipt_counters xt_counters`.
    #[serde(rename = "tag")]
    Tag,
    /// `#define SEQ_PM_DEFINES int __foo_bar___`.
    #[serde(rename = "declaration")]
    Declaration,
    #[serde(rename = "type")]
    Type,
    #[serde(rename = "attribute")]
    Attribute,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitField {
    /// Bits from the start of the record, as DWARF's `DW_AT_data_bit_offset` counts them: from
    /// each byte's least significant bit on little-endian targets, its most significant bit on
    /// big-endian ones (where gcc allocates bitfields from the top of their unit).
    pub bit_offset: u64,
    pub width: u64,
}

/// One entry of the diff.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ItemKind,
    pub change: ChangeKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Path in the tree: the new revision's for added and changed items, the old one's for removed.
    pub file: String,
    pub line: u32,
    pub breaking: bool,
    pub needs_userspace: bool,
    /// The severity the policy gave the change's rule here: `breaking` and `needs_userspace` are
    /// true exactly when it is `breaking` and `needs-userspace`.
    pub severity: Severity,
    /// The id of the rule that classified this change (see `uapi-diff rules`).
    pub rule: String,
    pub old: Option<Facts>,
    pub new: Option<Facts>,
    /// Stable item id, e.g. `ioctl:DRM_IOCTL_XE_EXEC`, `field:drm_xe_exec.num_syncs`.
    pub id: String,
    /// KMS properties only: `core` or the driver directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The declaration as written at each revision, for before/after rendering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_decl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_decl: Option<String>,
    /// `--all-arches` only: the arches this entry holds for, in `ARCHES` order (every arch diffed
    /// when it holds everywhere with the same facts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arches: Option<Vec<String>>,
    /// Ids of the hint rules (`rules::HINTS`) that apply: what a reviewer checks on a new item,
    /// beside the rule that classifies it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// Rule `moved`, on the removal: the header the item went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// Rule `moved`, on the addition: the header the item came from. On a respelling or a change
    /// that also moved (one entry), with `moved_to`: the header it left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// The item's kind at the old revision when it was spelled otherwise (a `define` that became
    /// an `enumerator`, or the reverse): one entry for both spellings (rule `respelled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_kind: Option<ItemKind>,
    /// Changes folded into this entry, in report order; they are no top-level entries. A removed
    /// header: the removals of the items it declared (`fold_removed_headers`). Rule `renumbered`:
    /// the other enumerators of the enum.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Change>,
}

/// The stable id shown in every format: `ioctl:DRM_IOCTL_XE_EXEC`, `field:drm_xe_exec.num_syncs`.
pub fn item_id(kind: ItemKind, parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{}:{p}.{name}", kind.as_str()),
        None => format!("{}:{name}", kind.as_str()),
    }
}
