//! Declarations: records, enums and typedefs, fields with their bit widths and attributes, each
//! type's base (a builtin spelled as gcc spells it, a record, a name) and its declarator.

use super::*;

impl<'s> Walker<'s> {
    /// A struct/union/enum specifier with a body → its definition node.
    pub(super) fn specifier_definition(&mut self, node: TsNode) -> Option<Node> {
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
    pub(super) fn attrs(&self, node: TsNode) -> Attrs {
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

    pub(super) fn read_attribute(&self, spec: TsNode, attrs: &mut Attrs) {
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

    pub(super) fn typedef(&mut self, node: TsNode, out: &mut Vec<Node>) {
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

    pub(super) fn field(&mut self, node: TsNode, out: &mut Vec<Node>) {
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
    pub(super) fn base_type(&mut self, node: TsNode) -> BaseType {
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
    pub(super) fn declarator(&self, node: TsNode, derived: &mut Vec<Derived>) -> Option<String> {
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

pub(super) fn is_type_keyword(word: &str) -> bool {
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
pub(super) fn is_unnamed_bitfield(node: TsNode) -> bool {
    let mut cursor = node.walk();
    let kids: Vec<TsNode> = node.children(&mut cursor).collect();
    kids.iter().any(|k| k.kind() == "bitfield_clause")
        && kids
            .iter()
            .all(|k| !k.is_error() && (!k.is_missing() || k.kind() == "field_identifier"))
}
