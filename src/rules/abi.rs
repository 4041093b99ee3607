//! ABI judgement of structs and unions from their computed layouts, shared by the rules (it is no
//! rule itself). A record present at both revisions keeps its binary interface when every old member
//! that is not padding or reserved space keeps its offset, size, bit position and type class (an
//! integer stays an integer, a record a record of the same layout, an array an array of such
//! elements); when the record keeps its alignment and does not shrink; and when it grows only where
//! growth is compatible (not as the argument of a non-DRM ioctl, whose request number carries the
//! size, nor as an array element, whose successors would move). Reserved space may be consumed in
//! whole or in part: Documentation/process/botching-up-ioctls.rst.

use super::{is_padding_name, ModelIndex};
use crate::change::{BitField, Change, ChangeKind, Facts, ItemKind, NonInteger};
use crate::model::{Item, ItemKey, Model};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// What a member's type is to the ABI, typedefs resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeClass {
    /// `signed`: None for an enum, whose signedness the compiler picks.
    Integer {
        signed: Option<bool>,
    },
    Float,
    /// A pointer, with what it points to as spelled (None: a function, whose parameters the
    /// spelling does not keep).
    Pointer(Option<String>),
    /// `struct x`, `union y` (the spelling, typedefs resolved).
    Record(String),
    Array(Box<TypeClass>),
    /// A name that resolves to nothing known.
    Unknown(String),
}

/// How a member's type changed between two revisions whose offset, size and bits are equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeChange {
    /// The same canonical type, spelled otherwise (`uint32_t` → `__u32`, `__le32` → `__u32`, a
    /// nested record renamed with an identical layout).
    Respelled,
    /// The same size of integer with the other signedness (`__u32` → `__s32`, `char` → `__u8`).
    Signedness,
    /// Another class of type (integer → pointer, record → array, …).
    Other,
}

/// A revision's typedefs, to resolve a type's spelling to its class.
pub struct TypeNames<'m> {
    model: &'m Model,
    typedefs: FxHashMap<&'m str, &'m str>,
    /// Defines that name a type (`#define __aligned_u64 __u64 __attribute__((aligned(8)))`), the
    /// type without its attributes (alignment is judged by the layout, not the name).
    type_defines: FxHashMap<&'m str, &'m str>,
}

impl<'m> TypeNames<'m> {
    /// Its typedefs; its type defines are added item by item, in key order (`add`).
    pub fn new(model: &'m Model) -> Self {
        let mut typedefs = FxHashMap::default();
        // The arch's definition a program sees first (`Model::typedefs`), whichever header the
        // path order puts first.
        for (key, item) in model.typedefs() {
            if let Facts::Typedef { ty, .. } = &item.facts {
                typedefs.entry(key.name.as_str()).or_insert(ty.as_str());
            }
        }
        for (name, ty) in crate::model::libc_typedefs() {
            typedefs.entry(name.as_str()).or_insert(ty.as_str());
        }
        TypeNames {
            model,
            typedefs,
            type_defines: FxHashMap::default(),
        }
    }

    /// Takes in one item of the model, in key order: a define that names a type.
    pub fn add(&mut self, key: &'m ItemKey, item: &'m Item) {
        if let (
            ItemKind::Define,
            Facts::Value {
                text,
                non_integer: Some(NonInteger::Type),
                ..
            },
        ) = (key.kind, &item.facts)
        {
            let ty = text.split("__attribute__").next().unwrap_or(text).trim();
            self.type_defines.entry(key.name.as_str()).or_insert(ty);
        }
    }

    pub fn class(&self, ty: &str) -> TypeClass {
        self.class_at(ty, 0)
    }

    fn class_at(&self, ty: &str, depth: usize) -> TypeClass {
        let t = unqualified(ty);
        if let Some((element, _)) = t.split_once('[') {
            return TypeClass::Array(Box::new(self.class_at(element, depth)));
        }
        if t.contains('(') {
            return TypeClass::Pointer(None);
        }
        if let Some(pointee) = t.strip_suffix('*') {
            return TypeClass::Pointer(Some(pointee.trim_end().to_string()));
        }
        if t.starts_with("struct ") || t.starts_with("union ") {
            return TypeClass::Record(t.to_string());
        }
        if t.starts_with("enum ") {
            return TypeClass::Integer { signed: None };
        }
        if let Some((_, _, signed)) = self.model.arch.builtin(t) {
            return match signed {
                Some(s) => TypeClass::Integer { signed: Some(s) },
                None => TypeClass::Float,
            };
        }
        match self.typedefs.get(t).or_else(|| self.type_defines.get(t)) {
            Some(target) if depth < 16 && *target != t => self.class_at(target, depth + 1),
            _ => TypeClass::Unknown(t.to_string()),
        }
    }

