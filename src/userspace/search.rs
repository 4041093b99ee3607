//! The scan itself: the tree's code files (a parallel walk that respects `.gitignore`), and one
//! multi-pattern search per file over its lexed code for every name looked for.

use super::lex::{lex, Lexed};
use super::{Query, TreeInfo, TreeKind, TreeScan, SHOWN};
use crate::change::ItemKind;
use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The extensions of the C and C++ files read, and of those the headers.
const CODE: &[&str] = &["c", "h", "cc", "cpp", "cxx", "hh", "hpp", "hxx", "inl"];
const HEADERS: &[&str] = &["h", "hh", "hpp", "hxx", "inl"];
/// Directories whose files are tests, and the macros that define tests.
const TEST_DIRS: &[&str] = &["test", "tests", "selftests"];
const TEST_MACROS: &[&str] = &[
    "igt_main",
    "igt_simple_main",
    "igt_main_args",
    "igt_simple_main_args",
    "TEST",
    "TEST_F",
    "TEST_P",
];

/// A code file of the tree, with what the cache stamps it by.
pub struct CodeFile {
    /// Relative to the tree, `/`-separated.
    pub rel: String,
    pub path: PathBuf,
    pub len: u64,
    /// Modification time, nanoseconds since the epoch (0 when unknown).
    pub mtime: u128,
}

/// Lists the tree's code files in path order; what cannot be listed becomes a warning.
pub fn list_code_files(root: &Path) -> (Vec<CodeFile>, Vec<String>) {
    let files = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    ignore::WalkBuilder::new(root)
        .require_git(false)
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        warnings.lock().expect("warnings").push(e.to_string());
                        return ignore::WalkState::Continue;
                    }
                };
                let is_code = entry
                    .path()
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| CODE.contains(&e));
                let read = is_code || man_page(entry.path()).is_some();
                if !entry.file_type().is_some_and(|t| t.is_file()) || !read {
                    return ignore::WalkState::Continue;
                }
                let path = entry.path().to_path_buf();
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let meta = entry.metadata().ok();
                let mtime = meta
                    .as_ref()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                files.lock().expect("files").push(CodeFile {
                    rel,
                    path,
                    len: meta.map_or(0, |m| m.len()),
                    mtime,
                });
                ignore::WalkState::Continue
            })
        });
    let mut files = files.into_inner().expect("files");
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut warnings = warnings.into_inner().expect("warnings");
    warnings.sort();
    (files, warnings)
}

/// The name a section-2 man page documents: `NAME` of `…/man2/NAME.2` (man-pages' layout).
fn man_page(path: &Path) -> Option<&str> {
    let parent = path.parent()?.file_name()?.to_str()?;
    let name = path.file_name()?.to_str()?.strip_suffix(".2")?;
    (parent == "man2" && !name.is_empty()).then_some(name)
}

/// What an identifier pattern stands for.
#[derive(Clone, Copy)]
enum Ident {
    /// Query's own name (ioctl macro, tag, define, enumerator, typedef).
    Name(usize),
    /// An ioctl's DRM command index.
    CommandIndex(usize),
    /// A field's name: counts after `.` or `->` in a file that names the struct.
    Member(usize),
    /// A struct a field belongs to (a name a copy declares, and what a member use needs).
    Parent,
    /// A test-defining macro.
    TestMacro,
}

/// What a string literal's contents stand for.
#[derive(Clone, Copy)]
enum Literal {
    Property(usize),
    /// A property value: counts in a file that also names the property (this literal).
    Value(usize, usize),
    /// A property a value belongs to.
    Parent,
}

pub struct Searcher {
    automaton: AhoCorasick,
    idents: Vec<Vec<Ident>>,
    /// Per field query: the identifier pattern of its struct.
    member_parent: HashMap<usize, usize>,
    literals: HashMap<Vec<u8>, usize>,
    literal_roles: Vec<Vec<Literal>>,
    /// Header file name → queries.
    headers: HashMap<String, Vec<usize>>,
    /// Syscall name → queries: its man page (`man2/NAME.2`) is a use.
    man_pages: HashMap<String, Vec<usize>>,
    queries: usize,
    fingerprint: String,
}

