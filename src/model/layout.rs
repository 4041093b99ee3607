//! Types and constants of a revision, computed as the compiler would for the target ABI: sizes,
//! alignments and member offsets of structs and unions (bitfields, `packed`, `aligned`, flexible
//! arrays, anonymous members), enumerator values, and the integer value of any expression written
//! in a header (through `cpp`, with `sizeof` and enumerators resolved here).

use super::arch::{Arch, BitfieldLayout};
use super::scope::{live_members, Decl, FileSet, MacroScope, Preprocessor};
use crate::change::BitField;
use crate::cpp::{self, Cause, CppError, IntKind, Reason, Tag, Token, TokenKind, TypeInfo, Value};
use crate::parse::{BaseType, Derived, EnumDef, Field, Node, Record, RecordKind, TypeRef, Typedef};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeLayout {
    pub size: u64,
    pub align: u64,
    /// Integer scalars: (bytes, signed).
    pub scalar: Option<(u32, bool)>,
    pub pointer: bool,
}

#[derive(Clone, Debug)]
pub struct FieldLayout {
    /// Dotted for members of in-place anonymous-type members (`u.lo`); anonymous members' fields
    /// are flattened into their parent, as C accesses them.
    pub name: String,
    pub offset: u64,
    pub size: u64,
    pub ty: String,
    pub bits: Option<BitField>,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub struct RecordLayout {
    pub size: u64,
    pub align: u64,
    pub fields: Vec<FieldLayout>,
}

#[derive(Clone, Debug)]
pub struct EnumeratorValue {
    pub name: String,
    pub value: Result<Value, Reason>,
    pub text: Option<String>,
    /// As `parse::Enumerator::written`.
    pub written: Option<String>,
    pub line: u32,
}

#[derive(Debug)]
pub struct EnumValues {
    pub enumerators: Vec<EnumeratorValue>,
    pub layout: Result<TypeLayout, Reason>,
}

/// A record's layout, or why it has none.
type RecordResult = Result<Rc<RecordLayout>, Reason>;

enum Memo<T> {
    InProgress,
    Done(T),
}

type Candidates<'p, T> = HashMap<&'p str, Vec<(usize, &'p T)>>;

/// All type and constant facts of one revision, computed on demand and memoized.
pub struct Types<'p, 'a> {
    pub pp: &'p Preprocessor<'a>,
    pub arch: &'static Arch,
    /// Live declarations per file, with macro-expanded replacements applied.
    pub decls: Vec<Vec<Decl<'p>>>,
    records: HashMap<(RecordKind, &'p str), Vec<(usize, &'p Record)>>,
    typedefs: Candidates<'p, Typedef>,
    enum_tags: Candidates<'p, EnumDef>,
    /// Enumerator name → (file, enum).
    enumerators: Candidates<'p, EnumDef>,
    record_memo: RefCell<HashMap<usize, Memo<RecordResult>>>,
    /// Records defined under `#pragma pack(N)`: their members' alignment is capped at N.
    packs: HashMap<usize, u64>,
    /// The pack in force while indexing a declaration.
    pack: Option<u64>,
    enum_memo: RefCell<HashMap<usize, Memo<Rc<EnumValues>>>>,
    /// While a header's items are evaluated again with headers it uses without including them
    /// (`Model::build`'s second pass): that header, and those headers with their includes.
    borrowed: RefCell<Option<(usize, FileSet)>>,
}

/// A record kind as a cause names it.
fn tag_of(kind: RecordKind) -> Tag {
    match kind {
        RecordKind::Struct => Tag::Struct,
        RecordKind::Union => Tag::Union,
    }
}

/// `struct x` or `union x` is not defined where it is used.
fn missing_record(kind: RecordKind, name: &str, message: String) -> Reason {
    Reason::new(
        Cause::MissingRecord(tag_of(kind), name.to_string()),
        message,
    )
}

fn addr<T>(r: &T) -> usize {
    r as *const T as usize
}

impl<'p, 'a> Types<'p, 'a> {
    /// `decls`: each header's live declarations with the `#pragma pack` in force at each.
    pub fn new(pp: &'p Preprocessor<'a>, decls: Vec<Vec<(Decl<'p>, Option<u64>)>>) -> Self {
        let mut t = Types {
            pp,
            arch: pp.arch,
            decls: Vec::new(),
            records: HashMap::new(),
            typedefs: HashMap::new(),
            enum_tags: HashMap::new(),
            enumerators: HashMap::new(),
            record_memo: RefCell::default(),
            enum_memo: RefCell::default(),
            packs: HashMap::new(),
            pack: None,
            borrowed: RefCell::default(),
        };
        for (file, list) in decls.iter().enumerate() {
            for &(decl, pack) in list {
                t.pack = pack;
                match decl {
                    Decl::Record(r) => t.index_record(file, r),
                    Decl::Enum(e) => t.index_enum(file, e),
                    Decl::Typedef(td) => {
                        t.typedefs
                            .entry(td.name.as_str())
                            .or_default()
                            .push((file, td));
                        t.index_type(file, &td.ty);
                    }
                }
            }
        }
        t.decls = decls
            .into_iter()
            .map(|list| list.into_iter().map(|(d, _)| d).collect())
            .collect();
        t
    }

    fn index_record(&mut self, file: usize, r: &'p Record) {
        if let Some(pack) = self.pack {
            self.packs.insert(addr(r), pack);
        }
        if let Some(name) = &r.name {
            self.records
                .entry((r.kind, name.as_str()))
                .or_default()
                .push((file, r));
        }
        for m in &r.members {
            self.index_member(file, m);
        }
    }

    fn index_member(&mut self, file: usize, node: &'p Node) {
        match node {
            Node::Field(f) => self.index_type(file, &f.ty),
            Node::Conditional(branches) => {
                for b in branches {
                    for n in &b.nodes {
                        self.index_member(file, n);
                    }
                }
            }
            _ => {}
        }
    }

    /// Definitions written in place (`struct a { struct b { … } x; }`) are file-scope tags in C.
    fn index_type(&mut self, file: usize, ty: &'p TypeRef) {
        match &ty.base {
            BaseType::Record { def: Some(r), .. } => self.index_record(file, r),
            BaseType::Enum { def: Some(e), .. } => self.index_enum(file, e),
            _ => {}
        }
    }

    fn index_enum(&mut self, file: usize, e: &'p EnumDef) {
        if let Some(name) = &e.name {
            self.enum_tags
                .entry(name.as_str())
                .or_default()
                .push((file, e));
        }
        let mut stack: Vec<&'p Node> = e.members.iter().collect();
        while let Some(n) = stack.pop() {
            match n {
                Node::Enumerator(en) => self
                    .enumerators
                    .entry(en.name.as_str())
                    .or_default()
                    .push((file, e)),
                Node::Conditional(bs) => stack.extend(bs.iter().flat_map(|b| b.nodes.iter())),
                _ => {}
            }
        }
    }

    /// The candidate visible from `file`: its own definition first, else one from an included file,
    /// else libc's (a program includes libc before a header that uses `struct sockaddr` unasked).
    fn visible<T>(
        &self,
        cands: Option<&Vec<(usize, &'p T)>>,
        file: usize,
    ) -> Option<(usize, &'p T)> {
        let cands = cands?;
        let closure = &self.pp.units[file].as_ref()?.closure;
        let borrowed = self.borrowed.borrow();
        let borrowed = borrowed.as_ref().filter(|(f, _)| *f == file);
        cands
            .iter()
            .find(|(f, _)| *f == file)
            .or_else(|| cands.iter().find(|(f, _)| closure.contains(*f)))
            .or_else(|| {
                let (_, extra) = borrowed?;
                cands.iter().find(|(f, _)| extra.contains(*f))
            })
            .or_else(|| cands.iter().find(|(f, _)| Some(*f) == self.pp.libc))
            .copied()
    }

    /// The macros of `file`, as its `#if`s see them.
    pub fn macros(&self, file: usize) -> MacroScope<'_, 'a> {
        let borrowed = self.borrowed.borrow();
        self.pp.scope(file, self.borrowed_by(&borrowed, file))
    }

    /// The macros of `file`, as its values see them (libc's last).
    fn value_macros(&self, file: usize) -> MacroScope<'_, 'a> {
        let borrowed = self.borrowed.borrow();
        self.pp.value_scope(file, self.borrowed_by(&borrowed, file))
    }

    fn borrowed_by<'b>(
        &self,
        borrowed: &'b Option<(usize, FileSet)>,
        file: usize,
    ) -> Option<&'b FileSet> {
        borrowed
            .as_ref()
            .filter(|(f, _)| *f == file)
            .map(|(_, extra)| extra)
    }

    /// Runs `evaluate` with `headers` (and what they include) visible from `file` as if it included
    /// them first.
    pub fn with_borrowed<R>(
        &self,
        file: usize,
        headers: &[usize],
        evaluate: impl FnOnce() -> R,
    ) -> R {
        let mut extra = FileSet::default();
        for &h in headers {
            extra.insert(h);
            if let Some(unit) = &self.pp.units[h] {
                extra.union_with(&unit.closure);
            }
        }
        *self.borrowed.borrow_mut() = Some((file, extra));
        let result = evaluate();
        *self.borrowed.borrow_mut() = None;
        result
    }

    /// The one header of the revision (libc aside) that defines the name `cause` says is missing
    /// in `file`, if exactly one does: a macro (all its definitions alike), a struct or union tag,
    /// or a typedef name.
    pub fn definer(&self, cause: &Cause, file: usize) -> Option<usize> {
        // An asm-generic header the arch replaces with its own is no header of this arch's programs;
        // one its `asm/` header only wraps (`make headers_install`'s generic-y `asm/param.h`:
        // `#include <asm-generic/param.h>`) is.
        let replaced = |f: usize| {
            let path = &self.pp.paths[f];
            path.strip_prefix("include/uapi/asm-generic/")
                .is_some_and(|name| {
                    match self.pp.resolve_include(f, &format!("asm/{name}"), false) {
                        Some(asm) => {
                            asm != f
                                && !self.pp.units[asm]
                                    .as_ref()
                                    .is_some_and(|u| u.closure.contains(f))
                        }
                        None => true,
                    }
                })
        };
        let elsewhere = |f: &usize| *f != file && Some(*f) != self.pp.libc && !replaced(*f);
        let files: Vec<usize> = match cause {
            Cause::MissingMacro(name) => {
                let defs: Vec<(usize, &cpp::MacroDef)> = self
                    .pp
                    .macro_index
                    .get(name.as_str())?
                    .iter()
                    .filter(|f| elsewhere(f))
                    .filter_map(|&f| Some((f, self.pp.units[f].as_ref()?.macros.get(name)?)))
                    .collect();
                let (first, def) = *defs.first()?;
                let alike = defs.iter().all(|(_, d)| {
                    d.params == def.params
                        && cpp::tokens_to_string(&d.body) == cpp::tokens_to_string(&def.body)
                });
                return alike.then_some(first);
            }
            Cause::MissingRecord(tag, name) => {
                let kind = match tag {
                    Tag::Struct => RecordKind::Struct,
                    Tag::Union => RecordKind::Union,
                };
                self.records
                    .get(&(kind, name.as_str()))?
                    .iter()
                    .map(|(f, _)| *f)
                    .collect()
            }
            Cause::MissingType(name) => self
                .typedefs
                .get(name.as_str())?
                .iter()
                .map(|(f, _)| *f)
                .collect(),
            Cause::NotInteger(_) | Cause::Other => return None,
        };
        let mut files = files.into_iter().filter(|f| elsewhere(f));
        let first = files.next()?;
        files.all(|f| f == first).then_some(first)
    }

    // ----- expressions -----

    /// Evaluates an expression written in `file` as a C integer constant, recording invocations of
    /// the macros in `watch`.
    pub fn eval(
        &self,
        text: &str,
        file: usize,
        watch: &[&str],
    ) -> Result<(Value, cpp::Expansion), CppError> {
        let sem = FileSemantics {
            types: self,
            file,
            local: None,
        };
        cpp::eval_text(text, &self.value_macros(file), &sem, watch)
    }

    /// Like `eval`, but keeps the expansion when only the evaluation fails (an ioctl whose
    /// argument struct has no computable size still has a direction, type and number).
    pub fn eval_keeping_expansion(
        &self,
        text: &str,
        file: usize,
        watch: &[&str],
    ) -> Option<cpp::Expansion> {
        let sem = FileSemantics {
            types: self,
            file,
            local: None,
        };
        cpp::expand_and_eval(text, &self.value_macros(file), &sem, watch)
            .ok()
            .map(|(e, _)| e)
    }

    fn eval_u64(&self, text: &str, file: usize) -> Result<u64, Reason> {
        let (v, _) = self.eval(text, file, &[])?;
        u64::try_from(v.value).map_err(|_| format!("`{}` is negative", text.trim()).into())
    }

    // ----- enums -----

    pub fn enum_values(&self, e: &EnumDef, file: usize) -> Rc<EnumValues> {
        let key = addr(e);
        match self.enum_memo.borrow().get(&key) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => {
                return Rc::new(EnumValues {
                    enumerators: Vec::new(),
                    layout: Err("enum refers to itself while its values are computed".into()),
                })
            }
            None => {}
        }
        self.enum_memo.borrow_mut().insert(key, Memo::InProgress);
        let values = Rc::new(self.compute_enum(e, file));
        self.enum_memo
            .borrow_mut()
            .insert(key, Memo::Done(values.clone()));
        values
    }

    fn compute_enum(&self, e: &EnumDef, file: usize) -> EnumValues {
        let scope = self.macros(file);
        let mut live = Vec::new();
        live_members(&e.members, &scope, self.arch.data_model, &mut live);
        let mut local: HashMap<String, Value> = HashMap::new();
        let mut next: Result<i128, Reason> = Ok(0);
        let mut enumerators = Vec::new();
        for node in live {
            let Node::Enumerator(en) = node else { continue };
            let value = match &en.value {
                Some(text) => {
                    let sem = FileSemantics {
                        types: self,
                        file,
                        local: Some(&local),
                    };
                    cpp::eval_text(text, &self.value_macros(file), &sem, &[])
                        .map(|(v, _)| v.value)
                        .map_err(Reason::from)
                }
                None => next.clone(),
            };
            let value = value.map(|v| Value {
                value: v,
                kind: enumerator_kind(v),
            });
            if let Ok(v) = &value {
                local.insert(en.name.clone(), *v);
            }
            next = match &value {
                Ok(v) => Ok(v.value + 1),
                Err(_) => Err(format!("follows `{}`, whose value is unknown", en.name).into()),
            };
            enumerators.push(EnumeratorValue {
                name: en.name.clone(),
                value,
                text: en.value.clone(),
                written: en.written.clone(),
                line: en.line,
            });
        }
        let layout = enum_layout(&enumerators, e.attrs.packed, self.arch);
        EnumValues {
            enumerators,
            layout,
        }
    }

    fn enumerator(&self, name: &str, file: usize) -> Option<Value> {
        let (f, e) = self.visible(self.enumerators.get(name), file)?;
        let values = self.enum_values(e, f);
        values
            .enumerators
            .iter()
            .find(|en| en.name == name)
            .and_then(|en| en.value.clone().ok())
    }

    // ----- types -----

    pub fn type_layout(&self, ty: &TypeRef, file: usize) -> Result<TypeLayout, Reason> {
        // Derivations apply from the base outwards, and a pointer to anything (an undefined struct,
        // a function returning void) has a known size: start at the outermost pointer.
        let last_pointer = ty.derived.iter().rposition(|d| *d == Derived::Pointer);
        let (mut layout, rest) = match last_pointer {
            Some(i) => (self.pointer(), &ty.derived[i + 1..]),
            None => (self.base_layout(&ty.base, file)?, &ty.derived[..]),
        };
        for d in rest {
            layout = match d {
                Derived::Pointer => self.pointer(),
                Derived::Function => {
                    // Only meaningful under a pointer, which the next derivation supplies.
                    TypeLayout {
                        size: 1,
                        align: 1,
                        scalar: None,
                        pointer: false,
                    }
                }
                Derived::Array(None) => TypeLayout {
                    size: 0,
                    scalar: None,
                    pointer: false,
                    ..layout
                },
                Derived::Array(Some(n)) => {
                    let n = self.eval_u64(n, file).map_err(|e| e.within("array size"))?;
                    TypeLayout {
                        size: layout.size * n,
                        scalar: None,
                        pointer: false,
                        ..layout
                    }
                }
            };
        }
        Ok(layout)
    }

    fn pointer(&self) -> TypeLayout {
        let p = self.arch.pointer_size();
        TypeLayout {
            size: p,
            align: self.arch.scalar_align(p),
            scalar: None,
            pointer: true,
        }
    }

    fn base_layout(&self, base: &BaseType, file: usize) -> Result<TypeLayout, Reason> {
        match base {
            BaseType::Builtin(name) => self.builtin(name),
            BaseType::Named(name) => self.named_layout(name, file),
            BaseType::Record { def: Some(r), .. } => {
                self.record_layout(r, file).map(|l| l.as_type())
            }
            BaseType::Record {
                kind,
                name: Some(name),
                def: None,
            } => {
                let (f, r) = self
                    .visible(self.records.get(&(*kind, name.as_str())), file)
                    .ok_or_else(|| {
                        let message = format!(
                            "`{} {name}` is not defined in this header or its includes",
                            kind_word(*kind)
                        );
                        missing_record(*kind, name, message)
                    })?;
                self.record_layout(r, f).map(|l| l.as_type())
            }
            BaseType::Enum { def: Some(e), .. } => self.enum_values(e, file).layout.clone(),
            BaseType::Enum {
                name: Some(name),
                def: None,
            } => {
                let (f, e) = self
                    .visible(self.enum_tags.get(name.as_str()), file)
                    .ok_or_else(|| {
                        Reason::from(format!(
                            "`enum {name}` is not defined in this header or its includes"
                        ))
                    })?;
                self.enum_values(e, f).layout.clone()
            }
            BaseType::Record {
                name: None,
                def: None,
                ..
            }
            | BaseType::Enum {
                name: None,
                def: None,
            } => Err("anonymous type without a body".into()),
            BaseType::Unknown(text) => Err(format!("type `{text}` is not understood").into()),
        }
    }

    fn builtin(&self, name: &str) -> Result<TypeLayout, Reason> {
        if name == "void" {
            return Err("`void` has no size".into());
        }
        let (size, align, signed) = self
            .arch
            .builtin(name)
            .ok_or_else(|| Reason::from(format!("unknown builtin type `{name}`")))?;
        Ok(TypeLayout {
            size,
            align,
            scalar: signed.map(|s| (size as u32, s)),
            pointer: false,
        })
    }

    /// A typedef name, or a macro used as a type (`__aligned_u64`), or a libc name tree-sitter
    /// calls a type.
    fn named_layout(&self, name: &str, file: usize) -> Result<TypeLayout, Reason> {
        if let Some((f, td)) = self.visible(self.typedefs.get(name), file) {
            let mut layout = self.type_layout(&td.ty, f)?;
            if let Some(a) = &td.attrs.aligned {
                layout.align = self.alignment(a, f)?;
            }
            return Ok(layout);
        }
        let scope = self.macros(file);
        if let Some(def) = cpp::MacroTable::get(&scope, name) {
            if def.params.is_none() {
                let expansion = cpp::expand(&def.body, &scope, &[])?;
                return match self.type_from_tokens(&expansion.tokens, file) {
                    Some(result) => result,
                    None => Err(
                        format!("macro `{name}` used as a type does not expand to a type").into(),
                    ),
                };
            }
        }
        self.builtin(name).map_err(|_| {
            Reason::new(
                Cause::MissingType(name.to_string()),
                format!("type `{name}` is not defined in this header or its includes"),
            )
        })
    }

    fn alignment(&self, expr: &str, file: usize) -> Result<u64, Reason> {
        if expr.trim().is_empty() {
            // `aligned` without a value: the largest alignment of any type on the target.
            return Ok(self.arch.biggest_alignment);
        }
        self.eval_u64(expr, file).map_err(|e| e.within("alignment"))
    }

    /// A type name written as tokens (inside `sizeof(…)`, a cast, a macro used as a type).
    /// `None` when the tokens are not a type name.
    pub fn type_from_tokens(
        &self,
        toks: &[Token],
        file: usize,
    ) -> Option<Result<TypeLayout, Reason>> {
        let mut i = 0;
        let mut words: Vec<&str> = Vec::new();
        let mut base: Option<BaseType> = None;
        let mut aligned: Option<String> = None;
        while i < toks.len() {
            let t = &toks[i];
            if t.kind != TokenKind::Ident {
                break;
            }
            match &*t.text {
                "const" | "volatile" | "__const" | "__volatile__" | "__volatile"
                | "__extension__" | "restrict" | "__restrict" => i += 1,
                "signed" | "__signed__" | "unsigned" | "short" | "long" | "int" | "char"
                | "float" | "double" | "void" | "_Bool" | "__int128" => {
                    words.push(match &*t.text {
                        "__signed__" => "signed",
                        w => w,
                    });
                    i += 1;
                }
                kw @ ("struct" | "union" | "enum") if base.is_none() && words.is_empty() => {
                    let name = toks
                        .get(i + 1)
                        .filter(|n| n.kind == TokenKind::Ident)?
                        .text
                        .to_string();
                    base = Some(match kw {
                        "enum" => BaseType::Enum {
                            name: Some(name),
                            def: None,
                        },
                        "union" => BaseType::Record {
                            kind: RecordKind::Union,
                            name: Some(name),
                            def: None,
                        },
                        _ => BaseType::Record {
                            kind: RecordKind::Struct,
                            name: Some(name),
                            def: None,
                        },
                    });
                    i += 2;
                }
                "__attribute__" | "__attribute" => {
                    let end = matching(toks, i + 1)?;
                    let inner = &toks[i + 2..end];
                    if let Some(pos) = inner
                        .iter()
                        .position(|t| t.text.trim_matches('_') == "aligned")
                    {
                        aligned = Some(match inner.get(pos + 1) {
                            Some(open) if &*open.text == "(" => {
                                let close = matching(inner, pos + 1)?;
                                cpp::tokens_to_string(&inner[pos + 2..close])
                            }
                            _ => String::new(),
                        });
                    }
                    i = end + 1;
                }
                name if base.is_none() && words.is_empty() => {
                    // A lone identifier is a type only if it names one in scope.
                    let known = self.visible(self.typedefs.get(name), file).is_some()
                        || self.arch.builtin(name).is_some();
                    if !known {
                        return None;
                    }
                    base = Some(BaseType::Named(name.to_string()));
                    i += 1;
                }
                _ => break,
            }
        }
        if base.is_none() {
            if words.is_empty() {
                return None;
            }
            let owned: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            base = Some(BaseType::Builtin(crate::parse::normalize_builtin(&owned)));
        }
        let mut derived = Vec::new();
        while i < toks.len() {
            let t = &*toks[i].text;
            match t {
                "*" => {
                    derived.push(Derived::Pointer);
                    i += 1;
                }
                "const" | "volatile" => i += 1,
                "[" => {
                    let close = (i + 1..toks.len()).find(|&j| &*toks[j].text == "]")?;
                    let size = cpp::tokens_to_string(&toks[i + 1..close]);
                    derived.push(Derived::Array((!size.trim().is_empty()).then_some(size)));
                    i = close + 1;
                }
                _ => return None,
            }
        }
        let ty = TypeRef {
            base: base?,
            derived,
        };
        Some(self.type_layout(&ty, file).and_then(|mut l| {
            if let Some(a) = &aligned {
                l.align = l.align.max(self.alignment(a, file)?);
            }
            Ok(l)
        }))
    }

    /// Whether `name` is a struct, union or enum tag visible from `file`.
    pub fn is_tag(&self, name: &str, file: usize) -> bool {
        [RecordKind::Struct, RecordKind::Union].iter().any(|&kind| {
            self.visible(self.records.get(&(kind, name)), file)
                .is_some()
        }) || self.visible(self.enum_tags.get(name), file).is_some()
    }

    /// `offsetof(type, member)`: `type` a struct or union by tag or typedef name, `member` a name
    /// its layout lists (members of anonymous members by their own name, as C spells them).
    pub fn offset_of(&self, ty: &[Token], member: &[Token], file: usize) -> Result<u64, Reason> {
        let type_text = cpp::tokens_to_string(ty);
        let record = match ty {
            [kw, name] if matches!(&*kw.text, "struct" | "union") => {
                let kind = if &*kw.text == "union" {
                    RecordKind::Union
                } else {
                    RecordKind::Struct
                };
                self.visible(self.records.get(&(kind, &*name.text)), file)
            }
            [name] => self
                .visible(self.typedefs.get(&*name.text), file)
                .and_then(|(f, td)| match &td.ty.base {
                    BaseType::Record { def: Some(r), .. } if td.ty.derived.is_empty() => {
                        Some((f, &**r))
                    }
                    BaseType::Record {
                        kind,
                        name: Some(tag),
                        def: None,
                    } if td.ty.derived.is_empty() => {
                        self.visible(self.records.get(&(*kind, tag.as_str())), f)
                    }
                    _ => None,
                }),
            _ => None,
        };
        let (f, r) = record.ok_or_else(|| {
            let message = format!("`{type_text}` is not a struct or union defined here");
            match ty {
                [kw, name] if &*kw.text == "union" => {
                    missing_record(RecordKind::Union, &name.text, message)
                }
                [kw, name] if &*kw.text == "struct" => {
                    missing_record(RecordKind::Struct, &name.text, message)
                }
                _ => Reason::from(message),
            }
        })?;
        let layout = self.record_layout(r, f)?;
        let designator: String = member.iter().map(|t| &*t.text).collect();
        if let Some(field) = layout.fields.iter().find(|field| field.name == designator) {
            return Ok(field.offset);
        }
        // `dirent.name`: a member of a named struct member.
        let dot = member.iter().position(|t| &*t.text == ".");
        let outer = dot.and_then(|dot| {
            let name: String = member[..dot].iter().map(|t| &*t.text).collect();
            Some((dot, layout.fields.iter().find(|field| field.name == name)?))
        });
        match outer {
            Some((dot, field)) => {
                let ty = cpp::tokenize(&field.ty)?;
                Ok(field.offset + self.offset_of(&ty, &member[dot + 1..], f)?)
            }
            None => {
                Err(format!("`{type_text}` has no member `{designator}` listed by name").into())
            }
        }
    }

    // ----- records -----

    pub fn record_layout(&self, r: &Record, file: usize) -> Result<Rc<RecordLayout>, Reason> {
        let key = addr(r);
        match self.record_memo.borrow().get(&key) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => return Err("the type contains itself".into()),
            None => {}
        }
        self.record_memo.borrow_mut().insert(key, Memo::InProgress);
        let layout = self.compute_record(r, file).map(Rc::new);
        self.record_memo
            .borrow_mut()
            .insert(key, Memo::Done(layout.clone()));
        layout
    }

