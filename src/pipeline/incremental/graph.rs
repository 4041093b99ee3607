//! One revision's headers as text, for the incremental diff: the `#include` graph (every branch
//! taken) and the words each text holds, which say where a name may be used.

use crate::arch::Arch;
use crate::model;
use crate::source::includes::{all_directives, include_lines, IncludeLine};
use crate::source::FileEntry;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

const GENERIC_IOCTL: &str = "include/uapi/asm-generic/ioctl.h";

/// One revision's headers as text: the `#include` graph, every branch taken.
pub(super) struct Graph<'e> {
    pub(super) entries: &'e [FileEntry],
    pub(super) index: HashMap<&'e str, usize>,
    pub(super) texts: Vec<Arc<HeaderText>>,
    /// Per header, its resolved `#include` lines in order (the prelude first): (header,
    /// conditional).
    pub(super) lines: Vec<Vec<(usize, bool)>>,
    pub(super) includes: Vec<Vec<usize>>,
    pub(super) includers: Vec<Vec<usize>>,
    /// Per header, the include cycle (strongly connected component of two or more) it is in.
    pub(super) cycle: Vec<Option<usize>>,
    pub(super) cycles: Vec<Vec<usize>>,
}

impl<'e> Graph<'e> {
    pub(super) fn new(
        arch: &Arch,
        entries: &'e [FileEntry],
        texts: Vec<Arc<HeaderText>>,
    ) -> Graph<'e> {
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
    pub(super) fn find_cycles(&mut self) {
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
    pub(super) fn entry(&self, c: usize) -> Option<(usize, usize)> {
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
    pub(super) fn entered_as(&self, member: &str, entry: Option<(&str, &str)>) -> bool {
        let Some(c) = self.index.get(member).and_then(|&i| self.cycle[i]) else {
            return false;
        };
        let path = |i: usize| self.entries[i].path.as_str();
        entry.is_some() && self.entry(c).map(|(f, e)| (path(f), path(e))) == entry
    }

    pub(super) fn indices<'p>(&self, paths: impl IntoIterator<Item = &'p String>) -> Vec<usize> {
        paths
            .into_iter()
            .filter_map(|p| self.index.get(p.as_str()).copied())
            .collect()
    }

    pub(super) fn paths<'s>(&'s self, set: &'s [bool]) -> impl Iterator<Item = String> + 's {
        set.iter()
            .enumerate()
            .filter(|(_, &x)| x)
            .map(|(i, _)| self.entries[i].path.clone())
    }

    /// Marks what `from` reaches through `edges` (itself included).
    pub(super) fn reach(&self, from: &[usize], edges: &[Vec<usize>], set: &mut [bool]) {
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
    pub(super) fn includers_of(&self, paths: &BTreeSet<String>) -> Vec<bool> {
        let mut set = vec![false; self.entries.len()];
        self.reach(&self.indices(paths), &self.includers, &mut set);
        set
    }

    /// The headers that modelling `roots` exactly needs: what they include; the arch's `asm/`
    /// header beside each asm-generic one (`Types::definer` asks whether the arch replaces it);
    /// and, for an include cycle among them, the header through which the build enters it (every
    /// header that reaches it when the text does not decide which).
    pub(super) fn needed(&self, arch: &Arch, roots: &BTreeSet<String>) -> Vec<bool> {
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
    pub(super) fn bytes(&self, set: &[bool]) -> usize {
        self.texts
            .iter()
            .zip(set)
            .filter(|(_, &x)| x)
            .map(|(t, _)| t.bytes.len())
            .sum()
    }

    /// The headers whose text has one of `names` as a whole word.
    pub(super) fn mentioning(&self, names: &BTreeSet<String>) -> BTreeSet<String> {
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
    pub(super) fn defined_macros(&self, paths: &BTreeSet<String>, out: &mut BTreeSet<String>) {
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

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether one of the names (`word_hash`es, sorted) is a word of the text (a maximal run of
    /// identifier bytes), or has the hash of one, or may be built by pasting tokens.
    pub(super) fn has_word(&self, names: &[u64]) -> bool {
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
pub(super) fn word_hash(word: &[u8]) -> u64 {
    word.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) fn is_identifier(w: &[u8]) -> bool {
    w.first().is_some_and(|b| !b.is_ascii_digit()) && w.iter().all(|b| is_word_byte(*b))
}