/// Interns `key` in a pattern table, returning its index.
fn intern<K: std::hash::Hash + Eq, R>(
    map: &mut HashMap<K, usize>,
    roles: &mut Vec<Vec<R>>,
    key: K,
) -> usize {
    *map.entry(key).or_insert_with(|| {
        roles.push(Vec::new());
        roles.len() - 1
    })
}

impl Searcher {
    pub fn new(queries: &[Query]) -> Searcher {
        let mut ident_ids: HashMap<String, usize> = HashMap::new();
        let mut idents: Vec<Vec<Ident>> = Vec::new();
        let mut literals: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literal_roles: Vec<Vec<Literal>> = Vec::new();
        let mut member_parent = HashMap::new();
        let mut headers: HashMap<String, Vec<usize>> = HashMap::new();
        let mut man_pages: HashMap<String, Vec<usize>> = HashMap::new();
        let mut fingerprint = String::new();
        for (q, query) in queries.iter().enumerate() {
            let mut ident = |name: &str, role: Ident| {
                let i = intern(&mut ident_ids, &mut idents, name.to_string());
                idents[i].push(role);
                i
            };
            match query.kind {
                ItemKind::Header => {
                    let file = query.name.rsplit('/').next().unwrap_or(&query.name);
                    headers.entry(file.to_string()).or_default().push(q);
                }
                ItemKind::Property => {
                    let i = intern(&mut literals, &mut literal_roles, query.name.clone().into());
                    literal_roles[i].push(Literal::Property(q));
                }
                ItemKind::PropertyValue => match &query.parent {
                    Some(property) => {
                        let p = intern(&mut literals, &mut literal_roles, property.clone().into());
                        literal_roles[p].push(Literal::Parent);
                        let i =
                            intern(&mut literals, &mut literal_roles, query.name.clone().into());
                        literal_roles[i].push(Literal::Value(q, p));
                    }
                    None => {
                        let i =
                            intern(&mut literals, &mut literal_roles, query.name.clone().into());
                        literal_roles[i].push(Literal::Property(q));
                    }
                },
                ItemKind::Field => match &query.parent {
                    Some(parent) => {
                        let p = ident(parent, Ident::Parent);
                        member_parent.insert(q, p);
                        ident(&query.name, Ident::Member(q));
                    }
                    None => {
                        ident(&query.name, Ident::Name(q));
                    }
                },
                ItemKind::Syscall => {
                    // The wrapper's name, the number's macros (`syscall(__NR_x)`, `SYS_x`), the
                    // man page.
                    for name in [
                        query.name.clone(),
                        format!("__NR_{}", query.name),
                        format!("SYS_{}", query.name),
                    ] {
                        ident(&name, Ident::Name(q));
                    }
                    man_pages.entry(query.name.clone()).or_default().push(q);
                }
                _ => {
                    ident(&query.name, Ident::Name(q));
                    if let Some(index) = query.command_index() {
                        ident(index, Ident::CommandIndex(q));
                    }
                }
            }
            fingerprint.push_str(&format!(
                "{}\t{}\t{}\t{}\n",
                query.kind.as_str(),
                query.name,
                query.parent.as_deref().unwrap_or(""),
                query.command_index().unwrap_or("")
            ));
        }
        for m in TEST_MACROS {
            let i = intern(&mut ident_ids, &mut idents, m.to_string());
            idents[i].push(Ident::TestMacro);
        }
        let mut names: Vec<(String, usize)> = ident_ids.into_iter().collect();
        names.sort_by_key(|(_, i)| *i);
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(names.iter().map(|(n, _)| n))
            .expect("identifier patterns build");
        Searcher {
            automaton,
            idents,
            member_parent,
            literals,
            literal_roles,
            headers,
            man_pages,
            queries: queries.len(),
            fingerprint,
        }
    }

