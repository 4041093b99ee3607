//! The layout of a type: written in a declaration (builtins, pointers, arrays, typedefs, tagged
//! types) or as tokens (`sizeof(struct x)`, `offsetof`).

use super::*;

impl<'p, 'a> Types<'p, 'a> {
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

    pub(super) fn pointer(&self) -> TypeLayout {
        let p = self.arch.pointer_size();
        TypeLayout {
            size: p,
            align: self.arch.scalar_align(p),
            scalar: None,
            pointer: true,
        }
    }

    pub(super) fn base_layout(&self, base: &BaseType, file: usize) -> Result<TypeLayout, Reason> {
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

    pub(super) fn builtin(&self, name: &str) -> Result<TypeLayout, Reason> {
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
    pub(super) fn named_layout(&self, name: &str, file: usize) -> Result<TypeLayout, Reason> {
        /// Far deeper than any chain of typedefs a header writes.
        const MAX_NAMED_DEPTH: u32 = 64;
        let depth = self.named_depth.get();
        if depth >= MAX_NAMED_DEPTH {
            return Err(format!(
                "type `{name}` is defined through itself (a cycle of typedefs or macros used as types)"
            )
            .into());
        }
        self.named_depth.set(depth + 1);
        let layout = self.named_layout_once(name, file);
        self.named_depth.set(depth);
        layout
    }

    fn named_layout_once(&self, name: &str, file: usize) -> Result<TypeLayout, Reason> {
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

    pub(super) fn alignment(&self, expr: &str, file: usize) -> Result<u64, Reason> {
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
}
