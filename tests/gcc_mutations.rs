//! The mutation harness (issue #29, point 8): real uAPI records, edited as real patches edit them,
//! judged by gcc and by uapi-diff, and the two verdicts compared class by class.
//!
//! From the v6.12 tree, a fixed, seeded sample of file-scope structs and unions (and of flag masks
//! and runs of defines) is drawn per class of edit. Each is copied, under a name of its own, into a
//! header that includes the one it comes from, as it is (old) and as the class edits it (new):
//! appending a member, inserting one mid-record, swapping two, consuming reserved space from its
//! front, back or middle, narrowing a reserved bitfield for a new one, respelling a member's
//! typedef, naming an anonymous record type, flipping a member's signedness, growing a union, making a
//! fake flexible array real or the reverse, adding a flag to a mask, turning defines into an enum,
//! making a member's anonymous struct type a union or the reverse, growing an array member by one
//! element, pointing a pointer member at an integer of another size, appending a member to a run
//! of defines that a count follows. A record is carried by
//! nothing, by a non-DRM
//! ioctl or by a DRM ioctl, in turn. gcc compiles both sides (one translation unit per original
//! header, holding all its mutations) and gives every layout and value; `common::oracle` derives the
//! true verdict from gcc's facts alone; uapi-diff diffs the two trees; the test asserts that the
//! two agree on the record and its fields (breaking exactly when gcc's layouts break, every member
//! gcc shows broken reported breaking), on the ioctl that carries it (breaking when its number or
//! its argument's layout breaks), and on the values; and that every fact uapi-diff computes for the
//! mutated headers equals gcc's. On x86_64 and i386 (gcc -m32).
//!
//! Bounded for CI: `PER_CLASS` mutations per class and arch. Needs scripts/fetch-kernels.sh's cache.

mod common;

use common::gcc;
use common::oracle::{self, GccVerdict};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use uapi_diff::change::{Change, ChangeKind, DiffReport, ItemKind};
use uapi_diff::model::Arch;
use uapi_diff::pipeline::{self, Options, ParseCache};
use uapi_diff::source::Tree;

/// The seed of the sample: the same records every run.
const SEED: u64 = 29;
/// Mutations drawn per class (some may not compile: a header that needs what no uAPI header gives).
const PER_CLASS: usize = 12;
/// Fewest mutations of a class that must compile, or the class proves nothing.
const MIN_COMPILED: usize = 4;
/// The version whose tree the records come from (`src/linux-source-<version>` beside the kernel
/// repo, and its `make headers_install` for gcc).
const SOURCE_VERSION: &str = "6.12";
/// Where the mutation headers go (their names start with this).
const MUTATION_PREFIX: &str = "include/uapi/linux/mut29_";

/// The classes of edit, as real patches make them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// A member appended at the end (`__u64 mut_appended`).
    Append,
    /// A member inserted before the middle one.
    InsertMid,
    /// Two adjacent members swapped.
    Reorder,
    /// Reserved space consumed from its front (`__u64 pad[8]` → `__u16 new; __u16 pad91;
    /// __u32 pad92; __u64 pad[7]`; a scalar halved with the new member first).
    ReservedFront,
    /// … from its back (`pad[8]` → `pad[7]; new`).
    ReservedBack,
    /// … from its middle (`pad[8]` → `pad[4]; new; pad91[3]`).
    ReservedMiddle,
    /// The reverse of the three above, in turn: the member that had consumed reserved space removed
    /// and the space given back (`__u16 mut_new; __u16 pad91; __u32 pad92; __u64 pad[7]` →
    /// `__u64 pad[8]`, as a revert or a diff from a newer tree to an older one).
    ReservedReturned,
    /// A reserved bitfield narrowed for a new one (`rsvd:18` → `mut_region:5, rsvd:13`).
    BitfieldNarrowed,
    /// A member's type respelled (`__u64` ↔ `__aligned_u64`, `__u32` ↔ `uint32_t`…).
    TypedefRespelled,
    /// An anonymous struct or union type of a named member given a tag, same layout (`union {
    /// … } u` → `union mut7_tag { … } u`; not an array's element type, whose members are not
    /// listed).
    AnonymousTagged,
    /// `__uN` ↔ `__sN`.
    SignednessFlipped,
    /// A union grown by a larger alternative (a union record, or a union member of a struct).
    UnionGrown,
    /// An array alternative of a union grown by one element, inside the union's size where another
    /// plain alternative is as large: a union record, or a union member of a struct.
    UnionMemberGrown,
    /// A fake flexible array made real at the end of a struct (`__le32 command[1]` → `command[]`,
    /// the record shrinking by the fake element; records ending in a real one are sampled with it
    /// made fake first).
    FlexMadeReal,
    /// A real flexible array made fake (`x[]` → `x[1]`, the record growing by one element): the
    /// same change diffed the other way.
    FlexMadeFake,
    /// A flag added to a mask built of flags.
    MaskFlagAdded,
    /// A run of defines turned into an enum with the same values.
    DefinesToEnum,
    /// The anonymous struct type of a named member made a union, or the reverse (`struct { __u64
    /// gfn; } shared_info` → `union { … } shared_info`), or a struct wrapped as a union's
    /// alternative beside a new one (`union { struct { … }; __u8 mut_alt; } m`, kvm_xen_hvm_attr's
    /// and hl_cs_in's pattern), in turn: its members, listed at both sides, keep their places or
    /// move.
    AnonymousKindFlipped,
    /// An array member of a struct with a literal bound of at least two grown by one element
    /// (`__u64 mask[2]` → `mask[3]`): at the end its old elements keep their places; elsewhere
    /// the members after it move.
    ArrayGrown,
    /// A pointer member to an integer made a pointer to an integer of another size (`__u32
    /// *values` → `__u64 *values`): the pointer keeps its place and size, what the kernel reads
    /// through it does not.
    PointerRetargeted,
    /// A run of defines counted by a define one past its largest (`NR_LDISCS`, `AUDIT_NR_FILTERS`),
    /// as `MUT7_NR_FOO` or `MUT7_FOO_COUNT`: a member appended and the count bumped with it; in
    /// every other mutation the first member's value changes too (a break the count must not hide).
    RunCounted,
}

const CLASSES: &[Class] = &[
    Class::Append,
    Class::InsertMid,
    Class::Reorder,
    Class::ReservedFront,
    Class::ReservedBack,
    Class::ReservedMiddle,
    Class::ReservedReturned,
    Class::BitfieldNarrowed,
    Class::TypedefRespelled,
    Class::AnonymousTagged,
    Class::SignednessFlipped,
    Class::UnionGrown,
    Class::UnionMemberGrown,
    Class::FlexMadeReal,
    Class::FlexMadeFake,
    Class::MaskFlagAdded,
    Class::DefinesToEnum,
    Class::AnonymousKindFlipped,
    Class::ArrayGrown,
    Class::PointerRetargeted,
    Class::RunCounted,
];

