//! Attribution: for each checklist item, the commit on the path OLD..NEW that introduced it, with
//! that commit's evidence trailers (`Link:`, `Userspace:`, `Mesa MR:`…) as candidate evidence.
//!
//! Identity is a syntax-level question, so no whole-tree model is built per commit: only the files
//! of checklist items are followed, only blobs those commits change are read, and each distinct
//! blob is parsed once (headers through the shared `ParseCache`; C sources are searched for the
//! property's name string). For each blob the item keys it declares are listed with a signature of
//! their text. An added item is introduced by the first commit after which its file declares it;
//! a changed item by the first commit after which its declaration (for an ioctl: with its argument
//! struct) reads as it does at NEW; a removed item by the first commit after which its file (at
//! OLD) no longer declares it.

use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::error::Error;
use crate::evidence::{trailers, Trailer};
use crate::parse::{BaseType, EnumDef, Node, ParsedHeader, Record};
use crate::pipeline::ParseCache;
use crate::source::{self, BlobId, CommitInfo, FileEntry, Selection, Tree};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

/// The commit that introduced an item.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Introduced {
    pub commit: String,
    pub author: String,
    pub date: String,
    pub subject: String,
    /// Evidence trailers of the commit message: candidate evidence, to be checked and recorded.
    pub trailers: Vec<Trailer>,
    /// `--series`: the patch (N/M, Message-ID); `commit` is then the commit its `git
    /// format-patch` separator names, or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<source::PatchRef>,
}

#[derive(Debug, Default)]
pub struct Attribution {
    /// Commits on the path that touch a checklist item's file.
    pub commits: usize,
    /// Distinct blobs read along the path.
    pub blobs: usize,
    pub by_id: HashMap<String, Introduced>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SynKind {
    Macro,
    Record,
    Field,
    Enum,
    Enumerator,
    Typedef,
}

type SynKey = (SynKind, String, String);

/// What one blob declares, each with a signature of its text.
enum Syntax {
    Header(HashMap<SynKey, u64>),
    /// A C source: KMS properties are found by their name string.
    Source(Vec<u8>),
}

fn signature(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for word in text.split_whitespace() {
        word.hash(&mut h);
    }
    h.finish()
}

fn header_keys(parsed: &ParsedHeader) -> HashMap<SynKey, u64> {
    let mut out = HashMap::new();
    let mut lister = KeyLister {
        parsed,
        out: &mut out,
    };
    lister.nodes(&parsed.nodes, None);
    out
}

struct KeyLister<'a> {
    parsed: &'a ParsedHeader,
    out: &'a mut HashMap<SynKey, u64>,
}

impl KeyLister<'_> {
    fn put(&mut self, kind: SynKind, parent: &str, name: &str, text: &str) {
        self.out.insert(
            (kind, parent.to_string(), name.to_string()),
            signature(text),
        );
    }

    /// Top-level nodes, or a record's members when `parent` is its name.
    fn nodes(&mut self, nodes: &[Node], parent: Option<&str>) {
        for node in nodes {
            match node {
                Node::Define(d) => self.put(SynKind::Macro, "", &d.name, &d.body),
                Node::Conditional(branches) => {
                    for b in branches {
                        self.nodes(&b.nodes, parent);
                    }
                }
                Node::Record(r) => self.record(r, None),
                Node::Enum(e) => self.enumeration(e),
                Node::Typedef(t) => {
                    let text = self.parsed.text(&t.span).to_string();
                    self.put(SynKind::Typedef, "", &t.name, &text);
                    self.inner_type(&t.ty.base, Some(&t.name), None);
                }
                Node::Field(f) => {
                    let Some(parent) = parent else { continue };
                    if let Some(name) = &f.name {
                        let text = self.parsed.text(&f.span).to_string();
                        self.put(SynKind::Field, parent, name, &text);
                    }
                    self.inner_type(&f.ty.base, None, Some(parent));
                }
                Node::MacroMember { text, .. } => {
                    let Some(parent) = parent else { continue };
                    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                        self.put(SynKind::Field, parent, word, text);
                    }
                }
                Node::Enumerator(_)
                | Node::Undef { .. }
                | Node::Include { .. }
                | Node::Pragma { .. } => {}
            }
        }
    }

    /// A type written in place: named records and enums are items of their own; the members of an
    /// anonymous record belong to the enclosing record (`parent`), or to the typedef naming it.
    fn inner_type(&mut self, base: &BaseType, typedef: Option<&str>, parent: Option<&str>) {
        match base {
            BaseType::Record { def: Some(def), .. } if def.name.is_some() || parent.is_none() => {
                self.record(def, typedef)
            }
            BaseType::Record { def: Some(def), .. } => self.nodes(&def.members, parent),
            BaseType::Enum { def: Some(def), .. } => self.enumeration(def),
            _ => {}
        }
    }

    fn record(&mut self, r: &Record, typedef: Option<&str>) {
        let Some(name) = r.name.as_deref().or(typedef) else {
            return;
        };
        let text = self.parsed.text(&r.span).to_string();
        self.put(SynKind::Record, "", name, &text);
        self.nodes(&r.members, Some(name));
    }

    fn enumeration(&mut self, e: &EnumDef) {
        if let Some(name) = &e.name {
            let text = self.parsed.text(&e.span).to_string();
            self.put(SynKind::Enum, "", name, &text);
        }
        let mut stack: Vec<&Node> = e.members.iter().collect();
        while let Some(node) = stack.pop() {
            match node {
                Node::Enumerator(en) => {
                    let value = en.value.as_deref().unwrap_or_default();
                    self.put(SynKind::Enumerator, "", &en.name, value)
                }
                Node::Conditional(bs) => stack.extend(bs.iter().flat_map(|b| &b.nodes)),
                _ => {}
            }
        }
    }
}

