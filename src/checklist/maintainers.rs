//! Routing with the tree's `MAINTAINERS` file: for a path, the most specific matching entries
//! (subsystem, status, lists, maintainers), read the way `scripts/get_maintainer.pl` reads them.
//! `F:` patterns: one ending in `/` (or naming a directory) covers everything below it, `*` and
//! `?` are wildcards, any other pattern names files at its depth; `X:` excludes; `N:` is a regex
//! matched anywhere in the path. An `F:` match is as specific as its pattern is deep (its `/`s,
//! one more when it names a file or ends in a wildcard; `*` alone, THE REST, least of all); an
//! `N:` match ranks between the two. `K:` keywords match a patch's or a file's text, not its path:
//! get_maintainer.pl adds their sections beside the path's, never in its place, so they choose
//! no group and are not read.

use serde::Serialize;

#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The entry's title: `INTEL DRM XE DRIVER (Lunar Lake and newer)`.
    pub subsystem: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `L:` mailing lists.
    pub lists: Vec<String>,
    /// `M:` maintainers.
    pub maintainers: Vec<String>,
    #[serde(skip)]
    files: Vec<String>,
    #[serde(skip)]
    excludes: Vec<String>,
    /// `N:` regexes, as written.
    #[serde(skip)]
    names: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Maintainers {
    entries: Vec<Entry>,
    /// Each entry's `N:` regexes, compiled (a regex Rust's engine cannot read is left out).
    name_patterns: Vec<Vec<regex::Regex>>,
}

/// Whether a line is a `X:<tab or space>value` field line.
fn field(line: &str) -> Option<(char, &str)> {
    let mut chars = line.chars();
    let tag = chars.next().filter(char::is_ascii_uppercase)?;
    let rest = chars.as_str().strip_prefix(':')?;
    rest.starts_with([' ', '\t']).then(|| (tag, rest.trim()))
}

impl Maintainers {
    /// Entries are a title line followed directly by field lines; the prose before them is skipped.
    pub fn parse(text: &str) -> Maintainers {
        let lines: Vec<&str> = text.lines().collect();
        let mut entries = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let title = lines[i].trim();
            let starts_entry = !title.is_empty()
                && field(lines[i]).is_none()
                && lines.get(i + 1).is_some_and(|l| field(l).is_some());
            if !starts_entry {
                i += 1;
                continue;
            }
            let mut e = Entry {
                subsystem: title.to_string(),
                status: None,
                lists: Vec::new(),
                maintainers: Vec::new(),
                files: Vec::new(),
                excludes: Vec::new(),
                names: Vec::new(),
            };
            i += 1;
            while let Some((tag, value)) = lines.get(i).and_then(|l| field(l)) {
                let value = value.to_string();
                match tag {
                    'M' => e.maintainers.push(value),
                    'L' => e.lists.push(value),
                    'S' => e.status = Some(value),
                    'F' => e.files.push(value),
                    'X' => e.excludes.push(value),
                    'N' => e.names.push(value),
                    _ => {}
                }
                i += 1;
            }
            entries.push(e);
        }
        let name_patterns = entries
            .iter()
            .map(|e| {
                e.names
                    .iter()
                    // Perl's `m/$value/x`: whitespace in the pattern is not matched.
                    .filter_map(|n| regex::Regex::new(&format!("(?x){n}")).ok())
                    .collect()
            })
            .collect();
        Maintainers {
            entries,
            name_patterns,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most specific entries for `path` (ties all kept, in the file's order).
    pub fn route(&self, path: &str) -> Vec<&Entry> {
        let mut best: Vec<&Entry> = Vec::new();
        let mut best_depth = i64::MIN;
        for (e, names) in self.entries.iter().zip(&self.name_patterns) {
            if e.excludes.iter().any(|x| pattern_matches(x, path)) {
                continue;
            }
            let by_name = names.iter().any(|n| n.is_match(path)).then_some(0);
            let by_file = e
                .files
                .iter()
                .filter(|f| pattern_matches(f, path))
                .map(|f| depth(f))
                .max();
            let Some(depth) = by_file.max(by_name) else {
                continue;
            };
            if depth > best_depth {
                best_depth = depth;
                best.clear();
            }
            if depth == best_depth {
                best.push(e);
            }
        }
        best
    }

    /// The entry a path belongs to: the most specific, the first of a tie.
    pub fn section(&self, path: &str) -> Option<&Entry> {
        self.route(path).into_iter().next()
    }
}

/// How specific an `F:` pattern is, as get_maintainer.pl ranks it: its `/`s, one more unless it
/// ends in `/`; a pattern starting with `*` (THE REST's) ranks below every other.
fn depth(pattern: &str) -> i64 {
    if pattern.starts_with('*') {
        return -1;
    }
    let slashes = pattern.matches('/').count() as i64;
    slashes + i64::from(!pattern.ends_with('/'))
}

/// get_maintainer.pl's `file_match_pattern`, plus its rule that a wildcard-free pattern naming a
/// directory covers what is below it.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    if pattern.ends_with('/') {
        return glob_prefix(pattern.as_bytes(), path.as_bytes());
    }
    if !pattern.contains(['*', '?']) && path.starts_with(&format!("{pattern}/")) {
        return true;
    }
    glob_prefix(pattern.as_bytes(), path.as_bytes())
        && pattern.matches('/').count() == path.matches('/').count()
}