/// What carries a mutated record besides itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Carrier {
    Nothing,
    /// `_IOWR('M', nr, struct x)`: the request number encodes the size.
    Ioctl,
    /// `_IOWR('d', nr, struct x)`: DRM dispatch ignores the size bits.
    DrmIoctl,
}

/// splitmix64: a fixed sequence from the seed, so the sample is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// The text with comments replaced by spaces (newlines kept).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").map_or(after.len(), |e| e + 2);
            out.extend(
                after[..end]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            out.push_str("  ");
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("//") {
            let end = after.find('\n').unwrap_or(after.len());
            rest = &after[end..];
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A struct or union defined at file scope (`struct x {` at the start of a line).
#[derive(Clone, Debug)]
struct Record {
    /// The include name of its header (`linux/x.h`).
    header: String,
    kind: &'static str,
    name: String,
    /// Between the braces, comments removed.
    body: String,
    /// Between the closing brace and the `;` (`__attribute__((packed))`).
    trailer: String,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The index of the brace closing the one at `open`.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

fn records_of(header: &str, text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |e| line_start + e);
        let line = &text[line_start..line_end];
        for kind in ["struct", "union"] {
            let Some(rest) = line.strip_prefix(kind).and_then(|r| r.strip_prefix(' ')) else {
                continue;
            };
            let name = rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next();
            let Some(name) = name.filter(|n| is_ident(n)) else {
                continue;
            };
            let after_name = line_start + kind.len() + 1 + name.len();
            let Some(open) = text[after_name..]
                .find(|c: char| !c.is_whitespace())
                .map(|i| after_name + i)
                .filter(|&i| text[i..].starts_with('{'))
            else {
                continue;
            };
            let Some(close) = closing_brace(text, open) else {
                continue;
            };
            let Some(semi) = text[close..].find(';').map(|i| close + i) else {
                continue;
            };
            let trailer = text[close + 1..semi].trim();
            if !(trailer.is_empty() || trailer.starts_with("__attribute__")) {
                continue;
            }
            out.push(Record {
                header: header.to_string(),
                kind,
                name: name.to_string(),
                body: text[open + 1..close].to_string(),
                trailer: trailer.to_string(),
            });
        }
        line_start = line_end + 1;
    }
    out
}

/// The body's member declarations (split at `;` outside braces), or None when preprocessor lines
/// or nested tagged definitions make the body more than a list of members.
fn declarations(body: &str) -> Option<Vec<String>> {
    if body.lines().any(|l| l.trim_start().starts_with('#')) {
        return None;
    }
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.checked_sub(1)?,
            ';' if depth == 0 => {
                out.push(
                    body[start..i]
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                start = i + 1;
            }
            _ => {}
        }
    }
    if !body[start..].trim().is_empty() || out.is_empty() {
        return None;
    }
    // A tag defined inside (`struct x { … } y`) would be defined twice by the copy.
    let tagged = out.iter().any(|d| {
        let words: Vec<&str> = d.split_whitespace().collect();
        words
            .windows(3)
            .any(|w| matches!(w[0], "struct" | "union" | "enum") && is_ident(w[1]) && w[2] == "{")
    });
    (!tagged).then_some(out)
}

fn body_of(decls: &[String]) -> String {
    decls
        .iter()
        .map(|d| format!("\n\t{d};"))
        .collect::<String>()
        + "\n"
}

/// A declaration of one member of a plain type: type words, name, array bound, bit width.
struct Simple<'a> {
    ty: &'a str,
    name: &'a str,
    /// The text of `[…]`, if an array of one dimension.
    bound: Option<&'a str>,
    bits: Option<u64>,
}

fn simple(decl: &str) -> Option<Simple<'_>> {
    if decl.contains(['{', '*', ',', '(']) {
        return None;
    }
    let (decl, bits) = match decl.split_once(':') {
        Some((d, w)) => (d.trim(), Some(w.trim().parse().ok()?)),
        None => (decl, None),
    };
    let (declarator, bound) = match decl.split_once('[') {
        Some((d, b)) => {
            let b = b.strip_suffix(']')?;
            if b.contains('[') {
                return None;
            }
            (d.trim_end(), Some(b.trim()))
        }
        None => (decl, None),
    };
    let (ty, name) = declarator.rsplit_once(' ')?;
    (is_ident(name) && !ty.is_empty()).then_some(Simple {
        ty: ty.trim(),
        name,
        bound,
        bits,
    })
}

/// A pointer member to a plain integer type (`__u32 *values`): its target and its name.
fn pointer_to_integer(decl: &str) -> Option<(&str, &str)> {
    let (target, name) = decl.split_once('*')?;
    let (target, name) = (target.trim(), name.trim());
    (is_ident(name) && int_size(target).is_some()).then_some((target, name))
}

/// The size of a plain integer type, by its spelling.
fn int_size(ty: &str) -> Option<u64> {
    Some(match ty {
        "__u8" | "__s8" | "char" | "unsigned char" | "signed char" | "uint8_t" | "int8_t" => 1,
        "__u16" | "__s16" | "__le16" | "__be16" | "short" | "unsigned short" | "uint16_t"
        | "int16_t" => 2,
        "__u32" | "__s32" | "__le32" | "__be32" | "int" | "unsigned int" | "unsigned"
        | "uint32_t" | "int32_t" => 4,
        "__u64" | "__s64" | "__le64" | "__be64" | "__aligned_u64" | "long long"
        | "unsigned long long" | "uint64_t" | "int64_t" => 8,
        _ => return None,
    })
}

/// The `__uN` type of a size.
fn unsigned_of(size: u64) -> &'static str {
    match size {
        1 => "__u8",
        2 => "__u16",
        4 => "__u32",
        _ => "__u64",
    }
}

/// The member names a body declares (for the reserved-name convention), roughly: the identifier
/// before each `;`, `,`, `[` or `:`.
fn member_names(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut last_word = String::new();
    for c in body.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            last_word = std::mem::take(&mut word);
        }
        if matches!(c, ';' | ',' | '[' | ':') && is_ident(&last_word) {
            out.push(std::mem::take(&mut last_word));
        } else if !c.is_whitespace() {
            last_word.clear();
        }
    }
    out
}

/// A name for a new reserved member beside `name` (`qs_pad2` → `qs_pad91`), unused in `body`.
fn filler(name: &str, k: usize, body: &str) -> String {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let mut n = format!("{base}9{k}");
    while body
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == n)
    {
        n.push('9');
    }
    n
}

/// The reserved member a reserved-space class edits: its declaration index, element type and size,
/// element count.
fn reserved_member(decls: &[String], body: &str) -> Option<(usize, String, String, u64, u64)> {
    let names = member_names(body);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    decls.iter().enumerate().find_map(|(i, d)| {
        let s = simple(d)?;
        if s.bits.is_some() || !oracle::is_reserved(s.name, &names) {
            return None;
        }
        let size = int_size(s.ty)?;
        let count = match s.bound {
            Some(b) => b.parse().ok()?,
            None => 1,
        };
        Some((i, s.ty.to_string(), s.name.to_string(), size, count))
    })
}

