//! KMS property rules. kms::diff assigns them, since a renamed value or a property adopted by
//! another driver shows only when both revisions' property tables are compared.

use super::{Rule, Severity};

const DRM_KMS: &str = "Documentation/gpu/drm-kms.rst";

pub static PROPERTY_ADDED: Rule = Rule {
    id: "kms-property-added",
    severity: Severity::NeedsUserspace,
    summary: "a new KMS property",
    explanation: "Compositors see a property by its name string: a new one is new uAPI. \
Documentation/gpu/drm-kms.rst (\"Property Types and Blob Property Support\", \"Requirements\") asks for \
open-source userspace using it, documentation of the name and values, and a core helper where generic.",
    reference: DRM_KMS,
    matches: None,
};

pub static PROPERTY_ADOPTED: Rule = Rule {
    id: "kms-property-adopted",
    severity: Severity::NeedsUserspace,
    summary: "a driver newly exposes a property another driver already defines",
    explanation:
        "Documentation/gpu/drm-kms.rst: a driver adopting an existing driver-specific property \
must match its semantics exactly, and the adoption needs userspace that uses it on the new driver.",
    reference: DRM_KMS,
    matches: None,
};

pub static PROPERTY_REMOVED: Rule = Rule {
    id: "kms-property-removed",
    severity: Severity::Breaking,
    summary: "a KMS property is no longer created",
    explanation:
        "Userspace that looks the property up by name stops finding it. Properties are uAPI \
(Documentation/gpu/drm-uapi.rst, Documentation/gpu/drm-kms.rst).",
    reference: DRM_KMS,
    matches: None,
};

pub static PROPERTY_CHANGED: Rule = Rule {
    id: "kms-property-changed",
    severity: Severity::Breaking,
    summary: "a KMS property's type, range, flags or a value's number changed",
    explanation:
        "Userspace written against the old type, range or flags (ATOMIC, IMMUTABLE) sets values \
the kernel now rejects or reads them wrongly. Documentation/gpu/drm-kms.rst.",
    reference: DRM_KMS,
    matches: None,
};

pub static VALUE_ADDED: Rule = Rule {
    id: "kms-value-added",
    severity: Severity::NeedsUserspace,
    summary: "a new value of an enum or bitmask KMS property",
    explanation:
        "A new value name is new uAPI: Documentation/gpu/drm-kms.rst asks for open-source \
userspace and documentation of each value.",
    reference: DRM_KMS,
    matches: None,
};

pub static VALUE_REMOVED: Rule = Rule {
    id: "kms-value-removed",
    severity: Severity::Breaking,
    summary: "a value of an enum or bitmask KMS property is gone",
    explanation:
        "Userspace selects enum values by their name string; a removed name cannot be set \
any more. Documentation/gpu/drm-kms.rst.",
    reference: DRM_KMS,
    matches: None,
};

pub static VALUE_RENAMED: Rule = Rule {
    id: "kms-value-renamed",
    severity: Severity::Breaking,
    summary: "a value of an enum KMS property kept its number but changed its name string",
    explanation:
        "Userspace matches enum values by name, not number, so a renamed value breaks it, as the \
Colorspace values renamed into colorspace_names[] did. Documentation/gpu/drm-kms.rst.",
    reference: DRM_KMS,
    matches: None,
};
