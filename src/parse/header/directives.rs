//! The preprocessor directives in the tree: `#define`s (also those taken out of record bodies),
//! `#if`/`#elif`/`#else` branches with their conditions, and macro calls at the top level.

use super::*;

pub(super) fn define_node(d: &BodyDirective) -> Option<Node> {
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
pub(super) fn define_from_text(arg: &str, span: Span) -> Option<Define> {
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

impl<'s> Walker<'s> {
    /// Parameter names; a GNU named variadic parameter keeps its dots (`args...`), as `cpp` expects.
    pub(super) fn params(&self, node: TsNode) -> (Vec<String>, bool) {
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
    pub(super) fn preproc_call(&mut self, node: TsNode, out: &mut Vec<Node>) {
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
    pub(super) fn conditional(&mut self, node: TsNode, ctx: Context) -> Vec<Branch> {
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
    pub(super) fn directive_expression(&self, node: TsNode) -> String {
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
}
