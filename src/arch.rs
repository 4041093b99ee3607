//! What the compiler would know about the target without reading any header: the data model, the
//! ABI's alignments, byte order, and the macros it predefines. Everything else (`_IOC` field
//! widths, `__BITS_PER_LONG`…) comes from the tree's own headers at each revision.
//!
//! Each entry is gcc 12's Linux target of that GNU triplet (Debian bookworm's cross compilers:
//! `gcc -dM -E`, `sizeof`/`_Alignof` probes), except csky, microblaze, nios2, openrisc, xtensa,
//! loongarch and ia64, taken from gcc's target headers, and hexagon, which only clang builds.

use crate::cpp::DataModel;

#[derive(Debug, PartialEq, Eq)]
pub struct Arch {
    /// The `--arch` name.
    pub name: &'static str,
    /// The directory under `arch/` whose `include/uapi/asm` serves `<asm/…>`.
    kernel_dir: &'static str,
    /// The GNU target triplet whose ABI this is (gcc's `<triplet>-gcc`).
    pub triplet: &'static str,
    pub data_model: DataModel,
    pub big_endian: bool,
    pub char_signed: bool,
    /// Every scalar type is aligned to its size, capped at this: 4 on i386 (System V aligns
    /// `long long` and `double` to 4), 2 on m68k (all of `int`, `long`, pointers…), 8 on s390.
    max_scalar_align: u64,
    /// `__BIGGEST_ALIGNMENT__`: what `__attribute__((aligned))` without a value aligns to.
    pub biggest_alignment: u64,
    long_double_size: u64,
    pub bitfields: BitfieldLayout,
    /// Macros gcc predefines for this target besides those every entry derives from the fields
    /// above (`__SIZEOF_LONG__`, `__BYTE_ORDER__`, `__CHAR_UNSIGNED__`…).
    predefined: &'static [(&'static str, &'static str)],
}

/// How gcc places bitfields (on either byte order the same bit positions; a big-endian target
/// numbers each byte's bits from the most significant one).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum BitfieldLayout {
    /// PCC_BITFIELD_TYPE_MATTERS: a bitfield does not straddle a unit of its type's size, raises
    /// the record's alignment to its type's, and `:0` aligns to its type.
    TypeUnits,
    /// m68k: a bitfield takes the next free bit and leaves the record's alignment alone; `:0`
    /// aligns to EMPTY_FIELD_BOUNDARY (bytes), the record too.
    Packed { zero_width_align: u64 },
}

const COMMON: &[(&str, &str)] = &[
    ("__linux__", "1"),
    ("__linux", "1"),
    ("__unix__", "1"),
    ("__GNUC__", "12"),
    ("__GNUC_MINOR__", "2"),
    ("__STDC__", "1"),
    ("__STDC_VERSION__", "201710L"),
    ("__CHAR_BIT__", "8"),
    ("__SIZEOF_INT__", "4"),
    ("__SIZEOF_SHORT__", "2"),
    ("__SIZEOF_LONG_LONG__", "8"),
    ("__ORDER_LITTLE_ENDIAN__", "1234"),
    ("__ORDER_BIG_ENDIAN__", "4321"),
    ("__ORDER_PDP_ENDIAN__", "3412"),
    // scripts/headers_install.sh runs unifdef with -D__EXPORTED_HEADERS__ (and -U__KERNEL__: left undefined),
    // and rewrites every `__packed` into the attribute.
    ("__EXPORTED_HEADERS__", "1"),
    ("__packed", "__attribute__((packed))"),
];

const LP64: &[(&str, &str)] = &[
    ("__LP64__", "1"),
    ("_LP64", "1"),
    ("__SIZEOF_LONG__", "8"),
    ("__SIZEOF_POINTER__", "8"),
    ("__SIZEOF_INT128__", "16"),
];
const ILP32: &[(&str, &str)] = &[("__SIZEOF_LONG__", "4"), ("__SIZEOF_POINTER__", "4")];
const BIG_ENDIAN: &[(&str, &str)] = &[
    ("__BYTE_ORDER__", "__ORDER_BIG_ENDIAN__"),
    ("__FLOAT_WORD_ORDER__", "__ORDER_BIG_ENDIAN__"),
];
const LITTLE_ENDIAN: &[(&str, &str)] = &[
    ("__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__"),
    ("__FLOAT_WORD_ORDER__", "__ORDER_LITTLE_ENDIAN__"),
];
const UNSIGNED_CHAR: &[(&str, &str)] = &[("__CHAR_UNSIGNED__", "1")];

