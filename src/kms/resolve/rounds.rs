//! Which files are parsed, and how much of each: the files that create, fill or attach properties
//! whole from the start (after a memchr prefilter), then, in rounds, the functions around calls to
//! the helpers and wrappers found so far, and last the files holding enum tables named but not
//! found. Parsing runs in parallel; resolution sees the files in path order.

use rustc_hash::FxHashSet;
use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use memchr::memmem;
use rayon::prelude::*;

use super::super::parse::{parse_file, FileFacts};
use super::super::{owner_of, EvalFn, KmsModel, SourceFile};
use super::helpers::{core_helpers, name_wrappers};
use super::index::Index;
use super::memo::{ContentId, Needles, ParsedFiles, Regions};
use super::{resolve, ADD_ENUM, ATTACH};

/// Rounds of "parse the files that call a newly found helper".
const MAX_ROUNDS: usize = 3;

/// A file to parse: its index, and the positions to parse around (None: whole).
type Job = (usize, Option<Vec<usize>>);

/// calls, and (in headers) enum value tables.
static FIRST_ROUND: LazyLock<[memmem::Finder<'static>; 4]> = LazyLock::new(|| {
    [
        "drm_property_create",
        ADD_ENUM,
        ATTACH,
        "drm_prop_enum_list",
    ]
    .map(|n| memmem::Finder::new(n.as_bytes()))
});

/// Whether a file is parsed whole in the first round (the others only if later rounds find
/// calls to helpers in them).
pub(crate) fn parsed_whole(file: &SourceFile) -> bool {
    let needles = &*FIRST_ROUND;
    prefilter(file.bytes, &needles[..3])
        || (file.path.ends_with(".h") && prefilter(file.bytes, &needles[3..]))
}

pub(crate) fn extract(
    files: &[SourceFile],
    eval: EvalFn,
    cache: Option<(&ParsedFiles, &[ContentId])>,
) -> KmsModel {
    let parsed = parse_rounds(files, cache);
    resolve_with_tables(files, parsed, eval)
}

/// What `extract` parses of `files`, which does not depend on any constant, so that the extraction
/// that follows finds it in `cache`: the files parsed whole, then the rounds of helper calls.
/// Returned as parsed, for the extraction of the same files (`extract_prepared`) to resolve.
pub(crate) fn prepare(files: &[SourceFile], cache: (&ParsedFiles, &[ContentId])) -> Prepared {
    let parsed = parse_rounds(files, Some(cache));
    Prepared {
        ids: cache.1.to_vec(),
        slots: parsed.slots,
        regions: parsed.regions,
    }
}

/// What `prepare` parsed of a revision's DRM sources: the rounds' outcome, which depends on the
/// files alone.
pub struct Prepared {
    /// The content ids of the files it was prepared from, in order.
    ids: Vec<ContentId>,
    slots: Vec<Option<Arc<FileFacts>>>,
    regions: Vec<Option<Regions>>,
}

/// `extract` of the files `prepared` was made from (checked by their content ids; other files
/// are extracted from the start): only the resolution is left, and the tables it may still parse.
pub(crate) fn extract_prepared(
    files: &[SourceFile],
    prepared: Prepared,
    eval: EvalFn,
    cache: (&ParsedFiles, &[ContentId]),
) -> KmsModel {
    if prepared.ids != cache.1 {
        return extract(files, eval, Some(cache));
    }
    let parsed = Parsed {
        slots: prepared.slots,
        regions: prepared.regions,
        cache: Some(cache),
    };
    resolve_with_tables(files, parsed, eval)
}

/// The files parsed whole from the start, then the rounds (`parse_helper_calls`).
fn parse_rounds<'c>(
    files: &[SourceFile],
    cache: Option<(&'c ParsedFiles, &'c [ContentId])>,
) -> Parsed<'c> {
    let mut parsed = Parsed {
        slots: (0..files.len()).map(|_| None).collect(),
        regions: vec![None; files.len()],
        cache,
    };
    let decide = |i: usize| parsed_whole(&files[i]);
    let whole: Vec<bool> = match cache {
        Some((cache, ids)) => {
            let keys = (0..files.len())
                .map(|i| (ids[i], files[i].path.ends_with(".h")))
                .collect();
            cache.parsed_whole(keys, decide)
        }
        None => (0..files.len()).into_par_iter().map(decide).collect(),
    };
    let first: Vec<Job> = (0..files.len())
        .filter(|&i| whole[i])
        .map(|i| (i, None))
        .collect();
    parsed.parse(files, first);
    parse_helper_calls(files, &mut parsed);
    parsed
}

