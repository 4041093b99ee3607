//! Which paths to list: [`Selection`] patterns are compiled into a small automaton over path
//! components, so that listing a tree only reads the subtrees that can contain a match (see
//! [`Selection::may_contain`]). Listings step the automaton themselves, a component at a time.

#[derive(Clone, Debug)]
enum Seg {
    /// `**`: any number of components.
    AnyDirs,
    /// A component with `*`/`?` wildcards.
    Glob(Vec<u8>),
    /// A literal component.
    Lit(Vec<u8>),
}

/// Which paths to list: glob patterns over '/'-separated paths: `*` matches within one component (as does
/// `?` for one character), `**` any number of components (a trailing `**` at least one). E.g.
/// "include/uapi/**", "arch/*/include/uapi/**", "drivers/gpu/drm/**/*.c", "MAINTAINERS".
#[derive(Clone, Debug)]
pub struct Selection {
    patterns: Vec<Vec<Seg>>,
}

/// A set of automaton states: (pattern index, segment position), sorted and deduplicated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct States(Vec<(u32, u32)>);

impl States {
    /// No pattern can match here or below.
    pub(super) fn is_dead(&self) -> bool {
        self.0.is_empty()
    }
}

impl Selection {
    pub fn new(patterns: &[&str]) -> Selection {
        let mut out = Vec::new();
        for p in patterns {
            let mut segs: Vec<Seg> = Vec::new();
            for comp in p.split('/').filter(|c| !c.is_empty() && *c != ".") {
                let seg = if comp == "**" {
                    if matches!(segs.last(), Some(Seg::AnyDirs)) {
                        continue; // `**/**` is `**`
                    }
                    Seg::AnyDirs
                } else if comp.contains(['*', '?']) {
                    Seg::Glob(comp.as_bytes().to_vec())
                } else {
                    Seg::Lit(comp.as_bytes().to_vec())
                };
                segs.push(seg);
            }
            if segs.is_empty() {
                continue;
            }
            if matches!(segs.last(), Some(Seg::AnyDirs)) {
                // "dir/**" names everything below dir, not dir itself: one or more components.
                segs.push(Seg::Glob(b"*".to_vec()));
            }
            out.push(segs);
        }
        Selection { patterns: out }
    }

    /// Whether the file at `path` ('/'-separated, relative to the root) is selected.
    pub fn matches(&self, path: &str) -> bool {
        self.walk(path).is_some_and(|st| self.accepts(&st))
    }

    /// Whether the directory `dir` ('/'-separated, relative to the root; "" is the root) can contain a
    /// selected file at any depth. Listing only descends into directories for which this is true.
    pub fn may_contain(&self, dir: &str) -> bool {
        self.walk(dir).is_some_and(|st| self.may_descend(&st))
    }

    /// The states after `path`'s components, None once no pattern can match any more.
    fn walk(&self, path: &str) -> Option<States> {
        let mut st = self.start();
        for comp in path.split('/').filter(|c| !c.is_empty()) {
            st = self.step(&st, comp.as_bytes());
            if st.is_dead() {
                return None;
            }
        }
        Some(st)
    }

    pub(super) fn start(&self) -> States {
        let mut v: Vec<(u32, u32)> = (0..self.patterns.len() as u32).map(|p| (p, 0)).collect();
        self.close(&mut v);
        States(v)
    }

    /// Adds the epsilon moves (`**` matching zero components), sorts and dedups.
    fn close(&self, v: &mut Vec<(u32, u32)>) {
        let mut i = 0;
        while i < v.len() {
            let (p, pos) = v[i];
            if let Some(Seg::AnyDirs) = self.patterns[p as usize].get(pos as usize) {
                v.push((p, pos + 1));
            }
            i += 1;
        }
        v.sort_unstable();
        v.dedup();
    }

    pub(super) fn step(&self, st: &States, comp: &[u8]) -> States {
        let mut v = Vec::new();
        for &(p, pos) in &st.0 {
            match self.patterns[p as usize].get(pos as usize) {
                Some(Seg::AnyDirs) => v.push((p, pos)),
                Some(Seg::Lit(l)) if l.as_slice() == comp => v.push((p, pos + 1)),
                Some(Seg::Glob(g)) if glob_component(g, comp) => v.push((p, pos + 1)),
                _ => {}
            }
        }
        self.close(&mut v);
        States(v)
    }

