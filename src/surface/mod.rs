//! uAPI surfaces read from files other than the C headers: each surface is one module behind the
//! `Surface` trait, listed once in `SURFACES`. A surface names the files it reads at a revision
//! (path globs, for listing, the incremental diff and caching), turns their bytes into items with
//! facts for an arch, and may generate headers that the build would install from them (the
//! syscall tables' `asm/unistd_64.h`). The pipeline lists, reads and extracts every surface for
//! each side and puts its items into the side's model, so the diff, the rules, the snapshot
//! format, `--all-arches`, `history` and the checklist see them like any other item: adding a
//! surface is one module here, its entry in `SURFACES`, its item kinds and facts in `change`,
//! and its rules.
//!
//! A surface sees only its own files' bytes, never the tree or the model: what it extracts
//! depends on nothing else, so it is cached and compared by those bytes alone.

pub mod netlink;
pub mod syscalls;

use crate::arch::Arch;
use crate::change::{Facts, ItemKind};

/// One file a surface reads: its path in the kernel tree and its bytes.
#[derive(Clone, Copy, Debug)]
pub struct SurfaceFile<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
}

/// An item a surface found. Its identity is (file, kind, parent, name), as for a header's items:
/// the same identity at two revisions is the same item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurfaceItem {
    pub file: String,
    pub kind: ItemKind,
    pub parent: Option<String>,
    pub name: String,
    pub line: u32,
    pub facts: Facts,
    /// The item as written in its file (a table row, a spec's YAML), for before/after rendering.
    pub decl: String,
}

/// Something a surface could not read or compute, with its place (reported as a note).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SurfaceNote {
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// A header the kernel's build generates from a surface's files and `make headers_install`
/// installs (named by the path it would have in the tree, e.g.
/// `arch/x86/include/generated/uapi/asm/unistd_64.h`, and by the path userspace includes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedHeader {
    /// The path the model knows it by (its kernel path).
    pub path: String,
    /// The path as userspace includes it (`asm/unistd_64.h`).
    pub include_as: String,
    pub text: String,
}

/// What a surface made of its files at one revision, for one arch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    pub items: Vec<SurfaceItem>,
    pub generated: Vec<GeneratedHeader>,
    pub notes: Vec<SurfaceNote>,
}

/// One uAPI surface. Implementations are stateless and shared between threads.
pub trait Surface: Sync {
    /// The surface's name, as notes and docs show it (`syscalls`, `netlink`).
    fn name(&self) -> &'static str;
    /// The files it reads at a revision of a kernel tree, for `arch`, as path globs relative to
    /// the tree's root (`**` crosses directories).
    fn globs(&self, arch: &Arch) -> Vec<String>;
    /// Whether its items depend on the arch. When not, `--all-arches` extracts it once and says so.
    fn per_arch(&self) -> bool {
        true
    }
    /// The items, generated headers and notes of `files` (every file matching `globs`, sorted by
    /// path) for `arch`. Never fails: what cannot be read is a note, what cannot be computed an
    /// unresolved fact.
    fn extract(&self, files: &[SurfaceFile], arch: &'static Arch) -> Extracted;
}

/// Every surface beyond the C headers, in the order their items are merged (the order never
/// changes the output: items are sorted by identity).
pub static SURFACES: &[&dyn Surface] = &[&syscalls::SURFACE, &netlink::NETLINK];