    /// The size of a scalar, pointer or record type by its spelling, typedefs resolved; None for
    /// an array or function type, or a name nothing defines.
    pub fn size_of(&self, ty: &str) -> Option<u64> {
        self.size_at(ty, 0)
    }

    fn size_at(&self, ty: &str, depth: usize) -> Option<u64> {
        let t = unqualified(ty);
        if t.contains('[') || t.contains('(') {
            return None;
        }
        if t.ends_with('*') {
            return Some(self.model.arch.pointer_size());
        }
        if let Some((size, _, _)) = self.model.arch.builtin(t) {
            return Some(size);
        }
        if t.starts_with("struct ") || t.starts_with("union ") {
            let name = record_name(t);
            return self
                .model
                .items
                .iter()
                .find_map(|(k, item)| match &item.facts {
                    Facts::Record { size, .. } if k.parent.is_none() && k.name == name => *size,
                    _ => None,
                });
        }
        match self.typedefs.get(t).or_else(|| self.type_defines.get(t)) {
            Some(target) if depth < 16 && *target != t => self.size_at(target, depth + 1),
            _ => None,
        }
    }
}

/// A type's spelling without its qualifiers (`const`, `volatile`).
fn unqualified(ty: &str) -> &str {
    let mut t = ty.trim();
    loop {
        let before = t;
        for qualifier in ["const ", "volatile ", "__volatile__ "] {
            t = t.strip_prefix(qualifier).unwrap_or(t).trim_start();
        }
        if t == before {
            return t;
        }
    }
}

