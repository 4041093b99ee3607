//! The harnesses' own ABI verdict on a record, from gcc's layouts alone, written from the ABI and
//! the kernel's documents independently of uapi-diff's rules (Documentation/process/
//! botching-up-ioctls.rst):
//!
//! - a record BREAKS when an old member that is not reserved space is gone, moved (byte or bit
//!   offset), resized (size or bit width) or of another type class (`__builtin_classify_type`: an
//!   integer stays an integer, a record a record…) or, a pointer, of another target (what it
//!   points to of another size or class, where gcc knows it at both sides and neither is `void`),
//!   except a record member that grew in place, an
//!   array of the same elements that grew (its old elements keep their places), an array made
//!   flexible or fixed (`x[0]` ↔ `x[]`), and a member of anonymous record type made a union from a
//!   struct or the reverse (its own members, listed at both sides, are judged); when the record
//!   shrank (other than by a fake flexible array made real, `x[1]` → `x[]`: its elements were
//!   always counted at run time from the same offset) or changed alignment (other than raised by
//!   compatible growth, or by a new member at the same size: a record copied by its size matters
//!   only to what holds it, and its arrays keep their stride); or when it
//!   grew where its size is part of the contract (`growth_breaks`: the argument of a non-DRM ioctl,
//!   whose request number encodes the size; an array element, whose successors move);
//! - otherwise it GREW (larger, or a record member grew), USED RESERVED space (new members, or
//!   reserved members changed, within the same size), or is UNCHANGED.
//!
//! Reserved space is named so by the header: a member whose name is a padding word (`pad`,
//! `reserved`, `rsvd`, `unused`, `spare`, `mbz`… with underscores and digits around it, or
//! followed by its place in hex: `reserved_d0`; `__res` and `__align` with C's reserved prefix),
//! alone or after the prefix that most members of its record share (`qs_pad2` among `qs_*`
//! members, `mem_rsvd` among `mem_*`): a prefix on its own (`sink_pad` beside `source_pad`)
//! names a field.

use std::collections::BTreeMap;

/// Where gcc placed a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// Offset and size in bytes; no size for a flexible array.
    Bytes { offset: u64, size: Option<u64> },
    /// Bit offset (DWARF's data_bit_offset) and width.
    Bits { offset: u64, width: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GccMember {
    pub place: Place,
    /// `__builtin_classify_type` of a byte member; empty for a bitfield (an integer).
    pub class: String,
    /// The size of an array member's element.
    pub element: Option<u64>,
    /// What a pointer member points to: its size and `__builtin_classify_type` (None where gcc
    /// cannot say: `void`, an opaque record, a function).
    pub target: Option<(u64, String)>,
}

/// gcc's view of one record: size, alignment, and per member (flattened name) its place and class.
#[derive(Clone, Debug)]
pub struct GccRecord {
    pub is_union: bool,
    pub size: u64,
    pub align: u64,
    pub members: BTreeMap<String, GccMember>,
}

/// gcc's classes of a record and a union.
const RECORD_CLASS: &str = "12";
const UNION_CLASS: &str = "13";
/// An array member decays to a pointer in `__builtin_classify_type`; of the two, only an array
/// changes size.
const ARRAY_CLASS: &str = "5";
/// What `__builtin_classify_type` says of `void`.
const VOID_CLASS: &str = "0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GccVerdict {
    Unchanged,
    ReservedUsed,
    Grew,
    Breaks,
}