    fn compute_record(&self, r: &Record, file: usize) -> Result<RecordLayout, Reason> {
        let scope = self.macros(file);
        let mut live = Vec::new();
        live_members(&r.members, &scope, self.arch.data_model, &mut live);
        let is_union = r.kind == RecordKind::Union;
        let mut bit: u64 = 0;
        let mut size_bits: u64 = 0;
        let mut align: u64 = 1;
        let mut fields = Vec::new();
        for node in live {
            let f = match node {
                Node::Field(f) => f,
                Node::MacroMember { name, span, .. } => {
                    return Err(format!(
                        "member macro `{name}` at line {} could not be expanded",
                        span.line
                    )
                    .into())
                }
                _ => continue,
            };
            let label = f.name.as_deref().unwrap_or("<anonymous>");
            let tl = self
                .type_layout(&f.ty, file)
                .map_err(|e| e.within(format!("field `{label}`")))?;
            let packed = r.attrs.packed || f.attrs.packed;
            let mut falign = if packed { 1 } else { tl.align };
            if let Some(&pack) = self.packs.get(&addr(r)) {
                falign = falign.min(pack);
            }
            if let Some(a) = &f.attrs.aligned {
                falign = falign.max(self.alignment(a, file)?);
            }
            if is_union {
                bit = 0;
            }
            let (offset, bits) = match &f.bit_width {
                Some(w) => {
                    let width = self
                        .eval_u64(w, file)
                        .map_err(|e| e.within(format!("bitfield `{label}`")))?;
                    let size_unit = tl.size.max(1) * 8;
                    let start = match self.arch.bitfields {
                        BitfieldLayout::TypeUnits => {
                            // A bitfield may not straddle a storage unit of its type's size; when
                            // it would, it moves to the next boundary of its type's alignment
                            // (which differ for i386's 8-byte, 4-byte-aligned `long long`).
                            let align_unit = tl.align.max(1) * 8;
                            if width == 0 {
                                bit = bit.div_ceil(align_unit) * align_unit;
                                continue;
                            }
                            while !packed
                                && width <= size_unit
                                && (bit % size_unit) + width > size_unit
                            {
                                bit = (bit / align_unit + 1) * align_unit;
                            }
                            if f.name.is_some() {
                                align = align.max(falign);
                            }
                            bit
                        }
                        BitfieldLayout::Packed { zero_width_align } => {
                            if width == 0 {
                                bit = bit.div_ceil(zero_width_align * 8) * zero_width_align * 8;
                                align = align.max(zero_width_align);
                                continue;
                            }
                            // One that fills an integer mode (8, 16, 32, 64 bits) at a boundary
                            // of that mode's alignment is laid out as a plain member of that mode
                            // (gcc's layout_decl), which the record's alignment follows.
                            let mode_align = self.arch.scalar_align(width / 8);
                            if matches!(width, 8 | 16 | 32 | 64)
                                && width <= size_unit
                                && !packed
                                && bit % (mode_align * 8) == 0
                            {
                                align = align.max(mode_align);
                            }
                            bit
                        }
                    };
                    bit += width;
                    (
                        start / 8,
                        Some(BitField {
                            bit_offset: start,
                            width,
                        }),
                    )
                }
                None => {
                    bit = bit.div_ceil(falign * 8) * falign * 8;
                    let start = bit;
                    bit += tl.size * 8;
                    align = align.max(falign);
                    (start / 8, None)
                }
            };
            size_bits = size_bits.max(bit);
            self.push_fields(f, offset, tl, bits, file, &mut fields)?;
        }
        if let Some(a) = &r.attrs.aligned {
            align = align.max(self.alignment(a, file)?);
        }
        let bytes = size_bits.div_ceil(8);
        Ok(RecordLayout {
            size: bytes.div_ceil(align) * align,
            align,
            fields,
        })
    }

