//! One revision's headers as text, for the incremental diff: the `#include` graph (every branch
//! taken) and the words each text holds, which say where a name may be used.

use super::paste::{self, Paste, WordHashed};
use crate::arch::Arch;
use crate::model;
use crate::source::includes::{all_directives, include_lines, IncludeLine};
use crate::source::FileEntry;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

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
    /// The tokens every translation unit has besides its headers' texts: the libc prelude's and
    /// the arch's predefined macros' (`word_hash`es).
    pub(super) ambient: HashSet<u64, WordHashed>,
    /// Every word of every text, with the texts holding it, when a pasted name is looked for.
    pub(super) word_holders: OnceLock<HashMap<u64, Vec<usize>, WordHashed>>,
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
                let prelude: Vec<IncludeLine> = ["asm/ioctl.h".to_string()]
                    .into_iter()
                    .chain(own_asm.map(|name| format!("asm/{name}")))
                    .map(|target| IncludeLine {
                        target,
                        quoted: false,
                        conditional: false,
                    })
                    .collect();
                prelude
                    .iter()
                    .chain(text.includes())
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
            ambient: ambient_words(arch),
            word_holders: OnceLock::new(),
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
        let (first, reaching) = self.first_reaching(c)?;
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

    /// The first header in build order that reaches include cycle `c` (the unit build walks from
    /// it into the cycle), and every header that reaches the cycle.
    pub(super) fn first_reaching(&self, c: usize) -> Option<(usize, Vec<bool>)> {
        let mut reaching = vec![false; self.entries.len()];
        self.reach(&self.cycles[c], &self.includers, &mut reaching);
        let generic = self.index.get(GENERIC_IOCTL).copied();
        let first = (generic.into_iter().chain(0..self.entries.len())).find(|&i| reaching[i])?;
        Some((first, reaching))
    }

    /// What decides how the unit build walks from `first` into the include cycles it reaches: for
    /// every header `first` reaches (by path), its resolved includes and its preprocessor lines,
    /// less the `#define`s and `#undef`s of names that no condition or `#include` among those
    /// headers tests, directly or through the definitions of the names they test. A
    /// header's unit is built from its own lines and its includes' units, so headers `first` does
    /// not reach play no part.
    pub(super) fn walk_signature(&self, first: usize) -> BTreeMap<&str, Vec<Vec<u8>>> {
        let mut walked = vec![false; self.entries.len()];
        self.reach(&[first], &self.includes, &mut walked);
        let directives: Vec<(usize, Vec<Vec<u8>>)> = (0..walked.len())
            .filter(|&i| walked[i])
            .map(|i| {
                let lines = paste::logical_lines(&self.texts[i].bytes);
                let directives = lines
                    .into_iter()
                    .filter(|l| l.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'#'));
                (i, directives.collect())
            })
            .collect();
        let word = |line: &[u8]| -> Vec<u8> {
            let rest = line
                .iter()
                .skip_while(|b| b.is_ascii_whitespace() || **b == b'#');
            rest.take_while(|b| b.is_ascii_alphabetic())
                .copied()
                .collect()
        };
        // The names a condition or an `#include` line tests, and (to a fixed point) the names
        // the definitions of those use: `#if FOO` with `#define FOO BAR` tests BAR too.
        let all_lines = || directives.iter().flat_map(|(_, lines)| lines);
        let mut tested: HashSet<&[u8]> = all_lines()
            .filter(|l| {
                let w = word(l);
                matches!(&w[..], b"if" | b"ifdef" | b"ifndef" | b"elif" | b"include")
            })
            .flat_map(|l| words(l))
            .collect();
        let definitions: Vec<Vec<&[u8]>> = all_lines()
            .filter(|l| matches!(&word(l)[..], b"define" | b"undef"))
            .map(|l| words(l))
            .collect();
        loop {
            let before = tested.len();
            for w in &definitions {
                if w.get(1).is_some_and(|n| tested.contains(n)) {
                    tested.extend(w.iter().copied());
                }
            }
            if tested.len() == before {
                break;
            }
        }
        directives
            .iter()
            .map(|(i, lines)| {
                let i = *i;
                let includes = self.lines[i].iter().map(|&(j, conditional)| {
                    let mut line = self.entries[j].path.as_bytes().to_vec();
                    line.push(u8::from(conditional));
                    line
                });
                let kept = lines.iter().filter(|l| match &word(l)[..] {
                    b"define" | b"undef" => words(l).get(1).is_some_and(|n| tested.contains(n)),
                    _ => true,
                });
                let signature = includes.chain(kept.cloned()).collect();
                (self.entries[i].path.as_str(), signature)
            })
            .collect()
    }

    /// The first header in build order reaching the include cycle that holds `member`.
    pub(super) fn cycle_entered_from(&self, member: &str) -> Option<usize> {
        let c = self.index.get(member).and_then(|&i| self.cycle[i])?;
        self.first_reaching(c).map(|(first, _)| first)
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
    /// and, for an include cycle among them, the first header in build order that reaches it (the
    /// build enters the cycle from there).
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
                // The build enters a cycle from the first header (in build order) that reaches
                // it: with that header and what it includes modelled, it is the first of those
                // modelled too, and walks in the same way, whichever member its text enters.
                if let Some((first, _)) = self.cycle[i].and_then(|c| self.first_reaching(c)) {
                    pending.extend(Some(first).filter(|&j| !set[j]));
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

    /// The headers whose text has one of `names` as a whole word, or that may build one by pasting
    /// tokens (`paste`): a header whose chain with a literal operand matches it, and a header whose
    /// translation unit holds a chain of parameters only and every token of a split of the name.
    pub(super) fn mentioning(&self, names: &BTreeSet<String>) -> BTreeSet<String> {
        if names.is_empty() {
            return BTreeSet::new();
        }
        // Only an identifier is a word of a text: a name that is not one (no name the model
        // gives is) counts as mentioned everywhere, so nothing is missed.
        if !names.iter().all(|n| is_identifier(n.as_bytes())) {
            return self.entries.iter().map(|e| e.path.clone()).collect();
        }
        let mut hashes: Vec<u64> = names.iter().map(|n| word_hash(n.as_bytes())).collect();
        hashes.sort_unstable();
        let mut found: Vec<usize> = (0..self.texts.len())
            .into_par_iter()
            .filter(|&i| {
                let text = &self.texts[i];
                text.has_word(&hashes)
                    || (text.pastes.iter()).any(|p| {
                        names
                            .iter()
                            .any(|n| paste::literal_chain_builds(p, n.as_bytes()))
                    })
            })
            .collect();
        found.extend(self.pasting_parameters(names));
        found
            .iter()
            .map(|&i| self.entries[i].path.clone())
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

/// A header's text, and the words in it (identifiers and numbers: what `Graph::mentioning` asks,
/// each time for other names), as sorted hashes: two names with one hash only make a header count
/// as naming both, which models more than needed but never misses one. With the `##` chains of its
/// macros, which build names that are no word of any text (`paste`), and its `#include` lines
/// (every revision's listing follows them: read once per blob).
pub struct HeaderText {
    bytes: Vec<u8>,
    pub(super) words: Vec<u64>,
    pub(super) pastes: Vec<Paste>,
    includes: Vec<IncludeLine>,
}

impl HeaderText {
    pub fn new(bytes: Vec<u8>) -> HeaderText {
        let mut hashes: Vec<u64> = words(&bytes).into_iter().map(word_hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let pastes = paste::pastes(&bytes);
        let includes = include_lines(&bytes);
        HeaderText {
            bytes,
            words: hashes,
            pastes,
            includes,
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Its `#include` lines, in order (`include_lines`).
    pub(crate) fn includes(&self) -> &[IncludeLine] {
        &self.includes
    }

    /// Whether one of the names (`word_hash`es, sorted) is a word of the text (a maximal run of
    /// identifier bytes), or has the hash of one.
    pub(super) fn has_word(&self, names: &[u64]) -> bool {
        let (few, many) = match names.len() < self.words.len() {
            true => (names, &self.words[..]),
            false => (&self.words[..], names),
        };
        few.iter().any(|h| many.binary_search(h).is_ok())
    }
}

/// The words (identifiers and numbers) of a line, in order.
fn words(line: &[u8]) -> Vec<&[u8]> {
    line.split(|b| !is_word_byte(*b))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The words of the libc prelude and of the arch's predefined macros (names and bodies).
fn ambient_words(arch: &Arch) -> HashSet<u64, WordHashed> {
    let predefined = arch
        .predefined_macros()
        .flat_map(|(name, body)| [name, body]);
    let texts = predefined
        .map(str::as_bytes)
        .chain([model::LIBC_PRELUDE_TEXT]);
    texts.flat_map(words).map(word_hash).collect()
}

/// FNV-1a.
pub(super) fn word_hash(word: &[u8]) -> u64 {
    word.iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| hash_step(h, *b))
}

/// `word_hash` of a word one byte longer.
pub(super) fn hash_step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(super) fn is_identifier(w: &[u8]) -> bool {
    w.first().is_some_and(|b| !b.is_ascii_digit()) && w.iter().all(|b| is_word_byte(*b))
}
