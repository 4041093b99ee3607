//! Incremental diff: the cost of a diff follows the size of the change. A header whose blob and
//! whose whole translation unit are identical at both revisions has identical items and facts, so
//! neither side needs to parse or model it. The headers whose items may differ (the *affected*
//! set) are found from what each header's items depend on in `model`:
//!
//! - its translation unit: the headers its `#include` lines reach, as resolved at each revision
//!   (which `asm/` header is meant depends on which paths exist), with the libc prelude and the
//!   arch (the same at both sides of a diff); the order in which an include cycle is entered;
//! - for a constant its own unit cannot evaluate, the units of the headers that include it
//!   (`Model::consulted.includers`);
//! - for a constant still missing a name, the one header of the revision defining that name
//!   (`Model::consulted.definers`: a global lookup, so a new definer anywhere matters).
//!
//! `#include` lines are read from the text (every branch, so a superset of the live includes);
//! which headers may define or use a name is read as the headers whose text has it as a word, or
//! that paste tokens (`##`: a name their macros build is no word of their text). Both
//! sides are then modelled restricted to what the affected headers need, and the rules (which look
//! up typedefs, ioctl arguments and records by name over the whole model) see, beside the affected
//! headers, the headers that mention the records the changes touch. `UAPI_DIFF_FULL=1` computes
//! everything instead: the byte-identity test (tests/incremental.rs) compares both.

use super::{Listed, Options, ParseCache, Snapshot};
use crate::arch::Arch;
use crate::change::DiffReport;
use crate::change::{Facts, ItemKind};
use crate::error::Error;
use crate::model::{self, ItemKey};
use crate::source::includes::{all_directives, include_lines, IncludeLine};
use crate::source::{BlobId, FileEntry, Tree};
use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

const GENERIC_IOCTL: &str = "include/uapi/asm-generic/ioctl.h";

/// Set (to anything but `0`) to compute every header and DRM source of both revisions.
pub const FULL_ENV: &str = "UAPI_DIFF_FULL";

pub fn forced_full() -> bool {
    std::env::var_os(FULL_ENV).is_some_and(|v| v != "0")
}

/// The files a diff covers, whose notes it reports: those whose blob differs between the two
/// revisions, or that only one has (as a series review keeps the notes of the files it touches).
pub fn touched(old: &[FileEntry], new: &[FileEntry]) -> BTreeSet<String> {
    let blobs = |entries: &[FileEntry]| -> HashMap<String, BlobId> {
        entries.iter().map(|e| (e.path.clone(), e.blob)).collect()
    };
    let (o, n) = (blobs(old), blobs(new));
    o.iter()
        .filter(|(p, b)| n.get(*p) != Some(b))
        .chain(n.iter().filter(|(p, b)| o.get(*p) != Some(b)))
        .map(|(p, _)| p.clone())
        .collect()
}

/// Keeps a snapshot's first `listing` notes (what listing the revision found) and the notes of the
/// `touched` files.
pub fn retain_notes(snap: &mut Snapshot, listing: usize, touched: &BTreeSet<String>) {
    let mut i = 0;
    snap.notes.retain(|n| {
        i += 1;
        i <= listing || touched.contains(&n.file)
    });
}

/// One revision's headers as text: the `#include` graph, every branch taken.
struct Graph<'e> {
    entries: &'e [FileEntry],
    index: HashMap<&'e str, usize>,
    texts: Vec<Arc<HeaderText>>,
    /// Per header, its resolved `#include` lines in order (the prelude first): (header,
    /// conditional).
    lines: Vec<Vec<(usize, bool)>>,
    includes: Vec<Vec<usize>>,
    includers: Vec<Vec<usize>>,
    /// Per header, the include cycle (strongly connected component of two or more) it is in.
    cycle: Vec<Option<usize>>,
    cycles: Vec<Vec<usize>>,
}

