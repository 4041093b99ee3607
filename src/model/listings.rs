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
//! Where a header it reads changed, the listing is kept by what its lookups can find in those
//! headers instead (`fine_key`, `projection`): a widely included header that gains a typedef or
//! renames its include guard no longer lists 700 headers again. Making that key costs about half
//! a listing, so only a walk uses it (`ListingCache::by_projection`), and a build makes it only
//! where it is looked up (the header's closure changed and a listing of its blob is kept), or
//! where the revision built next may change what the header reads (`ListingCache::expect_next`;
//! every header when the caller does not say).
//! Looking up the headers that define a missing name (`borrow_missing_definitions`) runs after the
//! listing, at every revision, on the causes the listing kept. The parse of a definition read
//! again after macro expansion is kept too, by the expansion, the text as written and its place.

use super::defines::{IOCTL_DIRECTION_BITS, IOCTL_MACROS};
use super::item_map::{FileItems, ItemMap};
use super::projection::{self, Definitions};
use super::scope::{Decl, DefinedMacros, FileSet, Preprocessor};
use super::{EnumMembers, HeaderSource, ItemKey};
use crate::cpp::Cause;
use crate::parse::ParsedHeader;
use rustc_hash::FxHashMap;
use std::borrow::Borrow;
use std::cell::OnceCell;
use std::fmt::Write;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// What listing one header put in the model.
#[derive(Default)]
pub(super) struct Listing {
    pub(super) items: Arc<FileItems>,
    /// Why its unresolved constants are unresolved, as `Lister::causes`.
    pub(super) causes: FxHashMap<ItemKey, Cause>,
    pub(super) enums: Vec<EnumMembers>,
    /// Its constants were tried in its includers' scopes (`Consulted::includers` names it).
    pub(super) asked_includers: bool,
    /// Its `fine_key` once made (None inside when it has none): kept with it while its `key`
    /// keeps it.
    fine_key: OnceLock<Option<String>>,
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
    /// By arch, path and blob, whether the header's last listing kept tried its constants in its
    /// includers' scopes: a header is looked for by `fine_key` only when it has one, and by its
    /// includers' `fine_key` only when that one did.
    listed: Kept<String, bool>,
    /// Whether builds add what they make (`keep`); off, the cache only gives what it holds.
    keeping: AtomicBool,
    /// Whether builds look listings up, and keep them, by `fine_key` too (`by_projection`).
    by_projection: AtomicBool,
    /// The headers (path → blob) of the revision to be built after the next build
    /// (`expect_next`).
    next: Mutex<Option<FxHashMap<String, String>>>,
}

impl ListingCache {
    pub(super) fn get(&self, key: &str) -> Option<Arc<Listing>> {
        self.listings.get(key)
    }

    /// The headers (path → blob) of the revision the caller builds after the next build, when it
    /// knows them: the next build then makes a `fine_key` only for the listings whose headers read
    /// change there (the others are found by `key`). The hint holds for one build.
    pub fn expect_next(&self, next: Option<FxHashMap<String, String>>) {
        *self.next.lock().expect("listing cache lock") = next;
    }

    /// Whether it holds listings or takes them: if not, a build need not compute its keys.
    pub(super) fn in_use(&self) -> bool {
        self.keeping.load(Ordering::Relaxed) || self.listings.len() > 0
    }

    /// Whether the builds from now on add what they make.
    pub fn keep(&self, keep: bool) {
        self.keeping.store(keep, Ordering::Relaxed);
    }

