//! Parse stage: one header's bytes → the declarations and preprocessor directives it contains, in
//! source order, with `#if` nesting kept (the model stage decides which branches are live). Nothing
//! here depends on other files: each blob is parsed once, in parallel, whatever revision it is in.

mod check;
mod header;
mod sanitize;

pub use header::{normalize_builtin, parse_header};

/// Where something is in its file: 1-based lines and the byte range of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub end_line: u32,
    pub bytes: std::ops::Range<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct ParsedHeader {
    /// The bytes as parsed (annotations blanked, body directives removed; offsets as in the file).
    pub source: Vec<u8>,
    pub nodes: Vec<Node>,
    /// Regions tree-sitter could not parse, with the identifiers they contain so that the diff can
    /// tell "unparsed here" from "removed".
    pub unparsed: Vec<Unparsed>,
    /// What is wrong with the bytes themselves (binary, not UTF-8, unbalanced `#if`), by line.
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub line: u32,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unparsed {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug)]
pub enum Node {
    Define(Define),
    Undef {
        name: String,
        line: u32,
    },
    /// `#pragma TEXT` (the model follows `pack`).
    Pragma {
        text: String,
        line: u32,
    },
    Include {
        target: String,
        quoted: bool,
        line: u32,
    },
    Conditional(Vec<Branch>),
    Record(Record),
    Enum(EnumDef),
    Typedef(Typedef),
    /// Inside a record body only.
    Field(Field),
    /// Inside a record body only: a function-like macro used as a member, such as
    /// `__DECLARE_FLEX_ARRAY(struct foo, name);` or `__struct_group(...)`; the model expands it.
    MacroMember {
        name: String,
        text: String,
        span: Span,
    },
    /// Inside an enum body only.
    Enumerator(Enumerator),
}

#[derive(Clone, Debug)]
pub struct Branch {
    pub condition: Condition,
    pub line: u32,
    pub nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `#if EXPR` or `#elif EXPR`: the expression text.
    If(String),
    Ifdef(String),
    Ifndef(String),
    Else,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Define {
    pub name: String,
    /// `Some` for function-like macros.
    pub params: Option<Vec<String>>,
    pub variadic: bool,
    pub body: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Struct,
    Union,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    pub packed: bool,
    /// `aligned(EXPR)`: the expression text; `aligned` alone is recorded as an empty string.
    pub aligned: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Record {
    pub kind: RecordKind,
    pub name: Option<String>,
    pub members: Vec<Node>,
    pub attrs: Attrs,
    pub span: Span,
    /// The body did not parse cleanly (macro members, ERROR nodes): the model expands the
    /// definition's macros and parses it again.
    pub needs_expansion: bool,
    /// For a definition inside a declaration (`struct x { … } NAME;`): the declaration's span and
    /// the names it declares, which may be attribute macros (`EPOLL_PACKED`).
    pub decl_span: Option<Span>,
    pub declarators: Vec<String>,
}

impl Record {
    /// Every name this definition declares: its tag, its members' (in place definitions included)
    /// and the enclosing declaration's. A name that is a macro means the compiler sees something
    /// else (asound.h's `struct __snd_pcm_mmap_control` is `struct snd_pcm_mmap_control`).
    /// The struct/union tags its members refer to are included: `struct _fpstate *fpstate;` names
    /// `_fpstate_64` on x86_64, through a macro.
    pub fn declared_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.declarators.iter().map(String::as_str).collect();
        names.extend(self.name.as_deref());
        let mut stack: Vec<&Node> = self.members.iter().collect();
        while let Some(node) = stack.pop() {
            match node {
                Node::Field(f) => {
                    names.extend(f.name.as_deref());
                    match &f.ty.base {
                        BaseType::Record { def: Some(def), .. } => stack.extend(def.members.iter()),
                        BaseType::Record {
                            name: Some(tag),
                            def: None,
                            ..
                        } => names.push(tag),
                        _ => {}
                    }
                }
                Node::Conditional(branches) => {
                    stack.extend(branches.iter().flat_map(|b| b.nodes.iter()))
                }
                _ => {}
            }
        }
        names
    }
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: Option<String>,
    pub members: Vec<Node>,
    pub attrs: Attrs,
    pub span: Span,
    /// As for `Record::needs_expansion`.
    pub needs_expansion: bool,
}

#[derive(Clone, Debug)]
pub struct Enumerator {
    pub name: String,
    pub value: Option<String>,
    pub line: u32,
    /// The value as the source spells it, when `value` is the text after macro expansion (an enum
    /// body re-parsed after its macros were expanded): `_IOW('c', 19, struct x)`, not its `_IOC`
    /// arithmetic. It tells an ioctl spelled as an enumerator.
    pub written: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Typedef {
    pub name: String,
    pub ty: TypeRef,
    /// `aligned(N)` on a typedef sets its alignment, lower or higher.
    pub attrs: Attrs,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Field {
    /// `None` for anonymous struct/union members and unnamed bitfields.
    pub name: Option<String>,
    pub ty: TypeRef,
    pub bit_width: Option<String>,
    pub attrs: Attrs,
    pub span: Span,
}

/// A type as written: a base type and the declarator's derivations, applied from the base outwards
/// (`int *a[4]` is `int`, then `Pointer`, then `Array(4)`).
#[derive(Clone, Debug)]
pub struct TypeRef {
    pub base: BaseType,
    pub derived: Vec<Derived>,
}

#[derive(Clone, Debug)]
pub enum BaseType {
    /// A C keyword type, normalized: `unsigned long`, `char`, `void`, `_Bool`, `double`…
    Builtin(String),
    /// A typedef name, or a macro used as a type (`__aligned_u64`).
    Named(String),
    /// `struct x` / `union x`, with the definition when written in place.
    Record {
        kind: RecordKind,
        name: Option<String>,
        def: Option<Box<Record>>,
    },
    Enum {
        name: Option<String>,
        def: Option<Box<EnumDef>>,
    },
    /// Something tree-sitter parsed but this stage does not model; kept as text.
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Derived {
    Pointer,
    /// Array size expression text; `None` for `[]`.
    Array(Option<String>),
    Function,
}

impl ParsedHeader {
    pub fn text(&self, span: &Span) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.source.get(span.bytes.clone()).unwrap_or_default())
    }
}

impl TypeRef {
    /// Whether the type holds an in-place definition whose body needs macro expansion.
    pub fn needs_expansion(&self) -> bool {
        match &self.base {
            BaseType::Record { def: Some(r), .. } => r.needs_expansion,
            BaseType::Enum { def: Some(e), .. } => e.needs_expansion,
            _ => false,
        }
    }

