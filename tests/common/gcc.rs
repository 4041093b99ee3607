//! The differential harness: gcc computes the same facts uapi-diff computes (sizes, alignments,
//! offsets, ioctl numbers, values) from the same headers, and the two are compared item by item.
//! Only tests run gcc; the tool itself never compiles or runs anything from a tree.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use uapi_diff::change::{Facts, ItemKind};
use uapi_diff::model::Model;

pub fn gcc_available() -> bool {
    Command::new("gcc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Lays out a tree's uAPI headers as `make headers_install` would for `arch_dir`: include/uapi and
/// the arch's include/uapi merged, `asm/` wrappers for the asm-generic headers an arch lacks, and
/// the annotations headers_install strips removed.
pub fn install_headers(tree: &Path, arch_dir: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let copy = |from: &Path| {
        if from.is_dir() {
            for file in walk(from) {
                let rel = file.strip_prefix(from).expect("under root");
                let target = out.path().join(rel);
                std::fs::create_dir_all(target.parent().expect("has parent")).expect("mkdir");
                let text = std::fs::read(&file).expect("read header");
                std::fs::write(&target, strip_annotations(&text)).expect("write header");
            }
        }
    };
    copy(&tree.join("include/uapi"));
    copy(&tree.join(format!("arch/{arch_dir}/include/uapi")));
    let generic = out.path().join("asm-generic");
    if generic.is_dir() {
        std::fs::create_dir_all(out.path().join("asm")).expect("mkdir asm");
        for file in walk(&generic) {
            let name = file.file_name().expect("file name");
            let wrapper = out.path().join("asm").join(name);
            if !wrapper.exists() {
                let body = format!("#include <asm-generic/{}>\n", name.to_string_lossy());
                std::fs::write(wrapper, body).expect("write wrapper");
            }
        }
    }
    out
}

/// headers_install.sh removes these with sed.
fn strip_annotations(text: &[u8]) -> Vec<u8> {
    let mut s = String::from_utf8_lossy(text).into_owned();
    for word in ["__user", "__force", "__iomem"] {
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(pos) = rest.find(word) {
            let before_ok = pos == 0
                || !rest.as_bytes()[pos - 1].is_ascii_alphanumeric()
                    && rest.as_bytes()[pos - 1] != b'_';
            let after = rest
                .as_bytes()
                .get(pos + word.len())
                .copied()
                .unwrap_or(b' ');
            let after_ok = !after.is_ascii_alphanumeric() && after != b'_';
            out.push_str(&rest[..pos]);
            if !(before_ok && after_ok) {
                out.push_str(word);
            }
            rest = &rest[pos + word.len()..];
        }
        out.push_str(rest);
        s = out;
    }
    s.into_bytes()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The outcome of one comparison.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Facts equal to gcc's, by item kind.
    pub equal: BTreeMap<String, usize>,
    /// `id: ours vs gcc's`.
    pub mismatches: Vec<String>,
    /// Headers whose probe did not compile, with gcc's first error line.
    pub compile_failures: Vec<String>,
    /// Facts we computed that gcc cannot evaluate in the same context (`file: id`).
    pub gcc_rejected: Vec<String>,
    /// Facts we left unresolved that gcc computes in the same context (`file: id = value`).
    pub missed: Vec<String>,
    /// Facts we left unresolved that gcc cannot compute either, by item kind: the header relies on
    /// what it does not include, or on what no uAPI header defines.
    pub unresolved_for_gcc_too: BTreeMap<String, usize>,
    /// What gcc printed, by (file, diff item id): a value, or `size,align` for a struct or union.
    pub gcc_values: BTreeMap<(String, String), String>,
}

impl Comparison {
    fn absorb(&mut self, other: Comparison) {
        for (k, v) in other.equal {
            *self.equal.entry(k).or_default() += v;
        }
        for (k, v) in other.unresolved_for_gcc_too {
            *self.unresolved_for_gcc_too.entry(k).or_default() += v;
        }
        self.mismatches.extend(other.mismatches);
        self.compile_failures.extend(other.compile_failures);
        self.gcc_rejected.extend(other.gcc_rejected);
        self.missed.extend(other.missed);
        for (key, value) in other.gcc_values {
            self.gcc_values
                .entry(key)
                .and_modify(|v| *v = format!("{v},{value}"))
                .or_insert(value);
        }
    }
}

/// One fact to check: an id, a C expression, and our value (None: we left it unresolved), for the
/// item of `file` whose diff id is `item`.
struct Probe {
    id: String,
    expr: String,
    ours: Option<i128>,
    file: String,
    item: String,
}

/// Compares every computed fact of `model` with gcc, one translation unit per header (the context
/// the model computes each header's facts in). `header_root` is the tree's path prefix of headers
/// (`include/uapi/` and `arch/<arch>/include/uapi/`), stripped to get the include name.
pub fn compare(model: &Model, installed: &Path, extra_flags: &[&str]) -> Comparison {
    let mut per_file: BTreeMap<&str, Vec<Probe>> = BTreeMap::new();
    let typedef_named: std::collections::BTreeSet<(&str, &str)> = model
        .items
        .iter()
        .filter(|(k, i)| {
            k.kind == ItemKind::Typedef
                && matches!(&i.facts, Facts::Typedef { ty, .. } if ty.ends_with("<anonymous>"))
        })
        .map(|(k, _)| (k.file.as_str(), k.name.as_str()))
        .collect();
    let type_name = |file: &str, kind: ItemKind, name: &str| -> String {
        if typedef_named.contains(&(file, name)) {
            name.to_string()
        } else {
            format!(
                "{} {name}",
                if kind == ItemKind::Union {
                    "union"
                } else {
                    "struct"
                }
            )
        }
    };
    let record_kinds: BTreeMap<(&str, &str), ItemKind> = model
        .items
        .keys()
        .filter(|k| matches!(k.kind, ItemKind::Struct | ItemKind::Union))
        .map(|k| ((k.file.as_str(), k.name.as_str()), k.kind))
        .collect();
    let defines: std::collections::BTreeSet<(&str, &str)> = model
        .items
        .keys()
        .filter(|k| matches!(k.kind, ItemKind::Define | ItemKind::Ioctl))
        .map(|k| (k.file.as_str(), k.name.as_str()))
        .collect();
    for (key, item) in &model.items {
        // A value computed as an includer sees it is probed in that includer's translation unit.
        let tu = match &item.facts {
            Facts::Value {
                context: Some(c), ..
            }
            | Facts::Ioctl {
                context: Some(c), ..
            } => c.as_str(),
            _ => key.file.as_str(),
        };
        let probes = per_file.entry(tu).or_default();
        let item_id = uapi_diff::diff::item_id(key.kind, key.parent.as_deref(), &key.name);
        let mut push = |id: String, expr: String, ours: Option<i128>| {
            probes.push(Probe {
                id,
                expr,
                ours,
                file: key.file.clone(),
                item: item_id.clone(),
            })
        };
        match (&key.kind, &item.facts) {
            (ItemKind::Struct | ItemKind::Union, Facts::Record { size, align, .. }) => {
                let t = type_name(&key.file, key.kind, &key.name);
                push(
                    format!("{}:{}", key.kind.as_str(), key.name),
                    format!("sizeof({t})"),
                    size.map(i128::from),
                );
                push(
                    format!("{}-align:{}", key.kind.as_str(), key.name),
                    format!("_Alignof({t})"),
                    align.map(i128::from),
                );
            }
            // A member whose name a later define rewrites (`#define pn_data pn_msg_u.base.pn_data`)
            // cannot be named in a probe.
            (ItemKind::Field, _)
                if key
                    .name
                    .split('.')
                    .any(|part| defines.contains(&(key.file.as_str(), part))) => {}
            (
                ItemKind::Field,
                Facts::Field {
                    offset, bits: None, ..
                },
            ) => {
                let parent = key.parent.as_deref().unwrap_or_default();
                let kind = record_kinds
                    .get(&(key.file.as_str(), parent))
                    .copied()
                    .unwrap_or(ItemKind::Struct);
                let t = type_name(&key.file, kind, parent);
                push(
                    format!("field:{parent}.{}", key.name),
                    format!("__builtin_offsetof({t}, {})", key.name),
                    offset.map(i128::from),
                );
            }
            // An enumerator that a define of the same name shadows cannot be probed by name.
            (ItemKind::Enumerator, _)
                if defines.contains(&(key.file.as_str(), key.name.as_str())) => {}
            (
                ItemKind::Define | ItemKind::Enumerator,
                Facts::Value {
                    value,
                    non_integer: None,
                    ..
                },
            ) => {
                push(
                    format!("{}:{}", key.kind.as_str(), key.name),
                    format!("({})", key.name),
                    *value,
                );
            }
            (ItemKind::Ioctl, Facts::Ioctl { number, .. }) => {
                push(
                    format!("ioctl:{}", key.name),
                    format!("({})", key.name),
                    number.map(i128::from),
                );
            }
            _ => {}
        }
    }
    let work = tempfile::tempdir().expect("temp dir");
    let outcomes: Vec<Comparison> = per_file
        .into_par_iter()
        .filter(|(_, probes)| !probes.is_empty())
        .map(|(file, probes)| {
            let probes: Vec<&Probe> = probes.iter().collect();
            probe_header(file, &probes, 0, work.path(), installed, extra_flags)
        })
        .collect();
    let mut result = Comparison::default();
    for o in outcomes {
        result.absorb(o);
    }
    result.mismatches.sort();
    result.missed.sort();
    result.compile_failures.sort();
    result.gcc_rejected.sort();
    result
}

/// What to include before a header that is not self-contained (it uses size_t, struct sockaddr,
/// bool… from libc), tried in order. `__GLIBC__` is undefined again afterwards: the model knows no
/// libc, and some uAPI headers define things only without glibc.
const LIBC_PRELUDES: &[&str] = &[
    "",
    "#include <stddef.h>\n#include <limits.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include <sys/types.h>\n#include <sys/socket.h>\n#include <signal.h>\n#undef __GLIBC__\n",
    "#include <stddef.h>\n#include <limits.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include <sys/types.h>\n#include <sys/socket.h>\n#include <signal.h>\n#include <time.h>\n#include <net/if.h>\n#undef __GLIBC__\n",
];

/// The item kind a probe id starts with (`struct-align:x` → `struct-align`).
fn kind_of(id: &str) -> String {
    id.split(':').next().unwrap_or("?").to_string()
}

/// Compiles and runs one header's probes after `LIBC_PRELUDES[prelude]`. Probes gcc rejects (an
/// error at their line) are set aside and the rest compiled again, so one bad probe does not hide
/// a header; the rejected ones are tried again after more of libc, as a program would include it.
fn probe_header(
    file: &str,
    probes: &[&Probe],
    prelude: usize,
    work: &Path,
    installed: &Path,
    extra_flags: &[&str],
) -> Comparison {
    let mut result = Comparison::default();
    // `file` is a header, or the headers of the translation unit a value was computed in, in
    // include order (the model's `context`).
    let includes: String = file
        .split(", ")
        .map(|path| {
            let name = path
                .strip_prefix("include/uapi/")
                .or_else(|| path.split_once("/include/uapi/").map(|(_, rest)| rest))
                .unwrap_or(path);
            format!("#include <{name}>\n")
        })
        .collect();
    let stem: String = file
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let c_path = work.join(format!("{stem}.c"));
    let exe = work.join(format!("{stem}.out"));
    let mut live: Vec<&Probe> = probes.to_vec();
    let mut rejected: Vec<&Probe> = Vec::new();
    // Headers that are not self-contained are compiled again after the libc headers they lean
    // on, as programs that use them do.
    let retry = prelude > 0;
    let mut prelude = prelude;
    let mut compared = false;
    for _attempt in 0..8 {
        // <linux/ioctl.h> first, as <sys/ioctl.h> gives every program that issues ioctls (the model
        // treats <asm/ioctl.h> as an implicit prelude for the same reason). No libc header before
        // the uAPI header: the model knows no libc, and glibc's macros (__GLIBC__) change what
        // some uAPI headers define.
        let mut src = format!(
            "{}#include <linux/ioctl.h>\n{includes}int printf(const char *, ...);\n",
            LIBC_PRELUDES[prelude]
        );
        let header_lines = src.lines().count();
        // One function a probe, a line each: gcc reports an undeclared name once per function.
        for (i, p) in live.iter().enumerate() {
            let (fmt, cast) = if p.ours.is_some_and(|v| v < 0) {
                ("%lld", "long long")
            } else {
                ("%llu", "unsigned long long")
            };
            src.push_str(&format!(
                "static void probe{i}(void) {{ printf(\"%s {fmt}\\n\", \"{}\", ({cast}){}); }}\n",
                p.id, p.expr
            ));
        }
        src.push_str("int main(void) {\n");
        for i in 0..live.len() {
            src.push_str(&format!("  probe{i}();\n"));
        }
        src.push_str("  return 0;\n}\n");
        std::fs::write(&c_path, src).expect("write probe");
        let output = Command::new("gcc")
            .args(extra_flags)
            .arg("-w")
            .arg("-I")
            .arg(installed)
            .arg(&c_path)
            .arg("-o")
            .arg(&exe)
            .output()
            .expect("run gcc");
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let c_name = c_path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            // An error inside a macro of the header is placed at the probe by its "in expansion of
            // macro" note (with -w, notes only follow errors).
            // A call of a function no header defines (BIT(), cpu_to_be32()) fails at link time, in
            // the probe's own function.
            let bad: std::collections::BTreeSet<usize> = err
                .lines()
                .filter(|l| l.contains(": error") || l.contains(": note: in expansion of macro"))
                .filter_map(|l| {
                    l.split_once(&format!("{c_name}:"))
                        .and_then(|(_, rest)| rest.split(':').next()?.parse().ok())
                })
                .filter(|line: &usize| *line > header_lines)
                .map(|line| line - header_lines - 1)
                .chain(err.lines().filter_map(|l| {
                    let (_, rest) = l.split_once("in function `probe")?;
                    rest.split('\'').next()?.parse().ok()
                }))
                .collect();
            if bad.is_empty() && prelude + 1 < LIBC_PRELUDES.len() {
                prelude += 1;
                continue;
            }
            if bad.is_empty() && retry {
                // More of libc breaks the header itself: these probes have no answer from gcc.
                rejected.append(&mut live);
                compared = true;
                break;
            }
            if bad.is_empty() {
                let first = err
                    .lines()
                    .find(|l| l.contains("error"))
                    .unwrap_or("")
                    .to_string();
                result.compile_failures.push(format!("{file}: {first}"));
                return result;
            }
            for &i in bad.iter().rev() {
                if i < live.len() {
                    rejected.push(live.remove(i));
                }
            }
            continue;
        }
        let run = Command::new(&exe).output().expect("run probe");
        let printed = String::from_utf8_lossy(&run.stdout);
        for (p, line) in live.iter().zip(printed.lines()) {
            let theirs = line.rsplit(' ').next().unwrap_or("");
            result
                .gcc_values
                .entry((p.file.clone(), p.item.clone()))
                .and_modify(|v| *v = format!("{v},{theirs}"))
                .or_insert_with(|| theirs.to_string());
            match p.ours {
                Some(ours) if theirs == ours.to_string() => {
                    *result.equal.entry(kind_of(&p.id)).or_default() += 1
                }
                Some(ours) => result
                    .mismatches
                    .push(format!("{file}: {}: ours {ours} vs gcc {theirs}", p.id)),
                None => result.missed.push(format!("{file}: {} = {theirs}", p.id)),
            }
        }
        compared = true;
        break;
    }
    if !compared {
        result.compile_failures.push(format!(
            "{file}: still failing after dropping rejected probes"
        ));
    }
    if rejected.is_empty() {
        return result;
    }
    if prelude + 1 < LIBC_PRELUDES.len() {
        rejected.reverse();
        result.absorb(probe_header(
            file,
            &rejected,
            prelude + 1,
            work,
            installed,
            extra_flags,
        ));
        return result;
    }
    for p in rejected {
        match p.ours {
            Some(_) => result.gcc_rejected.push(format!("{file}: {}", p.id)),
            None => {
                *result
                    .unresolved_for_gcc_too
                    .entry(kind_of(&p.id))
                    .or_default() += 1
            }
        }
    }
    result
}