impl<'e> Graph<'e> {
    fn new(arch: &Arch, entries: &'e [FileEntry], texts: Vec<Arc<HeaderText>>) -> Graph<'e> {
        let index: HashMap<&str, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path.as_str(), i))
            .collect();
        let lines: Vec<Vec<(usize, bool)>> = entries
            .par_iter()
            .zip(&texts)
            .enumerate()
            .map(|(i, (e, text))| {
                // The implicit prelude every unit gets first (`scope::Preprocessor::unit`), and
                // the arch's own header an asm-generic one is walked behind.
                let own_asm = e.path.strip_prefix("include/uapi/asm-generic/");
                let prelude = ["asm/ioctl.h".to_string()]
                    .into_iter()
                    .chain(own_asm.map(|name| format!("asm/{name}")))
                    .map(|target| IncludeLine {
                        target,
                        quoted: false,
                        conditional: false,
                    });
                prelude
                    .chain(include_lines(&text.bytes))
                    .filter_map(|l| {
                        let resolve = |p: &str| index.get(p).copied();
                        let j =
                            model::resolve_in_tree(arch, &e.path, &l.target, l.quoted, resolve)?;
                        (j != i).then_some((j, l.conditional))
                    })
                    .collect::<Vec<(usize, bool)>>()
            })
            .collect();
        let includes: Vec<Vec<usize>> = lines
            .iter()
            .map(|l| {
                let mut out: Vec<usize> = l.iter().map(|(j, _)| *j).collect();
                out.sort_unstable();
                out.dedup();
                out
            })
            .collect();
        let mut includers = vec![Vec::new(); entries.len()];
        for (i, incs) in includes.iter().enumerate() {
            for &j in incs {
                includers[j].push(i);
            }
        }
        let mut g = Graph {
            entries,
            index,
            texts,
            lines,
            includes,
            includers,
            cycle: vec![None; entries.len()],
            cycles: Vec::new(),
        };
        g.find_cycles();
        g
    }

    /// Strongly connected components (Kosaraju, iteratively): the include cycles.
    fn find_cycles(&mut self) {
        let n = self.entries.len();
        let mut order = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        for root in 0..n {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            let mut stack = vec![(root, 0usize)];
            while let Some((v, k)) = stack.pop() {
                if let Some(&w) = self.includes[v].get(k) {
                    stack.push((v, k + 1));
                    if !seen[w] {
                        seen[w] = true;
                        stack.push((w, 0));
                    }
                } else {
                    order.push(v);
                }
            }
        }
        let mut component = vec![usize::MAX; n];
        let mut count = 0;
        for &root in order.iter().rev() {
            if component[root] != usize::MAX {
                continue;
            }
            let mut members = vec![root];
            component[root] = count;
            let mut i = 0;
            while i < members.len() {
                for &w in &self.includers[members[i]] {
                    if component[w] == usize::MAX {
                        component[w] = count;
                        members.push(w);
                    }
                }
                i += 1;
            }
            if members.len() > 1 {
                for &m in &members {
                    self.cycle[m] = Some(self.cycles.len());
                }
                members.sort_unstable();
                self.cycles.push(members);
            }
            count += 1;
        }
    }

    /// How the unit build (`scope::Preprocessor::run`) first enters include cycle `c`, when the
    /// text decides it: (the first header in build order that reaches it, the member it enters).
    /// The cycle's units depend on which member is walked first. Undecided when the way in goes
    /// through a conditional `#include`.
    fn entry(&self, c: usize) -> Option<(usize, usize)> {
        let n = self.entries.len();
        let mut reaching = vec![false; n];
        self.reach(&self.cycles[c], &self.includers, &mut reaching);
        let generic = self.index.get(GENERIC_IOCTL).copied();
        let first = generic.into_iter().chain(0..n).find(|&i| reaching[i])?;
        if self.cycle[first] == Some(c) {
            return Some((first, first));
        }
        let mut visited = vec![false; n];
        // A depth-first walk in include order, as the build's: Err when undecided.
        let mut stack: Vec<(usize, usize)> = vec![(first, 0)];
        visited[first] = true;
        while let Some((v, k)) = stack.pop() {
            let Some(&(t, conditional)) = self.lines[v].get(k) else {
                continue;
            };
            stack.push((v, k + 1));
            if !reaching[t] || visited[t] {
                continue;
            }
            if conditional {
                return None;
            }
            if self.cycle[t] == Some(c) {
                return Some((first, t));
            }
            visited[t] = true;
            stack.push((t, 0));
        }
        None
    }

    /// Whether the cycle containing `member` at this side is entered as `entry` (paths) says.
    fn entered_as(&self, member: &str, entry: Option<(&str, &str)>) -> bool {
        let Some(c) = self.index.get(member).and_then(|&i| self.cycle[i]) else {
            return false;
        };
        let path = |i: usize| self.entries[i].path.as_str();
        entry.is_some() && self.entry(c).map(|(f, e)| (path(f), path(e))) == entry
    }

    fn indices<'p>(&self, paths: impl IntoIterator<Item = &'p String>) -> Vec<usize> {
        paths
            .into_iter()
            .filter_map(|p| self.index.get(p.as_str()).copied())
            .collect()
    }

    fn paths<'s>(&'s self, set: &'s [bool]) -> impl Iterator<Item = String> + 's {
        set.iter()
            .enumerate()
            .filter(|(_, &x)| x)
            .map(|(i, _)| self.entries[i].path.clone())
    }

    /// Marks what `from` reaches through `edges` (itself included).
    fn reach(&self, from: &[usize], edges: &[Vec<usize>], set: &mut [bool]) {
        let mut stack: Vec<usize> = from.iter().copied().filter(|&i| !set[i]).collect();
        for &i in &stack {
            set[i] = true;
        }
        while let Some(v) = stack.pop() {
            for &w in &edges[v] {
                if !set[w] {
                    set[w] = true;
                    stack.push(w);
                }
            }
        }
    }

    /// The headers that include any of `paths`, directly or not (and those headers).
    fn includers_of(&self, paths: &BTreeSet<String>) -> Vec<bool> {
        let mut set = vec![false; self.entries.len()];
        self.reach(&self.indices(paths), &self.includers, &mut set);
        set
    }

    /// The headers that modelling `roots` exactly needs: what they include; the arch's `asm/`
    /// header beside each asm-generic one (`Types::definer` asks whether the arch replaces it);
    /// and, for an include cycle among them, the header through which the build enters it (every
    /// header that reaches it when the text does not decide which).
    fn needed(&self, arch: &Arch, roots: &BTreeSet<String>) -> Vec<bool> {
        let mut set = vec![false; self.entries.len()];
        let mut pending = self.indices(roots);
        while !pending.is_empty() {
            self.reach(&pending, &self.includes, &mut set);
            pending.clear();
            for (i, e) in self.entries.iter().enumerate().filter(|(i, _)| set[*i]) {
                if let Some(name) = e.path.strip_prefix("include/uapi/asm-generic/") {
                    let asm = format!("asm/{name}");
                    let own = model::resolve_in_tree(arch, &e.path, &asm, false, |p| {
                        self.index.get(p).copied()
                    });
                    pending.extend(own.filter(|&j| !set[j]));
                }
                if let Some(c) = self.cycle[i] {
                    match self.entry(c) {
                        Some((first, _)) => pending.extend(Some(first).filter(|&j| !set[j])),
                        None => {
                            let mut reaching = vec![false; self.entries.len()];
                            self.reach(&self.cycles[c], &self.includers, &mut reaching);
                            pending.extend((0..reaching.len()).filter(|&j| reaching[j] && !set[j]));
                        }
                    }
                }
            }
        }
        set
    }

    /// The text bytes of the headers in `set`.
    fn bytes(&self, set: &[bool]) -> usize {
        self.texts
            .iter()
            .zip(set)
            .filter(|(_, &x)| x)
            .map(|(t, _)| t.bytes.len())
            .sum()
    }

    /// The headers whose text has one of `names` as a whole word.
    fn mentioning(&self, names: &BTreeSet<String>) -> BTreeSet<String> {
        if names.is_empty() {
            return BTreeSet::new();
        }
        // Only an identifier is a word of a text: a name that is not one (no name the model
        // gives is) counts as mentioned everywhere, so nothing is missed.
        if !names.iter().all(|n| is_identifier(n.as_bytes())) {
            return self.entries.iter().map(|e| e.path.clone()).collect();
        }
        let mut names: Vec<u64> = names.iter().map(|n| word_hash(n.as_bytes())).collect();
        names.sort_unstable();
        self.texts
            .par_iter()
            .enumerate()
            .filter(|(_, text)| text.has_word(&names))
            .map(|(i, _)| self.entries[i].path.clone())
            .collect()
    }

    /// Names a `#define` line of one of `paths` defines (in any branch).
    fn defined_macros(&self, paths: &BTreeSet<String>, out: &mut BTreeSet<String>) {
        for i in self.indices(paths) {
            out.extend(define_lines(&self.texts[i].bytes));
        }
    }
}

