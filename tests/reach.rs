//! What an arch sees (#24 pt 4) on the real v5.10, v6.1 and v6.12 trees: an asm-generic header is
//! the arch's only where a header of the arch's userspace view includes it (its own `asm/`
//! headers, the generated ones, the `generic-y`/`mandatory-y` wrappers), a guarded default in it
//! gives way to the arch's own definition, and a typedef looked up by name is the arch's
//! definition (#26 pt 5, the incremental diff's first assumption). Needs
//! scripts/fetch-kernels.sh's cache (CI has it).

mod common;

use std::collections::BTreeMap;
use uapi_diff::change::{Facts, ItemKind};
use uapi_diff::model::{Arch, Model};
use uapi_diff::pipeline::Options;

const VERSIONS: &[&str] = &["5.10", "6.1", "6.12"];

/// A tag's model for an arch, built once per test binary (None without the kernel cache).
fn model(version: &'static str, arch: &'static str) -> Option<&'static Model> {
    static CELLS: common::PerTag<Model> = std::sync::Mutex::new(BTreeMap::new());
    common::once_per_tag(&CELLS, version, arch, || {
        let repo = common::kernel_repo()?;
        let opts = Options {
            arch: Arch::by_name(arch).expect("known arch"),
            kms: false,
            ..Options::default()
        };
        Some(common::tag_snapshot(&repo, version, &opts).model)
    })
}

/// The defines and ioctls named `name`: (file, value).
fn defined<'m>(m: &'m Model, name: &str) -> Vec<(&'m str, Option<i128>)> {
    m.items
        .iter()
        .filter(|(k, _)| k.name == name && matches!(k.kind, ItemKind::Define | ItemKind::Ioctl))
        .map(|(k, item)| match &item.facts {
            Facts::Value { value, .. } => (k.file.as_str(), *value),
            _ => (k.file.as_str(), None),
        })
        .collect()
}

fn files_with(m: &Model, prefix: &str) -> Vec<String> {
    let mut files: Vec<String> = m
        .items
        .keys()
        .filter(|k| k.file.starts_with(prefix))
        .map(|k| k.file.clone())
        .collect();
    files.dedup();
    files
}

#[test]
fn asm_generic_headers_the_arch_does_not_include_are_not_its() {
    for version in VERSIONS {
        // powerpc's asm/ioctls.h defines FIOQSIZE itself and never includes asm-generic's.
        let Some(powerpc) = model(version, "powerpc64le") else {
            return;
        };
        let fioqsize = defined(powerpc, "FIOQSIZE");
        assert!(!fioqsize.is_empty(), "v{version}: powerpc has FIOQSIZE");
        assert!(
            fioqsize.iter().all(|(f, _)| f.starts_with("arch/powerpc/")),
            "v{version} powerpc64le: FIOQSIZE {fioqsize:?}"
        );
        // mips' asm/mman.h never includes asm-generic/mman-common.h (nor asm-generic/mman.h).
        let mips = model(version, "mips").expect("the cache is there");
        assert_eq!(defined(mips, "MAP_SYNC"), [], "v{version} mips");
        assert_eq!(
            files_with(mips, "include/uapi/asm-generic/mman"),
            Vec::<String>::new(),
            "v{version} mips"
        );
        // x86 takes its generated unistd_64.h, never asm-generic/unistd.h; its own
        // asm/bitsperlong.h defines __BITS_PER_LONG before asm-generic's guarded default.
        let x86 = model(version, "x86").expect("the cache is there");
        assert_eq!(
            files_with(x86, "include/uapi/asm-generic/unistd.h"),
            Vec::<String>::new(),
            "v{version} x86"
        );
        assert!(defined(x86, "__NR_openat")
            .contains(&("arch/x86/include/uapi/asm/unistd_64.h", Some(257))));
        assert_eq!(
            defined(x86, "__BITS_PER_LONG"),
            [("arch/x86/include/uapi/asm/bitsperlong.h", Some(64))],
            "v{version} x86"
        );
        // i386 reaches int-ll64.h only (asm/types.h → asm-generic/types.h).
        let i386 = model(version, "i386").expect("the cache is there");
        assert_eq!(
            files_with(i386, "include/uapi/asm-generic/int-l64.h"),
            Vec::<String>::new(),
            "v{version} i386"
        );
        assert!(!files_with(i386, "include/uapi/asm-generic/int-ll64.h").is_empty());
    }
}

