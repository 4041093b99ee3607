//! What of the headers it reads a header's listing can depend on, for keeping the listing at a
//! revision where those headers changed elsewhere (`listings::fine_key`): a new typedef in
//! `linux/types.h` or a renamed include guard in `asm-generic/types.h` changes the closure of 700
//! headers, and none of their items.
//!
//! A listing looks definitions up by name: macros (`MacroScope`), and tags, typedef names and
//! enumerators (`Types::visible`), in the units of the headers it reads, as the preprocessor left
//! them at this revision. The names it can look up are the words of its own header, the names the
//! listing itself asks for (the ioctl macros), and, transitively, the words of every definition
//! found for those: a macro's body, a declaration's text, its body's `#if`s and its expansion.
//! The projection of a header is the definitions of those names in each header read: what each
//! lookup can find, in the order lookups find them. A macro that pastes tokens (`##`) makes
//! names that are no word anywhere; a header that reaches one, or defines one, has no projection
//! (it is kept by its closure's blobs alone), nor has one whose text is not UTF-8. The header's
//! own unit is rebuilt at each revision from its text and the definitions in the projection, so
//! its blob stands for it.
//!
//! What a listing reads of a declaration is its text, the `#pragma pack` in force, its expansion
//! and, for one with a member macro (whose layout's reason names its line), its line; the
//! projection records those. It never reads another header's lines otherwise, nor its text
//! outside its definitions.

use super::scope::{Decl, FileSet, Preprocessor};
use crate::cpp::{MacroDef, TokenKind};
use crate::parse::{BaseType, Condition, Node, TypeRef};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

/// One revision's definitions by the names they define, with what a projection records of each.
/// Names are numbered (`ids`) so that a projection hashes each word once.
pub(super) struct Definitions<'p, 'a> {
    pp: &'p Preprocessor<'a>,
    /// Every name some header defines as a macro or declares.
    ids: FxHashMap<&'p str, u32>,
    names: Vec<&'p str>,
    /// By name id, the declarations declaring it (tags, typedef names, enumerators, those of
    /// in-place definitions too), as (file, index in the unit's `decls`), in file then
    /// declaration order.
    declared: Vec<Vec<(usize, usize)>>,
    /// By name id, the files whose macros define it (`Preprocessor::macro_index`).
    macro_files: Vec<&'p [usize]>,
    /// The declarations read so far, by (file, index in the unit's `decls`); None: the text is
    /// not UTF-8.
    decls: ReadSoFar<(usize, usize), Option<Rc<Read>>>,
    /// The macros read so far, by address.
    macros: ReadSoFar<*const MacroDef, Rc<Read>>,
    /// By name id, the last projection that reached it (`write` numbers them from 1).
    reached: RefCell<(u32, Vec<u32>)>,
}

/// What the projections of a build made of each definition they read, made once per build.
type ReadSoFar<K, V> = RefCell<FxHashMap<K, V>>;

/// A definition as a projection records it, and the names it can look up.
struct Read {
    /// A macro's name, parameters and body; a declaration's `#pragma pack`, text, expansion, and
    /// line where its layout's reason can name one.
    identity: Rc<str>,
    /// The ids of the names its words are.
    names: Vec<u32>,
    /// A macro that pastes tokens (`##`).
    pastes: bool,
}