/// The structs and unions gcc laid out, by (file, name), from the probes' output
/// (`gcc::Comparison::observed`).
pub fn gcc_records(
    observed: &BTreeMap<(String, String), String>,
) -> BTreeMap<(String, String), GccRecord> {
    let number = |file: &str, id: String| -> Option<u64> {
        observed.get(&(file.to_string(), id))?.parse().ok()
    };
    let mut out = BTreeMap::new();
    for (file, id) in observed.keys() {
        let Some((kind, name)) = id.split_once(':') else {
            continue;
        };
        if kind != "struct" && kind != "union" {
            continue;
        }
        let (Some(size), Some(align)) = (
            number(file, id.clone()),
            number(file, format!("{kind}-align:{name}")),
        ) else {
            continue;
        };
        let members_of = |probe: &str| -> Vec<(String, &String)> {
            let prefix = format!("{probe}:{name}.");
            observed
                .range((file.clone(), prefix.clone())..)
                .take_while(|((f, i), _)| f == file && i.starts_with(&prefix))
                .map(|((_, i), value)| (i[prefix.len()..].to_string(), value))
                .collect()
        };
        let mut members = BTreeMap::new();
        for (member, offset) in members_of("field") {
            let (Ok(offset), Some(class)) = (
                offset.parse(),
                observed.get(&(file.clone(), format!("field-class:{name}.{member}"))),
            ) else {
                continue;
            };
            let size = number(file, format!("field-size:{name}.{member}"));
            let element = number(file, format!("field-element-size:{name}.{member}"));
            let target = number(file, format!("field-target-size:{name}.{member}")).zip(
                observed
                    .get(&(file.clone(), format!("field-target-class:{name}.{member}")))
                    .cloned(),
            );
            let place = Place::Bytes { offset, size };
            let class = class.clone();
            members.insert(
                member,
                GccMember {
                    place,
                    class,
                    element,
                    target,
                },
            );
        }
        for (member, offset) in members_of("bitfield") {
            let width = number(file, format!("bitfield-width:{name}.{member}"));
            let (Ok(offset), Some(width)) = (offset.parse(), width) else {
                continue;
            };
            let place = Place::Bits { offset, width };
            let class = String::new();
            let element = None;
            members.insert(
                member,
                GccMember {
                    place,
                    class,
                    element,
                    target: None,
                },
            );
        }
        out.insert(
            (file.clone(), name.to_string()),
            GccRecord {
                is_union: kind == "union",
                size,
                align,
                members,
            },
        );
    }
    out
}

/// The words a header names reserved space with.
const RESERVED_WORDS: &[&str] = &[
    "pad", "padding", "reserved", "resv", "rsv", "rsvd", "unused", "spare", "mbz",
];

/// Whether `word` (one `_`-separated part of a name, or a whole name) is a reserved word with
/// underscores and digits around it.
fn reserved_word(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let bare = lower
        .trim_matches(|c: char| c == '_' || c.is_ascii_digit())
        .to_string();
    // `res` alone may be a result (`io_uring_cqe.res`), `align` an alignment asked for
    // (`snd_codec_desc.align`); with C's reserved `__` prefix they are reserved space
    // (`can_frame.__res1`, sed-opal.h's `__align[5]`).
    RESERVED_WORDS.contains(&bare.as_str())
        || ["res", "align"].contains(&bare.as_str()) && lower.starts_with("__")
}

/// Whether `place` is a field's place written in hex (`d0`, `0x04`), as efa-abi.h names its
/// reserved fields: "reserved_XXX where XXX is the hex bit offset".
fn hex_place(place: &str) -> bool {
    let digits = place.strip_prefix("0x").unwrap_or(place);
    !place.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `member` (a flattened name, `u.rsvd`) of a record with these members is reserved space.
pub fn is_reserved(member: &str, members: &[&str]) -> bool {
    let last = member.rsplit('.').next().unwrap_or(member);
    if reserved_word(last) {
        return true;
    }
    // `qs_pad2` → `qs_` and `pad2`; `tcm__pad1` → `tcm_` and `pad1`.
    let Some((prefix, word)) = last.rsplit_once('_') else {
        return false;
    };
    // `reserved_d0`, `__reserved_0x04`: a reserved word and its place.
    if hex_place(word) && reserved_word(prefix) {
        return true;
    }
    let prefix = prefix.trim_end_matches('_');
    if prefix.is_empty() || !reserved_word(word) {
        return false;
    }
    let prefix = format!("{prefix}_");
    let sharing = members
        .iter()
        .filter(|m| m.rsplit('.').next().unwrap_or(m).starts_with(&prefix))
        .count();
    sharing * 2 > members.len()
}

/// The old members that are not reserved space and that the new layout lost, moved, resized or
/// retyped (a record member grown in place, an alternative grown inside a union of unchanged size,
/// an array made flexible aside), with what happened.
pub fn broken_members(old: &GccRecord, new: &GccRecord) -> BTreeMap<String, &'static str> {
    let names: Vec<&str> = old.members.keys().map(String::as_str).collect();
    let mut out = BTreeMap::new();
    // Whether a record lists members under this one's name: its type is anonymous, and its
    // members are judged one by one (a struct made a union keeps a member in place or moves it).
    let listed = |r: &GccRecord, name: &str| {
        let prefix = format!("{name}.");
        r.members.keys().any(|k| k.starts_with(&prefix))
    };
    let records = [RECORD_CLASS, UNION_CLASS];
    for (name, m) in &old.members {
        if is_reserved(name, &names) {
            continue;
        }
        let Some(n) = new.members.get(name) else {
            out.insert(name.clone(), "gone");
            continue;
        };
        // What a pointer points to, where gcc knows it at both sides (not `void`): the kernel
        // reads and writes it, so a target of another size or class is another type.
        let retargeted = match (&m.target, &n.target) {
            (Some(a), Some(b)) => a != b && a.1 != VOID_CLASS && b.1 != VOID_CLASS,
            _ => false,
        };
        let what = match (&m.place, &n.place) {
            _ if retargeted => Some("retargeted"),
            _ if m.class != n.class
                && !(records.contains(&&*m.class)
                    && records.contains(&&*n.class)
                    && listed(old, name)
                    && listed(new, name)) =>
            {
                Some("retyped")
            }
            (
                Place::Bits {
                    offset: a,
                    width: w,
                },
                Place::Bits {
                    offset: b,
                    width: v,
                },
            ) => (a != b || w != v).then_some("moved or resized"),
            (Place::Bytes { offset: a, .. }, Place::Bytes { offset: b, .. }) if a != b => {
                Some("moved")
            }
            (Place::Bytes { size: x, .. }, Place::Bytes { size: y, .. }) => match (x, y) {
                // A flexible array on either side (`x[0]` ↔ `x[]`): it keeps its place, and the
                // record's size says whether anything shrank.
                (None, _) | (_, None) => None,
                (Some(x), Some(y)) if y > x && records.contains(&&*m.class) => None,
                // An array of the same elements grown: its old elements keep their places.
                (Some(x), Some(y))
                    if y > x
                        && m.class == ARRAY_CLASS
                        && m.element.is_some()
                        && m.element == n.element =>
                {
                    None
                }
                (x, y) if x != y => Some("resized"),
                _ => None,
            },
            _ => Some("made a bitfield or no longer one"),
        };
        if let Some(what) = what {
            out.insert(name.clone(), what);
        }
    }
    out
}