/// arm64 and riscv took asm-generic/unistd.h (through their own asm/unistd.h) until 6.11 moved
/// their numbers to scripts/syscall.tbl: it stays theirs.
#[test]
fn arches_that_include_asm_generic_unistd_keep_it() {
    for version in ["5.10", "6.1"] {
        for arch in ["arm64", "riscv"] {
            let Some(m) = model(version, arch) else {
                return;
            };
            assert_eq!(
                defined(m, "__NR_openat"),
                [("include/uapi/asm-generic/unistd.h", Some(56))],
                "v{version} {arch}"
            );
        }
    }
}

/// An arch the tree no longer has (ia64, removed in v6.7) has no `asm/` headers, so no
/// asm-generic header through them: `<asm/unistd.h>` is no header of its at v6.12, and `__NR_openat` is gone rather
/// than asm-generic's 56 (which `--all-arches` v6.1 → v6.12 showed as ia64's 1281 changed to 56).
#[test]
fn an_arch_the_tree_no_longer_has_reaches_no_asm_generic_header() {
    let Some(v6_1) = model("6.1", "ia64") else {
        return;
    };
    assert_eq!(
        defined(v6_1, "__NR_openat"),
        [("arch/ia64/include/uapi/asm/unistd_64.h", Some(1281))]
    );
    let v6_12 = model("6.12", "ia64").expect("the cache is there");
    assert_eq!(defined(v6_12, "__NR_openat"), []);
    // asm-generic headers a generic header names itself stay (linux/memfd.h includes
    // <asm-generic/hugetlb_encode.h>); those only `<asm/X.h>` would reach do not.
    assert_eq!(
        files_with(v6_12, "include/uapi/asm-generic/"),
        ["include/uapi/asm-generic/hugetlb_encode.h"]
    );
}

/// A typedef looked up by name (`rules`' `TypeNames`, the incremental diff's rule lookups) is the
/// arch's definition, the one a program including <linux/types.h> sees, whichever header the path
/// order puts first: `__u64` is int-l64.h's `unsigned long` on 64-bit powerpc and int-ll64.h's
/// `unsigned long long` on mips o32 (whose asm/types.h includes either by the ABI), x86_64's
/// `__kernel_uid_t` is asm-generic/posix_types.h's, not asm/posix_types_32.h's.
#[test]
fn a_typedef_looked_up_by_name_is_the_arch_definition() {
    let cases = [
        ("x86", "__u64", "unsigned long long"),
        ("x86", "__kernel_uid_t", "unsigned int"),
        ("i386", "__u64", "unsigned long long"),
        ("i386", "__kernel_uid_t", "unsigned short"),
        ("mips", "__u64", "unsigned long long"),
        ("powerpc", "__u64", "unsigned long long"),
        ("powerpc64le", "__u64", "unsigned long"),
        ("arm64", "__u64", "unsigned long long"),
    ];
    for version in ["6.1", "6.12"] {
        for (arch, name, expected) in cases {
            let Some(m) = model(version, arch) else {
                return;
            };
            let first = m.typedefs().find(|(k, _)| k.name == name);
            let ty = first.and_then(|(_, item)| match &item.facts {
                Facts::Typedef { ty, .. } => Some(ty.as_str()),
                _ => None,
            });
            assert_eq!(ty, Some(expected), "v{version} {arch} {name}");
            // Every name the arch's <linux/types.h> defines is looked up there.
            for (key, _) in m.typedefs() {
                let first = m.typedefs().find(|(k, _)| k.name == key.name).unwrap();
                if m.types_headers.contains(&key.file) {
                    assert!(
                        m.types_headers.contains(&first.0.file),
                        "v{version} {arch}: {} from {}",
                        key.name,
                        first.0.file
                    );
                }
            }
        }
    }
}