impl<'p, 'a> Definitions<'p, 'a> {
    /// `decls`: per file, its live declarations as read (after expansion), `origins` the index in
    /// the unit's `decls` each comes from.
    pub(super) fn new(
        pp: &'p Preprocessor<'a>,
        decls: &'p [Vec<Decl<'p>>],
        origins: &[Vec<usize>],
    ) -> Self {
        let capacity = 2 * pp.macro_index.len();
        let mut defs = Definitions {
            pp,
            ids: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
            names: Vec::with_capacity(capacity),
            declared: Vec::with_capacity(capacity),
            macro_files: Vec::with_capacity(capacity),
            decls: RefCell::default(),
            macros: RefCell::default(),
            reached: RefCell::default(),
        };
        for (name, files) in &pp.macro_index {
            let id = defs.id(name);
            defs.macro_files[id as usize] = files;
        }
        let mut names = Vec::new();
        for (file, list) in decls.iter().enumerate() {
            for (decl, &origin) in list.iter().zip(&origins[file]) {
                names.clear();
                declared_names(*decl, &mut names);
                for name in &names {
                    let id = defs.id(name);
                    let at = &mut defs.declared[id as usize];
                    if at.last() != Some(&(file, origin)) {
                        at.push((file, origin));
                    }
                }
            }
        }
        let count = defs.names.len();
        defs.reached.get_mut().1 = vec![0; count];
        defs
    }

    fn id(&mut self, name: &'p str) -> u32 {
        let next = self.names.len() as u32;
        let id = *self.ids.entry(name).or_insert(next);
        if id == next {
            self.names.push(name);
            self.declared.push(Vec::new());
            self.macro_files.push(&[]);
        }
        id
    }

    pub(super) fn preprocessor(&self) -> &'p Preprocessor<'a> {
        self.pp
    }

    /// The ids of the defined names among `words`, each once.
    fn ids_of<'w>(&self, words: impl IntoIterator<Item = &'w str>) -> Vec<u32> {
        let mut ids: Vec<u32> = words
            .into_iter()
            .filter_map(|w| self.ids.get(w).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn macro_read(&self, def: &MacroDef) -> Rc<Read> {
        if let Some(read) = self.macros.borrow().get(&(def as *const MacroDef)) {
            return read.clone();
        }
        let mut identity = format!("{}{:?}{}", def.name, def.params, def.variadic);
        for t in &def.body {
            // Each token's length first: a string literal's text may hold the separators.
            let space = if t.space_before { ' ' } else { '\u{1}' };
            let _ = write!(identity, "{space}{}:{}", t.text.len(), t.text);
        }
        let idents = def.body.iter().filter(|t| t.kind == TokenKind::Ident);
        let read = Rc::new(Read {
            identity: identity.into(),
            names: self.ids_of(idents.map(|t| t.text.as_str())),
            pastes: def.body.iter().any(|t| t.text == "##"),
        });
        let mut memo = self.macros.borrow_mut();
        memo.insert(def as *const MacroDef, read.clone());
        read
    }

    /// None when its text is not UTF-8.
    fn decl_read(&self, file: usize, index: usize) -> Option<Rc<Read>> {
        if let Some(read) = self.decls.borrow().get(&(file, index)) {
            return read.clone();
        }
        let read = self.read_decl(file, index).map(Rc::new);
        self.decls.borrow_mut().insert((file, index), read.clone());
        read
    }

    fn read_decl(&self, file: usize, index: usize) -> Option<Read> {
        let pp: &'p Preprocessor<'a> = self.pp;
        let unit = pp.units[file].as_ref()?;
        let decl = unit.decls[index];
        let span = decl.span();
        let text = std::str::from_utf8(pp.parsed[file].source.get(span.bytes.clone())?).ok()?;
        let mut words = Vec::new();
        push_words(text, &mut words);
        let expansion = unit.expansions.iter().find(|(i, _)| *i == index);
        if let Some((_, Ok(expanded) | Err(expanded))) = expansion {
            push_words(expanded, &mut words);
        }
        let mut names_a_line = false;
        visit(decl, &mut |node| match node {
            Node::Conditional(branches) => {
                for b in branches {
                    push_condition_words(&b.condition, &mut words);
                }
            }
            Node::MacroMember { .. } => names_a_line = true,
            _ => {}
        });
        let mut identity = format!("{:?} ", unit.packs[index]);
        if names_a_line {
            let _ = write!(identity, "@{} ", span.line);
        }
        identity.push_str(text);
        if let Some((_, expanded)) = expansion {
            let _ = write!(identity, "\u{1}{expanded:?}");
        }
        Some(Read {
            identity: identity.into(),
            names: self.ids_of(words),
            pastes: false,
        })
    }
}

/// The projection of header `file` on the headers in `read` (its closure, and its includers'
/// when its constants were tried in their scopes), one line per header read in file order,
/// beginning with its path as `head` writes it: the definitions of the names it can look up.
/// None when it has none (see the module's comment), or `head` fails.
pub(super) fn write(
    defs: &Definitions,
    file: usize,
    read: &FileSet,
    asked: &[&[&'static str]],
    key: &mut String,
    mut head: impl FnMut(usize, &mut String) -> Option<()>,
) -> Option<()> {
    let pp = defs.pp;
    let parsed = pp.parsed[file];
    // Its own macros are found before any other header's, so never through `macro_index`; one
    // that pastes, even one `#undef`ined after its use, names what no word does.
    if defines_pasting(&parsed.nodes) {
        return None;
    }
    let mut words: Vec<&str> = Vec::new();
    push_words(std::str::from_utf8(&parsed.source).ok()?, &mut words);
    push_node_condition_words(&parsed.nodes, &mut words);
    words.extend(asked.iter().copied().flatten());
    let mut reached = defs.reached.borrow_mut();
    let (stamp, marks) = &mut *reached;
    *stamp += 1;
    let mut queue: Vec<u32> = Vec::new();
    let mut reach = |ids: &[u32], queue: &mut Vec<u32>| {
        for &id in ids {
            if marks[id as usize] != *stamp {
                marks[id as usize] = *stamp;
                queue.push(id);
            }
        }
    };
    let ids: Vec<u32> = words
        .iter()
        .filter_map(|w| defs.ids.get(w).copied())
        .collect();
    reach(&ids, &mut queue);
    // (file, 0 for a macro and 1 for a declaration, the name or the declaration's index, identity)
    let mut found: Vec<(usize, u8, &str, usize, Rc<str>)> = Vec::new();
    let mut decls_found: FxHashSet<(usize, usize)> = FxHashSet::default();
    while let Some(id) = queue.pop() {
        let name = defs.names[id as usize];
        for &f in defs.macro_files[id as usize] {
            if f == file || !read.contains(f) {
                continue;
            }
            let Some(def) = pp.units[f].as_ref().and_then(|u| u.macros.get(name)) else {
                continue;
            };
            let def = defs.macro_read(def);
            if def.pastes {
                return None;
            }
            reach(&def.names, &mut queue);
            found.push((f, 0, name, 0, def.identity.clone()));
        }
        for &(f, i) in &defs.declared[id as usize] {
            if f == file || !read.contains(f) || !decls_found.insert((f, i)) {
                continue;
            }
            let decl = defs.decl_read(f, i)?;
            reach(&decl.names, &mut queue);
            found.push((f, 1, "", i, decl.identity.clone()));
        }
    }
    found.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
    let mut entries = found.iter().peekable();
    for f in (0..pp.units.len()).filter(|&f| read.contains(f)) {
        head(f, key)?;
        while let Some(e) = entries.next_if(|e| e.0 == f) {
            let _ = write!(key, "\n {} {} {}", e.1, e.4.len(), e.4);
        }
        key.push('\n');
    }
    Some(())
}

/// Whether a `#define` among `nodes` (in any `#if` branch) pastes tokens.
fn defines_pasting(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Define(d) => d.body.contains("##"),
        Node::Conditional(branches) => branches.iter().any(|b| defines_pasting(&b.nodes)),
        _ => false,
    })
}

/// Calls `each` on every node of a declaration, in-place definitions and `#if` branches included.
fn visit<'n>(decl: Decl<'n>, each: &mut impl FnMut(&'n Node)) {
    fn nodes<'n>(list: &'n [Node], each: &mut impl FnMut(&'n Node)) {
        for node in list {
            each(node);
            match node {
                Node::Conditional(branches) => {
                    for b in branches {
                        nodes(&b.nodes, each);
                    }
                }
                Node::Record(r) => nodes(&r.members, each),
                Node::Enum(e) => nodes(&e.members, each),
                Node::Typedef(t) => in_place(&t.ty, each),
                Node::Field(f) => in_place(&f.ty, each),
                _ => {}
            }
        }
    }
    fn in_place<'n>(ty: &'n TypeRef, each: &mut impl FnMut(&'n Node)) {
        match &ty.base {
            BaseType::Record { def: Some(r), .. } => nodes(&r.members, each),
            BaseType::Enum { def: Some(e), .. } => nodes(&e.members, each),
            _ => {}
        }
    }
    match decl {
        Decl::Record(r) => nodes(&r.members, each),
        Decl::Enum(e) => nodes(&e.members, each),
        Decl::Typedef(t) => in_place(&t.ty, each),
    }
}

/// The names a declaration declares: its own, and those of the definitions and enumerators in it.
fn declared_names<'n>(decl: Decl<'n>, out: &mut Vec<&'n str>) {
    fn in_place<'n>(ty: &'n TypeRef, out: &mut Vec<&'n str>) {
        match &ty.base {
            BaseType::Record { def: Some(r), .. } => out.extend(r.name.as_deref()),
            BaseType::Enum { def: Some(e), .. } => out.extend(e.name.as_deref()),
            _ => {}
        }
    }
    match decl {
        Decl::Record(r) => out.extend(r.name.as_deref()),
        Decl::Enum(e) => out.extend(e.name.as_deref()),
        Decl::Typedef(t) => {
            out.push(&t.name);
            in_place(&t.ty, out);
        }
    }
    visit(decl, &mut |node| match node {
        Node::Enumerator(en) => out.push(&en.name),
        Node::Record(r) => out.extend(r.name.as_deref()),
        Node::Enum(e) => out.extend(e.name.as_deref()),
        Node::Typedef(t) => out.push(&t.name),
        Node::Field(f) => in_place(&f.ty, out),
        _ => {}
    });
}