/// The most common Linux ABI of each data model; entries override what differs.
const LP64_LE: Arch = Arch {
    name: "",
    kernel_dir: "",
    triplet: "",
    data_model: DataModel::Lp64,
    big_endian: false,
    char_signed: true,
    max_scalar_align: 16,
    biggest_alignment: 16,
    long_double_size: 16,
    bitfields: BitfieldLayout::TypeUnits,
    predefined: &[],
};
const ILP32_LE: Arch = Arch {
    data_model: DataModel::Ilp32,
    max_scalar_align: 8,
    biggest_alignment: 8,
    long_double_size: 8,
    ..LP64_LE
};

const MIPS_O32: &[(&str, &str)] = &[
    ("__mips__", "1"),
    ("__mips", "32"),
    ("_mips", "1"),
    ("mips", "1"),
    ("_ABIO32", "1"),
    ("_MIPS_SIM", "_ABIO32"),
    ("_MIPS_SZINT", "32"),
    ("_MIPS_SZLONG", "32"),
    ("_MIPS_SZPTR", "32"),
];
const MIPS_N64: &[(&str, &str)] = &[
    ("__mips__", "1"),
    ("__mips", "64"),
    ("__mips64", "1"),
    ("_mips", "1"),
    ("mips", "1"),
    ("_ABI64", "3"),
    ("_MIPS_SIM", "_ABI64"),
    ("_MIPS_SZINT", "32"),
    ("_MIPS_SZLONG", "64"),
    ("_MIPS_SZPTR", "64"),
];
const MIPS_EB: &[(&str, &str)] = &[
    ("__MIPSEB__", "1"),
    ("__MIPSEB", "1"),
    ("_MIPSEB", "1"),
    ("MIPSEB", "1"),
];
const MIPS_EL: &[(&str, &str)] = &[
    ("__MIPSEL__", "1"),
    ("__MIPSEL", "1"),
    ("_MIPSEL", "1"),
    ("MIPSEL", "1"),
];

const POWERPC64: &[(&str, &str)] = &[
    ("__powerpc__", "1"),
    ("__powerpc64__", "1"),
    ("__PPC__", "1"),
    ("__PPC64__", "1"),
    ("_ARCH_PPC", "1"),
    ("_ARCH_PPC64", "1"),
    ("_CALL_LINUX", "1"),
];

macro_rules! macros {
    ($($part:expr),+ $(,)?) => {{
        const PARTS: &[&[(&str, &str)]] = &[$($part),+];
        const LEN: usize = {
            let mut n = 0;
            let mut i = 0;
            while i < PARTS.len() {
                n += PARTS[i].len();
                i += 1;
            }
            n
        };
        const ALL: [(&str, &str); LEN] = {
            let mut out = [("", ""); LEN];
            let (mut n, mut i) = (0, 0);
            while i < PARTS.len() {
                let mut j = 0;
                while j < PARTS[i].len() {
                    out[n] = PARTS[i][j];
                    n += 1;
                    j += 1;
                }
                i += 1;
            }
            out
        };
        &ALL
    }};
}

