//! The differential harness on the real v5.10, v6.1 and v6.12 trees (x86_64 and i386, and arm,
//! powerpc64 and mips on v6.12): every fact uapi-diff computes equals gcc's over the headers `make
//! headers_install` produces, what it leaves unresolved that gcc computes stays within 0.5% of each
//! kind, and the diffs v5.10 ↔ v6.1 and v6.1 ↔ v6.12, both ways, are what gcc's facts imply. Needs scripts/fetch-kernels.sh's cache
//! (CI has it).

mod common;

use common::gcc;
use common::oracle::{self, GccVerdict};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use uapi_diff::change::{ChangeKind, DiffReport, ItemKind};
use uapi_diff::model::{arch::ARCHES, Arch};
use uapi_diff::pipeline::{self, Options};

/// The `make headers_install` ARCH and the gcc for an arch: x86 and i386 are compiled and run by
/// the host's gcc (`-m32` for i386), other targets by Debian's cross gcc for the arch's triplet
/// (sparc64's with `-m32` for sparc, which has none of its own), into objects.
fn compiler_for(arch: &Arch) -> (&'static str, gcc::Compiler) {
    match arch.name {
        "x86" => ("x86_64", gcc::Compiler::native(&[])),
        "i386" => ("i386", gcc::Compiler::native(&["-m32"])),
        "sparc" => (
            arch.dir(),
            gcc::Compiler::cross("sparc64-linux-gnu", true).with_flags(&["-m32"]),
        ),
        _ => (
            arch.dir(),
            gcc::Compiler::cross(arch.triplet, arch.big_endian),
        ),
    }
}

/// A tree's model at one tag, where its headers are installed, and what gcc says of each fact.
struct Harnessed {
    snap: pipeline::Snapshot,
    installed: PathBuf,
    cmp: gcc::Comparison,
}

/// The harness on one tag for one arch, run once per test binary: the facts-equal tests and the
/// changes test share it. None without the kernel cache or (outside CI) the arch's gcc.
fn harnessed(version: &'static str, arch: &'static str) -> Option<&'static Harnessed> {
    static CELLS: common::PerTag<Harnessed> = std::sync::Mutex::new(BTreeMap::new());
    common::once_per_tag(&CELLS, version, arch, || {
        let repo = common::kernel_repo()?;
        let arch = Arch::by_name(arch).expect("known arch");
        let (make_arch, compiler) = compiler_for(arch);
        if !compiler.available() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have {} (scripts/test.sh installs it)",
                compiler.name()
            );
            eprintln!("skipping: no {}", compiler.name());
            return None;
        }
        let opts = Options {
            arch,
            kms: false,
            ..Options::default()
        };
        let snap = common::tag_snapshot(&repo, version, &opts);
        let installed = gcc::installed_kernel_headers(&repo, version, make_arch);
        let cmp = gcc::compare(&snap.model, &installed, &compiler);
        Some(Harnessed {
            snap,
            installed,
            cmp,
        })
    })
}

