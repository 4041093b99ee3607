//! The rule catalog: each rule is one unit (its own file) with an id, a severity, a one-line
//! summary, an explanation citing the kernel document it comes from, and a predicate. A change is
//! classified by the first rule in `CATALOG` that matches it, so more specific rules come first.
//! Each rule has its own fixture pair under `tests/fixtures/rule-<id>/`, and every rule runs
//! against every fixture (tests/rules.rs), so a rule firing where it should not is caught.

mod abi;
mod added;
mod bound_grew;
mod config_dependent;
mod drm_ioctl_extended;
mod drm_struct_extended;
mod enum_size_changed;
mod flags_added;
mod flex_array_converted;
mod fold;
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
mod kernel_only_type;
mod kms;
mod layout_changed;
mod list_extended;
mod moved;
mod moved_to_arch;
mod netlink;
mod netlink_added;
mod netlink_attribute_type_changed;
mod netlink_checks_loosened;
mod netlink_checks_tightened;
mod netlink_max_moved;
mod netlink_operation_extended;
mod netlink_operation_restricted;
mod netlink_removed;
mod netlink_renumbered;
mod netlink_reply_attribute_dropped;
mod netlink_spec_changed;
mod padding_renamed;
pub mod policy;
mod record_extended;
mod removed;
mod renumbered;
mod reserved_field_reshaped;
mod reserved_field_used;
mod respelled;
mod sentinel_moved;
mod signedness_changed;
mod syscall;
mod type_respelled;
mod type_uses;
mod typedef_changed;
mod unresolved;
mod value_changed;
mod values;
mod version_bumped;

pub use crate::change::Severity;
pub use policy::{EnumDeclaration, Policy};

use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::Model;
use fold::{members, same_members, Member};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a rule sees besides the change itself: both models, and facts about the whole diff that
/// no single change shows (moves, renames, which structs ioctls take).
pub struct Context<'m> {
    pub old: &'m Model,
    pub new: &'m Model,
    /// Both models' own indexes, old then new.
    models: [&'m ModelIndex<'m>; 2],
    /// Struct/union names passed to an ioctl at either revision → whether one of those is a DRM ioctl.
    pub ioctl_args: &'m FxHashMap<String, bool>,
    /// (kind, parent, name) of items removed from one header and added to another with the same facts
    /// → (the header it left, the header it went to).
    pub moved: FxHashMap<(ItemKind, Option<String>, String), (String, String)>,
    /// (file, struct, field) → the field it replaced or was replaced by: a removed and an added field of
    /// one struct at the same offset and size.
    pub renamed_fields: FxHashMap<(String, String, String), String>,
    /// (file, struct) whose changed fields are all fake flexible arrays made real (`x[0]`, `x[1]` → `x[]`).
    pub flex_only: FxHashSet<(String, String)>,
    /// (file, record) → its ABI judgement from both layouts, for records present at both sides.
    pub records: FxHashMap<(String, String), abi::Judgement>,
    pub old_types: &'m abi::TypeNames<'m>,
    pub new_types: &'m abi::TypeNames<'m>,
    /// Both revisions' values and enums, for the value rules.
    pub values: &'m values::Values<'m>,
    /// What the policy declares of enums the headers cannot judge (`renumbered`).
    pub enum_roles: EnumRoles,
}

/// What a policy (the config file's `[enums]`) declares enums to be, overriding what the headers
/// show of their reach: `Internal` enums' renumberings are `renumbered` (check), `Abi` ones' are
/// breaking. Enum tag (or, for an anonymous enum, its first enumerator) → its declaration.
pub type EnumRoles = BTreeMap<String, EnumDeclaration>;

/// What the rules look up in one model, whatever the changes: built once per model (a walk's
/// revision is the new side of one step and the old side of the next) and paired by `Indexes`.
pub struct ModelIndex<'m> {
    model: &'m Model,
    /// Struct/union names its ioctls take → whether one of those is a DRM ioctl.
    ioctl_args: FxHashMap<&'m str, bool>,
    /// The types its items spell (`Context::enum_carried`).
    type_uses: type_uses::TypeUses<'m>,
    types: abi::TypeNames<'m>,
    values: values::Side<'m>,
    /// The records some member is an array of (`abi::array_element_records`), made when a
    /// record change is first judged against this model.
    array_elements: OnceLock<FxHashSet<String>>,
}