/// A union's alternatives with an array alternative grown by one element: one that still fits
/// within a plain alternative as large (the union keeps its size), else the smallest (the union
/// may grow). None without an array alternative of a literal bound.
fn grow_alternative(decls: &[String]) -> Option<Vec<String>> {
    let size_of = |d: &str| -> Option<(u64, u64)> {
        let s = simple(d)?;
        let count: u64 = match s.bound {
            Some(b) => b.parse().ok()?,
            None => 1,
        };
        Some((int_size(s.ty)?, count))
    };
    let largest = decls
        .iter()
        .filter_map(|d| size_of(d).map(|(elem, count)| elem * count))
        .max()?;
    let (_, i) = decls
        .iter()
        .enumerate()
        .filter(|(_, d)| simple(d).is_some_and(|s| s.bound.is_some()))
        .filter_map(|(i, d)| {
            let (elem, count) = size_of(d)?;
            let grown = (count + 1) * elem;
            let fits = grown <= largest && count * elem < largest;
            Some(((!fits, grown), i))
        })
        .min()?;
    let s = simple(&decls[i])?;
    let count: u64 = s.bound?.parse().ok()?;
    let mut out = decls.to_vec();
    out[i] = format!("{} {}[{}]", s.ty, s.name, count + 1);
    Some(out)
}

/// The record's body as the class edits it, or None when the class does not apply to it.
/// `rec`'s body with its reserved space consumed from the front, back or middle (by `id`, the
/// first of them that applies): the old side of a `ReservedReturned` mutation.
fn consumed_reserved(rec: &Record, id: usize) -> Option<String> {
    let ways = [
        Class::ReservedFront,
        Class::ReservedBack,
        Class::ReservedMiddle,
    ];
    (0..ways.len()).find_map(|k| mutate(ways[(id + k) % ways.len()], rec, id))
}

fn mutate(class: Class, rec: &Record, id: usize) -> Option<String> {
    if class == Class::ReservedReturned {
        // Only tells which records it applies to: the record's body is the new side.
        return consumed_reserved(rec, id).map(|_| rec.body.clone());
    }
    let body = &rec.body;
    if class == Class::BitfieldNarrowed {
        return narrow_bitfield(body);
    }
    let mut decls = declarations(body)?;
    let flexible = |d: &str| d.ends_with("[]") || d.ends_with("[0]");
    let n = decls.len();
    match class {
        Class::Append => {
            if flexible(&decls[n - 1]) {
                return None;
            }
            decls.push("__u64 mut_appended".into());
        }
        Class::InsertMid => {
            if n < 2 {
                return None;
            }
            decls.insert(n / 2, "__u32 mut_inserted".into());
        }
        Class::Reorder => {
            let k = (n - 1) / 2;
            if n < 2 || flexible(&decls[k + 1]) || decls[k] == decls[k + 1] {
                return None;
            }
            decls.swap(k, k + 1);
        }
        Class::ReservedFront | Class::ReservedBack | Class::ReservedMiddle => {
            let (i, ty, name, size, count) = reserved_member(&decls, body)?;
            let array = |c: u64, n: &str| match c {
                1 => format!("{ty} {n}"),
                _ => format!("{ty} {n}[{c}]"),
            };
            let half = unsigned_of(size / 2);
            let replacement: Vec<String> = match (class, count) {
                (Class::ReservedFront, 1) if size >= 2 => {
                    vec![format!("{half} mut_new"), format!("{half} {name}")]
                }
                (Class::ReservedFront, _) if count >= 2 => {
                    let mut v = match size {
                        8 => vec![
                            "__u16 mut_new".to_string(),
                            format!("__u16 {}", filler(&name, 1, body)),
                            format!("__u32 {}", filler(&name, 2, body)),
                        ],
                        1 => vec!["__u8 mut_new".to_string()],
                        _ => vec![
                            format!("{half} mut_new"),
                            format!("{half} {}", filler(&name, 1, body)),
                        ],
                    };
                    v.push(array(count - 1, &name));
                    v
                }
                (Class::ReservedBack, 1) if size >= 2 => {
                    vec![format!("{half} {name}"), format!("{half} mut_new")]
                }
                (Class::ReservedBack, _) if count >= 2 => {
                    vec![array(count - 1, &name), format!("{ty} mut_new")]
                }
                (Class::ReservedMiddle, _) if count >= 3 => {
                    let k = count / 2;
                    vec![
                        array(k, &name),
                        format!("{ty} mut_new"),
                        array(count - k - 1, &filler(&name, 1, body)),
                    ]
                }
                _ => return None,
            };
            decls.splice(i..=i, replacement);
        }
        Class::TypedefRespelled => {
            const RESPELLINGS: &[(&str, &str)] = &[
                ("__u64", "__aligned_u64"),
                ("__aligned_u64", "__u64"),
                ("__u32", "uint32_t"),
                ("uint32_t", "__u32"),
                ("__u16", "uint16_t"),
                ("__u8", "uint8_t"),
                ("__s32", "int32_t"),
            ];
            let (i, to) = RESPELLINGS.iter().find_map(|(from, to)| {
                let i = decls
                    .iter()
                    .position(|d| simple(d).is_some_and(|s| s.ty == *from))?;
                Some((i, to))
            })?;
            let s = simple(&decls[i])?;
            decls[i] = format!("{to} {}", &decls[i][s.ty.len()..].trim_start());
        }
        Class::AnonymousTagged => {
            let i = decls.iter().position(|d| {
                (d.starts_with("struct {") || d.starts_with("union {"))
                    // A named member, not an array: the members of an anonymous array
                    // element are not listed, so nothing could show they were kept.
                    && d.rsplit_once('}').is_some_and(|(_, after)| is_ident(after.trim()))
            })?;
            let (kind, rest) = decls[i].split_once(' ').expect("a space");
            decls[i] = format!("{kind} mut{id}_tag {rest}");
        }
        Class::AnonymousKindFlipped => {
            let i = decls.iter().position(|d| {
                (d.starts_with("struct {") || d.starts_with("union {"))
                    && d.rsplit_once('}')
                        .is_some_and(|(_, after)| is_ident(after.trim()))
            })?;
            let (kind, rest) = decls[i].split_once(' ').expect("a space");
            let (open, close) = (decls[i].find('{')?, decls[i].rfind('}')?);
            decls[i] = match (kind, id % 2) {
                // Wrapped as an alternative of a union beside a new one (`hl_cs_in`'s and
                // `kvm_xen_hvm_attr`'s pattern): every member keeps its place.
                ("struct", 0) => format!(
                    "union {{ struct {}; __u8 mut_alt; }}{}",
                    &decls[i][open..=close],
                    &decls[i][close + 1..]
                ),
                ("struct", _) => format!("union {rest}"),
                _ => format!("struct {rest}"),
            };
        }
        Class::ArrayGrown => {
            if rec.kind != "struct" {
                return None;
            }
            let (i, s) = decls.iter().enumerate().rev().find_map(|(i, d)| {
                let s = simple(d).filter(|s| s.bits.is_none())?;
                let count: u64 = s.bound?.parse().ok()?;
                (count >= 2).then_some((i, (s.ty.to_string(), s.name.to_string(), count)))
            })?;
            let (ty, name, count) = s;
            decls[i] = format!("{ty} {name}[{}]", count + 1);
        }
        Class::PointerRetargeted => {
            let (i, (target, name)) = decls
                .iter()
                .enumerate()
                .find_map(|(i, d)| Some((i, pointer_to_integer(d)?)))?;
            let retarget = match int_size(target)? {
                8 => "__u32",
                _ => "__u64",
            };
            decls[i] = format!("{retarget} *{name}");
        }
        Class::SignednessFlipped => {
            let names = member_names(body);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let i = decls.iter().position(|d| {
                simple(d).is_some_and(|s| {
                    !oracle::is_reserved(s.name, &names)
                        && [
                            "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
                        ]
                        .contains(&s.ty)
                })
            })?;
            let flipped = match &decls[i][..3] {
                "__u" => "__s",
                _ => "__u",
            };
            decls[i] = format!("{flipped}{}", &decls[i][3..]);
        }
        Class::UnionGrown => {
            let grown = "__u8 mut_grown[256]";
            if rec.kind == "union" {
                decls.push(grown.into());
            } else {
                let i = decls.iter().position(|d| d.starts_with("union {"))?;
                decls[i] = decls[i].replacen("union {", &format!("union {{ {grown};"), 1);
            }
        }
        Class::UnionMemberGrown => {
            if rec.kind == "union" {
                decls = grow_alternative(&decls)?;
            } else {
                // A union member of the struct (`union { … } u;`).
                let i = decls.iter().position(|d| {
                    d.starts_with("union {")
                        && d.rsplit_once('}').is_some_and(|(_, n)| is_ident(n.trim()))
                })?;
                let (open, close) = (decls[i].find('{')?, decls[i].rfind('}')?);
                let inner = declarations(&decls[i][open + 1..close])?;
                let grown = grow_alternative(&inner)?;
                decls[i] = format!("union {{{}}}{}", body_of(&grown), &decls[i][close + 1..]);
            }
        }
        Class::FlexMadeReal | Class::FlexMadeFake => {
            // At the end of a struct with other members (C allows a flexible array nowhere else).
            if rec.kind != "struct" || n < 2 {
                return None;
            }
            let s = simple(&decls[n - 1]).filter(|s| s.bits.is_none())?;
            let (from, to) = match class {
                Class::FlexMadeReal => (&["0", "1"][..], ""),
                _ => (&[""][..], "1"),
            };
            if !from.contains(&s.bound?) {
                return None;
            }
            decls[n - 1] = format!("{} {}[{to}]", s.ty, s.name);
        }
        Class::MaskFlagAdded
        | Class::DefinesToEnum
        | Class::RunCounted
        | Class::BitfieldNarrowed
        | Class::ReservedReturned => return None,
    }
    Some(body_of(&decls))
}