    /// Records a member, and the members of an in-place anonymous-type member under it.
    fn push_fields(
        &self,
        f: &Field,
        offset: u64,
        tl: TypeLayout,
        bits: Option<BitField>,
        file: usize,
        out: &mut Vec<FieldLayout>,
    ) -> Result<(), Reason> {
        let inner = match (&f.ty.base, f.ty.derived.is_empty()) {
            (
                BaseType::Record {
                    def: Some(def),
                    name: None,
                    ..
                },
                true,
            ) => Some(self.record_layout(def, file)?),
            _ => None,
        };
        match (&f.name, inner) {
            (None, Some(inner)) => {
                for sub in &inner.fields {
                    out.push(sub.moved_by(offset));
                }
            }
            (Some(name), inner) => {
                out.push(FieldLayout {
                    name: name.clone(),
                    offset,
                    size: tl.size,
                    ty: f.ty.display(),
                    bits,
                    line: f.span.line,
                });
                for sub in inner.iter().flat_map(|i| i.fields.iter()) {
                    out.push(FieldLayout {
                        name: format!("{name}.{}", sub.name),
                        ..sub.moved_by(offset)
                    });
                }
            }
            (None, None) => {} // unnamed bitfield or padding-only member
        }
        Ok(())
    }
}

impl FieldLayout {
    /// The member as seen from a record that holds its own at byte `offset`.
    fn moved_by(&self, offset: u64) -> FieldLayout {
        FieldLayout {
            offset: self.offset + offset,
            bits: self.bits.map(|b| BitField {
                bit_offset: b.bit_offset + offset * 8,
                ..b
            }),
            ..self.clone()
        }
    }
}