    /// Whether the builds from now on look listings up by `fine_key` too, where a header's
    /// `key` finds none. It pays in a walk, where a key made once serves the later revisions;
    /// a diff would make each for one lookup, as many as it saves listings (about half of one
    /// each) between two releases, and more than it saves between two neighbours.
    pub fn by_projection(&self, on: bool) {
        self.by_projection.store(on, Ordering::Relaxed);
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

    /// Whether a listing of `header` for `arch` is kept, and if so whether it tried its constants
    /// in its includers' scopes.
    fn listed(&self, arch: &str, header: &HeaderSource) -> Option<bool> {
        self.listed.get(&listed_key(arch, header))
    }

    /// Records the listing of `header` for `arch` a build took or made.
    fn set_listed(&self, arch: &str, header: &HeaderSource, listing: &Listing) {
        if self.keeping.load(Ordering::Relaxed) {
            (self.listed).insert(listed_key(arch, header), listing.asked_includers);
        }
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
        self.listed.retain_used();
    }

    /// Forgets everything it holds.
    pub fn clear(&self) {
        self.listings.clear();
        self.expansions.clear();
        self.defined.clear();
        self.listed.clear();
    }
}

/// What `ListingCache::listed` knows a header by: arch, path and blob.
fn listed_key(arch: &str, header: &HeaderSource) -> String {
    format!("{arch}\n{}\n{}", header.path, header.blob)
}

/// The headers the listing of header `file` reads: itself and what it includes (directly or not);
/// with `includers` (the headers that include it directly), for a header whose constants were
/// tried in their scopes, also those headers and what each includes. None when a unit is missing.
fn read_set(pp: &Preprocessor, file: usize, includers: Option<&[usize]>) -> Option<FileSet> {
    let mut read = pp.units[file].as_ref()?.closure.clone();
    read.insert(file);
    for &g in includers.unwrap_or_default() {
        read.insert(g);
        read.union_with(&pp.units[g].as_ref()?.closure);
    }
    Some(read)
}

/// The first lines of both keys: the arch and the header's path, then (with `includers`, in path
/// order) the includers named.
fn key_head(pp: &Preprocessor, file: usize, includers: Option<&[usize]>) -> String {
    let mut key = format!("{}\n{}\n", pp.arch.name, pp.paths[file]);
    if let Some(includers) = includers {
        // No path starts with '+': this key is never one of a header that read only its own.
        key.push('+');
        for &g in includers {
            let _ = write!(key, " {}", pp.paths[g]);
        }
        key.push('\n');
    }
    key
}

/// A header read, as a key names it: its path, and the includes its unit found unfinished.
fn write_read_header(pp: &Preprocessor, f: usize, key: &mut String) -> Option<()> {
    key.push_str(&pp.paths[f]);
    for &unfinished in &pp.units[f].as_ref()?.included_unfinished {
        let _ = write!(key, " <{}", pp.paths[unfinished]);
    }
    Some(())
}

/// What header `file`'s listing depends on, as text: `key_head`, then the path and blob of each
/// header it reads (`read_set`), in file order, each followed by the includes its unit found
/// unfinished. None when a unit is missing.
fn key(
    pp: &Preprocessor,
    headers: &[HeaderSource],
    file: usize,
    includers: Option<&[usize]>,
) -> Option<String> {
    let read = read_set(pp, file, includers)?;
    let mut key = key_head(pp, file, includers);
    for (f, header) in headers.iter().enumerate() {
        if !read.contains(f) {
            continue;
        }
        write_read_header(pp, f, &mut key)?;
        let _ = write!(key, " {}", header.blob);
        key.push('\n');
    }
    Some(key)
}

/// What header `file`'s listing depends on when a header it reads changed: `key_head`, its own
/// blob, then each header it reads (`read_set`), in file order, with the definitions there of the
/// names it can look up (`projection`). Asked only where `key` finds nothing kept. None when the
/// header has no projection, or a unit is missing.
fn fine_key(
    definitions: &Definitions,
    headers: &[HeaderSource],
    file: usize,
    includers: Option<&[usize]>,
) -> Option<String> {
    let pp = definitions.preprocessor();
    let read = read_set(pp, file, includers)?;
    // No path is '=': this key is never a `key`.
    let mut key = format!(
        "=\n{}{}\n",
        key_head(pp, file, includers),
        headers[file].blob
    );
    projection::write(definitions, file, &read, LOOKED_UP, &mut key, |f, key| {
        write_read_header(pp, f, key)
    })?;
    Some(key)
}

/// One build's lookups of kept listings, and its keeping of the listings it makes.
pub(super) struct Keys<'b, 'p, 'a> {
    cache: &'b ListingCache,
    pp: &'p Preprocessor<'a>,
    headers: &'b [HeaderSource],
    /// Per header, the headers that include it directly, in path order.
    includers: &'b [Vec<usize>],
    /// Per file, its live declarations as read, and the index in its unit's `decls` of each.
    decls: (&'p [Vec<Decl<'p>>], &'b [Vec<usize>]),
    /// Made at the first `fine_key`.
    definitions: OnceCell<Definitions<'p, 'a>>,
    /// `ListingCache::by_projection`.
    by_projection: bool,
    /// The headers whose blob differs, or which are gone, at the revision built next; None: not
    /// known (every header may change).
    changing: Option<FileSet>,
}

