//! Which asm-generic headers an arch uses. `make headers_install` installs every
//! `include/uapi/asm-generic/*.h` for every arch, but a program built for the arch sees one only
//! through a header it includes: the arch's own `asm/` headers (powerpc's `asm/ioctls.h` does not
//! include asm-generic's, mips' `asm/mman.h` never includes `asm-generic/mman-common.h`, x86
//! never includes `asm-generic/unistd.h`), the headers the build generates, and the wrappers it
//! writes for `generic-y` (`arch/<dir>/include/uapi/asm/Kbuild`) and for the `mandatory-y` headers
//! the arch does not provide (`include/uapi/asm-generic/Kbuild`): `asm/X.h` holding
//! `#include <asm-generic/X.h>`. An asm-generic header no such root reaches through `#include`
//! lines is not the arch's: the side leaves it out (docs/scope.md, "Headers an arch does not use").

use super::incremental::HeaderText;
use crate::arch::Arch;
use crate::error::Error;
use crate::model;
use crate::source::{FileEntry, Selection, Tree};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

const GENERIC: &str = "include/uapi/asm-generic/";
/// The `mandatory-y` list every arch's `asm/` must provide, since v5.1.
const MANDATORY: &str = "include/uapi/asm-generic/Kbuild";

/// The asm-generic headers the `asm/` wrappers of a kernel tree's build include, as paths; None
/// when the tree does not say (no `include/uapi/asm-generic/Kbuild`: a tree before v5.1, or a
/// directory of headers alone), and then every asm-generic header counts as used.
pub(super) fn wrapped(tree: &Tree, arch: &Arch) -> Result<Option<BTreeSet<String>>, Error> {
    let arch_kbuild = format!("arch/{}/include/uapi/asm/Kbuild", arch.dir());
    let (files, _) = tree.files(&Selection::new(&[MANDATORY, arch_kbuild.as_str()]))?;
    if !files.iter().any(|f| f.path == MANDATORY) {
        return Ok(None);
    }
    if !files.iter().any(|f| f.path == arch_kbuild) {
        // The arch is not in this tree (ia64 since v6.7): no build writes its wrappers.
        return Ok(Some(BTreeSet::new()));
    }
    let mut names = BTreeSet::new();
    for bytes in tree.read_all(&files)? {
        names.extend(kbuild_headers(&String::from_utf8_lossy(&bytes)));
    }
    Ok(Some(
        names
            .into_iter()
            .map(|name| format!("{GENERIC}{name}"))
            .collect(),
    ))
}

/// The headers a Kbuild file lists in `generic-y` and `mandatory-y` (`VAR += a.h b.h`).
fn kbuild_headers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let (Some(var), Some(op)) = (words.next(), words.next()) else {
            continue;
        };
        if matches!(var, "generic-y" | "mandatory-y") && matches!(op, "+=" | ":=" | "=") {
            out.extend(words.filter(|w| w.ends_with(".h")).map(str::to_string));
        }
    }
    out
}