/// A member's type and size at one revision, and that revision's type names.
pub type Typed<'a, 'm> = (&'a str, Option<u64>, &'a TypeNames<'m>);

/// A trailing array changed between a real flexible array (`T x[]`) and a fake one (`T x[0]`,
/// `T x[1]`, the length also spelled by a constant: `x[MPI3_NVME_ENCAP_CMD_MAX]`), in either
/// direction, its element type spelled alike. Both declare elements counted at run time from the
/// same offset (Documentation/process/deprecated.rst, "Zero-length and one-element arrays"); only
/// `sizeof` of the record differs, by the one fake element.
pub fn flex_conversion(old: Typed, new: Typed) -> bool {
    let real = |ty: &str| unqualified(ty).strip_suffix(" []").map(str::to_string);
    // `T [n]` of at most one element, by its size: 0, or one element's.
    let fake = |(ty, size, types): Typed| {
        let (element, length) = unqualified(ty).rsplit_once(" [")?;
        let one_dimension = length.ends_with(']') && !length.contains('[');
        // A literal length says it; a named one (`[MPI3_NVME_ENCAP_CMD_MAX]`) by the size. (The
        // size of a typedef is the arch's definition of its name, `Model::typedefs`.)
        let literal = matches!(length.trim_end_matches(']').trim(), "0" | "1");
        let single = literal || size == Some(0) || size.is_some() && size == types.size_of(element);
        (one_dimension && single).then(|| element.to_string())
    };
    let made_real = real(new.0).is_some() && real(new.0) == fake(old);
    let made_fake = real(old.0).is_some() && real(old.0) == fake(new);
    made_real || made_fake
}

/// How the type of a member changed, its place and size being equal.
pub fn type_change(
    old: &TypeNames,
    old_ty: &str,
    new: &TypeNames,
    new_ty: &str,
    file: &str,
) -> TypeChange {
    type_change_within(old, old_ty, new, new_ty, file, &mut Vec::new())
}

/// `type_change` inside the comparisons of the pointer targets in `within` (a record reached
/// again through its own pointers, `struct node { struct node *next; }`, is judged by the
/// comparison already under way).
fn type_change_within(
    old: &TypeNames,
    old_ty: &str,
    new: &TypeNames,
    new_ty: &str,
    file: &str,
    within: &mut Vec<(String, String)>,
) -> TypeChange {
    compare_classes(
        old,
        &old.class(old_ty),
        new,
        &new.class(new_ty),
        file,
        within,
    )
}

/// Whether a record spelling is of an anonymous struct or union (`union <anonymous>`).
fn is_anonymous(spelling: &str) -> bool {
    spelling.ends_with("<anonymous>")
}

fn compare_classes(
    old: &TypeNames,
    a: &TypeClass,
    new: &TypeNames,
    b: &TypeClass,
    file: &str,
    within: &mut Vec<(String, String)>,
) -> TypeChange {
    match (a, b) {
        (TypeClass::Integer { signed: x }, TypeClass::Integer { signed: y }) => match (x, y) {
            (Some(x), Some(y)) if x != y => TypeChange::Signedness,
            _ => TypeChange::Respelled,
        },
        (TypeClass::Array(x), TypeClass::Array(y)) => match (&**x, &**y) {
            // An array element's members are not listed when its type is anonymous: nothing
            // shows that a tag given to it kept them.
            (TypeClass::Record(e), TypeClass::Record(f))
                if e != f && (is_anonymous(e) || is_anonymous(f)) =>
            {
                TypeChange::Other
            }
            _ => compare_classes(old, x, new, y, file, within),
        },
        (TypeClass::Pointer(x), TypeClass::Pointer(y)) => {
            compare_pointees(old, x, new, y, file, within)
        }
        (TypeClass::Record(x), TypeClass::Record(y)) if x == y => TypeChange::Respelled,
        // Anonymous at both sides: its members are listed under the member's name (`u.x`) and
        // judged one by one, so a struct made a union or the reverse is judged by them (a
        // one-member struct made a union with an alternative beside it keeps that member in place;
        // a second member of a struct made a union moves). Nothing names the type itself.
        (TypeClass::Record(x), TypeClass::Record(y)) if is_anonymous(x) && is_anonymous(y) => {
            TypeChange::Respelled
        }
        // An anonymous record type given a tag, or the reverse: its members are judged one by
        // one under the member's name (`u.x`), as `judge_records` lists them at both sides.
        (TypeClass::Record(x), TypeClass::Record(y)) if is_anonymous(x) || is_anonymous(y) => {
            match x.split(' ').next() == y.split(' ').next() {
                true => TypeChange::Respelled,
                false => TypeChange::Other,
            }
        }
        (TypeClass::Record(x), TypeClass::Record(y)) => {
            let before = record_members(old.model, file, record_name(x));
            let after = record_members(new.model, file, record_name(y));
            let same_kind = x.split(' ').next() == y.split(' ').next();
            // The same members at the same places, their types alike (C records hold no record
            // of their own type; one reached again through a pointer is `within`, so this ends).
            let same_members = before.len() == after.len()
                && before.iter().all(|(name, m)| {
                    after.get(name).is_some_and(|n| {
                        (m.offset, m.size, m.bits) == (n.offset, n.size, n.bits)
                            && (m.ty == n.ty
                                || type_change_within(old, &m.ty, new, &n.ty, file, within)
                                    == TypeChange::Respelled)
                    })
                });
            if same_kind && !before.is_empty() && same_members {
                TypeChange::Respelled
            } else {
                TypeChange::Other
            }
        }
        (x, y) if x == y => TypeChange::Respelled,
        _ => TypeChange::Other,
    }
}

/// Two pointers' targets: the pointers' own bytes are alike, what they point to is what the kernel
/// reads and writes through them. The same type, however spelled, is a respelling; so is a pointer
/// to `void` on either side, which declares no layout to keep (`void *` → `struct x *` says what
/// the kernel always read there). Targets of known sizes that differ, or of another class, are
/// another type (`__u32 *` → `__u64 *`: the kernel now reads 8 bytes per element where old
/// binaries wrote 4); a target of the other signedness is a signedness change. Function pointers
/// keep no parameters in their spelling: two are alike, a function pointer made a data pointer
/// or the reverse is another type. Targets already being compared (`within`, records that point
/// to themselves) are alike here: what differs in them is found by the comparison under way.
fn compare_pointees(
    old: &TypeNames,
    x: &Option<String>,
    new: &TypeNames,
    y: &Option<String>,
    file: &str,
    within: &mut Vec<(String, String)>,
) -> TypeChange {
    let (x, y) = match (x, y) {
        (None, None) => return TypeChange::Respelled,
        (Some(x), Some(y)) => (unqualified(x), unqualified(y)),
        _ => return TypeChange::Other,
    };
    if x == y || x == "void" || y == "void" {
        return TypeChange::Respelled;
    }
    if let (Some(a), Some(b)) = (old.size_of(x), new.size_of(y)) {
        if a != b {
            return TypeChange::Other;
        }
    }
    let pair = (x.to_string(), y.to_string());
    if within.contains(&pair) {
        return TypeChange::Respelled;
    }
    within.push(pair);
    let change = type_change_within(old, x, new, y, file, within);
    within.pop();
    change
}

pub fn record_name(spelling: &str) -> &str {
    spelling
        .trim_start_matches("struct ")
        .trim_start_matches("union ")
        .trim()
}

/// A member as its layout places it: offset, size, bit position and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub offset: Option<u64>,
    pub size: Option<u64>,
    pub bits: Option<BitField>,
    pub ty: String,
}

