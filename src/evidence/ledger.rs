//! The evidence ledger: a TOML file that maps checklist item ids to the open-source userspace that
//! justifies them (docs/ledger.md). Entries name one item (`id`) or several (`ids`);
//! an id may use `*` as a wildcard (`define:DRM_FORMAT_*`). An exact id wins over a wildcard, and
//! otherwise the first entry in the file wins.

use serde::{Deserialize, Serialize};

/// Where the ledger is looked for in the new revision's tree when `--ledger` is not given.
pub const DEFAULT_PATH: &str = "Documentation/gpu/uapi-ledger.toml";

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Written by `ledger init`: nothing recorded yet.
    Todo,
    /// Userspace is under review in the canonical upstream project.
    Proposed,
    Merged,
    /// No userspace is required, with a reason (e.g. the drm_fourcc.h waiver).
    Waived,
    /// A breaking change accepted on purpose, with a reason and who accepted it: it does not fail
    /// `diff --fail-on` (docs/snapshot.md, "The gate"). Not evidence of userspace.
    #[serde(rename = "accepted-break")]
    AcceptedBreak,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Todo => "todo",
            Status::Proposed => "proposed",
            Status::Merged => "merged",
            Status::Waived => "waived",
            Status::AcceptedBreak => "accepted-break",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    item: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<toml::Spanned<String>>,
    #[serde(default)]
    ids: Vec<toml::Spanned<String>>,
    status: Status,
    #[serde(default)]
    links: Vec<String>,
    reviewer: Option<String>,
    reason: Option<String>,
    note: Option<String>,
    accepted_by: Option<String>,
}

/// One recorded piece of evidence, as shown next to the items it covers.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub status: Status,
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `accepted-break` entries: who accepted the break.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<String>,
    /// The ledger id (or pattern) that matched, and its line.
    pub ledger_id: String,
    pub ledger_line: u32,
}

impl Evidence {
    /// Why this entry does not justify its items yet, if it does not.
    pub fn problem(&self) -> Option<&'static str> {
        match self.status {
            Status::Todo => Some("no evidence recorded yet (status = \"todo\")"),
            Status::Proposed | Status::Merged if self.links.is_empty() => Some("no userspace link"),
            Status::Waived if blank(&self.reason) => Some("waived without a reason"),
            Status::AcceptedBreak if blank(&self.reason) => Some("break accepted without a reason"),
            Status::AcceptedBreak if blank(&self.accepted_by) => {
                Some("break accepted without `accepted_by`")
            }
            _ => None,
        }
    }
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// One id (or pattern) of the ledger, with the evidence it points to.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub id: String,
    pub line: u32,
    entry: usize,
}

#[derive(Debug, Default)]
pub struct Ledger {
    /// Where it was read from, as shown to the user.
    pub source: String,
    pub patterns: Vec<Pattern>,
    entries: Vec<Evidence>,
}

