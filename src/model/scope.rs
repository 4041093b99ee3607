//! The preprocessor's view of a revision: each header is preprocessed as its own translation unit
//! (as gcc sees `#include <linux/x.h>`), following `#include`s the way the kernel's build resolves
//! them and keeping only the `#if` branches that are live for the target. The result, per header:
//! the files it includes (transitively), the macros it defines, and its live declarations.

use super::arch::Arch;
use crate::cpp::{self, MacroDef, MacroTable};
use crate::parse::{Branch, Condition, Define, EnumDef, Node, ParsedHeader, Record, Typedef};
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::sync::Arc;

mod defined;
pub use defined::DefinedMacros;

/// A set of file indices, as a bitset (a revision has ~1300 headers).
#[derive(Clone, Debug, Default)]
pub struct FileSet(Vec<u64>);

impl FileSet {
    pub fn insert(&mut self, i: usize) {
        if self.0.len() <= i / 64 {
            self.0.resize(i / 64 + 1, 0);
        }
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    pub fn intersects(&self, other: &FileSet) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
    pub fn union_with(&mut self, other: &FileSet) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}

/// The files whose units define a macro, ascending (most macros have one).
pub type MacroFiles = SmallVec<[usize; 1]>;

/// A header's macros by name, each as its `#define` made it (`DefinedMacros`).
pub type Macros<'a> = FxHashMap<&'a str, &'a MacroDef>;

/// A top-level declaration that is live in its header.
#[derive(Clone, Copy)]
pub enum Decl<'a> {
    Record(&'a Record),
    Enum(&'a EnumDef),
    Typedef(&'a Typedef),
}

impl Decl<'_> {
    pub fn span(&self) -> &crate::parse::Span {
        match self {
            Decl::Record(r) => r.decl_span.as_ref().unwrap_or(&r.span),
            Decl::Enum(e) => &e.span,
            Decl::Typedef(t) => &t.span,
        }
    }
}

/// One header after preprocessing.
#[derive(Default)]
pub struct Unit<'a> {
    /// Files it includes, directly or not.
    pub closure: FileSet,
    /// Files it includes directly (live `#include`s that resolve), and the implicit prelude.
    pub includes: Vec<usize>,
    /// Its own macros as they stand at the end of the file.
    pub macros: Macros<'a>,
    /// Its live object-like defines, in order (a redefinition replaces the earlier entry).
    pub defines: Vec<&'a Define>,
    pub decls: Vec<Decl<'a>>,
    /// The `#pragma pack` in force at each declaration of `decls`.
    pub packs: Vec<Option<u64>>,
    /// Declarations (by index in `decls`) whose text had to be macro-expanded to be read as the
    /// compiler reads it: the expanded text, or why expansion failed.
    pub expansions: Vec<(usize, Result<String, String>)>,
    /// `#if` conditions that could not be evaluated (taken as false), with line and reason.
    pub bad_conditions: Vec<(u32, String)>,
    /// Live defines chosen by kernel configuration (`Walk::configured`): name → the `CONFIG_*`
    /// symbols of the `#if` chains around their last definition, sorted.
    pub configured: FxHashMap<String, Vec<String>>,
    /// The includes that were still being built when it included them (an include cycle): it saw
    /// nothing of them, which depends on which header of the cycle the walk entered first, so on
    /// headers outside its closure (`listings::key` names them).
    pub included_unfinished: Vec<usize>,
}

/// Macro lookup for one header: its own macros, then those of the files it includes, then the
/// target's predefined macros, then (when evaluating items, never in `#if`) libc's.
pub struct MacroScope<'s, 'a> {
    pub own: &'s Macros<'a>,
    pub closure: Cow<'s, FileSet>,
    pub undefined: Option<&'s FxHashSet<String>>,
    pub index: &'s FxHashMap<&'a str, MacroFiles>,
    pub units: &'s [Option<Unit<'a>>],
    pub predefined: &'s FxHashMap<String, MacroDef>,
    /// The libc prelude's macros (`offsetof`, `INT_MAX`), for a header that uses them unincluded.
    pub libc: Option<&'s Macros<'a>>,
}

