//! Which names a file defines, for the conditions' "defined anywhere" (`conditions`): a
//! `#define NAME` in C, a `-DNAME` in the compiler flags of a Makefile or Kbuild (`ccflags-y`,
//! `subdir-ccflags-y`, `CFLAGS_file.o`). A file's names are listed once, whatever names are asked
//! about, so that a walk over revisions scans each blob once.

use memchr::{memchr, memchr_iter, memmem, memrchr};

/// Whether the file at `path` is read for `-D` flags (else for `#define`s).
pub fn is_makefile(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file == "Makefile" || file == "Kbuild"
}

/// The names `bytes` defines (`-D` flags when `makefile`, else `#define`s), sorted, each once.
pub fn defined_names(makefile: bool, bytes: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    // Only the lines holding the mark are read (found by memchr/memmem, as most lines have none).
    let marks: Box<dyn Iterator<Item = usize>> = match makefile {
        true => Box::new(memmem::find_iter(bytes, b"-D")),
        false => Box::new(memchr_iter(b'#', bytes)),
    };
    let mut line_end = 0;
    for at in marks {
        if at < line_end {
            continue;
        }
        let start = memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        line_end = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let line = String::from_utf8_lossy(&bytes[start..line_end]);
        match makefile {
            true => flag_names(&line, &mut names),
            false => names.extend(c_definition(&line).map(str::to_string)),
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// The name a line `#define`s (whitespace allowed anywhere in the directive: `#  define`).
fn c_definition(line: &str) -> Option<&str> {
    let mut rest = line;
    for c in "#define".chars() {
        rest = rest.trim_start().strip_prefix(c)?;
    }
    identifier_at(rest.trim_start())
}

/// The `-DNAME` (or `-D NAME`) names of a line that sets compiler flags.
fn flag_names(line: &str, out: &mut Vec<String>) {
    for (at, _) in line.match_indices("-D") {
        let option = line[..at]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        let value = line[at + 2..].trim_start();
        let before = &line[..line.len() - value.len()];
        let flags = before.contains("ccflags") || before.contains("CFLAGS_");
        if option && flags {
            out.extend(identifier_at(value).map(str::to_string));
        }
    }
}

/// The identifier `text` starts with, if any.
fn identifier_at(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-name scan the listing replaced: whether `bytes` defines `name`.
    fn defines(path: &str, bytes: &[u8], name: &str) -> bool {
        let word_end = |at: usize| {
            bytes
                .get(at)
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        };
        memmem::find_iter(bytes, name.as_bytes()).any(|at| {
            if !word_end(at + name.len()) {
                return false;
            }
            let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
            let before = String::from_utf8_lossy(&bytes[line_start..at]);
            if is_makefile(path) {
                let flags = before.contains("ccflags") || before.contains("CFLAGS_");
                let option = before.trim_end().strip_suffix("-D");
                flags && option.is_some_and(|o| o.is_empty() || o.ends_with(char::is_whitespace))
            } else {
                let before: String = before.split_whitespace().collect();
                before == "#define"
            }
        })
    }

    fn names(path: &str, text: &str) -> Vec<String> {
        defined_names(is_makefile(path), text.as_bytes())
    }

    #[test]
    fn definitions_in_c_and_makefiles() {
        assert_eq!(names("drm/a/b.h", "x\n#  define  PRIV 1\n"), ["PRIV"]);
        assert_eq!(
            names("drm/a/b.h", "#ifdef PRIV\n#define PRIVATE\n"),
            ["PRIVATE"]
        );
        assert_eq!(names("drm/a/Makefile", "ccflags-y += -DPRIV\n"), ["PRIV"]);
        assert_eq!(
            names("drm/a/Kbuild", "CFLAGS_x.o := -I. -D PRIV=1\n"),
            ["PRIV"]
        );
        assert!(names("drm/a/Makefile", "# -DPRIV\nobj-y += x.o\n").is_empty());
    }

    /// For every identifier of the texts, the listing answers as the per-name scan does.
    #[test]
    fn listing_answers_as_the_scan() {
        let c = "x\n#  define  PRIV 1\n#ifdef PRIV\n#define PRIVATE\n  # d efine\tSPACED(x) x\n\
                 y #define NOT_FIRST\n#define\u{a0}NBSP\n#defineGLUED\n#define A_B-1\r\n\
                 #undef GONE\n// #define COMMENTED\n#define\n#define 9LIVES\n#include <AB.h>\n";
        let make = "ccflags-y += -DPRIV -DB=2 -D  SPACED\nobj-y += -DNOFLAGS\n\
                    CFLAGS_x.o := -I. -D PRIV2=1 x-DGLUED\nsubdir-ccflags-y += \\\n  -DNEXT_LINE\n\
                    # ccflags -DCOMMENTED\nccflags-y += -D\n";
        for (path, text) in [
            ("drm/a/b.h", c),
            ("drm/a/Makefile", make),
            ("drm/Kbuild", c),
        ] {
            let listed = names(path, text);
            let words: Vec<&str> = text
                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            for w in words {
                assert_eq!(
                    listed.iter().any(|n| n == w),
                    defines(path, text.as_bytes(), w),
                    "{path}: {w}"
                );
            }
        }
    }
}
