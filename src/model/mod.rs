//! Model stage: the parsed headers of one revision → its uAPI items, keyed by identity, each with
//! the facts a compiler would compute (ioctl numbers, layouts, values). Headers are preprocessed
//! (`scope`), types and constants computed (`layout`), and items listed here.

mod layout;
mod scope;

pub use crate::arch::{self, Arch};
pub use scope::resolve_in_tree;

use crate::change::{Facts, ItemKind, NonInteger};
use crate::cpp::{self, Cause, CppError, NotInteger, Token};
use crate::parse::{
    self, BaseType, EnumDef, Node, ParsedHeader, Record, RecordKind, TypeRef, Typedef,
};
use layout::{RecordLayout, Types};
use scope::{Decl, MacroScope, Preprocessor};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

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
    pub decl: String,
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
    pub items: BTreeMap<ItemKey, Item>,
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
        let typedefs = || self.items.iter().filter(|(k, _)| k.kind == ItemKind::Typedef);
        let seen = |k: &ItemKey| self.types_headers.contains(&k.file);
        typedefs()
            .filter(move |(k, _)| seen(k))
            .chain(typedefs().filter(move |(k, _)| !seen(k)))
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
        self.items.range(first.clone()..).take_while(move |(k, _)| {
            k.kind == ItemKind::Field && k.file == first.file && k.parent == first.parent
        })
    }
}

/// A declaration with the `#pragma pack(N)` in force where it stands.
type PackedDecl<'p> = (Decl<'p>, Option<u64>);

/// Macros whose invocation makes a define an ioctl request number.
const IOCTL_MACROS: &[&str] = &[
    "_IOC",
    "_IO",
    "_IOR",
    "_IOW",
    "_IOWR",
    "_IOR_BAD",
    "_IOW_BAD",
    "_IOWR_BAD",
];
/// Of those, the ones whose third argument is the argument type.
const IOCTL_TYPED: &[&str] = &["_IOR", "_IOW", "_IOWR", "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"];

/// The header every uAPI program reads its fixed-width types through.
const TYPES_HEADER: &str = "include/uapi/linux/types.h";

/// Where the libc prelude (`libc.h`) stands among a revision's headers: no tree path looks like it.
pub const LIBC_PRELUDE: &str = "<libc>";

fn libc_prelude() -> &'static ParsedHeader {
    static PRELUDE: std::sync::OnceLock<ParsedHeader> = std::sync::OnceLock::new();
    PRELUDE.get_or_init(|| parse::parse_header(include_bytes!("libc.h")))
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

