//! Walks tree-sitter-c's syntax tree of one header and collects `Node`s. A cursor walk rather than a
//! query: `#if` branches nest around declarations, fields and enumerators alike, and their order
//! matters to the preprocessor, so the walk keeps the tree's shape.

use super::sanitize::{
    blank_annotations, blank_cplusplus_blocks, logical_line_end, move_directive_trailing_space,
    take_body_directives, BodyDirective,
};
use super::*;
use crate::ts::{node_text, parse_c};
use tree_sitter::Node as TsNode;

mod declarations;
mod directives;

use declarations::is_type_keyword;
pub use declarations::normalize_builtin;
use directives::{define_from_text, define_node};

/// Parses one header. Never fails: what tree-sitter could not parse is returned in `unparsed`.
pub fn parse_header(bytes: &[u8]) -> ParsedHeader {
    if let Some(line) = super::check::binary_line(bytes) {
        // Not C: anything "found" in it would be a guess.
        return ParsedHeader {
            warnings: vec![Warning {
                line,
                message: "binary file (a NUL byte on this line): not read as a header".into(),
            }],
            ..ParsedHeader::default()
        };
    }
    let warnings = super::check::text_warnings(bytes);
    let mut source = bytes.to_vec();
    blank_annotations(&mut source);
    blank_cplusplus_blocks(&mut source);
    let body_directives = take_body_directives(&mut source);
    // Last: blanking annotations and directive comments leaves trailing spaces too.
    move_directive_trailing_space(&mut source);
    let Some(tree) = parse_c(&source) else {
        return ParsedHeader {
            source: Vec::new(),
            nodes: Vec::new(),
            unparsed: vec![Unparsed {
                span: Span {
                    line: 1,
                    end_line: count_lines(&source),
                    bytes: 0..source.len(),
                },
                text: String::from_utf8_lossy(&source).into_owned(),
            }],
            warnings,
        };
    };
    let mut walker = Walker {
        src: &source,
        unparsed: Vec::new(),
        body_directives,
        next_directive: 0,
        body_unclean: false,
    };
    let mut nodes = walker.children(tree.root_node(), Context::TopLevel);
    // Body directives inside something the walk does not keep (a function body): still defines.
    while let Some(d) = walker.body_directives.get(walker.next_directive) {
        nodes.extend(define_node(d));
        walker.next_directive += 1;
    }
    let unparsed = walker.unparsed;
    ParsedHeader {
        source,
        nodes,
        unparsed,
        warnings,
    }
}

fn count_lines(s: &[u8]) -> u32 {
    memchr::memchr_iter(b'\n', s).count() as u32 + 1
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    TopLevel,
    RecordBody,
    EnumBody,
}

struct Walker<'s> {
    src: &'s [u8],
    unparsed: Vec<Unparsed>,
    /// `#define`s taken out of aggregate bodies before parsing, in source order, emitted just before
    /// the top-level node that contains them.
    body_directives: Vec<BodyDirective>,
    next_directive: usize,
    /// Set when the body being walked has a part tree-sitter could not parse or a macro member: the
    /// model then expands the body's macros and parses it again.
    body_unclean: bool,
}

fn span(node: TsNode) -> Span {
    Span {
        line: node.start_position().row as u32 + 1,
        end_line: node.end_position().row as u32 + 1,
        bytes: node.byte_range(),
    }
}

impl<'s> Walker<'s> {
    fn text(&self, node: TsNode) -> String {
        node_text(node, self.src).into_owned()
    }

    fn field_text(&self, node: TsNode, field: &str) -> Option<String> {
        node.child_by_field_name(field).map(|n| self.text(n))
    }

    fn children(&mut self, parent: TsNode, ctx: Context) -> Vec<Node> {
        let mut cursor = parent.walk();
        let kids: Vec<TsNode> = parent.named_children(&mut cursor).collect();
        self.nodes(&kids, ctx)
    }