impl<'m> ModelIndex<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut ioctl_args: FxHashMap<&str, bool> = FxHashMap::default();
        let mut type_uses = type_uses::TypeUses::default();
        // One pass over the items for every index (each pass reads the whole model again).
        let mut types = abi::TypeNames::new(model);
        let mut values = values::Side::new(model);
        for (key, item) in &model.items {
            types.add(key, item);
            values.add(key, item);
            match &item.facts {
                Facts::Ioctl {
                    arg_type: Some(t),
                    ioc_type,
                    ..
                } => {
                    type_uses.ioctl_args.push(t.as_str());
                    if key.kind == ItemKind::Ioctl {
                        let name = t
                            .trim_start_matches("struct ")
                            .trim_start_matches("union ")
                            .trim();
                        *ioctl_args.entry(name).or_default() |= *ioc_type == Some(DRM_IOCTL_TYPE);
                    }
                }
                Facts::Typedef { ty, .. } => {
                    type_uses.typedefs.push((key.name.as_str(), ty.as_str()))
                }
                Facts::Field { ty, .. } => type_uses.fields.push(ty.as_str()),
                _ => {}
            }
        }
        ModelIndex {
            model,
            ioctl_args,
            type_uses,
            types,
            values,
            array_elements: OnceLock::new(),
        }
    }

    fn array_elements(&self) -> &FxHashSet<String> {
        self.array_elements
            .get_or_init(|| abi::array_element_records(self.model, &self.types))
    }
}

/// What the rules look up in both models, whatever the changes: built once per pair of models
/// (from each model's `ModelIndex`) and shared by every classification of their changes
/// (`classify_all_indexed`: a report classifies its header changes and its KMS properties apart).
pub struct Indexes<'m> {
    pub old: &'m Model,
    pub new: &'m Model,
    /// Both models' own indexes, old then new.
    models: [&'m ModelIndex<'m>; 2],
    ioctl_args: FxHashMap<String, bool>,
    values: values::Values<'m>,
}

impl<'m> Indexes<'m> {
    pub fn new(old: &'m ModelIndex<'m>, new: &'m ModelIndex<'m>) -> Self {
        let mut ioctl_args: FxHashMap<String, bool> = FxHashMap::default();
        for (name, drm) in old.ioctl_args.iter().chain(&new.ioctl_args) {
            *ioctl_args.entry(name.to_string()).or_default() |= drm;
        }
        Indexes {
            old: old.model,
            new: new.model,
            models: [old, new],
            ioctl_args,
            values: values::Values {
                old: &old.values,
                new: &new.values,
            },
        }
    }
}

