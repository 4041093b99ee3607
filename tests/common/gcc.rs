//! The differential harness: gcc computes the same facts uapi-diff computes (sizes, alignments,
//! offsets, ioctl numbers, values) from the same headers, and the two are compared item by item.
//! Only tests run gcc; the tool itself never compiles or runs anything from a tree.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use uapi_diff::change::{Facts, ItemKind};
use uapi_diff::model::{ItemKey, Model};

pub fn gcc_available() -> bool {
    Compiler::native(&[]).available()
}

/// The gcc that computes the facts, and how its values come back.
pub struct Compiler {
    gcc: String,
    flags: Vec<String>,
    readout: Readout,
    /// Source placed after `<linux/ioctl.h>` and before the header (see `with_marked_ioc`).
    after_ioctl_h: String,
}

enum Readout {
    /// The probe program prints each value; it is run.
    Run,
    /// A cross target's binary cannot run here: each value is compiled into a variable in a data
    /// section of an object file, found with the target's nm, extracted with its objcopy and
    /// decoded in its byte order. Bitfields are probed this way too: a variable holding the record
    /// with only that bitfield's bits set shows where gcc put them.
    Object {
        objcopy: String,
        nm: String,
        big_endian: bool,
    },
}

/// The section the object-file probes put their variables in.
const PROBE_SECTION: &str = ".uapi_probe";

impl Compiler {
    /// The host's gcc, running what it compiles (`-m32` for i386).
    pub fn native(flags: &[&str]) -> Compiler {
        Compiler {
            gcc: "gcc".into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            readout: Readout::Run,
            after_ioctl_h: String::new(),
        }
    }

    /// Debian's cross gcc for a GNU triplet (`arm-linux-gnueabihf`), reading values from objects.
    pub fn cross(triplet: &str, big_endian: bool) -> Compiler {
        Compiler {
            gcc: format!("{triplet}-gcc"),
            flags: Vec::new(),
            readout: Readout::Object {
                objcopy: format!("{triplet}-objcopy"),
                nm: format!("{triplet}-nm"),
                big_endian,
            },
            after_ioctl_h: String::new(),
        }
    }

    pub fn with_flags(mut self, flags: &[&str]) -> Compiler {
        self.flags.extend(flags.iter().map(|f| f.to_string()));
        self
    }

    /// `_IOC` redefined to its usual value XOR 0x5a5a5a5a: a constant whose value then differs from
    /// the plain compile's goes through `_IOC`, whatever its spelling (a define, an enumerator, a
    /// wrapper such as `DRM_IOWR`). For arches with the generic `_IOC` layout.
    pub fn with_marked_ioc(mut self) -> Compiler {
        self.after_ioctl_h = "#undef _IOC\n#define _IOC(dir,type,nr,size) ((((dir) << _IOC_DIRSHIFT) | ((type) << _IOC_TYPESHIFT) | ((nr) << _IOC_NRSHIFT) | ((size) << _IOC_SIZESHIFT)) ^ 0x5a5a5a5aU)\n".into();
        self
    }