impl MacroTable for MacroScope<'_, '_> {
    fn get(&self, name: &str) -> Option<&MacroDef> {
        if let Some(m) = self.own.get(name) {
            return Some(m);
        }
        if self.undefined.is_some_and(|u| u.contains(name)) {
            return None;
        }
        if let Some(files) = self.index.get(name) {
            for &f in files {
                if self.closure.contains(f) {
                    if let Some(m) = self.units[f].as_ref().and_then(|u| u.macros.get(name)) {
                        return Some(m);
                    }
                }
            }
        }
        self.predefined
            .get(name)
            .or_else(|| self.libc.and_then(|m| m.get(name)).copied())
    }
}

pub use cpp::NoTypes;

/// Maximum include nesting, as gcc's.
const MAX_INCLUDE_DEPTH: usize = 200;

/// Builds the units of all headers of a revision.
pub struct Preprocessor<'a> {
    pub arch: &'static Arch,
    pub paths: &'a [String],
    pub parsed: &'a [&'a ParsedHeader],
    /// Per header, the macros its `#define`s make, kept across revisions when the caller keeps them.
    defined: &'a [Arc<DefinedMacros>],
    path_index: FxHashMap<&'a str, usize>,
    pub units: Vec<Option<Unit<'a>>>,
    /// Macro name → files that define it, in file order.
    pub macro_index: FxHashMap<&'a str, MacroFiles>,
    pub predefined: FxHashMap<String, MacroDef>,
    /// The libc prelude's index (`model::LIBC_PRELUDE`), when the revision's headers include it.
    pub libc: Option<usize>,
    in_progress: Vec<bool>,
    /// Per asm-generic header, the arch's own `asm/` header it is walked behind (`walk_behind_arch`).
    behind: Vec<Option<usize>>,
}

/// The libc headers uAPI headers include that the libc prelude stands for.
const LIBC_HEADERS: &[&str] = &[
    "endian.h",
    "limits.h",
    "stddef.h",
    "stdint.h",
    "sys/socket.h",
    "sys/time.h",
    "sys/types.h",
    "time.h",
];

