//! The preprocessor's view of a revision: each header is preprocessed as its own translation unit
//! (as gcc sees `#include <linux/x.h>`), following `#include`s the way the kernel's build resolves
//! them and keeping only the `#if` branches that are live for the target. The result, per header:
//! the files it includes (transitively), the macros it defines, and its live declarations.

use super::arch::Arch;
use crate::cpp::{self, MacroDef, MacroTable};
use crate::parse::{Condition, Define, EnumDef, Node, ParsedHeader, Record, Typedef};
use std::collections::{HashMap, HashSet};

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
    pub fn union_with(&mut self, other: &FileSet) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}

/// A top-level declaration that is live in its header.
#[derive(Clone, Copy)]
pub enum Decl<'a> {
    Record(&'a Record),
    Enum(&'a EnumDef),
    Typedef(&'a Typedef),
}

/// One header after preprocessing.
#[derive(Default)]
pub struct Unit<'a> {
    /// Files it includes, directly or not.
    pub closure: FileSet,
    /// Files it includes directly (live `#include`s that resolve), and the implicit prelude.
    pub includes: Vec<usize>,
    /// Its own macros as they stand at the end of the file.
    pub macros: HashMap<String, MacroDef>,
    /// Its live object-like defines, in order (a redefinition replaces the earlier entry).
    pub defines: Vec<&'a Define>,
    pub decls: Vec<Decl<'a>>,
    /// Includes that name no header of the tree (libc's, generated ones), with their line.
    pub missing_includes: Vec<(String, u32)>,
    /// `#if` conditions that could not be evaluated (taken as false), with line and reason.
    pub bad_conditions: Vec<(u32, String)>,
}

/// Macro lookup for one header: its own macros, then those of the files it includes, then the
/// target's predefined macros.
pub struct MacroScope<'s, 'a> {
    pub own: &'s HashMap<String, MacroDef>,
    pub closure: &'s FileSet,
    pub undefined: Option<&'s HashSet<String>>,
    pub index: &'s HashMap<String, Vec<usize>>,
    pub units: &'s [Option<Unit<'a>>],
    pub predefined: &'s HashMap<String, MacroDef>,
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
        self.predefined.get(name)
    }
}

/// Preprocessor-only semantics: `#if` needs neither types nor enumerators.
pub struct NoTypes(pub cpp::DataModel);

impl cpp::Semantics for NoTypes {
    fn data_model(&self) -> cpp::DataModel {
        self.0
    }
    fn identifier(&self, _name: &str) -> Option<cpp::Value> {
        None
    }
    fn type_name(&self, _tokens: &[cpp::Token]) -> Option<Result<cpp::TypeInfo, String>> {
        None
    }
}

/// Maximum include nesting, as gcc's.
const MAX_INCLUDE_DEPTH: usize = 200;

/// Builds the units of all headers of a revision.
pub struct Preprocessor<'a> {
    pub arch: &'static Arch,
    pub paths: &'a [String],
    pub parsed: &'a [&'a ParsedHeader],
    path_index: HashMap<&'a str, usize>,
    pub units: Vec<Option<Unit<'a>>>,
    /// Macro name → files that define it, in file order.
    pub macro_index: HashMap<String, Vec<usize>>,
    pub predefined: HashMap<String, MacroDef>,
    in_progress: Vec<bool>,
}

