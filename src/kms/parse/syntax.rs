//! Reading one syntax node: its text, an expression's shape (`Expr`: a name, a call, a string…),
//! the name a declarator declares, a function's name and parameters.

use super::*;

/// Collapses whitespace runs (and line continuations) to single spaces.
pub(crate) fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\\' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

pub(super) fn text<'s>(node: Node, src: &'s [u8]) -> Cow<'s, str> {
    src.get(node.byte_range())
        .map(String::from_utf8_lossy)
        .unwrap_or(Cow::Borrowed(""))
}

/// The contents of a string literal node (without quotes; escapes kept as written).
pub(super) fn string_content(node: Node, src: &[u8]) -> String {
    let t = text(node, src);
    let t = t.as_ref();
    // Prefixes such as u8"..." or L"...".
    let start = t.find('"').map(|i| i + 1).unwrap_or(0);
    let end = t.rfind('"').filter(|&e| e >= start).unwrap_or(t.len());
    t.get(start..end).unwrap_or("").to_string()
}

pub(super) fn strip_wrappers(mut node: Node) -> Node {
    for _ in 0..MAX_DEPTH {
        match node.kind() {
            "parenthesized_expression" => match node.named_child(0) {
                Some(n) => node = n,
                None => break,
            },
            "cast_expression" => match node.child_by_field_name("value") {
                Some(n) => node = n,
                None => break,
            },
            _ => break,
        }
    }
    node
}

pub(crate) fn analyze(node: Node, src: &[u8], macro_params: Option<&[String]>) -> Expr {
    let node = strip_wrappers(node);
    match node.kind() {
        "string_literal" => {
            let s = string_content(node, src);
            if let (Some(params), Some(p)) = (macro_params, s.strip_prefix('#')) {
                if params.iter().any(|x| x == p) {
                    return Expr::Stringify(p.to_string());
                }
            }
            Expr::Str(s)
        }
        "concatenated_string" => {
            let mut s = String::new();
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                if child.kind() == "string_literal" {
                    s.push_str(&string_content(child, src));
                } else {
                    // A macro between literals (e.g. a prefix define): not a plain literal.
                    return Expr::Other;
                }
            }
            Expr::Str(s)
        }
        "identifier" => Expr::Ident(text(node, src).into_owned()),
        "subscript_expression" => subscript(node, src, None).unwrap_or(Expr::Other),
        "field_expression" => {
            let field = node
                .child_by_field_name("field")
                .map(|f| text(f, src).into_owned());
            if let (Some(arg), Some(field)) = (node.child_by_field_name("argument"), field.clone())
            {
                let arg = strip_wrappers(arg);
                if arg.kind() == "subscript_expression" {
                    if let Some(e) = subscript(arg, src, Some(field.clone())) {
                        return e;
                    }
                }
            }
            match field {
                Some(last) => Expr::Field { last },
                None => Expr::Other,
            }
        }
        "call_expression" => {
            let f = node.child_by_field_name("function").map(strip_wrappers);
            match f {
                Some(f) if f.kind() == "identifier" => {
                    let mut args = Vec::new();
                    if let Some(a) = node.child_by_field_name("arguments") {
                        let mut c = a.walk();
                        for child in a.named_children(&mut c) {
                            if child.kind() != "comment" {
                                args.push(collapse(&text(child, src)));
                            }
                        }
                    }
                    Expr::Call {
                        callee: text(f, src).into_owned(),
                        args,
                    }
                }
                _ => Expr::Other,
            }
        }
        _ => Expr::Other,
    }
}

pub(super) fn subscript(node: Node, src: &[u8], field: Option<String>) -> Option<Expr> {
    let arg = strip_wrappers(node.child_by_field_name("argument")?);
    if arg.kind() != "identifier" {
        return None;
    }
    let index = node
        .child_by_field_name("index")
        .map(|i| collapse(&text(i, src)))
        .unwrap_or_default();
    Some(Expr::Subscript {
        array: text(arg, src).into_owned(),
        index,
        field,
    })
}

/// The object type an attach call's first argument evidently names (`&plane->base`,
/// `&intel_connector->base.base`, `&crtc->base`), or None.
pub(crate) fn object_kind(node: Node, src: &[u8]) -> Option<&'static str> {
    let mut names: Vec<String> = Vec::new();
    collect_names(node, src, &mut names, 0);
    let last = names
        .iter()
        .rev()
        .find(|n| n.as_str() != "base")?
        .to_ascii_lowercase();
    if last.contains("connector") || last == "conn" || last.ends_with("_conn") {
        Some("connector")
    } else if last.contains("crtc") {
        Some("crtc")
    } else if last.contains("plane") {
        Some("plane")
    } else {
        None
    }
}

pub(super) fn collect_names(node: Node, src: &[u8], out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH || out.len() > 32 {
        return;
    }
    match node.kind() {
        "identifier" | "field_identifier" => out.push(text(node, src).into_owned()),
        // An index or call inside the expression says nothing about the object's type.
        "argument_list" => {}
        _ => {
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                if child.kind() == "subscript_expression" {
                    if let Some(a) = child.child_by_field_name("argument") {
                        collect_names(a, src, out, depth + 1);
                    }
                } else {
                    collect_names(child, src, out, depth + 1);
                }
            }
        }
    }
}

/// The declared identifier inside a declarator (through pointer, array and function declarators).
pub(super) fn declarator_name(node: Node, src: &[u8]) -> Option<(String, bool)> {
    let mut n = node;
    let mut is_array = false;
    for _ in 0..MAX_DEPTH {
        match n.kind() {
            "identifier" => return Some((text(n, src).into_owned(), is_array)),
            "array_declarator" => is_array = true,
            "parenthesized_declarator" => {
                n = n.named_child(0)?;
                continue;
            }
            _ => {}
        }
        n = n.child_by_field_name("declarator")?;
    }
    None
}

pub(super) fn function_name_params(func: Node, src: &[u8]) -> Option<(String, Vec<String>)> {
    let mut n = func.child_by_field_name("declarator")?;
    for _ in 0..MAX_DEPTH {
        if n.kind() == "function_declarator" {
            break;
        }
        n = n.child_by_field_name("declarator")?;
    }
    if n.kind() != "function_declarator" {
        return None;
    }
    let name_node = n.child_by_field_name("declarator")?;
    let name = declarator_name(name_node, src)?.0;
    let mut params = Vec::new();
    if let Some(plist) = n.child_by_field_name("parameters") {
        let mut c = plist.walk();
        for p in plist.named_children(&mut c) {
            let name = p
                .child_by_field_name("declarator")
                .and_then(|d| declarator_name(d, src))
                .map(|d| d.0)
                .unwrap_or_default();
            params.push(name);
        }
    }
    Some((name, params))
}