    /// What the result depends on besides the tree: the queries as searched.
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// Reads and searches every file, in parallel.
    pub fn scan(&self, files: &[CodeFile], warnings: &mut Vec<String>) -> Scanned {
        let per_file: Vec<(FileHits, Option<String>)> = files
            .par_iter()
            .map(|f| match std::fs::read(&f.path) {
                Ok(bytes) => {
                    let warning = std::str::from_utf8(&bytes)
                        .is_err()
                        .then(|| format!("{}: not UTF-8 text (scanned as bytes)", f.rel));
                    (self.search_file(&f.rel, &bytes), warning)
                }
                Err(e) => (
                    FileHits::default(),
                    Some(format!("{}: cannot read: {e}", f.rel)),
                ),
            })
            .collect();
        let mut scanned = Scanned {
            places: vec![BTreeSet::new(); self.queries],
            files_using: 0,
            test_files_using: 0,
        };
        for (f, (hits, warning)) in files.iter().zip(per_file) {
            warnings.extend(warning);
            if hits.places.is_empty() {
                continue;
            }
            scanned.files_using += 1;
            scanned.test_files_using += usize::from(hits.is_test);
            for (q, line) in hits.places {
                scanned.places[q].insert((f.rel.clone(), line));
            }
        }
        scanned
    }

    /// The uses in one file (none in a copy of a uAPI header); a man page is a use of the
    /// syscall it documents, at its first line.
    pub fn search_file(&self, rel: &str, src: &[u8]) -> FileHits {
        if let Some(name) = man_page(Path::new(rel)) {
            let queries = self.man_pages.get(name).into_iter().flatten();
            return FileHits {
                places: queries.map(|&q| (q, 1)).collect(),
                is_test: false,
            };
        }
        let Lexed { code, literals } = lex(src);
        let lines = LineIndex::new(src);
        let mut hits = FileHits {
            is_test: rel.split('/').rev().skip(1).any(|d| TEST_DIRS.contains(&d)),
            ..FileHits::default()
        };
        let mut declares = false;
        // Identifier matches that are not declarations, by pattern.
        let mut found: Vec<(usize, usize)> = Vec::new();
        let mut named = vec![false; self.idents.len()];
        for m in self.automaton.find_iter(&code) {
            let (start, end) = (m.start(), m.end());
            if is_ident_byte(start.checked_sub(1).map(|i| code[i]))
                || is_ident_byte(code.get(end).copied())
            {
                continue;
            }
            let p = m.pattern().as_usize();
            let roles = &self.idents[p];
            if roles.iter().all(|r| matches!(r, Ident::TestMacro)) {
                let is_macro_call =
                    !code[start].is_ascii_uppercase() || next_byte(&code, end) == Some(b'(');
                hits.is_test |= is_macro_call;
                continue;
            }
            if is_declaration(&code, start, end) {
                declares = true;
                continue;
            }
            named[p] = true;
            found.push((p, start));
        }
        let is_header = rel
            .rsplit_once('.')
            .is_some_and(|(_, ext)| HEADERS.contains(&ext));
        if declares && is_header {
            return FileHits {
                is_test: hits.is_test,
                ..FileHits::default()
            };
        }
        for (p, start) in found {
            for role in &self.idents[p] {
                let q = match *role {
                    Ident::Name(q) | Ident::CommandIndex(q) => q,
                    Ident::Member(q)
                        if is_member_access(&code, start) && named[self.member_parent[&q]] =>
                    {
                        q
                    }
                    _ => continue,
                };
                hits.places.push((q, lines.line(start)));
            }
        }
        let lit_found: Vec<(usize, usize)> = literals
            .iter()
            .filter_map(|&(s, e)| self.literals.get(&src[s..e]).map(|&l| (l, s)))
            .collect();
        let lit_named: BTreeSet<usize> = lit_found.iter().map(|&(l, _)| l).collect();
        for &(l, start) in &lit_found {
            for role in &self.literal_roles[l] {
                let q = match *role {
                    Literal::Property(q) => q,
                    Literal::Value(q, parent) if lit_named.contains(&parent) => q,
                    _ => continue,
                };
                hits.places.push((q, lines.line(start)));
            }
        }
        if !self.headers.is_empty() {
            for (target, at) in includes(&code, src) {
                let file = target.rsplit('/').next().unwrap_or(target);
                for &q in self.headers.get(file).into_iter().flatten() {
                    hits.places.push((q, lines.line(at)));
                }
            }
        }
        hits
    }
}