/// The record with its trailing real flexible array made fake (`x[]` → `x[1]`), as the kernel's
/// headers spelled it before the conversion; None if it ends otherwise.
fn with_fake_flexible_array(rec: &Record) -> Option<Record> {
    let fake = mutate(Class::FlexMadeFake, rec, 0)?;
    Some(Record {
        body: fake,
        ..rec.clone()
    })
}

/// `rsvd:18` → `mut_region:5, rsvd:13` for the first reserved bitfield of at least 2 bits (every
/// occurrence: both byte orders' branches of a record spell it, and only the little-endian one is
/// compiled here).
fn narrow_bitfield(body: &str) -> Option<String> {
    let names = member_names(body);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let words: Vec<&str> = body
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .collect();
    let (name, width) = words.iter().find_map(|w| {
        let (name, width) = w.split_once(':')?;
        let width: u64 = width.parse().ok()?;
        (is_ident(name) && width >= 2 && oracle::is_reserved(name, &names)).then_some((name, width))
    })?;
    // At least one bit stays reserved: a named bitfield of width 0 is no C.
    let taken = (width.min(6) / 2 + 1).min(width - 1);
    let mut out = String::new();
    let mut rest = body;
    // `name :18`, `name:18`: match the name, optional blanks, the colon and the width.
    while let Some(pos) = rest.find(name) {
        let before_ok = rest[..pos]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        let after = &rest[pos + name.len()..];
        let tail = after.trim_start();
        let width_text = tail.strip_prefix(':').map(str::trim_start);
        let matched = width_text
            .filter(|w| w.starts_with(&width.to_string()))
            .filter(|w| !w[width.to_string().len()..].starts_with(|c: char| c.is_ascii_digit()));
        out.push_str(&rest[..pos]);
        match matched {
            Some(w) if before_ok => {
                out.push_str(&format!("mut_region:{taken}, {name}:{}", width - taken));
                rest = &w[width.to_string().len()..];
            }
            _ => {
                out.push_str(name);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out != body).then_some(out)
}

/// A define of a mask built of flags: `#define NAME (A | B | C)`, every operand a name.
#[derive(Clone, Debug)]
struct Define {
    header: String,
    name: String,
    value: String,
}

fn defines_of(header: &str, text: &str) -> Vec<Define> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("#define")?;
            let rest = rest.trim_start();
            let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
            let (name, value) = rest.split_at(name_end);
            if !value.starts_with([' ', '\t']) || !is_ident(name) {
                return None;
            }
            Some(Define {
                header: header.to_string(),
                name: name.to_string(),
                value: value.trim().to_string(),
            })
        })
        .collect()
}

fn is_flag_mask(d: &Define) -> bool {
    let operands: Vec<&str> = d
        .value
        .split('|')
        .map(|o| o.trim().trim_matches(|c| c == '(' || c == ')').trim())
        .collect();
    operands.len() >= 2
        && operands
            .iter()
            .all(|o| is_ident(o) && o.chars().any(|c| c.is_ascii_uppercase()))
}

fn is_integer_literal(v: &str) -> bool {
    let v = v.trim_end_matches(['U', 'u', 'L', 'l']);
    v.strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .map_or(
            !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()),
            |h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()),
        )
}

