//! Model stage: the parsed headers of one revision → its uAPI items, keyed by identity, each with
//! the facts a compiler would compute (ioctl numbers, layouts, values). Headers are preprocessed
//! (`scope`), types and constants computed (`layout`), and items listed here.

mod defines;
mod item_map;
mod items;
mod layout;
mod listings;
mod projection;
mod scope;

pub use crate::arch::{self, Arch};
pub use listings::ListingCache;
pub use scope::resolve_in_tree;

use crate::change::{Facts, IoctlDir, ItemKind, NonInteger};
use crate::cpp::{self, Cause, CppError, NotInteger, Token};
use crate::parse::{
    self, BaseType, EnumDef, Node, ParsedHeader, Record, RecordKind, TypeRef, Typedef,
};
use layout::{RecordLayout, Types};
use rustc_hash::FxHashMap;
use scope::{Decl, DefinedMacros, MacroScope, Preprocessor};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use item_map::{FileItems, ItemMap};
use items::Lister;

/// One header of a revision, parsed.
pub struct HeaderSource {
    pub path: String,
    /// The git blob id (hex) of its bytes.
    pub blob: String,
    pub parsed: Arc<ParsedHeader>,
}

/// An item's identity: the same key at two revisions is the same item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemKey {
    pub file: String,
    pub kind: ItemKind,
    pub parent: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub line: u32,
    pub facts: Facts,
    /// The declaration as written (for before/after rendering).
    pub decl: Arc<str>,
}

/// Text tree-sitter could not parse, with the identifiers in it, so that an item in it is
/// reported as unparsed rather than as removed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UnparsedRegion {
    pub file: String,
    pub line: u32,
    pub end_line: u32,
    pub identifiers: BTreeSet<String>,
}

/// Something the model could not do, with its place.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Note {
    pub file: String,
    pub line: u32,
    pub message: String,
}

#[derive(Clone)]
pub struct Model {
    pub revision: String,
    pub arch: &'static Arch,
    pub items: ItemMap,
    pub unparsed: Vec<UnparsedRegion>,
    pub notes: Vec<Note>,
    pub consulted: Consulted,
    /// Every enum's enumerators in the order written, named or not (an anonymous enum's
    /// enumerators have no parent in `items`): what tells a bound (`__FOO_MAX`, one past the last
    /// member) from a member, and an insertion from a renumbering. Empty when the side is a
    /// snapshot file, which keeps no order: rules then fall back on the facts alone.
    pub enums: Vec<EnumMembers>,
    /// Names the revision's other uAPI headers define, with those headers: the other arches'
    /// `arch/*/include/uapi` and asm-generic's (where a definition may sit behind a condition
    /// this arch does not meet). Filled by the pipeline for a kernel tree; empty otherwise.
    pub elsewhere: BTreeMap<String, BTreeSet<String>>,
    /// The headers a program including `<linux/types.h>` reads at this arch, its `#if`s taken as
    /// the preprocessor takes them (mips' and powerpc's `asm/types.h` pick `int-ll64.h` or
    /// `int-l64.h` by the ABI; x86's `asm/posix_types.h` one of three): a typedef looked up by
    /// name is the arch's definition there before any other (`typedefs`). Empty for a snapshot
    /// file, whose lookups take the first definition in path order.
    pub types_headers: BTreeSet<String>,
}

/// One enum's enumerators in the order written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumMembers {
    pub file: String,
    /// The tag, `None` for an anonymous enum.
    pub tag: Option<String>,
    pub members: Vec<String>,
}

/// What headers' items consulted beyond their own translation unit, by header path: an incremental
/// diff (`pipeline::incremental`) recomputes a header whose items may depend on what changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Consulted {
    /// Headers with a constant their own translation unit could not evaluate, tried in the scope of
    /// the headers that include them.
    pub includers: BTreeSet<String>,
    /// Headers with a constant that looked for the one header defining a name: the names looked
    /// for (the global lookup of `borrow_missing_definitions`).
    pub definers: BTreeMap<String, BTreeSet<String>>,
}

impl Model {
    /// Every typedef item, for lookups by name that take the first: those of `types_headers`
    /// first, then the others, each group in path order.
    pub fn typedefs(&self) -> impl Iterator<Item = (&ItemKey, &Item)> {
        let is_typedef = |(k, _): &(&ItemKey, &Item)| k.kind == ItemKind::Typedef;
        let seen = |k: &ItemKey| self.types_headers.contains(&k.file);
        self.types_headers
            .iter()
            .flat_map(|file| self.items.of_file(file))
            .filter(is_typedef)
            .chain(
                self.items
                    .iter()
                    .filter(move |item| is_typedef(item) && !seen(item.0)),
            )
    }