    fn nodes(&mut self, kids: &[TsNode], ctx: Context) -> Vec<Node> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < kids.len() {
            let kid = kids[i];
            // A member-position macro call spans several tree-sitter nodes when its arguments hold
            // declarations (`__struct_group(tag, name, attrs, MEMBERS...)`): take its whole text.
            if ctx == Context::RecordBody {
                if let Some((member, end)) = self.macro_member(kid) {
                    self.body_unclean = true;
                    out.push(member);
                    while i < kids.len() && kids[i].start_byte() < end {
                        i += 1;
                    }
                    continue;
                }
            }
            self.node(kid, ctx, &mut out);
            i += 1;
        }
        out
    }

    /// Inside a record body: `NAME(` … `)` `;` where NAME is not a keyword. Returns the member and
    /// the byte offset where the invocation ends.
    fn macro_member(&self, node: TsNode) -> Option<(Node, usize)> {
        if node.kind() != "field_declaration" && node.kind() != "ERROR" {
            return None;
        }
        let start = node.start_byte();
        let src = self.src;
        let mut p = start;
        while p < src.len() && (src[p].is_ascii_alphanumeric() || src[p] == b'_') {
            p += 1;
        }
        let name = std::str::from_utf8(&src[start..p]).ok()?;
        if name.is_empty() || name.as_bytes()[0].is_ascii_digit() || is_type_keyword(name) {
            return None;
        }
        while p < src.len() && (src[p] == b' ' || src[p] == b'\t') {
            p += 1;
        }
        if src.get(p) != Some(&b'(') {
            return None;
        }
        let close = matching_paren(src, p)?;
        let mut end = close + 1;
        while end < src.len() && src[end].is_ascii_whitespace() {
            end += 1;
        }
        if src.get(end) == Some(&b';') {
            end += 1;
        }
        let sp = Span {
            line: node.start_position().row as u32 + 1,
            end_line: node.start_position().row as u32 + 1 + count_lines(&src[start..end]) - 1,
            bytes: start..end,
        };
        let text = String::from_utf8_lossy(&src[start..end]).into_owned();
        Some((
            Node::MacroMember {
                name: name.to_string(),
                text,
                span: sp,
            },
            end,
        ))
    }

    fn node(&mut self, node: TsNode, ctx: Context, out: &mut Vec<Node>) {
        // A body directive goes before the declaration it sits in; one in a struct inside an `#if`
        // goes in that branch (s390's stat.h defines STAT64_HAS_BROKEN_ST_INO only for 31-bit).
        let conditional = matches!(
            node.kind(),
            "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_elifdef" | "preproc_else"
        );
        let before = if conditional {
            node.start_byte()
        } else {
            node.end_byte()
        };
        while let Some(d) = self.body_directives.get(self.next_directive) {
            if d.offset >= before {
                break;
            }
            out.extend(define_node(d));
            self.next_directive += 1;
        }
        match node.kind() {
            "comment" => {}
            "preproc_def" => {
                if let Some(name) = self.field_text(node, "name") {
                    let body = self.field_text(node, "value").unwrap_or_default();
                    out.push(Node::Define(Define {
                        name,
                        params: None,
                        variadic: false,
                        body,
                        span: span(node),
                    }));
                }
            }
            "preproc_function_def" => {
                if let Some(name) = self.field_text(node, "name") {
                    let (params, variadic) = node
                        .child_by_field_name("parameters")
                        .map(|p| self.params(p))
                        .unwrap_or_default();
                    let body = self.field_text(node, "value").unwrap_or_default();
                    out.push(Node::Define(Define {
                        name,
                        params: Some(params),
                        variadic,
                        body,
                        span: span(node),
                    }));
                }
            }
            "preproc_call" => self.preproc_call(node, out),
            "preproc_include" => {
                if let Some(path) = node.child_by_field_name("path") {
                    let raw = self.text(path);
                    let quoted = path.kind() == "string_literal";
                    let target = raw
                        .trim_matches(|c| c == '"' || c == '<' || c == '>')
                        .to_string();
                    out.push(Node::Include {
                        target,
                        quoted,
                        line: span(node).line,
                    });
                }
            }
            "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_elifdef"
            | "preproc_else" => {
                out.push(Node::Conditional(self.conditional(node, ctx)));
            }
            "struct_specifier" | "union_specifier" | "enum_specifier" => {
                if let Some(def) = self.specifier_definition(node) {
                    out.push(def);
                }
            }
            "declaration" => {
                // `struct foo { … } var;` defines the struct; the variable itself is not uAPI. The
                // declared names are kept: `} __packed;` and `} EPOLL_PACKED;` name attribute macros.
                if let Some(ty) = node.child_by_field_name("type") {
                    let before = out.len();
                    self.node(ty, ctx, out);
                    if out.len() > before {
                        if let Some(Node::Record(r)) = out.last_mut() {
                            let mut cursor = node.walk();
                            r.declarators = node
                                .children_by_field_name("declarator", &mut cursor)
                                .filter(|d| d.kind() == "identifier")
                                .map(|d| self.text(d))
                                .collect();
                            r.decl_span = Some(span(node));
                        }
                    }
                }
            }
            "type_definition" => self.typedef(node, out),
            "field_declaration" if ctx == Context::RecordBody => self.field(node, out),
            "enumerator" if ctx == Context::EnumBody => {
                if let Some(name) = self.field_text(node, "name") {
                    let value = self.field_text(node, "value");
                    out.push(Node::Enumerator(Enumerator {
                        name,
                        value,
                        line: span(node).line,
                        written: None,
                    }));
                }
            }
            "linkage_specification" => {
                // extern "C" { … }: its body holds ordinary declarations.
                if let Some(body) = node.child_by_field_name("body") {
                    out.extend(self.children(body, ctx));
                }
            }
            "declaration_list" => out.extend(self.children(node, ctx)),
            // Inline functions in headers are not uAPI items (and their bodies trip the grammar).
            "function_definition" => {}
            "ERROR" => self.error(node, ctx, out),
            _ => {
                if node.has_error() {
                    self.error(node, ctx, out);
                }
            }
        }
    }

    /// An ERROR region: record it, then recover what is still recognizable inside it (directives and
    /// complete definitions keep their own nodes within an error).
    fn error(&mut self, node: TsNode, ctx: Context, out: &mut Vec<Node>) {
        let text = self.text(node);
        if let Some(rest) = text.trim_start().strip_prefix('#').map(str::trim_start) {
            // A directive the grammar lost, e.g. a comment before a continuation line.
            if let Some(arg) = rest.strip_prefix("define") {
                let end = logical_line_end(self.src, node.start_byte());
                let line_text =
                    String::from_utf8_lossy(&self.src[node.start_byte()..end]).into_owned();
                let arg = line_text
                    .trim_start()
                    .trim_start_matches('#')
                    .trim_start()
                    .strip_prefix("define")
                    .unwrap_or(arg)
                    .to_string();
                let sp = Span {
                    line: span(node).line,
                    end_line: span(node).line,
                    bytes: node.start_byte()..end,
                };
                out.extend(define_from_text(&arg, sp).map(Node::Define));
                return;
            }
        }
        if ctx == Context::TopLevel && is_macro_call(&text) {
            // `__SYSCALL(__NR_read, sys_read)` and the like: a top-level macro invocation, which
            // declares nothing the model tracks.
            return;
        }
        if !text.trim().is_empty() && !is_stray_punctuation(&text) {
            self.unparsed.push(Unparsed {
                span: span(node),
                text,
            });
            self.body_unclean = true;
        }
        let mut cursor = node.walk();
        let kids: Vec<TsNode> = node.named_children(&mut cursor).collect();
        for kid in kids {
            match kid.kind() {
                "preproc_def"
                | "preproc_function_def"
                | "preproc_call"
                | "preproc_include"
                | "preproc_if"
                | "preproc_ifdef"
                | "struct_specifier"
                | "union_specifier"
                | "enum_specifier"
                | "type_definition"
                | "declaration"
                | "field_declaration"
                | "enumerator"
                | "ERROR" => self.node(kid, ctx, out),
                _ => {}
            }
        }
    }
}