impl RecordLayout {
    fn as_type(&self) -> TypeLayout {
        TypeLayout {
            size: self.size,
            align: self.align,
            scalar: None,
            pointer: false,
        }
    }
}

fn kind_word(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Struct => "struct",
        RecordKind::Union => "union",
    }
}

/// An enumerator constant has type `int` when its value fits, else (a GCC extension) a wider type.
fn enumerator_kind(v: i128) -> IntKind {
    if i32::try_from(v).is_ok() {
        IntKind::Int
    } else if v >= 0 && u32::try_from(v).is_ok() {
        IntKind::UInt
    } else if i64::try_from(v).is_ok() {
        IntKind::LongLong
    } else {
        IntKind::ULongLong
    }
}

/// GCC's choice of an enum's underlying type: `unsigned int` if all values are non-negative and
/// fit, `int` if they fit, else 64 bits; `packed` picks the smallest that fits.
fn enum_layout(
    values: &[EnumeratorValue],
    packed: bool,
    arch: &Arch,
) -> Result<TypeLayout, Reason> {
    let mut min = 0i128;
    let mut max = 0i128;
    for en in values {
        let v = en
            .value
            .as_ref()
            .map_err(|e| e.clone().within(format!("enumerator `{}`", en.name)))?;
        min = min.min(v.value);
        max = max.max(v.value);
    }
    let signed = min < 0;
    let fits = |bytes: u32| {
        let bits = bytes * 8;
        if signed {
            min >= -(1i128 << (bits - 1)) && max < (1i128 << (bits - 1))
        } else {
            max < (1i128 << bits)
        }
    };
    let candidates: &[u32] = if packed { &[1, 2, 4, 8] } else { &[4, 8] };
    let size = candidates
        .iter()
        .copied()
        .find(|b| fits(*b))
        .ok_or_else(|| Reason::from("enum values do not fit in 64 bits"))?;
    Ok(TypeLayout {
        size: size as u64,
        align: arch.scalar_align(size as u64),
        scalar: Some((size, signed)),
        pointer: false,
    })
}