impl<'a> Preprocessor<'a> {
    /// `defined`: one per path, the macros its header's `#define`s make (`DefinedMacros`).
    pub fn run(
        arch: &'static Arch,
        paths: &'a [String],
        parsed: &'a [&'a ParsedHeader],
        defined: &'a [Arc<DefinedMacros>],
    ) -> Preprocessor<'a> {
        let predefined = arch
            .predefined_macros()
            .filter_map(|(name, body)| {
                MacroDef::object(name, body)
                    .ok()
                    .map(|m| (name.to_string(), m))
            })
            .collect();
        let mut pp = Preprocessor {
            arch,
            paths,
            parsed,
            defined,
            path_index: paths
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str(), i))
                .collect(),
            units: (0..paths.len()).map(|_| None).collect(),
            // Sized for every `#define` the headers had at an earlier revision: growing rehashes.
            macro_index: FxHashMap::with_capacity_and_hasher(
                defined.iter().map(|d| d.len()).sum(),
                Default::default(),
            ),
            predefined,
            libc: paths.iter().position(|p| p == super::LIBC_PRELUDE),
            in_progress: vec![false; paths.len()],
            behind: vec![None; paths.len()],
        };
        // An arch's <asm/ioctl.h> defines its own `_IOC_*` widths, then includes asm-generic's,
        // whose defaults are `#ifndef`-guarded. Built first, asm-generic/ioctl.h gets that
        // <asm/ioctl.h> as its prelude, as gcc sees it; built from inside it, it would miss them.
        let generic_ioctl = pp
            .path_index
            .get("include/uapi/asm-generic/ioctl.h")
            .copied();
        for i in generic_ioctl.into_iter().chain(0..paths.len()) {
            pp.unit(i, 0);
        }
        pp.close_includes();
        pp.walk_behind_arch();
        pp.close_includes();
        pp
    }

    /// The general case of asm-generic/ioctl.h's: an arch's `asm/X.h` defines what it needs, then
    /// includes `asm-generic/X.h`, whose `#ifndef`-guarded defaults give way (x86's
    /// asm/bitsperlong.h defines `__BITS_PER_LONG` 64 first). A program reaches the generic header
    /// through the arch's, so each asm-generic header the arch's own header includes (directly or
    /// not) is walked again with that header as its prelude, as gcc sees it: its guarded defaults
    /// are then the arch's, and what it defines is what the arch's includer leaves. Done once every
    /// unit is built, so the result does not depend on which header reached it first.
    fn walk_behind_arch(&mut self) {
        for generic in 0..self.paths.len() {
            let Some(name) = self.paths[generic].strip_prefix("include/uapi/asm-generic/") else {
                continue;
            };
            let Some(own) = self.resolve_include(generic, &format!("asm/{name}"), false) else {
                continue;
            };
            let includes_it = self.units[own]
                .as_ref()
                .is_some_and(|u| u.closure.contains(generic));
            if own == generic || !includes_it {
                continue;
            }
            // What the first walk found unfinished shaped the units built while it stood (its
            // includers'), so the walk again keeps naming it.
            let mut first_unfinished = Vec::new();
            if let Some(unit) = self.units[generic].take() {
                for name in unit.macros.keys() {
                    if let Some(files) = self.macro_index.get_mut(name) {
                        files.retain(|f| *f != generic);
                    }
                }
                first_unfinished = unit.included_unfinished;
            }
            self.behind[generic] = Some(own);
            self.unit(generic, 0);
            if let Some(unit) = self.units[generic].as_mut() {
                first_unfinished.append(&mut unit.included_unfinished);
                unit.included_unfinished = first_unfinished;
            }
        }
    }

    /// Makes every closure transitive. A unit built while one of its includes was itself still
    /// being built (an include cycle, such as btrfs.h ↔ btrfs_tree.h) got that include's partial
    /// closure; gcc, which reads the whole cycle, sees everything.
    fn close_includes(&mut self) {
        loop {
            let mut changed = false;
            for f in 0..self.units.len() {
                let includes = self.units[f]
                    .as_ref()
                    .map(|u| u.includes.clone())
                    .unwrap_or_default();
                let mut closure = self.units[f]
                    .as_ref()
                    .map(|u| u.closure.clone())
                    .unwrap_or_default();
                let before = closure.clone();
                for inc in includes {
                    closure.insert(inc);
                    if let Some(u) = &self.units[inc] {
                        closure.union_with(&u.closure);
                    }
                }
                if closure.0 != before.0 {
                    changed = true;
                    if let Some(u) = self.units[f].as_mut() {
                        u.closure = closure;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// A macro scope for header `file` once all units are built; `borrowed`: headers it uses
    /// without including them, seen as if included first.
    pub fn scope(&self, file: usize, borrowed: Option<&FileSet>) -> MacroScope<'_, 'a> {
        let unit = self.units[file]
            .as_ref()
            .expect("every unit is built by run()");
        let closure = match borrowed {
            Some(extra) => {
                let mut closure = unit.closure.clone();
                closure.union_with(extra);
                Cow::Owned(closure)
            }
            None => Cow::Borrowed(&unit.closure),
        };
        MacroScope {
            own: &unit.macros,
            closure,
            undefined: None,
            index: &self.macro_index,
            units: &self.units,
            predefined: &self.predefined,
            libc: None,
        }
    }

    /// `scope`, falling back on the libc prelude's macros: for evaluating a value, never for an
    /// `#if` (a struct body's `#if defined(__BIG_ENDIAN)` must not see libc's `__BIG_ENDIAN`).
    pub fn value_scope(&self, file: usize, borrowed: Option<&FileSet>) -> MacroScope<'_, 'a> {
        MacroScope {
            libc: self
                .libc
                .and_then(|i| self.units[i].as_ref())
                .map(|u| &u.macros),
            ..self.scope(file, borrowed)
        }
    }

    /// Where `#include` resolves, as the kernel's build resolves it for this architecture.
    pub fn resolve_include(&self, from: usize, target: &str, quoted: bool) -> Option<usize> {
        resolve_in_tree(self.arch, &self.paths[from], target, quoted, |p| {
            self.path_index.get(p).copied()
        })
        .or_else(|| {
            self.libc
                .filter(|_| !quoted && LIBC_HEADERS.contains(&target))
        })
    }

    fn unit(&mut self, file: usize, depth: usize) {
        if self.units[file].is_some() || self.in_progress[file] || depth > MAX_INCLUDE_DEPTH {
            return;
        }
        self.in_progress[file] = true;
        let mut unit = Unit::default();
        // Sized for every `#define` of the header (known from the second revision of a walk on):
        // growing the table rehashes it.
        unit.macros.reserve(self.defined[file].len());
        let mut walk = Walk {
            file,
            unit,
            undefined: FxHashSet::default(),
            depth,
            pack: Vec::new(),
            configured: Vec::new(),
        };
        // Programs that issue ioctls include <sys/ioctl.h>, which brings in <asm/ioctl.h>; many uAPI
        // headers rely on that and use _IOW() without including it. It is an implicit prelude here,
        // as it is in the gcc harness.
        if let Some(prelude) = self.resolve_include(file, "asm/ioctl.h", false) {
            if prelude != file {
                self.unit(prelude, depth + 1);
                self.include(&mut walk, prelude);
            }
        }
        if let Some(own) = self.behind[file] {
            self.include(&mut walk, own);
        }
        let parsed = self.parsed[file];
        self.walk(&parsed.nodes, &mut walk);
        let Walk { mut unit, .. } = walk;
        // Keep only the last definition of each live define.
        let mut seen = FxHashSet::with_capacity_and_hasher(unit.defines.len(), Default::default());
        unit.defines.reverse();
        unit.defines
            .retain(|d| unit.macros.contains_key(d.name.as_str()) && seen.insert(d.name.as_str()));
        unit.defines.reverse();
        // Kept in file order as units complete, so that lookups made while later units are still
        // being walked (expanding a declaration) pick the same definition as lookups made after:
        // arch/<arch>/…/asm/ioctl.h's `_IOC_SIZEBITS` before asm-generic's.
        for name in unit.macros.keys() {
            let files = self.macro_index.entry(name).or_default();
            if let Err(pos) = files.binary_search(&file) {
                files.insert(pos, file);
            }
        }
        self.units[file] = Some(unit);
        self.in_progress[file] = false;
    }

    fn walk(&mut self, nodes: &'a [Node], w: &mut Walk<'a>) {
        for node in nodes {
            match node {
                Node::Define(d) => match self.defined[w.file].of(self.parsed[w.file], d) {
                    Some(Ok(def)) => {
                        w.undefined.remove(&d.name);
                        w.unit.macros.insert(&d.name, def);
                        if d.params.is_none() {
                            w.unit.defines.push(d);
                            if w.configured.is_empty() {
                                w.unit.configured.remove(&d.name);
                            } else {
                                let mut symbols = w.configured.clone();
                                symbols.sort();
                                symbols.dedup();
                                w.unit.configured.insert(d.name.clone(), symbols);
                            }
                        }
                    }
                    Some(Err(e)) => w
                        .unit
                        .bad_conditions
                        .push((d.span.line, format!("#define {}: {e}", d.name))),
                    // Never met (the slots are the header's own `#define`s): reported, not dropped.
                    None => w.unit.bad_conditions.push((
                        d.span.line,
                        format!("#define {}: not read (no slot for this directive)", d.name),
                    )),
                },
                Node::Undef { name, .. } => {
                    w.unit.macros.remove(name.as_str());
                    w.undefined.insert(name.clone());
                }
                Node::Include { target, quoted, .. } => {
                    match self.resolve_include(w.file, target, *quoted) {
                        Some(inc) if inc != w.file => {
                            self.unit(inc, w.depth + 1);
                            self.include(w, inc);
                        }
                        Some(_) => {}
                        // libc's and generated headers are not in the tree: what they would define
                        // stays unresolved where it is used, with that reason.
                        None => {}
                    }
                }
                Node::Conditional(branches) => {
                    let taken = branches
                        .iter()
                        .position(|b| self.branch_taken(&b.condition, b.line, w));
                    if let Some(taken) = taken {
                        let outer = w.configured.len();
                        let scope = self.walk_scope(w);
                        let chosen_by =
                            configuration_choice(branches, taken, &scope, self.arch.data_model);
                        w.configured.extend(chosen_by);
                        self.walk(&branches[taken].nodes, w);
                        w.configured.truncate(outer);
                    }
                }
                Node::Pragma { text, line } => self.pragma(text, *line, w),
                Node::Record(r) => self.declare(Decl::Record(r), w),
                Node::Enum(e) => self.declare(Decl::Enum(e), w),
                Node::Typedef(t) => self.declare(Decl::Typedef(t), w),
                Node::Field(_) | Node::MacroMember { .. } | Node::Enumerator(_) => {}
            }
        }
    }

    /// Records a live declaration with the `#pragma pack` in force. A definition the compiler would
    /// see differently once macros expand (member macros, ERROR regions, a declared name that is a
    /// macro such as `} __packed;`) is expanded here, with the macros as they stand at this point of
    /// the file: helpers like `__BPF_ENUM_FN` are `#undef`ined right after their use.
    fn declare(&self, decl: Decl<'a>, w: &mut Walk<'a>) {
        let scope = self.walk_scope(w);
        let is_macro = |name: &str| scope.get(name).is_some();
        let expand = match decl {
            Decl::Record(r) => r.needs_expansion || r.declared_names().into_iter().any(is_macro),
            Decl::Enum(e) => e.needs_expansion,
            Decl::Typedef(t) => t.ty.needs_expansion() || is_macro(&t.name),
        };
        if expand {
            let original = self.parsed[w.file].text(decl.span());
            let expanded = expand_definition(&original, &scope, self.arch);
            w.unit.expansions.push((w.unit.decls.len(), expanded));
        }
        w.unit.decls.push(decl);
        w.unit.packs.push(w.pack.last().copied().flatten());
    }

    /// `#pragma pack(N)`, `pack()`, `pack(push[, N])`, `pack(pop)`: the maximum member alignment.
    fn pragma(&self, text: &str, line: u32, w: &mut Walk<'a>) {
        let Some(args) = text.strip_prefix("pack").map(str::trim) else {
            return;
        };
        let inner = args.trim_start_matches('(').trim_end_matches(')');
        let parts: Vec<&str> = inner
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let value = |p: &str| p.parse::<u64>().ok();
        match parts.as_slice() {
            [] => {
                w.pack.clear();
            }
            ["push"] => {
                let current = w.pack.last().copied().flatten();
                w.pack.push(current);
            }
            ["push", n] => w.pack.push(value(n)),
            ["pop"] => {
                w.pack.pop();
            }
            [n] => match value(n) {
                Some(n) => {
                    w.pack.pop();
                    w.pack.push(Some(n));
                }
                None => w
                    .unit
                    .bad_conditions
                    .push((line, format!("#pragma {text}: not understood"))),
            },
            _ => w
                .unit
                .bad_conditions
                .push((line, format!("#pragma {text}: not understood"))),
        }
    }

    /// The macros visible at the current point of the walk.
    fn walk_scope<'s>(&'s self, w: &'s Walk<'a>) -> MacroScope<'s, 'a> {
        MacroScope {
            own: &w.unit.macros,
            closure: Cow::Borrowed(&w.unit.closure),
            undefined: Some(&w.undefined),
            index: &self.macro_index,
            units: &self.units,
            predefined: &self.predefined,
            libc: None,
        }
    }

    fn include(&self, w: &mut Walk<'a>, inc: usize) {
        w.unit.includes.push(inc);
        w.unit.closure.insert(inc);
        match &self.units[inc] {
            Some(u) => w.unit.closure.union_with(&u.closure),
            None => w.unit.included_unfinished.push(inc),
        }
    }

    fn branch_taken(&self, condition: &Condition, line: u32, w: &mut Walk<'a>) -> bool {
        let scope = self.walk_scope(w);
        match condition_holds(condition, &scope, self.arch.data_model) {
            Ok(taken) => taken,
            Err(reason) => {
                w.unit.bad_conditions.push((line, reason));
                false
            }
        }
    }
}

struct Walk<'a> {
    file: usize,
    unit: Unit<'a>,
    undefined: FxHashSet<String>,
    depth: usize,
    /// The `#pragma pack` stack; the last entry is in force (`None`: natural alignment).
    pack: Vec<Option<u64>>,
    /// The `CONFIG_*` symbols of the `#if` chains around the point walked that choose what
    /// userspace sees (`configuration_choice`).
    configured: Vec<String>,
}

/// The kernel configuration symbols (`CONFIG_*`) that choose among `branches` when the branch
/// userspace takes (`taken`, none of them defined, as headers_install leaves them) is not the
/// one every configuration takes: `#if defined(CONFIG_IA32_EMULATION) ||
/// !defined(CONFIG_X86_64)`, whose `AT_VECTOR_SIZE_ARCH` is the kernel's count for the build,
/// not a fact of the interface. Empty when the chain tests none, or when every combination of
/// them takes the same branch (`defined(__KERNEL__) && defined(CONFIG_CPU_V7M)`).
fn configuration_choice(
    branches: &[Branch],
    taken: usize,
    scope: &MacroScope,
    model: cpp::DataModel,
) -> Vec<String> {
    let mut symbols: Vec<&str> = branches
        .iter()
        .flat_map(|b| config_symbols(&b.condition))
        .collect();
    symbols.sort_unstable();
    symbols.dedup();
    if symbols.is_empty() {
        return Vec::new();
    }
    let chosen = symbols.len() > MAX_CONFIG_SYMBOLS
        || (1u32..1 << symbols.len()).any(|set| {
            let defined: FxHashMap<String, MacroDef> = (symbols.iter().enumerate())
                .filter(|(k, _)| set >> k & 1 == 1)
                .filter_map(|(_, s)| Some((s.to_string(), MacroDef::object(s, "1").ok()?)))
                .collect();
            let table = Configured {
                defined,
                base: scope,
            };
            let choice = branches
                .iter()
                .position(|b| condition_holds(&b.condition, &table, model).unwrap_or(false));
            choice != Some(taken)
        });
    match chosen {
        true => symbols.into_iter().map(str::to_string).collect(),
        false => Vec::new(),
    }
}

/// More `CONFIG_*` symbols than this in one `#if` chain are taken to choose without trying each
/// combination of them (2^n evaluations).
const MAX_CONFIG_SYMBOLS: usize = 6;

/// The `CONFIG_*` names a condition tests.
fn config_symbols(condition: &Condition) -> Vec<&str> {
    let text = match condition {
        Condition::If(expr) => expr.as_str(),
        Condition::Ifdef(name) | Condition::Ifndef(name) => name.as_str(),
        Condition::Else => "",
    };
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("CONFIG_"))
        .collect()
}

/// A header's macros with some kernel configuration symbols defined, as a kernel build sees them.
struct Configured<'s> {
    defined: FxHashMap<String, MacroDef>,
    base: &'s dyn MacroTable,
}

