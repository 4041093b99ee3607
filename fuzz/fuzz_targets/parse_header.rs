//! The header extractor on arbitrary bytes: `parse::parse_header` must never panic, and every span
//! it reports must lie within the bytes it parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uapi_diff::parse::{parse_header, Node};

fn check(nodes: &[Node], len: usize) {
    for node in nodes {
        match node {
            Node::Define(d) => assert!(d.span.bytes.end <= len && d.span.line <= d.span.end_line),
            Node::Record(r) => {
                assert!(r.span.bytes.end <= len);
                assert!(r.decl_span.as_ref().is_none_or(|s| s.bytes.end <= len));
                check(&r.members, len);
            }
            Node::Enum(e) => {
                assert!(e.span.bytes.end <= len);
                check(&e.members, len);
            }
            Node::Conditional(branches) => branches.iter().for_each(|b| check(&b.nodes, len)),
            Node::Typedef(t) => assert!(t.span.bytes.end <= len),
            Node::Field(f) => assert!(f.span.bytes.end <= len),
            Node::MacroMember { span, .. } => assert!(span.bytes.end <= len),
            // Kinds without a byte span (`#undef`, `#include`, `#pragma`, enumerators).
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let h = parse_header(data);
    check(&h.nodes, h.source.len());
    for u in &h.unparsed {
        assert!(u.span.bytes.end <= h.source.len() || h.source.is_empty());
    }
});
