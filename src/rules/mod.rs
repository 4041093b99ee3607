//! The rule catalog: each rule is one unit (its own file) with an id, a severity, a one-line
//! summary, an explanation citing the kernel document it comes from, and a predicate. A change is
//! classified by the first rule in `CATALOG` that matches it, so more specific rules come first.
//! Each rule has its own fixture pair under `tests/fixtures/rule-<id>/`, and every rule runs
//! against every fixture (tests/rules.rs), so a rule firing where it should not is caught.

mod abi;
mod added;
mod drm_ioctl_extended;
mod drm_struct_extended;
mod flex_array_converted;
mod hint_drm_driver_nr;
mod hint_implicit_padding;
mod hint_no_flags;
mod hint_not_fixed_width;
mod hint_pointer_member;
mod hint_size_not_multiple_of_8;
mod hints;
mod ioctl_added;
mod ioctl_number_changed;
mod ioctl_respelled;
mod ioctl_struct_changed;
mod kms;
mod layout_changed;
mod moved;
mod padding_renamed;
mod record_extended;
mod removed;
mod reserved_field_used;
mod sentinel_moved;
mod signedness_changed;
mod type_respelled;
mod typedef_changed;
mod value_changed;

use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::Model;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

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

/// What a rule sees besides the change itself: both models, and facts about the whole diff that
/// no single change shows (moves, renames, which structs ioctls take).
pub struct Context<'m> {
    pub old: &'m Model,
    pub new: &'m Model,
    /// Struct/union names passed to an ioctl at either revision → whether one of those is a DRM ioctl.
    pub ioctl_args: HashMap<String, bool>,
    /// (kind, parent, name) of items removed from one header and added to another with the same facts
    /// → (the header it left, the header it went to).
    pub moved: HashMap<(ItemKind, Option<String>, String), (String, String)>,
    /// (file, struct, field) → the field it replaced or was replaced by: a removed and an added field of
    /// one struct at the same offset and size.
    pub renamed_fields: HashMap<(String, String, String), String>,
    /// (file, struct) whose changed fields are all fake flexible arrays made real (`x[0]`, `x[1]` → `x[]`).
    pub flex_only: HashSet<(String, String)>,
    /// (file, record) → its ABI judgement from both layouts, for records present at both sides.
    pub records: HashMap<(String, String), abi::Judgement>,
    pub old_types: abi::TypeNames<'m>,
    pub new_types: abi::TypeNames<'m>,
}