/// Whether the record shrank only by a fake flexible array made real (`x[0]`, `x[1]` → `x[]`): a
/// member of at most one element (by gcc's element size) at the same offset, flexible now, with
/// every byte before it kept. Its elements were always counted at run time from that offset
/// (Documentation/process/deprecated.rst); `sizeof` alone lost the fake element.
fn shrunk_by_flex(old: &GccRecord, new: &GccRecord) -> bool {
    old.members.iter().any(|(name, m)| {
        let Some(n) = new.members.get(name) else {
            return false;
        };
        match (&m.place, &n.place) {
            (
                Place::Bytes {
                    offset: a,
                    size: Some(size),
                },
                Place::Bytes {
                    offset: b,
                    size: None,
                },
            ) => {
                let single = *size == 0 || Some(*size) == m.element;
                a == b && single && m.element == n.element && new.size >= *b
            }
            _ => false,
        }
    })
}

/// The verdict on a record present at both sides (see the module's comment).
pub fn verdict(old: &GccRecord, new: &GccRecord, growth_breaks: bool) -> GccVerdict {
    // A record copied by its negotiated size: its alignment matters only to what holds it, judged
    // on its own; so an alignment raised by compatible growth is part of that growth.
    let aligned_by_growth = new.size > old.size && !growth_breaks && new.align > old.align;
    // A new member of wider alignment raising it at the same size: arrays keep their stride.
    let added = new.members.keys().any(|n| !old.members.contains_key(n));
    let aligned_by_new_member = new.size == old.size && new.align > old.align && added;
    // Shrinking breaks unless it is a flexible array's compatible shrink.
    let shrunk = new.size < old.size && (growth_breaks || !shrunk_by_flex(old, new));
    if shrunk
        || (new.align != old.align && !aligned_by_growth && !aligned_by_new_member)
        || !broken_members(old, new).is_empty()
    {
        return GccVerdict::Breaks;
    }
    let member_grew = old.members.iter().any(|(name, m)| {
        matches!(
            (&m.place, new.members.get(name).map(|n| &n.place)),
            (Place::Bytes { size: Some(x), .. }, Some(Place::Bytes { size: Some(y), .. })) if y > x
        )
    });
    if new.size > old.size && growth_breaks {
        return GccVerdict::Breaks;
    }
    if new.size > old.size || member_grew {
        return GccVerdict::Grew;
    }
    let names: Vec<&str> = old.members.keys().map(String::as_str).collect();
    let reserved_changed = old
        .members
        .iter()
        .any(|(name, m)| is_reserved(name, &names) && new.members.get(name) != Some(m));
    if added || reserved_changed {
        GccVerdict::ReservedUsed
    } else {
        GccVerdict::Unchanged
    }
}
