//! The `syscalls` surface: every syscall table of a revision (docs/syscalls.md).
//!
//! An arch's syscalls come from one of three places, told apart by the files the revision has:
//! - `arch/<dir>/kernel/Makefile.syscalls` (since 6.11): the generic rule
//!   (`scripts/Makefile.asm-headers`) makes each `syscall-y` header of the arch's uapi `Kbuild`
//!   (`unistd_64.h`) from `scripts/syscall.tbl` (or the table the makefile names), with the ABIs
//!   `common`, the word size and the makefile's `syscall_abis_<size>` additions;
//! - the arch's own table (x86, arm, mips, powerpc, s390, sparc…): its `generated-y` unistd headers
//!   made as its `kernel/syscalls/Makefile` (`OWN_TABLES`) says; those makefiles are not among the
//!   paths read, so their rules are written here: they have not changed from 5.10 to 6.12;
//! - neither: the arch takes `include/uapi/asm-generic/unistd.h` (`generic`), and the C headers
//!   already hold its numbers; its syscalls are read from the `__SYSCALL` lines its
//!   `asm/unistd.h` reaches.
//!
//! An arch's syscall items are the rows of its own ABI selection (`view`), numbered as
//! userspace's `__NR_*` (with the table's offset: mips o32 from 4000…). The generated headers are
//! those of the arch's directory, named where an installed tree has them
//! (`arch/<dir>/include/uapi/asm/unistd_64.h`), so that a tree and its installed headers compare
//! item for item.

mod generic;
mod table;

use super::{Extracted, GeneratedHeader, Surface, SurfaceFile, SurfaceItem, SurfaceNote};
use crate::arch::{Arch, ARCHES};
use crate::change::{Facts, ItemKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use table::{HeaderRule, Row};

pub struct Syscalls;

pub static SURFACE: Syscalls = Syscalls;

const GENERIC_TABLE: &str = "scripts/syscall.tbl";

/// What the arch makefiles of the arches with their own tables do (5.10 to 6.12): per arch
/// directory, per generated header name, the table (relative to `arch/<dir>/`), the ABIs (None:
/// every row) and the offset macro. A `{abi}` in the name stands for the part of the name the
/// build passes as the ABI.
struct OwnTable {
    dir: &'static str,
    header: &'static str,
    table: &'static str,
    abis: Option<&'static [&'static str]>,
    offset: Option<&'static str>,
}

