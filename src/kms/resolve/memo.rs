//! What extractions keep for the next ones (the other side of a diff, the next revisions of a
//! walk), by file content: the parses, whether a file is parsed whole from the start, and where it
//! mentions the names a round searches. A file that did not change is neither parsed nor scanned
//! again, and its parses are shared, not copied.

use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::super::parse::FileFacts;

/// A file's content id (its git blob id): with its path and the parts parsed, what its facts are a
/// function of.
pub type ContentId = [u8; 20];

/// Byte ranges of a file parsed on their own.
pub(super) type Regions = Vec<(usize, usize)>;

type ParseKey = (String, ContentId, Option<Regions>);

/// What a round of helper calls searches the files for: the helpers' names and the drivers'
/// wrappers (owner, name); with a file's path and content, what the positions found depend on.
pub(super) type Needles = (Vec<String>, Vec<(String, String)>);

/// Positions found in files, by path and content, for one set of needles.
#[derive(Default)]
struct Mentions {
    found: Mutex<FxHashMap<(String, ContentId), Vec<usize>>>,
    /// Whether an extraction searched these needles since the last `retain`.
    used: AtomicBool,
}

/// Files parsed and scanned by earlier extractions. Each file is parsed once (by path, content and
/// the regions parsed; None: whole) even when two extractions ask for it at the same time: the
/// second waits for the first's parse (which runs no parallel work, so the wait cannot deadlock
/// the thread pool).
#[derive(Default)]
pub struct ParsedFiles {
    parses: Mutex<FxHashMap<ParseKey, Arc<OnceLock<Arc<FileFacts>>>>>,
    /// Whether a file is parsed whole from the start, by content and whether it is a header.
    whole: Mutex<FxHashMap<(ContentId, bool), bool>>,
    mentions: Mutex<FxHashMap<Needles, Arc<Mentions>>>,
}

impl ParsedFiles {
    pub(super) fn get_or_parse(
        &self,
        key: ParseKey,
        parse: impl FnOnce() -> FileFacts,
    ) -> Arc<FileFacts> {
        let slot = lock(&self.parses).entry(key).or_default().clone();
        slot.get_or_init(|| Arc::new(parse())).clone()
    }

    /// Whether each file (content, whether it is a header) is parsed whole from the start:
    /// `decide(i)` for the `i`th of `keys` not decided yet.
    pub(super) fn parsed_whole(
        &self,
        keys: Vec<(ContentId, bool)>,
        decide: impl Fn(usize) -> bool + Sync,
    ) -> Vec<bool> {
        memoized(&self.whole, keys, decide)
    }

    /// Where each file (path, content) mentions `needles`: `search(i)` for the `i`th of `keys` not
    /// searched for these needles yet.
    pub(super) fn mentions(
        &self,
        needles: Needles,
        keys: Vec<(String, ContentId)>,
        search: impl Fn(usize) -> Vec<usize> + Sync,
    ) -> Vec<Vec<usize>> {
        let mentions = lock(&self.mentions).entry(needles).or_default().clone();
        mentions.used.store(true, Ordering::Relaxed);
        memoized(&mentions.found, keys, search)
    }

    /// Forgets the files whose content is not kept (a walk over revisions keeps the current one's),
    /// and the needles no extraction searched since the last call.
    pub fn retain(&self, keep: impl Fn(&ContentId) -> bool) {
        lock(&self.parses).retain(|(_, id, _), _| keep(id));
        lock(&self.whole).retain(|(id, _), _| keep(id));
        lock(&self.mentions).retain(|_, m| {
            lock(&m.found).retain(|(_, id), _| keep(id));
            m.used.swap(false, Ordering::Relaxed)
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The values of `keys` in `map`, making (in parallel, outside the lock) those not there yet:
/// `make(i)` for the `i`th key.
fn memoized<K: Hash + Eq + Send, V: Clone + Send>(
    map: &Mutex<FxHashMap<K, V>>,
    keys: Vec<K>,
    make: impl Fn(usize) -> V + Sync,
) -> Vec<V> {
    let known: Vec<Option<V>> = {
        let map = lock(map);
        keys.iter().map(|k| map.get(k).cloned()).collect()
    };
    let missing: Vec<usize> = (0..keys.len()).filter(|&i| known[i].is_none()).collect();
    let made: Vec<(usize, V)> = missing.into_par_iter().map(|i| (i, make(i))).collect();
    let mut values = known;
    let mut map = lock(map);
    let mut keys: Vec<Option<K>> = keys.into_iter().map(Some).collect();
    for (i, v) in made {
        map.insert(keys[i].take().expect("one value per key"), v.clone());
        values[i] = Some(v);
    }
    values
        .into_iter()
        .map(|v| v.expect("every key known or made"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(helper: &str) -> Needles {
        (vec![helper.to_string()], Vec::new())
    }

    #[test]
    fn mentions_are_kept_per_needles_path_and_content() {
        let cache = ParsedFiles::default();
        let key = |path: &str, id: u8| (path.to_string(), [id; 20]);
        let found = cache.mentions(needles("a"), vec![key("x.c", 1)], |_| vec![1]);
        assert_eq!(found, [vec![1]]);
        // Known: not searched again.
        let found = cache.mentions(needles("a"), vec![key("x.c", 1)], |_| unreachable!());
        assert_eq!(found, [vec![1]]);
        // Other needles, path or content: searched.
        for (n, k) in [
            (needles("b"), key("x.c", 1)),
            (needles("a"), key("y.c", 1)),
            (needles("a"), key("x.c", 2)),
        ] {
            assert_eq!(cache.mentions(n, vec![k], |_| vec![2]), [vec![2]]);
        }
    }

    #[test]
    fn parsed_whole_is_kept_per_content_and_kind() {
        let cache = ParsedFiles::default();
        assert_eq!(
            cache.parsed_whole(vec![([1; 20], false)], |_| false),
            [false]
        );
        assert_eq!(cache.parsed_whole(vec![([1; 20], true)], |_| true), [true]);
        let known = cache.parsed_whole(vec![([1; 20], false), ([1; 20], true)], |_| unreachable!());
        assert_eq!(known, [false, true]);
    }

    #[test]
    fn retain_forgets_unkept_content_and_unsearched_needles() {
        let cache = ParsedFiles::default();
        let keys = || vec![("x.c".to_string(), [1; 20]), ("y.c".to_string(), [2; 20])];
        cache.mentions(needles("a"), keys(), |i| vec![i]);
        cache.retain(|id| *id == [1; 20]);
        let again = cache.mentions(needles("a"), keys(), |i| {
            assert_eq!(i, 1, "only the forgotten content is searched again");
            vec![7]
        });
        assert_eq!(again, [vec![0], vec![7]]);
        // Searched since the last retain: kept; then not searched: forgotten.
        cache.retain(|_| true);
        cache.retain(|_| true);
        assert_eq!(
            cache.mentions(needles("a"), keys(), |_| vec![9]),
            [vec![9], vec![9]]
        );
    }
}
