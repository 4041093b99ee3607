//! Directory layouts: where a directory side keeps its uAPI headers, and which kernel source path
//! each of its headers stands for.
//!
//! Every layout's headers are named by their path in a kernel tree: `linux/types.h` of an installed
//! tree is `include/uapi/linux/types.h`, its `asm/` is `arch/<arch>/include/uapi/asm/`. So any two
//! layouts compare item by item, and `#include <…>` resolves through the kernel tree's resolution
//! (`model::scope`) exactly as a compiler with the directory on its include path resolves it.
//!
//! - `tree`: a kernel source tree (`include/uapi/`, `arch/*/include/uapi/`).
//! - `installed`: `make headers_install` output: `linux/`, `asm/`, `asm-generic/`, `drm/`… at the
//!   directory, or under its `include/` or `usr/include/`. `asm/` is taken as `--arch`'s.
//! - `multiarch`: a distribution's installed headers, each arch's `asm/` under its GNU triplet
//!   (`x86_64-linux-gnu/asm/`); `--arch` picks the triplet.
//! - `copy`: a partial copy kept by a userspace project: headers at the directory's top (a flat
//!   directory of DRM headers as Mesa, IGT and libdrm keep) or in `linux/`, `drm/`… subdirectories.
//!   A top-level header is placed where the kernel side of the comparison has a header of that name
//!   ([`Layout::place_like`]), otherwise in `include/uapi/drm/`.

use super::includes::include_lines;
use super::{FileEntry, SourceError, SourceWarning, Tree};
use crate::arch::Arch;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// The kinds of directory layout, as `--layout` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum LayoutKind {
    Tree,
    Installed,
    Multiarch,
    Copy,
}

impl LayoutKind {
    pub const ALL: [LayoutKind; 4] = [
        LayoutKind::Tree,
        LayoutKind::Installed,
        LayoutKind::Multiarch,
        LayoutKind::Copy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LayoutKind::Tree => "tree",
            LayoutKind::Installed => "installed",
            LayoutKind::Multiarch => "multiarch",
            LayoutKind::Copy => "copy",
        }
    }
}

impl fmt::Display for LayoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a directory's layout cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("directory `{dir}` has no header (*.h) (layouts tried: {tried})")]
    NoHeader { dir: String, tried: String },
    #[error(
        "cannot tell the layout of directory `{dir}`: its headers are neither in include/uapi/ \
         (tree), nor in linux/ beside asm/ (installed) or <triplet>/asm/ (multiarch), nor at its top \
         or one directory down (copy); give --layout (layouts tried: {tried})"
    )]
    Unknown { dir: String, tried: String },
    #[error(
        "directory `{dir}` ({layout} layout) has no header for --arch {arch} ({triplet}); \
         its triplets: {have}"
    )]
    NoTriplet {
        dir: String,
        layout: LayoutKind,
        arch: String,
        triplet: String,
        have: String,
    },
    #[error("revision `{revision}`: --layout {layout} reads a directory, not a git revision")]
    GitRevision {
        revision: String,
        layout: LayoutKind,
    },
}

fn tried() -> String {
    LayoutKind::ALL.map(LayoutKind::name).join(", ")
}

/// A side's layout: its kind and where its headers start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub kind: LayoutKind,
    /// The directory holding the headers, relative to the side's root ("", "include", "usr/include").
    pub root: String,
    /// `multiarch`: the triplet directories that have an `asm/`, sorted.
    pub triplets: Vec<String>,
    /// `copy`: the kernel path of a top-level header, by file name (see [`Layout::place_like`]).
    places: BTreeMap<String, String>,
    /// `installed`, `multiarch`: the directories of `include/uapi/` the kernel side of the
    /// comparison has (see [`Layout::place_like`]); None without a kernel side.
    uapi_dirs: Option<BTreeSet<String>>,
}

/// Where an installed tree's headers may start, relative to the directory given.
const INSTALLED_ROOTS: [&str; 3] = ["", "include", "usr/include"];

impl Layout {
    fn new(kind: LayoutKind, root: &str) -> Layout {
        Layout {
            kind,
            root: root.to_string(),
            triplets: Vec::new(),
            places: BTreeMap::new(),
            uapi_dirs: None,
        }
    }