impl Syntax {
    /// The item's signature in this blob, `None` when the blob does not declare it.
    fn state(&self, c: &Change) -> Option<u64> {
        let keys = match self {
            Syntax::Source(bytes) => {
                // A KMS property by its name string; a netlink item (its spec is no header) by
                // its name as the spec writes it.
                let written = match c.kind.is_netlink() {
                    true => c.name.clone(),
                    false => format!("\"{}\"", c.name),
                };
                return memchr::memmem::find(bytes, written.as_bytes()).map(|_| 0);
            }
            Syntax::Header(keys) => keys,
        };
        let get = |kind: SynKind, parent: &str, name: &str| {
            keys.get(&(kind, parent.to_string(), name.to_string()))
                .copied()
        };
        match c.kind {
            ItemKind::Header => Some(0),
            ItemKind::Ioctl | ItemKind::Define => {
                let own = get(SynKind::Macro, "", &c.name)
                    .or_else(|| get(SynKind::Enumerator, "", &c.name))?;
                // An extended ioctl changes through its argument struct.
                let arg = match (&c.change, &c.new) {
                    (
                        ChangeKind::Changed,
                        Some(Facts::Ioctl {
                            arg_type: Some(t), ..
                        }),
                    ) => t
                        .strip_prefix("struct ")
                        .and_then(|s| get(SynKind::Record, "", s.trim())),
                    _ => None,
                };
                Some(own ^ arg.unwrap_or(0).rotate_left(1))
            }
            ItemKind::Struct | ItemKind::Union => get(SynKind::Record, "", &c.name),
            ItemKind::Field => {
                let leaf = c.name.rsplit('.').next().unwrap_or(&c.name);
                get(SynKind::Field, c.parent.as_deref().unwrap_or(""), leaf)
            }
            ItemKind::Enum => get(SynKind::Enum, "", &c.name),
            ItemKind::Enumerator => get(SynKind::Enumerator, "", &c.name),
            ItemKind::Typedef => get(SynKind::Typedef, "", &c.name),
            // KMS properties, syscalls and netlink items are never in a header.
            _ => None,
        }
    }
}

/// A commit changing a file: the file's blob before and after (`None`: absent).
type Step<'c> = (&'c CommitInfo, Option<BlobId>, Option<BlobId>);

