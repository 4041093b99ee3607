//! The syscall tables (`*.tbl`) and the build files that say how each arch turns them into
//! headers: `arch/<dir>/include/uapi/asm/Kbuild` (`generated-y`, `syscall-y`: the unistd headers
//! it installs) and, since 6.11, `arch/<dir>/kernel/Makefile.syscalls` (the ABIs and the table the
//! generic `scripts/Makefile.asm-headers` rule reads).

/// One row of a syscall table: `NR ABI NAME [ENTRY [COMPAT [noreturn]]]` (a `-` compat entry:
/// none; `noreturn` since 6.11, a fact of the entry the tool does not keep).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub number: u64,
    pub abi: String,
    pub name: String,
    pub entry: Option<String>,
    pub compat_entry: Option<String>,
    pub line: u32,
    /// The row as written.
    pub text: String,
}

/// A table's rows, and the lines that are no row (with why).
pub fn rows(text: &str) -> (Vec<Row>, Vec<(u32, String)>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let content = line.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        let words: Vec<&str> = content.split_whitespace().collect();
        let number = words.first().and_then(|w| parse_number(w));
        match (number, words.get(1), words.get(2)) {
            (Some(number), Some(abi), Some(name))
                if words.len() <= 5 || (words.len() == 6 && words[5] == "noreturn") =>
            {
                let entry = |i: usize| words.get(i).filter(|w| **w != "-").map(|s| s.to_string());
                rows.push(Row {
                    number,
                    abi: abi.to_string(),
                    name: name.to_string(),
                    entry: entry(3),
                    compat_entry: entry(4),
                    line: line_no,
                    text: line.trim_end().to_string(),
                })
            }
            _ => bad.push((
                line_no,
                format!(
                    "not a table row (NR ABI NAME [ENTRY [COMPAT]]): `{}`",
                    line.trim()
                ),
            )),
        }
    }
    (rows, bad)
}

/// A table's number column: decimal, or `0x` hexadecimal (the build's `grep` accepts both).
fn parse_number(word: &str) -> Option<u64> {
    match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => word.parse().ok(),
    }
}

/// The names a Kbuild file adds to `var` (`generated-y += unistd_64.h`).
pub fn kbuild_list(text: &str, var: &str) -> Vec<String> {
    assignments(text)
        .filter(|(name, _, _)| name == var)
        .flat_map(|(_, _, value)| {
            value
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What an arch's `Makefile.syscalls` sets: the extra ABIs of `syscall_abis_32`/`_64` and the
/// table (`syscalltbl`, `%` standing for 32 or 64) when it is not `scripts/syscall.tbl`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MakefileSyscalls {
    pub abis_32: Vec<String>,
    pub abis_64: Vec<String>,
    pub table: Option<String>,
}

pub fn makefile_syscalls(text: &str) -> MakefileSyscalls {
    let mut out = MakefileSyscalls::default();
    for (name, op, value) in assignments(text) {
        let words = value.split_whitespace().map(str::to_string);
        match (name.as_str(), op.as_str()) {
            ("syscall_abis_32", "+=") => out.abis_32.extend(words),
            ("syscall_abis_32", _) => out.abis_32 = words.collect(),
            ("syscall_abis_64", "+=") => out.abis_64.extend(words),
            ("syscall_abis_64", _) => out.abis_64 = words.collect(),
            ("syscalltbl", _) => out.table = Some(value.trim().to_string()),
            _ => {}
        }
    }
    out
}

/// `NAME OP VALUE` lines of a makefile (`+=`, `:=`, `=`), comments left out.
fn assignments(text: &str) -> impl Iterator<Item = (String, String, String)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.split('#').next()?.trim();
        for op in ["+=", ":=", "?=", "="] {
            if let Some((name, value)) = line.split_once(op) {
                let name = name.trim();
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    return Some((name.to_string(), op.to_string(), value.trim().to_string()));
                }
                return None;
            }
        }
        None
    })
}

/// How one generated unistd header is made from a table, as `scripts/syscallhdr.sh` makes it:
/// `#define __NR_<name> <nr>` for each row of `abis` (every row when None), `(<offset> + <nr>)`
/// with an offset macro.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderRule {
    /// The header's name under `asm/` (`unistd_64.h`).
    pub name: String,
    /// The table's path in the tree.
    pub table: String,
    pub abis: Option<Vec<String>>,
    pub offset: Option<&'static str>,
    /// mips' `unistd_nr_<abi>.h` (until 5.x): `__NR_<prefix>_Linux <base>` and
    /// `__NR_<prefix>_Linux_syscalls <last + 1>` rather than a define per row.
    pub count: Option<(&'static str, u64)>,
}

