//! What a changed value is, judged from its C text and both models before its name: a set of
//! flags that gained members (or its complement, which lost them), a bound or count that grew, a
//! version that went up, or enumerators renumbered by an insertion. The value rules
//! (`flags_added`, `bound_grew`, `version_bumped`, `renumbered`) ask this module; what none of them
//! claims stays `value-changed`, breaking.

use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::{Item, ItemKey, Model};
use std::collections::{HashMap, HashSet};

/// Recursion through defines naming defines (`RTM_NR_FAMILIES` → `RTM_NR_MSGTYPES` → `RTM_MAX` →
/// `__RTM_MAX`) stops here; deeper chains are not judged as bounds.
const MAX_DEPTH: usize = 6;

/// One revision's values, indexed for the questions the value rules ask.
pub struct Side<'m> {
    model: &'m Model,
    /// (file, enumerator) → (index in `model.enums`, position in its enum).
    position: HashMap<(&'m str, &'m str), (usize, usize)>,
    /// Name → the defines and enumerators of that name, in key order.
    by_name: HashMap<&'m str, Vec<&'m ItemKey>>,
    typedefs: HashSet<&'m str>,
}

impl<'m> Side<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut position = HashMap::new();
        for (i, e) in model.enums.iter().enumerate() {
            for (p, m) in e.members.iter().enumerate() {
                position
                    .entry((e.file.as_str(), m.as_str()))
                    .or_insert((i, p));
            }
        }
        let mut by_name: HashMap<&str, Vec<&ItemKey>> = HashMap::new();
        let mut typedefs = HashSet::new();
        for k in model.items.keys() {
            match k.kind {
                ItemKind::Define | ItemKind::Enumerator => {
                    by_name.entry(k.name.as_str()).or_default().push(k)
                }
                ItemKind::Typedef => {
                    typedefs.insert(k.name.as_str());
                }
                _ => {}
            }
        }
        Side {
            model,
            position,
            by_name,
            typedefs,
        }
    }

    /// The define or enumerator `name` as `file` sees it: its own, else the first of that name.
    fn item(&self, file: &str, name: &str) -> Option<(&'m ItemKey, &'m Item)> {
        let keys = self.by_name.get(name)?;
        let key = keys.iter().find(|k| k.file == file).or(keys.first())?;
        self.model.items.get_key_value(*key)
    }

    fn value(&self, file: &str, name: &str) -> Option<i128> {
        match self.item(file, name)?.1.facts {
            Facts::Value { value, .. } => value,
            _ => None,
        }
    }

    fn text(&self, file: &str, name: &str) -> Option<&'m str> {
        match &self.item(file, name)?.1.facts {
            Facts::Value { text, .. } => Some(text.as_str()),
            _ => None,
        }
    }

    fn is_type(&self, name: &str) -> bool {
        C_TYPE_WORDS.contains(&name) || self.typedefs.contains(name)
    }

    /// The enum holding enumerator `name` of `file`, and its position there.
    fn enum_of(&self, file: &str, name: &str) -> Option<(&'m [String], usize)> {
        let (i, p) = self.position.get(&(file, name))?;
        Some((&self.model.enums[*i].members, *p))
    }

    /// A define equal to the largest of the other defines of its header named like it (its name
    /// but the last word: `BTF_KIND_MAX` = `BTF_KIND_DATASEC`, the last of `BTF_KIND_*`), or one past
    /// the largest of such a family, named like it or not (`__NR_syscalls`, the count of `__NR_*`;
    /// `AUDIT_NR_FILTERS`, of `AUDIT_FILTER_*`; `NR_LDISCS`, of `N_*`).
    fn tops_family(&self, key: &ItemKey, value: Option<i128>) -> bool {
        let Some(value) = value else {
            return false;
        };
        let first = ItemKey {
            file: key.file.clone(),
            kind: ItemKind::Define,
            parent: None,
            name: String::new(),
        };
        let mut families: HashMap<&str, Vec<i128>> = HashMap::new();
        for (k, item) in self
            .model
            .items
            .range(first..)
            .take_while(|(k, _)| k.file == key.file && k.kind == ItemKind::Define)
        {
            let (Some(prefix), Facts::Value { value: Some(v), .. }) =
                (family_prefix(&k.name), &item.facts)
            else {
                continue;
            };
            if k.name != key.name {
                families.entry(prefix).or_default().push(*v);
            }
        }
        let own = family_prefix(&key.name);
        // A count of a family named otherwise needs two members; the last member's alias, one.
        // The count may be of the run of numbers the family starts with, a flag beside them
        // aside (`AUDIT_NR_FILTERS` counts `AUDIT_FILTER_USER` 0 … `_URING_EXIT` 7, not
        // `AUDIT_FILTER_PREPEND` 0x10).
        families.iter().any(|(prefix, values)| {
            let largest = values.iter().copied().max().unwrap_or_default();
            let smallest = values.iter().copied().min().unwrap_or_default();
            let counts_run = value - smallest >= 2
                && value - smallest <= values.len() as i128
                && (smallest..value).all(|v| values.contains(&v))
                && !values.contains(&value);
            values.len() >= 2 && (value == largest + 1 || counts_run)
                || own == Some(*prefix) && (value == largest || value == largest + 1)
        })
    }

    /// Whether the side knows the order of enumerators at all (a snapshot file does not).
    pub fn knows_enums(&self) -> bool {
        !self.model.enums.is_empty()
    }
}