/// A record's members by (flattened) name: from its own header, else from any header (a nested
/// record declared in an included header).
pub fn record_members(model: &Model, file: &str, record: &str) -> BTreeMap<String, Member> {
    let member = |(k, item): (&ItemKey, &Item)| match &item.facts {
        Facts::Field {
            offset,
            size,
            bits,
            ty,
            ..
        } => Some((
            k.name.clone(),
            Member {
                offset: *offset,
                size: *size,
                bits: *bits,
                ty: ty.clone(),
            },
        )),
        _ => None,
    };
    let own: BTreeMap<String, Member> = model.fields_of(file, record).filter_map(member).collect();
    if !own.is_empty() {
        return own;
    }
    model
        .items
        .iter()
        .filter(|(k, _)| k.kind == ItemKind::Field && k.parent.as_deref() == Some(record))
        .filter_map(member)
        .collect()
}

/// The judgement of one record present at both revisions.
/// Ordered from compatible to breaking (`max` is the worst).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Every old member in place, with its type class; no new member, no growth.
    Unchanged,
    /// New members in what was padding or reserved space, the record's size and alignment kept.
    ReservedUsed,
    /// The record, or a record member within it, grew where growth is compatible, old members in
    /// place (new members may also fill reserved space).
    Grew,
    /// An old member moved, shrank, grew, changed class or vanished; or the record shrank, changed
    /// alignment, or grew as a non-DRM ioctl's argument or an array element.
    Breaks,
}

/// What the rules need to know of a record at both revisions.
pub struct Judgement {
    pub verdict: Verdict,
    /// The byte ranges of the old record's padding and reserved members.
    pub old_reserved: Vec<(u64, u64)>,
    /// The (flattened) names of the old record's padding and reserved members.
    pub reserved_names: FxHashSet<String>,
    /// Members one side lists under an anonymous record member (`u.x`) and the other reaches
    /// through the same member given a tagged type (`union u_t u`), at the same place.
    pub reached_through_tag: FxHashSet<String>,
    /// Old members that grew in place (a record member; an array of the same elements), what
    /// follows them judged by its own places.
    pub grown_in_place: FxHashSet<String>,
    /// A `Breaks` verdict that another entry of the diff shows: the record's own (its size or
    /// alignment changed) or that of an old member that is not reserved space (removed or
    /// changed). Reserved members never decide the verdict, so a reserved member reshaped in a
    /// breaking record is not the evidence of its break; false where no such entry is in the diff
    /// or the verdict rests on sizes not computed.
    pub break_shown: bool,
}

/// The members of a record that are padding or reserved space, by name: a padding word alone
/// (`pad`, `__reserved2`, `u.rsvd`: `is_padding_name`), or after the prefix most of the record's
/// members share, the record's own naming convention (`qs_pad2` among `qs_*` members, `mem_rsvd`
/// among `mem_*`, `de_rsv`, `tcm_reserved`). A prefix that only some members share names a field
/// (`sink_pad` beside `source_pad` and `flags`: a media pad; `nr_unused` beside `nr_dentry`: a
/// count).
pub fn reserved_members<'a>(names: impl IntoIterator<Item = &'a String>) -> FxHashSet<String> {
    let names: Vec<&String> = names.into_iter().collect();
    let mut prefixes: FxHashMap<&str, usize> = FxHashMap::default();
    for name in &names {
        let last = last_part(name);
        // Every `_`-ended prefix of the name, counted once per member.
        let mut seen = FxHashSet::default();
        for (i, _) in last.match_indices('_').filter(|(i, _)| *i > 0) {
            if seen.insert(&last[..=i]) {
                *prefixes.entry(&last[..=i]).or_default() += 1;
            }
        }
    }
    names
        .iter()
        .filter(|name| {
            let last = last_part(name);
            is_padding_name(last)
                || last.rmatch_indices('_').any(|(i, _)| {
                    i > 0
                        && is_padding_name(&last[i + 1..])
                        && prefixes
                            .get(&last[..=i])
                            .is_some_and(|n| n * 2 > names.len())
                })
        })
        .map(|name| name.to_string())
        .collect()
}