    pub fn name(&self) -> String {
        std::iter::once(self.gcc.as_str())
            .chain(self.flags.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn available(&self) -> bool {
        Command::new(&self.gcc)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn reads_objects(&self) -> bool {
        matches!(self.readout, Readout::Object { .. })
    }

    /// What precedes the probe lines, and what follows `count` of them.
    fn probe_frame(&self, count: usize) -> (&'static str, String) {
        match self.readout {
            Readout::Run => {
                let calls: String = (0..count).map(|i| format!("  probe_{i}();\n")).collect();
                (
                    "int printf(const char *, ...);\n",
                    format!("int main(void) {{\n{calls}  return 0;\n}}\n"),
                )
            }
            Readout::Object { .. } => ("", String::new()),
        }
    }

    /// One line per probe, so that a compile error's line names the probe; `index` names its
    /// function (gcc names an undeclared identifier once per function) or its variable in an object.
    fn probe_line(&self, index: usize, p: &Probe) -> String {
        let var = format!("probe_{index} __attribute__((section(\"{PROBE_SECTION}\")))");
        match self.readout {
            Readout::Run if p.bits_of.is_some() => {
                let BitsOf { record, width, .. } = p.bits_of.as_ref().expect("a bitfield probe");
                // The set bits of a record with only this bitfield set to all ones, numbered
                // from each byte's least significant bit (the host is little-endian): the first
                // one, or how many are set for a `bitfield-width` probe.
                let shown = match p.id.starts_with("bitfield-width:") {
                    true => r#"printf("%s %u\n", ID, n)"#.to_string(),
                    false => format!(
                        r#"if (n == {width}) printf("%s %u\n", ID, first); else printf("%s %u({width}-bits-wanted-%u-set)\n", ID, first, n)"#
                    ),
                };
                format!(
                    "static void probe_{index}(void) {{ union {{ {record} s; unsigned char b[sizeof({record})]; }} u; __builtin_memset(&u, 0, sizeof u); u.s.{} = -1; unsigned first = ~0u, n = 0; for (unsigned i = 0; i < sizeof u.b * 8; i++) if (u.b[i / 8] >> (i % 8) & 1) {{ if (first == ~0u) first = i; n++; }} {}; }}\n",
                    p.expr,
                    shown.replace("ID", &format!("\"{}\"", p.id))
                )
            }
            Readout::Run => {
                let (fmt, cast) = if p.signed() {
                    ("%lld", "long long")
                } else {
                    ("%llu", "unsigned long long")
                };
                format!(
                    "static void probe_{index}(void) {{ printf(\"%s {fmt}\\n\", \"{}\", ({cast}){}); }}\n",
                    p.id, p.expr
                )
            }
            Readout::Object { .. } => match &p.bits_of {
                None => format!(
                    "const unsigned long long {var} = (unsigned long long)({});\n",
                    p.expr
                ),
                Some(BitsOf { record, .. }) => format!(
                    "const union {{ {record} s; unsigned char b[sizeof({record})]; }} {var} = {{ .s = {{ .{} = -1 }} }};\n",
                    p.expr
                ),
            },
        }
    }

    fn compile(&self, c_path: &Path, out: &Path, installed: &Path) -> std::process::Output {
        let mut cmd = Command::new(&self.gcc);
        cmd.args(&self.flags).arg("-w").arg("-I").arg(installed);
        if let Readout::Object { .. } = self.readout {
            cmd.arg("-c");
        }
        cmd.arg(c_path)
            .arg("-o")
            .arg(out)
            .output()
            .expect("run gcc")
    }

    /// gcc's value of each probe, as the probe program would print it.
    fn values(&self, out: &Path, probes: &[&Probe]) -> Vec<String> {
        match &self.readout {
            Readout::Run => {
                let run = Command::new(out).output().expect("run probe");
                String::from_utf8_lossy(&run.stdout)
                    .lines()
                    .map(|line| line.rsplit(' ').next().unwrap_or("").to_string())
                    .collect()
            }
            Readout::Object {
                objcopy,
                nm,
                big_endian,
            } => {
                let bin = out.with_extension("bin");
                let status = Command::new(objcopy)
                    .args(["-O", "binary", "--only-section", PROBE_SECTION])
                    .arg(out)
                    .arg(&bin)
                    .status()
                    .expect("run objcopy");
                assert!(status.success(), "objcopy failed on {}", out.display());
                let section = std::fs::read(&bin).expect("read probe values");
                // `nm -S`: offset in the section, size, type, name.
                let symbols = Command::new(nm)
                    .args(["-S", "--defined-only"])
                    .arg(out)
                    .output()
                    .expect("run nm");
                let symbols = String::from_utf8_lossy(&symbols.stdout);
                let placed: BTreeMap<&str, (usize, usize)> = symbols
                    .lines()
                    .filter_map(|line| {
                        let mut words = line.split_whitespace();
                        let offset = usize::from_str_radix(words.next()?, 16).ok()?;
                        let size = usize::from_str_radix(words.next()?, 16).ok()?;
                        Some((words.nth(1)?, (offset, size)))
                    })
                    .collect();
                probes
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let bytes = placed
                            .get(format!("probe_{i}").as_str())
                            .and_then(|&(offset, size)| section.get(offset..offset + size))
                            .unwrap_or_default();
                        match &p.bits_of {
                            None => decode_value(bytes, *big_endian, p.signed()),
                            Some(b) => decode_bits(bytes, *big_endian, b.width),
                        }
                    })
                    .collect()
            }
        }
    }
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

/// One `make` at a time: the tests share the unpacked trees, and two builds of the same tree's
/// host tools collide ("Text file busy").
static MAKE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What to do when `make headers_install` cannot run: `cargo test` alone does not install the
/// packages the gcc tests use, the README's test command does.
const MISSING_TOOLS: &str = "these tests need make, rsync, gcc and the cross compilers: run \
     scripts/test.sh, or scripts/install-deps.sh test before cargo test";

/// `make headers_install` of the unpacked tree of a version (`6.12`) for a kernel ARCH (`x86_64`),
/// cached beside the kernel repo as `installed-<version>-<arch>` (runs the kernel's own build
/// scripts: the tests do, the tool never does). Returns its `include` dir.
pub fn installed_kernel_headers(repo: &Path, version: &str, arch: &str) -> PathBuf {
    let kernels = repo.parent().expect("cache dir").to_path_buf();
    let out = kernels.join(format!("installed-{version}-{arch}"));
    let _one_make_at_a_time = MAKE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !out.join("include/linux/types.h").exists() {
        let src = kernels.join(format!("src/linux-source-{version}"));
        let status = Command::new("make")
            .args(["-s", "headers_install"])
            .arg(format!("ARCH={arch}"))
            .arg(format!("INSTALL_HDR_PATH={}", out.display()))
            .current_dir(&src)
            .status()
            .unwrap_or_else(|e| panic!("cannot run `make headers_install` ({e}): {MISSING_TOOLS}"));
        assert!(
            status.success(),
            "make headers_install failed in {} (if it could not find rsync: {MISSING_TOOLS})",
            src.display()
        );
    }
    out.join("include")
}

/// headers_install.sh removes these with sed (`__user`, `__force`, `__iomem`).
pub fn strip_annotations(text: &[u8]) -> Vec<u8> {
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
    /// what no uAPI header of the arch defines (BIT(), HZ, another arch's struct, xen's types).
    pub unresolved_for_gcc_too: BTreeMap<String, usize>,
    /// What gcc printed, by (file, diff item id): a value, or `size,align` for a struct or union.
    pub gcc_values: BTreeMap<(String, String), String>,
    /// What gcc printed for each probe, by (file, probe id): `struct:x`, `struct-align:x`,
    /// `field:x.m` (offset), `field-size:x.m`, `field-class:x.m` (`__builtin_classify_type`).
    pub observed: BTreeMap<(String, String), String>,
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
        self.observed.extend(other.observed);
        for (key, value) in other.gcc_values {
            self.gcc_values
                .entry(key)
                .and_modify(|v| *v = format!("{v},{value}"))
                .or_insert(value);
        }
    }
}

/// The name a tree path is included by (`include/uapi/linux/x.h`, `arch/arm/include/uapi/asm/x.h`).
fn include_name(file: &str) -> &str {
    file.strip_prefix("include/uapi/")
        .or_else(|| file.split_once("/include/uapi/").map(|(_, rest)| rest))
        .unwrap_or(file)
}

/// Whether `make headers_install` installed a tree header for the arch: it leaves out headers whose
/// arch has no counterpart (`linux/kvm.h` without `asm/kvm.h`, `linux/a.out.h`…).
/// `file` may be a translation unit's headers, `, `-separated (the model's `context`). An
/// asm-generic header the arch replaces with its own `asm/` one is installed, but no program of the
/// arch compiles it alone (glibc brings in the arch's own: mips' `SO_RCVTIMEO` is 0x1006, not 20).
pub fn is_installed(installed: &Path, file: &str) -> bool {
    file.split(", ").all(|path| {
        let name = include_name(path);
        let replaced = name.strip_prefix("asm-generic/").is_some_and(|rest| {
            std::fs::read_to_string(installed.join("asm").join(rest))
                .is_ok_and(|own| !own.contains(name))
        });
        installed.join(name).is_file() && !replaced
    })
}

/// A value as the probe program prints it (signed when ours is negative).
fn decode_value(bytes: &[u8], big_endian: bool, signed: bool) -> String {
    let Ok(bytes) = <[u8; 8]>::try_from(bytes) else {
        return format!("{} bytes", bytes.len());
    };
    let v = if big_endian {
        u64::from_be_bytes(bytes)
    } else {
        u64::from_le_bytes(bytes)
    };
    if signed {
        (v as i64).to_string()
    } else {
        v.to_string()
    }
}

/// The offset of the set bits of a record, numbered as DWARF's data_bit_offset: from each byte's
/// least significant bit on little-endian targets, its most significant on big-endian ones.
fn decode_bits(bytes: &[u8], big_endian: bool, width: u64) -> String {
    let set: Vec<usize> = bytes
        .iter()
        .enumerate()
        .flat_map(|(i, byte)| {
            (0..8)
                .filter(move |bit| byte >> bit & 1 == 1)
                .map(move |bit| i * 8 + if big_endian { 7 - bit } else { bit })
        })
        .collect();
    match set.iter().min() {
        Some(first) if set.len() as u64 == width => first.to_string(),
        Some(first) => format!("{first} ({} bits set, not {width})", set.len()),
        None => "no bits set".into(),
    }
}

/// One fact to check: an id, a C expression (for a bitfield, its member designator), our value
/// (None: we left it unresolved), for the item of `file` whose diff id is `item`.
struct Probe {
    id: String,
    expr: String,
    ours: Option<i128>,
    /// Set for a bitfield, whose bit offset (`ours`) gcc shows only in an object's data.
    bits_of: Option<BitsOf>,
    file: String,
    item: String,
    /// A value we do not compute (a member's type class): recorded in `observed` only.
    observe_only: bool,
}

impl Probe {
    /// Whether gcc's value is shown signed: when ours is negative.
    fn signed(&self) -> bool {
        self.ours.is_some_and(|v| v < 0)
    }
}

struct BitsOf {
    /// The record's C type.
    record: String,
    width: u64,
}

/// Compares every computed fact of `model` with gcc, one translation unit per header (the context
/// the model computes each header's facts in). `header_root` is the tree's path prefix of headers
/// (`include/uapi/` and `arch/<arch>/include/uapi/`), stripped to get the include name.
pub fn compare(model: &Model, installed_dir: &Path, compiler: &Compiler) -> Comparison {
    compare_kinds(model, installed_dir, compiler, &|_| true)
}

/// `compare` over the items of the kinds `probed` accepts.
pub fn compare_kinds(
    model: &Model,
    installed_dir: &Path,
    compiler: &Compiler,
    probed: &dyn Fn(ItemKind) -> bool,
) -> Comparison {
    compare_items(model, installed_dir, compiler, &|key| probed(key.kind), &[])
}

/// A member the model does not list that gcc is asked to place: `member` of `record` (a struct or
/// union of `file`), a designator C accepts (`u.x`, reached through a member of a tagged type).
pub struct ExtraMember {
    pub file: String,
    pub kind: ItemKind,
    pub record: String,
    pub member: String,
}

/// The members (not bitfields) of records present in both models that `old` lists and `new` does
/// not, among the fields `wanted` accepts: probed in `new`'s headers, they show whether C still
/// reaches them there (`u.x` through a member whose anonymous union type was given a tag).
pub fn missing_members(
    old: &Model,
    new: &Model,
    wanted: &dyn Fn(&ItemKey) -> bool,
) -> Vec<ExtraMember> {
    let records: std::collections::BTreeMap<(&str, &str), ItemKind> = new
        .items
        .keys()
        .filter(|k| matches!(k.kind, ItemKind::Struct | ItemKind::Union))
        .map(|k| ((k.file.as_str(), k.name.as_str()), k.kind))
        .collect();
    old.items
        .iter()
        .filter(|(k, item)| {
            k.kind == ItemKind::Field
                && wanted(k)
                && matches!(&item.facts, Facts::Field { bits: None, .. })
                && !new.items.contains_key(k)
        })
        .filter_map(|(k, _)| {
            let record = k.parent.clone()?;
            let kind = *records.get(&(k.file.as_str(), record.as_str()))?;
            Some(ExtraMember {
                file: k.file.clone(),
                kind,
                record,
                member: k.name.clone(),
            })
        })
        .collect()
}

/// `compare` over the items `probed` accepts, and the offset, size and class of `extra` members
/// (observed only: `field:`, `field-size:`, `field-class:` probes, as for the model's members).
pub fn compare_items(
    model: &Model,
    installed_dir: &Path,
    compiler: &Compiler,
    probed: &dyn Fn(&ItemKey) -> bool,
    extra: &[ExtraMember],
) -> Comparison {
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
    for (key, item) in model.items.iter().filter(|(k, _)| probed(k)) {
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
        let item_id = uapi_diff::change::item_id(key.kind, key.parent.as_deref(), &key.name);
        let mut push = |id: String, expr: String, ours: Option<i128>, bits_of: Option<BitsOf>| {
            probes.push(Probe {
                id,
                expr,
                ours,
                bits_of,
                file: key.file.clone(),
                item: item_id.clone(),
                observe_only: false,
            })
        };
        // Unresolved facts are probed too: gcc computing one is a miss of ours.
        match (&key.kind, &item.facts) {
            (ItemKind::Struct | ItemKind::Union, Facts::Record { size, align, .. }) => {
                let t = type_name(&key.file, key.kind, &key.name);
                let kind = key.kind.as_str();
                let id = |what: &str| format!("{what}:{}", key.name);
                push(id(kind), format!("sizeof({t})"), size.map(i128::from), None);
                let align_id = id(&format!("{kind}-align"));
                push(
                    align_id,
                    format!("_Alignof({t})"),
                    align.map(i128::from),
                    None,
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
                    offset,
                    size,
                    ty,
                    bits: None,
                    ..
                },
            ) => {
                let parent = key.parent.as_deref().unwrap_or_default();
                let kind = record_kinds
                    .get(&(key.file.as_str(), parent))
                    .copied()
                    .unwrap_or(ItemKind::Struct);
                let t = type_name(&key.file, kind, parent);
                let member = format!("((({t} *)0)->{})", key.name);
                push(
                    format!("field:{parent}.{}", key.name),
                    format!("__builtin_offsetof({t}, {})", key.name),
                    offset.map(i128::from),
                    None,
                );
                // sizeof rejects a flexible array member (`__u8 []`, and of arrays `__u8 [][6]`).
                let flexible = ty.find('[').is_some_and(|i| ty[i..].starts_with("[]"));
                if !flexible {
                    push(
                        format!("field-size:{parent}.{}", key.name),
                        format!("sizeof{member}"),
                        size.map(i128::from),
                        None,
                    );
                }
                // An array's element size, for the harnesses' own verdicts (a fake flexible array
                // holds at most one element).
                if ty.contains('[') {
                    probes.push(Probe {
                        id: format!("field-element-size:{parent}.{}", key.name),
                        expr: format!("sizeof({member}[0])"),
                        ours: None,
                        bits_of: None,
                        file: key.file.clone(),
                        item: item_id.clone(),
                        observe_only: true,
                    });
                }
                probes.push(Probe {
                    id: format!("field-class:{parent}.{}", key.name),
                    expr: format!("__builtin_classify_type{member}"),
                    ours: None,
                    bits_of: None,
                    file: key.file.clone(),
                    item: item_id.clone(),
                    observe_only: true,
                });
                // What a pointer member points to, for the harnesses' own verdicts: the kernel
                // reads and writes it (an opaque record's size fails to compile, and is left out).
                if ty.ends_with('*') && !ty.contains('(') {
                    for (what, expr) in [
                        ("field-target-size", format!("sizeof(*{member})")),
                        (
                            "field-target-class",
                            format!("__builtin_classify_type(*{member})"),
                        ),
                    ] {
                        probes.push(Probe {
                            id: format!("{what}:{parent}.{}", key.name),
                            expr,
                            ours: None,
                            bits_of: None,
                            file: key.file.clone(),
                            item: item_id.clone(),
                            observe_only: true,
                        });
                    }
                }
            }
            (
                ItemKind::Field,
                Facts::Field {
                    bits: Some(bits), ..
                },
            ) => {
                let parent = key.parent.as_deref().unwrap_or_default();
                let kind = record_kinds
                    .get(&(key.file.as_str(), parent))
                    .copied()
                    .unwrap_or(ItemKind::Struct);
                let record = type_name(&key.file, kind, parent);
                push(
                    format!("bitfield:{parent}.{}", key.name),
                    key.name.clone(),
                    Some(i128::from(bits.bit_offset)),
                    Some(BitsOf {
                        record: record.clone(),
                        width: bits.width,
                    }),
                );
                // How many bits gcc gives it, for the harnesses' own verdicts (run probes only).
                if !compiler.reads_objects() {
                    probes.push(Probe {
                        id: format!("bitfield-width:{parent}.{}", key.name),
                        expr: key.name.clone(),
                        ours: None,
                        bits_of: Some(BitsOf {
                            record,
                            width: bits.width,
                        }),
                        file: key.file.clone(),
                        item: item_id.clone(),
                        observe_only: true,
                    });
                }
            }
            // An enumerator that a define of the same name shadows cannot be probed by name.
            (ItemKind::Enumerator, _)
                if defines.contains(&(key.file.as_str(), key.name.as_str())) => {}
            // A define of asm-generic/X.h that the arch's own asm/X.h, which includes it, defines
            // again (`#undef` and redefined: mips' SI_TIMER, powerpc's EDEADLOCK): behind <asm/X.h>
            // gcc sees the arch's value, which the arch header's own item is compared with.
            (ItemKind::Define | ItemKind::Ioctl, _)
                if redefined_by_arch(key, &defines, model.arch.dir()) => {}
            (
                ItemKind::Define | ItemKind::Enumerator,
                Facts::Value {
                    value,
                    non_integer: None,
                    ..
                },
            ) => push(
                format!("{}:{}", key.kind.as_str(), key.name),
                format!("({})", key.name),
                *value,
                None,
            ),
            (ItemKind::Ioctl, Facts::Ioctl { number, .. }) => push(
                format!("ioctl:{}", key.name),
                format!("({})", key.name),
                number.map(i128::from),
                None,
            ),
            _ => {}
        }
    }
    for e in extra {
        let t = type_name(&e.file, e.kind, &e.record);
        let member = format!("((({t} *)0)->{})", e.member);
        let item = uapi_diff::change::item_id(ItemKind::Field, Some(&e.record), &e.member);
        let probes = per_file.entry(e.file.as_str()).or_default();
        for (what, expr) in [
            ("field", format!("__builtin_offsetof({t}, {})", e.member)),
            ("field-size", format!("sizeof{member}")),
            ("field-class", format!("__builtin_classify_type{member}")),
        ] {
            probes.push(Probe {
                id: format!("{what}:{}.{}", e.record, e.member),
                expr,
                ours: None,
                bits_of: None,
                file: e.file.clone(),
                item: item.clone(),
                observe_only: true,
            });
        }
    }
    let work = tempfile::tempdir().expect("temp dir");
    let outcomes: Vec<Comparison> = per_file
        .into_par_iter()
        .filter(|(file, probes)| !probes.is_empty() && is_installed(installed_dir, file))
        .map(|(file, probes)| {
            let probes: Vec<&Probe> = probes.iter().collect();
            probe_header(file, &probes, 0, work.path(), installed_dir, compiler)
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

/// Compilations of one header before its probes are given up on: each drops the probes gcc
/// rejected in the one before.
const MAX_ATTEMPTS: usize = 32;

/// Kind of a probe id (`struct-align:x` → `struct-align`).
fn kind_of(id: &str) -> String {
    id.split(':').next().unwrap_or("?").to_string()
}

/// Compiles one header's probes after `LIBC_PRELUDES[prelude]` and reads gcc's values. Probes gcc
/// rejects (an error at their line) are set aside and the rest compiled again, so one bad probe
/// does not hide a header; the rejected ones are tried again after more of libc, as a program
/// would include it. `file` is a header, or the headers of the translation unit a value was
/// computed in, `, `-separated in include order (the model's `context`).
fn probe_header(
    file: &str,
    probes: &[&Probe],
    prelude: usize,
    work: &Path,
    installed: &Path,
    compiler: &Compiler,
) -> Comparison {
    let mut result = Comparison::default();
    // An asm-generic header is read behind the arch's <asm/X.h>, as a program reads it and as the
    // model preprocesses it: the arch's header defines first what the generic one leaves to it
    // (x86's ARCH_PACK_COMPAT_STATFS64 before asm-generic/statfs.h).
    let includes: String = file
        .split(", ")
        .map(
            |path| match path.strip_prefix("include/uapi/asm-generic/") {
                // Only where the arch has an asm/X.h: asm-generic/errno-base.h has none (it is
                // read through asm-generic/errno.h).
                Some(name) if installed.join("asm").join(name).is_file() => {
                    format!("#include <asm/{name}>\n#include <{}>\n", include_name(path))
                }
                _ => format!("#include <{}>\n", include_name(path)),
            },
        )
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
    for _attempt in 0..MAX_ATTEMPTS {
        // <linux/ioctl.h> first, as <sys/ioctl.h> gives every program that issues ioctls (the model
        // treats <asm/ioctl.h> as an implicit prelude for the same reason). No libc header before
        // the uAPI header unless it needs one: glibc's macros (__GLIBC__) change what some uAPI
        // headers define.
        let (opening, closing) = compiler.probe_frame(live.len());
        let mut src = format!(
            "{}#include <linux/ioctl.h>\n{}{includes}{opening}",
            LIBC_PRELUDES[prelude], compiler.after_ioctl_h
        );
        let header_lines = src.lines().count();
        for (i, p) in live.iter().enumerate() {
            src.push_str(&compiler.probe_line(i, p));
        }
        src.push_str(&closing);
        std::fs::write(&c_path, src).expect("write probe");
        let output = compiler.compile(&c_path, &exe, installed);
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let c_name = c_path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            // An error inside a macro of the header is placed at the probe by its "in expansion
            // of macro" note (with -w, notes only follow errors); a call of a function no header
            // defines (BIT(), cpu_to_be32()) fails at link time, in the probe's own function.
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
                    let (_, rest) = l.split_once("in function `probe_")?;
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
        for (p, theirs) in live.iter().zip(compiler.values(&exe, &live)) {
            result
                .observed
                .insert((p.file.clone(), p.id.clone()), theirs.clone());
            if p.observe_only {
                continue;
            }
            result
                .gcc_values
                .entry((p.file.clone(), p.item.clone()))
                .and_modify(|v| *v = format!("{v},{theirs}"))
                .or_insert_with(|| theirs.clone());
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
            compiler,
        ));
        return result;
    }
    for p in rejected.into_iter().filter(|p| !p.observe_only) {
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

/// Whether `key`, a define of `include/uapi/asm-generic/X.h`, is defined too by the arch's own
/// `arch/<dir>/include/uapi/asm/X.h`.
fn redefined_by_arch(
    key: &ItemKey,
    defines: &std::collections::BTreeSet<(&str, &str)>,
    arch_dir: &str,
) -> bool {
    key.file
        .strip_prefix("include/uapi/asm-generic/")
        .is_some_and(|name| {
            let own = format!("arch/{arch_dir}/include/uapi/asm/{name}");
            defines.contains(&(own.as_str(), key.name.as_str()))
        })
}