    /// The layout of a side: `tree.forced_layout()` if set, else detected. A git revision is a tree.
    pub fn of(tree: &Tree) -> Result<Layout, LayoutError> {
        let forced = tree.forced_layout();
        if !tree.is_directory() {
            return match forced {
                None | Some(LayoutKind::Tree) => Ok(Layout::new(LayoutKind::Tree, "")),
                Some(layout) => Err(LayoutError::GitRevision {
                    revision: tree.label().to_string(),
                    layout,
                }),
            };
        }
        detect(tree.location(), tree.label(), forced)
    }

    /// Places a side's headers by `kernel`, the other side's listing. A copy's top-level headers go where `kernel` has a header of the same name, when it
    /// has exactly one under `include/uapi/` (`sync_file.h` is `include/uapi/linux/sync_file.h`).
    /// Against a kernel tree (`kernel_is_tree`), an installed side leaves out the directories of
    /// other libraries (`other_libraries`): a distribution's /usr/include holds glib's, EGL's…
    /// beside the kernel's; each directory left out is named in a note.
    pub fn place_like(&mut self, kernel: &[FileEntry], kernel_is_tree: bool) {
        if kernel_is_tree && matches!(self.kind, LayoutKind::Installed | LayoutKind::Multiarch) {
            let dirs = kernel.iter().filter_map(|e| uapi_dir(&e.path)).collect();
            self.uapi_dirs = Some(dirs);
        }
        if self.kind != LayoutKind::Copy {
            return;
        }
        let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for e in kernel {
            if let Some(rest) = e.path.strip_prefix("include/uapi/") {
                let name = rest.rsplit('/').next().unwrap_or(rest);
                by_name.entry(name).or_default().push(&e.path);
            }
        }
        self.places = by_name
            .into_iter()
            .filter(|(_, paths)| paths.len() == 1)
            .map(|(name, paths)| (name.to_string(), paths[0].to_string()))
            .collect();
    }

    /// The triplet directory serving `arch` (multiarch), or an error naming those there are.
    fn triplet_for(&self, arch: &Arch, dir: &str) -> Result<&str, LayoutError> {
        self.triplets
            .iter()
            .find(|t| same_target(t, arch.triplet))
            .map(String::as_str)
            .ok_or_else(|| LayoutError::NoTriplet {
                dir: dir.to_string(),
                layout: self.kind,
                arch: arch.name.to_string(),
                triplet: arch.triplet.to_string(),
                have: self.triplets.join(", "),
            })
    }

    /// The kernel source path a header of this layout stands for (`path` relative to the side's
    /// root), or None for a file that is no uAPI header of `arch` (another triplet's `asm/`, a
    /// file at an installed tree's top).
    fn kernel_path(&self, path: &str, arch: &Arch, triplet: Option<&str>) -> Option<String> {
        let rel = if self.root.is_empty() {
            path
        } else {
            path.strip_prefix(&self.root)?.strip_prefix('/')?
        };
        let arch_asm = |rest: &str| format!("arch/{}/include/uapi/asm/{rest}", arch.dir());
        let Some((top, rest)) = rel.split_once('/') else {
            return match self.kind {
                LayoutKind::Copy => Some(
                    self.places
                        .get(rel)
                        .cloned()
                        .unwrap_or_else(|| format!("include/uapi/drm/{rel}")),
                ),
                _ => None,
            };
        };
        if top == "asm" {
            return Some(arch_asm(rest));
        }
        if self.triplets.iter().any(|t| t == top) {
            return (Some(top) == triplet)
                .then(|| rest.strip_prefix("asm/").map(arch_asm))
                .flatten();
        }
        Some(format!("include/uapi/{rel}"))
    }

    /// Lists the side's headers (`*.h`) by the kernel paths they stand for, sorted.
    pub fn list(
        &self,
        tree: &Tree,
        arch: &Arch,
    ) -> Result<(Vec<FileEntry>, Vec<SourceWarning>), ListError> {
        let triplet = match self.kind {
            LayoutKind::Multiarch => Some(self.triplet_for(arch, tree.label())?),
            _ => None,
        };
        let (mut files, mut warnings) =
            tree.files_mapped(&|path: &str| self.kernel_path(path, arch, triplet))?;
        if let Some(kernel_dirs) = &self.uapi_dirs {
            for dir in other_libraries(tree, &files, kernel_dirs)? {
                let prefix = format!("include/uapi/{dir}/");
                files.retain(|f| !f.path.starts_with(&prefix));
                warnings.push(SourceWarning {
                    revision: tree.label().to_string(),
                    path: match self.root.as_str() {
                        "" => dir,
                        root => format!("{root}/{dir}"),
                    },
                    message: "another library's headers, no uAPI: the kernel side has no such \
                              directory, and they include headers outside the uAPI; left out"
                        .to_string(),
                });
            }
        }
        if files.is_empty() {
            return Err(LayoutError::NoHeader {
                dir: tree.label().to_string(),
                tried: self.kind.name().to_string(),
            }
            .into());
        }
        Ok((files, warnings))
    }
}