const OWN_TABLES: &[OwnTable] = &[
    own(
        "x86",
        "unistd_32.h",
        "entry/syscalls/syscall_32.tbl",
        Some(&["i386"]),
        None,
    ),
    own(
        "x86",
        "unistd_64.h",
        "entry/syscalls/syscall_64.tbl",
        Some(&["common", "64"]),
        None,
    ),
    own(
        "x86",
        "unistd_x32.h",
        "entry/syscalls/syscall_64.tbl",
        Some(&["common", "x32"]),
        Some("__X32_SYSCALL_BIT"),
    ),
    own(
        "arm",
        "unistd-common.h",
        "tools/syscall.tbl",
        Some(&["common"]),
        Some("__NR_SYSCALL_BASE"),
    ),
    own(
        "arm",
        "unistd-oabi.h",
        "tools/syscall.tbl",
        Some(&["common", "oabi"]),
        Some("__NR_SYSCALL_BASE"),
    ),
    own(
        "arm",
        "unistd-eabi.h",
        "tools/syscall.tbl",
        Some(&["common", "eabi"]),
        Some("__NR_SYSCALL_BASE"),
    ),
    own(
        "mips",
        "unistd_n32.h",
        "kernel/syscalls/syscall_n32.tbl",
        None,
        Some("__NR_Linux"),
    ),
    own(
        "mips",
        "unistd_n64.h",
        "kernel/syscalls/syscall_n64.tbl",
        None,
        Some("__NR_Linux"),
    ),
    own(
        "mips",
        "unistd_o32.h",
        "kernel/syscalls/syscall_o32.tbl",
        None,
        Some("__NR_Linux"),
    ),
    own(
        "mips",
        "unistd_nr_n32.h",
        "kernel/syscalls/syscall_n32.tbl",
        None,
        None,
    ),
    own(
        "mips",
        "unistd_nr_n64.h",
        "kernel/syscalls/syscall_n64.tbl",
        None,
        None,
    ),
    own(
        "mips",
        "unistd_nr_o32.h",
        "kernel/syscalls/syscall_o32.tbl",
        None,
        None,
    ),
    own(
        "powerpc",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "nospu", "32"]),
        None,
    ),
    own(
        "powerpc",
        "unistd_64.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "nospu", "64"]),
        None,
    ),
    own(
        "parisc",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "32"]),
        None,
    ),
    own(
        "parisc",
        "unistd_64.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "64"]),
        None,
    ),
    own(
        "sparc",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "32"]),
        None,
    ),
    own(
        "sparc",
        "unistd_64.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "64"]),
        None,
    ),
    own(
        "s390",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "32"]),
        None,
    ),
    own(
        "s390",
        "unistd_64.h",
        "kernel/syscalls/syscall.tbl",
        Some(&["common", "64"]),
        None,
    ),
    own(
        "ia64",
        "unistd_64.h",
        "kernel/syscalls/syscall.tbl",
        None,
        Some("__NR_Linux"),
    ),
    own(
        "alpha",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        None,
        None,
    ),
    own(
        "m68k",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        None,
        None,
    ),
    own(
        "microblaze",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        None,
        None,
    ),
    own(
        "sh",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        None,
        None,
    ),
    own(
        "xtensa",
        "unistd_32.h",
        "kernel/syscalls/syscall.tbl",
        None,
        None,
    ),
];

const fn own(
    dir: &'static str,
    header: &'static str,
    table: &'static str,
    abis: Option<&'static [&'static str]>,
    offset: Option<&'static str>,
) -> OwnTable {
    OwnTable {
        dir,
        header,
        table,
        abis,
        offset,
    }
}

/// The header whose rows are an arch's syscalls, and the value its offset macro has there
/// (`asm/unistd.h` defines it per ABI: mips' `__NR_Linux`, arm's `__NR_SYSCALL_BASE` of EABI).
fn view(arch: &Arch) -> (&'static str, u64) {
    match arch.name {
        "i386" => ("unistd_32.h", 0),
        "arm" => ("unistd-eabi.h", 0),
        "mips" | "mipsel" => ("unistd_o32.h", 4000),
        "mips64" | "mips64el" => ("unistd_n64.h", 5000),
        "ia64" => ("unistd_64.h", 1024),
        _ if arch.data_model.pointer_bytes() == 8 => ("unistd_64.h", 0),
        _ => ("unistd_32.h", 0),
    }
}

/// mips' `unistd_nr_<abi>.h`: the macro prefix and the first number of its ABI.
fn mips_count(header: &str) -> Option<(&'static str, u64)> {
    match header {
        "unistd_nr_n32.h" => Some(("N32", 6000)),
        "unistd_nr_n64.h" => Some(("64", 5000)),
        "unistd_nr_o32.h" => Some(("O32", 4000)),
        _ => None,
    }
}

/// The files of one revision, by path.
struct Files<'a> {
    texts: BTreeMap<&'a str, &'a str>,
}

impl<'a> Files<'a> {
    fn get(&self, path: &str) -> Option<&'a str> {
        self.texts.get(path).copied()
    }
}

/// How an arch directory makes its syscalls at this revision.
enum Source {
    /// Generated headers from tables (`rules`), the arch's ABI selection among them.
    Tables(Vec<HeaderRule>),
    /// `asm-generic/unistd.h`, through the arch's `asm/unistd.h`.
    Generic(String),
    /// No syscall table and no `asm/unistd.h`: the arch is not in this tree.
    Absent,
}

