//! The macros each header's `#define`s make, kept across the revisions of a walk.

use crate::cpp::{self, MacroDef};
use crate::parse::{Define, Node, ParsedHeader};
use std::sync::OnceLock;

/// The macros one header's `#define`s make, one slot per `#define` (in file order, `#if` branches
/// included): made once for every revision of a walk that preprocesses the same header at the
/// same path (tokenizing the bodies was a third of a revision's preprocessing). A macro depends on
/// its directive's text alone. The slots are found by position and filled once each, so a lookup
/// takes no lock and a unit borrows its macros rather than counting references to them.
#[derive(Default)]
pub struct DefinedMacros(OnceLock<DefineSlots>);

struct DefineSlots {
    /// The byte where each `#define` starts, ascending.
    starts: Vec<usize>,
    made: Box<[OnceLock<Result<MacroDef, cpp::CppError>>]>,
}

impl DefinedMacros {
    /// The macro `d` makes; `parsed`, the header this is kept for, holds `d`. None for a `#define`
    /// that is not one of its nodes' (the walk reads no other).
    pub(super) fn of(
        &self,
        parsed: &ParsedHeader,
        d: &Define,
    ) -> Option<&Result<MacroDef, cpp::CppError>> {
        let slots = self.0.get_or_init(|| {
            let mut starts = Vec::new();
            define_starts(&parsed.nodes, &mut starts);
            starts.sort_unstable();
            let made = starts.iter().map(|_| OnceLock::new()).collect();
            DefineSlots { starts, made }
        });
        let slot = slots.starts.binary_search(&d.span.bytes.start).ok()?;
        Some(slots.made[slot].get_or_init(|| {
            let body = crate::change::strip_install_annotations(&d.body);
            match &d.params {
                None => MacroDef::object(&d.name, &body),
                Some(params) => MacroDef::function(&d.name, params, d.variadic, &body),
            }
        }))
    }

    /// How many `#define`s the header has (once a walk read it): what its unit holds at most.
    pub(super) fn len(&self) -> usize {
        self.0.get().map_or(0, |slots| slots.starts.len())
    }
}

/// Where each `#define` the preprocessor can walk starts: those of the top level and of every
/// `#if` branch, as `Preprocessor::walk` visits them.
fn define_starts(nodes: &[Node], out: &mut Vec<usize>) {
    for node in nodes {
        match node {
            Node::Define(d) => out.push(d.span.bytes.start),
            Node::Conditional(branches) => {
                for b in branches {
                    define_starts(&b.nodes, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_header;

    fn defines(nodes: &[Node], out: &mut Vec<Define>) {
        for node in nodes {
            match node {
                Node::Define(d) => out.push(d.clone()),
                Node::Conditional(branches) => {
                    for b in branches {
                        defines(&b.nodes, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// Every `#define` the walk can meet has its slot, in `#if` branches too, and is made once:
    /// asked again (another revision), it is the same macro, not a copy.
    #[test]
    fn each_define_is_made_once_and_found_in_every_branch() {
        let text = "#define A 1\n#ifdef X\n#define B(x) (x + A)\n#else\n#define B(x) (x)\n#endif\n\
                    #if 0\n# if 1\n#define C 3\n# endif\n#endif\n";
        let parsed = parse_header(text.as_bytes());
        let mut all = Vec::new();
        defines(&parsed.nodes, &mut all);
        assert_eq!(all.len(), 4, "{:?}", parsed.nodes);
        let defined = DefinedMacros::default();
        assert_eq!(defined.len(), 0);
        let first: Vec<*const MacroDef> = all
            .iter()
            .map(|d| match defined.of(&parsed, d) {
                Some(Ok(m)) => {
                    assert_eq!(m.name, d.name);
                    m as *const MacroDef
                }
                other => panic!("{}: {:?}", d.name, other.map(|r| r.is_ok())),
            })
            .collect();
        assert_eq!(defined.len(), 4);
        let again = parse_header(text.as_bytes());
        let mut all_again = Vec::new();
        defines(&again.nodes, &mut all_again);
        for (d, made) in all_again.iter().zip(&first) {
            let m = defined.of(&again, d).and_then(|r| r.as_ref().ok());
            assert_eq!(m.map(|m| m as *const MacroDef), Some(*made), "{}", d.name);
        }
    }
}