/// Judges every struct and union present under one name in one header at both revisions that
/// `changes` touch. `ioctl_args`: record names passed to an ioctl → whether one is a DRM ioctl;
/// each revision's index resolves member types to their class by its type names, and the new
/// one's tells which records are held as array elements.
pub fn judge_records(
    changes: &[Change],
    (old_index, new_index): (&ModelIndex, &ModelIndex),
    ioctl_args: &FxHashMap<String, bool>,
) -> FxHashMap<(String, String), Judgement> {
    let (old, new) = (old_index.model, new_index.model);
    let (old_types, new_types) = (&old_index.types, &new_index.types);
    // (file, record, the file it was in at the old revision: another one when it moved).
    let touched: FxHashSet<(String, String, String)> = changes
        .iter()
        .filter_map(|c| match c.kind {
            ItemKind::Struct | ItemKind::Union if c.change == ChangeKind::Changed => {
                let before = c.moved_from.clone().unwrap_or_else(|| c.file.clone());
                Some((c.file.clone(), c.name.clone(), before))
            }
            ItemKind::Field => Some((c.file.clone(), c.parent.clone()?, c.file.clone())),
            _ => None,
        })
        .collect();
    let record = |model: &Model, file: &str, name: &str| {
        [ItemKind::Struct, ItemKind::Union].iter().find_map(|kind| {
            let key = crate::model::ItemKey {
                kind: *kind,
                parent: None,
                name: name.to_string(),
                file: file.to_string(),
            };
            match &model.items.get(&key)?.facts {
                Facts::Record { size, align, .. } => Some((*size, *align)),
                _ => None,
            }
        })
    };
    let mut out = FxHashMap::default();
    for (file, name, old_file) in touched {
        let (Some(before), Some(after)) =
            (record(old, &old_file, &name), record(new, &file, &name))
        else {
            continue;
        };
        let (mut old_members, mut new_members) = (
            record_members(old, &old_file, &name),
            record_members(new, &file, &name),
        );
        let reached_old =
            reach_through_tags(old, &old_file, &mut old_members, &new_members, old_types);
        let reached_new = reach_through_tags(new, &file, &mut new_members, &old_members, new_types);
        let reached_through_tag = reached_old
            .union(&reached_new)
            .filter(|n| old_members.get(*n) == new_members.get(*n))
            .cloned()
            .collect();
        let growth_breaks = ioctl_args.get(&name) == Some(&false)
            || new_index.array_elements().contains(name.as_str());
        let Found {
            verdict,
            grown: grown_in_place,
            break_shown,
        } = judge(
            Layouts {
                old: (before, &old_members, old_types),
                new: (after, &new_members, new_types),
            },
            &file,
            growth_breaks,
        );
        let reserved_names = reserved_members(old_members.keys());
        // The entry that shows the break: the record's own, or a member's that is not reserved.
        let shown = |c: &&Change| {
            c.file == file
                && match c.kind {
                    ItemKind::Struct | ItemKind::Union => {
                        c.change == ChangeKind::Changed && c.name == name
                    }
                    ItemKind::Field => {
                        c.change != ChangeKind::Added
                            && c.parent.as_deref() == Some(name.as_str())
                            && !reserved_names.contains(&c.name)
                    }
                    _ => false,
                }
        };
        let break_shown = break_shown && changes.iter().any(|c| shown(&c));
        let old_reserved = old_members
            .iter()
            .filter(|(n, _)| reserved_names.contains(*n))
            .filter_map(|(_, m)| Some((m.offset?, m.offset? + m.size?)))
            .collect();
        out.insert(
            (file, name),
            Judgement {
                verdict,
                old_reserved,
                reserved_names,
                reached_through_tag,
                grown_in_place,
                break_shown,
            },
        );
    }
    out
}