/// The directory of `include/uapi/` a header path is in (`linux` for `include/uapi/linux/x.h`).
fn uapi_dir(path: &str) -> Option<String> {
    let (dir, _) = path.strip_prefix("include/uapi/")?.split_once('/')?;
    Some(dir.to_string())
}

/// The directories of an installed side's `include/uapi/` that hold another library's headers:
/// not among `kernel_dirs` (the kernel side's), and including, through `#include <…>`, a header
/// outside the uAPI set and the C library's, or none of the uAPI's. The kernel's installed headers
/// include only each other and a few C library headers: a uAPI directory newer than the kernel
/// side (regulator/ in v6.12 against v6.1: `<linux/types.h>`, `<stdint.h>`) stays, while glib's,
/// EGL's or NSS's headers include their own library's (`<glib/…>`, `<KHR/…>`) or nothing of the
/// kernel's. A library built on the uAPI alone (iproute2's headers) stays, as uAPI it is not.
fn other_libraries(
    tree: &Tree,
    files: &[FileEntry],
    kernel_dirs: &BTreeSet<String>,
) -> Result<Vec<String>, SourceError> {
    let candidates: Vec<FileEntry> = files
        .iter()
        .filter(|f| uapi_dir(&f.path).is_some_and(|d| !kernel_dirs.contains(&d)))
        .cloned()
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut includes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in candidates.iter().zip(tree.read_all(&candidates)?) {
        let targets = includes
            .entry(uapi_dir(&file.path).unwrap_or_default())
            .or_default();
        targets.extend(
            include_lines(&text)
                .into_iter()
                .filter(|line| !line.quoted)
                .map(|line| line.target),
        );
    }
    let present: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    // `asm/X.h` as the side has it: `arch/<dir>/include/uapi/asm/X.h` (`kernel_path`).
    let arch_asm: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.path.starts_with("arch/"))
        .filter_map(|f| f.path.split_once("/include/uapi/").map(|(_, asm)| asm))
        .collect();
    // Grown from the kernel side's directories: a directory joins when every header it includes
    // is the C library's, its own or the uAPI's, and it includes the uAPI's (it builds on it).
    let mut uapi: BTreeSet<String> = kernel_dirs.clone();
    loop {
        let in_uapi = |target: &str, own: &str| {
            if target.starts_with("asm/") {
                return arch_asm.contains(target);
            }
            let path = format!("include/uapi/{target}");
            present.contains(path.as_str())
                && uapi_dir(&path).is_some_and(|d| d != own && uapi.contains(&d))
        };
        let joining: Vec<String> = includes
            .iter()
            .filter(|(dir, targets)| {
                let own = |t: &str| t.split_once('/').is_some_and(|(d, _)| d == dir.as_str());
                !uapi.contains(*dir)
                    && targets.iter().any(|t| in_uapi(t, dir))
                    && targets
                        .iter()
                        .all(|t| c_library_header(t) || own(t) || in_uapi(t, dir))
            })
            .map(|(dir, _)| dir.clone())
            .collect();
        if joining.is_empty() {
            return Ok(includes.into_keys().filter(|d| !uapi.contains(d)).collect());
        }
        uapi.extend(joining);
    }
}

/// Whether `#include <target>` names a C library header, as uAPI headers include some
/// (`<stdint.h>`, `<sys/ioctl.h>`, `<netinet/in.h>`): a top-level header or one of POSIX's
/// directories.
fn c_library_header(target: &str) -> bool {
    match target.split_once('/') {
        None => true,
        Some((dir, _)) => matches!(dir, "sys" | "netinet" | "arpa" | "net"),
    }
}