/// The names of a header's `#define` lines.
fn define_lines(text: &[u8]) -> impl Iterator<Item = String> + '_ {
    all_directives(text).filter_map(|(word, rest)| {
        let len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        (word == "define" && len > 0).then(|| String::from_utf8_lossy(&rest[..len]).into_owned())
    })
}

/// A header's text, and the identifiers in it (what `Graph::mentioning` asks, each time for
/// other names), as sorted hashes: two names with one hash only make a header count as naming
/// both, which models more than needed but never misses one. A header pasting tokens (`##`)
/// counts as naming every name: a name its macros build (`LENT_##n`) is no word of its text.
pub struct HeaderText {
    bytes: Vec<u8>,
    words: Vec<u64>,
    pastes: bool,
}

impl HeaderText {
    pub fn new(bytes: Vec<u8>) -> HeaderText {
        let mut words: Vec<u64> = bytes
            .split(|b| !is_word_byte(*b))
            .filter(|w| is_identifier(w))
            .map(word_hash)
            .collect();
        words.sort_unstable();
        words.dedup();
        let pastes = bytes.windows(2).any(|w| w == b"##");
        HeaderText {
            bytes,
            words,
            pastes,
        }
    }

    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether one of the names (`word_hash`es, sorted) is a word of the text (a maximal run of
    /// identifier bytes), or has the hash of one, or may be built by pasting tokens.
    fn has_word(&self, names: &[u64]) -> bool {
        if self.pastes && !names.is_empty() {
            return true;
        }
        let (few, many) = match names.len() < self.words.len() {
            true => (names, &self.words[..]),
            false => (&self.words[..], names),
        };
        few.iter().any(|h| many.binary_search(h).is_ok())
    }
}

/// FNV-1a.
fn word_hash(word: &[u8]) -> u64 {
    word.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_identifier(w: &[u8]) -> bool {
    w.first().is_some_and(|b| !b.is_ascii_digit()) && w.iter().all(|b| is_word_byte(*b))
}

/// Whether the incremental computation applies to this pair: two kernel trees, neither a copy,
/// and `UAPI_DIFF_FULL` not set.
fn applies(trees: [&Tree; 2], sides: [&Listed; 2]) -> bool {
    let kernel_tree = |t: &Tree| super::layout_label(t).is_none();
    !forced_full() && trees.into_iter().all(kernel_tree) && sides.iter().all(|s| s.own.is_none())
}

/// Whether a side's touched headers alone are past half of its headers: they are among those it
/// needs (below), so the hand-over to the full computation is certain, and is made before any
/// header text is read.
fn mostly_touched(sides: [&Listed; 2], touched: &BTreeSet<String>) -> bool {
    sides.iter().any(|side| {
        let entries = &side.entries;
        2 * entries.iter().filter(|e| touched.contains(&e.path)).count() > entries.len()
    })
}

/// The diff of two kernel trees computed only where something changed; None when the incremental
/// diff does not apply (a side that is not a kernel tree, `UAPI_DIFF_FULL`) or falls back to the
/// full one (a DRM source changed, or a changed uAPI constant is named in one, with KMS on: the
/// extraction evaluates its expressions against every constant of the revision).
pub fn diff(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    kms_sources: Option<&[Vec<FileEntry>; 2]>,
    opts: &Options,
    cache: &ParseCache,
) -> Result<Option<DiffReport>, Error> {
    if !applies(trees, sides) {
        return Ok(None);
    }
    let touched = sides[0].touched(sides[1]);
    if mostly_touched(sides, &touched) {
        return Ok(None);
    }
    // KMS extraction is one whole-tree computation: a changed DRM source means the full diff.
    let kms_sources = match kms_sources {
        Some([old, new]) if !self::touched(old, new).is_empty() => return Ok(None),
        Some([old, _]) => Some(old),
        None => None,
    };
    let report = affected_models(trees, sides, &touched, opts, cache, |snaps, affected| {
        let [mut old_snap, mut new_snap] = snaps.clone();
        share_unaffected(&mut old_snap, &mut new_snap, affected);
        for (snap, side) in [(&mut old_snap, sides[0]), (&mut new_snap, sides[1])] {
            retain_notes(snap, side.notes.len(), &touched);
        }
        let report = super::report_with(&old_snap, &new_snap, &opts.enum_roles);
        // The rules look up records by name in the whole model (ioctl arguments, array elements,
        // members of nested records): every header that may name a touched record must be there.
        let names = looked_up_by_rules(&report);
        let constants = match kms_sources {
            Some(_) => changed_constants(&old_snap, &new_snap, affected),
            None => BTreeSet::new(),
        };
        ((report, constants), names)
    })?;
    let Some((report, constants)) = report else {
        return Ok(None);
    };
    // A changed constant named in a DRM source may change the KMS properties, which need every
    // constant of both revisions: the full diff then.
    match kms_sources {
        Some(sources) if named_in(trees[0], sources, &constants)? => Ok(None),
        _ => Ok(Some(report)),
    }
}

/// The loop of the diff: models both revisions restricted to what the affected headers need,
/// growing the affected set until it holds every header whose items may differ; then hands the two
/// models and the set to `finish`, which returns its result and the record names the rules will
/// look up over the whole model. Headers naming those are added and the loop goes on, until
/// `finish` names nothing new. None when past half of a side's headers are needed, or when the
/// rounds would model more than half the header bytes of both revisions together: the full
/// computation is then cheaper, and its output is the same.
fn affected_models<T>(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    touched: &BTreeSet<String>,
    opts: &Options,
    cache: &ParseCache,
    mut finish: impl FnMut(&[Snapshot; 2], &BTreeSet<String>) -> (T, BTreeSet<String>),
) -> Result<Option<T>, Error> {
    let entries = [sides[0].entries.as_slice(), sides[1].entries.as_slice()];
    let [old_texts, new_texts] = [
        cache.header_texts(trees[0], entries[0])?,
        cache.header_texts(trees[1], entries[1])?,
    ];
    let graphs = [
        Graph::new(opts.arch, entries[0], old_texts),
        Graph::new(opts.arch, entries[1], new_texts),
    ];
    let units_changed = unit_changed(&graphs, touched);
    let mut affected = units_changed.clone();
    // Headers whose borrowing of missing definitions may change (see below).
    let mut borrowers: BTreeSet<String> = BTreeSet::new();
    // Headers included by one whose unit changed: their constants evaluated in an includer's scope
    // may change.
    let included_by_changed: BTreeSet<String> = graphs
        .iter()
        .flat_map(|g| {
            g.indices(&units_changed)
                .into_iter()
                .flat_map(|i| g.includes[i].iter().map(|&j| g.entries[j].path.clone()))
        })
        .collect();
    // Headers (not in `affected`) the rules look up by name, and what the lookups of definers need.
    let mut extra: [BTreeSet<String>; 2] = Default::default();
    let mut rule_names: BTreeSet<String> = BTreeSet::new();
    let mut defining_names: BTreeSet<String> = BTreeSet::new();
    // The last models, kept while what they were built on stays the same.
    let mut modelled: Option<(Vec<Vec<bool>>, [Snapshot; 2])> = None;
    // Header bytes modelled so far, against those of both revisions (what the full computation
    // models once).
    let mut spent = 0;
    let budget: usize = graphs
        .iter()
        .flat_map(|g| &g.texts)
        .map(|t| t.bytes.len())
        .sum();
    loop {
        let needed: Vec<Vec<bool>> = graphs
            .iter()
            .zip(&extra)
            .map(|(g, extra)| {
                let mut roots = affected.clone();
                roots.extend(extra.iter().cloned());
                g.needed(opts.arch, &roots)
            })
            .collect();
        // Past half of a side's headers, or of the header bytes of both sides over all rounds so
        // far, modelling again as the sets grow costs more than the full computation (whose
        // output is the same).
        if graphs
            .iter()
            .zip(&needed)
            .any(|(g, n)| 2 * n.iter().filter(|x| **x).count() > g.entries.len())
        {
            return Ok(None);
        }
        let snaps = match modelled.take() {
            Some((before, snaps)) if before == needed => snaps,
            _ => {
                spent += graphs
                    .iter()
                    .zip(&needed)
                    .map(|(g, n)| g.bytes(n))
                    .sum::<usize>();
                if 2 * spent > budget {
                    return Ok(None);
                }
                model_needed(trees, sides, &needed, cache, opts)?
            }
        };
        let mut grew = false;
        // A header included by one whose unit changed has its own unit: its items change only if
        // one of its constants is evaluated in the scope of such an includer at either side (the
        // includers before that one, which failed, are all modelled, being in `units_changed`).
        for snap in &snaps {
            for (k, item) in &snap.model.items {
                let context = match &item.facts {
                    Facts::Value { context, .. } | Facts::Ioctl { context, .. } => context,
                    _ => continue,
                };
                let in_changed_unit = context
                    .iter()
                    .flat_map(|c| c.split(", "))
                    .any(|p| units_changed.contains(p));
                if in_changed_unit && included_by_changed.contains(&k.file) {
                    grew |= affected.insert(k.file.clone());
                }
            }
        }
        // Affected headers that consult their includers need every one of them; those that look
        // for a definer, every header that may define the name.
        for (s, (g, snap)) in graphs.iter().zip(&snaps).enumerate() {
            let consulted = &snap.model.consulted;
            for h in affected.intersection(&consulted.includers) {
                for i in g.indices([h]) {
                    for &j in &g.includers[i] {
                        grew |= extra[s].insert(g.entries[j].path.clone());
                    }
                }
            }
            let missing: BTreeSet<String> = consulted
                .definers
                .iter()
                .filter(|(h, _)| affected.contains(*h))
                .flat_map(|(_, names)| names.iter().cloned())
                .collect();
            for h in g.mentioning(&missing) {
                grew |= extra[s].insert(h);
            }
        }
        // A header's borrowing (`Model::consulted.definers`) looks names up in the whole revision:
        // it may change when a name it looks up is defined by a header whose unit changed (its
        // definition, or which headers define it, may differ), or by a header it borrows from that
        // is itself in that case. Such headers mention the name, or include one that does.
        // New borrowers' own `#define`s are read from their text at once (to a fixed point); their
        // records, from their models in the next round.
        loop {
            let sources: BTreeSet<String> = units_changed.union(&borrowers).cloned().collect();
            let mut defined = BTreeSet::new();
            for g in &graphs {
                g.defined_macros(&sources, &mut defined);
            }
            for snap in &snaps {
                defined.extend(
                    snap.model
                        .items
                        .keys()
                        .filter(|k| sources.contains(&k.file))
                        .filter(|k| {
                            matches!(
                                k.kind,
                                ItemKind::Struct | ItemKind::Union | ItemKind::Typedef
                            )
                        })
                        .map(|k| k.name.clone()),
                );
            }
            if defined == defining_names {
                break;
            }
            for g in &graphs {
                let users = g.includers_of(&g.mentioning(&defined));
                for h in g.paths(&users) {
                    borrowers.insert(h.clone());
                    grew |= affected.insert(h);
                }
            }
            defining_names = defined;
        }
        if grew {
            modelled = Some((needed, snaps));
            continue;
        }
        let (result, names) = finish(&snaps, &affected);
        if names.is_subset(&rule_names) {
            return Ok(Some(result));
        }
        modelled = Some((needed, snaps));
        rule_names.extend(names);
        for (s, g) in graphs.iter().enumerate() {
            let users = g.includers_of(&g.mentioning(&rule_names));
            extra[s].extend(g.paths(&users));
        }
    }
}

/// The headers whose translation unit may differ between the two revisions: the changed ones and
/// those that include them (as each revision resolves `#include`), and every header that reaches
/// an include cycle the text does not show entered the same way at both revisions.
fn unit_changed(graphs: &[Graph; 2], changed: &BTreeSet<String>) -> BTreeSet<String> {
    let mut set = changed.clone();
    loop {
        let before = set.len();
        for g in graphs {
            let reaching = g.includers_of(&set);
            set.extend(g.paths(&reaching));
            for (c, cycle) in g.cycles.iter().enumerate() {
                let path = |i: usize| g.entries[i].path.as_str();
                let entry = g.entry(c).map(|(f, e)| (path(f), path(e)));
                if graphs.iter().all(|o| o.entered_as(path(cycle[0]), entry)) {
                    continue;
                }
                let mut reaching_cycle = vec![false; g.entries.len()];
                g.reach(cycle, &g.includers, &mut reaching_cycle);
                set.extend(g.paths(&reaching_cycle));
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Both revisions modelled on the headers each needs, in parallel.
fn model_needed(
    trees: [&Tree; 2],
    sides: [&Listed; 2],
    needed: &[Vec<bool>],
    cache: &ParseCache,
    opts: &Options,
) -> Result<[Snapshot; 2], Error> {
    let opts = Options {
        kms: false,
        ..opts.clone()
    };
    let model = |s: usize| -> Result<Snapshot, Error> {
        let entries: Vec<FileEntry> = sides[s]
            .entries
            .iter()
            .zip(&needed[s])
            .filter(|(_, &n)| n)
            .map(|(e, _)| e.clone())
            .collect();
        super::snapshot_of(trees[s], &entries, sides[s], cache, &opts)
    };
    let (old, new) = rayon::join(|| model(0), || model(1));
    Ok([old?, new?])
}

/// Headers that are not affected have the same items at both revisions: both models get the same
/// items for them (the new side's where it computed them), so that neither shows them as added,
/// removed or changed, and the rules see the same headers at both sides.
fn share_unaffected(old: &mut Snapshot, new: &mut Snapshot, affected: &BTreeSet<String>) {
    let unaffected = |k: &ItemKey| !affected.contains(&k.file);
    let files = |s: &Snapshot| -> BTreeSet<String> {
        s.model
            .items
            .keys()
            .filter(|k| unaffected(k))
            .map(|k| k.file.clone())
            .collect()
    };
    let (old_files, new_files) = (files(old), files(new));
    old.model
        .items
        .retain(|k, _| !unaffected(k) || !new_files.contains(&k.file));
    for (k, item) in new.model.items.iter().filter(|(k, _)| unaffected(k)) {
        old.model.items.insert(k.clone(), item.clone());
    }
    for (k, item) in old.model.items.iter().filter(|(k, _)| {
        unaffected(k) && old_files.contains(&k.file) && !new_files.contains(&k.file)
    }) {
        new.model.items.insert(k.clone(), item.clone());
    }
    // The order of their enums' members, likewise.
    old.model
        .enums
        .retain(|e| affected.contains(&e.file) || !new_files.contains(&e.file));
    let from_new: Vec<_> = new
        .model
        .enums
        .iter()
        .filter(|e| !affected.contains(&e.file))
        .cloned()
        .collect();
    let from_old: Vec<_> = old
        .model
        .enums
        .iter()
        .filter(|e| {
            !affected.contains(&e.file)
                && old_files.contains(&e.file)
                && !new_files.contains(&e.file)
        })
        .cloned()
        .collect();
    old.model.enums.extend(from_new);
    new.model.enums.extend(from_old);
}

/// Names of the integer constants (`pipeline::Constants`) of the affected headers whose value, or
/// which headers define them, differ between the two revisions.
fn changed_constants(
    old: &Snapshot,
    new: &Snapshot,
    affected: &BTreeSet<String>,
) -> BTreeSet<String> {
    type ByName<'m> = BTreeMap<&'m str, Vec<(&'m ItemKey, Option<i128>)>>;
    fn constants<'m>(s: &'m Snapshot, affected: &BTreeSet<String>) -> ByName<'m> {
        let mut by_name: ByName<'m> = BTreeMap::new();
        for (k, item) in s
            .model
            .items
            .iter()
            .filter(|(k, _)| affected.contains(&k.file))
        {
            let value = match &item.facts {
                Facts::Value { value, .. } => *value,
                Facts::Ioctl { number, .. } => number.map(i128::from),
                _ => continue,
            };
            by_name.entry(k.name.as_str()).or_default().push((k, value));
        }
        by_name
    }
    let (o, n) = (constants(old, affected), constants(new, affected));
    o.keys()
        .chain(n.keys())
        .filter(|name| o.get(*name) != n.get(*name))
        .map(|name| name.to_string())
        .collect()
}

/// Whether one of the (unchanged) DRM sources KMS extraction reads has one of `names` as a word.
pub(super) fn named_in(
    tree: &Tree,
    sources: &[FileEntry],
    names: &BTreeSet<String>,
) -> Result<bool, Error> {
    if names.is_empty() {
        return Ok(false);
    }
    let Ok(ac) = word_searcher(names) else {
        return Ok(true);
    };
    Ok(tree.any_file(sources, |text| has_word(&ac, text))?)
}

/// A searcher for `has_word`: leftmost-longest, so that a plain (non-overlapping) search finds a
/// whole-word occurrence whenever there is one. Names are identifiers: of the names matching at
/// one start, only the longest can end at a word boundary, and a match skipped because it starts
/// inside a reported one is preceded by an identifier byte.
fn word_searcher(names: &BTreeSet<String>) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(names)
}

/// Whether `text` has one of the searcher's names as a whole word.
fn has_word(ac: &AhoCorasick, text: &[u8]) -> bool {
    ac.find_iter(text).any(|m| {
        let before = m.start().checked_sub(1).map(|i| text[i]);
        let after = text.get(m.end()).copied();
        !before.is_some_and(is_word_byte) && !after.is_some_and(is_word_byte)
    })
}

/// Record names the rules look up over the whole model for these changes.
fn looked_up_by_rules(report: &DiffReport) -> BTreeSet<String> {
    report
        .changes
        .iter()
        .filter_map(|c| match c.kind {
            ItemKind::Struct | ItemKind::Union => Some(c.name.clone()),
            ItemKind::Field => c.parent.clone(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
