//! Names built by pasting tokens (`##`), which are no word of any text: where the incremental diff
//! must look for them. The operands of `##` are not macro-expanded (C11 6.10.3.3): each is a token
//! of the macro's body or of an argument as written, so a pasted name is
//!
//! - for a chain with a literal operand (`LENT_##n`, `__empty_ ## NAME`), what matches the chain
//!   with its literals in place and anything where a parameter stands (`LENT_*`): the pasting
//!   header counts as naming it (and its includers, where the macro is used, follow as for words);
//! - for a chain of parameters only (`__AC(X,Y) X##Y`), a concatenation of two or more tokens its
//!   users pass: an argument's tokens are tokens of the translation unit that invokes the macro (or
//!   pasted there in turn, so concatenations of them), never anything else.

use super::graph::{hash_step, is_word_byte, word_hash, Graph};
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// One `##` chain of a macro body: its operands in order, `None` for a parameter (or anything that
/// is no word: what an argument brings is any text).
pub(super) type Paste = Vec<Option<Vec<u8>>>;

/// The `##` chains of a header's `#define` bodies (logical lines: continuations joined, comments
/// left out).
pub(super) fn pastes(text: &[u8]) -> Vec<Paste> {
    if !text.windows(2).any(|w| w == b"##") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line in logical_lines(text) {
        let tokens = tokens(&line);
        let mut t = tokens.iter().map(|(_, t)| t.as_slice());
        if t.next() != Some(b"#") || t.next() != Some(b"define") {
            continue;
        }
        let Some((at, name)) = tokens.get(2) else {
            continue;
        };
        // A function-like macro: `(` right after its name, no blank between.
        let function_like = tokens
            .get(3)
            .is_some_and(|(p, t)| *p == at + name.len() && t == b"(");
        let mut body: Vec<&[u8]> = tokens[3..].iter().map(|(_, t)| t.as_slice()).collect();
        let mut params: Vec<&[u8]> = Vec::new();
        if function_like {
            let close = body.iter().position(|t| *t == b")").unwrap_or(body.len());
            params = body[..close]
                .iter()
                .copied()
                .filter(|t| *t != b"(" && *t != b",")
                .collect();
            body.drain(..(close + 1).min(body.len()));
        }
        let operand = |t: &[u8]| -> Option<Vec<u8>> {
            let word = t.iter().all(|b| is_word_byte(*b));
            let param = params.contains(&t) || t == b"__VA_ARGS__";
            (word && !param).then(|| t.to_vec())
        };
        let mut i = 0;
        while i < body.len() {
            if body[i] != b"##" || i == 0 {
                i += 1;
                continue;
            }
            let mut chain = vec![operand(body[i - 1])];
            while i < body.len() && body[i] == b"##" {
                chain.push(body.get(i + 1).and_then(|t| operand(t)));
                i += 2;
            }
            out.push(chain);
        }
    }
    out
}

/// Whether a chain with a literal operand may build `name`; false for a chain of parameters only
/// (`splits` decides those).
pub(super) fn literal_chain_builds(paste: &Paste, name: &[u8]) -> bool {
    paste.iter().any(Option::is_some) && glob(paste, name)
}

/// `name` matched against the operands, each parameter standing for any text.
fn glob(operands: &[Option<Vec<u8>>], name: &[u8]) -> bool {
    match operands.split_first() {
        None => name.is_empty(),
        Some((Some(literal), rest)) => {
            name.starts_with(literal) && glob(rest, &name[literal.len()..])
        }
        Some((None, rest)) => (0..=name.len()).any(|k| glob(rest, &name[k..])),
    }
}

impl Graph<'_> {
    /// The headers whose translation unit holds a `##` chain of parameters only (`X##Y`) and, for
    /// one of `names`, every piece of a split of it into two or more tokens: an argument's tokens
    /// are tokens of the unit that passes it (of its texts, the libc prelude or the arch's
    /// predefined macros).
    pub(super) fn pasting_parameters(&self, names: &BTreeSet<String>) -> Vec<usize> {
        let pasters: Vec<usize> = (0..self.texts.len())
            .filter(|&i| (self.texts[i].pastes.iter()).any(|p| p.iter().all(Option::is_none)))
            .collect();
        if pasters.is_empty() {
            return Vec::new();
        }
        // Names that split over the tokens of the whole revision: a split over one unit's tokens
        // is one of those.
        let holders = self.word_holders.get_or_init(|| {
            let mut index: HashMap<u64, Vec<usize>, WordHashed> = HashMap::default();
            for (t, text) in self.texts.iter().enumerate() {
                for &h in &text.words {
                    index.entry(h).or_default().push(t);
                }
            }
            index
        });
        let anywhere = |h: u64| self.ambient.contains(&h) || holders.contains_key(&h);
        let candidates: Vec<(usize, Vec<Piece>)> = names
            .iter()
            .map(|n| (n.len(), splits(n.as_bytes(), anywhere)))
            .filter(|(_, pieces)| !pieces.is_empty())
            .collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        // Per piece, the units holding it (those reaching a text that has it), as a set of bits;
        // then, per name, the units holding every piece of one of its splits.
        let n = self.entries.len();
        let units_reaching = |from: &[usize]| {
            let mut set = vec![false; n];
            self.reach(from, &self.includers, &mut set);
            Bits::of(&set)
        };
        let mut holding: HashMap<u64, Bits, WordHashed> = HashMap::default();
        for &(_, _, h) in candidates.iter().flat_map(|(_, pieces)| pieces) {
            holding
                .entry(h)
                .or_insert_with(|| match self.ambient.contains(&h) {
                    true => Bits::of(&vec![true; n]),
                    false => units_reaching(holders.get(&h).map_or(&[][..], Vec::as_slice)),
                });
        }
        let users = units_reaching(&pasters);
        let mut building = Bits::of(&vec![false; n]);
        for (len, pieces) in &candidates {
            let mut at: Vec<Option<Bits>> = vec![None; len + 1];
            at[0] = Some(users.clone());
            for &(i, j, h) in pieces {
                if let Some(from) = at[i].clone() {
                    let through = from.and(&holding[&h]);
                    at[j] = Some(match at[j].take() {
                        Some(before) => before.or(&through),
                        None => through,
                    });
                }
            }
            if let Some(end) = &at[*len] {
                building = building.or(end);
            }
        }
        (0..n).filter(|&i| building.has(i)).collect()
    }
}

