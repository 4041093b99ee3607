//! One header's items kept across the revisions of a walk (issue 27): a header lists the same
//! items at every revision where it and every header it includes have the same bytes, at the same
//! paths, for the same arch. Its macros, declarations, `#pragma pack`s and the types and constants
//! it looks up are all found in that closure (`Types::visible`, `MacroScope`), or in the arch's
//! predefined macros and the libc prelude, which do not change. A header whose constants were
//! tried in the scopes of the headers that include it (`Consulted::includers`) is kept by those
//! headers and their closures too. In an include cycle, what a header's unit saw depends on which
//! header of the cycle the walk entered first: each unit records the includes it found unfinished
//! (`Unit::included_unfinished`), and the key names them, so a header in reach of a cycle is kept
//! while the cycle is entered the same way.
//! Looking up the headers that define a missing name (`borrow_missing_definitions`) runs after the
//! listing, at every revision, on the causes the listing kept. The parse of a definition read
//! again after macro expansion is kept too, by the expansion, the text as written and its place.

use super::item_map::{FileItems, ItemMap};
use super::scope::{DefinedMacros, Preprocessor};
use super::{EnumMembers, HeaderSource, ItemKey};
use crate::cpp::Cause;
use crate::parse::ParsedHeader;
use rustc_hash::FxHashMap;
use std::borrow::Borrow;
use std::fmt::Write;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What listing one header put in the model.
#[derive(Default)]
pub(super) struct Listing {
    pub(super) items: Arc<FileItems>,
    /// Why its unresolved constants are unresolved, as `Lister::causes`.
    pub(super) causes: FxHashMap<ItemKey, Cause>,
    pub(super) enums: Vec<EnumMembers>,
    /// Its constants were tried in its includers' scopes (`Consulted::includers` names it).
    pub(super) asked_includers: bool,
}

/// The model's items, causes and enums from its headers' listings in file order: each header's
/// items shared with its listing (and so with the other revisions that keep it), its causes and
/// enums moved when the listing was made for this revision alone, copied when it is shared.
pub(super) fn assemble(
    headers: &[HeaderSource],
    listed: Vec<Arc<Listing>>,
) -> (ItemMap, FxHashMap<ItemKey, Cause>, Vec<EnumMembers>) {
    let mut items = ItemMap::new();
    let mut causes = FxHashMap::default();
    let mut enums = Vec::new();
    for (header, listing) in headers.iter().zip(listed) {
        items.share_file(&header.path, Arc::clone(&listing.items));
        match Arc::try_unwrap(listing) {
            Ok(own) => {
                causes.extend(own.causes);
                enums.extend(own.enums);
            }
            Err(shared) => {
                causes.extend(shared.causes.iter().map(|(k, c)| (k.clone(), c.clone())));
                enums.extend(shared.enums.iter().cloned());
            }
        }
    }
    (items, causes, enums)
}

/// A definition read again after macro expansion: the expansion, the text as written and where it
/// is (its line, last line and bytes); what its parse, with lines and spans restored, is made of.
pub(super) type ExpansionKey = (String, String, u32, u32, usize, usize);

/// Values kept for later builds, each with whether a build used it since the last `retain_used`.
struct Kept<K, V>(Mutex<FxHashMap<K, (V, bool)>>);

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Kept(Mutex::default())
    }
}

impl<K: Hash + Eq, V: Clone> Kept<K, V> {
    fn lock(&self) -> MutexGuard<'_, FxHashMap<K, (V, bool)>> {
        self.0.lock().expect("listing cache lock")
    }

    fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let mut map = self.lock();
        let (value, used) = map.get_mut(key)?;
        *used = true;
        Some(value.clone())
    }

    fn insert(&self, key: K, value: V) {
        self.lock().insert(key, (value, true));
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn retain_used(&self) {
        self.lock().retain(|_, (_, used)| std::mem::take(used));
    }

    fn clear(&self) {
        self.lock().clear();
    }
}

