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

fn define_node(d: &BodyDirective) -> Option<Node> {
    let span = Span {
        line: d.line,
        end_line: d.end_line,
        bytes: d.offset..d.end,
    };
    define_from_text(
        d.text
            .trim_start()
            .trim_start_matches('#')
            .trim_start()
            .strip_prefix("define")?,
        span,
    )
    .map(Node::Define)
}

/// `NAME body` or `NAME(params) body`, as after `#define`.
fn define_from_text(arg: &str, span: Span) -> Option<Define> {
    let arg = arg.trim_start();
    let name_len = arg
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let name = arg[..name_len].to_string();
    if name.is_empty() {
        return None;
    }
    let rest = &arg[name_len..];
    let (params, variadic, body) = match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((list, body)) => {
            let mut variadic = false;
            let params = list
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .filter_map(|p| match p.strip_suffix("...") {
                    Some(named) => {
                        variadic = true;
                        // `cpp` takes a GNU named variadic parameter with its dots.
                        (!named.trim().is_empty()).then(|| format!("{}...", named.trim()))
                    }
                    None => Some(p.to_string()),
                })
                .collect();
            (Some(params), variadic, body.to_string())
        }
        None => (None, false, rest.to_string()),
    };
    Some(Define {
        name,
        params,
        variadic,
        body,
        span,
    })
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

    /// Parameter names; a GNU named variadic parameter keeps its dots (`args...`), as `cpp` expects.
    fn params(&self, node: TsNode) -> (Vec<String>, bool) {
        let mut params: Vec<String> = Vec::new();
        let mut variadic = false;
        let mut after_ident = false;
        let mut cursor = node.walk();
        for kid in node.children(&mut cursor) {
            match kid.kind() {
                "identifier" => {
                    params.push(self.text(kid));
                    after_ident = true;
                    continue;
                }
                // tree-sitter-c knows only `...` alone; GNU `args...` leaves the dots in an ERROR.
                kind if kind == "..." || (kind == "ERROR" && self.text(kid).trim() == "...") => {
                    variadic = true;
                    match params.last_mut() {
                        Some(last) if after_ident => last.push_str("..."),
                        _ => {}
                    }
                }
                _ => {}
            }
            after_ident = false;
        }
        (params, variadic)
    }

    /// `#undef X`, and `#define` where tree-sitter gives it as a generic call (inside enum bodies).
    fn preproc_call(&mut self, node: TsNode, out: &mut Vec<Node>) {
        let directive = self.field_text(node, "directive").unwrap_or_default();
        let argument = self.field_text(node, "argument").unwrap_or_default();
        let line = span(node).line;
        match directive.trim() {
            "#pragma" => out.push(Node::Pragma {
                text: argument.trim().to_string(),
                line,
            }),
            "#undef" => out.push(Node::Undef {
                name: argument.trim().to_string(),
                line,
            }),
            "#define" => out.extend(define_from_text(&argument, span(node)).map(Node::Define)),
            _ => {}
        }
    }

    /// A `#if`/`#ifdef`/`#ifndef` chain with its `#elif`/`#else` alternatives, as branches in order.
    fn conditional(&mut self, node: TsNode, ctx: Context) -> Vec<Branch> {
        let mut branches = Vec::new();
        let mut current = Some(node);
        while let Some(n) = current {
            let condition = match n.kind() {
                "preproc_if" | "preproc_elif" => Condition::If(self.directive_expression(n)),
                "preproc_ifdef" | "preproc_elifdef" => {
                    let name = self.field_text(n, "name").unwrap_or_default();
                    let first = n.child(0).map(|c| self.text(c)).unwrap_or_default();
                    if first.contains("ifndef") || first.contains("elifndef") {
                        Condition::Ifndef(name)
                    } else {
                        Condition::Ifdef(name)
                    }
                }
                _ => Condition::Else,
            };
            let alternative = n.child_by_field_name("alternative");
            let mut cursor = n.walk();
            let body: Vec<TsNode> = n
                .named_children(&mut cursor)
                .filter(|k| {
                    Some(*k) != alternative && Some(*k) != n.child_by_field_name("condition")
                })
                .filter(|k| Some(*k) != n.child_by_field_name("name"))
                .collect();
            let nodes = self.nodes(&body, ctx);
            branches.push(Branch {
                condition,
                line: span(n).line,
                nodes,
            });
            current = alternative;
        }
        branches
    }

    /// The expression after `#if`/`#elif`, read from the source line itself (with continuations):
    /// tree-sitter's own `condition` node does not survive constructs such as `?:`.
    fn directive_expression(&self, node: TsNode) -> String {
        let src = self.src;
        let mut p = node.start_byte();
        // Skip `#`, spaces and the directive word.
        while p < src.len() && (src[p] == b'#' || src[p] == b' ' || src[p] == b'\t') {
            p += 1;
        }
        while p < src.len() && src[p].is_ascii_alphabetic() {
            p += 1;
        }
        let start = p;
        while p < src.len() {
            if src[p] == b'\n'
                && !(p > start && src[p - 1] == b'\\')
                && !(p > start + 1 && src[p - 1] == b'\r' && src[p - 2] == b'\\')
            {
                break;
            }
            // A block comment may span lines; skip over it whole.
            if src[p] == b'/' && src.get(p + 1) == Some(&b'*') {
                match memchr::memmem::find(&src[p + 2..], b"*/") {
                    Some(e) => p += e + 4,
                    None => p = src.len(),
                }
                continue;
            }
            p += 1;
        }
        String::from_utf8_lossy(&src[start..p.min(src.len())]).into_owned()
    }

    /// A struct/union/enum specifier with a body → its definition node.
    fn specifier_definition(&mut self, node: TsNode) -> Option<Node> {
        let body = node.child_by_field_name("body")?;
        let name = self.field_text(node, "name");
        let attrs = self.attrs(node);
        let sp = span(node);
        let outer_unclean = std::mem::replace(&mut self.body_unclean, false);
        let ctx = if node.kind() == "enum_specifier" {
            Context::EnumBody
        } else {
            Context::RecordBody
        };
        let members = self.children(body, ctx);
        let needs_expansion =
            std::mem::replace(&mut self.body_unclean, outer_unclean) || body.has_error();
        self.body_unclean |= needs_expansion;
        Some(match node.kind() {
            "enum_specifier" => Node::Enum(EnumDef {
                name,
                members,
                attrs,
                span: sp,
                needs_expansion,
            }),
            kind => Node::Record(Record {
                kind: if kind == "union_specifier" {
                    RecordKind::Union
                } else {
                    RecordKind::Struct
                },
                name,
                members,
                attrs,
                span: sp,
                needs_expansion,
                decl_span: None,
                declarators: Vec::new(),
            }),
        })
    }

    /// `__attribute__((packed, aligned(8)))` attached to a node (and to its parent declaration).
    fn attrs(&self, node: TsNode) -> Attrs {
        let mut attrs = Attrs::default();
        let mut visit = |n: TsNode| {
            let mut cursor = n.walk();
            for kid in n.children(&mut cursor) {
                if kid.kind() == "attribute_specifier" {
                    self.read_attribute(kid, &mut attrs);
                }
            }
        };
        visit(node);
        if let Some(parent) = node.parent() {
            if matches!(
                parent.kind(),
                "declaration" | "type_definition" | "field_declaration"
            ) {
                visit(parent);
            }
        }
        attrs
    }

    fn read_attribute(&self, spec: TsNode, attrs: &mut Attrs) {
        let Some(list) = spec.named_child(0) else {
            return;
        };
        let mut cursor = list.walk();
        for item in list.named_children(&mut cursor) {
            let (name, arg) = match item.kind() {
                "identifier" => (self.text(item), None),
                "call_expression" => {
                    let name = self.field_text(item, "function").unwrap_or_default();
                    let arg = item.child_by_field_name("arguments").map(|a| {
                        let t = self.text(a);
                        let t = t.trim();
                        // Exactly the outer pair: `(4 * sizeof(__u64))` → `4 * sizeof(__u64)`.
                        t.strip_prefix('(')
                            .and_then(|t| t.strip_suffix(')'))
                            .unwrap_or(t)
                            .trim()
                            .to_string()
                    });
                    (name, arg)
                }
                _ => continue,
            };
            match name.trim_matches('_') {
                "packed" => attrs.packed = true,
                "aligned" => attrs.aligned = Some(arg.unwrap_or_default()),
                _ => {}
            }
        }
    }

    fn typedef(&mut self, node: TsNode, out: &mut Vec<Node>) {
        let Some(ty_node) = node.child_by_field_name("type") else {
            return;
        };
        let base = self.base_type(ty_node);
        let mut attrs = Attrs::default();
        let mut cursor = node.walk();
        for kid in node.children(&mut cursor) {
            if kid.kind() == "attribute_specifier" {
                self.read_attribute(kid, &mut attrs);
            }
        }
        // `typedef struct x __attribute__((aligned(4))) name;` (virtio_ring.h): tree-sitter puts the
        // attribute inside the struct reference, which has no body for it to belong to.
        if ty_node.child_by_field_name("body").is_none() {
            let mut cursor = ty_node.walk();
            for kid in ty_node.children(&mut cursor) {
                if kid.kind() == "attribute_specifier" {
                    self.read_attribute(kid, &mut attrs);
                }
            }
        }
        // `typedef struct {…} MACRO name;` does not parse: the statement then runs past the node,
        // to its `;`, and all of it is what the model expands.
        let mut sp = span(node);
        if !self.src[sp.bytes.clone()].ends_with(b";") {
            if let Some(semi) = memchr::memchr(b';', &self.src[sp.bytes.end..]) {
                let end = sp.bytes.end + semi + 1;
                sp.end_line +=
                    memchr::memchr_iter(b'\n', &self.src[sp.bytes.end..end]).count() as u32;
                sp.bytes.end = end;
            }
        }
        let mut cursor = node.walk();
        let declarators: Vec<TsNode> = node
            .children_by_field_name("declarator", &mut cursor)
            .collect();
        for d in declarators {
            let mut derived = Vec::new();
            let mut attrs = attrs.clone();
            if d.kind() == "attributed_declarator" {
                let mut c = d.walk();
                for kid in d.named_children(&mut c) {
                    if kid.kind() == "attribute_declaration" || kid.kind() == "attribute_specifier"
                    {
                        self.read_attribute(kid, &mut attrs);
                    }
                }
            }
            if let Some(name) = self.declarator(d, &mut derived).filter(|n| !n.is_empty()) {
                out.push(Node::Typedef(Typedef {
                    name,
                    ty: TypeRef {
                        base: base.clone(),
                        derived,
                    },
                    attrs,
                    span: sp.clone(),
                }));
            }
        }
    }

    fn field(&mut self, node: TsNode, out: &mut Vec<Node>) {
        let Some(ty_node) = node.child_by_field_name("type") else {
            if node.has_error() {
                self.error(node, Context::RecordBody, out);
            }
            return;
        };
        if node.has_error() && !is_unnamed_bitfield(node) {
            let text = self.text(node);
            self.unparsed.push(Unparsed {
                span: span(node),
                text,
            });
            self.body_unclean = true;
        }
        // A definition written in place stays inside the field's type.
        let base = self.base_type(ty_node);
        let attrs = self.attrs(ty_node);
        // Declarators and their bitfield clauses come as siblings, in order.
        let mut cursor = node.walk();
        let kids: Vec<(Option<&str>, TsNode)> = node
            .children(&mut cursor)
            .enumerate()
            .map(|(i, k)| (node.field_name_for_child(i as u32), k))
            .collect();
        let mut declared = 0;
        let mut pending: Option<(Option<String>, Vec<Derived>)> = None;
        let flush = |pending: &mut Option<(Option<String>, Vec<Derived>)>,
                     bits: Option<String>,
                     out: &mut Vec<Node>| {
            if let Some((name, derived)) = pending.take() {
                out.push(Node::Field(Field {
                    name,
                    ty: TypeRef {
                        base: base.clone(),
                        derived,
                    },
                    bit_width: bits,
                    attrs: attrs.clone(),
                    span: span(node),
                }));
            }
        };
        for (field_name, kid) in kids {
            if field_name == Some("declarator") {
                flush(&mut pending, None, out);
                let mut derived = Vec::new();
                let name = self.declarator(kid, &mut derived).filter(|n| !n.is_empty());
                pending = Some((name, derived));
                declared += 1;
            } else if kid.kind() == "bitfield_clause" {
                let width = kid.named_child(0).map(|w| self.text(w));
                if pending.is_none() {
                    // `int :32;` — tree-sitter may give no declarator at all.
                    pending = Some((None, Vec::new()));
                    declared += 1;
                }
                flush(&mut pending, width, out);
            }
        }
        flush(&mut pending, None, out);
        if declared == 0 && matches!(base, BaseType::Named(_)) {
            // `tc_gen;`: a macro that expands to members, used as one. C has no such member.
            self.body_unclean = true;
        }
        if declared == 0 {
            // An anonymous struct/union member (or a lone type): one unnamed field.
            out.push(Node::Field(Field {
                name: None,
                ty: TypeRef {
                    base,
                    derived: Vec::new(),
                },
                bit_width: None,
                attrs,
                span: span(node),
            }));
        }
    }

    /// The base type of a declaration; in-place definitions are recorded inside the returned type.
    fn base_type(&mut self, node: TsNode) -> BaseType {
        match node.kind() {
            "primitive_type" => BaseType::Builtin(self.text(node)),
            "sized_type_specifier" => {
                let words: Vec<String> = self
                    .text(node)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                BaseType::Builtin(normalize_builtin(&words))
            }
            "type_identifier" => BaseType::Named(self.text(node)),
            "struct_specifier" | "union_specifier" => {
                let kind = if node.kind() == "union_specifier" {
                    RecordKind::Union
                } else {
                    RecordKind::Struct
                };
                let name = self.field_text(node, "name");
                let def = match self.specifier_definition(node) {
                    Some(Node::Record(r)) => Some(Box::new(r)),
                    _ => None,
                };
                BaseType::Record { kind, name, def }
            }
            "enum_specifier" => {
                let name = self.field_text(node, "name");
                let def = match self.specifier_definition(node) {
                    Some(Node::Enum(e)) => Some(Box::new(e)),
                    _ => None,
                };
                BaseType::Enum { name, def }
            }
            _ => BaseType::Unknown(self.text(node)),
        }
    }

    /// Walks a declarator from the outside in, pushing derivations (which therefore apply from the
    /// base type outwards) and returning the declared name.
    fn declarator(&self, node: TsNode, derived: &mut Vec<Derived>) -> Option<String> {
        match node.kind() {
            "identifier" | "field_identifier" | "type_identifier" => Some(self.text(node)),
            "pointer_declarator" | "abstract_pointer_declarator" => {
                derived.push(Derived::Pointer);
                node.child_by_field_name("declarator")
                    .and_then(|d| self.declarator(d, derived))
            }
            "array_declarator" | "abstract_array_declarator" => {
                let size = node.child_by_field_name("size").map(|s| self.text(s));
                derived.push(Derived::Array(size));
                node.child_by_field_name("declarator")
                    .and_then(|d| self.declarator(d, derived))
            }
            "function_declarator" | "abstract_function_declarator" => {
                derived.push(Derived::Function);
                node.child_by_field_name("declarator")
                    .and_then(|d| self.declarator(d, derived))
            }
            "parenthesized_declarator"
            | "abstract_parenthesized_declarator"
            | "attributed_declarator" => {
                let mut cursor = node.walk();
                let inner = node
                    .named_children(&mut cursor)
                    .find(|k| k.kind() != "attribute_specifier");
                inner.and_then(|d| self.declarator(d, derived))
            }
            _ => None,
        }
    }
}