/// A set of headers (by index) as bits.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn of(set: &[bool]) -> Bits {
        let mut bits = vec![0u64; set.len().div_ceil(64)];
        for (i, _) in set.iter().enumerate().filter(|(_, &x)| x) {
            bits[i / 64] |= 1 << (i % 64);
        }
        Bits(bits)
    }

    fn and(&self, other: &Bits) -> Bits {
        Bits(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }

    fn or(&self, other: &Bits) -> Bits {
        Bits(self.0.iter().zip(&other.0).map(|(a, b)| a | b).collect())
    }

    fn has(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }
}

/// Maps and sets keyed by `word_hash`es, which are hashes already: used as they are.
pub(super) type WordHashed = BuildHasherDefault<WordHasher>;

#[derive(Default)]
pub(super) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed (`write_u64`); anything else still hashes soundly.
        self.0 = bytes.iter().fold(self.0, |h, b| hash_step(h, *b));
    }

    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }
}

/// A piece of a name: its byte range and the `word_hash` of those bytes.
pub(super) type Piece = (usize, usize, u64);

/// The pieces of the ways `name` is a concatenation of two or more tokens that `is_token` accepts
/// (by hash): every token-range on some such split. Empty when there is none.
pub(super) fn splits(name: &[u8], is_token: impl Fn(u64) -> bool) -> Vec<Piece> {
    let n = name.len();
    // Every range but the whole name that is a token, hashed as it grows.
    let mut tokens: Vec<Piece> = Vec::new();
    for i in 0..n {
        let mut h = word_hash(b"");
        for j in i + 1..=n {
            h = hash_step(h, name[j - 1]);
            if (i, j) != (0, n) && is_token(h) {
                tokens.push((i, j, h));
            }
        }
    }
    let from_start = reachable(n, &tokens);
    let mut to_end = vec![false; n + 1];
    to_end[n] = true;
    for &(i, j, _) in tokens.iter().rev() {
        // Ranges come by start, ascending: every range starting after `i` is settled.
        to_end[i] |= to_end[j];
    }
    if !from_start[n] {
        return Vec::new();
    }
    tokens.retain(|&(i, j, _)| from_start[i] && to_end[j]);
    tokens
}

/// The positions of a name the ranges (in order of start) reach from its start.
fn reachable(n: usize, ranges: &[Piece]) -> Vec<bool> {
    let mut at = vec![false; n + 1];
    at[0] = true;
    for &(i, j, _) in ranges {
        at[j] |= at[i];
    }
    at
}

/// The text's logical lines: comments blanked as the preprocessor reads them, and a line ending in
/// `\` continued on the next.
pub(super) fn logical_lines(text: &[u8]) -> Vec<Vec<u8>> {
    let clean = crate::kms::without_comments(text, false);
    let mut lines = Vec::new();
    let mut line = Vec::new();
    let mut i = 0;
    while i < clean.len() {
        match clean[i] {
            b'\\' if clean.get(i + 1) == Some(&b'\n') => {
                line.push(b' ');
                i += 1;
            }
            b'\n' => lines.push(std::mem::take(&mut line)),
            b => line.push(b),
        }
        i += 1;
    }
    lines.push(line);
    lines
}

/// A logical line's tokens with their offsets, blanks left out: words (identifiers and numbers),
/// `##`, and every other byte alone (string and character literals are kept whole).
fn tokens(line: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        let len = if is_word_byte(b) {
            line[i..].iter().take_while(|b| is_word_byte(**b)).count()
        } else if line[i..].starts_with(b"##") {
            2
        } else if b == b'"' || b == b'\'' {
            let mut j = i + 1;
            while j < line.len() && line[j] != b {
                j += if line[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(line.len()) - i
        } else {
            1
        };
        if !b.is_ascii_whitespace() {
            out.push((i, line[i..i + len].to_vec()));
        }
        i += len;
    }
    out
}