impl Ledger {
    pub fn parse(source: &str, text: &str) -> Result<Ledger, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(v) = file.version.filter(|v| *v != 1) {
            return Err(format!(
                "unsupported ledger version {v} (this uapi-diff reads 1)"
            ));
        }
        let line_of = |offset: usize| 1 + text[..offset].matches('\n').count() as u32;
        let mut ledger = Ledger {
            source: source.to_string(),
            ..Ledger::default()
        };
        for raw in file.item {
            let ids: Vec<&toml::Spanned<String>> = raw.id.iter().chain(&raw.ids).collect();
            let first = ids
                .first()
                .ok_or_else(|| "an [[item]] has neither `id` nor `ids`".to_string())?;
            let entry = ledger.entries.len();
            ledger.entries.push(Evidence {
                status: raw.status,
                links: raw.links,
                reviewer: raw.reviewer,
                reason: raw.reason,
                note: raw.note,
                accepted_by: raw.accepted_by,
                ledger_id: first.get_ref().clone(),
                ledger_line: line_of(first.span().start),
            });
            for id in ids {
                ledger.patterns.push(Pattern {
                    id: id.get_ref().clone(),
                    line: line_of(id.span().start),
                    entry,
                });
            }
        }
        Ok(ledger)
    }

    /// The userspace evidence for an item id: an exact id first, else the first matching
    /// wildcard. Accepted breaks are no evidence and are not looked at.
    pub fn lookup(&self, id: &str) -> Option<(&Pattern, Evidence)> {
        self.find(id, |p| !self.is_acceptance(p))
    }

    /// The acceptance of a break for an item id (`status = "accepted-break"`), matched as `lookup`.
    pub fn acceptance(&self, id: &str) -> Option<(&Pattern, Evidence)> {
        self.find(id, |p| self.is_acceptance(p))
    }

    /// Whether a pattern belongs to an `accepted-break` entry.
    pub fn is_acceptance(&self, pattern: &Pattern) -> bool {
        self.entries[pattern.entry].status == Status::AcceptedBreak
    }

    fn find(&self, id: &str, wanted: impl Fn(&Pattern) -> bool) -> Option<(&Pattern, Evidence)> {
        let mut patterns = self.patterns.iter().filter(|p| wanted(p));
        let exact = patterns.clone().find(|p| p.id == id);
        let pattern = exact.or_else(|| {
            patterns.find(|p| p.id.contains('*') && wildcard(p.id.as_bytes(), id.as_bytes()))
        })?;
        let mut evidence = self.entries[pattern.entry].clone();
        evidence.ledger_id = pattern.id.clone();
        evidence.ledger_line = pattern.line;
        Some((pattern, evidence))
    }
}

/// `*` matches any run of characters; everything else literally.
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| wildcard(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && wildcard(rest, &s[1..]),
    }
}

/// Canonical upstream projects of the graphics stack: (project names, canonical host/path).
const UPSTREAMS: &[(&[&str], &str)] = &[
    (&["mesa"], "gitlab.freedesktop.org/mesa/mesa"),
    (&["drm", "libdrm"], "gitlab.freedesktop.org/mesa/drm"),
    (
        &["igt-gpu-tools", "igt"],
        "gitlab.freedesktop.org/drm/igt-gpu-tools",
    ),
    (&["weston"], "gitlab.freedesktop.org/wayland/weston"),
    (
        &["wayland-protocols"],
        "gitlab.freedesktop.org/wayland/wayland-protocols",
    ),
    (&["xserver"], "gitlab.freedesktop.org/xorg/xserver"),
    (&["wlroots"], "gitlab.freedesktop.org/wlroots/wlroots"),
    (
        &["drm-hwcomposer"],
        "gitlab.freedesktop.org/drm-hwcomposer/drm-hwcomposer",
    ),
    (&["kwin"], "invent.kde.org/plasma/kwin"),
    (&["mutter"], "gitlab.gnome.org/GNOME/mutter"),
    (&["gamescope"], "github.com/ValveSoftware/gamescope"),
    (&["libva"], "github.com/intel/libva"),
    (&["compute-runtime"], "github.com/intel/compute-runtime"),
];