/// Both revisions, for judging one change.
pub struct Values<'m> {
    pub old: Side<'m>,
    pub new: Side<'m>,
}

impl<'m> Values<'m> {
    pub fn new(old: &'m Model, new: &'m Model) -> Self {
        Values {
            old: Side::new(old),
            new: Side::new(new),
        }
    }

    /// A bound or count that grew: the item is a bound at both revisions and its value went up.
    pub fn bound_grew(&self, c: &Change) -> bool {
        let Some((old, new)) = values(c) else {
            return false;
        };
        new > old
            && self.is_bound(&self.old, old_file(c), &c.name, 0)
            && self.is_bound(&self.new, &c.file, &c.name, 0)
    }

    /// Whether the structure decides if `c` is a bound: an enumerator whose enum's order is known,
    /// or a define whose text names other constants. Only where it does not (a literal define, a
    /// side read from a snapshot) may a name alone say "bound" (rule `sentinel-moved`).
    pub fn structure_decides(&self, c: &Change) -> bool {
        match c.kind {
            ItemKind::Enumerator => self.old.knows_enums() && self.new.knows_enums(),
            _ => [&c.old, &c.new].iter().any(
                |f| matches!(f, Some(Facts::Value { text, .. }) if !identifiers(text).is_empty()),
            ),
        }
    }

