//! The rule catalog: each rule is one unit (its own file) with an id, a severity, a one-line
//! summary, an explanation citing the kernel document it comes from, and a predicate. A change is
//! classified by the first rule in `CATALOG` that matches it, so more specific rules come first.
//! Each rule has its own fixture pair under `tests/fixtures/rule-<id>/`, and every rule runs
//! against every fixture (tests/rules.rs), so a rule firing where it should not is caught.

mod added;
mod drm_ioctl_extended;
mod ioctl_added;
mod ioctl_number_changed;
mod layout_changed;
mod removed;
mod typedef_changed;
mod value_changed;

use crate::change::Change;
use crate::model::Model;
use serde::Serialize;

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Breaking,
    NeedsUserspace,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::NeedsUserspace => "needs-userspace",
            Severity::Info => "info",
        }
    }
}

/// What a rule sees: the change and both revisions' models.
pub struct Context<'m> {
    pub old: &'m Model,
    pub new: &'m Model,
}

pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Why, with the document it comes from (shown by `uapi-diff explain`).
    pub explanation: &'static str,
    pub reference: &'static str,
    pub matches: fn(&Change, &Context) -> bool,
}

/// In match order: specific rules before the general ones they refine.
pub static CATALOG: &[&Rule] = &[
    &drm_ioctl_extended::RULE,
    &ioctl_number_changed::RULE,
    &ioctl_added::RULE,
    &layout_changed::RULE,
    &value_changed::RULE,
    &typedef_changed::RULE,
    &removed::RULE,
    &added::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().copied().find(|r| r.id == id)
}

/// Sets `rule`, `breaking` and `needs_userspace` from the first matching rule.
pub fn classify(change: &mut Change, old: &Model, new: &Model) {
    let ctx = Context { old, new };
    if let Some(rule) = CATALOG.iter().find(|r| (r.matches)(change, &ctx)) {
        change.rule = rule.id.to_string();
        change.breaking = rule.severity == Severity::Breaking;
        change.needs_userspace = rule.severity == Severity::NeedsUserspace;
    }
}

/// The `'d'` ioctl type of the DRM core and its drivers.
pub const DRM_IOCTL_TYPE: u64 = b'd' as u64;