/// `arch`: uapi-diff's `--arch`.
fn check(version: &'static str, arch_name: &'static str) {
    let Some(Harnessed {
        snap,
        installed,
        cmp,
    }) = harnessed(version, arch_name)
    else {
        return;
    };
    let arch = snap.model.arch;
    let mut unresolved: BTreeMap<ItemKind, (usize, usize)> = BTreeMap::new();
    // Over the headers the arch installs, as the comparison.
    for (key, item) in &snap.model.items {
        if !gcc::is_installed(installed, &key.file) {
            continue;
        }
        let entry = unresolved.entry(key.kind).or_default();
        entry.1 += 1;
        if item.facts.unresolved().is_some() {
            entry.0 += 1;
        }
    }
    let label = format!("v{version} {}", arch.name);
    eprintln!("{label}: equal to gcc {:?}", cmp.equal);
    eprintln!("{label}: unresolved/total by kind {unresolved:?}");
    eprintln!(
        "{label}: {} gcc-rejected, {} compile failures",
        cmp.gcc_rejected.len(),
        cmp.compile_failures.len()
    );
    if let Some(path) = std::env::var_os("UAPI_DIFF_GCC_REPORT") {
        let all = [&cmp.mismatches, &cmp.compile_failures, &cmp.gcc_rejected]
            .map(|v| v.join("\n"))
            .join("\n---\n");
        std::fs::write(
            format!("{}-{version}-{}", path.to_string_lossy(), arch.name),
            all,
        )
        .expect("write report");
    }
    let show = |v: &[String]| v.iter().take(40).cloned().collect::<Vec<_>>().join("\n");
    assert!(
        cmp.mismatches.is_empty(),
        "{} mismatches:\n{}",
        cmp.mismatches.len(),
        show(&cmp.mismatches)
    );
    // Headers that no libc makes self-contained: the xen ones use types of xen/interface/*.h, which
    // is not uAPI and not installed; coda.h needs libc's u_short and ino_t but redefines glibc's
    // struct timeval and u_quad_t. Their facts that need those are unresolved in the model too.
    // v5.10's <linux/time.h> still defines `struct timeval`, which glibc's <sys/time.h> (the libc
    // prelude signal.h needs for size_t and pid_t) defines too; asm-generic/shmbuf.h uses `struct
    // ipc64_perm` without including <asm/ipcbuf.h>. Their facts are unresolved or computed alike in
    // the other headers that include them.
    let not_self_contained = |f: &str| {
        f.starts_with("include/uapi/xen/")
            || f.starts_with("include/uapi/linux/coda.h:")
            || version == "5.10"
                && (f.contains("error: redefinition of ‘struct timeval’")
                    || f.starts_with("include/uapi/asm-generic/shmbuf.h:"))
    };
    let failures: Vec<String> = cmp
        .compile_failures
        .iter()
        .filter(|f| !not_self_contained(f))
        .cloned()
        .collect();
    assert!(
        failures.is_empty(),
        "compile failures:\n{}",
        show(&failures)
    );
    assert!(
        cmp.gcc_rejected.is_empty(),
        "gcc rejected:\n{}",
        show(&cmp.gcc_rejected)
    );
    // The target: what uapi-diff leaves unresolved is at most 0.5% of each kind. Counted
    // here against what gcc computes in the same translation unit (the header, after libc's headers
    // when it needs them): an item gcc cannot compute there either is no fact of the header as
    // installed (a kernel-internal BIT()/HZ, another arch's struct, xen/interface types) and stays
    // listed as unresolved with its reason.
    eprintln!(
        "{label}: unresolved that gcc cannot compute either {:?}",
        cmp.unresolved_for_gcc_too
    );
    eprintln!(
        "{label}: unresolved that gcc computes: {}\n{}",
        cmp.missed.len(),
        show(&cmp.missed)
    );
    for (kind, (_, total)) in &unresolved {
        let missed = cmp
            .missed
            .iter()
            .filter(|m| {
                let id = m.split_once(": ").map_or("", |(_, id)| id);
                let probe_kind = id.split(':').next().unwrap_or("");
                probe_kind.trim_end_matches("-align") == kind.as_str()
            })
            .count();
        assert!(
            missed * 1000 <= total * 5,
            "{}: {missed} of {total} left unresolved though gcc computes them",
            kind.as_str()
        );
    }
}

#[test]
fn v6_1_facts_equal_gccs() {
    check("6.1", "x86");
}

#[test]
fn v6_12_facts_equal_gccs() {
    check("6.12", "x86");
}

/// ILP32: `long` and pointers of 4 bytes, `long long` aligned to 4 in structs; gcc -m32.
#[test]
fn v6_12_i386_facts_equal_gccs() {
    check("6.12", "i386");
}

/// ILP32 EABI: 8-byte-aligned `long long`, unsigned `char`; arm-linux-gnueabihf-gcc.
#[test]
fn v6_12_arm_facts_equal_gccs() {
    check("6.12", "arm");
}