impl<'m> Context<'m> {
    pub fn new(changes: &[Change], old: &'m Model, new: &'m Model) -> Self {
        let mut ioctl_args: HashMap<String, bool> = HashMap::new();
        for model in [old, new] {
            for (key, item) in &model.items {
                if let (
                    ItemKind::Ioctl,
                    Facts::Ioctl {
                        arg_type: Some(t),
                        ioc_type,
                        ..
                    },
                ) = (key.kind, &item.facts)
                {
                    let name = t
                        .trim_start_matches("struct ")
                        .trim_start_matches("union ")
                        .trim()
                        .to_string();
                    *ioctl_args.entry(name).or_default() |= *ioc_type == Some(DRM_IOCTL_TYPE);
                }
            }
        }
        let mut moved = HashMap::new();
        let mut by_identity: HashMap<(ItemKind, Option<&str>, &str), Vec<&Change>> = HashMap::new();
        for c in changes.iter().filter(|c| c.change != ChangeKind::Changed) {
            by_identity
                .entry((c.kind, c.parent.as_deref(), c.name.as_str()))
                .or_default()
                .push(c);
        }
        for ((kind, parent, name), list) in &by_identity {
            let removed = list.iter().find(|c| c.change == ChangeKind::Removed);
            let added = list.iter().find(|c| c.change == ChangeKind::Added);
            if let (Some(r), Some(a)) = (removed, added) {
                let same = match (&r.old, &a.new) {
                    (Some(x), Some(y)) => crate::change::same_meaning(x, y),
                    _ => false,
                };
                // A struct's size and alignment hide a reordering: its members must have moved
                // with it unchanged (holes made explicit padding, as in KVM's SEV structs, aside).
                let same_members = !matches!(kind, ItemKind::Struct | ItemKind::Union) || {
                    let before = members(old, &r.file, name);
                    let after = members(new, &a.file, name);
                    before.iter().all(|m| after.contains(m))
                        && after
                            .iter()
                            .all(|m| before.contains(m) || is_padding_name(m.0))
                };
                if r.file != a.file && same && same_members {
                    moved.insert(
                        (*kind, parent.map(str::to_string), name.to_string()),
                        (r.file.clone(), a.file.clone()),
                    );
                }
            }
        }
        let field_slot = |c: &Change| match (c.change, &c.old, &c.new) {
            (
                ChangeKind::Removed,
                Some(Facts::Field {
                    offset: Some(o),
                    size: Some(s),
                    bits: None,
                    ..
                }),
                _,
            )
            | (
                ChangeKind::Added,
                _,
                Some(Facts::Field {
                    offset: Some(o),
                    size: Some(s),
                    bits: None,
                    ..
                }),
            ) => Some((*o, *s)),
            _ => None,
        };
        let mut renamed_fields = HashMap::new();
        let fields: Vec<&Change> = changes
            .iter()
            .filter(|c| c.kind == ItemKind::Field)
            .collect();
        for r in fields.iter().filter(|c| c.change == ChangeKind::Removed) {
            let partner = fields.iter().find(|a| {
                a.change == ChangeKind::Added
                    && a.file == r.file
                    && a.parent == r.parent
                    && field_slot(a).is_some()
                    && field_slot(a) == field_slot(r)
            });
            if let (Some(a), Some(parent)) = (partner, &r.parent) {
                renamed_fields.insert(
                    (r.file.clone(), parent.clone(), r.name.clone()),
                    a.name.clone(),
                );
                renamed_fields.insert(
                    (a.file.clone(), parent.clone(), a.name.clone()),
                    r.name.clone(),
                );
            }
        }
        let mut flex_only: HashSet<(String, String)> = HashSet::new();
        let mut not_flex: HashSet<(String, String)> = HashSet::new();
        for c in &fields {
            let Some(parent) = &c.parent else { continue };
            let key = (c.file.clone(), parent.clone());
            let renamed =
                renamed_fields.contains_key(&(c.file.clone(), parent.clone(), c.name.clone()));
            if c.change == ChangeKind::Changed && is_flex_conversion(c) {
                flex_only.insert(key.clone());
            } else if c.change != ChangeKind::Added && !renamed {
                not_flex.insert(key);
            }
        }
        flex_only.retain(|k| !not_flex.contains(k));
        let (old_types, new_types) = (abi::TypeNames::new(old), abi::TypeNames::new(new));
        let records = abi::judge_records(changes, old, new, &ioctl_args, (&old_types, &new_types));
        Context {
            old,
            new,
            ioctl_args,
            moved,
            renamed_fields,
            flex_only,
            records,
            old_types,
            new_types,
        }
    }

    /// The ABI verdict on a struct or union (for a field: on its record), when both sides have it.
    pub fn verdict(&self, c: &Change) -> Option<abi::Verdict> {
        let record = match c.kind {
            ItemKind::Field => c.parent.clone()?,
            _ => c.name.clone(),
        };
        self.records
            .get(&(c.file.clone(), record))
            .map(|j| j.verdict)
    }

    /// How a changed field's type changed when its offset, size and bits did not.
    pub fn field_type_change(&self, c: &Change) -> Option<abi::TypeChange> {
        match (c.change, &c.old, &c.new) {
            (
                ChangeKind::Changed,
                Some(Facts::Field {
                    offset: o1,
                    size: s1,
                    bits: b1,
                    ty: t1,
                    ..
                }),
                Some(Facts::Field {
                    offset: o2,
                    size: s2,
                    bits: b2,
                    ty: t2,
                    ..
                }),
            ) if o1 == o2 && s1 == s2 && b1 == b2 && o1.is_some() && s1.is_some() => Some(
                abi::type_change(&self.old_types, t1, &self.new_types, t2, &c.file),
            ),
            _ => None,
        }
    }