    pub(super) fn accepts(&self, st: &States) -> bool {
        st.0.iter()
            .any(|&(p, pos)| pos as usize == self.patterns[p as usize].len())
    }

    pub(super) fn may_descend(&self, st: &States) -> bool {
        st.0.iter()
            .any(|&(p, pos)| (pos as usize) < self.patterns[p as usize].len())
    }
}

/// `*` (any run of bytes) and `?` (one byte) within one path component.
fn glob_component(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || (pat[p] != b'*' && pat[p] == s[i])) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if let Some((sp, si)) = star {
            p = sp + 1;
            i = si + 1;
            star = Some((sp, si + 1));
        } else {
            return false;
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_matching() {
        let s = Selection::new(&[
            "include/uapi/**",
            "arch/*/include/uapi/**",
            "drivers/gpu/drm/**/*.c",
            "MAINTAINERS",
        ]);
        // `**`
        assert!(s.matches("include/uapi/linux/a.h"));
        assert!(s.matches("include/uapi/a.h"));
        assert!(!s.matches("include/uapi"), "dir/** names what is below dir");
        assert!(!s.matches("include/linux/a.h"));
        assert!(
            s.matches("drivers/gpu/drm/drm_ioctl.c"),
            "`**` may match zero components"
        );
        assert!(s.matches("drivers/gpu/drm/i915/gt/x.c"));
        assert!(!s.matches("drivers/gpu/drm/i915/x.h"));
        // `*` stays within one component
        assert!(s.matches("arch/x86/include/uapi/asm/x.h"));
        assert!(!s.matches("arch/x86/um/include/uapi/asm/x.h"));
        assert!(!s.matches("arch/include/uapi/asm/x.h"));
        // exact file
        assert!(s.matches("MAINTAINERS"));
        assert!(!s.matches("MAINTAINERS.old"));
        assert!(!s.matches("Documentation/MAINTAINERS"));
        // component globs
        let g = Selection::new(&["a/*.h", "b/x?z", "c/**/d/*"]);
        assert!(
            g.matches("a/foo.h")
                && g.matches("a/.h")
                && !g.matches("a/foo.c")
                && !g.matches("a/sub/foo.h")
        );
        assert!(g.matches("b/xyz") && !g.matches("b/xz") && !g.matches("b/xyyz"));
        assert!(
            g.matches("c/d/e")
                && g.matches("c/1/2/d/e")
                && !g.matches("c/d")
                && !g.matches("c/1/d/e/f")
        );
        assert!(glob_component(b"*a*b*", b"xaxxbx") && !glob_component(b"*a*b", b"xaxxbx"));
        assert!(glob_component(b"**", b"") && glob_component(b"*", b"anything"));
        let none = Selection::new(&[]);
        assert!(!none.matches("a") && !none.may_contain(""));
    }

    #[test]
    fn selection_may_contain_prunes_directories() {
        let s = Selection::new(&[
            "include/uapi/**",
            "arch/*/include/uapi/**",
            "drivers/gpu/drm/**/*.c",
            "MAINTAINERS",
        ]);
        for yes in [
            "",
            "include",
            "include/uapi",
            "include/uapi/linux",
            "arch",
            "arch/x86",
            "arch/x86/include",
            "arch/x86/include/uapi/asm",
            "drivers",
            "drivers/gpu",
            "drivers/gpu/drm",
            "drivers/gpu/drm/i915/gt",
        ] {
            assert!(s.may_contain(yes), "{yes} should be descended into");
        }
        for no in [
            "include/linux",
            "Documentation",
            "arch/x86/kernel",
            "arch/x86/include/asm",
            "drivers/net",
            "drivers/gpu/host1x",
            "kernel",
            "MAINTAINERS",
            "fs",
        ] {
            assert!(!s.may_contain(no), "{no} should not be descended into");
        }
        let exact = Selection::new(&["MAINTAINERS"]);
        assert!(exact.may_contain("") && !exact.may_contain("include"));
    }
}
