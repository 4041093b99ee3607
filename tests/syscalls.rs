//! The syscall surface against the kernel's build: at every tag of the real-kernel repo (5.10,
//! 6.1, 6.12) and for every arch directory, the unistd headers `make headers_install` generates
//! (`scripts/syscall-headers.sh` runs the generating part out of tree, once, into the cache) must
//! be the ones the tool generates, define for define, and every arch's syscall items must be the
//! rows of its own header with its `__NR_*` numbers. Arches that take asm-generic/unistd.h until
//! 6.10 have no generated header there: their syscalls must be among 6.12's (read from
//! scripts/syscall.tbl, which their numbers were moved to) with the same numbers.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use uapi_diff::arch::{Arch, ARCHES};
use uapi_diff::change::Facts;
use uapi_diff::source::{Selection, Tree};
use uapi_diff::surface::syscalls::SURFACE;
use uapi_diff::surface::{Extracted, Surface, SurfaceFile};

const VERSIONS: &[&str] = &["5.10", "6.1", "6.12"];

fn extract(repo: &Path, version: &str, arch: &'static Arch) -> Extracted {
    let tree = Tree::open(repo, &format!("v{version}")).expect("the tag");
    let globs = SURFACE.globs(arch);
    let globs: Vec<&str> = globs.iter().map(String::as_str).collect();
    let (entries, _) = tree.files(&Selection::new(&globs)).expect("listed");
    let bytes = tree.read_all(&entries).expect("read");
    let files: Vec<SurfaceFile> = entries
        .iter()
        .zip(&bytes)
        .map(|(e, b)| SurfaceFile {
            path: &e.path,
            bytes: b,
        })
        .collect();
    SURFACE.extract(&files, arch)
}

/// The headers the build generated for `dir` at `version` (None when the source tree is missing).
fn built(version: &str, dir: &str) -> Option<PathBuf> {
    let cache = std::env::var_os("UAPI_DIFF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("cache"));
    let src = cache.join(format!("kernels/src/linux-source-{version}"));
    if !src.join(format!("arch/{dir}")).is_dir() {
        return None;
    }
    let out = cache.join(format!(
        "kernels/installed-syscalls-{version}-{dir}/generated"
    ));
    if !out.is_dir() {
        let status =
            Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/syscall-headers.sh"))
                .args([version, dir])
                .env("UAPI_DIFF_CACHE", &cache)
                .status()
                .expect("scripts/syscall-headers.sh runs");
        assert!(
            status.success(),
            "syscall-headers.sh {version} {dir} failed"
        );
    }
    Some(out)
}

/// The `#define`s of a header outside `#ifdef __KERNEL__` (what headers_install keeps), name →
/// body without blanks.
fn defines(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut in_kernel = false;
    for line in text.lines() {
        let line = line.trim();
        if line == "#ifdef __KERNEL__" {
            in_kernel = true;
        } else if in_kernel && line.starts_with("#endif") {
            in_kernel = false;
        } else if let Some(rest) = line.strip_prefix("#define ").filter(|_| !in_kernel) {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap_or_default();
            if name.starts_with("__NR") {
                out.insert(name.to_string(), words.collect::<String>());
            }
        }
    }
    out
}

/// The unistd headers of a build output, name → defines.
fn built_headers(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    std::fs::read_dir(dir)
        .expect("generated dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("unistd")
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, defines(&std::fs::read_to_string(&p).expect("text")))
        })
        .collect()
}

/// The value of a generated `__NR_*` body at an arch (the offset macros as its asm/unistd.h
/// defines them for its ABI).
fn value(body: &str, arch: &Arch) -> Option<u64> {
    let inner = body.trim_start_matches('(').trim_end_matches(')');
    let Some((base, n)) = inner.split_once('+') else {
        return inner.parse().ok();
    };
    let base = match (base, arch.name) {
        ("__NR_Linux", "mips" | "mipsel") => 4000,
        ("__NR_Linux", "mips64" | "mips64el") => 5000,
        ("__NR_Linux", "ia64") => 1024,
        ("__NR_SYSCALL_BASE", "arm") => 0,
        _ => return None,
    };
    Some(base + n.parse::<u64>().ok()?)
}

fn numbers(extracted: &Extracted) -> BTreeMap<String, Option<u64>> {
    extracted
        .items
        .iter()
        .map(|i| match &i.facts {
            Facts::Syscall { number, .. } => (i.name.clone(), *number),
            f => panic!("a syscall item with facts {f:?}"),
        })
        .collect()
}