/// An integer literal's value (`0x10`, `7U`).
fn literal_value(v: &str) -> Option<i128> {
    let v = v.trim_end_matches(['U', 'u', 'L', 'l']);
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => i128::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Runs of at least 3 consecutive defines of integer literals sharing a prefix up to their last
/// `_` (`FOO_A 1`, `FOO_B 2`, `FOO_C 4`).
fn define_runs(defines: &[Define]) -> Vec<Vec<Define>> {
    let prefix = |d: &Define| d.name.rsplit_once('_').map(|(p, _)| p.to_string());
    let mut runs: Vec<Vec<Define>> = Vec::new();
    let mut current: Vec<Define> = Vec::new();
    for d in defines {
        let fits = is_integer_literal(&d.value)
            && prefix(d).is_some()
            && current.last().is_none_or(|c| prefix(c) == prefix(d));
        if fits {
            current.push(d.clone());
            continue;
        }
        if current.len() >= 3 {
            runs.push(std::mem::take(&mut current));
        }
        current.clear();
        if is_integer_literal(&d.value) && prefix(d).is_some() {
            current.push(d.clone());
        }
    }
    if current.len() >= 3 {
        runs.push(current);
    }
    runs
}

/// What a mutation edits.
#[derive(Clone, Debug)]
enum Subject {
    Record {
        record: Record,
        new_body: String,
        carrier: Carrier,
    },
    Mask(Define),
    Run(Vec<Define>),
    Counted(Vec<Define>),
}

#[derive(Clone, Debug)]
struct Mutation {
    id: usize,
    class: Class,
    subject: Subject,
}

impl Mutation {
    fn header(&self) -> &str {
        match &self.subject {
            Subject::Record { record, .. } => &record.header,
            Subject::Mask(d) => &d.header,
            Subject::Run(run) | Subject::Counted(run) => &run[0].header,
        }
    }

    /// The count of a `Counted` run (`MUT7_NR_FOO`, `MUT7_FOO_COUNT`) and the member appended.
    fn count_names(&self, run: &[Define]) -> (String, String) {
        let stem = run[0].name.rsplit_once('_').map_or("", |(p, _)| p);
        let count = if self.id % 4 < 2 {
            format!("NR_{stem}")
        } else {
            format!("{stem}_COUNT")
        };
        (
            self.renamed(&count),
            self.renamed(&format!("{stem}_APPENDED")),
        )
    }

    /// The tree path of the mutation header this mutation is written to.
    fn file(&self) -> String {
        let stem: String = self
            .header()
            .trim_end_matches(".h")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        format!("{MUTATION_PREFIX}{stem}.h")
    }

    /// The name the copy goes by (`mut7_foo`, `MUT7_FOO_MASK`).
    fn renamed(&self, name: &str) -> String {
        match &self.subject {
            Subject::Record { .. } => format!("mut{}_{name}", self.id),
            _ => format!("MUT{}_{name}", self.id),
        }
    }

    fn ioctl_name(&self) -> String {
        format!("MUT{}_IOCTL", self.id)
    }

    /// The C text of one side; `old_values`: gcc's values at the old side (for the new flag).
    fn text(&self, new: bool, old_values: &BTreeMap<(String, String), String>) -> String {
        match &self.subject {
            Subject::Record {
                record,
                new_body,
                carrier,
            } => {
                let name = self.renamed(&record.name);
                let body = if new { new_body } else { &record.body };
                let mut out = format!("{} {name} {{{body}}}{};\n", record.kind, record.trailer);
                let ioctl = |t: &str, nr: usize| {
                    format!(
                        "#define {} _IOWR({t}, {nr}, {} {name})\n",
                        self.ioctl_name(),
                        record.kind
                    )
                };
                match carrier {
                    Carrier::Nothing => {}
                    Carrier::Ioctl => out.push_str(&ioctl("'M'", self.id % 256)),
                    Carrier::DrmIoctl => out.push_str(&ioctl("'d'", 0x40 + self.id % 0x60)),
                }
                out
            }
            Subject::Mask(d) => {
                let name = self.renamed(&d.name);
                let flag = self.renamed("NEW_FLAG");
                let old = old_values
                    .get(&(self.file(), format!("define:{name}")))
                    .and_then(|v| v.parse::<i128>().ok());
                match (new, old) {
                    (false, _) => format!("#define {name} ({})\n", d.value),
                    // The lowest bit the mask lacks, as a patch adding a flag would define it.
                    (true, Some(old)) => {
                        let bit = (0..63).find(|b| old >> b & 1 == 0).unwrap_or(63);
                        format!(
                            "#define {flag} (1ULL << {bit})\n#define {name} ({} | {flag})\n",
                            d.value
                        )
                    }
                    (true, None) => format!("#define {name} ({})\n", d.value),
                }
            }
            Subject::Counted(run) => {
                let values: Vec<i128> =
                    run.iter().filter_map(|d| literal_value(&d.value)).collect();
                let largest = values.iter().copied().max().unwrap_or_default();
                let (count, appended) = self.count_names(run);
                let mut out = String::new();
                for (i, d) in run.iter().enumerate() {
                    // The changed member loses its bits (no mask could have gained them).
                    let value = match (new, i, self.id % 2, literal_value(&d.value)) {
                        (true, 0, 1, Some(0)) => format!("{:#x}", largest + 5),
                        (true, 0, 1, _) => "0".to_string(),
                        _ => d.value.clone(),
                    };
                    out.push_str(&format!("#define {} {value}\n", self.renamed(&d.name)));
                }
                match new {
                    false => out.push_str(&format!("#define {count} {:#x}\n", largest + 1)),
                    true => out.push_str(&format!(
                        "#define {appended} {:#x}\n#define {count} {:#x}\n",
                        largest + 1,
                        largest + 2
                    )),
                }
                out
            }
            Subject::Run(run) => match new {
                false => run
                    .iter()
                    .map(|d| format!("#define {} {}\n", self.renamed(&d.name), d.value))
                    .collect(),
                true => {
                    let members: Vec<String> = run
                        .iter()
                        .map(|d| format!("\t{} = {},\n", self.renamed(&d.name), d.value))
                        .collect();
                    format!("enum {{\n{}}};\n", members.concat())
                }
            },
        }
    }
}

/// Every header under include/uapi (asm-generic and xen aside: included, not sampled), by include
/// name, comments removed.
fn uapi_headers(src: &Path) -> BTreeMap<String, String> {
    let root = src.join("include/uapi");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read uapi dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "h") {
                let name = p
                    .strip_prefix(&root)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned();
                if name.starts_with("asm-generic/") || name.starts_with("xen/") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                out.insert(name, strip_comments(&text));
            }
        }
    }
    out
}