impl<'m> Context<'m> {
    pub fn new(changes: &[Change], indexes: &'m Indexes<'m>) -> Self {
        let (old, new) = (indexes.old, indexes.new);
        let [old_index, new_index] = indexes.models;
        let (ioctl_args, old_types, new_types) =
            (&indexes.ioctl_args, &old_index.types, &new_index.types);
        let mut moved = FxHashMap::default();
        let mut by_identity: FxHashMap<(ItemKind, Option<&str>, &str), Vec<&Change>> =
            FxHashMap::default();
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
                if r.file != a.file
                    && same
                    && same_members(*kind, (old, &r.file), (new, &a.file), name)
                {
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
        let mut renamed_fields = FxHashMap::default();
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
        let mut flex_only: FxHashSet<(String, String)> = FxHashSet::default();
        let mut not_flex: FxHashSet<(String, String)> = FxHashSet::default();
        for c in &fields {
            let Some(parent) = &c.parent else { continue };
            let key = (c.file.clone(), parent.clone());
            let renamed =
                renamed_fields.contains_key(&(c.file.clone(), parent.clone(), c.name.clone()));
            if c.change == ChangeKind::Changed && flex_converted(c, (old_types, new_types)) {
                flex_only.insert(key.clone());
            } else if c.change != ChangeKind::Added && !renamed {
                not_flex.insert(key);
            }
        }
        flex_only.retain(|k| !not_flex.contains(k));
        let records = abi::judge_records(changes, (old_index, new_index), ioctl_args);
        Context {
            values: &indexes.values,
            enum_roles: EnumRoles::new(),
            old,
            new,
            models: indexes.models,
            ioctl_args,
            moved,
            renamed_fields,
            flex_only,
            records,
            old_types,
            new_types,
        }
    }

    /// A field whose trailing array changed between a fake flexible array and a real one.
    pub fn is_flex_conversion(&self, c: &Change) -> bool {
        flex_converted(c, (self.old_types, self.new_types))
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

    /// The ABI verdict on the record a changed ioctl carries, when it carries the same record at
    /// both revisions (typedefs resolved) and that record was judged. The record may sit in
    /// another header than the ioctl (a DRM core ioctl of drm.h taking a drm_mode.h struct): its
    /// own header's judgement is preferred, else the worst of the headers declaring that name.
    pub fn arg_verdict(&self, c: &Change) -> Option<abi::Verdict> {
        let (
            Some(Facts::Ioctl {
                arg_type: Some(old_arg),
                ..
            }),
            Some(Facts::Ioctl {
                arg_type: Some(new_arg),
                ..
            }),
        ) = (&c.old, &c.new)
        else {
            return None;
        };
        let record = |types: &abi::TypeNames, arg: &str| match types.class(arg) {
            abi::TypeClass::Record(r) => Some(abi::record_name(&r).to_string()),
            _ => None,
        };
        let name = record(self.new_types, new_arg)?;
        if record(self.old_types, old_arg)? != name {
            return None;
        }
        if let Some(j) = self.records.get(&(c.file.clone(), name.clone())) {
            return Some(j.verdict);
        }
        self.records
            .iter()
            .filter(|((_, record), _)| *record == name)
            .map(|(_, j)| j.verdict)
            .max()
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
                abi::type_change(self.old_types, t1, self.new_types, t2, &c.file),
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

    /// A changed reserved or padding member (by the record's naming rules, `reserved_members`)
    /// of a record judged breaking by what another entry of the diff shows
    /// (`abi::Judgement::break_shown`): its new shape only follows the space around it.
    pub fn reserved_reshaped(&self, c: &Change) -> bool {
        let Some(parent) = &c.parent else {
            return false;
        };
        c.kind == ItemKind::Field
            && c.change == ChangeKind::Changed
            && self
                .records
                .get(&(c.file.clone(), parent.clone()))
                .is_some_and(|j| j.break_shown && j.reserved_names.contains(&c.name))
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

    /// Whether a uAPI item carries the type or the values of the enum holding enumerator `member`
    /// of `file`: a record member or a typedef of its type (`enum foo`), an ioctl argument of it,
    /// or an array sized by one of its enumerators, at either revision. The policy's `enum_roles`
    /// override what the headers show.
    pub fn enum_carried(&self, file: &str, member: &str) -> bool {
        let Some((tag, members)) = self.values.enum_members(file, member) else {
            return true;
        };
        let id = tag
            .or(members.first().map(String::as_str))
            .unwrap_or_default();
        if let Some(role) = self.enum_roles.get(id) {
            return *role == EnumDeclaration::Abi;
        }
        let spelled = tag.map(|t| format!("enum {t}"));
        let names_type = |ty: &str, typedefs: &[String]| {
            spelled.as_deref().is_some_and(|s| type_names(ty, s))
                || typedefs.iter().any(|t| type_names(ty, t))
        };
        self.models.iter().any(|model| {
            let uses = &model.type_uses;
            let typedefs: Vec<String> = uses
                .typedefs
                .iter()
                .filter(|(_, ty)| spelled.as_deref().is_some_and(|s| type_names(ty, s)))
                .map(|(name, _)| name.to_string())
                .collect();
            members.iter().any(|m| uses.sizes_an_array(m))
                || uses.fields.iter().any(|ty| names_type(ty, &typedefs))
                || uses.ioctl_args.iter().any(|ty| names_type(ty, &typedefs))
        })
    }

    /// Whether a uAPI item carries the type of enum `tag` of `file` (`enum_carried`, by its
    /// first enumerator at the new revision; an enum with none there counts as carried).
    pub fn enum_type_carried(&self, file: &str, tag: &str) -> bool {
        let first = self
            .new
            .enums
            .iter()
            .find(|e| e.file == file && e.tag.as_deref() == Some(tag))
            .and_then(|e| e.members.first());
        first.is_none_or(|m| self.enum_carried(file, m))
    }

    /// A typedef of a record whose tag changed (`struct dynamic` → an anonymous struct named by
    /// the typedef) while the record kept its size and every member's name, offset and size.
    pub fn typedef_record_respelled(&self, c: &Change) -> bool {
        let (
            ChangeKind::Changed,
            ItemKind::Typedef,
            Some(Facts::Typedef { ty: t1, size: s1 }),
            Some(Facts::Typedef { ty: t2, size: s2 }),
        ) = (c.change, c.kind, &c.old, &c.new)
        else {
            return false;
        };
        // The record a typedef names: `struct tag`, an anonymous one (known by the typedef's
        // name), or through another typedef's name (`typedef guid_t uuid_le;`, guid_t being
        // `typedef struct { __u8 b[16]; } guid_t;`).
        fn record(model: &Model, ty: &str, named: &str, depth: u8) -> Option<(String, String)> {
            let Some((keyword, tag)) = ty.split_once(' ') else {
                let target = model.items.iter().find_map(|(k, i)| match &i.facts {
                    Facts::Typedef { ty: target, .. }
                        if k.kind == ItemKind::Typedef && k.name == ty =>
                    {
                        Some(target)
                    }
                    _ => None,
                })?;
                return (depth < 4).then(|| record(model, target, ty, depth + 1))?;
            };
            let tag = match tag {
                "<anonymous>" => named.to_string(),
                t if !t.contains(' ') => t.to_string(),
                _ => return None,
            };
            matches!(keyword, "struct" | "union").then(|| (keyword.to_string(), tag))
        }
        let (Some((k1, r1)), Some((k2, r2))) = (
            record(self.old, t1, &c.name, 0),
            record(self.new, t2, &c.name, 0),
        ) else {
            return false;
        };
        let before = members(self.old, c.moved_from.as_deref().unwrap_or(&c.file), &r1);
        k1 == k2
            && s1.is_some()
            && s1 == s2
            && !before.is_empty()
            && before == members(self.new, &c.file, &r2)
    }

    /// The field this one replaced, or was replaced by, at the same offset and size.
    pub fn rename_partner(&self, c: &Change) -> Option<&str> {
        let parent = c.parent.clone()?;
        self.renamed_fields
            .get(&(c.file.clone(), parent, c.name.clone()))
            .map(String::as_str)
    }
}

/// Whether type `ty` is or contains the type named `name` (`enum foo`, a typedef), as a whole word.
fn type_names(ty: &str, name: &str) -> bool {
    ty.match_indices(name).any(|(at, _)| {
        let before = ty[..at].chars().next_back();
        let after = ty[at + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// A changed field whose array changed between a fake flexible array and a real one, either way
/// (`abi::flex_conversion`), at the same offset.
fn flex_converted(c: &Change, (old, new): (&abi::TypeNames, &abi::TypeNames)) -> bool {
    match (&c.old, &c.new) {
        (
            Some(Facts::Field {
                ty: a,
                size: x,
                offset: o,
                ..
            }),
            Some(Facts::Field {
                ty: b,
                size: y,
                offset: p,
                ..
            }),
        ) => o == p && abi::flex_conversion((a, *x, old), (b, *y, new)),
        _ => false,
    }
}

/// Names the kernel uses for padding and reserved space: `pad`, `padding`, `reserved`, `resv`, `rsv`,
/// `rsvd`, `unused`, `spare`, `mbz` (must be zero), with or without underscores around them and digits
/// after (`__reserved2`, `pad_1`, `rsvd8`) or the field's place in hex (efa-abi.h: "reserved fields as
/// arrays of __u8 named reserved_XXX where XXX is the hex bit offset", `reserved_d0`; fsverity's
/// `__reserved_0x04`), and with C's reserved `__` prefix `__res` (`can_frame.__res1`) and `__align`
/// (sed-opal.h's fillers). A word that only starts like one (`paddr`) is no padding; `res` (a result,
/// `io_uring_cqe.res`) and `align` (an alignment asked for, `snd_codec_desc.align`) alone name fields.
pub fn is_padding_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let mut n = lower.as_str();
    for _ in 0..2 {
        n = n
            .trim_matches('_')
            .trim_end_matches(|c: char| c.is_ascii_digit());
    }
    let hex_place = |place: &str| {
        let digits = place.strip_prefix("0x").unwrap_or(place);
        digits.chars().all(|c| c.is_ascii_hexdigit())
    };
    let word = match n.rsplit_once('_') {
        Some((word, place)) if hex_place(place) => word.trim_end_matches('_'),
        _ => n,
    };
    [
        "pad", "padding", "reserved", "resv", "rsv", "rsvd", "unused", "spare", "mbz",
    ]
    .contains(&word)
        || matches!(word, "res" | "align") && lower.starts_with("__")
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
    &syscall::RENUMBERED,
    &syscall::MOVED,
    &syscall::REMOVED,
    &syscall::ENTRY_CHANGED,
    &syscall::ADDED,
    &moved::RULE,
    &netlink_removed::RULE,
    &netlink_renumbered::RULE,
    &netlink_attribute_type_changed::RULE,
    &netlink_checks_tightened::RULE,
    &netlink_reply_attribute_dropped::RULE,
    &netlink_operation_restricted::RULE,
    &netlink_operation_extended::RULE,
    &netlink_checks_loosened::RULE,
    &netlink_max_moved::RULE,
    &netlink_added::RULE,
    &netlink_spec_changed::RULE,
    &moved_to_arch::RULE,
    &kernel_only_type::IN_EXISTING_HEADER,
    &kernel_only_type::IN_NEW_HEADER,
    &respelled::RULE,
    &unresolved::RULE,
    &config_dependent::RULE,
    &ioctl_respelled::RULE,
    &sentinel_moved::RULE,
    &flex_array_converted::RULE,
    &padding_renamed::RULE,
    &reserved_field_used::RULE,
    &reserved_field_reshaped::RULE,
    &type_respelled::RULE,
    &signedness_changed::RULE,
    &drm_ioctl_extended::RULE,
    &drm_struct_extended::RULE,
    &ioctl_struct_changed::RULE,
    &ioctl_number_changed::RULE,
    &ioctl_added::RULE,
    &record_extended::RULE,
    &enum_size_changed::RULE,
    &layout_changed::RULE,
    &bound_grew::RULE,
    &list_extended::RULE,
    &flags_added::RULE,
    &version_bumped::RULE,
    &renumbered::RULE,
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
    &syscall::HINT_NOT_ON_EVERY_ARCH,
];

/// A classifying rule or a hint, by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().chain(HINTS).copied().find(|r| r.id == id)
}

/// Classifies every change: a change whose producer already named its rule (KMS properties, whose
/// renames only the value tables of both sides reveal) keeps it; the others get the first catalog
/// rule that matches. The severity follows the rule's under the default policy (`set_severity`). A
/// respelling (a define's removal and an enumerator's addition of one name) is first made one
/// entry; the enumerators of one renumbered enum end as one entry.
pub fn classify_all(changes: &mut Vec<Change>, old: &Model, new: &Model) {
    classify_all_with(changes, old, new, &EnumRoles::new())
}

/// `classify_all` with the enums a policy declares internal or ABI (`EnumRoles`).
pub fn classify_all_with(changes: &mut Vec<Change>, old: &Model, new: &Model, roles: &EnumRoles) {
    let (old, new) = rayon::join(|| ModelIndex::new(old), || ModelIndex::new(new));
    classify_all_indexed(changes, &Indexes::new(&old, &new), roles)
}

/// `classify_all_with` on the indexes of both models built once (`Indexes::new`), for a caller
/// that classifies several lists of changes of one pair.
pub fn classify_all_indexed(changes: &mut Vec<Change>, indexes: &Indexes, roles: &EnumRoles) {
    let (old, new) = (indexes.old, indexes.new);
    fold::fold_respellings(changes);
    fold::fold_moved_and_changed(changes, old, new);
    let mut ctx = Context::new(changes, indexes);
    ctx.enum_roles = roles.clone();
    for change in changes.iter_mut() {
        if find(&change.rule).is_none() {
            if let Some(rule) = CATALOG
                .iter()
                .find(|r| r.matches.is_some_and(|m| m(change, &ctx)))
            {
                change.rule = rule.id.to_string();
            }
        }
        if change.rule == moved_to_arch::RULE.id {
            change.moved_to = moved_to_arch::destination(change, old, new);
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
    fold::fold_renumbered(changes, &ctx);
    fold::fold_alias_targets(changes, old);
}

/// The severity of a change under the default policy (`Policy::default`), with `breaking` and
/// `needs_userspace`. A config's policy is applied to the report afterwards (`Policy::apply`).
pub fn set_severity(change: &mut Change) {
    if let Some(severity) = Policy::default().severity(change) {
        policy::set(change, severity);
    }
}

/// The `'d'` ioctl type of the DRM core and its drivers.
pub const DRM_IOCTL_TYPE: u64 = b'd' as u64;
