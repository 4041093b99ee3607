//! One header's items, each with its facts: records with their layout and fields, enums with
//! their values, typedefs, and (in `defines`) the constants; the `Lister` puts them in the model.

use super::*;

/// Lists the items of one header.
pub(super) struct Lister<'l, 't, 'p, 'a> {
    pub(super) types: &'t Types<'p, 'a>,
    /// Per header, the headers that include it directly, in path order.
    pub(super) includers: &'l [Vec<usize>],
    pub(super) consulted: &'l RefCell<Consulted>,
    pub(super) file: usize,
    pub(super) path: &'l str,
    pub(super) parsed: &'l ParsedHeader,
    pub(super) items: &'l mut BTreeMap<ItemKey, Item>,
    /// Why the facts of an item put by `put_constant` are unresolved, typed (its facts say it in
    /// words): what `borrow_missing_definitions` looks for in other headers.
    pub(super) causes: &'l mut FxHashMap<ItemKey, Cause>,
    pub(super) enums: &'l mut Vec<EnumMembers>,
}

impl Lister<'_, '_, '_, '_> {
    pub(super) fn put(
        &mut self,
        kind: ItemKind,
        parent: Option<&str>,
        name: &str,
        line: u32,
        facts: Facts,
        decl: String,
    ) {
        let key = ItemKey {
            file: self.path.to_string(),
            kind,
            parent: parent.map(str::to_string),
            name: name.to_string(),
        };
        self.causes.remove(&key);
        self.items.insert(
            key,
            Item {
                line,
                facts,
                decl: decl.into(),
            },
        );
    }

    /// `put` for what `constant` computed, keeping the cause of unresolved facts.
    pub(super) fn put_constant(
        &mut self,
        (kind, facts, cause): (ItemKind, Facts, Option<Cause>),
        name: &str,
        line: u32,
        decl: String,
    ) {
        self.put(kind, None, name, line, facts, decl);
        if let Some(cause) = cause {
            let key = ItemKey {
                file: self.path.to_string(),
                kind,
                parent: None,
                name: name.to_string(),
            };
            self.causes.insert(key, cause);
        }
    }

    pub(super) fn header(&mut self, blob: &str) {
        let path = self.path.to_string();
        self.put(
            ItemKind::Header,
            None,
            &path,
            1,
            Facts::Header {
                blob: blob.to_string(),
            },
            String::new(),
        );
    }

    pub(super) fn decl(&mut self, decl: Decl) {
        match decl {
            Decl::Record(r) => self.record(r, None),
            Decl::Enum(e) => self.enumeration(e),
            Decl::Typedef(t) => self.typedef(t),
        }
    }

    pub(super) fn record(&mut self, r: &Record, typedef_name: Option<&str>) {
        let Some(name) = r.name.as_deref().or(typedef_name) else {
            return;
        };
        let kind = match r.kind {
            RecordKind::Struct => ItemKind::Struct,
            RecordKind::Union => ItemKind::Union,
        };
        let decl = self.parsed.text(&r.span).to_string();
        let layout = self.types.record_layout(r, self.file);
        let facts = match &layout {
            Ok(l) => Facts::Record {
                size: Some(l.size),
                align: Some(l.align),
                unresolved: None,
            },
            Err(e) => Facts::Record {
                size: None,
                align: None,
                unresolved: Some(e.to_string()),
            },
        };
        self.put(kind, None, name, r.span.line, facts, decl);
        match layout {
            Ok(l) => self.fields(name, &l),
            Err(reason) => self.fields_unresolved(name, r, &reason),
        }
        self.nested(&r.members);
    }

    pub(super) fn fields(&mut self, parent: &str, layout: &RecordLayout) {
        for f in &layout.fields {
            let facts = Facts::Field {
                offset: Some(f.offset),
                size: Some(f.size),
                ty: f.ty.clone(),
                bits: f.bits,
                unresolved: None,
            };
            let decl = format!("{};", f.decl);
            self.put(ItemKind::Field, Some(parent), &f.name, f.line, facts, decl);
        }
    }

    /// Without a layout, fields are still items: listed from the syntax, facts unresolved.
    pub(super) fn fields_unresolved(&mut self, parent: &str, r: &Record, reason: &cpp::Reason) {
        let scope = self.types.macros(self.file);
        let mut live = Vec::new();
        scope::live_members(&r.members, &scope, self.types.arch.data_model, &mut live);
        let mut listed = Vec::new();
        collect_field_names(&live, "", &scope, self.types.arch, &mut listed);
        for (name, ty, decl, line) in listed {
            let facts = Facts::Field {
                offset: None,
                size: None,
                ty: ty.clone(),
                bits: None,
                unresolved: Some(reason.to_string()),
            };
            self.put(
                ItemKind::Field,
                Some(parent),
                &name,
                line,
                facts,
                format!("{decl};"),
            );
        }
    }