/// The seeded sample: `PER_CLASS` mutations of each class, numbered from 1.
fn sample(headers: &BTreeMap<String, String>) -> Vec<Mutation> {
    let records: Vec<Record> = headers
        .iter()
        .flat_map(|(h, text)| records_of(h, text))
        .collect();
    let defines: Vec<Vec<Define>> = headers.iter().map(|(h, t)| defines_of(h, t)).collect();
    let mut rng = Rng(SEED);
    let mut out: Vec<Mutation> = Vec::new();
    for &class in CLASSES {
        let mut subjects: Vec<Subject> = match class {
            Class::MaskFlagAdded => defines
                .iter()
                .flatten()
                .filter(|d| is_flag_mask(d))
                .cloned()
                .map(Subject::Mask)
                .collect(),
            Class::DefinesToEnum => defines
                .iter()
                .flat_map(|d| define_runs(d))
                .map(|run| Subject::Run(run.into_iter().take(8).collect()))
                .collect(),
            // Octal literals aside (`literal_value` reads decimal and hex).
            Class::RunCounted => defines
                .iter()
                .flat_map(|d| define_runs(d))
                .filter(|run| {
                    run.iter().all(|d| {
                        literal_value(&d.value).is_some()
                            && !(d.value.starts_with('0')
                                && d.value.len() > 1
                                && !d.value[1..].starts_with(['x', 'X']))
                    })
                })
                .map(|run| Subject::Counted(run.into_iter().take(8).collect()))
                .collect(),
            // Few structs still end in a fake flexible array: those that end in a real one are
            // sampled as they were before the conversion.
            Class::FlexMadeReal => records
                .iter()
                .map(|r| with_fake_flexible_array(r).unwrap_or_else(|| r.clone()))
                .filter_map(|r| {
                    let new_body = mutate(class, &r, 0)?;
                    Some(Subject::Record {
                        record: r,
                        new_body,
                        carrier: Carrier::Nothing,
                    })
                })
                .collect(),
            _ => records
                .iter()
                .filter_map(|r| {
                    let new_body = mutate(class, r, 0)?;
                    Some(Subject::Record {
                        record: r.clone(),
                        new_body,
                        carrier: Carrier::Nothing,
                    })
                })
                .collect(),
        };
        rng.shuffle(&mut subjects);
        for subject in subjects.into_iter().take(PER_CLASS) {
            let id = out.len() + 1;
            let subject = match subject {
                Subject::Record { record, .. } if class == Class::ReservedReturned => {
                    let consumed = consumed_reserved(&record, id).expect("applied before");
                    Subject::Record {
                        new_body: record.body.clone(),
                        carrier: [Carrier::Nothing, Carrier::Ioctl, Carrier::DrmIoctl][id % 3],
                        record: Record {
                            body: consumed,
                            ..record
                        },
                    }
                }
                Subject::Record { record, .. } => Subject::Record {
                    new_body: mutate(class, &record, id).expect("applied before"),
                    carrier: [Carrier::Nothing, Carrier::Ioctl, Carrier::DrmIoctl][id % 3],
                    record,
                },
                other => other,
            };
            out.push(Mutation { id, class, subject });
        }
    }
    out
}

/// The headers a set of headers reaches through `#include <…>`, as tree paths (an `asm/` header
/// is the arch's, else asm-generic's), the starting ones included.
fn include_closure(src: &Path, start: &[String]) -> BTreeSet<String> {
    let candidates = |name: &str| -> Vec<String> {
        let mut v = vec![
            format!("include/uapi/{name}"),
            format!("arch/x86/include/uapi/{name}"),
        ];
        if let Some(rest) = name.strip_prefix("asm/") {
            v.push(format!("include/uapi/asm-generic/{rest}"));
        }
        v
    };
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> = start.iter().flat_map(|n| candidates(n)).collect();
    while let Some(path) = queue.pop() {
        let Ok(text) = std::fs::read_to_string(src.join(&path)) else {
            continue;
        };
        if !seen.insert(path) {
            continue;
        }
        for line in text.lines() {
            let l = line.trim_start();
            let Some(rest) = l.strip_prefix('#').map(str::trim_start) else {
                continue;
            };
            let Some(rest) = rest.strip_prefix("include") else {
                continue;
            };
            let rest = rest.trim_start();
            if let Some(name) = rest
                .strip_prefix('<')
                .and_then(|r| r.split_once('>'))
                .map(|(n, _)| n)
            {
                queue.extend(candidates(name));
            }
        }
    }
    seen
}

/// One side's tree: the closure copied from the source tree, plus the mutation headers.
fn write_tree(
    src: &Path,
    closure: &BTreeSet<String>,
    headers: &BTreeMap<String, String>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for path in closure {
        let to = dir.path().join(path);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(path), to).expect("copy header");
    }
    for (path, text) in headers {
        let to = dir.path().join(path);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::write(to, text).expect("write mutation header");
    }
    dir
}

/// The mutation headers of one side, by tree path.
fn mutation_headers(
    mutations: &[Mutation],
    new: bool,
    old_values: &BTreeMap<(String, String), String>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for m in mutations {
        let text = out.entry(m.file()).or_insert_with(|| {
            let guard = m.file().replace(['/', '.'], "_").to_ascii_uppercase();
            format!(
                "/* Mutations of <{}> (tests/gcc_mutations.rs). */\n#ifndef _{guard}\n#define _{guard}\n#include <linux/types.h>\n#include <linux/ioctl.h>\n#include <{}>\n",
                m.header(),
                m.header()
            )
        });
        text.push_str(&m.text(new, old_values));
    }
    for text in out.values_mut() {
        text.push_str("#endif\n");
    }
    out
}

/// One side: uapi-diff's snapshot of the tree and gcc's facts of the mutation headers.
struct Side {
    dir: tempfile::TempDir,
    snap: pipeline::Snapshot,
    cmp: gcc::Comparison,
}

fn build_side(
    src: &Path,
    closure: &BTreeSet<String>,
    headers: &BTreeMap<String, String>,
    arch: &'static Arch,
    (compiler, installed): (&gcc::Compiler, &Path),
    cache: &ParseCache,
    before: Option<&uapi_diff::model::Model>,
) -> Side {
    let dir = write_tree(src, closure, headers);
    let opts = Options {
        arch,
        kms: false,
        ..Options::default()
    };
    let tree = Tree::open(Path::new("."), dir.path().to_str().expect("utf-8 path")).expect("tree");
    let (entries, notes) = pipeline::list_headers(&tree, &opts).expect("headers");
    let snap = pipeline::snapshot(&tree, &entries, notes, cache, &opts).expect("model");
    // The old side's members this side's model does not list, as C may still reach them (`u.x`
    // through a member whose anonymous union type was given a tag).
    let extra = match before {
        None => Vec::new(),
        Some(old) => {
            gcc::missing_members(old, &snap.model, &|k| k.file.starts_with(MUTATION_PREFIX))
        }
    };
    let installed = overlay(installed, headers);
    let cmp = gcc::compare_items(
        &snap.model,
        installed.path(),
        compiler,
        &|key| key.file.starts_with(MUTATION_PREFIX),
        &extra,
    );
    Side { dir, snap, cmp }
}