fn matching(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match &*t.text {
            "(" => depth += 1,
            ")" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// `sizeof`, casts and enumerators for expressions written in one header.
struct FileSemantics<'t, 'p, 'a> {
    types: &'t Types<'p, 'a>,
    file: usize,
    /// Earlier enumerators of the enum being evaluated.
    local: Option<&'t HashMap<String, Value>>,
}

impl cpp::Semantics for FileSemantics<'_, '_, '_> {
    fn data_model(&self) -> cpp::DataModel {
        self.types.arch.data_model
    }
    fn char_is_signed(&self) -> bool {
        self.types.arch.char_signed
    }
    fn identifier(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.local.and_then(|l| l.get(name)) {
            return Some(*v);
        }
        self.types.enumerator(name, self.file)
    }
    fn offset_of(&self, ty: &[Token], member: &[Token]) -> Option<Result<u64, Reason>> {
        Some(self.types.offset_of(ty, member, self.file))
    }
    fn type_name(&self, tokens: &[Token]) -> Option<Result<TypeInfo, Reason>> {
        let layout = self.types.type_from_tokens(tokens, self.file)?;
        Some(layout.map(|l| TypeInfo {
            size: l.size,
            align: l.align,
            scalar: l.scalar,
            is_pointer: l.pointer,
        }))
    }
}