    /// Named structs, unions and enums defined inside a record are file-scope items too.
    pub(super) fn nested(&mut self, members: &[Node]) {
        for m in members {
            match m {
                Node::Field(f) => match &f.ty.base {
                    BaseType::Record {
                        def: Some(def),
                        name: Some(_),
                        ..
                    } => self.record(def, None),
                    BaseType::Record {
                        def: Some(def),
                        name: None,
                        ..
                    } => self.nested(&def.members),
                    BaseType::Enum { def: Some(def), .. } => self.enumeration(def),
                    _ => {}
                },
                Node::Conditional(bs) => {
                    for b in bs {
                        self.nested(&b.nodes);
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn enumeration(&mut self, e: &EnumDef) {
        let values = self.types.enum_values(e, self.file);
        self.enums.push(EnumMembers {
            file: self.path.to_string(),
            tag: e.name.clone(),
            members: values
                .enumerators
                .iter()
                .map(|en| en.name.clone())
                .collect(),
        });
        if let Some(name) = &e.name {
            let size = values.layout.as_ref().ok().map(|l| l.size);
            let decl = self.parsed.text(&e.span).to_string();
            self.put(
                ItemKind::Enum,
                None,
                name,
                e.span.line,
                Facts::Enum { size },
                decl,
            );
        }
        for en in &values.enumerators {
            let text = en.text.as_deref().map(normalized).unwrap_or_default();
            let as_written = en.written.as_ref().or(en.text.as_ref());
            let decl = match as_written {
                Some(t) => format!("{} = {}", en.name, t.trim()),
                None => en.name.clone(),
            };
            // Spelled through `_IO*`, directly or through a wrapper (`DRM_IOWR`): its expansion
            // says whether it reaches `_IOC`.
            if let Some(spelling) = as_written.filter(|t| t.contains("_IO")) {
                let (kind, mut facts, cause) = self.constant(spelling, normalized(spelling));
                if let Facts::Ioctl { spelled, .. } = &mut facts {
                    *spelled = Some("enumerator".to_string());
                }
                if kind == ItemKind::Ioctl {
                    self.put_constant((kind, facts, cause), &en.name, en.line, decl);
                    continue;
                }
            }
            let facts = match &en.value {
                Ok(v) => Facts::Value {
                    non_integer: None,
                    context: None,
                    configured: Vec::new(),
                    value: Some(v.value),
                    text,
                    unresolved: None,
                },
                Err(reason) => Facts::Value {
                    non_integer: None,
                    context: None,
                    configured: Vec::new(),
                    value: None,
                    text,
                    unresolved: Some(reason.to_string()),
                },
            };
            self.put(
                ItemKind::Enumerator,
                e.name.as_deref(),
                &en.name,
                en.line,
                facts,
                decl,
            );
        }
    }

    pub(super) fn typedef(&mut self, t: &Typedef) {
        let size = self
            .types
            .type_layout(&t.ty, self.file)
            .ok()
            .map(|l| l.size);
        let decl = self.parsed.text(&t.span).to_string();
        let facts = Facts::Typedef {
            ty: t.ty.display(),
            size,
        };
        self.put(ItemKind::Typedef, None, &t.name, t.span.line, facts, decl);
        match &t.ty.base {
            BaseType::Record {
                def: Some(def),
                name,
                ..
            } if name.is_some() || t.ty.derived.is_empty() => {
                // An anonymous struct is named by the typedef of itself, not of a pointer to it
                // (`typedef struct {…} t_bdid, *p_bdid;`).
                self.record(def, if name.is_none() { Some(&t.name) } else { None })
            }
            BaseType::Enum { def: Some(def), .. } => self.enumeration(def),
            _ => {}
        }
    }
}

/// Field names and types from the syntax alone, anonymous members flattened.
pub(super) fn collect_field_names(
    nodes: &[&Node],
    prefix: &str,
    scope: &MacroScope,
    arch: &Arch,
    out: &mut Vec<(String, String, String, u32)>,
) {
    for node in nodes {
        let Node::Field(f) = node else { continue };
        let inner = match &f.ty.base {
            BaseType::Record {
                def: Some(def),
                name: None,
                ..
            } if f.ty.derived.is_empty() => Some(def),
            _ => None,
        };
        let name = f.name.as_ref().map(|n| format!("{prefix}{n}"));
        if let Some(name) = &name {
            let decl = f.declaration().unwrap_or_default();
            out.push((name.clone(), f.ty.display(), decl, f.span.line));
        }
        if let Some(def) = inner {
            let mut live = Vec::new();
            scope::live_members(&def.members, scope, arch.data_model, &mut live);
            let sub_prefix = name
                .map(|n| format!("{n}."))
                .unwrap_or_else(|| prefix.to_string());
            collect_field_names(&live, &sub_prefix, scope, arch, out);
        }
    }
}