/// A warning when `url` points into a copy of a known project other than its canonical upstream
/// (drm-uapi.rst: "The userspace patches must be against the canonical upstream, not some vendor
/// fork"). Links to other places (mailing-list archives, unknown projects) are not judged.
pub fn fork_warning(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let mut segments = rest.split('/').filter(|s| !s.is_empty());
    let host = segments.next()?.to_ascii_lowercase();
    // GitLab: the project path ends where `/-/` starts; GitHub: owner/repo.
    let path: Vec<&str> = if host == "github.com" {
        segments.take(2).collect()
    } else {
        segments.take_while(|s| *s != "-").collect()
    };
    let project = path.last()?.trim_end_matches(".git").to_ascii_lowercase();
    let full = format!("{host}/{}", path.join("/"))
        .trim_end_matches(".git")
        .to_ascii_lowercase();
    let (_, canonical) = UPSTREAMS
        .iter()
        .find(|(names, _)| names.contains(&project.as_str()))?;
    if full == canonical.to_ascii_lowercase() || path.len() < 2 {
        return None;
    }
    Some(format!(
        "{url} is not the canonical upstream project (https://{canonical}): drm-uapi.rst asks for \
userspace reviewed upstream, not in a fork"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"version = 1

[[item]]
id = "ioctl:DRM_IOCTL_TOY_WAIT"
status = "merged"
links = ["https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/1"]
reviewer = "Rev Iewer <r@example.com>"

[[item]]
ids = ["define:DRM_FORMAT_*", "define:I915_FORMAT_MOD_*"]
status = "waived"
reason = "drm_fourcc.h Open Source User Waiver"

[[item]]
id = "define:DRM_FORMAT_SPECIAL"
status = "todo"
"#;

    #[test]
    fn exact_beats_wildcard_and_lines_are_kept() {
        let l = Ledger::parse("ledger.toml", SAMPLE).unwrap();
        let (p, e) = l.lookup("ioctl:DRM_IOCTL_TOY_WAIT").unwrap();
        assert_eq!((p.line, e.status), (4, Status::Merged));
        assert_eq!(e.problem(), None);
        let (p, e) = l.lookup("define:I915_FORMAT_MOD_X").unwrap();
        assert_eq!(
            (p.id.as_str(), p.line, e.status),
            ("define:I915_FORMAT_MOD_*", 10, Status::Waived)
        );
        let (_, e) = l.lookup("define:DRM_FORMAT_SPECIAL").unwrap();
        assert_eq!(
            e.problem(),
            Some("no evidence recorded yet (status = \"todo\")")
        );
        assert!(l.lookup("define:DRM_FORMAT").is_none());
        assert!(l.lookup("ioctl:DRM_IOCTL_OTHER").is_none());
    }

    #[test]
    fn invalid_entries() {
        let e = Ledger::parse("l", "[[item]]\nstatus = \"merged\"\n").unwrap_err();
        assert!(e.contains("neither `id` nor `ids`"), "{e}");
        let e = Ledger::parse("l", "[[item]]\nid = \"x\"\nstatus = \"done\"\n").unwrap_err();
        assert!(e.contains("unknown variant"), "{e}");
        let e = Ledger::parse("l", "version = 2\n").unwrap_err();
        assert!(e.contains("version 2"), "{e}");
        let l = Ledger::parse("l", "[[item]]\nid = \"x\"\nstatus = \"waived\"\n").unwrap();
        assert_eq!(
            l.lookup("x").unwrap().1.problem(),
            Some("waived without a reason")
        );
        let l = Ledger::parse("l", "[[item]]\nid = \"x\"\nstatus = \"proposed\"\n").unwrap();
        assert_eq!(
            l.lookup("x").unwrap().1.problem(),
            Some("no userspace link")
        );
    }

    #[test]
    fn forks_are_flagged_upstream_is_not() {
        for ok in [
            "https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/12345",
            "https://gitlab.freedesktop.org/mesa/drm/-/merge_requests/300",
            "https://gitlab.freedesktop.org/drm/igt-gpu-tools/-/commit/abc",
            "https://lore.kernel.org/dri-devel/20240101.1234@example.com/",
            "https://github.com/ValveSoftware/gamescope/pull/1",
            "https://gitlab.freedesktop.org/someone/unknown-project/-/tree/x",
        ] {
            assert_eq!(fork_warning(ok), None, "{ok}");
        }
        for fork in [
            "https://gitlab.freedesktop.org/jdoe/mesa/-/commits/toy-wait",
            "https://github.com/jdoe/mesa/tree/wip",
            "https://gitlab.freedesktop.org/jdoe/drm/-/merge_requests/2",
            "https://gitlab.freedesktop.org/vendor/sub/igt-gpu-tools.git",
        ] {
            let w = fork_warning(fork).unwrap_or_else(|| panic!("{fork} not flagged"));
            assert!(w.contains("canonical upstream"), "{w}");
        }
    }
}
