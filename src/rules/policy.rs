//! The policy: what each rule's verdict weighs, as data. By default a change gets its rule's
//! severity, except that `needs-userspace` holds only in the areas whose additions need reviewed
//! open-source userspace (DRM core, DRM drivers and accel: Documentation/gpu/drm-uapi.rst,
//! "Open-Source Userspace Requirements"); elsewhere the same change is `new-uapi`. A config file
//! (`uapi-diff.toml`, docs/config.md) can set per area whether userspace evidence is required,
//! set any rule's severity or turn it `off`, and declare enums internal or ABI.

use super::{find, Rule};
use crate::change::area::{self, Area};
use crate::change::{Change, DiffReport, Note, Severity, Summary};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The file name looked for beside the ledger when `--config` is not given.
pub const FILE_NAME: &str = "uapi-diff.toml";

/// What a rule is set to: a severity, or `off` (its changes are left out of the report).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Severity(Severity),
    Off,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Severity(s) => s.as_str(),
            Level::Off => "off",
        }
    }

    fn parse(text: &str) -> Option<Level> {
        if text == "off" {
            return Some(Level::Off);
        }
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .map(Level::Severity)
    }
}

/// Where a setting comes from: the built-in default, or a line of the config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    Config { file: String, line: u32 },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::Config { file, line } => write!(f, "config {file}:{line}"),
        }
    }
}

/// A config's declaration of what an enum's values are (`[enums]`): `internal` values never
/// leave the kernel, so renumbering them breaks nothing; `abi` values cross into userspace (a
/// netlink attribute, `/proc`, a record the headers do not show), so renumbering them breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnumDeclaration {
    Internal,
    Abi,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Where the config was read from; `None` for the built-in default.
    pub source: Option<String>,
    /// Areas whose additions need open-source userspace evidence, with where that was set.
    userspace: BTreeMap<Area, (bool, Origin)>,
    /// Rule id → its level, where the config sets one.
    rules: BTreeMap<String, (Level, Origin)>,
    /// Enum name (the tag without `enum `, or the first enumerator's name for an anonymous enum
    /// as `Change::parent` names it) → its declaration and where it was made.
    enums: BTreeMap<String, (EnumDeclaration, Origin)>,
}