    /// A field that consumes reserved space of a record whose layout otherwise holds: a reserved
    /// member shrunk, narrowed or gone, or a member added inside the old reserved bytes.
    pub fn uses_reserved_space(&self, c: &Change) -> bool {
        let Some(parent) = &c.parent else {
            return false;
        };
        let Some(judgement) = self.records.get(&(c.file.clone(), parent.clone())) else {
            return false;
        };
        if !matches!(
            judgement.verdict,
            abi::Verdict::ReservedUsed | abi::Verdict::Grew
        ) {
            return false;
        }
        match (c.change, &c.new) {
            (ChangeKind::Removed | ChangeKind::Changed, _) => {
                judgement.reserved_names.contains(&c.name)
            }
            (
                ChangeKind::Added,
                Some(Facts::Field {
                    offset: Some(o),
                    size: Some(s),
                    ..
                }),
            ) => judgement
                .old_reserved
                .iter()
                .any(|(start, end)| start <= o && o + s <= *end),
            _ => false,
        }
    }

    /// A field listed at one side only because the other reaches it through a member whose
    /// anonymous record type was given a tag (or lost it), at the same place.
    pub fn reached_through_tag(&self, c: &Change) -> bool {
        let Some(parent) = &c.parent else {
            return false;
        };
        c.kind == ItemKind::Field
            && c.change != ChangeKind::Changed
            && self
                .records
                .get(&(c.file.clone(), parent.clone()))
                .is_some_and(|j| j.reached_through_tag.contains(&c.name))
    }

    /// A changed field that grew in place in a record judged grown (`abi::Judgement::grown_in_place`).
    pub fn grew_in_place(&self, c: &Change) -> bool {
        let Some(parent) = &c.parent else {
            return false;
        };
        c.change == ChangeKind::Changed
            && self
                .records
                .get(&(c.file.clone(), parent.clone()))
                .is_some_and(|j| j.grown_in_place.contains(&c.name))
    }

    /// The field this one replaced, or was replaced by, at the same offset and size.
    pub fn rename_partner(&self, c: &Change) -> Option<&str> {
        let parent = c.parent.clone()?;
        self.renamed_fields
            .get(&(c.file.clone(), parent, c.name.clone()))
            .map(String::as_str)
    }
}

/// `T x[0]` or `T x[1]` that became `T x[]`.
pub fn is_flex_conversion(c: &Change) -> bool {
    match (&c.old, &c.new) {
        (Some(Facts::Field { ty: old, .. }), Some(Facts::Field { ty: new, .. })) => {
            let new_elem = new.strip_suffix(" []");
            let old_elem = old
                .strip_suffix(" [0]")
                .or_else(|| old.strip_suffix(" [1]"));
            new_elem.is_some() && new_elem == old_elem
        }
        _ => false,
    }
}

/// Names the kernel uses for padding and reserved space: `pad`, `padding`, `reserved`, `resv`, `rsv`,
/// `rsvd`, `unused`, `spare`, `mbz` (must be zero), with or without underscores around them and digits
/// after (`__reserved2`, `pad_1`, `rsvd8`). A word that only starts like one (`paddr`) is no padding.
pub fn is_padding_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let mut n = lower.as_str();
    for _ in 0..2 {
        n = n
            .trim_matches('_')
            .trim_end_matches(|c: char| c.is_ascii_digit());
    }
    [
        "pad", "padding", "reserved", "resv", "rsv", "rsvd", "unused", "spare", "mbz",
    ]
    .contains(&n)
}

pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// Why, with the document it comes from (shown by `uapi-diff explain`).
    pub explanation: &'static str,
    pub reference: &'static str,
    /// Which changes the rule claims; `None` for rules the producing stage assigns (kms::diff).
    pub matches: Option<fn(&Change, &Context) -> bool>,
}

