//! The declarations of a revision indexed by name (records by kind and tag, typedefs, enum tags,
//! enumerators), each with its file, and which of them a file sees.

use super::*;

impl<'p, 'a> Types<'p, 'a> {
    pub(super) fn index_record(&mut self, file: usize, r: &'p Record) {
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

    pub(super) fn index_member(&mut self, file: usize, node: &'p Node) {
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
    pub(super) fn index_type(&mut self, file: usize, ty: &'p TypeRef) {
        match &ty.base {
            BaseType::Record { def: Some(r), .. } => self.index_record(file, r),
            BaseType::Enum { def: Some(e), .. } => self.index_enum(file, e),
            _ => {}
        }
    }

    pub(super) fn index_enum(&mut self, file: usize, e: &'p EnumDef) {
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
    pub(super) fn visible<T>(
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

    /// `decls`: each header's live declarations with the `#pragma pack` in force at each.
    pub fn new(pp: &'p Preprocessor<'a>, decls: Vec<Vec<(Decl<'p>, Option<u64>)>>) -> Self {
        let mut t = Types {
            pp,
            arch: pp.arch,
            decls: Vec::new(),
            records: FxHashMap::default(),
            typedefs: FxHashMap::default(),
            enum_tags: FxHashMap::default(),
            enumerators: FxHashMap::default(),
            record_memo: RefCell::default(),
            enum_memo: RefCell::default(),
            packs: FxHashMap::default(),
            pack: None,
            borrowed: RefCell::default(),
            named_depth: Default::default(),
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
}