#[test]
fn generated_headers_and_syscalls_are_the_builds() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for version in VERSIONS {
        let mut dirs_done = BTreeSet::new();
        for arch in ARCHES {
            let Some(built_dir) = built(version, arch.dir()) else {
                continue;
            };
            let make = built_headers(&built_dir);
            let ours = extract(&repo, version, arch);
            // Every header the build generates, and nothing else, define for define.
            if dirs_done.insert(arch.dir()) {
                let generated: BTreeMap<String, BTreeMap<String, String>> = ours
                    .generated
                    .iter()
                    .map(|g| {
                        assert_eq!(
                            g.path,
                            format!("arch/{}/include/uapi/{}", arch.dir(), g.include_as)
                        );
                        (
                            g.include_as.trim_start_matches("asm/").to_string(),
                            defines(&g.text),
                        )
                    })
                    .collect();
                if generated != make {
                    for (name, theirs) in &make {
                        let mine = generated.get(name);
                        if mine != Some(theirs) {
                            let diff: Vec<_> = theirs
                                .iter()
                                .filter(|(k, v)| mine.and_then(|m| m.get(*k)) != Some(v))
                                .take(3)
                                .collect();
                            failures.push(format!(
                                "{version} {}: {name} differs: {diff:?}",
                                arch.dir()
                            ));
                        }
                    }
                    for name in generated.keys().filter(|n| !make.contains_key(*n)) {
                        failures.push(format!(
                            "{version} {}: {name} is not generated by the build",
                            arch.dir()
                        ));
                    }
                }
                checked += make.values().map(BTreeMap::len).sum::<usize>();
            }
            // The arch's syscalls: the `__NR_*` of its headers, with their values.
            let items = numbers(&ours);
            if make.is_empty() {
                continue; // asm-generic: checked against 6.12 below
            }
            // The view: which of the build's headers userspace at this arch includes (asm/unistd.h
            // picks it by ABI), whose `__NR_*` are its syscalls.
            let view: Vec<&str> = match arch.name {
                "i386" => vec!["unistd_32.h"],
                "arm" => vec!["unistd-eabi.h", "unistd-common.h"],
                "mips" | "mipsel" => vec!["unistd_o32.h"],
                "mips64" | "mips64el" => vec!["unistd_n64.h"],
                _ if make.len() == 1 => make.keys().map(String::as_str).collect(),
                _ if arch.data_model.pointer_bytes() == 8 => vec!["unistd_64.h"],
                _ => vec!["unistd_32.h"],
            };
            let mut nr: BTreeMap<String, Option<u64>> = view
                .iter()
                .filter_map(|h| make.get(*h))
                .flat_map(|d| d.iter())
                .filter_map(|(k, v)| Some((k.strip_prefix("__NR_")?.to_string(), value(v, arch))))
                .collect();
            // What the arch's asm/unistd.h renames after including the generated header
            // (`#undef __NR_a`, `#define __NR_b N`) is known to userspace by its new name.
            let source = built_dir
                .join("../../src")
                .join(format!("linux-source-{version}"));
            let unistd = source.join(format!("arch/{}/include/uapi/asm/unistd.h", arch.dir()));
            let unistd = std::fs::read_to_string(&unistd).unwrap_or_default();
            let own = defines(&unistd);
            for line in unistd.lines() {
                if let Some(old) = line.trim().strip_prefix("#undef __NR_") {
                    let Some(number) = nr.get(old.trim()).copied().flatten() else {
                        continue;
                    };
                    if let Some((new, _)) = own.iter().find(|(_, v)| v.parse() == Ok(number)) {
                        nr.remove(old.trim());
                        nr.insert(new.trim_start_matches("__NR_").to_string(), Some(number));
                    }
                }
            }
            if nr != items {
                let missing: Vec<_> = nr
                    .iter()
                    .filter(|(k, v)| items.get(*k) != Some(v))
                    .take(3)
                    .collect();
                let extra: Vec<_> = items
                    .iter()
                    .filter(|(k, v)| nr.get(*k) != Some(v))
                    .take(3)
                    .collect();
                failures.push(format!(
                    "{version} {}: syscalls differ from {view:?}: build has {missing:?}, tool {extra:?}",
                    arch.name
                ));
            }
            assert!(!items.is_empty(), "{version} {}: no syscalls", arch.name);
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 20_000, "only {checked} defines compared");
}

/// An arch taking asm-generic/unistd.h (until 6.10) has the syscalls 6.12 reads from
/// scripts/syscall.tbl for it, with the same numbers, less those added since.
#[test]
fn asm_generic_syscalls_are_the_tables_moved_from_them() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let mut compared = 0;
    for arch in ARCHES {
        let later = extract(&repo, "6.12", arch);
        let later: BTreeMap<&str, &Facts> = later
            .items
            .iter()
            .map(|i| (i.name.as_str(), &i.facts))
            .collect();
        for version in ["5.10", "6.1"] {
            let earlier = extract(&repo, version, arch);
            if earlier.items.is_empty()
                || earlier.items[0].file != "include/uapi/asm-generic/unistd.h"
            {
                continue;
            }
            for item in &earlier.items {
                let Some(facts) = later.get(item.name.as_str()) else {
                    panic!("{version} {}: {} is gone at 6.12", arch.name, item.name);
                };
                // Entry points may change (compat_sys_get_mempolicy went in 5.15); numbers never.
                let (Facts::Syscall { number: was, .. }, Facts::Syscall { number: is, .. }) =
                    (&item.facts, facts)
                else {
                    panic!("syscall facts");
                };
                assert_eq!(was, is, "{version} {}: {} renumbered", arch.name, item.name);
                assert!(
                    was.is_some(),
                    "{version} {}: {} has no number",
                    arch.name,
                    item.name
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 2_000, "only {compared} syscalls compared");
}