/// The kernel's installed headers (`make headers_install`, as programs see them) with the
/// mutation headers beside them, linked rather than copied.
fn overlay(installed: &Path, headers: &BTreeMap<String, String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let link = |from: &Path, to: &Path| std::os::unix::fs::symlink(from, to).expect("symlink");
    for e in std::fs::read_dir(installed)
        .expect("installed headers")
        .flatten()
    {
        if e.file_name() != "linux" {
            link(&e.path(), &dir.path().join(e.file_name()));
        }
    }
    let linux = dir.path().join("linux");
    std::fs::create_dir(&linux).expect("mkdir linux");
    for e in std::fs::read_dir(installed.join("linux"))
        .expect("installed linux/")
        .flatten()
    {
        link(&e.path(), &linux.join(e.file_name()));
    }
    for (path, text) in headers {
        let name = path.strip_prefix("include/uapi/").expect("a uapi path");
        // As headers_install installs it: without the kernel's annotations.
        let installed_text = gcc::strip_annotations(text.as_bytes());
        std::fs::write(dir.path().join(name), installed_text).expect("write mutation header");
    }
    dir
}

/// What one arch's run found, per class.
#[derive(Default, Debug)]
struct Tally {
    sampled: usize,
    compiled: usize,
    verdicts: BTreeMap<String, usize>,
    disagreements: Vec<String>,
    /// On the ioctls carrying the records.
    ioctl_disagreements: Vec<String>,
}

impl Tally {
    /// Counts gcc's verdict on a mutation's constants and records a disagreement when
    /// uapi-diff's breaking entries on them (`ours`) say otherwise (`what`: the mutation and
    /// gcc's word on it).
    fn judge_values(
        &mut self,
        verdict: String,
        truth_breaks: bool,
        ours: Vec<String>,
        what: impl FnOnce() -> String,
    ) {
        *self.verdicts.entry(verdict).or_default() += 1;
        if truth_breaks == ours.is_empty() {
            self.disagreements.push(format!(
                "{}, uapi-diff reports breaking [{}]",
                what(),
                ours.join(", ")
            ));
        }
    }
}

/// The ids of the breaking changes in one mutation header, by the record, or name prefix, they
/// belong to.
fn breaking_in<'r>(report: &'r DiffReport, file: &str) -> Vec<&'r Change> {
    report
        .changes
        .iter()
        .filter(|c| c.file == file && c.breaking)
        .collect()
}