/// In match order: specific rules before the general ones they refine.
pub static CATALOG: &[&Rule] = &[
    &moved::RULE,
    &ioctl_respelled::RULE,
    &sentinel_moved::RULE,
    &flex_array_converted::RULE,
    &padding_renamed::RULE,
    &reserved_field_used::RULE,
    &type_respelled::RULE,
    &signedness_changed::RULE,
    &drm_ioctl_extended::RULE,
    &drm_struct_extended::RULE,
    &ioctl_number_changed::RULE,
    &ioctl_struct_changed::RULE,
    &ioctl_added::RULE,
    &record_extended::RULE,
    &layout_changed::RULE,
    &value_changed::RULE,
    &typedef_changed::RULE,
    &removed::RULE,
    &added::RULE,
    &kms::PROPERTY_ADDED,
    &kms::PROPERTY_ADOPTED,
    &kms::PROPERTY_REMOVED,
    &kms::PROPERTY_CHANGED,
    &kms::VALUE_ADDED,
    &kms::VALUE_REMOVED,
    &kms::VALUE_RENAMED,
];

/// Hints: info rules checked on every change besides the rule that classifies it, listed in
/// `Change::hints` (what Documentation/process/botching-up-ioctls.rst asks of new ioctl structs,
/// and the DRM driver ioctl range). They never classify a change, so they hide nothing.
pub static HINTS: &[&Rule] = &[
    &hint_not_fixed_width::RULE,
    &hint_pointer_member::RULE,
    &hint_implicit_padding::RULE,
    &hint_size_not_multiple_of_8::RULE,
    &hint_no_flags::RULE,
    &hint_drm_driver_nr::RULE,
];

/// A classifying rule or a hint, by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().chain(HINTS).copied().find(|r| r.id == id)
}

/// Classifies every change: a change whose producer already named its rule (KMS properties, whose
/// renames only the value tables of both sides reveal) keeps it; the others get the first catalog
/// rule that matches. `breaking` and `needs_userspace` always follow the rule's severity.
pub fn classify_all(changes: &mut [Change], old: &Model, new: &Model) {
    let ctx = Context::new(changes, old, new);
    for change in changes.iter_mut() {
        if find(&change.rule).is_none() {
            if let Some(rule) = CATALOG
                .iter()
                .find(|r| r.matches.is_some_and(|m| m(change, &ctx)))
            {
                change.rule = rule.id.to_string();
            }
        }
        if change.rule == moved::RULE.id {
            let key = (change.kind, change.parent.clone(), change.name.clone());
            if let Some((from, to)) = ctx.moved.get(&key) {
                match change.change {
                    ChangeKind::Removed => change.moved_to = Some(to.clone()),
                    ChangeKind::Added => change.moved_from = Some(from.clone()),
                    ChangeKind::Changed => {}
                }
            }
        }
        set_severity(change);
        change.hints = HINTS
            .iter()
            .filter(|h| h.matches.is_some_and(|m| m(change, &ctx)))
            .map(|h| h.id.to_string())
            .collect();
    }
}

/// `breaking` and `needs_userspace` from the severity of the change's rule.
pub fn set_severity(change: &mut Change) {
    if let Some(rule) = find(&change.rule) {
        change.breaking = rule.severity == Severity::Breaking;
        change.needs_userspace = rule.severity == Severity::NeedsUserspace;
    }
}

/// A member as its layout places it: name, offset, size and bit position.
type Member<'m> = (
    &'m str,
    Option<u64>,
    Option<u64>,
    Option<crate::change::BitField>,
);

/// A record's members as their layout places them.
fn members<'m>(model: &'m Model, file: &str, record: &str) -> Vec<Member<'m>> {
    model
        .fields_of(file, record)
        .map(|(k, item)| match &item.facts {
            Facts::Field {
                offset, size, bits, ..
            } => (k.name.as_str(), *offset, *size, *bits),
            _ => (k.name.as_str(), None, None, None),
        })
        .collect()
}

/// The `'d'` ioctl type of the DRM core and its drivers.
pub const DRM_IOCTL_TYPE: u64 = b'd' as u64;