    /// The fields of one record of one header, by name: a range of `items`, which sort by file,
    /// kind, parent and name (the rules ask for many records; a scan of every item each is slow).
    pub fn fields_of<'m>(
        &'m self,
        file: &str,
        record: &str,
    ) -> impl Iterator<Item = (&'m ItemKey, &'m Item)> + 'm {
        let first = ItemKey {
            file: file.to_string(),
            kind: ItemKind::Field,
            parent: Some(record.to_string()),
            name: String::new(),
        };
        self.items
            .range_from(first.clone())
            .take_while(move |(k, _)| {
                k.kind == ItemKind::Field && k.file == first.file && k.parent == first.parent
            })
    }
}

/// A declaration with the `#pragma pack(N)` in force where it stands.
type PackedDecl<'p> = (Decl<'p>, Option<u64>);

/// The header every uAPI program reads its fixed-width types through.
const TYPES_HEADER: &str = "include/uapi/linux/types.h";

/// Where the libc prelude (`libc.h`) stands among a revision's headers: no tree path looks like it.
pub const LIBC_PRELUDE: &str = "<libc>";

/// The text of the libc prelude: what a program's C library defines before the uAPI headers.
pub const LIBC_PRELUDE_TEXT: &[u8] = include_bytes!("libc.h");

fn libc_prelude() -> &'static ParsedHeader {
    static PRELUDE: std::sync::OnceLock<ParsedHeader> = std::sync::OnceLock::new();
    PRELUDE.get_or_init(|| parse::parse_header(LIBC_PRELUDE_TEXT))
}

/// The typedefs of the libc prelude (`u_int32_t`, `pid_t`…): name → type as displayed.
pub fn libc_typedefs() -> &'static [(String, String)] {
    static TYPEDEFS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    TYPEDEFS.get_or_init(|| {
        libc_prelude()
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Typedef(t) => Some((t.name.clone(), t.ty.display())),
                _ => None,
            })
            .collect()
    })
}