/// What `Keys::find` found for a header: the listing kept, or the keys to keep a new one under.
pub(super) struct Found {
    pub(super) kept: Option<Arc<Listing>>,
    own: Option<String>,
    includers: Option<String>,
    /// Made (the inner None: it has none), or not made.
    own_fine: Option<Option<String>>,
    includers_fine: Option<Option<String>>,
}

impl<'b, 'p, 'a> Keys<'b, 'p, 'a> {
    pub(super) fn new(
        cache: &'b ListingCache,
        pp: &'p Preprocessor<'a>,
        headers: &'b [HeaderSource],
        includers: &'b [Vec<usize>],
        decls: (&'p [Vec<Decl<'p>>], &'b [Vec<usize>]),
    ) -> Self {
        let next = cache.next.lock().expect("listing cache lock").take();
        let changing = next.map(|next| {
            let mut changing = FileSet::default();
            for (f, header) in headers.iter().enumerate() {
                if next.get(&header.path) != Some(&header.blob) {
                    changing.insert(f);
                }
            }
            changing
        });
        Keys {
            cache,
            pp,
            headers,
            includers,
            decls,
            definitions: OnceCell::new(),
            changing,
            by_projection: cache.by_projection.load(Ordering::Relaxed),
        }
    }

    /// The listing kept for header `file`: by `key`, else, where a header it reads changed, by
    /// `fine_key` (it is then kept by its new `key` too). Each is tried for the header's own
    /// scope, then for its includers' (the keys of a header that tried its constants there;
    /// `fine_key` only for a header whose last listing did).
    pub(super) fn find(&self, file: usize) -> Found {
        let (cache, header, arch) = (self.cache, &self.headers[file], self.pp.arch.name);
        let own = key(self.pp, self.headers, file, None);
        let mut found = Found {
            kept: own.as_deref().and_then(|k| cache.get(k)),
            own,
            includers: None,
            own_fine: None,
            includers_fine: None,
        };
        if found.kept.is_none() && found.own.is_some() {
            found.includers = key(self.pp, self.headers, file, Some(&self.includers[file]));
            found.kept = found.includers.as_deref().and_then(|k| cache.get(k));
        }
        // Only a build that looks listings up by `fine_key` reads or records `listed`.
        let listed = self
            .by_projection
            .then(|| cache.listed(arch, header))
            .flatten();
        if let Some(listing) = &found.kept {
            self.keep_fine(file, listing, None);
        } else if let (Some(asked_includers), Some(_)) = (listed, &found.own) {
            let own_fine = self.fine_key(file, false);
            found.kept = own_fine.as_deref().and_then(|k| cache.get(k));
            found.own_fine = Some(own_fine);
            if found.kept.is_none() && asked_includers {
                let includers_fine = self.fine_key(file, true);
                found.kept = includers_fine.as_deref().and_then(|k| cache.get(k));
                found.includers_fine = Some(includers_fine);
            }
            if let Some(listing) = &found.kept {
                let key = match listing.asked_includers {
                    false => &found.own,
                    true => &found.includers,
                };
                if let Some(key) = key {
                    cache.insert(key.clone(), listing.clone());
                }
            }
        }
        if let (Some(listing), true) = (&found.kept, self.by_projection) {
            cache.set_listed(arch, header, listing);
        }
        found
    }