/// Headers' listings by what they read (`key`), and the parses of definitions read after macro
/// expansion by what they are made of, shared by the revisions of a walk.
#[derive(Default)]
pub struct ListingCache {
    listings: Kept<String, Arc<Listing>>,
    expansions: Kept<ExpansionKey, Arc<ParsedHeader>>,
    /// The macros of each header's `#define`s, by path and blob.
    defined: Kept<String, Arc<DefinedMacros>>,
    /// Whether builds add what they make (`keep`); off, the cache only gives what it holds.
    keeping: AtomicBool,
}

impl ListingCache {
    pub(super) fn get(&self, key: &str) -> Option<Arc<Listing>> {
        self.listings.get(key)
    }

    /// Whether it holds listings or takes them: if not, a build need not compute its keys.
    pub(super) fn in_use(&self) -> bool {
        self.keeping.load(Ordering::Relaxed) || self.listings.len() > 0
    }

    /// Whether the builds from now on add what they make.
    pub fn keep(&self, keep: bool) {
        self.keeping.store(keep, Ordering::Relaxed);
    }

    /// The parse of a definition read after expansion: kept, or made by `parse` (and kept when
    /// builds add what they make).
    pub(super) fn expansion(
        &self,
        key: ExpansionKey,
        parse: impl FnOnce() -> ParsedHeader,
    ) -> Arc<ParsedHeader> {
        if let Some(parsed) = self.expansions.get(&key) {
            return parsed;
        }
        let parsed = Arc::new(parse());
        if self.keeping.load(Ordering::Relaxed) {
            self.expansions.insert(key, parsed.clone());
        }
        parsed
    }

    /// The macros the `#define`s of the header at `path` with blob `blob` make: kept, or none made
    /// yet (and kept when builds add what they make).
    pub(super) fn defined_macros(&self, path: &str, blob: &str) -> Arc<DefinedMacros> {
        let key = format!("{path} {blob}");
        if let Some(defined) = self.defined.get(&key) {
            return defined;
        }
        let defined = Arc::<DefinedMacros>::default();
        if self.keeping.load(Ordering::Relaxed) {
            self.defined.insert(key, defined.clone());
        }
        defined
    }

    pub(super) fn insert(&self, key: String, listing: Arc<Listing>) {
        if self.keeping.load(Ordering::Relaxed) {
            self.listings.insert(key, listing);
        }
    }

    /// Forgets what no build used since the last call: a walk calls it before each revision's
    /// model, so that it holds about the revision before's, not the whole walk's.
    pub fn retain_used(&self) {
        self.listings.retain_used();
        self.expansions.retain_used();
        self.defined.retain_used();
    }

    /// Forgets everything it holds.
    pub fn clear(&self) {
        self.listings.clear();
        self.expansions.clear();
        self.defined.clear();
    }
}

