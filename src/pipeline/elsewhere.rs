//! Where else a revision defines a name: the uAPI headers a model for one arch does not read (the
//! other arches' `arch/*/include/uapi`) or reads under conditions (`include/uapi/asm-generic`,
//! whose definitions may sit behind `#if __BITS_PER_LONG == 32`). An item removed from one arch's
//! headers and defined there is `moved-to-arch` (rules). The headers are scanned as text for the
//! names they define, not parsed: the index only answers "which headers define NAME", for items
//! the diff already found removed, and each blob is scanned once per run (`ParseCache`).

use super::ParseCache;
use crate::arch::Arch;
use crate::error::Error;
use crate::source::{Selection, Tree};
use std::collections::{BTreeMap, BTreeSet};

/// The headers scanned for `arch` (every arch's uAPI headers, and asm-generic's), and the
/// directory of its own, left out.
fn selection(arch: &Arch) -> (Selection, String) {
    let own = format!("arch/{}/include/uapi/", arch.dir());
    (
        Selection::new(&["arch/*/include/uapi/**/*.h", "include/uapi/asm-generic/*.h"]),
        own,
    )
}

/// Name → the headers (sorted) of `tree` outside `arch`'s own that define it, from their texts.
pub fn index(
    tree: &Tree,
    arch: &Arch,
    cache: &ParseCache,
) -> Result<BTreeMap<String, BTreeSet<String>>, Error> {
    let (select, own) = selection(arch);
    let (entries, _) = tree.files(&select)?;
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| !e.path.starts_with(&own))
        .collect();
    let defined = cache.defined_names(tree, &entries)?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (entry, names) in entries.iter().zip(defined) {
        for name in names.iter() {
            out.entry(name.clone())
                .or_default()
                .insert(entry.path.clone());
        }
    }
    Ok(out)
}

/// The names a header's text defines: macros (`#define NAME`), struct, union and enum tags with a
/// body, typedef names, and enumerators (identifiers opening a line of an enum's body).
pub fn defined_names(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeSet::new();
    let mut in_enum = false;
    let mut pending_tag: Option<(String, bool)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix('#') {
            if let Some(rest) = rest.trim_start().strip_prefix("define") {
                if let Some(name) = first_identifier(rest) {
                    out.insert(name.to_string());
                }
            }
            continue;
        }
        let words = identifiers(trimmed);
        // `struct NAME {`, possibly with the brace on the next line.
        if let Some((tag, is_enum)) = pending_tag.take() {
            if trimmed.starts_with('{') {
                out.insert(tag);
                in_enum = is_enum;
            }
        }
        if let [kind @ ("struct" | "union" | "enum"), name, ..] = words.as_slice() {
            let rest = &trimmed[trimmed.find(kind).unwrap_or(0) + kind.len()..];
            let after = rest[rest.find(name).unwrap_or(0) + name.len()..].trim_start();
            if after.starts_with('{') {
                out.insert(name.to_string());
                in_enum = *kind == "enum";
            } else if after.is_empty() {
                pending_tag = Some((name.to_string(), *kind == "enum"));
            }
        } else if words.first() == Some(&"enum") && trimmed.contains('{') {
            in_enum = true;
        }
        if words.first() == Some(&"typedef") && trimmed.trim_end().ends_with(';') {
            if let Some(name) = words.last() {
                out.insert(name.to_string());
            }
        }
        if in_enum {
            if let Some(name) = first_identifier(trimmed) {
                let after = trimmed[name.len()..].trim_start();
                if trimmed.starts_with(name)
                    && (after.is_empty() || after.starts_with([',', '=', '}']))
                {
                    out.insert(name.to_string());
                }
            }
            if trimmed.contains('}') {
                in_enum = false;
            }
        }
    }
    out.into_iter().collect()
}

/// The first identifier of a text, after blanks.
fn first_identifier(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    let word = &s[..end];
    (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit())).then_some(word)
}

/// The identifiers of a line, in order.
fn identifiers(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::defined_names;

    #[test]
    fn finds_defines_tags_typedefs_and_enumerators() {
        let text = b"#define KVM_S390_X 1\n# define F_GETLK64 12\nstruct kvm_s390_pv\n{\n\t__u32 cmd;\n};\n\
enum pv_cmd_id {\n\tKVM_PV_A,\n\tKVM_PV_B = 3,\n};\ntypedef struct foo foo_t;\nunion u { int a; };\nstruct s {\n";
        assert_eq!(
            defined_names(text),
            [
                "F_GETLK64",
                "KVM_PV_A",
                "KVM_PV_B",
                "KVM_S390_X",
                "foo_t",
                "kvm_s390_pv",
                "pv_cmd_id",
                "s",
                "u"
            ]
        );
    }
}