impl Default for Policy {
    fn default() -> Self {
        let userspace = [Area::DrmCore, Area::DrmDriver, Area::Accel, Area::Other]
            .into_iter()
            .map(|a| (a, (a != Area::Other, Origin::Default)))
            .collect();
        Policy {
            source: None,
            userspace,
            rules: BTreeMap::new(),
            enums: BTreeMap::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: Option<Spanned<u32>>,
    #[serde(default)]
    areas: BTreeMap<Spanned<String>, AreaSettings>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    enums: Enums,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaSettings {
    userspace: Spanned<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Enums {
    #[serde(default)]
    internal: Vec<Spanned<String>>,
    #[serde(default)]
    abi: Vec<Spanned<String>>,
}

impl Policy {
    /// Reads a config file's text; `source` names it in errors and in `explain`. An error is one
    /// line: `FILE:LINE: key: what is wrong`.
    pub fn parse(source: &str, text: &str) -> Result<Policy, String> {
        let line_of =
            |offset: usize| 1 + text[..offset.min(text.len())].matches('\n').count() as u32;
        let at = |span: std::ops::Range<usize>| Origin::Config {
            file: source.to_string(),
            line: line_of(span.start),
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            match e.span() {
                Some(span) => {
                    let line = line_of(span.start);
                    let key = text
                        .lines()
                        .nth(line as usize - 1)
                        .map(|l| l.split('=').next().unwrap_or(l).trim())
                        .filter(|k| !k.is_empty())
                        .map(|k| format!(" `{k}`:"))
                        .unwrap_or_default();
                    format!("{source}:{line}:{key} {message}")
                }
                None => format!("{source}: {message}"),
            }
        })?;
        let fail = |span: std::ops::Range<usize>, key: String, message: String| {
            format!("{source}:{}: `{key}`: {message}", line_of(span.start))
        };
        if let Some(v) = file.version.as_ref().filter(|v| *v.get_ref() != 1) {
            return Err(fail(
                v.span(),
                "version".to_string(),
                format!(
                    "unsupported config version {} (this uapi-diff reads 1)",
                    v.get_ref()
                ),
            ));
        }
        let mut policy = Policy {
            source: Some(source.to_string()),
            ..Policy::default()
        };
        for (name, settings) in &file.areas {
            let Some(area) = AREAS.iter().find(|a| a.as_str() == name.get_ref()) else {
                return Err(fail(
                    name.span(),
                    format!("areas.{}", name.get_ref()),
                    format!(
                        "unknown area (one of {})",
                        names(AREAS.iter().map(|a| a.as_str()))
                    ),
                ));
            };
            let value = &settings.userspace;
            policy
                .userspace
                .insert(*area, (*value.get_ref(), at(value.span())));
        }
        for (id, level) in &file.rules {
            let key = format!("rules.{}", id.get_ref());
            if find(id.get_ref()).is_none() {
                return Err(fail(
                    id.span(),
                    key,
                    "unknown rule (see `uapi-diff rules`)".to_string(),
                ));
            }
            let Some(parsed) = Level::parse(level.get_ref()) else {
                let levels = Severity::ALL.iter().map(|s| s.as_str()).chain(["off"]);
                return Err(fail(
                    level.span(),
                    key,
                    format!(
                        "unknown severity `{}` (one of {})",
                        level.get_ref(),
                        names(levels)
                    ),
                ));
            };
            policy
                .rules
                .insert(id.get_ref().clone(), (parsed, at(level.span())));
        }
        for (declaration, list) in [
            (EnumDeclaration::Internal, &file.enums.internal),
            (EnumDeclaration::Abi, &file.enums.abi),
        ] {
            for name in list {
                let bare = name
                    .get_ref()
                    .trim_start_matches("enum ")
                    .trim()
                    .to_string();
                if let Some((other, _)) = policy.enums.get(&bare).filter(|(d, _)| *d != declaration)
                {
                    return Err(fail(
                        name.span(),
                        "enums".to_string(),
                        format!("enum `{bare}` declared both internal and abi (first {other:?})"),
                    ));
                }
                policy.enums.insert(bare, (declaration, at(name.span())));
            }
        }
        Ok(policy)
    }

    /// The level of a rule: the config's, else the rule's own severity.
    pub fn level(&self, rule: &Rule) -> (Level, Origin) {
        self.rules
            .get(rule.id)
            .cloned()
            .unwrap_or((Level::Severity(rule.severity), Origin::Default))
    }

    /// Whether additions in an area need open-source userspace evidence.
    pub fn userspace_required(&self, area: Area) -> (bool, Origin) {
        self.userspace
            .get(&area)
            .cloned()
            .unwrap_or((false, Origin::Default))
    }

    /// What the config declares an enum to be (`[enums]`), if anything: for rules judging the
    /// reach of renumbered enumerators. `name` is the enum's tag, with or without `enum `.
    pub fn enum_declaration(&self, name: &str) -> Option<EnumDeclaration> {
        let bare = name.trim_start_matches("enum ").trim();
        self.enums.get(bare).map(|(d, _)| *d)
    }

    /// Every enum the config declares (`[enums]`), for `classify_all_with`.
    pub fn enum_roles(&self) -> super::EnumRoles {
        self.enums
            .iter()
            .map(|(name, (d, _))| (name.clone(), *d))
            .collect()
    }

    /// The severity of a change under this policy (`None`: its rule is off). A rule's
    /// `needs-userspace` becomes `new-uapi` in an area that does not require userspace.
    pub fn severity(&self, change: &Change) -> Option<Severity> {
        let Some(rule) = find(&change.rule) else {
            return Some(change.severity);
        };
        match self.level(rule).0 {
            Level::Off => None,
            Level::Severity(Severity::NeedsUserspace)
                if !self.userspace_required(area::group_of(change).area).0 =>
            {
                Some(Severity::NewUapi)
            }
            Level::Severity(s) => Some(s),
        }
    }

    /// Sets every change's severity (and `breaking`, `needs_userspace`) and leaves out the
    /// changes whose rule is off; returns how many were left out, by rule id.
    pub fn apply(&self, changes: &mut Vec<Change>) -> BTreeMap<String, usize> {
        let mut off: BTreeMap<String, usize> = BTreeMap::new();
        changes.retain_mut(|c| match self.severity(c) {
            Some(s) => {
                set(c, s);
                // A removed header's folded items.
                for (id, n) in self.apply(&mut c.items) {
                    *off.entry(id).or_default() += n;
                }
                true
            }
            None => {
                *off.entry(c.rule.clone()).or_default() += 1;
                false
            }
        });
        off
    }

    /// Applies the policy to a report: severities set, changes of rules that are off left out
    /// (a note says how many, and which config line turned the rule off), the summary recounted.
    pub fn apply_to(&self, report: &mut DiffReport) {
        let off = self.apply(&mut report.changes);
        for (id, count) in off {
            let origin = find(&id).map_or(Origin::Default, |r| self.level(r).1);
            let (file, line) = match origin {
                Origin::Config { file, line } => (file, line),
                Origin::Default => (String::new(), 0),
            };
            report.notes.push(Note {
                revision: report.new.revision.clone(),
                file,
                line,
                message: format!("{count} change(s) left out: rule `{id}` is off"),
            });
        }
        report.notes.sort();
        report.summary = Summary::of(&report.changes);
    }

    /// What `explain RULE` says about the policy applied to a rule.
    pub fn describe(&self, rule: &Rule) -> String {
        let config = match &self.source {
            Some(s) => format!("config {s}"),
            None => "no config file: built-in defaults".to_string(),
        };
        let (level, origin) = self.level(rule);
        let mut out = format!(
            "Policy ({config}):\n  severity: {} ({origin})\n",
            level.as_str()
        );
        if level == Level::Severity(Severity::NeedsUserspace) {
            for a in AREAS {
                let (required, origin) = self.userspace_required(*a);
                let here = match required {
                    true => "needs-userspace (open-source userspace evidence required)",
                    false => "new-uapi (no userspace evidence required)",
                };
                out.push_str(&format!("  in area {}: {here} ({origin})\n", a.as_str()));
            }
        }
        out
    }
}

/// The areas a config can name, in their order.
const AREAS: &[Area] = &[Area::DrmCore, Area::DrmDriver, Area::Accel, Area::Other];

fn names<'a>(list: impl Iterator<Item = &'a str>) -> String {
    list.map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A change's severity, with the two booleans of the JSON contract that follow from it.
pub fn set(change: &mut Change, severity: Severity) {
    change.severity = severity;
    change.breaking = severity == Severity::Breaking;
    change.needs_userspace = severity == Severity::NeedsUserspace;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_ask_userspace_in_drm_and_accel_only() {
        let p = Policy::default();
        assert!(p.userspace_required(Area::DrmCore).0);
        assert!(p.userspace_required(Area::DrmDriver).0);
        assert!(p.userspace_required(Area::Accel).0);
        assert!(!p.userspace_required(Area::Other).0);
    }

    #[test]
    fn config_sets_areas_rules_and_enums_with_their_lines() {
        let text =
            "version = 1\n[areas.other]\nuserspace = true\n\n[rules]\nvalue-changed = \"info\"\n\
added = \"off\"\n\n[enums]\ninternal = [\"enum mem_cgroup_events\"]\nabi = [\"nl80211_attrs\"]\n";
        let p = Policy::parse("cfg/uapi-diff.toml", text).unwrap();
        let origin = |line| Origin::Config {
            file: "cfg/uapi-diff.toml".to_string(),
            line,
        };
        assert_eq!(p.userspace_required(Area::Other), (true, origin(3)));
        assert_eq!(p.userspace_required(Area::Accel), (true, Origin::Default));
        let rule = |id| find(id).unwrap();
        assert_eq!(
            p.level(rule("value-changed")),
            (Level::Severity(Severity::Info), origin(6))
        );
        assert_eq!(p.level(rule("added")), (Level::Off, origin(7)));
        assert_eq!(
            p.level(rule("removed")),
            (Level::Severity(Severity::Breaking), Origin::Default)
        );
        assert_eq!(
            p.enum_declaration("mem_cgroup_events"),
            Some(EnumDeclaration::Internal)
        );
        assert_eq!(
            p.enum_declaration("enum nl80211_attrs"),
            Some(EnumDeclaration::Abi)
        );
        assert_eq!(p.enum_declaration("other"), None);
        assert!(p
            .describe(rule("added"))
            .contains("off (config cfg/uapi-diff.toml:7)"));
    }

    #[test]
    fn bad_configs_are_one_line_naming_file_line_and_key() {
        let cases = [
            (
                "[rules]\nno-such-rule = \"info\"\n",
                "c.toml:2: `rules.no-such-rule`: unknown rule",
            ),
            (
                "[rules]\nadded = \"loud\"\n",
                "c.toml:2: `rules.added`: unknown severity `loud`",
            ),
            (
                "[areas.gpu]\nuserspace = true\n",
                "c.toml:1: `areas.gpu`: unknown area",
            ),
            (
                "[areas.other]\nuserspace = \"yes\"\n",
                "c.toml:2: `userspace`:",
            ),
            ("\n[rule]\nadded = \"info\"\n", "c.toml:2:"),
            (
                "version = 2\n",
                "c.toml:1: `version`: unsupported config version 2",
            ),
            (
                "[enums]\ninternal = [\"a\"]\nabi = [\"enum a\"]\n",
                "c.toml:3: `enums`: enum `a` declared both internal and abi",
            ),
            ("[rules\n", "c.toml:1:"),
        ];
        for (text, want) in cases {
            let err = Policy::parse("c.toml", text).unwrap_err();
            assert!(err.starts_with(want), "{text:?}: {err}");
            assert!(!err.contains('\n'), "{text:?}: {err}");
        }
    }
}
