//! DRM KMS properties: the uAPI that lives in driver C sources. A compositor sees a property's
//! name string, its type, flags, range and enum value names. `extract` finds every property a
//! tree's `drivers/gpu/drm` creates (directly, through a driver-local wrapper or macro, or inside a
//! core helper), and `diff` compares two revisions' property sets.
//!
//! Pipeline: a memchr prefilter picks the files that create, fill or attach properties; they are
//! parsed in parallel (`parse.rs`: scopes, calls, assignments, returns, value tables). The resolver
//! (`resolve/`) then finds creation sites, resolves names passed through parameters from call
//! sites, derives the core helpers (functions in core files that create properties, and their core
//! callers) from the tree at hand, parses the driver files that call those helpers (second
//! prefilter) and records them as exposures. Nothing about helper names is hard-coded.

mod conditions;
mod definitions;
mod diff;
mod grep;
mod parse;
mod resolve;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use crate::change::area::owner_of;
pub use crate::change::{PropertyFacts, PropertyKind};
pub use conditions::{without_comments, Guards, LeftOut};
pub use definitions::{defined_names, is_makefile};
pub use diff::{diff, items, KmsItem};
pub use grep::literal_names_by_grep;

pub struct SourceFile<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
}

/// Integer evaluation of an expression text (range bounds, enum values) in a file's context;
/// supplied by the caller (backed by the project's macro evaluator over the tree's headers).
/// None = unknown. Plain integer literals are evaluated here without asking it.
pub type EvalFn<'a> = &'a (dyn Fn(&str, &str) -> Option<i128> + Sync);

#[derive(Clone, Debug, Serialize, PartialEq, Eq, Deserialize)]
pub struct Property {
    pub name: String,
    /// `core` for files directly in drivers/gpu/drm (and the display/ helper library), else the
    /// driver directory (`i915`, `amd/display`, `renesas/rcar-du`).
    pub owner: String,
    pub kind: PropertyKind,
    /// `DRM_MODE_PROP_*` flags other than the type, without the prefix (`ATOMIC`, `IMMUTABLE`).
    pub flags: Vec<String>,
    /// Range and signed-range properties: (min, max), each None when not evaluable.
    pub range: Option<(Option<i128>, Option<i128>)>,
    pub values: Vec<PropertyValue>,
    /// `plane`, `crtc`, `connector`: where an attach call evidently shows it.
    pub attached_to: Vec<String>,
    pub file: String,
    pub line: u32,
    pub function: String,
    /// Set when created inside a core helper that a driver calls: the helper's name.
    pub helper: Option<String>,
    /// Object properties: the object type argument as written (`DRM_MODE_OBJECT_FB`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// Other places the same (owner, name) is created: `file:line`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_sites: Vec<String>,
    /// The preprocessor conditions its creation is compiled under, each of which must hold
    /// (`Guards::apply`): `CONFIG_X` (uAPI only in configurations that set it), `!CONFIG_X`, or
    /// a condition the tool cannot decide, as written. Empty: every build creates it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, Deserialize)]
pub struct PropertyValue {
    pub name: String,
    pub value: Option<i128>,
    /// The value as written (`DRM_MODE_COLORIMETRY_BT709_YCC`, or the array index), used to pair
    /// renamed values when `value` is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Unresolved {
    pub file: String,
    pub line: u32,
    pub function: String,
    pub reason: String,
}

/// A driver calling a core helper that creates properties (directly, or through its own wrapper:
/// the call recorded is the driver's call into core).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Exposure {
    pub owner: String,
    pub helper: String,
    pub file: String,
    pub line: u32,
    pub function: String,
    /// Names of the properties the helper creates (itself or through core functions it calls).
    pub properties: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KmsModel {
    pub properties: Vec<Property>,
    /// Drivers that call a core helper (or their own wrapper): (driver owner, helper, file, line)
    pub exposures: Vec<Exposure>,
    pub unresolved: Vec<Unresolved>,
}

impl Property {
    /// What a reviewer compares of it.
    pub fn facts(&self) -> PropertyFacts {
        PropertyFacts {
            kind: self.kind,
            flags: self.flags.clone(),
            range: self.range,
            values: self
                .values
                .iter()
                .map(|v| (v.name.clone(), v.value))
                .collect(),
            attached_to: self.attached_to.clone(),
            helper: self.helper.clone(),
            object_type: self.object_type.clone(),
            conditions: self.conditions.clone(),
        }
    }
}

const DRM_PREFIX: &str = "drivers/gpu/drm/";

/// Path filter: which files of a tree to hand to `extract`: drivers/gpu/drm/**/*.c, plus the
/// headers beside them (tables and static inline creators), without the generated register
/// headers (`asic_reg/`), which are most of the bytes and hold no properties.
pub fn wanted(path: &str) -> bool {
    let Some(rest) = path.strip_prefix(DRM_PREFIX) else {
        return false;
    };
    if rest.ends_with(".c") {
        return true;
    }
    rest.ends_with(".h") && !rest.contains("/asic_reg/") && !rest.contains("/include/asic_reg")
}

/// Whether `extract` parses this file whole from the start (it creates, fills or attaches a
/// property, or is a header with an enum value table); other files are parsed, in part, only when
/// they call a helper found to create properties.
pub fn parsed_whole(file: &SourceFile) -> bool {
    resolve::parsed_whole(file)
}

/// Extracts all properties; parses files in parallel after a memchr prefilter, so cost stays near
/// the size of the files that matter. Deterministic output order.
pub fn extract(files: &[SourceFile], eval: EvalFn) -> KmsModel {
    resolve::extract(files, eval, None)
}

/// `extract`, with the files parsed for it kept in `cache` for the next extraction (the other side
/// of a diff, the next revision of a `history`): `ids` are the files' content ids, in the same
/// order (git blob ids), so a file with the same path, content and parsed parts is parsed once.
pub fn extract_cached(
    files: &[SourceFile],
    ids: &[ContentId],
    eval: EvalFn,
    cache: &ParsedFiles,
) -> KmsModel {
    resolve::extract(files, eval, Some((cache, ids)))
}

/// Parses into `cache` what `extract_cached` of the same files will parse, which depends on the
/// files alone (not on the constants): run beside the work that yields the constants (a
/// revision's model), it leaves the extraction (`extract_prepared`) only its resolution to do.
pub fn prepare_cached(files: &[SourceFile], ids: &[ContentId], cache: &ParsedFiles) -> Prepared {
    resolve::prepare(files, (cache, ids))
}

/// `extract_cached` of the files `prepared` was prepared from: what they parse to is taken from
/// it. Files other than those (other content ids) are extracted as `extract_cached` does.
pub fn extract_prepared(
    files: &[SourceFile],
    ids: &[ContentId],
    prepared: Prepared,
    eval: EvalFn,
    cache: &ParsedFiles,
) -> KmsModel {
    resolve::extract_prepared(files, prepared, eval, (cache, ids))
}

pub use resolve::{ContentId, ParsedFiles, Prepared};