/// Every selectable target. Where a directory serves several ABIs, its bare name is the kernel's
/// own default for `ARCH=<dir>` (32-bit for mips, powerpc, sparc and parisc, as their
/// `<dir>-linux-gnu` triplets; 64-bit for riscv and s390, which Linux only builds 64-bit).
pub static ARCHES: &[Arch] = &[
    Arch {
        name: "x86",
        kernel_dir: "x86",
        triplet: "x86_64-linux-gnu",
        predefined: &[
            ("__x86_64__", "1"),
            ("__x86_64", "1"),
            ("__amd64__", "1"),
            ("__amd64", "1"),
        ],
        ..LP64_LE
    },
    Arch {
        name: "i386",
        kernel_dir: "x86",
        triplet: "i686-linux-gnu",
        max_scalar_align: 4,
        biggest_alignment: 16,
        long_double_size: 12,
        predefined: &[
            ("__i386__", "1"),
            ("__i386", "1"),
            ("i386", "1"),
            ("__ILP32__", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "alpha",
        kernel_dir: "alpha",
        triplet: "alpha-linux-gnu",
        predefined: &[("__alpha__", "1"), ("__alpha", "1")],
        ..LP64_LE
    },
    Arch {
        name: "arc",
        kernel_dir: "arc",
        triplet: "arc-linux-gnu",
        char_signed: false,
        max_scalar_align: 4,
        biggest_alignment: 4,
        predefined: &[
            ("__arc__", "1"),
            ("__ARCHS__", "1"),
            ("__LITTLE_ENDIAN__", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "arm",
        kernel_dir: "arm",
        triplet: "arm-linux-gnueabihf",
        char_signed: false,
        predefined: &[
            ("__arm__", "1"),
            ("__ARM_EABI__", "1"),
            ("__ARMEL__", "1"),
            ("__APCS_32__", "1"),
            ("__ARM_ARCH", "7"),
            ("__ARM_ARCH_7A__", "1"),
            ("__ARM_PCS_VFP", "1"),
            ("__VFP_FP__", "1"),
            ("__thumb__", "1"),
            ("__thumb2__", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "arm64",
        kernel_dir: "arm64",
        triplet: "aarch64-linux-gnu",
        char_signed: false,
        predefined: &[
            ("__aarch64__", "1"),
            ("__AARCH64EL__", "1"),
            ("__ARM_64BIT_STATE", "1"),
        ],
        ..LP64_LE
    },
    Arch {
        name: "csky",
        kernel_dir: "csky",
        triplet: "csky-linux-gnuabiv2",
        char_signed: false,
        max_scalar_align: 4,
        biggest_alignment: 4,
        predefined: &[
            ("__csky__", "1"),
            ("__CSKY__", "1"),
            ("__ckcore__", "1"),
            ("__CSKYABIV2__", "1"),
            ("__CSKYLE__", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "hexagon",
        kernel_dir: "hexagon",
        triplet: "hexagon-unknown-linux-musl",
        predefined: &[("__hexagon__", "1"), ("__hexagon", "1")],
        ..ILP32_LE
    },
    Arch {
        name: "ia64",
        kernel_dir: "ia64",
        triplet: "ia64-linux-gnu",
        predefined: &[("__ia64__", "1"), ("__ia64", "1")],
        ..LP64_LE
    },
    Arch {
        name: "loongarch",
        kernel_dir: "loongarch",
        triplet: "loongarch64-linux-gnu",
        predefined: &[
            ("__loongarch__", "1"),
            ("__loongarch64", "1"),
            ("__loongarch_grlen", "64"),
            ("__loongarch_frlen", "64"),
            ("__loongarch_lp64", "1"),
        ],
        ..LP64_LE
    },
    Arch {
        name: "m68k",
        kernel_dir: "m68k",
        triplet: "m68k-linux-gnu",
        big_endian: true,
        max_scalar_align: 2,
        biggest_alignment: 2,
        long_double_size: 12,
        bitfields: BitfieldLayout::Packed {
            zero_width_align: 2,
        },
        predefined: &[
            ("__m68k__", "1"),
            ("__mc68000__", "1"),
            ("__mc68000", "1"),
            ("mc68000", "1"),
            ("__mc68020__", "1"),
            ("__mc68020", "1"),
            ("mc68020", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "microblaze",
        kernel_dir: "microblaze",
        triplet: "microblaze-linux-gnu",
        big_endian: true,
        max_scalar_align: 4,
        biggest_alignment: 4,
        predefined: &[("__microblaze__", "1"), ("__MICROBLAZE__", "1")],
        ..ILP32_LE
    },
    Arch {
        name: "mips",
        kernel_dir: "mips",
        triplet: "mips-linux-gnu",
        big_endian: true,
        predefined: macros!(MIPS_O32, MIPS_EB),
        ..ILP32_LE
    },
    Arch {
        name: "mipsel",
        kernel_dir: "mips",
        triplet: "mipsel-linux-gnu",
        predefined: macros!(MIPS_O32, MIPS_EL),
        ..ILP32_LE
    },
    Arch {
        name: "mips64",
        kernel_dir: "mips",
        triplet: "mips64-linux-gnuabi64",
        big_endian: true,
        predefined: macros!(MIPS_N64, MIPS_EB),
        ..LP64_LE
    },
    Arch {
        name: "mips64el",
        kernel_dir: "mips",
        triplet: "mips64el-linux-gnuabi64",
        predefined: macros!(MIPS_N64, MIPS_EL),
        ..LP64_LE
    },
    Arch {
        name: "nios2",
        kernel_dir: "nios2",
        triplet: "nios2-linux-gnu",
        max_scalar_align: 4,
        biggest_alignment: 4,
        predefined: &[
            ("__nios2__", "1"),
            ("__nios2", "1"),
            ("nios2", "1"),
            ("__NIOS2__", "1"),
            ("__NIOS2", "1"),
            ("NIOS2", "1"),
            ("__nios2_little_endian__", "1"),
            ("__nios2_little_endian", "1"),
            ("nios2_little_endian", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "openrisc",
        kernel_dir: "openrisc",
        triplet: "or1k-linux-gnu",
        big_endian: true,
        max_scalar_align: 4,
        biggest_alignment: 4,
        predefined: &[("__or1k__", "1"), ("__OR1K__", "1")],
        ..ILP32_LE
    },
    Arch {
        name: "parisc",
        kernel_dir: "parisc",
        triplet: "hppa-linux-gnu",
        big_endian: true,
        predefined: &[
            ("__hppa__", "1"),
            ("__hppa", "1"),
            ("_PA_RISC1_1", "1"),
            ("__BIG_ENDIAN__", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "parisc64",
        kernel_dir: "parisc",
        triplet: "hppa64-linux-gnu",
        big_endian: true,
        predefined: &[
            ("__hppa__", "1"),
            ("__hppa", "1"),
            ("_PA_RISC2_0", "1"),
            ("__BIG_ENDIAN__", "1"),
        ],
        ..LP64_LE
    },
    Arch {
        name: "powerpc",
        kernel_dir: "powerpc",
        triplet: "powerpc-linux-gnu",
        big_endian: true,
        char_signed: false,
        max_scalar_align: 16,
        biggest_alignment: 16,
        long_double_size: 16,
        predefined: &[
            ("__powerpc__", "1"),
            ("__powerpc", "1"),
            ("powerpc", "1"),
            ("__PPC__", "1"),
            ("__PPC", "1"),
            ("PPC", "1"),
            ("_ARCH_PPC", "1"),
            ("_CALL_SYSV", "1"),
            ("__BIG_ENDIAN__", "1"),
            ("_BIG_ENDIAN", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "powerpc64",
        kernel_dir: "powerpc",
        triplet: "powerpc64-linux-gnu",
        big_endian: true,
        char_signed: false,
        predefined: macros!(
            POWERPC64,
            &[
                ("_CALL_ELF", "1"),
                ("__BIG_ENDIAN__", "1"),
                ("_BIG_ENDIAN", "1")
            ]
        ),
        ..LP64_LE
    },
    Arch {
        name: "powerpc64le",
        kernel_dir: "powerpc",
        triplet: "powerpc64le-linux-gnu",
        char_signed: false,
        predefined: macros!(
            POWERPC64,
            &[
                ("_CALL_ELF", "2"),
                ("__LITTLE_ENDIAN__", "1"),
                ("_LITTLE_ENDIAN", "1")
            ]
        ),
        ..LP64_LE
    },
    Arch {
        name: "riscv32",
        kernel_dir: "riscv",
        triplet: "riscv32-linux-gnu",
        char_signed: false,
        max_scalar_align: 16,
        biggest_alignment: 16,
        long_double_size: 16,
        predefined: &[("__riscv", "1"), ("__riscv_xlen", "32")],
        ..ILP32_LE
    },
    Arch {
        name: "riscv64",
        kernel_dir: "riscv",
        triplet: "riscv64-linux-gnu",
        char_signed: false,
        predefined: &[("__riscv", "1"), ("__riscv_xlen", "64")],
        ..LP64_LE
    },
    Arch {
        name: "s390x",
        kernel_dir: "s390",
        triplet: "s390x-linux-gnu",
        big_endian: true,
        char_signed: false,
        max_scalar_align: 8,
        biggest_alignment: 8,
        predefined: &[("__s390__", "1"), ("__s390x__", "1"), ("__zarch__", "1")],
        ..LP64_LE
    },
    Arch {
        name: "sh",
        kernel_dir: "sh",
        triplet: "sh4-linux-gnu",
        max_scalar_align: 4,
        biggest_alignment: 4,
        predefined: &[
            ("__sh__", "1"),
            ("__SH4__", "1"),
            ("__LITTLE_ENDIAN__", "1"),
        ],
        ..ILP32_LE
    },
    Arch {
        name: "sparc",
        kernel_dir: "sparc",
        triplet: "sparc-linux-gnu",
        big_endian: true,
        long_double_size: 16,
        predefined: &[("__sparc__", "1"), ("__sparc", "1"), ("sparc", "1")],
        ..ILP32_LE
    },
    Arch {
        name: "sparc64",
        kernel_dir: "sparc",
        triplet: "sparc64-linux-gnu",
        big_endian: true,
        predefined: &[
            ("__sparc__", "1"),
            ("__sparc", "1"),
            ("sparc", "1"),
            ("__arch64__", "1"),
            ("__sparc_v9__", "1"),
        ],
        ..LP64_LE
    },
    Arch {
        name: "xtensa",
        kernel_dir: "xtensa",
        triplet: "xtensa-linux-gnu",
        big_endian: true,
        char_signed: false,
        max_scalar_align: 16,
        biggest_alignment: 16,
        predefined: &[
            ("__xtensa__", "1"),
            ("__XTENSA__", "1"),
            ("__XTENSA_EB__", "1"),
        ],
        ..ILP32_LE
    },
];

/// Other spellings: GNU/Debian names, and the bare directory names of directories whose entries
/// are named by ABI.
const ALIASES: &[(&str, &str)] = &[
    ("x86_64", "x86"),
    ("amd64", "x86"),
    ("aarch64", "arm64"),
    ("riscv", "riscv64"),
    ("s390", "s390x"),
    ("ppc64el", "powerpc64le"),
];

impl Arch {
    /// The target `name` selects (an `ARCHES` name or an alias); `None` for others.
    pub fn by_name(name: &str) -> Option<&'static Arch> {
        let name = ALIASES
            .iter()
            .find(|(alias, _)| *alias == name)
            .map_or(name, |(_, target)| target);
        ARCHES.iter().find(|a| a.name == name)
    }

    /// The `arch/<dir>` whose headers this target reads.
    pub fn dir(&self) -> &'static str {
        self.kernel_dir
    }

    pub fn predefined_macros(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        let model = match self.data_model {
            DataModel::Lp64 => LP64,
            DataModel::Ilp32 => ILP32,
        };
        let order = if self.big_endian {
            BIG_ENDIAN
        } else {
            LITTLE_ENDIAN
        };
        let char_sign = if self.char_signed { &[] } else { UNSIGNED_CHAR };
        [COMMON, model, order, char_sign, self.predefined]
            .into_iter()
            .flatten()
            .copied()
    }

    pub fn pointer_size(&self) -> u64 {
        self.data_model.pointer_bytes()
    }

    /// Alignment of a scalar of `size` bytes (sizes that are no power of two, such as a 12-byte
    /// `long double`, align as the next power of two would).
    pub fn scalar_align(&self, size: u64) -> u64 {
        size.next_power_of_two().min(self.max_scalar_align)
    }

    /// Size, alignment and signedness of a builtin type spelled as `parse::normalize_builtin` does.
    pub fn builtin(&self, name: &str) -> Option<(u64, u64, Option<bool>)> {
        let long = self.pointer_size();
        let int128 = self.data_model == DataModel::Lp64;
        let (size, signed) = match name {
            "char" => (1, Some(self.char_signed)),
            "signed char" => (1, Some(true)),
            "unsigned char" | "_Bool" | "bool" => (1, Some(false)),
            "short" => (2, Some(true)),
            "unsigned short" => (2, Some(false)),
            "int" => (4, Some(true)),
            "unsigned int" => (4, Some(false)),
            "long" => (long, Some(true)),
            "unsigned long" => (long, Some(false)),
            "long long" => (8, Some(true)),
            "unsigned long long" => (8, Some(false)),
            "__int128" if int128 => (16, Some(true)),
            "unsigned __int128" if int128 => (16, Some(false)),
            "float" => (4, None),
            "double" => (8, None),
            "long double" => (self.long_double_size, None),
            "size_t" => (long, Some(false)),
            "ssize_t" | "ptrdiff_t" | "intptr_t" => (long, Some(true)),
            "uintptr_t" => (long, Some(false)),
            "int8_t" => (1, Some(true)),
            "uint8_t" => (1, Some(false)),
            "int16_t" => (2, Some(true)),
            "uint16_t" => (2, Some(false)),
            "int32_t" => (4, Some(true)),
            "uint32_t" => (4, Some(false)),
            "int64_t" => (8, Some(true)),
            "uint64_t" => (8, Some(false)),
            _ => return None,
        };
        Some((size, self.scalar_align(size), signed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macro_value(arch: &Arch, name: &str) -> Option<&'static str> {
        arch.predefined_macros()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .last()
    }

    #[test]
    fn names_are_unique_and_aliases_resolve() {
        let mut names: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ARCHES.len());
        for (alias, target) in ALIASES {
            assert_eq!(Arch::by_name(alias).map(|a| a.name), Some(*target));
        }
        assert!(Arch::by_name("vax").is_none());
    }

    #[test]
    fn predefined_macros_agree_with_the_abi_fields() {
        for arch in ARCHES {
            let long = if arch.data_model == DataModel::Lp64 {
                "8"
            } else {
                "4"
            };
            assert_eq!(
                macro_value(arch, "__SIZEOF_LONG__"),
                Some(long),
                "{}",
                arch.name
            );
            let order = if arch.big_endian {
                "__ORDER_BIG_ENDIAN__"
            } else {
                "__ORDER_LITTLE_ENDIAN__"
            };
            assert_eq!(
                macro_value(arch, "__BYTE_ORDER__"),
                Some(order),
                "{}",
                arch.name
            );
            assert_eq!(
                macro_value(arch, "__CHAR_UNSIGNED__").is_none(),
                arch.char_signed,
                "{}",
                arch.name
            );
            // An endianness macro an arch's byteorder.h tests must not contradict the order.
            for (name, big) in [
                ("__BIG_ENDIAN__", true),
                ("__LITTLE_ENDIAN__", false),
                ("__MIPSEB__", true),
                ("__MIPSEL__", false),
                ("__XTENSA_EB__", true),
            ] {
                if macro_value(arch, name).is_some() {
                    assert_eq!(arch.big_endian, big, "{}: {name}", arch.name);
                }
            }
            let names: Vec<&str> = arch.predefined_macros().map(|(n, _)| n).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{}: a macro twice", arch.name);
        }
    }

    #[test]
    fn abi_alignments() {
        let align = |arch: &str, ty: &str| Arch::by_name(arch).and_then(|a| a.builtin(ty));
        assert_eq!(align("i386", "long long"), Some((8, 4, Some(true))));
        assert_eq!(align("i386", "long double"), Some((12, 4, None)));
        assert_eq!(align("arm", "long long"), Some((8, 8, Some(true))));
        assert_eq!(align("arm", "char"), Some((1, 1, Some(false))));
        assert_eq!(align("m68k", "int"), Some((4, 2, Some(true))));
        assert_eq!(align("m68k", "long double"), Some((12, 2, None)));
        assert_eq!(align("s390x", "long double"), Some((16, 8, None)));
        assert_eq!(align("sparc", "long double"), Some((16, 8, None)));
        assert_eq!(align("powerpc", "long double"), Some((16, 16, None)));
        assert_eq!(align("sh", "double"), Some((8, 4, None)));
        assert_eq!(align("x86", "__int128"), Some((16, 16, Some(true))));
        assert_eq!(align("arm", "__int128"), None);
    }
}