fn source_of(dir: &str, files: &Files) -> (Source, Vec<SurfaceNote>) {
    let kbuild_path = format!("arch/{dir}/include/uapi/asm/Kbuild");
    let kbuild = files.get(&kbuild_path).unwrap_or_default();
    let mut notes = Vec::new();
    let makefile = format!("arch/{dir}/kernel/Makefile.syscalls");
    if let Some(text) = files.get(&makefile) {
        let m = table::makefile_syscalls(text);
        let mut rules = Vec::new();
        for header in table::kbuild_list(kbuild, "syscall-y") {
            let size = header
                .strip_prefix("unistd_")
                .and_then(|h| h.strip_suffix(".h"))
                .unwrap_or_default()
                .to_string();
            let extra = match size.as_str() {
                "32" => &m.abis_32,
                "64" => &m.abis_64,
                _ => {
                    notes.push(note(
                        &kbuild_path,
                        0,
                        format!("syscall-y `{header}` names no word size: not generated"),
                    ));
                    continue;
                }
            };
            let mut table = match &m.table {
                Some(t) => t.replace('%', &size),
                None => GENERIC_TABLE.to_string(),
            };
            if files.get(&table).is_none() && table != GENERIC_TABLE {
                notes.push(note(
                    &makefile,
                    0,
                    format!("{table} (syscalltbl) is not in the tree: {GENERIC_TABLE} is read in its place"),
                ));
                table = GENERIC_TABLE.to_string();
            }
            let mut abis = vec!["common".to_string(), size.clone()];
            abis.extend(extra.iter().cloned());
            rules.push(HeaderRule {
                name: header,
                table,
                abis: Some(abis),
                offset: None,
                count: None,
            });
        }
        return (Source::Tables(rules), notes);
    }
    let generated = table::kbuild_list(kbuild, "generated-y");
    let rules: Vec<HeaderRule> = OWN_TABLES
        .iter()
        .filter(|o| o.dir == dir && generated.iter().any(|g| g == o.header))
        .map(|o| {
            // arm's oabi and eabi headers hold the common rows unless unistd-common.h does.
            let common_apart = dir == "arm" && generated.iter().any(|g| g == "unistd-common.h");
            let abis = o.abis.map(|a| {
                a.iter()
                    .filter(|abi| {
                        !(common_apart && o.header != "unistd-common.h" && **abi == "common")
                    })
                    .map(|s| s.to_string())
                    .collect()
            });
            HeaderRule {
                name: o.header.to_string(),
                table: format!("arch/{dir}/{}", o.table),
                abis,
                offset: o.offset,
                count: mips_count(o.header),
            }
        })
        .collect();
    if !rules.is_empty() {
        return (Source::Tables(rules), notes);
    }
    let unistd = format!("arch/{dir}/include/uapi/asm/unistd.h");
    if files.get(&unistd).is_some() {
        return (Source::Generic(unistd), notes);
    }
    (Source::Absent, notes)
}

fn note(file: &str, line: u32, message: String) -> SurfaceNote {
    SurfaceNote {
        file: file.to_string(),
        line,
        message,
    }
}