/// Rounds: derive the core helpers and driver wrappers from what is parsed, then parse the
/// places that call them (the functions around the calls), until nothing new turns up.
fn parse_helper_calls(files: &[SourceFile], parsed: &mut Parsed) {
    let drm = memmem::Finder::new(b"drm");
    let mut searched: FxHashSet<String> = FxHashSet::default();
    for _ in 0..MAX_ROUNDS {
        let (helpers, wrappers) = {
            let facts = parsed.facts();
            let index = Index::build(&facts);
            (core_helpers(&facts, &index).0, name_wrappers(&facts))
        };
        let new_helpers: Vec<String> = helpers
            .into_iter()
            .filter(|h| !searched.contains(h))
            .collect();
        let new_wrappers: Vec<(String, String)> = wrappers
            .into_iter()
            .filter(|(_, w)| !searched.contains(&format!("{w}@")))
            .collect();
        if new_helpers.is_empty() && new_wrappers.is_empty() {
            break;
        }
        let with_drm: FxHashSet<Vec<u8>> = new_helpers
            .iter()
            .filter(|h| h.contains("drm"))
            .map(|h| h.as_bytes().to_vec())
            .collect();
        let others: Vec<memmem::Finder> = new_helpers
            .iter()
            .filter(|h| !h.contains("drm"))
            .map(|h| memmem::Finder::new(h.as_bytes()).into_owned())
            .collect();
        let wrapper_finders: Vec<(String, memmem::Finder)> = new_wrappers
            .iter()
            .map(|(o, w)| (o.clone(), memmem::Finder::new(w.as_bytes()).into_owned()))
            .collect();
        searched.extend(new_helpers.iter().cloned());
        searched.extend(new_wrappers.iter().map(|(_, w)| format!("{w}@")));
        let candidates: Vec<usize> = (0..files.len())
            .filter(|&i| !parsed.whole(i))
            .filter(|&i| files[i].path.ends_with(".c") || files[i].path.ends_with(".h"))
            .collect();
        let search = |c: usize| {
            let f = &files[candidates[c]];
            let mut pos = mentions(f.bytes, &drm, &with_drm, &others);
            let owner = owner_of(f.path);
            for (o, w) in &wrapper_finders {
                if *o == owner {
                    pos.extend(w.find_iter(f.bytes));
                }
            }
            pos
        };
        let found: Vec<Vec<usize>> = match parsed.cache {
            Some((cache, ids)) => {
                let keys = candidates
                    .iter()
                    .map(|&i| (files[i].path.to_string(), ids[i]))
                    .collect();
                let needles: Needles = (new_helpers, new_wrappers);
                cache.mentions(needles, keys, search)
            }
            None => (0..candidates.len()).into_par_iter().map(search).collect(),
        };
        let jobs: Vec<Job> = candidates
            .into_iter()
            .zip(found)
            .filter(|(_, pos)| !pos.is_empty())
            .map(|(i, pos)| (i, Some(pos)))
            .collect();
        if jobs.is_empty() {
            break;
        }
        parsed.parse(files, jobs);
    }
}

/// Resolves; if enum tables named at calls live in files not parsed whole yet (a driver's table
/// in another file of its directory), parses those and resolves again, once.
fn resolve_with_tables(files: &[SourceFile], mut parsed: Parsed, eval: EvalFn) -> KmsModel {
    let mut extra_round = true;
    loop {
        let mut facts = parsed.facts();
        facts.sort_by(|a, b| a.path.cmp(&b.path));
        let (model, missing) = resolve(&facts, eval);
        if !extra_round || missing.is_empty() {
            return model;
        }
        extra_round = false;
        drop(facts);
        let jobs = files_with_tables(files, &parsed, &missing);
        if jobs.is_empty() {
            return model;
        }
        parsed.parse(files, jobs);
    }
}

/// The files not parsed whole that mention a missing table's name in its directory.
fn files_with_tables(
    files: &[SourceFile],
    parsed: &Parsed,
    missing: &BTreeSet<(String, String)>,
) -> Vec<Job> {
    (0..files.len())
        .into_par_iter()
        .filter(|&i| !parsed.whole(i))
        .filter(|&i| {
            let f = &files[i];
            let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            missing
                .iter()
                .any(|(d, name)| d == dir && memmem::find(f.bytes, name.as_bytes()).is_some())
        })
        .map(|i| (i, None))
        .collect()
}

