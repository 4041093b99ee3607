//! The one place that talks to the tree-sitter runtime: a parser per thread and compiled queries.
//! tree-sitter's API changes between minor versions (see Cargo.toml), so every call into it that is
//! not a plain `Node` walk lives here.

use std::cell::RefCell;
use tree_sitter::{Language, Parser, Query, Tree};

/// The C grammar every stage parses with.
pub fn c_language() -> Language {
    tree_sitter_c::LANGUAGE.into()
}

thread_local! {
    // `Parser::parse` takes `&mut self`: one parser per rayon worker thread, reused across files.
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser.set_language(&c_language()).expect("tree-sitter-c grammar ABI matches the runtime");
        parser
    });
}

/// Parses C source with this thread's parser. `None` only if tree-sitter gives up (it does not for
/// plain byte input without a timeout or cancellation flag, but the API allows it).
pub fn parse_c(source: &[u8]) -> Option<Tree> {
    PARSER.with(|parser| parser.borrow_mut().parse(source, None))
}

/// Compiles a query from `grammars/*.scm`. Queries are compiled once (in a `LazyLock`) and each is
/// compiled in a unit test, so a bad query fails the tests rather than a user's run.
pub fn compile_query(name: &str, source: &str) -> Query {
    Query::new(&c_language(), source).unwrap_or_else(|e| panic!("grammars/{name}: {e}"))
}

/// The text of a node, lossily decoded (headers are not always valid UTF-8).
pub fn node_text<'a>(node: tree_sitter::Node<'_>, source: &'a [u8]) -> std::borrow::Cow<'a, str> {
    String::from_utf8_lossy(&source[node.byte_range()])
}