impl MacroTable for Configured<'_> {
    fn get(&self, name: &str) -> Option<&MacroDef> {
        self.defined.get(name).or_else(|| self.base.get(name))
    }
}

/// Evaluates a record or enum body's own `#if` branches (fields and enumerators inside
/// conditionals) with the header's final macros, and returns the live members in order.
pub fn live_members<'n>(
    nodes: &'n [Node],
    scope: &MacroScope,
    model: cpp::DataModel,
    out: &mut Vec<&'n Node>,
) {
    for node in nodes {
        match node {
            Node::Conditional(branches) => {
                for branch in branches {
                    // A condition that cannot be evaluated was reported at file level; false here.
                    if condition_holds(&branch.condition, scope, model).unwrap_or(false) {
                        live_members(&branch.nodes, scope, model, out);
                        break;
                    }
                }
            }
            other => out.push(other),
        }
    }
}

/// Expands the macros of a definition's text. Preprocessor lines inside it (`#if` around
/// members) are evaluated and removed first, since they cannot go through the expander.
pub fn expand_definition(text: &str, scope: &MacroScope, arch: &Arch) -> Result<String, String> {
    let mut kept = String::new();
    // One entry per open `#if`: (this branch live, some branch already taken).
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    for line in joined.lines() {
        let trimmed = line.trim_start();
        let outer_live = stack.iter().all(|(live, _)| *live);
        let Some(directive) = trimmed.strip_prefix('#') else {
            if outer_live {
                kept.push_str(line);
            }
            kept.push('\n');
            continue;
        };
        kept.push('\n');
        let directive = directive.trim_start();
        let word_len = directive
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let (word, rest) = directive.split_at(word_len);
        // The same condition semantics as the walk's, through `condition_holds`.
        let holds = |condition: Condition| condition_holds(&condition, scope, arch.data_model);
        let parent_live = |stack: &[(bool, bool)]| stack.iter().all(|(live, _)| *live);
        match word {
            "if" | "ifdef" | "ifndef" => {
                let condition = match word {
                    "if" => Condition::If(rest.to_string()),
                    "ifdef" => Condition::Ifdef(rest.trim().to_string()),
                    _ => Condition::Ifndef(rest.trim().to_string()),
                };
                let live = parent_live(&stack) && holds(condition)?;
                stack.push((live, live));
            }
            "elif" | "else" => {
                let Some((_, taken)) = stack.pop() else {
                    return Err(format!("#{word} without #if"));
                };
                let condition = if word == "else" {
                    Condition::Else
                } else {
                    Condition::If(rest.to_string())
                };
                let now = parent_live(&stack) && !taken && holds(condition)?;
                stack.push((now, taken || now));
            }
            "endif" => {
                stack.pop().ok_or("#endif without #if")?;
            }
            _ => {} // #define/#undef were taken out at parse time; others are not declarations
        }
    }
    let tokens = cpp::tokenize(&kept).map_err(|e| e.to_string())?;
    let expansion = cpp::expand(&tokens, scope, &[]).map_err(|e| e.to_string())?;
    let mut out = cpp::tokens_to_string(&expansion.tokens);
    out.push(';');
    Ok(out)
}