/// What listing a side in its layout can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// Whether a triplet directory serves the target of `triplet`: the same name, up to the x86 CPU
/// level (Debian's `i386-linux-gnu` is gcc's `i686-linux-gnu`) and the float ABI (`gnueabi` and
/// `gnueabihf` share the uAPI).
fn same_target(dir: &str, triplet: &str) -> bool {
    fn normal(t: &str) -> String {
        let (cpu, rest) = t.split_once('-').unwrap_or((t, ""));
        let cpu = match cpu.as_bytes() {
            [b'i', b'3'..=b'6', b'8', b'6'] => "i386",
            _ => cpu,
        };
        format!("{cpu}-{}", rest.strip_suffix("hf").unwrap_or(rest))
    }
    normal(dir) == normal(triplet)
}

fn detect(dir: &Path, label: &str, forced: Option<LayoutKind>) -> Result<Layout, LayoutError> {
    let has_dir = |rel: &str| dir.join(rel).is_dir();
    if forced == Some(LayoutKind::Tree) || (forced.is_none() && has_dir("include/uapi")) {
        return Ok(Layout::new(LayoutKind::Tree, ""));
    }
    let installed_root = INSTALLED_ROOTS.iter().find(|r| has_dir(&join(r, "linux")));
    let root = installed_root.copied().unwrap_or("");
    let triplets = triplet_dirs(&dir.join(root));
    let kind = match forced {
        Some(kind) => kind,
        None if installed_root.is_some() && has_dir(&join(root, "asm")) => LayoutKind::Installed,
        None if installed_root.is_some() && !triplets.is_empty() => LayoutKind::Multiarch,
        None if headers_within(dir, 1) => LayoutKind::Copy,
        None => {
            return Err(if headers_within(dir, usize::MAX) {
                LayoutError::Unknown {
                    dir: label.to_string(),
                    tried: tried(),
                }
            } else {
                LayoutError::NoHeader {
                    dir: label.to_string(),
                    tried: tried(),
                }
            })
        }
    };
    let mut layout = Layout::new(kind, if kind == LayoutKind::Copy { "" } else { root });
    if kind == LayoutKind::Multiarch {
        layout.triplets = triplets;
    }
    Ok(layout)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The subdirectories of `dir` named like a GNU triplet (`<cpu>-linux-<abi>`) that hold an `asm/`.
fn triplet_dirs(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.contains("-linux-") && dir.join(name).join("asm").is_dir())
        .collect();
    found.sort();
    found
}