pub fn build(revision: &str, arch: &'static Arch, headers: &[HeaderSource]) -> Model {
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
    let pp = Preprocessor::run(arch, &paths, &parsed);
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
    let mut reparsed: Vec<(usize, usize, ParsedHeader)> = Vec::new();
    for (file, unit) in pp.units.iter().enumerate() {
        let unit = unit.as_ref().expect("all units built");
        for (i, expansion) in &unit.expansions {
            let span = unit.decls[*i].span();
            match expansion {
                Ok(text) => {
                    let original = parsed[file].text(span);
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
    let mut items = BTreeMap::new();
    let consulted = RefCell::new(Consulted::default());
    let mut causes = HashMap::new();
    let mut enums = Vec::new();
    for (file, header) in headers.iter().enumerate() {
        let mut lister = Lister {
            enums: &mut enums,
            types: &types,
            includers: &includers,
            consulted: &consulted,
            file,
            path: &header.path,
            parsed: &header.parsed,
            items: &mut items,
            causes: &mut causes,
        };
        lister.header(&header.blob);
        lister.defines();
        for decl in types.decls[file].clone() {
            lister.decl(decl);
        }
        let unit = pp.units[file].as_ref().expect("all units built");
        for (line, message) in &unit.bad_conditions {
            notes.push(Note {
                file: header.path.clone(),
                line: *line,
                message: message.clone(),
            });
        }
    }
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
    items: &mut BTreeMap<ItemKey, Item>,
    causes: &HashMap<ItemKey, Cause>,
) {
    // (header, item, its define's text, why it is unresolved)
    let retry: Vec<(usize, ItemKey, String, Cause)> = items
        .keys()
        .filter(|k| matches!(k.kind, ItemKind::Define | ItemKind::Ioctl))
        .filter_map(|k| {
            let cause = causes.get(k)?;
            let file = headers.iter().position(|h| h.path == k.file)?;
            // Enumerators spelling an ioctl (binder's) have no define to evaluate by name.
            let unit = types.pp.units[file].as_ref()?;
            let define = unit.defines.iter().find(|d| d.name == k.name)?;
            Some((file, k.clone(), normalized(&define.body), cause.clone()))
        })
        .collect();
    for (file, key, text, cause) in retry {
        let (mut scratch, mut scratch_causes) = (BTreeMap::new(), HashMap::new());
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
        written: &HashMap<String, String>,
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
        written: &HashMap<String, String>,
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
fn written_enumerator_values(original: &str) -> HashMap<String, String> {
    let Ok(tokens) = cpp::tokenize(original) else {
        return HashMap::new();
    };
    let mut out = HashMap::new();
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

/// Lists the items of one header.
struct Lister<'l, 't, 'p, 'a> {
    types: &'t Types<'p, 'a>,
    /// Per header, the headers that include it directly, in path order.
    includers: &'l [Vec<usize>],
    consulted: &'l RefCell<Consulted>,
    file: usize,
    path: &'l str,
    parsed: &'l ParsedHeader,
    items: &'l mut BTreeMap<ItemKey, Item>,
    /// Why the facts of an item put by `put_constant` are unresolved, typed (its facts say it in
    /// words): what `borrow_missing_definitions` looks for in other headers.
    causes: &'l mut HashMap<ItemKey, Cause>,
    enums: &'l mut Vec<EnumMembers>,
}

impl Lister<'_, '_, '_, '_> {
    fn put(
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
        self.items.insert(key, Item { line, facts, decl });
    }

    /// `put` for what `constant` computed, keeping the cause of unresolved facts.
    fn put_constant(
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

    fn header(&mut self, blob: &str) {
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

    fn defines(&mut self) {
        let unit = self.types.pp.units[self.file]
            .as_ref()
            .expect("all units built");
        let guards = include_guards(&self.parsed.nodes);
        for d in &unit.defines {
            // Include guards are not uAPI (headers_install even renames the `_UAPI` ones).
            if guards.contains(d.name.as_str()) {
                continue;
            }
            // Rebuilt rather than sliced: the parsed source has comments blanked and whitespace
            // moved inside directives.
            let body = d.body.split_whitespace().collect::<Vec<_>>().join(" ");
            let decl = format!(
                "#define {}{} {body}",
                d.name,
                d.params
                    .as_ref()
                    .map(|p| format!("({})", p.join(", ")))
                    .unwrap_or_default()
            )
            .trim_end()
            .to_string();
            let text = normalized(&d.body);
            if text.is_empty() {
                let facts = Facts::Value {
                    value: None,
                    text,
                    unresolved: None,
                    non_integer: Some(NonInteger::Empty),
                    context: None,
                };
                self.put(ItemKind::Define, None, &d.name, d.span.line, facts, decl);
                continue;
            }
            // Evaluated through its name, as code that uses it sees it: `#define X (X - 1)` after an
            // enumerator X is one less than the enumerator, not two.
            let constant = self.constant(&d.name, text);
            self.put_constant(constant, &d.name, d.span.line, decl);
        }
    }

    /// The value of a define (given by name) or enumerator (given by its expression): an ioctl if
    /// its expansion goes through `_IOC`. What its own header cannot compute for want of a macro or
    /// constant is computed as a header that includes it sees it, when one does (with the same
    /// definition of the name). With the cause of unresolved facts.
    fn constant(&self, expr: &str, text: String) -> (ItemKind, Facts, Option<Cause>) {
        let mut file = self.file;
        let mut result = self.types.eval(expr, file, IOCTL_MACROS);
        if result
            .as_ref()
            .is_err_and(|e| matches!(e.cause(), Cause::MissingMacro(_)))
        {
            self.consulted
                .borrow_mut()
                .includers
                .insert(self.path.to_string());
            let own =
                cpp::MacroTable::get(&self.types.macros(self.file), expr).map(|m| m as *const _);
            for &g in &self.includers[self.file] {
                let same_definition =
                    cpp::MacroTable::get(&self.types.macros(g), expr).map(|m| m as *const _) == own;
                if !same_definition {
                    continue;
                }
                if let Ok(found) = self.types.eval(expr, g, IOCTL_MACROS) {
                    file = g;
                    result = Ok(found);
                    break;
                }
            }
        }
        let context = (file != self.file).then(|| self.types.pp.paths[file].clone());
        let ioctl = match &result {
            Ok((_, expansion)) => expansion.invocations.iter().any(|i| i.name == "_IOC"),
            // An unresolved body that still names an ioctl macro is an ioctl of unknown number.
            Err(_) => cpp::tokenize(expr)
                .map(|toks| self.reaches_ioctl_macro(&toks))
                .unwrap_or(false),
        };
        if !ioctl {
            return match result {
                Ok((v, _)) => (
                    ItemKind::Define,
                    Facts::Value {
                        value: Some(v.value),
                        text,
                        unresolved: None,
                        non_integer: None,
                        context,
                    },
                    None,
                ),
                Err(e) => {
                    let non_integer = self.non_integer(expr, &e);
                    let cause = non_integer.is_none().then(|| e.cause().clone());
                    (
                        ItemKind::Define,
                        Facts::Value {
                            value: None,
                            text,
                            unresolved: non_integer.is_none().then(|| e.to_string()),
                            non_integer,
                            context: None,
                        },
                        cause,
                    )
                }
            };
        }
        let cause = result.as_ref().err().map(|e| e.cause().clone());
        (
            ItemKind::Ioctl,
            self.ioctl_facts(expr, result, file, context),
            cause,
        )
    }

    /// Why a constant that failed to evaluate is no integer constant at all, if it is not: its
    /// expansion is a string, a floating constant, a brace initializer, a compound literal, a
    /// pointer, or a type (`#define __kernel_ipc_pid_t __kernel_ipc_pid_t` after its typedef).
    fn non_integer(&self, expr: &str, error: &CppError) -> Option<NonInteger> {
        if let Cause::NotInteger(what) = error.cause() {
            return Some(match what {
                NotInteger::String => NonInteger::String,
                NotInteger::Floating => NonInteger::FloatingPoint,
                NotInteger::CompoundLiteral => NonInteger::CompoundLiteral,
                NotInteger::Pointer => NonInteger::Pointer,
                NotInteger::Initializer => NonInteger::Initializer,
                NotInteger::Empty => NonInteger::Empty,
            });
        }
        let tokens = cpp::tokenize(expr).ok()?;
        let expansion = cpp::expand(&tokens, &self.types.macros(self.file), &[]).ok()?;
        let member_path = expansion
            .tokens
            .iter()
            .any(|t| matches!(&*t.text, "." | "->"))
            && expansion.tokens.iter().all(|t| {
                matches!(t.kind, cpp::TokenKind::Ident | cpp::TokenKind::Number)
                    || matches!(&*t.text, "." | "->" | "[" | "]")
            });
        if member_path {
            // `#define ifr_name ifr_ifrn.ifrn_name`: a short name for a member.
            return Some(NonInteger::MemberAlias);
        }
        let tokens = &expansion.tokens;
        let scope = self.types.macros(self.file);
        if let Some([only]) = cpp::MacroTable::get(&scope, expr).map(|d| d.body.as_slice()) {
            if *only.text == *expr {
                // `#define __arch_swab32 __arch_swab32`: names the function of that name.
                return Some(NonInteger::FunctionOrObject);
            }
        }
        let at_top_level = |text: &str| cpp::find_top_level(tokens, text).is_some();
        if at_top_level(";") {
            // `__HANDLE_ITEM(tx); __HANDLE_ITEM(rx);`: code to paste into a definition.
            return Some(NonInteger::Statements);
        }
        if at_top_level(",") && matches!(error, CppError::Syntax(_)) {
            // map_to_7segment.h's `0,0,0,…,`: part of an array initializer.
            return Some(NonInteger::Initializer);
        }
        if let [name] = tokens.as_slice() {
            if self.types.is_tag(&name.text, self.file) {
                // `#define ipt_counters xt_counters`, used as `struct ipt_counters`.
                return Some(NonInteger::Tag);
            }
        }
        if let [ty @ .., name] = tokens.as_slice() {
            if !ty.is_empty()
                && name.kind == cpp::TokenKind::Ident
                && self.types.type_from_tokens(ty, self.file).is_some()
            {
                // `#define SEQ_PM_DEFINES int __foo_bar___`: a declaration.
                return Some(NonInteger::Declaration);
            }
        }
        match self.types.type_from_tokens(&expansion.tokens, self.file) {
            Some(_) => Some(NonInteger::Type),
            None if expansion
                .tokens
                .first()
                .is_some_and(|t| t.text.starts_with("__attribute")) =>
            {
                Some(NonInteger::Attribute)
            }
            None => None,
        }
    }

    fn reaches_ioctl_macro(&self, toks: &[Token]) -> bool {
        let scope = self.types.macros(self.file);
        // Expansion fails as a whole when an argument is unresolved; look at what is invoked.
        match cpp::expand(toks, &scope, IOCTL_MACROS) {
            Ok(e) => e
                .invocations
                .iter()
                .any(|i| IOCTL_MACROS.contains(&i.name.as_str())),
            Err(_) => false,
        }
    }

    /// An ioctl's facts, its arguments evaluated in `file` (its own header, or the includer whose
    /// path is `context`).
    fn ioctl_facts(
        &self,
        expr: &str,
        result: Result<(cpp::Value, cpp::Expansion), CppError>,
        file: usize,
        context: Option<String>,
    ) -> Facts {
        let (number, expansion, unresolved) = match result {
            Ok((v, e)) => (u64::try_from(v.value).ok(), Some(e), None),
            // The fields that do not depend on what failed (usually the struct's size) still count.
            Err(e) => (
                None,
                self.types.eval_keeping_expansion(expr, file, IOCTL_MACROS),
                Some(e.to_string()),
            ),
        };
        let ioc = expansion
            .as_ref()
            .and_then(|e| e.invocations.iter().find(|i| i.name == "_IOC"));
        let arg = |i: usize| -> Option<u64> {
            let toks = ioc?.expanded_args.get(i)?;
            self.types
                .eval(&cpp::tokens_to_string(toks), file, &[])
                .ok()
                .and_then(|(v, _)| u64::try_from(v.value).ok())
        };
        let arg_type = expansion.as_ref().and_then(|e| {
            e.invocations
                .iter()
                .find(|i| IOCTL_TYPED.contains(&i.name.as_str()))
                .and_then(|i| i.raw_args.get(2))
                .map(|t| cpp::tokens_to_string(t))
        });
        Facts::Ioctl {
            number,
            dir: arg(0).map(|d| self.direction(d, file)),
            ioc_type: arg(1),
            nr: arg(2),
            size: arg(3),
            arg_type,
            spelled: None,
            context,
            unresolved,
        }
    }

    /// `read`, `write`, `read|write` or `none`, from the tree's own `_IOC_READ`/`_IOC_WRITE`.
    fn direction(&self, dir: u64, file: usize) -> String {
        let value = |name: &str| {
            self.types
                .eval(name, file, &[])
                .ok()
                .map(|(v, _)| v.value as u64)
        };
        let (read, write) = (value("_IOC_READ"), value("_IOC_WRITE"));
        let mut parts = Vec::new();
        if read.is_some_and(|r| r != 0 && dir & r == r) {
            parts.push("read");
        }
        if write.is_some_and(|w| w != 0 && dir & w == w) {
            parts.push("write");
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join("|")
        }
    }

    fn decl(&mut self, decl: Decl) {
        match decl {
            Decl::Record(r) => self.record(r, None),
            Decl::Enum(e) => self.enumeration(e),
            Decl::Typedef(t) => self.typedef(t),
        }
    }

    fn record(&mut self, r: &Record, typedef_name: Option<&str>) {
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

    fn fields(&mut self, parent: &str, layout: &RecordLayout) {
        for f in &layout.fields {
            let facts = Facts::Field {
                offset: Some(f.offset),
                size: Some(f.size),
                ty: f.ty.clone(),
                bits: f.bits,
                unresolved: None,
            };
            let decl = format!("{} {};", f.ty, f.name);
            self.put(ItemKind::Field, Some(parent), &f.name, f.line, facts, decl);
        }
    }

    /// Without a layout, fields are still items: listed from the syntax, facts unresolved.
    fn fields_unresolved(&mut self, parent: &str, r: &Record, reason: &cpp::Reason) {
        let scope = self.types.macros(self.file);
        let mut live = Vec::new();
        scope::live_members(&r.members, &scope, self.types.arch.data_model, &mut live);
        let mut listed = Vec::new();
        collect_field_names(&live, "", &scope, self.types.arch, &mut listed);
        for (name, ty, line) in listed {
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
                format!("{ty} {name};"),
            );
        }
    }

    /// Named structs, unions and enums defined inside a record are file-scope items too.
    fn nested(&mut self, members: &[Node]) {
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

    fn enumeration(&mut self, e: &EnumDef) {
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
                    value: Some(v.value),
                    text,
                    unresolved: None,
                },
                Err(reason) => Facts::Value {
                    non_integer: None,
                    context: None,
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

    fn typedef(&mut self, t: &Typedef) {
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
fn collect_field_names(
    nodes: &[&Node],
    prefix: &str,
    scope: &MacroScope,
    arch: &Arch,
    out: &mut Vec<(String, String, u32)>,
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
            out.push((name.clone(), f.ty.display(), f.span.line));
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

/// Names tested by top-level `#ifndef` (include guards), whose empty defines are not items.
fn include_guards(nodes: &[Node]) -> BTreeSet<&str> {
    nodes
        .iter()
        .filter_map(|n| match n {
            Node::Conditional(bs) => match bs.first().map(|b| &b.condition) {
                Some(parse::Condition::Ifndef(name)) => Some(name.as_str()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A macro body as tokens separated by single spaces: comments and whitespace do not count.
pub fn normalized(body: &str) -> String {
    match cpp::tokenize(body) {
        Ok(tokens) => cpp::tokens_to_string(&tokens),
        Err(_) => body.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}