/// Attributes `items` (added and changed ones in the new tree, removed ones in the old) to the
/// commits of OLD..NEW. Errors when the two are not
/// connected git revisions of one repository.
pub fn attribute(
    old: &Tree,
    new: &Tree,
    items: &[&Change],
    cache: &ParseCache,
) -> Result<Attribution, Error> {
    let paths: BTreeSet<&str> = items.iter().map(|c| c.file.as_str()).collect();
    if paths.is_empty() {
        return Ok(Attribution::default());
    }
    let patterns: Vec<&str> = paths.iter().copied().collect();
    let select = Selection::new(&patterns);
    let commits = source::commits_between(old, new, &select)?;
    let (final_entries, _) = new.files(&select)?;

    // Every distinct blob along the path (and at NEW), read and parsed once.
    let mut wanted: HashMap<BlobId, &str> = HashMap::new();
    for e in &final_entries {
        wanted.insert(e.blob, &e.path);
    }
    for change in commits.iter().flat_map(|c| &c.changed) {
        for blob in [change.old, change.new].into_iter().flatten() {
            wanted.entry(blob).or_insert(&change.path);
        }
    }
    let mut entries: Vec<FileEntry> = wanted
        .iter()
        .map(|(blob, path)| FileEntry {
            path: path.to_string(),
            blob: *blob,
        })
        .collect();
    entries.sort_by(|a, b| (&a.path, a.blob).cmp(&(&b.path, b.blob)));
    let (headers, sources): (Vec<FileEntry>, Vec<FileEntry>) =
        // uAPI headers are parsed; driver sources (and headers beside them) are searched for
        // property names.
        entries
            .into_iter()
            .partition(|e| e.path.ends_with(".h") && !e.path.starts_with("drivers/"));
    let parsed = cache.headers(new, &headers)?;
    let mut syntax: HashMap<BlobId, Syntax> = headers
        .par_iter()
        .zip(parsed.par_iter())
        .map(|(e, p)| (e.blob, Syntax::Header(header_keys(p))))
        .collect();
    let bytes = new.read_all(&sources)?;
    syntax.extend(
        sources
            .iter()
            .zip(bytes)
            .map(|(e, b)| (e.blob, Syntax::Source(b))),
    );

    // Per path, the commits that change it, in order.
    let mut touching: HashMap<&str, Vec<Step>> = HashMap::new();
    for commit in &commits {
        for ch in &commit.changed {
            touching
                .entry(ch.path.as_str())
                .or_default()
                .push((commit, ch.old, ch.new));
        }
    }
    let final_blob: HashMap<&str, BlobId> = final_entries
        .iter()
        .map(|e| (e.path.as_str(), e.blob))
        .collect();
    let state = |blob: Option<BlobId>, c: &Change| blob.and_then(|b| syntax[&b].state(c));
    let mut out = Attribution {
        commits: touching
            .values()
            .flatten()
            .map(|(c, _, _)| (c.id.as_str(), c.patch.as_ref().map(|p| p.number.as_str())))
            .collect::<BTreeSet<_>>()
            .len(),
        blobs: syntax.len(),
        by_id: HashMap::new(),
    };
    for c in items {
        let Some(path_commits) = touching.get(c.file.as_str()) else {
            continue;
        };
        let target = state(final_blob.get(c.file.as_str()).copied(), c);
        let found = path_commits.iter().find(|(_, before, after)| {
            let (before, after) = (state(*before, c), state(*after, c));
            match c.change {
                ChangeKind::Changed => before != target && after == target,
                ChangeKind::Added => before.is_none() && after.is_some(),
                ChangeKind::Removed => before.is_some() && after.is_none(),
            }
        });
        if let Some((commit, _, _)) = found {
            out.by_id.insert(
                c.id.clone(),
                Introduced {
                    commit: commit.id.clone(),
                    author: commit.author.clone(),
                    date: commit.date.clone(),
                    subject: commit.subject.clone(),
                    trailers: trailers(&commit.message),
                    patch: commit.patch.clone(),
                },
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_trailers_only() {
        let msg = "drm/toy: add wait\n\nLink: in the body is not a trailer? it is a line.\n\n\
Signed-off-by: A <a@example.com>\nMesa MR: https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/1\n\
proposed userspace: https://x/y\n  Link: indented continuation\nAcked-by: U <u@example.com>\n";
        let got: Vec<(String, String)> = trailers(msg)
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        let want = [
            ("Link", "in the body is not a trailer? it is a line."),
            (
                "Mesa MR",
                "https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/1",
            ),
            ("proposed userspace", "https://x/y"),
            ("Acked-by", "U <u@example.com>"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn header_keys_cover_every_item_kind() {
        let src = b"#define FOO_IOCTL _IOW('d', 1, struct foo)\n\
struct foo { __u32 a; union { __u32 b; struct { __u16 lo, hi; } parts; }; __u32 tail[]; };\n\
typedef struct { int x; } foo_t;\n\
enum foo_e { FOO_A = 1,\n#ifdef X\n FOO_B,\n#endif\n };\n";
        let keys = header_keys(&crate::parse::parse_header(src));
        let mut names: Vec<String> = keys
            .keys()
            .map(|(k, p, n)| format!("{k:?}:{p}:{n}"))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "Enum::foo_e",
                "Enumerator::FOO_A",
                "Enumerator::FOO_B",
                "Field:foo:a",
                "Field:foo:b",
                "Field:foo:hi",
                "Field:foo:lo",
                "Field:foo:parts",
                "Field:foo:tail",
                "Field:foo_t:x",
                "Macro::FOO_IOCTL",
                "Record::foo",
                "Record::foo_t",
                "Typedef::foo_t",
            ]
        );
    }
}