/// Whether the whole pattern matches a prefix of `s` (`*`: any bytes, `?`: one byte).
fn glob_prefix(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => true,
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_prefix(rest, &s[i..])),
        Some((&c, rest)) => match s.split_first() {
            Some((&d, s_rest)) if c == b'?' || c == d => glob_prefix(rest, s_rest),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
List of maintainers
===================

Descriptions of section entries and preferred order
	M: *Mail* patches to: FullName <address@domain>

DRM DRIVERS
M:	David Airlie <airlied@gmail.com>
L:	dri-devel@lists.freedesktop.org
S:	Maintained
F:	drivers/gpu/
F:	include/uapi/drm/

INTEL DRM XE DRIVER
M:	Lucas De Marchi <lucas.demarchi@intel.com>
L:	intel-xe@lists.freedesktop.org
S:	Supported
F:	drivers/gpu/drm/xe
F:	include/uapi/drm/xe_drm.h

DRM FOURCC
M:	Someone <s@example.com>
F:	include/uapi/drm/drm_fourcc*
X:	include/uapi/drm/drm_fourcc_old.h

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
F:	*
F:	*/
";

    fn titles(m: &Maintainers, path: &str) -> Vec<String> {
        m.route(path).iter().map(|e| e.subsystem.clone()).collect()
    }

    #[test]
    fn parses_entries_not_the_prose() {
        let m = Maintainers::parse(SAMPLE);
        let names: Vec<&str> = m.entries.iter().map(|e| e.subsystem.as_str()).collect();
        assert_eq!(
            names,
            [
                "DRM DRIVERS",
                "INTEL DRM XE DRIVER",
                "DRM FOURCC",
                "THE REST"
            ]
        );
        let xe = &m.entries[1];
        assert_eq!(xe.lists, ["intel-xe@lists.freedesktop.org"]);
        assert_eq!(
            xe.maintainers,
            ["Lucas De Marchi <lucas.demarchi@intel.com>"]
        );
        assert_eq!(xe.status.as_deref(), Some("Supported"));
    }

    #[test]
    fn most_specific_entry_wins() {
        let m = Maintainers::parse(SAMPLE);
        assert_eq!(
            titles(&m, "include/uapi/drm/xe_drm.h"),
            ["INTEL DRM XE DRIVER"]
        );
        assert_eq!(
            titles(&m, "drivers/gpu/drm/xe/xe_bo.c"),
            ["INTEL DRM XE DRIVER"]
        );
        assert_eq!(titles(&m, "include/uapi/drm/drm.h"), ["DRM DRIVERS"]);
        assert_eq!(titles(&m, "include/uapi/drm/drm_fourcc.h"), ["DRM FOURCC"]);
        // X: excludes, and a file pattern does not reach deeper files.
        assert_eq!(
            titles(&m, "include/uapi/drm/drm_fourcc_old.h"),
            ["DRM DRIVERS"]
        );
        assert_eq!(titles(&m, "include/uapi/linux/kvm.h"), ["THE REST"]);
        assert_eq!(titles(&m, "Makefile"), ["THE REST"]);
    }

    /// One driver is one section whatever its files' places (a KMS property's source and the
    /// driver's uAPI header); deeper patterns beat shallower ones, `N:` regexes beat only THE REST.
    #[test]
    fn a_path_belongs_to_its_deepest_section() {
        let m = Maintainers::parse(
            "DRM DRIVERS\n\
M:\tD <d@example.com>\n\
F:\tdrivers/gpu/\n\
F:\tinclude/uapi/drm/\n\
X:\tdrivers/gpu/drm/amd/\n\
\n\
RADEON and AMDGPU DRM DRIVERS\n\
M:\tA <a@example.com>\n\
F:\tdrivers/gpu/drm/amd/\n\
F:\tinclude/uapi/drm/amdgpu_drm.h\n\
\n\
ARM/OWL\n\
M:\tO <o@example.com>\n\
N:\towl\n\
\n\
THE REST\n\
M:\tL <l@example.com>\n\
F:\t*\n\
F:\t*/\n",
        );
        let section = |p: &str| m.section(p).map(|e| e.subsystem.as_str());
        let amd = Some("RADEON and AMDGPU DRM DRIVERS");
        assert_eq!(section("include/uapi/drm/amdgpu_drm.h"), amd);
        assert_eq!(section("drivers/gpu/drm/amd/amdgpu/amdgpu_display.c"), amd);
        assert_eq!(section("include/uapi/drm/drm_mode.h"), Some("DRM DRIVERS"));
        assert_eq!(section("include/uapi/linux/owl-emac.h"), Some("ARM/OWL"));
        assert_eq!(section("include/uapi/linux/kvm.h"), Some("THE REST"));
        assert_eq!(depth("include/uapi/drm/"), 3);
        assert_eq!(depth("include/uapi/drm/amdgpu_drm.h"), 4);
        assert_eq!(depth("drivers/gpu/drm/xe"), 4);
        assert_eq!(depth("*/"), -1);
    }
}