/// `NAME(…)` and nothing else.
fn is_macro_call(text: &str) -> bool {
    // Comments after the call belong to nobody.
    let mut t = text.trim();
    while let Some(start) = t.rfind("/*").filter(|_| t.ends_with("*/")) {
        t = t[..start].trim_end();
    }
    let t = t.trim_end_matches(';').trim_end();
    let name_len = t
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    name_len > 0 && t[name_len..].trim_start().starts_with('(') && t.ends_with(')')
}

fn is_stray_punctuation(text: &str) -> bool {
    text.trim()
        .chars()
        .all(|c| matches!(c, ';' | ',' | ')' | '(' | '}' | '{'))
}

/// The byte offset of the `)` matching the `(` at `open`, skipping comments, strings and char literals.
fn matching_paren(src: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut p = open;
    while p < src.len() {
        match src[p] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(p);
                }
            }
            b'/' if src.get(p + 1) == Some(&b'*') => {
                p += 2 + memchr::memmem::find(&src[p + 2..], b"*/")? + 1;
            }
            b'/' if src.get(p + 1) == Some(&b'/') => {
                p += memchr::memchr(b'\n', &src[p..])?;
            }
            q @ (b'"' | b'\'') => {
                p += 1;
                while p < src.len() && src[p] != q {
                    if src[p] == b'\\' {
                        p += 1;
                    }
                    p += 1;
                }
            }
            _ => {}
        }
        p += 1;
    }
    None
}

#[cfg(test)]
mod tests;