/// The identifiers of `text` outside comments, string and character literals: a superset of
/// the names its tokens look up. A quote that does not close on its line is taken as a word
/// separator, so that a stray one (in an `#error` text) hides nothing.
fn push_words<'t>(text: &'t str, out: &mut Vec<&'t str>) {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    // Where the literal opened at `from` by `quote` ends (after its closing quote), on its line.
    let literal_end = |from: usize, quote: u8| {
        let mut j = from + 1;
        while j < bytes.len() && bytes[j] != b'\n' {
            match bytes[j] {
                b'\\' => j += 2,
                b if b == quote => return Some(j + 1),
                _ => j += 1,
            }
        }
        None
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |e| i + e + 4);
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |e| i + e);
            }
            quote @ (b'"' | b'\'') => i = literal_end(i, quote).unwrap_or(i + 1),
            b if is_word(b) => {
                let start = i;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                if !bytes[start].is_ascii_digit() {
                    out.push(&text[start..i]);
                }
            }
            _ => i += 1,
        }
    }
}

fn push_condition_words<'t>(condition: &'t Condition, out: &mut Vec<&'t str>) {
    match condition {
        Condition::If(text) | Condition::Ifdef(text) | Condition::Ifndef(text) => {
            push_words(text, out)
        }
        Condition::Else => {}
    }
}

/// The words of the `#if`s inside a header's declarations: its text has them taken out.
fn push_node_condition_words<'n>(nodes: &'n [Node], out: &mut Vec<&'n str>) {
    for node in nodes {
        let decl = match node {
            Node::Record(r) => Decl::Record(r),
            Node::Enum(e) => Decl::Enum(e),
            Node::Typedef(t) => Decl::Typedef(t),
            Node::Conditional(branches) => {
                for b in branches {
                    push_condition_words(&b.condition, out);
                    push_node_condition_words(&b.nodes, out);
                }
                continue;
            }
            _ => continue,
        };
        visit(decl, &mut |n| {
            if let Node::Conditional(branches) = n {
                for b in branches {
                    push_condition_words(&b.condition, out);
                }
            }
        });
    }
}