/// Whether `dir` has a `*.h` file at most `depth` directories down (symlinks not followed).
fn headers_within(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let Ok(kind) = e.file_type() else {
            return false;
        };
        if kind.is_dir() {
            depth > 0 && e.file_name() != ".git" && headers_within(&e.path(), depth - 1)
        } else {
            e.file_name().to_string_lossy().ends_with(".h")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(name: &str) -> &'static Arch {
        Arch::by_name(name).expect("known arch")
    }

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "#define X 1\n").expect("write");
        }
        dir
    }

    fn detected(dir: &tempfile::TempDir) -> Result<Layout, LayoutError> {
        detect(dir.path(), "D", None)
    }

    #[test]
    fn detects_each_layout() {
        let tree = dir_with(&["include/uapi/linux/a.h", "arch/x86/include/uapi/asm/b.h"]);
        assert_eq!(detected(&tree).unwrap().kind, LayoutKind::Tree);
        for root in INSTALLED_ROOTS {
            let installed = dir_with(&[&join(root, "linux/a.h"), &join(root, "asm/b.h")]);
            let layout = detected(&installed).unwrap();
            assert_eq!(
                (layout.kind, layout.root.as_str()),
                (LayoutKind::Installed, root)
            );
        }
        let multiarch = dir_with(&[
            "usr/include/linux/a.h",
            "usr/include/x86_64-linux-gnu/asm/b.h",
            "usr/include/aarch64-linux-gnu/asm/b.h",
        ]);
        let layout = detected(&multiarch).unwrap();
        assert_eq!(layout.kind, LayoutKind::Multiarch);
        assert_eq!(layout.triplets, ["aarch64-linux-gnu", "x86_64-linux-gnu"]);
        let flat = dir_with(&["drm.h", "i915_drm.h"]);
        assert_eq!(detected(&flat).unwrap().kind, LayoutKind::Copy);
        let subdirs = dir_with(&["drm/drm.h", "linux/sync_file.h"]);
        assert_eq!(detected(&subdirs).unwrap().kind, LayoutKind::Copy);
    }

    #[test]
    fn forced_layout_wins_over_detection() {
        let tree = dir_with(&["include/uapi/linux/a.h", "drm.h"]);
        let layout = detect(tree.path(), "D", Some(LayoutKind::Copy)).unwrap();
        assert_eq!((layout.kind, layout.root.as_str()), (LayoutKind::Copy, ""));
    }

    #[test]
    fn errors_name_the_directory_and_the_layouts_tried() {
        let empty = dir_with(&["README", "src/main.c"]);
        let e = detected(&empty).unwrap_err().to_string();
        assert!(e.contains("`D` has no header"), "{e}");
        assert!(e.contains("tree, installed, multiarch, copy"), "{e}");
        let deep = dir_with(&["a/b/c/x.h"]);
        let e = detected(&deep).unwrap_err().to_string();
        assert!(e.contains("cannot tell the layout of directory `D`"), "{e}");
        assert!(e.contains("tree, installed, multiarch, copy"), "{e}");
    }

    #[test]
    fn multiarch_without_the_arch_names_its_triplets() {
        let multiarch = dir_with(&[
            "linux/a.h",
            "x86_64-linux-gnu/asm/b.h",
            "i386-linux-gnu/asm/b.h",
        ]);
        let layout = detected(&multiarch).unwrap();
        assert_eq!(
            layout.triplet_for(arch("i386"), "D").unwrap(),
            "i386-linux-gnu"
        );
        let e = layout
            .triplet_for(arch("arm64"), "D")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--arch arm64 (aarch64-linux-gnu)"), "{e}");
        assert!(e.contains("i386-linux-gnu, x86_64-linux-gnu"), "{e}");
    }

    #[test]
    fn kernel_paths_of_each_layout() {
        let x86 = arch("x86");
        let installed = Layout::new(LayoutKind::Installed, "usr/include");
        let at = |l: &Layout, p: &str, t: Option<&str>| l.kernel_path(p, x86, t);
        assert_eq!(
            at(&installed, "usr/include/linux/types.h", None).as_deref(),
            Some("include/uapi/linux/types.h")
        );
        assert_eq!(
            at(&installed, "usr/include/asm/ioctl.h", None).as_deref(),
            Some("arch/x86/include/uapi/asm/ioctl.h")
        );
        assert_eq!(at(&installed, "usr/include/top.h", None), None);
        assert_eq!(at(&installed, "other/linux/a.h", None), None);

        let mut multiarch = Layout::new(LayoutKind::Multiarch, "");
        multiarch.triplets = vec!["aarch64-linux-gnu".into(), "x86_64-linux-gnu".into()];
        let t = Some("x86_64-linux-gnu");
        assert_eq!(
            at(&multiarch, "x86_64-linux-gnu/asm/ioctl.h", t).as_deref(),
            Some("arch/x86/include/uapi/asm/ioctl.h")
        );
        assert_eq!(at(&multiarch, "aarch64-linux-gnu/asm/ioctl.h", t), None);
        assert_eq!(
            at(&multiarch, "asm-generic/ioctl.h", t).as_deref(),
            Some("include/uapi/asm-generic/ioctl.h")
        );

        let mut copy = Layout::new(LayoutKind::Copy, "");
        assert_eq!(
            at(&copy, "sync_file.h", None).as_deref(),
            Some("include/uapi/drm/sync_file.h")
        );
        let kernel = |path: &str| FileEntry {
            path: path.into(),
            blob: crate::source::BlobId::of_bytes(b""),
        };
        copy.place_like(
            &[
                kernel("include/uapi/linux/sync_file.h"),
                kernel("include/uapi/drm/drm.h"),
                kernel("include/uapi/linux/types.h"),
                kernel("include/uapi/asm-generic/types.h"),
            ],
            true,
        );
        assert_eq!(
            at(&copy, "sync_file.h", None).as_deref(),
            Some("include/uapi/linux/sync_file.h")
        );
        // Two kernel headers of that name: not placed by name.
        assert_eq!(
            at(&copy, "types.h", None).as_deref(),
            Some("include/uapi/drm/types.h")
        );
        assert_eq!(
            at(&copy, "linux/types.h", None).as_deref(),
            Some("include/uapi/linux/types.h")
        );
    }

    #[test]
    fn same_target_up_to_cpu_level_and_float_abi() {
        assert!(same_target("i386-linux-gnu", "i686-linux-gnu"));
        assert!(same_target("arm-linux-gnueabi", "arm-linux-gnueabihf"));
        assert!(!same_target("x86_64-linux-gnu", "i686-linux-gnu"));
        assert!(!same_target("mipsel-linux-gnu", "mips64el-linux-gnuabi64"));
    }
}
