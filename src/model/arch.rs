//! What the compiler would know about the target without reading any header: the data model and
//! the macros it predefines. Everything else (`_IOC` field widths, `__BITS_PER_LONG`…) comes from
//! the tree's own headers at each revision.

use crate::cpp::DataModel;

#[derive(Debug, PartialEq, Eq)]
pub struct Arch {
    /// The directory under `arch/` whose `include/uapi/asm` serves `<asm/…>`.
    pub name: &'static str,
    pub data_model: DataModel,
    /// `long long` and `double` are 4-byte aligned in i386's System V ABI.
    pub int64_align: u64,
    pub long_double: (u64, u64),
    pub char_signed: bool,
    /// Macros gcc predefines for this target (`gcc -dM -E - </dev/null`), the ones uAPI headers test.
    pub predefined: &'static [(&'static str, &'static str)],
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

macro_rules! arch {
    ($name:literal, $dm:ident, $i64a:literal, $ld:expr, $signed:literal, [$(($k:literal, $v:literal)),* $(,)?]) => {
        Arch { name: $name, data_model: DataModel::$dm, int64_align: $i64a, long_double: $ld, char_signed: $signed,
               predefined: &[$(($k, $v)),*] }
    };
}

pub static ARCHES: &[Arch] = &[
    arch!(
        "x86",
        Lp64,
        8,
        (16, 16),
        true,
        [
            ("__x86_64__", "1"),
            ("__x86_64", "1"),
            ("__amd64__", "1"),
            ("__LP64__", "1"),
            ("_LP64", "1"),
            ("__SIZEOF_LONG__", "8"),
            ("__SIZEOF_POINTER__", "8"),
            ("__SIZEOF_INT128__", "16"),
            ("__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__"),
            ("__LITTLE_ENDIAN__", "1")
        ]
    ),
    arch!(
        "i386",
        Ilp32,
        4,
        (12, 4),
        true,
        [
            ("__i386__", "1"),
            ("__i386", "1"),
            ("i386", "1"),
            ("__ILP32__", "1"),
            ("__SIZEOF_LONG__", "4"),
            ("__SIZEOF_POINTER__", "4"),
            ("__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__")
        ]
    ),
];

impl Arch {
    /// `x86` (x86_64) and `i386` (x86's headers, 32-bit ABI) are known; `None` for others.
    pub fn by_name(name: &str) -> Option<&'static Arch> {
        let name = if name == "x86_64" { "x86" } else { name };
        ARCHES.iter().find(|a| a.name == name)
    }

    /// The `arch/<dir>` whose headers this target reads.
    pub fn dir(&self) -> &'static str {
        match self.name {
            "i386" => "x86",
            other => other,
        }
    }

    pub fn predefined_macros(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        COMMON
            .iter()
            .copied()
            .chain(self.predefined.iter().copied())
    }

    pub fn pointer_size(&self) -> u64 {
        match self.data_model {
            DataModel::Lp64 => 8,
            DataModel::Ilp32 => 4,
        }
    }

    /// Size, alignment and signedness of a builtin type spelled as `parse::normalize_builtin` does.
    pub fn builtin(&self, name: &str) -> Option<(u64, u64, Option<bool>)> {
        let long = self.pointer_size();
        Some(match name {
            "char" => (1, 1, Some(self.char_signed)),
            "signed char" => (1, 1, Some(true)),
            "unsigned char" | "_Bool" | "bool" => (1, 1, Some(false)),
            "short" => (2, 2, Some(true)),
            "unsigned short" => (2, 2, Some(false)),
            "int" => (4, 4, Some(true)),
            "unsigned int" => (4, 4, Some(false)),
            "long" => (long, long, Some(true)),
            "unsigned long" => (long, long, Some(false)),
            "long long" => (8, self.int64_align, Some(true)),
            "unsigned long long" => (8, self.int64_align, Some(false)),
            "__int128" => (16, 16, Some(true)),
            "unsigned __int128" => (16, 16, Some(false)),
            "float" => (4, 4, None),
            "double" => (8, self.int64_align, None),
            "long double" => (self.long_double.0, self.long_double.1, None),
            "size_t" => (long, long, Some(false)),
            "ssize_t" | "ptrdiff_t" | "intptr_t" => (long, long, Some(true)),
            "uintptr_t" => (long, long, Some(false)),
            "int8_t" => (1, 1, Some(true)),
            "uint8_t" => (1, 1, Some(false)),
            "int16_t" => (2, 2, Some(true)),
            "uint16_t" => (2, 2, Some(false)),
            "int32_t" => (4, 4, Some(true)),
            "uint32_t" => (4, 4, Some(false)),
            "int64_t" => (8, self.int64_align, Some(true)),
            "uint64_t" => (8, self.int64_align, Some(false)),
            _ => return None,
        })
    }
}
