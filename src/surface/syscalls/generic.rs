//! The syscalls of an arch that takes `include/uapi/asm-generic/unistd.h` (arm64, riscv, loongarch…
//! until 6.10): its `asm/unistd.h` defines the `__ARCH_WANT_*` it wants, includes the generic
//! header, and may wire its own after it. Each `__SYSCALL(nr, entry)` (or `__SC_COMP`, `__SC_3264`,
//! `__SC_COMP_3264`) in a live branch is one syscall; its number is its `__NR_*` macro evaluated
//! at the end, as userspace sees it. The walk is a small preprocessor over these two headers:
//! `#if` conditions are evaluated with the arch's predefined macros and `__BITS_PER_LONG`.

use crate::arch::Arch;
use crate::cpp::{self, MacroDef, NoTypes};
use std::collections::HashMap;

pub const GENERIC: &str = "include/uapi/asm-generic/unistd.h";

/// One syscall an arch wires through the generic header or its own `asm/unistd.h`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wired {
    pub file: String,
    pub line: u32,
    pub name: String,
    pub number: Option<u64>,
    /// The `#if` conditions it stands under (`common` when none).
    pub abi: String,
    pub entry: String,
    pub compat_entry: Option<String>,
    pub text: String,
}

struct Walk<'a> {
    files: &'a HashMap<&'a str, &'a str>,
    macros: HashMap<String, MacroDef>,
    bits: u64,
    data_model: cpp::DataModel,
    found: Vec<(Wired, String)>,
    notes: Vec<(String, u32, String)>,
}

/// The syscalls `arch_unistd` (the arch's `asm/unistd.h`) wires, with notes (file, line,
/// message). `files` maps paths to texts (the generic header among them).
pub fn wired(
    arch: &'static Arch,
    arch_unistd: &str,
    files: &HashMap<&str, &str>,
) -> (Vec<Wired>, Vec<(String, u32, String)>) {
    let bits = 8 * arch.data_model.pointer_bytes();
    let mut macros: HashMap<String, MacroDef> = HashMap::new();
    for (name, body) in arch.predefined_macros() {
        if let Ok(m) = MacroDef::object(name, body) {
            macros.insert(name.to_string(), m);
        }
    }
    if let Ok(m) = MacroDef::object("__BITS_PER_LONG", &bits.to_string()) {
        macros.insert("__BITS_PER_LONG".to_string(), m);
    }
    let mut walk = Walk {
        files,
        macros,
        bits,
        data_model: arch.data_model,
        found: Vec::new(),
        notes: Vec::new(),
    };
    walk.file(arch_unistd, 0);
    // Numbers are what the macros say once both headers are read (`__NR_fcntl` names
    // `__NR3264_fcntl` on 64-bit arches, `__NR_fcntl64` does on 32-bit ones).
    let aliases: HashMap<String, String> = walk
        .macros
        .iter()
        .filter(|(name, m)| name.starts_with("__NR_") && m.params.is_none())
        .filter_map(|(name, m)| match m.body.as_slice() {
            [t] if t.text.starts_with("__NR3264_") => Some((t.text.clone(), name.clone())),
            _ => None,
        })
        .collect();
    let sem = NoTypes(walk.data_model);
    let mut out = Vec::new();
    for (mut wired, nr) in std::mem::take(&mut walk.found) {
        let macro_name = match nr.strip_prefix("__NR3264_") {
            Some(_) => match aliases.get(&nr) {
                Some(alias) => alias.clone(),
                None => continue,
            },
            None => nr.clone(),
        };
        let Some(name) = macro_name.strip_prefix("__NR_") else {
            walk.notes.push((
                wired.file.clone(),
                wired.line,
                format!("`{nr}` is no __NR_ macro: no syscall"),
            ));
            continue;
        };
        wired.name = name.to_string();
        wired.number = cpp::eval_text(&macro_name, &walk.macros, &sem, &[])
            .ok()
            .and_then(|(v, _)| u64::try_from(v.value).ok());
        if wired.number.is_none() {
            walk.notes.push((
                wired.file.clone(),
                wired.line,
                format!("the number of syscall {name} (`{macro_name}`) cannot be computed"),
            ));
        }
        out.push(wired);
    }
    (out, walk.notes)
}