/// Whether a branch is live; `Err` with the reason when its `#if` cannot be evaluated.
fn condition_holds(
    condition: &Condition,
    scope: &dyn MacroTable,
    model: cpp::DataModel,
) -> Result<bool, String> {
    match condition {
        Condition::Else => Ok(true),
        Condition::Ifdef(name) => Ok(scope.get(name).is_some()),
        Condition::Ifndef(name) => Ok(scope.get(name).is_none()),
        Condition::If(expr) => cpp::eval_condition(expr, scope, &NoTypes(model))
            .map_err(|e| format!("#if {}: {e}", expr.trim())),
    }
}

/// Where `#include` in the header at `from` resolves among a revision's headers (libc's aside), as
/// the kernel's build resolves it for `arch`: `index` gives the index of a path the revision has.
/// Which `asm/` header is meant depends on which paths exist.
pub fn resolve_in_tree(
    arch: &Arch,
    from: &str,
    target: &str,
    quoted: bool,
    index: impl Fn(&str) -> Option<usize>,
) -> Option<usize> {
    if quoted {
        let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
        if let Some(i) = index(normalize(&format!("{dir}/{target}")).as_str()) {
            return Some(i);
        }
    }
    let arch_dir = arch.dir();
    let mut candidates = vec![
        format!("arch/{arch_dir}/include/uapi/{target}"),
        format!("include/uapi/{target}"),
    ];
    if let Some(rest) = target.strip_prefix("asm/") {
        candidates.push(format!("include/uapi/asm-generic/{rest}"));
    }
    candidates.iter().find_map(|c| index(c.as_str()))
}

/// `a/./b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}
