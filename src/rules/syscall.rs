//! Syscall rules (items of the `syscalls` surface: one per name of an arch's syscall view). A
//! syscall is known to binaries by its number: a new one needs userspace
//! (Documentation/process/adding-syscalls.rst), a removed or renumbered one breaks them, and a
//! changed entry point is the kernel's affair. A syscall whose table moved (asm-generic/unistd.h
//! to scripts/syscall.tbl in 6.11) is the same syscall when its number is.

use super::{Rule, Severity};
use crate::change::{Change, ChangeKind, Facts, ItemKind};
use crate::model::Model;

const ADDING_SYSCALLS: &str = "Documentation/process/adding-syscalls.rst";
/// The entry point of a number that is not implemented (kernel/sys_ni.c): it answers ENOSYS.
const NOT_IMPLEMENTED: &str = "sys_ni_syscall";

pub static ADDED: Rule = Rule {
    id: "syscall-added",
    severity: Severity::NeedsUserspace,
    summary: "a new syscall: wire it into every arch's table (a generic and a compat entry where needed), \
with a man page, a selftest and a libc wrapper",
    explanation: "A new system call is new uAPI for every arch. Documentation/process/adding-syscalls.rst \
asks for: the syscall wired into scripts/syscall.tbl (or asm-generic/unistd.h) and every arch's own table \
(x86, arm, mips, powerpc, s390, sparc…), a compat entry point where its arguments differ on 32-bit \
userspace, a flags argument checked for unknown bits, a man page (man-pages), a selftest \
(tools/testing/selftests), and userspace using it (a libc wrapper, the syscall tables of libseccomp, \
strace, Go's x/sys).",
    reference: ADDING_SYSCALLS,
    matches: Some(|c, ctx| {
        is_syscall(c, ChangeKind::Added) && number_elsewhere(ctx.old, c).is_none()
    }),
};

pub static REMOVED: Rule = Rule {
    id: "syscall-removed",
    severity: Severity::Breaking,
    summary: "a syscall is gone from the arch's table, or its row lost its entry point",
    explanation:
        "Binaries issue a syscall by number: once gone, they get ENOSYS. A withdrawn syscall \
keeps its row without an entry point or with sys_ni_syscall (lookup_dcookie in 6.10), so that its \
number is never reused: that row answers ENOSYS too (kernel/sys_ni.c, \
Documentation/process/adding-syscalls.rst).",
    reference: ADDING_SYSCALLS,
    matches: Some(|c, ctx| {
        let answers_enosys = |e: Option<&str>| e.is_none_or(|e| e == NOT_IMPLEMENTED);
        let withdrawn = c.change == ChangeKind::Changed
            && !answers_enosys(entry(c.old.as_ref()))
            && answers_enosys(entry(c.new.as_ref()));
        c.kind == ItemKind::Syscall
            && (withdrawn
                || c.change == ChangeKind::Removed && number_elsewhere(ctx.new, c).is_none())
    }),
};

pub static RENUMBERED: Rule = Rule {
    id: "syscall-renumbered",
    severity: Severity::Breaking,
    summary: "a syscall's number changed",
    explanation:
        "Binaries carry the syscall number, not its name: a renumbered syscall makes every \
existing binary issue another call.",
    reference: ADDING_SYSCALLS,
    matches: Some(|c, ctx| {
        c.kind == ItemKind::Syscall
            && match c.change {
                ChangeKind::Changed => number(c.old.as_ref()) != number(c.new.as_ref()),
                ChangeKind::Removed => {
                    number_elsewhere(ctx.new, c).is_some_and(|n| n != number(c.old.as_ref()))
                }
                ChangeKind::Added => {
                    number_elsewhere(ctx.old, c).is_some_and(|n| n != number(c.new.as_ref()))
                }
            }
    }),
};

pub static MOVED: Rule = Rule {
    id: "syscall-moved",
    severity: Severity::Info,
    summary: "a syscall is read from another table with the same number",
    explanation: "The arch's syscalls came from another file (asm-generic/unistd.h became \
scripts/syscall.tbl and Makefile.syscalls in 6.11): the number binaries use is the same. Entry points \
may differ, which is the kernel's affair.",
    reference: ADDING_SYSCALLS,
    matches: Some(|c, ctx| {
        let other = match c.change {
            ChangeKind::Removed => ctx.new,
            ChangeKind::Added => ctx.old,
            ChangeKind::Changed => return false,
        };
        c.kind == ItemKind::Syscall && number_elsewhere(other, c).is_some()
    }),
};

pub static ENTRY_CHANGED: Rule = Rule {
    id: "syscall-entry-changed",
    severity: Severity::Info,
    summary: "a syscall's entry point or compat entry point changed",
    explanation: "The number is the same, so binaries are unaffected; the kernel function serving it \
changed (a compat entry added where 32-bit userspace needs one, a `_time32` variant…). Worth a look for \
compat: Documentation/process/adding-syscalls.rst (\"Compatibility System Calls (Generic)\").",
    reference: ADDING_SYSCALLS,
    matches: Some(|c, _| c.kind == ItemKind::Syscall && c.change == ChangeKind::Changed),
};

pub static HINT_NOT_ON_EVERY_ARCH: Rule = Rule {
    id: "hint-syscall-not-on-every-arch",
    severity: Severity::Info,
    summary: "a new syscall that some arches do not have (`absent_from` in its facts names them)",
    explanation: "Documentation/process/adding-syscalls.rst: a new generic syscall goes into \
scripts/syscall.tbl and into the table of every arch that wires its own, in the same series where \
possible. Arch-specific syscalls are the exception; otherwise, say why the others lack it.",
    reference: ADDING_SYSCALLS,
    matches: Some(|c, _| {
        c.kind == ItemKind::Syscall
            && c.rule == ADDED.id
            && matches!(&c.new, Some(Facts::Syscall { absent_from, .. }) if !absent_from.is_empty())
    }),
};

fn is_syscall(c: &Change, change: ChangeKind) -> bool {
    c.kind == ItemKind::Syscall && c.change == change
}

fn entry(facts: Option<&Facts>) -> Option<&str> {
    match facts {
        Some(Facts::Syscall { entry, .. }) => entry.as_deref(),
        _ => None,
    }
}

fn number(facts: Option<&Facts>) -> Option<u64> {
    match facts {
        Some(Facts::Syscall { number, .. }) => *number,
        _ => None,
    }
}

/// The number of the syscall of the same name in another file of `model` (its table moved),
/// if it has one there.
fn number_elsewhere(model: &Model, c: &Change) -> Option<Option<u64>> {
    model
        .items
        .iter()
        .find(|(k, _)| k.kind == ItemKind::Syscall && k.name == c.name && k.file != c.file)
        .map(|(_, item)| number(Some(&item.facts)))
}
