//! The tokens of an expansion: each token with its hide set (the macros that produced it, which
//! it must not expand again: a sorted set shared by `Rc`), its spacing, and placemarkers.

use super::*;

/// Sorted set of macro identities (addresses of the `MacroDef`s); `None` is the empty set.
pub(super) type HideSet = Option<Rc<[usize]>>;

pub(super) fn hs_contains(hs: &HideSet, id: usize) -> bool {
    hs.as_ref().is_some_and(|h| h.binary_search(&id).is_ok())
}

pub(super) fn hs_len(hs: &HideSet) -> usize {
    hs.as_ref().map_or(0, |h| h.len())
}

pub(super) fn hs_with(hs: &HideSet, id: usize) -> HideSet {
    match hs {
        None => Some(Rc::from(vec![id])),
        Some(h) => match h.binary_search(&id) {
            Ok(_) => Some(h.clone()),
            Err(pos) => {
                let mut v = Vec::with_capacity(h.len() + 1);
                v.extend_from_slice(&h[..pos]);
                v.push(id);
                v.extend_from_slice(&h[pos..]);
                Some(Rc::from(v))
            }
        },
    }
}

pub(super) fn hs_union(a: &HideSet, b: &HideSet) -> HideSet {
    match (a, b) {
        (None, x) | (x, None) => x.clone(),
        (Some(x), Some(y)) => {
            if Rc::ptr_eq(x, y) {
                return a.clone();
            }
            let mut v = Vec::with_capacity(x.len() + y.len());
            let (mut i, mut j) = (0, 0);
            while i < x.len() && j < y.len() {
                match x[i].cmp(&y[j]) {
                    std::cmp::Ordering::Less => {
                        v.push(x[i]);
                        i += 1;
                    }
                    std::cmp::Ordering::Greater => {
                        v.push(y[j]);
                        j += 1;
                    }
                    std::cmp::Ordering::Equal => {
                        v.push(x[i]);
                        i += 1;
                        j += 1;
                    }
                }
            }
            v.extend_from_slice(&x[i..]);
            v.extend_from_slice(&y[j..]);
            Some(Rc::from(v))
        }
    }
}

pub(super) fn hs_inter(a: &HideSet, b: &HideSet) -> HideSet {
    match (a, b) {
        (Some(x), Some(y)) => {
            if Rc::ptr_eq(x, y) {
                return a.clone();
            }
            let v: Vec<usize> = x
                .iter()
                .copied()
                .filter(|id| y.binary_search(id).is_ok())
                .collect();
            if v.is_empty() {
                None
            } else {
                Some(Rc::from(v))
            }
        }
        _ => None,
    }
}

/// A token during expansion: the token (borrowed from the input or a definition where possible,
/// to avoid copying), its effective `space_before`, its hide set, and whether it is a placemarker.
#[derive(Clone, Debug)]
pub(super) struct PTok<'a> {
    pub(super) tok: Cow<'a, Token>,
    pub(super) space: bool,
    pub(super) hs: HideSet,
    pub(super) placemarker: bool,
}

impl<'a> PTok<'a> {
    pub(super) fn borrowed(tok: &'a Token) -> PTok<'a> {
        PTok {
            space: tok.space_before,
            tok: Cow::Borrowed(tok),
            hs: None,
            placemarker: false,
        }
    }

    pub(super) fn owned(tok: Token) -> PTok<'a> {
        PTok {
            space: tok.space_before,
            tok: Cow::Owned(tok),
            hs: None,
            placemarker: false,
        }
    }

    pub(super) fn placemarker() -> PTok<'a> {
        PTok {
            tok: Cow::Owned(Token::new(TokenKind::Punct, String::new(), false)),
            space: false,
            hs: None,
            placemarker: true,
        }
    }

    pub(super) fn is_punct(&self, p: &str) -> bool {
        !self.placemarker && self.tok.is_punct(p)
    }

    pub(super) fn to_token(&self) -> Token {
        Token {
            kind: self.tok.kind,
            text: self.tok.text.clone(),
            space_before: self.space,
        }
    }

    pub(super) fn into_token(self) -> Token {
        let mut t = self.tok.into_owned();
        t.space_before = self.space;
        t
    }
}

pub(super) fn plain(v: &[PTok<'_>]) -> Vec<Token> {
    v.iter().map(PTok::to_token).collect()
}
