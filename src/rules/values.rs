//! What a changed value is, judged from its C text and both models before its name: a set of
//! flags that gained members (or its complement, which lost them), a bound or count that grew, a
//! version that went up, or enumerators renumbered by an insertion. The value rules
//! (`flags_added`, `bound_grew`, `version_bumped`, `renumbered`) ask this module; what none of them
//! claims stays `value-changed`, breaking.

use crate::change::{Change, ChangeKind, Facts, ItemKind, NonInteger};
use crate::model::{Item, ItemKey, Model};
use rustc_hash::{FxHashMap, FxHashSet};

/// Recursion through defines naming defines (`RTM_NR_FAMILIES` → `RTM_NR_MSGTYPES` → `RTM_MAX` →
/// `__RTM_MAX`) stops here; deeper chains are not judged as bounds.
const MAX_DEPTH: usize = 6;

/// One revision's values, indexed for the questions the value rules ask.
pub struct Side<'m> {
    model: &'m Model,
    /// (file, enumerator) → (index in `model.enums`, position in its enum).
    position: FxHashMap<(&'m str, &'m str), (usize, usize)>,
    /// Name → the first define or enumerator of that name in key order.
    by_name: FxHashMap<&'m str, &'m ItemKey>,
    /// (name, file) → the first define or enumerator of that name in that file, where it is not
    /// the first of its name (`by_name`).
    by_name_in_file: FxHashMap<(&'m str, &'m str), &'m ItemKey>,
    typedefs: FxHashSet<&'m str>,
    /// Names that are the whole length of a record member's array (`__u64 [HL_…_SIZE]`).
    array_lengths: FxHashSet<&'m str>,
}

impl<'m> Side<'m> {
    /// Its enums' positions; its values are added item by item, in key order (`add`).
    pub fn new(model: &'m Model) -> Self {
        let members = model.enums.iter().map(|e| e.members.len()).sum();
        let mut position = FxHashMap::with_capacity_and_hasher(members, Default::default());
        for (i, e) in model.enums.iter().enumerate() {
            for (p, m) in e.members.iter().enumerate() {
                position
                    .entry((e.file.as_str(), m.as_str()))
                    .or_insert((i, p));
            }
        }
        Side {
            model,
            position,
            // Sized for every item up front (most are defines and enumerators): growing rehashes.
            by_name: FxHashMap::with_capacity_and_hasher(model.items.len(), Default::default()),
            by_name_in_file: FxHashMap::default(),
            typedefs: FxHashSet::default(),
            array_lengths: FxHashSet::default(),
        }
    }

    /// Takes in one item of the model, in key order.
    pub fn add(&mut self, k: &'m ItemKey, item: &'m Item) {
        if let Facts::Field { ty, .. } = &item.facts {
            self.array_lengths
                .extend(ty.split('[').skip(1).filter_map(|dim| {
                    let name = dim.split(']').next()?.trim();
                    (identifiers(name) == [name]).then_some(name)
                }));
        }
        match k.kind {
            ItemKind::Define | ItemKind::Enumerator => {
                let first = *self.by_name.entry(k.name.as_str()).or_insert(k);
                if first.file != k.file {
                    self.by_name_in_file
                        .entry((k.name.as_str(), k.file.as_str()))
                        .or_insert(k);
                }
            }
            ItemKind::Typedef => {
                self.typedefs.insert(k.name.as_str());
            }
            _ => {}
        }
    }