    /// A bound at one revision: the last counted enumerator of its enum (one past its predecessor,
    /// followed only by members derived from others: `__FOO_MAX, FOO_MAX = __FOO_MAX - 1`), or
    /// the last enumerator naming its predecessor (`FOO_LAST = FOO_C`), either confirmed by its
    /// name (a bound's word, or the `__` the kernel gives internal sentinels); or a constant
    /// computed from bounds and constants that did not change (`#define FOO_MAX (__FOO_MAX - 1)`,
    /// `RTM_NR_MSGTYPES (RTM_MAX + 1 - RTM_BASE)`).
    fn is_bound(&self, side: &Side, file: &str, name: &str, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let Some((key, item)) = side.item(file, name) else {
            return false;
        };
        let Facts::Value { text, value, .. } = &item.facts else {
            return false;
        };
        let confirmed = bound_word(name) || name.starts_with("__");
        match key.kind {
            ItemKind::Define => {
                // A count or a last member of the defines named like it (`__NR_syscalls`,
                // `#define BTF_KIND_MAX BTF_KIND_DATASEC`).
                if confirmed && side.tops_family(key, *value) {
                    return true;
                }
            }
            ItemKind::Enumerator => {
                // An enum's last member may also be its size (`GAUDI2_ENGINE_ID_SIZE`); a define
                // named a size is a size in bytes as often.
                let confirmed = confirmed || has_word(&words(name), &["SIZE"]);
                if let Some((members, pos)) = side.enum_of(&key.file, name) {
                    // The last counted member: only explicitly valued members (flags, aliases,
                    // `FOO_MAX = __FOO_MAX - 1`) follow it.
                    let last_counted = pos > 0
                        && members[pos + 1..]
                            .iter()
                            .all(|m| side.text(&key.file, m).is_some_and(|t| !t.is_empty()));
                    let pred = side.value(&key.file, &members[pos.saturating_sub(1)]);
                    let one_past = match (pred, *value) {
                        (Some(p), Some(v)) => v == p + 1 || p > 0 && p & (p - 1) == 0 && v == 2 * p,
                        _ => false,
                    };
                    let alias = pos > 0 && text == &members[pos - 1] && bound_word(name);
                    if confirmed && last_counted && (one_past || alias) {
                        return true;
                    }
                }
            }
            _ => {}
        }
        if identifiers(text).is_empty() {
            return false;
        }
        self.derived(side, &key.file, text, depth)
    }

    /// A text computed from at least one bound and otherwise from constants with the same value at
    /// both revisions (and type names, in casts).
    fn derived(&self, side: &Side, file: &str, text: &str, depth: usize) -> bool {
        let names = identifiers(text);
        let mut any_bound = false;
        for n in names {
            if self.is_bound(side, file, n, depth + 1) {
                any_bound = true;
            } else if side.is_type(n) {
                continue;
            } else {
                let (o, v) = (self.old.value(file, n), self.new.value(file, n));
                if o.is_none() || o != v {
                    return false;
                }
            }
        }
        any_bound
    }

    /// A version that went up: a minor, patch or single version number (`DM_VERSION_MINOR`,
    /// `TASKSTATS_VERSION`, `SNDRV_PCM_VERSION = SNDRV_PROTOCOL_VERSION(2, 0, 17)` with the same
    /// major), or a version string (`DM_VERSION_EXTRA`). Not a major version (a declared
    /// incompatibility) nor the oldest version still accepted (`…_VERSION_MIN`: raising it drops
    /// old userspace), which stay breaking.
    pub fn version_bumped(&self, c: &Change) -> bool {
        let words = words(&c.name);
        let has = |w: &[&str]| has_word(&words, w);
        if has(&["MAJOR", "MIN", "MAX"]) {
            return false;
        }
        let versioned = has(&["VERSION", "SUBVERSION", "VER"]);
        let (
            Some(Facts::Value { text: old_text, .. }),
            Some(Facts::Value {
                text: new_text,
                non_integer,
                ..
            }),
        ) = (&c.old, &c.new)
        else {
            return false;
        };
        if non_integer.is_some() {
            // A version string: `"-ioctl (2023-03-01)"`.
            return versioned && new_text.starts_with('"') && old_text.starts_with('"');
        }
        let Some((old, new)) = values(c) else {
            return false;
        };
        if new <= old {
            return false;
        }
        if versioned {
            return match (call(old_text), call(new_text)) {
                (Some((f1, a1)), Some((f2, a2))) => {
                    f1 == f2 && {
                        let major = |side: &Side, a: Option<&str>| {
                            let a = a?.trim();
                            a.parse::<i128>().ok().or_else(|| side.value(&c.file, a))
                        };
                        let (m1, m2) = (
                            major(&self.old, a1.first().copied()),
                            major(&self.new, a2.first().copied()),
                        );
                        m1.is_some() && m1 == m2
                    }
                }
                (None, None) => true,
                _ => false,
            };
        }
        // A part of a version (`SOF_ABI_MINOR`): a sibling names the major part.
        let part = ["MINOR", "PATCH", "PATCHLEVEL", "SUBLEVEL"]
            .into_iter()
            .find(|p| has_word(&words, &[p]));
        part.is_some_and(|p| {
            let major = c.name.replacen(p, "MAJOR", 1);
            self.new
                .item(&c.file, &major)
                .is_some_and(|(k, _)| k.file == c.file)
        })
    }