/// Big-endian LP64 with powerpc's own `_IOC` (13 size bits, 3 direction bits, `_IOC_VOID`
/// 0x20000000), unsigned `char`; powerpc64-linux-gnu-gcc.
#[test]
fn v6_12_powerpc64_facts_equal_gccs() {
    check("6.12", "powerpc64");
}

/// Big-endian ILP32 with mips' `_IOC` (13 size bits, 3 direction bits) and `_MIPS_SIM` choices;
/// mips-linux-gnu-gcc.
#[test]
fn v6_12_mips_facts_equal_gccs() {
    check("6.12", "mips");
}

/// Every other target whose cross gcc is installed here (bookworm's gcc-<triplet> packages; CI has
/// only the three above), or those named in `UAPI_DIFF_CROSS_ARCHES` (comma-separated):
/// `cargo test --release --test gcc_kernel -- --ignored`.
#[test]
#[ignore]
fn v6_12_installed_cross_targets_facts_equal_gccs() {
    let named = std::env::var("UAPI_DIFF_CROSS_ARCHES").ok();
    for arch in ARCHES {
        let wanted = match &named {
            Some(list) => list.split(',').any(|n| n == arch.name),
            None => {
                !matches!(arch.name, "x86" | "i386" | "arm" | "powerpc64" | "mips")
                    && compiler_for(arch).1.available()
            }
        };
        if wanted {
            check("6.12", arch.name);
        }
    }
}
/// The pairs of tags the harness diffs, each both ways (old → new and new → old).
const PAIRS: &[(&str, &str)] = &[("5.10", "6.1"), ("6.1", "6.12")];

/// The diff of two harnessed tags for one arch, computed once per test binary (the changes test
/// and the verdicts test share it). None where `harnessed` is None.
fn reported(
    old: &'static str,
    new: &'static str,
    arch: &'static str,
) -> Option<(&'static Harnessed, &'static Harnessed, &'static DiffReport)> {
    type Cell = std::sync::OnceLock<Option<DiffReport>>;
    static CELLS: std::sync::Mutex<BTreeMap<(&str, &str, &str), &'static Cell>> =
        std::sync::Mutex::new(BTreeMap::new());
    let (before, after) = (harnessed(old, arch)?, harnessed(new, arch)?);
    let cell: &'static Cell = CELLS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry((old, new, arch))
        .or_insert_with(|| Box::leak(Box::default()));
    let report = cell
        .get_or_init(|| Some(pipeline::report(&before.snap, &after.snap)))
        .as_ref()?;
    Some((before, after, report))
}