    /// The define or enumerator `name` as `file` sees it: its own, else the first of that name.
    fn item(&self, file: &str, name: &str) -> Option<(&'m ItemKey, &'m Item)> {
        let first = *self.by_name.get(name)?;
        let key = match first.file == file {
            true => first,
            false => self.by_name_in_file.get(&(name, file)).unwrap_or(&first),
        };
        self.model.items.get_key_value(key)
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

    /// The families of defines of `key`'s header that `key` is a bound of, by name prefix: it is
    /// equal to the last of a family it is named after, or one past it (`BTF_KIND_MAX` =
    /// `BTF_KIND_DATASEC`, the last of `BTF_KIND_*`; `V4L2_CID_LASTP1`, one past the user
    /// controls; `NSIGSEGV`, the last of `SEGV_*`), or one past the last of a family named
    /// otherwise (`__NR_syscalls`, the count of `__NR_*`; `AUDIT_NR_FILTERS`, of `AUDIT_FILTER_*`).
    /// The last of a family is its largest value or the top of its longest run of consecutive
    /// values, a flag beside the run aside (`AUDIT_FILTER_PREPEND` 0x10, `SETUP_INDIRECT` 1 << 31).
    /// A name must confirm it (`confirmed`: a bound's word or the kernel's `__`), or be a number
    /// of the family (`NSIGSEGV` of `SEGV_*`: a word of `N…` ending in the family's last word).
    fn counted_families(
        &self,
        key: &ItemKey,
        value: Option<i128>,
        confirmed: bool,
    ) -> Vec<&'m str> {
        let Some(value) = value else {
            return Vec::new();
        };
        let mut out: Vec<&str> = self
            .families(key)
            .into_iter()
            .filter(|(prefix, values)| {
                // Named like it: its name but the last word (`V4L2_CID_` of `V4L2_CID_LASTP1`).
                let own = family_prefixes(&key.name).last() == Some(*prefix);
                let stem = family_stem(prefix);
                // A number of it, in the kernel's spelling: `NSIGSEGV`, the number of `SEGV_*`.
                let names_stem = !key.name.starts_with(prefix)
                    && stem.len() >= 3
                    && words(&key.name).iter().any(|w| {
                        w.len() > stem.len()
                            && w.starts_with('N')
                            && w.ends_with(&stem.to_ascii_uppercase())
                    });
                let has = |v: i128| values.contains(&v);
                let largest = values.iter().copied().max();
                if names_stem || own && confirmed {
                    // The end of a run of the family, or one past it.
                    let ends_run = has(value) && has(value - 1) && !has(value + 1);
                    let past_run = !has(value) && has(value - 1) && has(value - 2);
                    largest.is_some_and(|m| value == m || value == m + 1) || ends_run || past_run
                } else {
                    // A count of a family named otherwise: one past its largest or its longest run.
                    confirmed
                        && values.len() >= 2
                        && !has(value)
                        && (largest == Some(value - 1) || run_top(values) == Some(value - 1))
                }
            })
            .map(|(prefix, _)| prefix)
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether define `name` of `file` ends a run of a family it belongs to: the two values
    /// below its own are the family's, the one above is not (`SETUP_JAILHOUSE` 6 of `SETUP_*`
    /// 0 … 6, beside `SETUP_INDIRECT` 1 << 31).
    fn ends_family(&self, file: &str, name: &str) -> bool {
        let Some((key, item)) = self.item(file, name) else {
            return false;
        };
        let Facts::Value { value: Some(v), .. } = item.facts else {
            return false;
        };
        key.kind == ItemKind::Define
            && self.families(key).iter().any(|(prefix, values)| {
                name.starts_with(prefix)
                    && values.contains(&(v - 1))
                    && values.contains(&(v - 2))
                    && !values.contains(&(v + 1))
            })
    }

    /// Whether `value` lies above every member of family `prefix` of `key`'s header (a limit:
    /// `NR_LDISCS` 30 with `N_*` up to 27).
    fn above_family(&self, key: &ItemKey, value: Option<i128>, prefix: &str) -> bool {
        let families = self.families(key);
        match (value, families.get(prefix)) {
            (Some(v), Some(values)) if values.len() >= 2 => values.iter().all(|m| *m < v),
            _ => false,
        }
    }

    /// The defines of `key`'s header with an integer value, by every prefix of their names that
    /// ends in `_` (`AUDIT_FILTER_URING_EXIT` is of `AUDIT_`, `AUDIT_FILTER_` and
    /// `AUDIT_FILTER_URING_`), `key` itself left out.
    fn families(&self, key: &ItemKey) -> FxHashMap<&'m str, Vec<i128>> {
        let first = ItemKey {
            file: key.file.clone(),
            kind: ItemKind::Define,
            parent: None,
            name: String::new(),
        };
        let mut families: FxHashMap<&str, Vec<i128>> = FxHashMap::default();
        for (k, item) in self
            .model
            .items
            .range_from(first)
            .take_while(|(k, _)| k.file == key.file && k.kind == ItemKind::Define)
        {
            let Facts::Value { value: Some(v), .. } = &item.facts else {
                continue;
            };
            if k.name == key.name {
                continue;
            }
            for prefix in family_prefixes(&k.name) {
                families.entry(prefix).or_default().push(*v);
            }
        }
        families
    }