#[derive(Default)]
pub struct FileHits {
    /// (query, line) for each use.
    pub places: Vec<(usize, u32)>,
    pub is_test: bool,
}

/// All files' uses, per query: distinct (file, line) places in order.
pub struct Scanned {
    places: Vec<BTreeSet<(String, u32)>>,
    files_using: usize,
    test_files_using: usize,
}

impl Scanned {
    pub fn into_tree_scan(
        self,
        path: String,
        commit: Option<String>,
        files: usize,
        warnings: Vec<String>,
    ) -> TreeScan {
        let kind = if self.files_using > 0 && 2 * self.test_files_using >= self.files_using {
            TreeKind::TestSuite
        } else {
            TreeKind::Userspace
        };
        let uses: Vec<(usize, Vec<String>)> = self
            .places
            .iter()
            .map(|p| {
                let first = p
                    .iter()
                    .take(SHOWN)
                    .map(|(f, l)| format!("{f}:{l}"))
                    .collect();
                (p.len(), first)
            })
            .collect();
        TreeScan {
            info: TreeInfo {
                path,
                kind,
                commit,
                files,
                files_using: self.files_using,
                test_files_using: self.test_files_using,
                items_used: uses.iter().filter(|(n, _)| *n > 0).count(),
                warnings,
            },
            uses,
        }
    }
}

fn is_ident_byte(b: Option<u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn next_byte(code: &[u8], from: usize) -> Option<u8> {
    code[from..]
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
}

/// The code before `at`, whitespace skipped backwards: the index just past the last other byte.
fn skip_space_back(code: &[u8], at: usize) -> usize {
    let mut i = at;
    while i > 0 && code[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    i
}

/// `#define NAME`, or `struct|union|enum NAME {`.
fn is_declaration(code: &[u8], start: usize, end: usize) -> bool {
    let before = skip_space_back(code, start);
    let word_before = |w: &[u8]| {
        before >= w.len()
            && &code[before - w.len()..before] == w
            && !is_ident_byte((before - w.len()).checked_sub(1).map(|i| code[i]))
    };
    if word_before(b"define") {
        let hash = skip_space_back(code, before - b"define".len());
        return hash > 0 && code[hash - 1] == b'#';
    }
    (word_before(b"struct") || word_before(b"union") || word_before(b"enum"))
        && next_byte(code, end) == Some(b'{')
}

/// `.name` or `->name`.
fn is_member_access(code: &[u8], start: usize) -> bool {
    let before = skip_space_back(code, start);
    before > 0 && (code[before - 1] == b'.' || (before > 1 && &code[before - 2..before] == b"->"))
}

/// Each `#include <…>` or `#include "…"`: its target and offset.
fn includes<'a>(code: &[u8], src: &'a [u8]) -> Vec<(&'a str, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in code.split(|&b| b == b'\n') {
        let start = offset;
        offset += line.len() + 1;
        let trimmed = line.trim_ascii_start();
        let Some(rest) = trimmed.strip_prefix(b"#") else {
            continue;
        };
        let Some(rest) = rest.trim_ascii_start().strip_prefix(b"include") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let close = match rest.first() {
            Some(b'<') => b'>',
            Some(b'"') => b'"',
            _ => continue,
        };
        let open_at = start + (line.len() - rest.len()) + 1;
        let text = &src[open_at..start + line.len()];
        if let Some(len) = text.iter().position(|&b| b == close) {
            if let Ok(target) = std::str::from_utf8(&text[..len]) {
                out.push((target, open_at));
            }
        }
    }
    out
}