    /// The type as C spells it, without a declarator name: `__u32`, `struct foo *`, `char [16]`.
    pub fn display(&self) -> String {
        let mut s = self.base_spelling();
        // Derivations apply from the base outwards, but C writes the outermost array first.
        let mut arrays = String::new();
        for d in &self.derived {
            match d {
                Derived::Pointer => s.push_str(" *"),
                Derived::Function => s.push_str(" ()"),
                Derived::Array(n) => {
                    arrays.insert_str(0, &format!("[{}]", n.as_deref().unwrap_or("")))
                }
            }
        }
        if !arrays.is_empty() {
            s.push(' ');
            s.push_str(&arrays);
        }
        s
    }

    /// A declaration of `name` with this type, as C writes it (without the `;`): `char name[16]`,
    /// `void *name[]`, `int (*name)()`. The declarator is built from the outermost derivation in,
    /// a pointer inside an array or function taking parentheses. A function's parameters are not
    /// kept (`Derived::Function`), so they are not written.
    pub fn declaration(&self, name: &str) -> String {
        let mut declarator = name.to_string();
        for d in self.derived.iter().rev() {
            if !matches!(d, Derived::Pointer) && declarator.starts_with('*') {
                declarator = format!("({declarator})");
            }
            match d {
                Derived::Pointer => declarator.insert(0, '*'),
                Derived::Function => declarator.push_str("()"),
                Derived::Array(n) => {
                    declarator.push_str(&format!("[{}]", n.as_deref().unwrap_or("")))
                }
            }
        }
        format!("{} {declarator}", self.base_spelling())
    }

    fn base_spelling(&self) -> String {
        match &self.base {
            BaseType::Builtin(b) | BaseType::Named(b) | BaseType::Unknown(b) => b.clone(),
            BaseType::Record { kind, name, .. } => {
                let kw = match kind {
                    RecordKind::Struct => "struct",
                    RecordKind::Union => "union",
                };
                format!("{kw} {}", name.as_deref().unwrap_or("<anonymous>"))
            }
            BaseType::Enum { name, .. } => {
                format!("enum {}", name.as_deref().unwrap_or("<anonymous>"))
            }
        }
    }
}

impl Field {
    /// The member's declaration as C writes it, its bit width included: `__u8 data[]`,
    /// `__u32 flag : 1` (without the `;`). None for an unnamed member.
    pub fn declaration(&self) -> Option<String> {
        let mut decl = self.ty.declaration(self.name.as_deref()?);
        if let Some(width) = &self.bit_width {
            decl.push_str(&format!(" : {width}"));
        }
        Some(decl)
    }
}