impl<'a> Preprocessor<'a> {
    pub fn run(
        arch: &'static Arch,
        paths: &'a [String],
        parsed: &'a [&'a ParsedHeader],
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
            path_index: paths
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str(), i))
                .collect(),
            units: (0..paths.len()).map(|_| None).collect(),
            macro_index: HashMap::new(),
            predefined,
            in_progress: vec![false; paths.len()],
        };
        for i in 0..paths.len() {
            pp.unit(i, 0);
        }
        pp.close_includes();
        for names in pp.macro_index.values_mut() {
            names.sort_unstable();
        }
        pp
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

    /// A macro scope for header `file` once all units are built.
    pub fn scope(&self, file: usize) -> MacroScope<'_, 'a> {
        let unit = self.units[file]
            .as_ref()
            .expect("every unit is built by run()");
        MacroScope {
            own: &unit.macros,
            closure: &unit.closure,
            undefined: None,
            index: &self.macro_index,
            units: &self.units,
            predefined: &self.predefined,
        }
    }

    /// Where `#include` resolves, as the kernel's build resolves it for this architecture.
    pub fn resolve_include(&self, from: usize, target: &str, quoted: bool) -> Option<usize> {
        if quoted {
            let dir = self.paths[from].rsplit_once('/').map_or("", |(d, _)| d);
            if let Some(i) = self
                .path_index
                .get(normalize(&format!("{dir}/{target}")).as_str())
            {
                return Some(*i);
            }
        }
        let arch_dir = self.arch.dir();
        let mut candidates = vec![
            format!("arch/{arch_dir}/include/uapi/{target}"),
            format!("include/uapi/{target}"),
        ];
        if let Some(rest) = target.strip_prefix("asm/") {
            candidates.push(format!("include/uapi/asm-generic/{rest}"));
        }
        candidates
            .iter()
            .find_map(|c| self.path_index.get(c.as_str()).copied())
    }

    fn unit(&mut self, file: usize, depth: usize) {
        if self.units[file].is_some() || self.in_progress[file] || depth > MAX_INCLUDE_DEPTH {
            return;
        }
        self.in_progress[file] = true;
        let mut walk = Walk {
            file,
            unit: Unit::default(),
            undefined: HashSet::new(),
            depth,
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
        let parsed = self.parsed[file];
        self.walk(&parsed.nodes, &mut walk);
        let Walk { mut unit, .. } = walk;
        // Keep only the last definition of each live define.
        let mut seen = HashSet::new();
        unit.defines.reverse();
        unit.defines
            .retain(|d| unit.macros.contains_key(&d.name) && seen.insert(d.name.as_str()));
        unit.defines.reverse();
        for name in unit.macros.keys() {
            self.macro_index.entry(name.clone()).or_default().push(file);
        }
        self.units[file] = Some(unit);
        self.in_progress[file] = false;
    }

    fn walk(&mut self, nodes: &'a [Node], w: &mut Walk<'a>) {
        for node in nodes {
            match node {
                Node::Define(d) => {
                    let body = crate::parse::strip_install_annotations(&d.body);
                    let def = match &d.params {
                        None => MacroDef::object(&d.name, &body),
                        Some(params) => MacroDef::function(&d.name, params, d.variadic, &body),
                    };
                    match def {
                        Ok(def) => {
                            w.undefined.remove(&d.name);
                            w.unit.macros.insert(d.name.clone(), def);
                            if d.params.is_none() {
                                w.unit.defines.push(d);
                            }
                        }
                        Err(e) => w
                            .unit
                            .bad_conditions
                            .push((d.span.line, format!("#define {}: {e}", d.name))),
                    }
                }
                Node::Undef { name, .. } => {
                    w.unit.macros.remove(name);
                    w.undefined.insert(name.clone());
                }
                Node::Include {
                    target,
                    quoted,
                    line,
                } => match self.resolve_include(w.file, target, *quoted) {
                    Some(inc) if inc != w.file => {
                        self.unit(inc, w.depth + 1);
                        self.include(w, inc);
                    }
                    Some(_) => {}
                    None => w.unit.missing_includes.push((target.clone(), *line)),
                },
                Node::Conditional(branches) => {
                    for branch in branches {
                        if self.branch_taken(&branch.condition, branch.line, w) {
                            self.walk(&branch.nodes, w);
                            break;
                        }
                    }
                }
                Node::Record(r) => w.unit.decls.push(Decl::Record(r)),
                Node::Enum(e) => w.unit.decls.push(Decl::Enum(e)),
                Node::Typedef(t) => w.unit.decls.push(Decl::Typedef(t)),
                Node::Field(_) | Node::MacroMember { .. } | Node::Enumerator(_) => {}
            }
        }
    }

    fn include(&self, w: &mut Walk<'a>, inc: usize) {
        w.unit.includes.push(inc);
        w.unit.closure.insert(inc);
        if let Some(u) = &self.units[inc] {
            w.unit.closure.union_with(&u.closure);
        }
    }

    fn branch_taken(&self, condition: &Condition, line: u32, w: &mut Walk<'a>) -> bool {
        let scope = MacroScope {
            own: &w.unit.macros,
            closure: &w.unit.closure,
            undefined: Some(&w.undefined),
            index: &self.macro_index,
            units: &self.units,
            predefined: &self.predefined,
        };
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
    undefined: HashSet<String>,
    depth: usize,
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

/// Whether a branch is live; `Err` with the reason when its `#if` cannot be evaluated.
fn condition_holds(
    condition: &Condition,
    scope: &MacroScope,
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