/// `unsigned`, `long long int`, `short unsigned` … → one canonical spelling.
pub fn normalize_builtin(words: &[String]) -> String {
    let has = |w: &str| words.iter().any(|x| x == w);
    let longs = words.iter().filter(|w| *w == "long").count();
    let base = if has("__int128") {
        "__int128"
    } else if has("char") {
        "char"
    } else if has("short") {
        "short"
    } else if longs == 2 {
        "long long"
    } else if longs == 1 && has("double") {
        "long double"
    } else if longs == 1 {
        "long"
    } else if has("double") {
        "double"
    } else if has("float") {
        "float"
    } else {
        "int"
    };
    if has("unsigned") {
        format!("unsigned {base}")
    } else if has("signed") && base == "char" {
        "signed char".to_string()
    } else {
        base.to_string()
    }
}

fn is_type_keyword(word: &str) -> bool {
    matches!(
        word,
        "struct"
            | "union"
            | "enum"
            | "const"
            | "volatile"
            | "unsigned"
            | "signed"
            | "char"
            | "short"
            | "int"
            | "long"
            | "float"
            | "double"
            | "void"
            | "_Bool"
            | "__attribute__"
            | "__extension__"
            | "typeof"
            | "__typeof__"
            | "_Alignas"
            | "__signed__"
    )
}