    /// Whether the side knows the order of enumerators at all (a snapshot file does not).
    pub fn knows_enums(&self) -> bool {
        !self.model.enums.is_empty()
    }
}

/// Both revisions, for judging one change.
pub struct Values<'m> {
    pub old: &'m Side<'m>,
    pub new: &'m Side<'m>,
}

impl<'m> Values<'m> {
    /// A bound or count that grew: the item is a bound at both revisions and its value went up.
    pub fn bound_grew(&self, c: &Change) -> bool {
        let Some((old, new)) = values(c) else {
            return false;
        };
        let sizes_member = |side: &Side| side.array_lengths.contains(c.name.as_str());
        if new > old
            && c.kind == ItemKind::Define
            && sizes_member(self.old)
            && sizes_member(self.new)
        {
            // The length of a record member's array: the record's own entry judges its layout.
            return true;
        }
        if new <= old {
            return false;
        }
        if c.kind == ItemKind::Define && self.counts_family(c) {
            return true;
        }
        self.is_bound(self.new, &c.file, &c.name, 0)
            && self.is_bound(self.old, old_file(c), &c.name, 0)
    }

    /// A define that counts (or tops) the same family at both revisions, the family having
    /// changed (`__NR_syscalls` 451 → 463, one past `__NR_*`'s largest; `NSIGSEGV` 9 → 10, the
    /// last `SEGV_*`), or that counts a family at the new revision and lay above every member of
    /// it at the old one (`NR_LDISCS` 30 → 31, `N_*` up to 27, then to 30): a limit the family
    /// grew into. The same family at both sides, and its change, rule out a number that counts
    /// some other family by chance.
    fn counts_family(&self, c: &Change) -> bool {
        let (Some((new_key, new_item)), Some((old_key, old_item))) = (
            self.new.item(&c.file, &c.name),
            self.old.item(old_file(c), &c.name),
        ) else {
            return false;
        };
        let value = |item: &Item| match item.facts {
            Facts::Value { value, .. } => value,
            _ => None,
        };
        let confirmed = bound_word(&c.name) || c.name.starts_with("__");
        let (old_families, new_families) = (self.old.families(old_key), self.new.families(new_key));
        let counted_old = self
            .old
            .counted_families(old_key, value(old_item), confirmed);
        new_key.kind == ItemKind::Define
            && old_key.kind == ItemKind::Define
            && self
                .new
                .counted_families(new_key, value(new_item), confirmed)
                .into_iter()
                .any(|prefix| {
                    let mut before = old_families.get(prefix).cloned().unwrap_or_default();
                    let mut after = new_families.get(prefix).cloned().unwrap_or_default();
                    before.sort_unstable();
                    after.sort_unstable();
                    before != after
                        && (counted_old.contains(&prefix)
                            || self.old.above_family(old_key, value(old_item), prefix))
                })
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
            ItemKind::Define
                // A count or a last member of a family of defines (`__NR_syscalls`,
                // `#define BTF_KIND_MAX BTF_KIND_DATASEC`, `NSIGSEGV`).
                // Only as part of another constant: `bound_grew` judges a family's count itself,
                // at both revisions at once (`counts_family`).
                if depth > 0 && !side.counted_families(key, *value, confirmed).is_empty() => {
                    return true;
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
        self.derived(side, &key.file, text, depth, confirmed)
    }

    /// A text computed from at least one bound and otherwise from constants with the same value at
    /// both revisions (and type names, in casts). Where the name is a bound's (`confirmed`), the
    /// last member of a family counts as a bound (`SETUP_TYPE_MAX (SETUP_INDIRECT |
    /// SETUP_JAILHOUSE)`, the last `SETUP_*` type beside a flag).
    fn derived(&self, side: &Side, file: &str, text: &str, depth: usize, confirmed: bool) -> bool {
        let names = identifiers(text);
        let mut any_bound = false;
        for n in names {
            if self.is_bound(side, file, n, depth + 1) || confirmed && side.ends_family(file, n) {
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
                            major(self.old, a1.first().copied()),
                            major(self.new, a2.first().copied()),
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

    /// Enumerators renumbered by a change of their enum's order before them: an insertion, a
    /// removal, or the member itself moved (`IPSTATS_MIB_OUTPKTS`, 5 → 37: `IPSTATS_MIB_OUTREQUESTS`
    /// took its place and it went to the end); implicit values at both revisions.
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
        (old_members[..old_pos] != new_members[..new_pos]).then(|| EnumId {
            file: c.file.clone(),
            first: new_members.first().cloned().unwrap_or_default(),
        })
    }

    /// An initializer list (a table the header spells for userspace: `{ [ELS_LS_RJT] = "LS_RJT",
    /// … }`, `{ SVM_EXIT_READ_CR0, "read_cr0" }, …`) that only gained entries: every old entry is
    /// still there, and where the entries are not keyed (`[index] = …` or `{ key, … }`), where it
    /// was (the old list is the new one's beginning).
    pub fn list_extended(&self, c: &Change) -> bool {
        let list = |f: &Option<Facts>| match f {
            Some(Facts::Value {
                text,
                non_integer: Some(NonInteger::Initializer),
                ..
            }) => Some(list_entries(text)),
            _ => None,
        };
        let (Some(old), Some(new)) = (list(&c.old), list(&c.new)) else {
            return false;
        };
        let keyed = old
            .iter()
            .chain(&new)
            .all(|e| e.starts_with('[') || e.starts_with('{'));
        new.len() > old.len()
            && if keyed {
                old.iter().all(|e| new.contains(e))
            } else {
                new.starts_with(&old)
            }
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

/// Every prefix of a name that ends in `_` after a word: `__NR_io_setup` → `__NR_`, `__NR_io_`;
/// `AUDIT_FILTER_URING_EXIT` → `AUDIT_`, `AUDIT_FILTER_`, `AUDIT_FILTER_URING_`.
fn family_prefixes(name: &str) -> impl Iterator<Item = &str> {
    let start = name.len() - name.trim_start_matches('_').len();
    name[start..]
        .match_indices('_')
        .map(move |(at, _)| start + at + 1)
        .filter(move |&end| end > start + 1 && name.as_bytes()[end - 2] != b'_')
        .map(move |end| &name[..end])
}

/// A family prefix's last word: `SEGV_` → `SEGV`, `AUDIT_FILTER_` → `FILTER`.
fn family_stem(prefix: &str) -> &str {
    let word = prefix.trim_end_matches('_');
    word.rsplit('_').next().unwrap_or(word)
}

/// The top of the longest run of consecutive values (the larger top of two as long), if a run
/// is two values long at least: 7 for `AUDIT_FILTER_*` 0 … 7 beside `AUDIT_FILTER_PREPEND` 0x10.
fn run_top(values: &[i128]) -> Option<i128> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let (mut best, mut best_len, mut len) = (None, 1, 0);
    for (i, v) in sorted.iter().enumerate() {
        len = if i > 0 && sorted[i - 1] + 1 == *v {
            len + 1
        } else {
            1
        };
        if len >= 2 && len >= best_len {
            (best, best_len) = (Some(*v), len);
        }
    }
    best
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
/// A bound's word may carry the kernel's "plus one" (`V4L2_CID_LASTP1`).
pub fn bound_word(name: &str) -> bool {
    let words: Vec<String> = words(name)
        .into_iter()
        .map(|w| w.strip_suffix("P1").map(str::to_string).unwrap_or(w))
        .collect();
    has_word(
        &words,
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

/// The entries of an initializer list, outer braces around the whole list removed, each with
/// its blanks outside literals dropped (`{ A, "a b" }` → `{A,"a b"}`).
fn list_entries(text: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let (mut entry, mut depth, mut quote) = (String::new(), 0i32, None);
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if let Some(q) = quote {
            entry.push(ch);
            if ch == '\\' {
                entry.extend(chars.next());
            } else if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => quote = Some(ch),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                entries.push(std::mem::take(&mut entry));
                continue;
            }
            c if c.is_whitespace() => continue,
            _ => {}
        }
        entry.push(ch);
    }
    entries.push(entry);
    entries.retain(|e| !e.is_empty());
    match entries.as_slice() {
        [whole]
            if whole.starts_with('{')
                && whole.ends_with('}')
                && balanced(&whole[1..whole.len() - 1]) =>
        {
            let inner = whole[1..whole.len() - 1].to_string();
            list_entries(&inner)
        }
        _ => entries,
    }
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
mod tests;