    /// A set of flags that gained members: the new value holds every old bit, and the define is an
    /// OR of flags (or named a mask); or its complement, `~(…)` or a reserved mask spelled as a
    /// number, lost only bits.
    pub fn flags_added(&self, c: &Change) -> bool {
        let Some((old, new)) = values(c) else {
            return false;
        };
        let Some(Facts::Value { text, .. }) = &c.new else {
            return false;
        };
        let words = words(&c.name);
        let named = |w: &[&str]| has_word(&words, w);
        let superset = old & !new == 0;
        let subset = new & !old == 0;
        // Structure first: an OR of flags is a set whatever its name says (`ATTR_UNUSED`, the bits
        // copied as they are; `BTRFS_BLOCK_GROUP_RESERVED`, the bits kept for the kernel); only a
        // mask spelled as a number is a complement by its name (`FOO_RESERVED_MASK 0xff00`).
        let complement = text.trim_start_matches('(').starts_with('~')
            || !text.contains('|') && words.iter().any(|w| super::is_padding_name(w));
        // A mask spelled as a number: its name says it is one (an implicit enumerator is a count).
        let named_mask = !text.is_empty() && named(&["MASK", "FLAGS"]);
        old != new
            && (superset && !complement && (text.contains('|') || named_mask)
                || subset && complement)
    }

    /// Enumerators renumbered by an insertion or a removal before them: implicit values at both
    /// revisions, the members both revisions have in the same order, and other members before it.
    pub fn renumbered(&self, c: &Change) -> Option<EnumId> {
        if c.kind != ItemKind::Enumerator || c.change != ChangeKind::Changed {
            return None;
        }
        values(c)?;
        let implicit =
            |f: &Option<Facts>| matches!(f, Some(Facts::Value { text, .. }) if text.is_empty());
        if !implicit(&c.old) || !implicit(&c.new) {
            return None;
        }
        let (old_members, old_pos) = self.old.enum_of(old_file(c), &c.name)?;
        let (new_members, new_pos) = self.new.enum_of(&c.file, &c.name)?;
        let common = |a: &[String], b: &[String]| -> Vec<String> {
            a.iter().filter(|m| b.contains(m)).cloned().collect()
        };
        let in_order = common(old_members, new_members) == common(new_members, old_members);
        let before_changed = old_members[..old_pos] != new_members[..new_pos];
        (in_order && before_changed).then(|| EnumId {
            file: c.file.clone(),
            first: new_members.first().cloned().unwrap_or_default(),
        })
    }

    /// The tag of the enum holding enumerator `name` of `file` at the new revision, and its members.
    pub fn enum_members(&self, file: &str, name: &str) -> Option<(Option<&'m str>, &'m [String])> {
        let (i, _) = self.new.position.get(&(file, name))?;
        let e = &self.new.model.enums[*i];
        Some((e.tag.as_deref(), &e.members))
    }
}

/// An enum by its header and first member (an anonymous enum has no other name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumId {
    pub file: String,
    pub first: String,
}

/// A name without its last word: `__NR_syscalls` → `__NR_`, `BTF_KIND_MAX` → `BTF_KIND_`.
fn family_prefix(name: &str) -> Option<&str> {
    let start = name.len() - name.trim_start_matches('_').len();
    let end = name[start..].rfind('_')? + start + 1;
    (end > start + 1).then(|| &name[..end])
}