/// An arch's syscalls at this revision (its view), as (name → item), with notes.
fn syscalls_of(
    arch: &'static Arch,
    files: &Files,
) -> (BTreeMap<String, SurfaceItem>, Vec<SurfaceNote>) {
    let (source, mut notes) = source_of(arch.dir(), files);
    let tables = matches!(source, Source::Tables(_));
    let mut items: BTreeMap<String, SurfaceItem> = BTreeMap::new();
    let mut add = |item: SurfaceItem, notes: &mut Vec<SurfaceNote>| {
        if let Some(first) = items.get(&item.name) {
            notes.push(note(
                &item.file,
                item.line,
                format!(
                    "syscall {} is listed again (first at line {}): the first is kept",
                    item.name, first.line
                ),
            ));
        } else {
            items.insert(item.name.clone(), item);
        }
    };
    match source {
        Source::Tables(rules) => {
            let (header, offset) = view(arch);
            // arm before 6.1: its EABI view is unistd-common.h's rows and unistd-eabi.h's.
            let mine: Vec<&HeaderRule> = rules
                .iter()
                .filter(|r| r.count.is_none())
                .filter(|r| r.name == header || (arch.name == "arm" && r.name == "unistd-common.h"))
                .collect();
            let mine = match mine.is_empty() {
                // An arch with one header whatever its word size (alpha's unistd_32.h).
                true => rules.iter().filter(|r| r.count.is_none()).take(1).collect(),
                false => mine,
            };
            for rule in mine {
                let Some(text) = files.get(&rule.table) else {
                    notes.push(note(
                        &rule.table,
                        0,
                        format!("the table of {} is not in the tree", rule.name),
                    ));
                    continue;
                };
                let (rows, _) = table::rows(text);
                for row in rows
                    .iter()
                    .filter(|r| table::selected(r, rule.abis.as_deref()))
                {
                    add(row_item(&rule.table, row, offset), &mut notes);
                }
            }
        }
        Source::Generic(unistd) => {
            let texts: HashMap<&str, &str> = files.texts.iter().map(|(p, t)| (*p, *t)).collect();
            let (wired, generic_notes) = generic::wired(arch, &unistd, &texts);
            notes.extend(generic_notes.into_iter().map(|(f, l, m)| note(&f, l, m)));
            for w in wired {
                let item = SurfaceItem {
                    file: w.file,
                    kind: ItemKind::Syscall,
                    parent: None,
                    name: w.name,
                    line: w.line,
                    facts: Facts::Syscall {
                        number: w.number,
                        abi: w.abi,
                        entry: Some(w.entry),
                        compat_entry: w.compat_entry,
                        absent_from: Vec::new(),
                    },
                    decl: w.text,
                };
                add(item, &mut notes);
            }
        }
        Source::Absent => {}
    }
    if tables {
        let unistd = format!("arch/{}/include/uapi/asm/unistd.h", arch.dir());
        if let Some(text) = files.get(&unistd) {
            rename_as_defined(&mut items, text);
        }
    }
    (items, notes)
}

/// An arch's `asm/unistd.h` may give a table's syscall another name: it `#undef`s the generated
/// `__NR_<a>` and defines `__NR_<b>` as the same number (csky since 6.11: `sync_file_range` is
/// `sync_file_range2` to userspace). The syscall is known by the name userspace sees.
fn rename_as_defined(items: &mut BTreeMap<String, SurfaceItem>, arch_unistd: &str) {
    let mut undefined = Vec::new();
    let mut defined: Vec<(String, u64)> = Vec::new();
    for line in arch_unistd.lines() {
        let words: Vec<&str> = line
            .trim()
            .trim_start_matches('#')
            .split_whitespace()
            .collect();
        match words.as_slice() {
            ["undef", name] => undefined.extend(name.strip_prefix("__NR_")),
            ["define", name, value] => {
                if let (Some(name), Ok(value)) = (name.strip_prefix("__NR_"), value.parse()) {
                    defined.push((name.to_string(), value));
                }
            }
            _ => {}
        }
    }
    for old in undefined {
        let Some(item) = items.get(old) else { continue };
        let Facts::Syscall {
            number: Some(n), ..
        } = item.facts
        else {
            continue;
        };
        let renamed = defined
            .iter()
            .find(|(name, v)| *v == n && !items.contains_key(name));
        if let (Some((new, _)), Some(mut item)) = (renamed, items.remove(old)) {
            item.name = new.clone();
            items.insert(new.clone(), item);
        }
    }
}