/// Adds to `members` the members of each member whose record type has a tag where `other` (the
/// record at the other revision) lists that member's members itself, as it does for an anonymous
/// record type (`union { __u32 x; } u` lists `u.x`): `union u_t { __u32 x; } u` reaches the same
/// `u.x`. Returns the names added.
fn reach_through_tags(
    model: &Model,
    file: &str,
    members: &mut BTreeMap<String, Member>,
    other: &BTreeMap<String, Member>,
    types: &TypeNames,
) -> FxHashSet<String> {
    let mut added = FxHashSet::default();
    // Outer members first, so that a tagged member within a tagged member is reached too.
    let mut queue: Vec<String> = members.keys().cloned().collect();
    while let Some(name) = queue.pop() {
        let prefix = format!("{name}.");
        let listed_here = members.keys().any(|k| k.starts_with(&prefix));
        let listed_there = other.keys().any(|k| k.starts_with(&prefix));
        let Some(m) = members.get(&name).filter(|_| listed_there && !listed_here) else {
            continue;
        };
        let (TypeClass::Record(spelling), Some(base)) = (types.class(&m.ty), m.offset) else {
            continue;
        };
        if is_anonymous(&spelling) {
            continue;
        }
        for (child, c) in record_members(model, file, record_name(&spelling)) {
            let placed = Member {
                offset: c.offset.map(|o| o + base),
                bits: c.bits.map(|b| BitField {
                    bit_offset: b.bit_offset + base * 8,
                    ..b
                }),
                ..c
            };
            let full = format!("{prefix}{child}");
            added.insert(full.clone());
            queue.push(full.clone());
            members.insert(full, placed);
        }
    }
    added
}

/// A record's size and alignment, members and typedefs at one revision.
type Side<'a, 'm> = (
    (Option<u64>, Option<u64>),
    &'a BTreeMap<String, Member>,
    &'a TypeNames<'m>,
);

struct Layouts<'a, 'm> {
    old: Side<'a, 'm>,
    new: Side<'a, 'm>,
}