/// `__u32 :24;`: tree-sitter reports a MISSING declarator name, which C allows for bitfields.
fn is_unnamed_bitfield(node: TsNode) -> bool {
    let mut cursor = node.walk();
    let kids: Vec<TsNode> = node.children(&mut cursor).collect();
    kids.iter().any(|k| k.kind() == "bitfield_clause")
        && kids
            .iter()
            .all(|k| !k.is_error() && (!k.is_missing() || k.kind() == "field_identifier"))
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
mod tests {
    use super::*;

    fn defines(src: &str) -> Vec<Define> {
        parse_header(src.as_bytes())
            .nodes
            .into_iter()
            .filter_map(|n| match n {
                Node::Define(d) => Some(d),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn gnu_named_variadic_parameters_keep_their_dots() {
        let d = defines("#define M(FN, ctx...) FN(a, ##ctx)\n");
        assert_eq!(
            d[0].params,
            Some(vec!["FN".to_string(), "ctx...".to_string()])
        );
        assert!(d[0].variadic);
    }
}

#[cfg(test)]
mod typedef_tests {
    use super::*;

    #[test]
    fn attribute_between_record_and_typedef_name() {
        // As macro expansion renders it (atmapi.h's `__ATM_API_ALIGN`).
        let h = parse_header(b"typedef struct { unsigned char _ [ 8 ] ; } __attribute__ ( ( aligned ( 8 ) ) ) atm_kptr_t ;");
        let names: Vec<(String, Option<String>)> = h
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Typedef(t) => match &t.ty.base {
                    BaseType::Record { def: Some(r), .. } => {
                        Some((t.name.clone(), r.attrs.aligned.clone()))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            vec![("atm_kptr_t".to_string(), Some("8".to_string()))]
        );
    }
}
