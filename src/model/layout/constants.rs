//! Constants: an expression evaluated in a file's scope (its macros, its enumerators, `sizeof`
//! through `FileSemantics`), the header defining what was missing, and enum values.

use super::*;

impl<'p, 'a> Types<'p, 'a> {
    /// The macros of `file`, as its `#if`s see them.
    pub fn macros(&self, file: usize) -> MacroScope<'_, 'a> {
        let borrowed = self.borrowed.borrow();
        self.pp.scope(file, self.borrowed_by(&borrowed, file))
    }

    /// The macros of `file`, as its values see them (libc's last).
    pub(super) fn value_macros(&self, file: usize) -> MacroScope<'_, 'a> {
        let borrowed = self.borrowed.borrow();
        self.pp.value_scope(file, self.borrowed_by(&borrowed, file))
    }

    pub(super) fn borrowed_by<'b>(
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
                    .filter_map(|&f| {
                        Some((f, &**self.pp.units[f].as_ref()?.macros.get(name.as_str())?))
                    })
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

    pub(super) fn eval_u64(&self, text: &str, file: usize) -> Result<u64, Reason> {
        let (v, _) = self.eval(text, file, &[])?;
        u64::try_from(v.value).map_err(|_| format!("`{}` is negative", text.trim()).into())
    }

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

    pub(super) fn compute_enum(&self, e: &EnumDef, file: usize) -> EnumValues {
        let scope = self.macros(file);
        let mut live = Vec::new();
        live_members(&e.members, &scope, self.arch.data_model, &mut live);
        let mut local: FxHashMap<String, Value> = FxHashMap::default();
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

    pub(super) fn enumerator(&self, name: &str, file: usize) -> Option<Value> {
        let (f, e) = self.visible(self.enumerators.get(name), file)?;
        let values = self.enum_values(e, f);
        values
            .enumerators
            .iter()
            .find(|en| en.name == name)
            .and_then(|en| en.value.clone().ok())
    }
}

/// An enumerator constant has type `int` when its value fits, else (a GCC extension) a wider type.
pub(super) fn enumerator_kind(v: i128) -> IntKind {
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
pub(super) fn enum_layout(
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

/// `sizeof`, casts and enumerators for expressions written in one header.
pub(super) struct FileSemantics<'t, 'p, 'a> {
    types: &'t Types<'p, 'a>,
    file: usize,
    /// Earlier enumerators of the enum being evaluated.
    local: Option<&'t FxHashMap<String, Value>>,
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