/// Byte offset → 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(src: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', src).map(|i| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> u32 {
        self.starts.partition_point(|&s| s <= offset) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(kind: ItemKind, name: &str, parent: Option<&str>, decl: Option<&str>) -> Query {
        Query {
            kind,
            name: name.to_string(),
            parent: parent.map(str::to_string),
            decl: decl.map(str::to_string),
        }
    }

    fn queries() -> Vec<Query> {
        vec![
            query(
                ItemKind::Ioctl,
                "DRM_IOCTL_TOY_QUERY",
                None,
                Some("#define DRM_IOCTL_TOY_QUERY DRM_IOWR(DRM_COMMAND_BASE + DRM_TOY_QUERY, struct drm_toy_query)"),
            ),
            query(ItemKind::Struct, "drm_toy_query", None, None),
            query(ItemKind::Field, "extensions", Some("drm_toy_query"), None),
            query(ItemKind::Property, "TOY MODE", None, None),
            query(ItemKind::PropertyValue, "Fast", Some("TOY MODE"), None),
            query(ItemKind::Header, "include/uapi/drm/toy_drm.h", None, None),
            query(ItemKind::Define, "TOY_FLAG", None, None),
        ]
    }

    fn uses(rel: &str, src: &str) -> (Vec<(usize, u32)>, bool) {
        let s = Searcher::new(&queries());
        let hits = s.search_file(rel, src.as_bytes());
        let mut places = hits.places;
        places.sort();
        (places, hits.is_test)
    }

    #[test]
    fn each_kind_is_found_in_code_only() {
        let src = "#include \"toy_drm.h\"\n\
/* DRM_IOCTL_TOY_QUERY in a comment */\n\
static void f(int fd) {\n\
\tstruct drm_toy_query q = { .extensions = 0 };\n\
\tdrmCommandWriteRead(fd, DRM_TOY_QUERY, &q, sizeof(q)); // TOY_FLAG\n\
\tprintf(\"DRM_IOCTL_TOY_QUERY\");\n\
\tset_prop(\"TOY MODE\", \"Fast\");\n\
\tioctl(fd, DRM_IOCTL_TOY_QUERY, &q); x.extensionsX = 1; TOY_FLAGS;\n\
}\n";
        let (places, is_test) = uses("src/toy.c", src);
        assert_eq!(
            places,
            [(0, 5), (0, 8), (1, 4), (2, 4), (3, 7), (4, 7), (5, 1),]
        );
        assert!(!is_test);
    }

    #[test]
    fn members_need_their_struct_and_values_their_property() {
        let (places, _) = uses("a.c", "x->extensions = 1;\nset(\"Fast\");\n");
        assert!(places.is_empty(), "{places:?}");
        let (places, _) = uses(
            "a.c",
            "struct drm_toy_query *x;\nx->extensions = 1; y.extensions;\n",
        );
        assert_eq!(places, [(1, 1), (2, 2), (2, 2)]);
    }

    #[test]
    fn copies_and_declarations_do_not_count() {
        // A header that declares a searched name is a copy: nothing in it counts.
        let copy = "#define DRM_TOY_QUERY 0x00\n#define DRM_IOCTL_TOY_QUERY DRM_IOWR(DRM_COMMAND_BASE + DRM_TOY_QUERY, struct drm_toy_query)\n#define TOY_FLAG 1\n";
        assert!(uses("vendor/uapi/whatever.h", copy).0.is_empty());
        assert!(
            uses("b.h", "struct drm_toy_query {\n\t__u64 extensions;\n};\n")
                .0
                .is_empty()
        );
        // In a program, a fallback definition is not a use; the uses after it are.
        let (places, _) = uses(
            "t.c",
            "#ifndef TOY_FLAG\n#define TOY_FLAG 1\n#endif\nf(TOY_FLAG);\n",
        );
        assert_eq!(places, [(6, 1), (6, 4)]);
        // A header that only uses names is no copy.
        let (places, _) = uses(
            "lib/x.h",
            "static inline int g(void) { return TOY_FLAG; }\n",
        );
        assert_eq!(places, [(6, 1)]);
    }

    #[test]
    fn tests_are_told_by_directory_or_macro() {
        assert!(uses("tests/kms_toy.c", "int x;").1);
        assert!(uses("kms_toy.c", "igt_main\n{\n}\n").1);
        assert!(uses("x.cpp", "TEST (Toy, Query) {}").1);
        assert!(!uses("x.c", "int TEST = 1;").1);
        assert!(!uses("tests.c", "int x;").1);
    }
}