/// What header `file`'s listing depends on, as text: the arch and the header's path, then the
/// path and blob of each header it reads, in file order: itself and what it includes (directly or
/// not). With `includers` (the headers that include it directly, in path order), for a header whose
/// constants were tried in their scopes, also those headers (named) and what each includes. After
/// each header read, the includes its unit found unfinished. None when a unit is missing.
pub(super) fn key(
    pp: &Preprocessor,
    headers: &[HeaderSource],
    file: usize,
    includers: Option<&[usize]>,
) -> Option<String> {
    let mut read = pp.units[file].as_ref()?.closure.clone();
    read.insert(file);
    let mut key = format!("{}\n{}\n", pp.arch.name, headers[file].path);
    if let Some(includers) = includers {
        // No path starts with '+': this key is never one of a header that read only its own.
        key.push('+');
        for &g in includers {
            read.insert(g);
            read.union_with(&pp.units[g].as_ref()?.closure);
            let _ = write!(key, " {}", headers.get(g)?.path);
        }
        key.push('\n');
    }
    for (f, header) in headers.iter().enumerate() {
        if !read.contains(f) {
            continue;
        }
        let unit = pp.units[f].as_ref()?;
        let _ = write!(key, "{} {}", header.path, header.blob);
        for &unfinished in &unit.included_unfinished {
            let _ = write!(key, " <{}", pp.paths[unfinished]);
        }
        key.push('\n');
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::super::{build, Arch, Model};
    use super::*;

    fn revision(files: &[(&str, &str)]) -> Vec<HeaderSource> {
        files
            .iter()
            .map(|(path, text)| HeaderSource {
                path: path.to_string(),
                // Any id that differs with the text does.
                blob: format!("{text:?}"),
                parsed: Arc::new(crate::parse::parse_header(text.as_bytes())),
            })
            .collect()
    }

    /// Everything a model holds, as text (its items have no `PartialEq`).
    fn whole(model: &Model) -> String {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}",
            model.items, model.consulted, model.enums, model.notes
        )
    }

    /// A model built from kept listings is the model built without them, `consulted` included: a
    /// kept header whose constants were tried in its includers' scopes is named there again.
    #[test]
    fn a_model_from_kept_listings_is_the_model_built_without() {
        let arch = Arch::by_name("x86_64").expect("x86_64");
        let headers = revision(&[
            (
                "include/uapi/asm-generic/ioctl.h",
                "#define _IOC(d,t,n,s) (((d) << 30) | ((t) << 8) | (n) | ((s) << 16))\n\
                 #define _IOW(t,n,s) _IOC(1U,(t),(n),sizeof(s))\n",
            ),
            (
                "include/uapi/linux/includer.h",
                "#define BASE_VALUE 1\n#include <linux/inner.h>\n",
            ),
            (
                "include/uapi/linux/inner.h",
                "#define INNER_VALUE (BASE_VALUE + 1)\nenum e { E_A, E_B };\n",
            ),
            (
                "include/uapi/linux/user.h",
                "struct arg { int a; };\n#define USER_IOCTL _IOW('u', 1, struct arg)\n",
            ),
        ]);
        let cache = ListingCache::default();
        cache.keep(true);
        let fresh = whole(&build("r", arch, &headers, None));
        let filling = whole(&build("r", arch, &headers, Some(&cache)));
        let kept = cache.listings.len();
        assert_eq!(kept, headers.len(), "every header kept");
        let from_kept = whole(&build("r", arch, &headers, Some(&cache)));
        assert_eq!(fresh, filling);
        assert_eq!(fresh, from_kept);
        assert!(from_kept.contains("includer"), "{from_kept}");
        // A diff forgets its pair's listings: the cache then holds nothing and is not in use.
        cache.keep(false);
        cache.clear();
        assert_eq!(cache.listings.len() + cache.defined.len(), 0);
        assert!(!cache.in_use());
    }

    /// A definition read after macro expansion is parsed once for all revisions where it reads
    /// the same, and each gets the lines and spans of its own text: the same expansion of the
    /// same text moved down a line is placed where it now is.
    #[test]
    fn a_kept_expansion_parse_is_placed_where_its_text_is() {
        let arch = Arch::by_name("x86_64").expect("x86_64");
        let text = "#define FIELDS(t) t a; t b;
struct s {
	FIELDS(int)
};
";
        let moved = format!("\n{text}");
        let cache = ListingCache::default();
        cache.keep(true);
        for (text, line) in [(text, 2), (&moved, 3), (text, 2)] {
            let headers = revision(&[("include/uapi/linux/s.h", text)]);
            let fresh = whole(&build("r", arch, &headers, None));
            let field = format!("parent: Some(\"s\"), name: \"b\" }}: Item {{ line: {line},");
            assert!(fresh.contains(&field), "{fresh}");
            assert_eq!(fresh, whole(&build("r", arch, &headers, Some(&cache))));
        }
        let kept = cache.expansions.len();
        assert_eq!(kept, 2, "one parse per place of the definition");
    }
}