/// The header a change's item was in at the old revision (another one when it moved).
fn old_file(c: &Change) -> &str {
    c.moved_from.as_deref().unwrap_or(&c.file)
}

/// Both integer values of a changed define or enumerator.
fn values(c: &Change) -> Option<(i128, i128)> {
    match (&c.old, &c.new) {
        (Some(Facts::Value { value: Some(a), .. }), Some(Facts::Value { value: Some(b), .. })) => {
            Some((*a, *b))
        }
        _ => None,
    }
}

/// The words a bound's name holds (`__NL80211_ATTR_AFTER_LAST`, `__ETHTOOL_A_RINGS_CNT`,
/// `NUM_NL80211_BANDS`, `__ETHTOOL_LINK_MODE_MASK_NBITS`): confirmation only, next to the structure.
pub fn bound_word(name: &str) -> bool {
    has_word(
        &words(name),
        &[
            "MAX", "CNT", "COUNT", "NUM", "NR", "LAST", "END", "NBITS", "LIMIT",
        ],
    )
}

/// Whether one of `words` is in `list`.
fn has_word(words: &[String], list: &[&str]) -> bool {
    words.iter().any(|w| list.contains(&w.as_str()))
}

/// A name's `_`-separated words, upper-cased.
fn words(name: &str) -> Vec<String> {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The identifiers of a C expression, in order (numbers, with their suffixes, are not).
pub fn identifiers(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if !bytes[start].is_ascii_digit() {
                out.push(&text[start..i]);
            }
        } else if c == b'"' || c == b'\'' {
            // A literal's contents are no identifiers.
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// `F(a, b, c)` (in parentheses or not) → `F` and its top-level arguments.
fn call(text: &str) -> Option<(&str, Vec<&str>)> {
    let mut t = text.trim();
    while t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
        t = t[1..t.len() - 1].trim();
    }
    let open = t.find('(')?;
    let name = t[..open].trim();
    if name.is_empty() || !t.ends_with(')') || identifiers(name) != [name] {
        return None;
    }
    let inner = &t[open + 1..t.len() - 1];
    if !balanced(inner) {
        return None;
    }
    let mut args = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in inner.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                args.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(&inner[start..]);
    Some((name, args))
}

/// Parentheses that close in order.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// C's own type words, which casts put in a constant's text.
const C_TYPE_WORDS: &[&str] = &[
    "unsigned", "signed", "int", "long", "short", "char", "sizeof", "void", "const", "struct",
    "union", "enum",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_skip_numbers_and_literals() {
        assert_eq!(
            identifiers("((__u64)1 << _UFFDIO_WAKE | 0x10U) \"A_B\""),
            ["__u64", "_UFFDIO_WAKE"]
        );
    }

    #[test]
    fn calls_split_their_top_level_arguments() {
        assert_eq!(
            call("SNDRV_PROTOCOL_VERSION(2, 0, (1 + 1))"),
            Some(("SNDRV_PROTOCOL_VERSION", vec!["2", " 0", " (1 + 1)"]))
        );
        assert_eq!(call("(F(a))"), Some(("F", vec!["a"])));
        assert_eq!(call("(A) | (B)"), None);
        assert_eq!(call("17"), None);
    }

    #[test]
    fn families_share_the_first_word() {
        assert_eq!(family_prefix("__NR_syscalls"), Some("__NR_"));
        assert_eq!(family_prefix("BTF_KIND_MAX"), Some("BTF_KIND_"));
        assert_eq!(family_prefix("NSIGSEGV"), None);
    }

    #[test]
    fn bound_words_are_whole_words() {
        assert!(bound_word("__ETHTOOL_A_RINGS_CNT"));
        assert!(bound_word("NUM_NL80211_BANDS"));
        assert!(!bound_word("IORING_MAXIMUM"));
        assert!(!bound_word("NFT_META_IIFTYPE"));
    }
}