/// The asm-generic headers among `entries` that nothing the arch's programs include reaches:
/// roots are every other header, and the asm-generic headers in `wrapped` the arch does not
/// replace with its own `asm/` header; edges are `#include` lines (every branch, as the incremental
/// diff reads them), resolved as the build resolves them for `arch`. With `wrappers_only` (a
/// kernel tree, whose Kbuild files name every wrapper), `<asm/X.h>` reaches asm-generic/X.h only
/// through a wrapper, a root already: an arch with neither its own asm/X.h nor a wrapper has no
/// asm/X.h. An installed tree's wrappers are files of its own, and a copy's are unknown: there the
/// model's fallback from `<asm/X.h>` to asm-generic/X.h is an edge too.
pub(super) fn unused_generic(
    arch: &Arch,
    entries: &[FileEntry],
    texts: &[Arc<HeaderText>],
    wrapped: &BTreeSet<String>,
    wrappers_only: bool,
) -> BTreeSet<String> {
    let index: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_str(), i))
        .collect();
    let own_asm = |path: &str| {
        let name = path.strip_prefix(GENERIC)?;
        index
            .get(format!("arch/{}/include/uapi/asm/{name}", arch.dir()).as_str())
            .copied()
    };
    let mut used = vec![false; entries.len()];
    let mut stack: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| match e.path.starts_with(GENERIC) {
            false => true,
            true => wrapped.contains(&e.path) && own_asm(&e.path).is_none(),
        })
        .map(|(i, _)| i)
        .collect();
    for &i in &stack {
        used[i] = true;
    }
    while let Some(i) = stack.pop() {
        for line in texts[i].includes() {
            let resolve = |p: &str| index.get(p).copied();
            let target =
                model::resolve_in_tree(arch, &entries[i].path, &line.target, line.quoted, resolve);
            let fallback = wrappers_only
                && !line.quoted
                && line.target.starts_with("asm/")
                && target.is_some_and(|j| entries[j].path.starts_with(GENERIC));
            if let Some(j) = target.filter(|&j| !used[j] && !fallback) {
                used[j] = true;
                stack.push(j);
            }
        }
    }
    entries
        .iter()
        .zip(&used)
        .filter(|(e, used)| !**used && e.path.starts_with(GENERIC))
        .map(|(e, _)| e.path.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::BlobId;

    fn entry(path: &str) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            blob: BlobId([0; 20]),
        }
    }

    #[test]
    fn kbuild_lists_generic_and_mandatory_headers_only() {
        let text = "# SPDX\ngeneric-y += kvm_para.h\nmandatory-y += auxvec.h bitsperlong.h\n\
                    generated-y += unistd_64.h\nsyscall-y += unistd_32.h # comment\n";
        assert_eq!(
            kbuild_headers(text),
            ["kvm_para.h", "auxvec.h", "bitsperlong.h"]
        );
    }

    #[test]
    fn an_asm_generic_header_is_used_only_through_a_root() {
        let paths = [
            "arch/x86/include/uapi/asm/bitsperlong.h",
            "arch/x86/include/uapi/asm/ioctls.h",
            "include/uapi/asm-generic/bitsperlong.h",
            "include/uapi/asm-generic/int-l64.h",
            "include/uapi/asm-generic/int-ll64.h",
            "include/uapi/asm-generic/ioctls.h",
            "include/uapi/asm-generic/param.h",
            "include/uapi/asm-generic/types.h",
            "include/uapi/linux/types.h",
        ];
        let texts = [
            "#define __BITS_PER_LONG 64\n#include <asm-generic/bitsperlong.h>\n",
            "#define FIOQSIZE 0x5460\n",
            "",
            "",
            "",
            "#define FIOQSIZE 0x5460\n",
            "",
            "#include <asm-generic/int-ll64.h>\n",
            "#include <asm/types.h>\n",
        ];
        let entries: Vec<FileEntry> = paths.iter().map(|p| entry(p)).collect();
        let texts: Vec<Arc<HeaderText>> = texts
            .iter()
            .map(|t| Arc::new(HeaderText::new(t.as_bytes().to_vec())))
            .collect();
        let wrapped: BTreeSet<String> = ["param.h", "types.h", "ioctls.h"]
            .iter()
            .map(|n| format!("{GENERIC}{n}"))
            .collect();
        let arch = Arch::by_name("x86").unwrap();
        let unused = unused_generic(arch, &entries, &texts, &wrapped, true);
        // ioctls.h: the arch's own asm/ioctls.h replaces the wrapper and does not include it;
        // int-l64.h: nothing includes it.
        assert_eq!(
            unused.into_iter().collect::<Vec<_>>(),
            [
                "include/uapi/asm-generic/int-l64.h",
                "include/uapi/asm-generic/ioctls.h"
            ]
        );
    }
}