impl Walk<'_> {
    fn file(&mut self, path: &str, depth: usize) {
        let Some(text) = self.files.get(path).copied() else {
            return;
        };
        if depth > 4 {
            return;
        }
        // Branch stack: (this branch live, some branch of the group taken, condition text).
        let mut stack: Vec<(bool, bool, String)> = Vec::new();
        let live = |stack: &[(bool, bool, String)]| stack.iter().all(|(l, _, _)| *l);
        let mut pending: Option<(u32, String)> = None;
        for (line, text) in logical_lines(text) {
            if let Some(directive) = text.trim_start().strip_prefix('#') {
                let directive = directive.trim_start();
                let (word, rest) = directive
                    .split_once(|c: char| c.is_whitespace() || c == '(' || c == '<' || c == '"')
                    .map(|(w, _)| (w, directive[w.len()..].trim()))
                    .unwrap_or((directive, ""));
                match word {
                    "if" | "ifdef" | "ifndef" => {
                        let cond = match word {
                            "ifdef" => format!("defined({rest})"),
                            "ifndef" => format!("!defined({rest})"),
                            _ => rest.to_string(),
                        };
                        let taken = live(&stack) && self.condition(&cond, path, line);
                        stack.push((taken, taken, cond));
                    }
                    "elif" => {
                        let outer = live(&stack[..stack.len().saturating_sub(1)]);
                        if let Some(top) = stack.last_mut() {
                            let taken = outer && !top.1 && self.condition(rest, path, line);
                            *top = (taken, top.1 || taken, rest.to_string());
                        }
                    }
                    "else" => {
                        let outer = live(&stack[..stack.len().saturating_sub(1)]);
                        if let Some(top) = stack.last_mut() {
                            let taken = outer && !top.1;
                            *top = (taken, true, format!("!({})", top.2));
                        }
                    }
                    "endif" => {
                        stack.pop();
                    }
                    _ if !live(&stack) => {}
                    "define" => self.define(rest),
                    "undef" => {
                        self.macros.remove(rest.trim());
                    }
                    "include" => {
                        let target = rest.trim_matches(|c| c == '<' || c == '>' || c == '"');
                        if target == "asm-generic/unistd.h" {
                            self.file(GENERIC, depth + 1);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            if !live(&stack) {
                continue;
            }
            // An invocation may span lines: gather them until its parentheses close.
            let (start, mut gathered) = pending.take().unwrap_or((line, String::new()));
            gathered.push(' ');
            gathered.push_str(text.trim());
            let opened = gathered.matches('(').count();
            if opened > gathered.matches(')').count() {
                pending = Some((start, gathered));
                continue;
            }
            let conditions: Vec<&str> = stack.iter().map(|(_, _, c)| c.as_str()).collect();
            self.invocation(path, start, gathered.trim(), &conditions);
        }
    }

    fn condition(&mut self, cond: &str, path: &str, line: u32) -> bool {
        match cpp::eval_condition(cond, &self.macros, &NoTypes(self.data_model)) {
            Ok(v) => v,
            Err(e) => {
                self.notes.push((
                    path.to_string(),
                    line,
                    format!("#if {cond}: {e} (taken as false)"),
                ));
                false
            }
        }
    }

    fn define(&mut self, rest: &str) {
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let after = &rest[name_len..];
        let def = match after.strip_prefix('(') {
            Some(params) => {
                let (params, body) = params.split_once(')').unwrap_or((params, ""));
                let params: Vec<String> = params
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty() && p != "...")
                    .collect();
                MacroDef::function(name, &params, after.contains("..."), body.trim())
            }
            None => MacroDef::object(name, after.trim()),
        };
        if let Ok(def) = def {
            self.macros.insert(name.to_string(), def);
        }
    }

    /// `__SYSCALL(nr, entry)` and the generic header's wrappers of it.
    fn invocation(&mut self, path: &str, line: u32, text: &str, conditions: &[&str]) {
        let Some((callee, args)) = text.split_once('(') else {
            return;
        };
        let args: Vec<String> = args
            .trim_end()
            .trim_end_matches(';')
            .trim_end()
            .trim_end_matches(')')
            .split(',')
            .map(|a| a.trim().to_string())
            .collect();
        let by_bits = |a32: &str, a64: &str| match self.bits {
            32 => a32.to_string(),
            _ => a64.to_string(),
        };
        let (entry, compat) = match (callee.trim(), args.as_slice()) {
            ("__SYSCALL", [_, e]) => (e.clone(), None),
            ("__SC_COMP", [_, e, c]) => (e.clone(), Some(c.clone())),
            ("__SC_3264", [_, e32, e64]) => (by_bits(e32, e64), None),
            ("__SC_COMP_3264", [_, e32, e64, c]) => (by_bits(e32, e64), Some(c.clone())),
            _ => return,
        };
        let abi = match conditions {
            [] => "common".to_string(),
            cs => cs.join(" && "),
        };
        let wired = Wired {
            file: path.to_string(),
            line,
            name: String::new(),
            number: None,
            abi,
            entry,
            compat_entry: compat,
            text: text.to_string(),
        };
        self.found.push((wired, args[0].clone()));
    }
}

/// A header's lines with comments removed and `\`-continuations joined, each with its first
/// line's number.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut in_comment = false;
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let mut line = String::new();
        let mut rest = raw;
        loop {
            if in_comment {
                match rest.find("*/") {
                    Some(end) => {
                        rest = &rest[end + 2..];
                        in_comment = false;
                        line.push(' ');
                    }
                    None => break,
                }
            } else {
                match (rest.find("/*"), rest.find("//")) {
                    (Some(a), b) if b.is_none_or(|b| a < b) => {
                        line.push_str(&rest[..a]);
                        rest = &rest[a + 2..];
                        in_comment = true;
                    }
                    (_, Some(b)) => {
                        line.push_str(&rest[..b]);
                        break;
                    }
                    _ => {
                        line.push_str(rest);
                        break;
                    }
                }
            }
        }
        let (start, mut joined) = current.take().unwrap_or((i as u32 + 1, String::new()));
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                current = Some((start, joined));
            }
            None => {
                joined.push_str(&line);
                if !joined.trim().is_empty() {
                    out.push((start, joined));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERIC_TEXT: &str = "#include <asm/bitsperlong.h>
#ifndef __SYSCALL
#define __SYSCALL(x, y)
#endif
#define __NR_io_setup 0
__SC_COMP(__NR_io_setup, sys_io_setup, compat_sys_io_setup)
#ifdef __ARCH_WANT_RENAMEAT
/* renameat is superseded */
#define __NR_renameat 38
__SYSCALL(__NR_renameat, sys_renameat)
#endif
#define __NR3264_fcntl 25
__SC_COMP_3264(__NR3264_fcntl, sys_fcntl64, sys_fcntl,
\t  compat_sys_fcntl64)
#define __NR_arch_specific_syscall 244
#if __BITS_PER_LONG == 64 && !defined(__SYSCALL_COMPAT)
#define __NR_fcntl __NR3264_fcntl
#else
#define __NR_fcntl64 __NR3264_fcntl
#endif
";

    fn wired_at(arch: &str, arch_text: &str) -> Vec<(String, Option<u64>, String, String)> {
        let files: HashMap<&str, &str> = [
            (GENERIC, GENERIC_TEXT),
            ("arch/x/include/uapi/asm/unistd.h", arch_text),
        ]
        .into();
        let arch = Arch::by_name(arch).expect("an arch");
        let (wired, notes) = wired(arch, "arch/x/include/uapi/asm/unistd.h", &files);
        assert_eq!(notes, []);
        wired
            .into_iter()
            .map(|w| (w.name, w.number, w.entry, w.abi))
            .collect()
    }

    /// `__ARCH_WANT_*`, the word size and the arch's own syscalls after the generic ones decide
    /// what an arch wires, and under which name a 32/64-bit pair is known.
    #[test]
    fn wants_bits_and_arch_syscalls() {
        let arch_text = "#define __ARCH_WANT_RENAMEAT\n#include <asm-generic/unistd.h>\n\
                         #define __NR_riscv_flush_icache (__NR_arch_specific_syscall + 15)\n\
                         __SYSCALL(__NR_riscv_flush_icache, sys_riscv_flush_icache)\n";
        let at64 = wired_at("riscv64", arch_text);
        let s = |x: &str| x.to_string();
        assert_eq!(
            at64,
            [
                (s("io_setup"), Some(0), s("sys_io_setup"), s("common")),
                (
                    s("renameat"),
                    Some(38),
                    s("sys_renameat"),
                    s("defined(__ARCH_WANT_RENAMEAT)")
                ),
                (s("fcntl"), Some(25), s("sys_fcntl"), s("common")),
                (
                    s("riscv_flush_icache"),
                    Some(259),
                    s("sys_riscv_flush_icache"),
                    s("common")
                ),
            ]
        );
        let at32 = wired_at("riscv32", "#include <asm-generic/unistd.h>\n");
        assert_eq!(
            at32,
            [
                (s("io_setup"), Some(0), s("sys_io_setup"), s("common")),
                (s("fcntl64"), Some(25), s("sys_fcntl64"), s("common")),
            ]
        );
    }
}