/// The diff's added / removed / changed lists from `old` to `new` are what gcc's facts at the two
/// tags imply, item by item (an item is its id in its header, as the diff keys it; a move is a
/// removal and an addition that the `moved` rule classifies; an enumerator is its name in its header,
/// whatever its enum is called): an item gcc computes at one tag only
/// is added or removed, one whose value gcc sees change is changed, and the diff adds or removes no
/// item gcc computes at both.
fn changes_are_what_gccs_facts_imply(old: &'static str, new: &'static str, arch: &'static str) {
    let Some((old, new, report)) = reported(old, new, arch) else {
        return;
    };
    type Item = (String, String);
    // C scopes enumerators by file, not by enum: an enum that gets a name changes no constant.
    let identity = |file: &str, id: &str| -> Item {
        let id = match id.strip_prefix("enumerator:") {
            Some(rest) => format!("enumerator:{}", rest.rsplit('.').next().unwrap_or(rest)),
            None => id.to_string(),
        };
        (file.to_string(), id)
    };
    let items = |h: &Harnessed| -> BTreeSet<Item> {
        h.snap
            .model
            .items
            .keys()
            .map(|k| {
                identity(
                    &k.file,
                    &uapi_diff::change::item_id(k.kind, k.parent.as_deref(), &k.name),
                )
            })
            .collect()
    };
    let (old_items, new_items) = (items(old), items(new));
    let values = |h: &Harnessed| -> BTreeMap<Item, String> {
        h.cmp
            .gcc_values
            .iter()
            .map(|((file, id), value)| (identity(file, id), value.clone()))
            .collect()
    };
    let (old_values, new_values) = (&values(old), &values(new));
    // The diff lists the fields of an added or removed struct through the struct alone.
    let listed_alone = |(file, id): &Item, other: &BTreeSet<Item>| match id.strip_prefix("field:") {
        Some(rest) => {
            let parent = rest.split('.').next().unwrap_or_default();
            ["struct", "union"]
                .iter()
                .any(|kind| other.contains(&(file.clone(), format!("{kind}:{parent}"))))
        }
        None => true,
    };
    let implied_added: BTreeSet<&Item> = new_values
        .keys()
        .filter(|item| !old_items.contains(*item) && listed_alone(item, &old_items))
        .collect();
    let implied_removed: BTreeSet<&Item> = old_values
        .keys()
        .filter(|item| !new_items.contains(*item) && listed_alone(item, &new_items))
        .collect();
    let implied_changed: BTreeSet<&Item> = old_values
        .iter()
        .filter(|(item, value)| new_values.get(*item).is_some_and(|v| v != *value))
        .map(|(item, _)| item)
        .collect();
    // What the report says happened to each item: its entries, and what one entry stands for
    // (the items folded under it; a move and change or a respelling: the old item removed from
    // its old place, the new one added).
    let mut reported: BTreeMap<ChangeKind, BTreeSet<Item>> = BTreeMap::new();
    let mut entries: Vec<&uapi_diff::change::Change> = report.changes.iter().collect();
    while let Some(c) = entries.pop() {
        entries.extend(&c.items);
        reported
            .entry(c.change)
            .or_default()
            .insert(identity(&c.file, &c.id));
        if c.change == ChangeKind::Changed && (c.moved_from.is_some() || c.old_kind.is_some()) {
            let old_file = c.moved_from.as_deref().unwrap_or(&c.file);
            // A respelled constant's old spelling: a define has no parent, and an enumerator's
            // is dropped by `identity` anyway.
            let old_id = match c.old_kind {
                Some(kind) => uapi_diff::change::item_id(kind, None, &c.name),
                None => c.id.clone(),
            };
            let removed = reported.entry(ChangeKind::Removed).or_default();
            removed.insert(identity(old_file, &old_id));
            let added = reported.entry(ChangeKind::Added).or_default();
            added.insert(identity(&c.file, &c.id));
        }
    }
    for kind in [ChangeKind::Added, ChangeKind::Removed, ChangeKind::Changed] {
        reported.entry(kind).or_default();
    }
    let by_kind = |items: &BTreeSet<&Item>| -> BTreeMap<String, usize> {
        let mut count = BTreeMap::new();
        for (_, id) in items {
            *count
                .entry(id.split(':').next().unwrap_or_default().to_string())
                .or_insert(0) += 1;
        }
        count
    };
    eprintln!(
        "v{} → v{} {arch}: gcc implies: added {:?}, removed {:?}, changed {:?}",
        report.old.revision.trim_start_matches('v'),
        report.new.revision.trim_start_matches('v'),
        by_kind(&implied_added),
        by_kind(&implied_removed),
        by_kind(&implied_changed)
    );
    let show = |items: Vec<&Item>| -> String {
        let shown: Vec<String> = items
            .iter()
            .take(20)
            .map(|(f, id)| format!("{f}: {id}"))
            .collect();
        format!("{} items: {}", items.len(), shown.join(", "))
    };
    for (implied, kind) in [
        (&implied_added, ChangeKind::Added),
        (&implied_removed, ChangeKind::Removed),
        (&implied_changed, ChangeKind::Changed),
    ] {
        let unlisted: Vec<&Item> = implied
            .iter()
            .copied()
            .filter(|item| !reported[&kind].contains(*item))
            .collect();
        assert!(
            unlisted.is_empty(),
            "not reported {}: {}",
            kind.as_str(),
            show(unlisted)
        );
    }
    // Conversely: nothing gcc computes at both tags is reported added or removed.
    let spurious: Vec<&Item> = reported[&ChangeKind::Added]
        .iter()
        .chain(&reported[&ChangeKind::Removed])
        .filter(|item| old_values.contains_key(*item) && new_values.contains_key(*item))
        .collect();
    assert!(
        spurious.is_empty(),
        "reported added or removed though gcc computes it at both tags: {}",
        show(spurious)
    );
}