fn run(arch_name: &'static str) {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let (compiler, make_arch) = match arch_name {
        "i386" => (gcc::Compiler::native(&["-m32"]), "i386"),
        _ => (gcc::Compiler::native(&[]), "x86_64"),
    };
    if !compiler.available() {
        assert!(std::env::var_os("CI").is_none(), "CI must have gcc");
        eprintln!("skipping: no gcc");
        return;
    }
    let src = repo
        .parent()
        .expect("kernels dir")
        .join(format!("src/linux-source-{SOURCE_VERSION}"));
    let headers = uapi_headers(&src);
    let mutations = sample(&headers);
    let originals: Vec<String> = mutations
        .iter()
        .map(|m| m.header().to_string())
        .chain(["linux/ioctl.h".to_string()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let closure = include_closure(&src, &originals);
    let installed = gcc::installed_kernel_headers(&repo, SOURCE_VERSION, make_arch);
    let gcc_side = (&compiler, installed.as_path());
    let arch = Arch::by_name(arch_name).expect("known arch");
    let cache = ParseCache::default();
    let none = BTreeMap::new();
    let old_headers = mutation_headers(&mutations, false, &none);
    let old = build_side(&src, &closure, &old_headers, arch, gcc_side, &cache, None);
    let new_headers = mutation_headers(&mutations, true, &old.cmp.gcc_values);
    let new = build_side(
        &src,
        &closure,
        &new_headers,
        arch,
        gcc_side,
        &cache,
        Some(&old.snap.model),
    );
    let report = pipeline::report(&old.snap, &new.snap);
    for (label, side) in [("old", &old), ("new", &new)] {
        eprintln!(
            "{arch_name} {label}: {} facts equal to gcc's, {} headers gcc could not compile: {:?}",
            side.cmp.equal.values().sum::<usize>(),
            side.cmp.compile_failures.len(),
            side.cmp.compile_failures
        );
    }
    if std::env::var_os("UAPI_DIFF_KEEP_MUTATIONS").is_some() {
        eprintln!("kept: {:?} {:?}", old.dir.keep(), new.dir.keep());
        return;
    }
    for side in [&old, &new] {
        assert!(
            side.cmp.mismatches.is_empty(),
            "{arch_name}: uapi-diff's facts differ from gcc's on mutated headers (in {}):\n{}",
            side.dir.path().display(),
            side.cmp.mismatches.join("\n")
        );
    }
    let (before, after) = (
        oracle::gcc_records(&old.cmp.observed),
        oracle::gcc_records(&new.cmp.observed),
    );
    let mut tallies: BTreeMap<Class, Tally> = BTreeMap::new();
    for m in &mutations {
        let tally = tallies.entry(m.class).or_default();
        tally.sampled += 1;
        let file = m.file();
        let breaking = breaking_in(&report, &file);
        let label = format!("{arch_name} {:?} #{} ({})", m.class, m.id, m.header());
        // The breaking entries on the mutation's constants (`MUT7_…`).
        let breaking_values = || -> Vec<String> {
            let prefix = format!("MUT{}_", m.id);
            breaking
                .iter()
                .filter(|c| c.name.starts_with(&prefix))
                .map(|c| format!("{} ({})", c.id, c.rule))
                .collect()
        };
        match &m.subject {
            Subject::Record {
                record, carrier, ..
            } => {
                let name = m.renamed(&record.name);
                let key = (file.clone(), name.clone());
                let (Some(o), Some(n)) = (before.get(&key), after.get(&key)) else {
                    continue;
                };
                tally.compiled += 1;
                let truth = oracle::verdict(o, n, *carrier == Carrier::Ioctl);
                *tally.verdicts.entry(format!("{truth:?}")).or_default() += 1;
                let on_record: Vec<&&Change> = breaking
                    .iter()
                    .filter(|c| match c.kind {
                        ItemKind::Struct | ItemKind::Union => c.name == name,
                        ItemKind::Field => c.parent.as_deref() == Some(name.as_str()),
                        _ => false,
                    })
                    .collect();
                let listed = |v: &[&&Change]| {
                    v.iter()
                        .map(|c| format!("{} ({})", c.id, c.rule))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match (truth == GccVerdict::Breaks, on_record.is_empty()) {
                    (true, true) => tally.disagreements.push(format!(
                        "{label}: {name}: gcc's layouts break ({:?}), uapi-diff reports nothing breaking",
                        oracle::broken_members(o, n)
                    )),
                    (false, false) => tally.disagreements.push(format!(
                        "{label}: {name}: gcc's layouts say {truth:?}, uapi-diff reports breaking {}",
                        listed(&on_record)
                    )),
                    _ => {}
                }
                // Every member gcc shows broken is reported so, by name.
                for (member, what) in oracle::broken_members(o, n) {
                    let reported = on_record
                        .iter()
                        .any(|c| c.kind == ItemKind::Field && c.name == member);
                    if !reported {
                        tally.disagreements.push(format!(
                            "{label}: {name}.{member} {what} in gcc's layouts, not reported breaking"
                        ));
                    }
                }
                // Reserved space present at both sides is no break by itself, whatever moved
                // around it: gcc's verdict leaves it out, and so must uapi-diff's entries.
                let names: Vec<&str> = o.members.keys().map(String::as_str).collect();
                for c in &on_record {
                    let reserved_at_both = c.kind == ItemKind::Field
                        && c.change == ChangeKind::Changed
                        && oracle::is_reserved(&c.name, &names)
                        && n.members.contains_key(&c.name);
                    if reserved_at_both {
                        tally.disagreements.push(format!(
                            "{label}: {name}.{} is reserved space, reported breaking ({})",
                            c.name, c.rule
                        ));
                    }
                }
                let ioctl_breaks = match carrier {
                    Carrier::Nothing => continue,
                    Carrier::Ioctl => o.size != n.size || truth == GccVerdict::Breaks,
                    Carrier::DrmIoctl => truth == GccVerdict::Breaks,
                };
                let ioctl = m.ioctl_name();
                // An ioctl whose own facts (number, argument type) did not change has no entry:
                // the judgement of its argument, on the record and its members, is its judgement
                // (one per record).
                let listed = report
                    .changes
                    .iter()
                    .any(|c| c.file == file && c.kind == ItemKind::Ioctl && c.name == ioctl);
                let ours = match listed {
                    true => breaking
                        .iter()
                        .any(|c| c.kind == ItemKind::Ioctl && c.name == ioctl),
                    false => !on_record.is_empty(),
                };
                if ioctl_breaks != ours {
                    tally.ioctl_disagreements.push(format!(
                        "{label}: {ioctl} ({carrier:?} of {name}, {truth:?}, size {} → {}): gcc's facts say {}, uapi-diff says {}",
                        o.size,
                        n.size,
                        if ioctl_breaks { "breaking" } else { "not breaking" },
                        if ours { "breaking" } else { "not breaking" },
                    ));
                }
            }
            Subject::Mask(d) => {
                let id = format!("define:{}", m.renamed(&d.name));
                let value = |side: &Side| -> Option<u128> {
                    side.cmp
                        .gcc_values
                        .get(&(file.clone(), id.clone()))?
                        .parse::<i128>()
                        .ok()
                        .map(|v| v as u128)
                };
                let (Some(o), Some(n)) = (value(&old), value(&new)) else {
                    continue;
                };
                tally.compiled += 1;
                // A mask whose new bits hold all the old ones is a set that gained members.
                let truth_breaks = n & o != o;
                tally.judge_values(
                    format!("breaks={truth_breaks} grew={}", n != o),
                    truth_breaks,
                    breaking_values(),
                    || {
                        format!(
                            "{label}: {}: {o:#x} → {n:#x}: gcc's values {}",
                            m.renamed(&d.name),
                            if truth_breaks {
                                "break"
                            } else {
                                "do not break"
                            },
                        )
                    },
                );
            }
            Subject::Counted(run) => {
                let value = |side: &Side, name: &str| -> Option<i128> {
                    side.cmp
                        .gcc_values
                        .get(&(file.clone(), format!("define:{name}")))?
                        .parse()
                        .ok()
                };
                let (count, appended) = m.count_names(run);
                let names: Vec<String> = run.iter().map(|d| m.renamed(&d.name)).collect();
                let olds: Option<Vec<i128>> = names.iter().map(|n| value(&old, n)).collect();
                let news: Option<Vec<i128>> = names.iter().map(|n| value(&new, n)).collect();
                let (Some(olds), Some(news), Some(c1), Some(c2), Some(a)) = (
                    olds,
                    news,
                    value(&old, &count),
                    value(&new, &count),
                    value(&new, &appended),
                ) else {
                    continue;
                };
                tally.compiled += 1;
                // gcc's values: a member that changed breaks; a count that is one past the
                // largest member at both sides only grew with its family.
                let largest = |v: &[i128]| v.iter().copied().max().unwrap_or_default();
                let counts = c1 == largest(&olds) + 1 && c2 == largest(&news).max(a) + 1;
                let truth_breaks = olds != news || !counts;
                tally.judge_values(
                    format!("breaks={truth_breaks}"),
                    truth_breaks,
                    breaking_values(),
                    || {
                        format!(
                            "{label}: {count} {c1} → {c2} over {} defines: gcc's values {}",
                            names.len(),
                            if truth_breaks { "break" } else { "only grew" },
                        )
                    },
                );
            }
            Subject::Run(run) => {
                // Enumerators are found by name, whatever their (anonymous) enum is called.
                let value_of = |side: &Side, name: &str| -> Option<String> {
                    side.cmp.gcc_values.iter().find_map(|((f, id), v)| {
                        let item = id.rsplit([':', '.']).next()?;
                        (f == &file && item == name && !id.starts_with("ioctl:")).then(|| v.clone())
                    })
                };
                let names: Vec<String> = run.iter().map(|d| m.renamed(&d.name)).collect();
                let olds: Vec<Option<String>> = names.iter().map(|n| value_of(&old, n)).collect();
                if olds.iter().any(Option::is_none) {
                    continue;
                }
                tally.compiled += 1;
                let truth_breaks = names
                    .iter()
                    .zip(&olds)
                    .any(|(n, o)| value_of(&new, n) != *o);
                tally.judge_values(
                    format!("breaks={truth_breaks}"),
                    truth_breaks,
                    breaking_values(),
                    || {
                        format!(
                            "{label}: {} defines → enumerators: gcc's values {}",
                            names.len(),
                            if truth_breaks { "break" } else { "are equal" },
                        )
                    },
                );
            }
        }
    }
    let mut failures = Vec::new();
    for (class, tally) in &tallies {
        eprintln!(
            "{arch_name} {class:?}: {} sampled, {} compiled, gcc's verdicts {:?}, {} disagreements, {} on ioctls",
            tally.sampled,
            tally.compiled,
            tally.verdicts,
            tally.disagreements.len(),
            tally.ioctl_disagreements.len()
        );
        if tally.compiled < MIN_COMPILED {
            failures.push(format!(
                "{class:?}: only {} mutations compiled",
                tally.compiled
            ));
        }
        failures.extend(
            tally
                .disagreements
                .iter()
                .chain(&tally.ioctl_disagreements)
                .cloned(),
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn mutated_records_verdicts_agree_with_gcc_x86_64() {
    run("x86");
}

#[test]
fn mutated_records_verdicts_agree_with_gcc_i386() {
    run("i386");
}