/// Whether a row belongs to a selection of ABIs (None: every row).
pub fn selected(row: &Row, abis: Option<&[String]>) -> bool {
    abis.is_none_or(|abis| abis.iter().any(|a| a == &row.abi))
}

/// The text `make headers_install` installs for `rule` (the `#ifdef __KERNEL__` part the build
/// writes, `__NR_syscalls`, is what headers_install removes).
pub fn header_text(rule: &HeaderRule, rows: &[Row]) -> String {
    let guard = format!(
        "_UAPI_ASM_{}",
        rule.name
            .to_ascii_uppercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let mut text = format!("#ifndef {guard}\n#define {guard}\n\n");
    let selected: Vec<&Row> = rows
        .iter()
        .filter(|r| selected(r, rule.abis.as_deref()))
        .collect();
    match rule.count {
        Some((prefix, base)) => {
            let next = selected.iter().map(|r| r.number + 1).max().unwrap_or(0);
            text.push_str(&format!("#define __NR_{prefix}_Linux\t{base}\n"));
            text.push_str(&format!("#define __NR_{prefix}_Linux_syscalls\t{next}\n"));
        }
        None => {
            for r in selected {
                match rule.offset {
                    Some(offset) => text.push_str(&format!(
                        "#define __NR_{} ({offset} + {})\n",
                        r.name, r.number
                    )),
                    None => text.push_str(&format!("#define __NR_{} {}\n", r.name, r.number)),
                }
            }
        }
    }
    text.push_str(&format!("\n#endif /* {guard} */\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_each_table_format() {
        let text = "# comment\n0\tcommon\tread\t\t\tsys_read\n\
                    13\t64\trt_sigaction\t\tsys_rt_sigaction\tcompat_sys_rt_sigaction\n\
                    0x10 o32 reserved\n\
                    7 common\n\
                    60\tcommon\texit\t\t\tsys_exit\t\t\t-\t\t\tnoreturn\n";
        let (rows, bad) = rows(text);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[3].name, "exit");
        assert_eq!(rows[3].compat_entry, None, "`-`: no compat entry");
        assert_eq!(rows[0].name, "read");
        assert_eq!(rows[0].entry.as_deref(), Some("sys_read"));
        assert_eq!(rows[0].compat_entry, None);
        assert_eq!(
            rows[1].compat_entry.as_deref(),
            Some("compat_sys_rt_sigaction")
        );
        assert_eq!(rows[2].number, 16);
        assert_eq!(rows[2].entry, None);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 5);
    }

    #[test]
    fn makefile_syscalls_and_kbuild() {
        let m = makefile_syscalls(
            "# x\nsyscall_abis_32 += riscv memfd_secret\nsyscall_abis_64 += riscv rlimit\n\
             syscalltbl = arch/arm64/tools/syscall_%.tbl\n",
        );
        assert_eq!(m.abis_32, ["riscv", "memfd_secret"]);
        assert_eq!(m.abis_64, ["riscv", "rlimit"]);
        assert_eq!(m.table.as_deref(), Some("arch/arm64/tools/syscall_%.tbl"));
        let kbuild =
            "generated-y += unistd_32.h\ngeneric-y += kvm_para.h\nsyscall-y += unistd_64.h\n";
        assert_eq!(kbuild_list(kbuild, "generated-y"), ["unistd_32.h"]);
        assert_eq!(kbuild_list(kbuild, "syscall-y"), ["unistd_64.h"]);
    }

    #[test]
    fn header_text_selects_abis_and_adds_the_offset() {
        let (rows, _) = rows("0 common read sys_read\n1 x32 foo sys_foo\n2 64 bar sys_bar\n");
        let rule = HeaderRule {
            name: "unistd_x32.h".into(),
            table: "t".into(),
            abis: Some(vec!["common".into(), "x32".into()]),
            offset: Some("__X32_SYSCALL_BIT"),
            count: None,
        };
        let text = header_text(&rule, &rows);
        assert!(text.contains("#define __NR_read (__X32_SYSCALL_BIT + 0)\n"));
        assert!(text.contains("#define __NR_foo (__X32_SYSCALL_BIT + 1)\n"));
        assert!(!text.contains("__NR_bar"));
        assert!(text.starts_with("#ifndef _UAPI_ASM_UNISTD_X32_H\n"));
        let count = HeaderRule {
            name: "unistd_nr_o32.h".into(),
            abis: None,
            offset: None,
            count: Some(("O32", 4000)),
            ..rule
        };
        let text = header_text(&count, &rows);
        assert!(text.contains("#define __NR_O32_Linux\t4000\n#define __NR_O32_Linux_syscalls\t3\n"));
    }
}