/// Records whose growth is a break at the new tag: passed to a non-DRM ioctl (the request number
/// carries the size; gcc computed those numbers equal to ours), or held in an array.
fn growth_breaking_records(h: &Harnessed) -> BTreeSet<String> {
    let mut drm_or_not: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for item in h.snap.model.items.values() {
        match &item.facts {
            uapi_diff::change::Facts::Ioctl {
                arg_type: Some(t),
                ioc_type,
                ..
            } => {
                let name = t
                    .trim_start_matches("struct ")
                    .trim_start_matches("union ")
                    .trim()
                    .to_string();
                *drm_or_not.entry(name).or_default() |= *ioc_type == Some(u64::from(b'd'));
            }
            uapi_diff::change::Facts::Field { ty, .. } => {
                let record = ty
                    .split_once('[')
                    .map(|(element, _)| element.trim())
                    .and_then(|e| e.strip_prefix("struct ").or(e.strip_prefix("union ")));
                if let Some(r) = record {
                    out.insert(r.trim().to_string());
                }
            }
            _ => {}
        }
    }
    out.extend(
        drm_or_not
            .into_iter()
            .filter(|(_, drm)| !drm)
            .map(|(name, _)| name),
    );
    out
}

/// For every struct and union gcc lays out at both tags under one name in one header:
/// uapi-diff reports a `breaking` change on the record or one of its members exactly when gcc's
/// layouts show a break.
fn verdicts_agree(old_tag: &'static str, new_tag: &'static str, arch: &'static str) {
    let Some((old, new, report)) = reported(old_tag, new_tag, arch) else {
        return;
    };
    let mut breaking: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for c in report.changes.iter().filter(|c| c.breaking) {
        let record = match c.kind {
            ItemKind::Struct | ItemKind::Union => c.name.clone(),
            ItemKind::Field => c.parent.clone().unwrap_or_default(),
            _ => continue,
        };
        breaking
            .entry((c.file.clone(), record))
            .or_default()
            .push(format!("{} ({})", c.id, c.rule));
    }
    let growth_breaks = growth_breaking_records(new);
    // Where the new tag's model no longer lists an old member (`data.note` once `data`'s anonymous
    // union got a tag), gcc says whether C still reaches it, and where.
    let (_, compiler) = compiler_for(new.snap.model.arch);
    let extra = gcc::missing_members(&old.snap.model, &new.snap.model, &|k| {
        gcc::is_installed(&new.installed, &k.file)
    });
    let reached = gcc::compare_items(
        &new.snap.model,
        &new.installed,
        &compiler,
        &|_| false,
        &extra,
    );
    let mut new_observed = new.cmp.observed.clone();
    new_observed.extend(reached.observed);
    let (before, after) = (
        oracle::gcc_records(&old.cmp.observed),
        oracle::gcc_records(&new_observed),
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (key, o) in &before {
        let Some(n) = after.get(key) else { continue };
        let verdict = oracle::verdict(o, n, growth_breaks.contains(&key.1));
        *counts.entry(format!("{verdict:?}")).or_default() += 1;
        let ours = breaking.get(key);
        match (verdict == GccVerdict::Breaks, ours) {
            (true, None) => disagreements.push(format!(
                "{}: {}: gcc shows a break, uapi-diff reports none",
                key.0, key.1
            )),
            (false, Some(list)) => disagreements.push(format!(
                "{}: {}: gcc shows {verdict:?}, uapi-diff reports breaking {}",
                key.0,
                key.1,
                list.join(", ")
            )),
            _ => {}
        }
    }
    eprintln!("v{old_tag} → v{new_tag} {arch}: gcc's record verdicts {counts:?}");
    eprintln!(
        "v{old_tag} → v{new_tag} {arch}: {} disagreements",
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Both checks on one pair, both ways.
fn pair_agrees_both_ways(pair: usize, arch: &'static str) {
    let (old, new) = PAIRS[pair];
    for (from, to) in [(old, new), (new, old)] {
        changes_are_what_gccs_facts_imply(from, to, arch);
        verdicts_agree(from, to, arch);
    }
}

#[test]
fn v5_10_v6_1_changes_and_verdicts_agree_with_gcc_both_ways() {
    pair_agrees_both_ways(0, "x86");
}

#[test]
fn v5_10_v6_1_i386_changes_and_verdicts_agree_with_gcc_both_ways() {
    pair_agrees_both_ways(0, "i386");
}

#[test]
fn v6_1_v6_12_changes_and_verdicts_agree_with_gcc_both_ways() {
    pair_agrees_both_ways(1, "x86");
}

#[test]
fn v6_1_v6_12_i386_changes_and_verdicts_agree_with_gcc_both_ways() {
    pair_agrees_both_ways(1, "i386");
}

/// v6.1 on i386: ILP32 layouts of the older tag, which the i386 verdicts compare against.
#[test]
fn v6_1_i386_facts_equal_gccs() {
    check("6.1", "i386");
}

/// v5.10, the oldest tag of the pairs (Debian 11's linux-source).
#[test]
fn v5_10_facts_equal_gccs() {
    check("5.10", "x86");
}

#[test]
fn v5_10_i386_facts_equal_gccs() {
    check("5.10", "i386");
}

/// Every constant gcc computes through `_IOC` (its value changes when `_IOC` is marked), whatever
/// its spelling (a define, an enumerator, a DRM wrapper), is an ioctl item, and every ioctl item
/// whose number gcc computes is one of those.
fn ioctls_in_every_spelling(version: &'static str, arch_name: &'static str) {
    let Some(h) = harnessed(version, arch_name) else {
        return;
    };
    let arch = h.snap.model.arch;
    let (_, compiler) = compiler_for(arch);
    let constants =
        |k: ItemKind| matches!(k, ItemKind::Define | ItemKind::Enumerator | ItemKind::Ioctl);
    let marked = gcc::compare_kinds(
        &h.snap.model,
        &h.installed,
        &compiler.with_marked_ioc(),
        &constants,
    );
    let through_ioc: BTreeSet<(String, String)> = h
        .cmp
        .gcc_values
        .iter()
        .filter(|(key, value)| marked.gcc_values.get(*key).is_some_and(|m| m != *value))
        .map(|(key, _)| key.clone())
        .collect();
    let ioctl_items: BTreeSet<(String, String)> = h
        .cmp
        .gcc_values
        .keys()
        .filter(|(_, id)| id.starts_with("ioctl:"))
        .cloned()
        .collect();
    let spelled_as_enumerators = h
        .snap
        .model
        .items
        .iter()
        .filter(|(_, item)| {
            matches!(&item.facts, uapi_diff::change::Facts::Ioctl { spelled: Some(s), .. } if s == "enumerator")
        })
        .count();
    eprintln!(
        "v{version} {arch_name}: gcc computes {} constants through _IOC; {} ioctl items ({} spelled as enumerators)",
        through_ioc.len(),
        ioctl_items.len(),
        spelled_as_enumerators
    );
    let not_items: Vec<String> = through_ioc
        .difference(&ioctl_items)
        .map(|(f, id)| format!("{f}: {id}"))
        .collect();
    let not_ioctls: Vec<String> = ioctl_items
        .difference(&through_ioc)
        .map(|(f, id)| format!("{f}: {id}"))
        .collect();
    assert!(
        not_items.is_empty() && not_ioctls.is_empty(),
        "through _IOC but no ioctl item: {not_items:#?}\nioctl items gcc does not compute through _IOC: {not_ioctls:#?}"
    );
}

#[test]
fn v6_1_ioctls_in_every_spelling_are_ioctl_items() {
    ioctls_in_every_spelling("6.1", "x86");
}

#[test]
fn v6_12_ioctls_in_every_spelling_are_ioctl_items() {
    ioctls_in_every_spelling("6.12", "x86");
}