    /// Keeps the listing just made for header `file` by the keys `find` made.
    pub(super) fn keep(&self, file: usize, found: Found, listing: &Arc<Listing>) {
        let (key, fine) = match listing.asked_includers {
            false => (found.own, found.own_fine),
            true => (found.includers, found.includers_fine),
        };
        if let Some(key) = key {
            self.cache.insert(key, listing.clone());
        }
        self.keep_fine(file, listing, fine);
        if self.by_projection {
            (self.cache).set_listed(self.pp.arch.name, &self.headers[file], listing);
        }
    }

    /// Keeps `listing` by its `fine_key` too when it has not one yet: `made` (already), or made
    /// now when the revision built next may change a header it reads. Else marks that one used.
    fn keep_fine(&self, file: usize, listing: &Arc<Listing>, made: Option<Option<String>>) {
        if let Some(fine) = listing.fine_key.get() {
            if let Some(fine) = fine {
                self.cache.get(fine);
            }
            return;
        }
        if !(self.by_projection && self.cache.keeping.load(Ordering::Relaxed)) {
            return;
        }
        let asked = listing.asked_includers;
        let changes = |changing: &FileSet| {
            let includers = asked.then(|| self.includers[file].as_slice());
            read_set(self.pp, file, includers).is_none_or(|read| read.intersects(changing))
        };
        if made.is_none() && !self.changing.as_ref().is_none_or(changes) {
            return;
        }
        let fine = made.unwrap_or_else(|| self.fine_key(file, asked));
        if let Some(fine) = &fine {
            self.cache.insert(fine.clone(), listing.clone());
        }
        let _ = listing.fine_key.set(fine);
    }

    fn fine_key(&self, file: usize, asked_includers: bool) -> Option<String> {
        let definitions = self.definitions.get_or_init(|| {
            let (decls, origins) = self.decls;
            Definitions::new(self.pp, decls, origins)
        });
        let includers = asked_includers.then(|| self.includers[file].as_slice());
        fine_key(definitions, self.headers, file, includers)
    }
}

/// The names a listing looks up of itself, not because its header names them.
const LOOKED_UP: &[&[&str]] = &[IOCTL_MACROS, &IOCTL_DIRECTION_BITS];

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
        // Each by its `key` (the `fine_key`s, with no next revision named, too).
        let kept = cache
            .listings
            .lock()
            .keys()
            .filter(|k| !k.starts_with("=\n"))
            .count();
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

    /// Where a header it includes changed, a header's items are kept (shared with the revision
    /// before) while the definitions it can look up there are the same (`fine_key`): not when
    /// the included header only gains a typedef and renames its guard, and they are listed again
    /// when the typedef it uses changes.
    #[test]
    fn a_header_is_kept_while_the_definitions_it_can_look_up_are_the_same() {
        let arch = Arch::by_name("x86_64").expect("x86_64");
        let common = |guard: &str, extra: &str, u32: &str| {
            format!("#ifndef {guard}\n#define {guard}\n{extra}typedef {u32} common_u32;\n#endif\n")
        };
        let user_path = "include/uapi/linux/user.h";
        let user = "#include <linux/common.h>\nstruct user { common_u32 a; };\n";
        let steps = [
            common("COMMON_H", "", "unsigned int"),
            common(
                "COMMON_UAPI_H",
                "typedef long common_extra;\n",
                "unsigned int",
            ),
            common(
                "COMMON_UAPI_H",
                "typedef long common_extra;\n",
                "unsigned long",
            ),
        ];
        let cache = ListingCache::default();
        cache.keep(true);
        cache.by_projection(true);
        let mut models = Vec::new();
        for text in &steps {
            let headers = revision(&[("include/uapi/linux/common.h", text), (user_path, user)]);
            cache.retain_used();
            let model = build("r", arch, &headers, Some(&cache));
            assert_eq!(whole(&model), whole(&build("r", arch, &headers, None)));
            models.push(model);
        }
        let user_listed_again = |new: &Model, old: &Model| {
            new.items
                .unshared_with(&old.items)
                .any(|(key, _)| key.file == user_path)
        };
        assert!(!user_listed_again(&models[1], &models[0]), "kept");
        assert!(user_listed_again(&models[2], &models[1]), "listed again");
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