/// The last part of a flattened member name (`u.reserved` → `reserved`).
pub fn last_part(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// What `judge` finds of a record: its verdict, the old members that grew in place (a record
/// member, an array of the same elements), and whether a break shows in another entry than a
/// reserved member's (`Judgement::break_shown`).
struct Found {
    verdict: Verdict,
    grown: FxHashSet<String>,
    break_shown: bool,
}

fn judge(sides: Layouts, file: &str, growth_breaks: bool) -> Found {
    let mut grown = FxHashSet::default();
    // Every verdict but the one on sizes not computed is decided by the record's size or
    // alignment, which the record's own entry shows, or by a member that is not reserved space
    // (`judge_members` skips those), which its own entry shows.
    let sized = sides.old.0 .0.is_some() && sides.new.0 .0.is_some();
    let verdict = judge_members(sides, file, growth_breaks, &mut grown);
    Found {
        verdict,
        grown,
        break_shown: verdict == Verdict::Breaks && sized,
    }
}

fn judge_members(
    sides: Layouts,
    file: &str,
    growth_breaks: bool,
    grown: &mut FxHashSet<String>,
) -> Verdict {
    let ((old_size, old_align), old_members, old_types) = sides.old;
    let ((new_size, new_align), new_members, new_types) = sides.new;
    let (Some(old_size), Some(new_size)) = (old_size, new_size) else {
        return Verdict::Breaks;
    };
    // A record passed by pointer with its size negotiated is copied as bytes: its alignment
    // matters only to the records and arrays holding it. A record that holds it is judged on its
    // own (its members after this one move); an array element's growth breaks anyway. So an
    // alignment raised by members appended at the end (4 → 8 by a `__u64`) is part of compatible
    // growth; any other change of alignment breaks.
    let raised = matches!((old_align, new_align), (Some(a), Some(b)) if b > a);
    let aligned_by_growth = new_size > old_size && !growth_breaks && raised;
    // A new member of wider alignment (a `__be64` alternative over `char handle[8]`) may raise the
    // alignment at the same size: every old member in place (checked below), arrays of the record
    // keep their stride, and what holds it is judged on its own.
    let aligned_by_new_member =
        new_size == old_size && raised && new_members.keys().any(|n| !old_members.contains_key(n));
    // A fake flexible array made real (`x[1]` → `x[]`) shrinks `sizeof` by its one element, not the
    // bytes exchanged: the elements were always counted at run time, from the same offset. Where
    // the size is part of the contract (a non-DRM ioctl's number, an array's stride) it breaks.
    let shrunk_by_flex = !growth_breaks
        && old_members.iter().any(|(name, m)| {
            new_members.get(name).is_some_and(|n| {
                m.offset == n.offset
                    && m.offset.is_some_and(|o| new_size >= o)
                    && flex_conversion((&m.ty, m.size, old_types), (&n.ty, n.size, new_types))
            })
        });
    if (new_size < old_size && !shrunk_by_flex)
        || (old_align != new_align && !aligned_by_growth && !aligned_by_new_member)
    {
        return Verdict::Breaks;
    }
    let mut grew = new_size > old_size;
    let reserved = reserved_members(old_members.keys());
    for (name, m) in old_members {
        if reserved.contains(name) {
            continue;
        }
        let Some(n) = new_members.get(name) else {
            return Verdict::Breaks;
        };
        if m.offset.is_none() || m.offset != n.offset || m.bits != n.bits {
            return Verdict::Breaks;
        }
        let old_class = old_types.class(&m.ty);
        let new_class = new_types.class(&n.ty);
        // An array made flexible (`x[0]`, `x[1]` → `x[]`), or fixed again, keeps its place; the
        // record's size says whether anything shrank (flex-array-converted judges the member).
        let flexible_on_one_side = (n.ty.ends_with("[]")
            && matches!(old_class, TypeClass::Array(_)))
            || (m.ty.ends_with("[]") && matches!(new_class, TypeClass::Array(_)));
        if m.size != n.size && !flexible_on_one_side {
            // A record member may grow in place: what follows it is judged by its own offset. So
            // may an array of the same elements (`__u64 mask[2]` → `mask[4]`, a union's array
            // alternative): its old elements keep their places, as appended members would.
            let records = matches!(
                (&old_class, &new_class),
                (TypeClass::Record(_), TypeClass::Record(_))
            );
            // One dimension only: a row of `x[2][4]` → `x[2][8]` grows and the next row moves.
            let element = |ty: &str, types: &TypeNames| {
                let (element, bounds) = ty.split_once('[')?;
                (!bounds.contains('[')).then(|| types.size_of(element))?
            };
            let arrays = match (&old_class, &new_class) {
                (TypeClass::Array(x), TypeClass::Array(y)) => {
                    compare_classes(old_types, x, new_types, y, file, &mut Vec::new())
                        != TypeChange::Other
                        && element(&m.ty, old_types).is_some()
                        && element(&m.ty, old_types) == element(&n.ty, new_types)
                }
                _ => false,
            };
            if (records || arrays) && n.size > m.size {
                grew = true;
                grown.insert(name.clone());
                continue;
            }
            return Verdict::Breaks;
        }
        let change = compare_classes(
            old_types,
            &old_class,
            new_types,
            &new_class,
            file,
            &mut Vec::new(),
        );
        if change == TypeChange::Other {
            return Verdict::Breaks;
        }
    }
    if grew {
        return if growth_breaks && new_size > old_size {
            Verdict::Breaks
        } else {
            Verdict::Grew
        };
    }
    let added = new_members.keys().any(|n| !old_members.contains_key(n));
    let reserved_changed = old_members
        .iter()
        .any(|(name, m)| reserved.contains(name) && new_members.get(name) != Some(m));
    if added || reserved_changed {
        Verdict::ReservedUsed
    } else {
        Verdict::Unchanged
    }
}

/// Names of the records some record holds an array of (`struct x y[4]`, `struct x y[]`). Each
/// type is classified once, however many members have it.
pub(super) fn array_element_records(model: &Model, types: &TypeNames) -> FxHashSet<String> {
    let mut element_of: FxHashMap<&str, Option<String>> = FxHashMap::default();
    for item in model.items.values() {
        if let Facts::Field { ty, .. } = &item.facts {
            element_of
                .entry(ty.as_str())
                .or_insert_with(|| match types.class(ty) {
                    TypeClass::Array(element) => match *element {
                        TypeClass::Record(r) => Some(record_name(&r).to_string()),
                        _ => None,
                    },
                    _ => None,
                });
        }
    }
    element_of.into_values().flatten().collect()
}