/// Files parsed so far: full parses, and region parses of files that only call helpers.
struct Parsed<'c> {
    slots: Vec<Option<Arc<FileFacts>>>,
    /// Regions parsed, for region-parsed files; None for full parses.
    regions: Vec<Option<Regions>>,
    /// Where parses are shared with other extractions, and the files' content ids.
    cache: Option<(&'c ParsedFiles, &'c [ContentId])>,
}

impl Parsed<'_> {
    /// (Re)parses files: `Some(positions)` around those positions (with the regions already
    /// parsed), `None` whole.
    fn parse(&mut self, files: &[SourceFile], jobs: Vec<Job>) {
        let mut jobs: Vec<(usize, Option<Regions>)> = jobs
            .into_iter()
            .filter_map(|(i, pos)| {
                let bytes = files[i].bytes;
                let regions = match (pos, &self.regions[i], self.slots[i].is_some()) {
                    (_, None, true) => return None, // already whole
                    (None, _, _) => None,
                    (Some(pos), old, _) => {
                        let mut r = super::super::parse::regions_around(bytes, &pos);
                        if let Some(old) = old {
                            r.extend(old.iter().copied());
                            r.sort_unstable();
                            let mut merged: Vec<(usize, usize)> = Vec::new();
                            for x in r {
                                match merged.last_mut() {
                                    Some(last) if x.0 <= last.1 => last.1 = last.1.max(x.1),
                                    _ => merged.push(x),
                                }
                            }
                            r = merged;
                        }
                        let size: usize = r.iter().map(|x| x.1 - x.0).sum();
                        if old.as_ref() == Some(&r) {
                            return None;
                        }
                        (size * 2 < bytes.len()).then_some(r)
                    }
                };
                Some((i, regions))
            })
            .collect();
        // The longest parses first: one large file parsed last would hold up the whole round
        // while the other threads have nothing left to take. (Each result goes to its own slot.)
        let parsed_bytes = |(i, regions): &(usize, Option<Regions>)| match regions {
            Some(regions) => regions.iter().map(|(start, end)| end - start).sum(),
            None => files[*i].bytes.len(),
        };
        jobs.sort_by_cached_key(|job| std::cmp::Reverse(parsed_bytes(job)));
        let cache = self.cache;
        let parsed: Vec<(usize, Option<Regions>, Arc<FileFacts>)> = jobs
            .into_par_iter()
            .map(|(i, regions)| {
                let f = &files[i];
                let parse = || {
                    parse_file(
                        f.path,
                        f.bytes,
                        owner_of(f.path),
                        regions.is_none(),
                        regions.as_deref(),
                    )
                };
                let facts = match cache {
                    Some((cache, ids)) => {
                        cache.get_or_parse((f.path.to_string(), ids[i], regions.clone()), parse)
                    }
                    None => Arc::new(parse()),
                };
                (i, regions, facts)
            })
            .collect();
        for (i, regions, facts) in parsed {
            self.slots[i] = Some(facts);
            self.regions[i] = regions;
        }
    }

    /// The facts parsed so far, in file order, to be indexed or resolved.
    fn facts(&self) -> Vec<Arc<FileFacts>> {
        self.slots.iter().flatten().cloned().collect()
    }

    fn whole(&self, i: usize) -> bool {
        self.slots[i].is_some() && self.regions[i].is_none()
    }
}

fn prefilter(bytes: &[u8], finders: &[memmem::Finder]) -> bool {
    finders.iter().any(|f| f.find(bytes).is_some())
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Positions in `bytes` of identifiers from `names` that have "drm" in them (found by scanning
/// the occurrences of "drm"), and of the `others` (names without "drm", searched one by one).
fn mentions(
    bytes: &[u8],
    drm: &memmem::Finder,
    names: &FxHashSet<Vec<u8>>,
    others: &[memmem::Finder],
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for at in drm.find_iter(bytes) {
        if at < last_end {
            continue;
        }
        let mut s = at;
        while s > 0 && is_ident(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = at;
        while e < bytes.len() && is_ident(bytes[e]) {
            e += 1;
        }
        last_end = e;
        if names.contains(&bytes[s..e]) {
            out.push(s);
        }
    }
    for f in others {
        out.extend(f.find_iter(bytes));
    }
    out
}