/// `listings`: headers' items kept from other revisions, used where a header and what it includes
/// are unchanged, and filled with this revision's.
pub fn build(
    revision: &str,
    arch: &'static Arch,
    headers: &[HeaderSource],
    listings: Option<&ListingCache>,
) -> Model {
    // The prelude is preprocessed with the tree's headers (after them) but lists no items.
    let paths: Vec<String> = headers
        .iter()
        .map(|h| h.path.clone())
        .chain([LIBC_PRELUDE.to_string()])
        .collect();
    let parsed: Vec<&ParsedHeader> = headers
        .iter()
        .map(|h| h.parsed.as_ref())
        .chain([libc_prelude()])
        .collect();
    let listings = listings.filter(|l| l.in_use());
    let defined: Vec<Arc<DefinedMacros>> = headers
        .iter()
        .map(|h| (h.path.as_str(), h.blob.as_str()))
        .chain([(LIBC_PRELUDE, "")])
        .map(|(path, blob)| match listings {
            Some(cache) => cache.defined_macros(path, blob),
            None => Arc::default(),
        })
        .collect();
    let pp = Preprocessor::run(arch, &paths, &parsed, &defined);
    let types_headers: BTreeSet<String> = match paths.iter().position(|p| p == TYPES_HEADER) {
        Some(types) => {
            let closure = &pp.units[types].as_ref().expect("all units built").closure;
            (0..headers.len())
                .filter(|&f| f == types || closure.contains(f))
                .map(|f| paths[f].clone())
                .collect()
        }
        None => BTreeSet::new(),
    };

    // Definitions the walk expanded (member macros, attributes behind macros) are parsed again;
    // the result stands for the original text and keeps its lines.
    let mut notes = Vec::new();
    let mut reparsed: Vec<(usize, usize, Arc<ParsedHeader>)> = Vec::new();
    for (file, unit) in pp.units.iter().enumerate() {
        let unit = unit.as_ref().expect("all units built");
        for (i, expansion) in &unit.expansions {
            let span = unit.decls[*i].span();
            match expansion {
                Ok(text) => {
                    let original = parsed[file].text(span);
                    let parse = || {
                        let mut header = parse::parse_header(text.as_bytes());
                        for node in &mut header.nodes {
                            restore_lines(node, &original, span.line);
                            match node {
                                Node::Record(r) => r.span = span.clone(),
                                Node::Enum(e) => e.span = span.clone(),
                                Node::Typedef(t) => t.span = span.clone(),
                                _ => {}
                            }
                        }
                        header
                    };
                    let header = match listings {
                        Some(cache) => {
                            let (b, line, end) = (&span.bytes, span.line, span.end_line);
                            let key = (
                                text.clone(),
                                original.to_string(),
                                line,
                                end,
                                b.start,
                                b.end,
                            );
                            cache.expansion(key, parse)
                        }
                        None => Arc::new(parse()),
                    };
                    reparsed.push((file, *i, header));
                }
                Err(e) => notes.push(Note {
                    file: paths[file].clone(),
                    line: span.line,
                    message: format!("cannot expand macros in this definition: {e}"),
                }),
            }
        }
    }
    // Per file, per declaration as written: what it reads as (several declarations when it was
    // re-read after expansion), each with the `#pragma pack` in force.
    let mut decls: Vec<Vec<Vec<PackedDecl>>> = pp
        .units
        .iter()
        .map(|u| {
            let u = u.as_ref().expect("all units built");
            u.decls
                .iter()
                .zip(&u.packs)
                .map(|(d, p)| vec![(*d, *p)])
                .collect()
        })
        .collect();
    for (file, i, header) in &reparsed {
        let pack = decls[*file][*i][0].1;
        decls[*file][*i] = header
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Record(r) => Some(Decl::Record(r)),
                Node::Enum(e) => Some(Decl::Enum(e)),
                Node::Typedef(t) => Some(Decl::Typedef(t)),
                _ => None,
            })
            .map(|d| (d, pack))
            .collect();
    }
    // Per file, the index in its unit's `decls` each declaration as read comes from.
    let origins: Vec<Vec<usize>> = decls
        .iter()
        .map(|read| {
            (read.iter().enumerate())
                .flat_map(|(i, as_read)| std::iter::repeat_n(i, as_read.len()))
                .collect()
        })
        .collect();
    let decls: Vec<Vec<PackedDecl>> = decls
        .into_iter()
        .map(|d| d.into_iter().flatten().collect())
        .collect();
    let types = Types::new(&pp, decls);

    let mut includers: Vec<Vec<usize>> = vec![Vec::new(); paths.len()];
    for (file, unit) in pp.units.iter().enumerate() {
        for &inc in &unit.as_ref().expect("all units built").includes {
            if !includers[inc].contains(&file) {
                includers[inc].push(file);
            }
        }
    }
    let keys = listings.map(|cache| {
        let definitions = (types.decls.as_slice(), origins.as_slice());
        listings::Keys::new(cache, &pp, headers, &includers, definitions)
    });
    let consulted = RefCell::new(Consulted::default());
    let mut listed = Vec::with_capacity(headers.len());
    for (file, header) in headers.iter().enumerate() {
        let mut found = keys.as_ref().map(|keys| keys.find(file));
        let kept = found.as_mut().and_then(|found| found.kept.take());
        let listing = kept.unwrap_or_else(|| {
            let mut listing = listings::Listing::default();
            let mut items = FileItems::new();
            let mut lister = Lister {
                enums: &mut listing.enums,
                types: &types,
                includers: &includers,
                consulted: &consulted,
                file,
                path: &header.path,
                parsed: &header.parsed,
                items: &mut items,
                causes: &mut listing.causes,
            };
            lister.header(&header.blob);
            lister.defines();
            for decl in types.decls[file].clone() {
                lister.decl(decl);
            }
            listing.items = Arc::new(items);
            listing.asked_includers = consulted.borrow().includers.contains(&header.path);
            let listing = Arc::new(listing);
            if let (Some(keys), Some(found)) = (&keys, found) {
                keys.keep(file, found, &listing);
            }
            listing
        });
        if listing.asked_includers {
            consulted.borrow_mut().includers.insert(header.path.clone());
        }
        listed.push(listing);
        let unit = pp.units[file].as_ref().expect("all units built");
        for (line, message) in &unit.bad_conditions {
            notes.push(Note {
                file: header.path.clone(),
                line: *line,
                message: message.clone(),
            });
        }
    }
    let (mut items, causes, enums) = listings::assemble(headers, listed);
    borrow_missing_definitions(&types, &includers, &consulted, headers, &mut items, &causes);
    // What did not parse as written but was read after macro expansion is no longer unparsed.
    let expanded_spans: Vec<(usize, std::ops::Range<usize>)> = reparsed
        .iter()
        .map(|(file, i, _)| {
            let unit = pp.units[*file].as_ref().expect("all units built");
            (*file, unit.decls[*i].span().bytes.clone())
        })
        .collect();
    let unparsed = headers
        .iter()
        .enumerate()
        .flat_map(|(file, h)| {
            let read_after_expansion = |bytes: &std::ops::Range<usize>| {
                expanded_spans.iter().any(|(f, span)| {
                    *f == file && span.start <= bytes.start && bytes.end <= span.end
                })
            };
            h.parsed
                .unparsed
                .iter()
                .filter(move |u| !read_after_expansion(&u.span.bytes))
                .map(|u| UnparsedRegion {
                    file: h.path.clone(),
                    line: u.span.line,
                    end_line: u.span.end_line,
                    identifiers: identifiers(&u.text),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    notes.sort();
    Model {
        revision: revision.to_string(),
        arch,
        items,
        unparsed,
        notes,
        consulted: consulted.into_inner(),
        enums,
        elsewhere: BTreeMap::new(),
        types_headers,
    }
}

/// Most attempts to find what a define or ioctl lacks: each finds one header.
const MAX_BORROWED_HEADERS: usize = 4;

/// A define or ioctl that uses a macro or struct its header never includes (`SIOCDEVPRIVATE`,
/// `MD_MAJOR`, `struct termios2`) is computed as a program that includes the one header of the
/// revision defining that name (before it) sees it; `context` then lists those headers and its own,
/// in include order. A name that no header, or more than one, defines stays unresolved.
fn borrow_missing_definitions(
    types: &Types,
    includers: &[Vec<usize>],
    consulted: &RefCell<Consulted>,
    headers: &[HeaderSource],
    items: &mut ItemMap,
    causes: &FxHashMap<ItemKey, Cause>,
) {
    // (header, item, its define's text, why it is unresolved), in key order. The unresolved are a
    // few hundred of some 40,000 items: they are found from the causes, not among all items.
    let file_of: FxHashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(f, h)| (h.path.as_str(), f))
        .collect();
    let mut retry: Vec<(usize, ItemKey, String, Cause)> = causes
        .iter()
        .filter(|(k, _)| matches!(k.kind, ItemKind::Define | ItemKind::Ioctl))
        .filter(|(k, _)| items.contains_key(k))
        .filter_map(|(k, cause)| {
            let file = *file_of.get(k.file.as_str())?;
            // Enumerators spelling an ioctl (binder's) have no define to evaluate by name.
            let unit = types.pp.units[file].as_ref()?;
            let define = unit.defines.iter().find(|d| d.name == k.name)?;
            Some((file, k.clone(), normalized(&define.body), cause.clone()))
        })
        .collect();
    retry.sort_by(|a, b| a.1.cmp(&b.1));
    for (file, key, text, cause) in retry {
        let (mut scratch, mut scratch_causes) = (BTreeMap::new(), FxHashMap::default());
        let mut scratch_enums = Vec::new();
        let lister = Lister {
            enums: &mut scratch_enums,
            types,
            includers,
            consulted,
            file,
            path: &headers[file].path,
            parsed: &headers[file].parsed,
            items: &mut scratch,
            causes: &mut scratch_causes,
        };
        let mut borrowed: Vec<usize> = Vec::new();
        let mut cause = Some(cause);
        while let Some(missing) = cause.take() {
            if let Some(name) = missing.missing_name() {
                consulted
                    .borrow_mut()
                    .definers
                    .entry(headers[file].path.clone())
                    .or_default()
                    .insert(name.to_string());
            }
            let Some(definer) = types.definer(&missing, file) else {
                break;
            };
            if borrowed.contains(&definer) || borrowed.len() == MAX_BORROWED_HEADERS {
                break;
            }
            borrowed.push(definer);
            let (kind, mut facts, still) =
                types.with_borrowed(file, &borrowed, || lister.constant(&key.name, text.clone()));
            if still.is_some() {
                cause = still;
                continue;
            }
            let tu: Vec<&str> = borrowed
                .iter()
                .map(|&f| headers[f].path.as_str())
                .chain([headers[file].path.as_str()])
                .collect();
            if let Facts::Value { context, .. } | Facts::Ioctl { context, .. } = &mut facts {
                *context = Some(tu.join(", "));
            }
            if let Some(old) = items.remove(&key) {
                let key = ItemKey {
                    kind,
                    ..key.clone()
                };
                items.insert(key, Item { facts, ..old });
            }
        }
    }
}

fn identifiers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// A re-parsed definition is one line long; give each member the line where its name first
/// appears in the original text, in order, and each enumerator its value as written there.
fn restore_lines(node: &mut Node, original: &str, first_line: u32) {
    let written = written_enumerator_values(original);
    let lines: Vec<&str> = original.lines().collect();
    let mut cursor = 0usize;
    let place = |name: &str, cursor: &mut usize| -> u32 {
        let found = (*cursor..lines.len()).find(|&i| identifiers(lines[i]).contains(name));
        if let Some(i) = found {
            *cursor = i;
        }
        first_line + *cursor as u32
    };
    fn visit(
        node: &mut Node,
        place: &mut dyn FnMut(&str) -> u32,
        written: &FxHashMap<String, String>,
    ) {
        match node {
            Node::Record(r) => {
                r.span.line = place(r.name.as_deref().unwrap_or(""));
                r.members.iter_mut().for_each(|m| visit(m, place, written));
            }
            Node::Enum(e) => {
                e.span.line = place(e.name.as_deref().unwrap_or(""));
                e.members.iter_mut().for_each(|m| visit(m, place, written));
            }
            Node::Typedef(t) => {
                visit_type(&mut t.ty, place, written);
                t.span.line = place(&t.name.clone());
            }
            Node::Field(f) => {
                visit_type(&mut f.ty, place, written);
                if let Some(name) = &f.name {
                    f.span.line = place(&name.clone());
                }
            }
            Node::Enumerator(en) => {
                en.line = place(&en.name.clone());
                en.written = written
                    .get(&en.name)
                    .filter(|w| en.value.as_ref() != Some(*w))
                    .cloned();
            }
            Node::Conditional(bs) => bs
                .iter_mut()
                .flat_map(|b| b.nodes.iter_mut())
                .for_each(|n| visit(n, place, written)),
            _ => {}
        }
    }
    fn visit_type(
        ty: &mut TypeRef,
        place: &mut dyn FnMut(&str) -> u32,
        written: &FxHashMap<String, String>,
    ) {
        match &mut ty.base {
            BaseType::Record { def: Some(r), .. } => {
                r.members.iter_mut().for_each(|m| visit(m, place, written))
            }
            BaseType::Enum { def: Some(e), .. } => {
                e.members.iter_mut().for_each(|m| visit(m, place, written))
            }
            _ => {}
        }
    }
    visit(node, &mut |name| place(name, &mut cursor), &written);
}

/// `NAME = value` pairs of the enum bodies in a definition's source text, values as written (the
/// tokens up to the next `,` or `}` outside parentheses).
fn written_enumerator_values(original: &str) -> FxHashMap<String, String> {
    let Ok(tokens) = cpp::tokenize(original) else {
        return FxHashMap::default();
    };
    let mut out = FxHashMap::default();
    let mut i = 0;
    while i < tokens.len() {
        let starts_pair = tokens[i].kind == cpp::TokenKind::Ident
            && tokens.get(i + 1).is_some_and(|t| &*t.text == "=")
            && i > 0
            && matches!(&*tokens[i - 1].text, "{" | ",");
        if !starts_pair {
            i += 1;
            continue;
        }
        let mut nested = 0usize;
        let mut end = i + 2;
        while end < tokens.len() {
            match &*tokens[end].text {
                "(" | "[" | "{" => nested += 1,
                ")" | "]" | "}" if nested == 0 => break,
                ")" | "]" | "}" => nested -= 1,
                "," if nested == 0 => break,
                _ => {}
            }
            end += 1;
        }
        out.insert(
            tokens[i].text.to_string(),
            cpp::tokens_to_string(&tokens[i + 2..end]),
        );
        i = end;
    }
    out
}

/// A macro body as tokens separated by single spaces: comments and whitespace do not count.
pub fn normalized(body: &str) -> String {
    match cpp::tokenize(body) {
        Ok(tokens) => cpp::tokens_to_string(&tokens),
        Err(_) => body.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}