fn row_item(table: &str, row: &Row, offset: u64) -> SurfaceItem {
    SurfaceItem {
        file: table.to_string(),
        kind: ItemKind::Syscall,
        parent: None,
        name: row.name.clone(),
        line: row.line,
        facts: Facts::Syscall {
            number: Some(row.number + offset),
            abi: row.abi.clone(),
            entry: row.entry.clone(),
            compat_entry: row.compat_entry.clone(),
            absent_from: Vec::new(),
        },
        decl: row.text.clone(),
    }
}

/// The unistd headers the build generates for an arch directory.
fn generated(dir: &str, files: &Files, notes: &mut Vec<SurfaceNote>) -> Vec<GeneratedHeader> {
    let (Source::Tables(rules), _) = source_of(dir, files) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rule in rules {
        let Some(text) = files.get(&rule.table) else {
            continue;
        };
        let (rows, bad) = table::rows(text);
        notes.extend(bad.into_iter().map(|(l, m)| note(&rule.table, l, m)));
        out.push(GeneratedHeader {
            path: format!("arch/{dir}/include/uapi/asm/{}", rule.name),
            include_as: format!("asm/{}", rule.name),
            text: table::header_text(&rule, &rows),
        });
    }
    notes.sort();
    notes.dedup();
    out
}

impl Surface for Syscalls {
    fn name(&self) -> &'static str {
        "syscalls"
    }

    /// Every arch's tables, whatever `--arch`: an added syscall's hint names the arches that lack it.
    fn globs(&self, _arch: &Arch) -> Vec<String> {
        [
            "arch/*/entry/syscalls/*.tbl",
            "arch/*/kernel/syscalls/*.tbl",
            "arch/*/tools/*.tbl",
            GENERIC_TABLE,
            "arch/*/kernel/Makefile.syscalls",
            "arch/*/include/uapi/asm/Kbuild",
            "arch/*/include/uapi/asm/unistd.h",
            generic::GENERIC,
        ]
        .map(String::from)
        .to_vec()
    }

    fn extract(&self, files: &[SurfaceFile], arch: &'static Arch) -> Extracted {
        let mut notes = Vec::new();
        let texts: BTreeMap<&str, String> = files
            .iter()
            .filter_map(|f| match std::str::from_utf8(f.bytes) {
                Ok(t) => Some((f.path, t.to_string())),
                Err(_) => {
                    notes.push(note(f.path, 0, "not UTF-8 text: not read".to_string()));
                    None
                }
            })
            .collect();
        let files = Files {
            texts: texts.iter().map(|(p, t)| (*p, t.as_str())).collect(),
        };
        let (mut mine, own_notes) = syscalls_of(arch, &files);
        notes.extend(own_notes);
        // Which arches (with a syscall view at this revision) lack each of this arch's syscalls.
        let mut absent: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let dirs: BTreeSet<&str> = ARCHES.iter().map(|a| a.dir()).collect();
        let mut views: HashMap<&str, Source> = HashMap::new();
        for dir in dirs {
            views.insert(dir, source_of(dir, &files).0);
        }
        for other in ARCHES.iter().filter(|a| a.name != arch.name) {
            if matches!(views.get(other.dir()), Some(Source::Absent) | None) {
                continue;
            }
            let (theirs, _) = syscalls_of(other, &files);
            for name in mine.keys() {
                if !theirs.contains_key(name) {
                    absent
                        .entry(name.as_str())
                        .or_default()
                        .push(other.name.to_string());
                }
            }
        }
        let absent: HashMap<String, Vec<String>> = absent
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for (name, item) in mine.iter_mut() {
            if let (Facts::Syscall { absent_from, .. }, Some(list)) =
                (&mut item.facts, absent.get(name))
            {
                *absent_from = list.clone();
            }
        }
        let generated = generated(arch.dir(), &files, &mut notes);
        notes.sort();
        notes.dedup();
        Extracted {
            items: mine.into_values().collect(),
            generated,
            notes,
        }
    }
}
