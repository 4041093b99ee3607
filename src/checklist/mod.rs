//! `uapi-diff checklist`: the reviewer's to-do list. Every breaking change, each asking why it is
//! safe for existing userspace (justified by an `accepted-break` ledger entry); every change that
//! needs reviewed open-source userspace (`Documentation/gpu/drm-uapi.rst`, "Open-Source Userspace
//! Requirements"); what a reviewer must check; and, in an area chosen with `--area`, the new uAPI
//! that asks no evidence. Grouped by the `MAINTAINERS` section the item's file belongs to (one
//! driver is one group, its KMS properties and its uAPI header alike; without MAINTAINERS, by area
//! and driver), each item with its rule, the question it asks, the evidence recorded in the ledger
//! (`ledger`), and the commit that introduced it with its evidence trailers (`attribution`).
//! `--check` fails while an item lacks its evidence or justification; ledger entries that match
//! no item are reported as stale.

pub mod attribution;
mod maintainers;
mod render;

pub use render::{github, headline, json, junit, ledger_skeleton, markdown, sarif, text, wrap};

use crate::change::area::{self as group, Area, GroupKey};
use crate::change::{Change, ChangeKind, DiffReport, ItemKind, Revision, Severity};
use crate::error::Error;
use crate::evidence::ledger::{self, Evidence, Ledger};
use crate::evidence::Finding;
use crate::pipeline::{self, ParseCache};
use crate::rules::{policy, Policy};
use crate::snapshot::Side;
use crate::source::Tree;
use crate::userspace;
use attribution::{Attribution, Introduced};
use maintainers::Maintainers;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The checklist JSON contract (docs/checklist.md, "Checklist JSON"): fields are only ever added.
#[derive(Serialize, Clone, Debug)]
pub struct Checklist {
    pub old: Revision,
    pub new: Revision,
    /// `--all-arches` only: every arch diffed, as in the diff's JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arches: Option<Vec<String>>,
    /// Where the ledger was read from (`None`: no ledger).
    pub ledger: Option<String>,
    pub attribution: AttributionStatus,
    pub summary: Summary,
    pub groups: Vec<Group>,
    /// Ledger ids that match no checklist item.
    pub stale: Vec<Finding>,
    /// Links to forks instead of the canonical upstream project, and similar.
    pub warnings: Vec<Finding>,
    /// `--userspace` only: the trees scanned for uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userspace: Option<Vec<userspace::TreeInfo>>,
}

#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributionStatus {
    /// Commits on the path OLD..NEW that touch an item's file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits: Option<usize>,
    /// Why items were not attributed (directories, unrelated histories, `--no-attribution`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub items: usize,
    /// Items that need userspace and have their evidence.
    pub justified: usize,
    /// Items that need userspace and lack their evidence.
    pub missing: usize,
    /// Items of severity `new-uapi` (an area selected with `--area` that asks no userspace
    /// evidence): listed for review, nothing missing.
    pub new_uapi: usize,
    pub stale: usize,
    pub warnings: usize,
    /// Breaking items (`justified + missing + new_uapi + breaking + check = items`).
    pub breaking: usize,
    /// Breaking items no `accepted-break` ledger entry justifies.
    pub breaking_missing: usize,
    /// Items of severity `check`: listed for review, nothing missing.
    pub check: usize,
}

#[derive(Serialize, Clone, Debug)]
pub struct Group {
    pub area: Area,
    /// The driver, for driver groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    pub title: String,
    /// The `MAINTAINERS` section the group follows (its title), when the tree has MAINTAINERS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The most specific `MAINTAINERS` entries for the group's files (empty without MAINTAINERS).
    pub maintainers: Vec<maintainers::Entry>,
    pub items: Vec<Item>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub change: ChangeKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// In the new tree.
    pub file: String,
    pub line: u32,
    /// The rule that asks for userspace, its one-line reason and its reference document.
    pub rule: String,
    /// `breaking`, `needs-userspace`, `check`, or `new-uapi` for an item listed under `--area`
    /// whose area asks no userspace evidence (for `check` and `new-uapi` nothing is missing:
    /// `justified` is true).
    pub severity: Severity,
    pub reason: String,
    pub reference: String,
    /// What the reviewer asks of the item: for a break, why it is safe for existing userspace.
    pub question: String,
    /// The computed facts, `old → new` for changed items.
    pub facts: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_decl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_decl: Option<String>,
    /// A documented exception that may apply (the drm_fourcc.h waiver).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// What the hint rules point out (`rules::HINTS`), each `summary (rule id)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// The ledger's evidence, if an entry matches (for a break: its `accepted-break` entry).
    pub evidence: Option<Evidence>,
    /// Nothing is missing: the evidence or the break's acceptance is there, or none is required
    /// (`check`, `new-uapi`).
    pub justified: bool,
    /// Why the item is not justified yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// The commit on the path that introduced the item, with its evidence trailers.
    pub introduced_by: Option<Introduced>,
    /// `--all-arches` only: the arches the item holds for, as in the diff's JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arches: Option<Vec<String>>,
    /// `--userspace` only: the item's uses in each tree (`userspace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<Vec<userspace::Uses>>,
}

/// What the checklist is built from.
pub struct Inputs<'a> {
    pub report: &'a DiffReport,
    pub ledger: Option<&'a Ledger>,
    pub attribution: Result<&'a Attribution, String>,
    pub maintainers: Option<&'a Maintainers>,
    /// Only these areas (all when empty).
    pub areas: &'a [Area],
}

/// The changes the checklist is about, in the chosen areas: breaking ones, those that need
/// userspace and those to check; and, in an area chosen explicitly with `--area`, the new uAPI
/// that needs no userspace (`new-uapi`). `info` changes ask nothing of a reviewer.
pub fn listed<'r>(report: &'r DiffReport, areas: &[Area]) -> Vec<&'r Change> {
    report
        .changes
        .iter()
        .filter(|c| {
            let area = group::group_of(c).area;
            match c.severity {
                Severity::Breaking | Severity::NeedsUserspace | Severity::Check => {
                    areas.is_empty() || areas.contains(&area)
                }
                Severity::NewUapi => areas.contains(&area),
                Severity::Info => false,
            }
        })
        .collect()
}

/// Where an item is grouped: the `MAINTAINERS` section its file belongs to (within its area), or,
/// without MAINTAINERS, its area and driver (`GroupKey`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Section(Area, String),
    Key(GroupKey),
}

impl Place {
    fn of(c: &Change, m: Option<&Maintainers>) -> Place {
        let key = group::group_of(c);
        match m.and_then(|m| m.section(&c.file)) {
            Some(e) => Place::Section(key.area, e.subsystem.clone()),
            None => Place::Key(key),
        }
    }

    fn area(&self) -> Area {
        match self {
            Place::Section(area, _) => *area,
            Place::Key(key) => key.area,
        }
    }
}

pub fn build(inputs: &Inputs) -> Checklist {
    let changes = listed(inputs.report, inputs.areas);
    let mut groups: BTreeMap<Place, Vec<&Change>> = BTreeMap::new();
    for c in &changes {
        groups
            .entry(Place::of(c, inputs.maintainers))
            .or_default()
            .push(c);
    }
    // A section whose files span areas (DRM DRIVERS: DRM core and drivers without their own
    // entry) is a group per area, each title naming its area.
    let mut areas_of_section: BTreeMap<&str, BTreeSet<Area>> = BTreeMap::new();
    for place in groups.keys() {
        if let Place::Section(area, title) = place {
            areas_of_section.entry(title).or_default().insert(*area);
        }
    }
    let titles: BTreeMap<Place, String> = groups
        .keys()
        .map(|place| {
            let title = match place {
                Place::Section(area, t) if areas_of_section[t.as_str()].len() > 1 => {
                    format!("{t} ({})", area.title())
                }
                Place::Section(_, t) => t.clone(),
                Place::Key(key) => key.title(),
            };
            (place.clone(), title)
        })
        .collect();
    let mut warnings: BTreeSet<Finding> = BTreeSet::new();
    let mut used_patterns: BTreeSet<(String, u32)> = BTreeSet::new();
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|(place, mut changes)| {
            // Breaking items first, then those needing userspace, then the rest.
            changes.sort_by_key(|c| c.severity);
            let items = changes
                .iter()
                .map(|c| {
                    let item = item(c, inputs);
                    if let (Some(l), Some(e)) = (inputs.ledger, &item.evidence) {
                        used_patterns.insert((e.ledger_id.clone(), e.ledger_line));
                        for link in &e.links {
                            if let Some(m) = ledger::fork_warning(link) {
                                warnings.insert(Finding {
                                    file: l.source.clone(),
                                    line: e.ledger_line,
                                    id: item.id.clone(),
                                    message: m,
                                });
                            }
                        }
                    }
                    for t in item.introduced_by.iter().flat_map(|i| &i.trailers) {
                        if let Some(m) = ledger::fork_warning(&t.value) {
                            warnings.insert(Finding {
                                file: item.file.clone(),
                                line: item.line,
                                id: item.id.clone(),
                                message: format!("candidate evidence `{}:`: {m}", t.key),
                            });
                        }
                    }
                    item
                })
                .collect();
            // A section may hold several spellings of its driver (`amd/amdgpu`, `amdgpu`): the
            // first in sorted order.
            let drivers: BTreeSet<String> = changes
                .iter()
                .filter_map(|c| group::group_of(c).driver)
                .collect();
            Group {
                area: place.area(),
                driver: match &place {
                    Place::Key(key) => key.driver.clone(),
                    Place::Section(..) => drivers.into_iter().next(),
                },
                title: titles[&place].clone(),
                section: match &place {
                    Place::Section(_, t) => Some(t.clone()),
                    Place::Key(_) => None,
                },
                maintainers: routing(inputs.maintainers, &changes),
                items,
            }
        })
        .collect();
    let stale: Vec<Finding> = inputs
        .ledger
        .map(|l| {
            l.patterns
                .iter()
                .filter(|p| !used_patterns.contains(&(p.id.clone(), p.line)))
                // Accepted breaks are the diff gate's: `diff --fail-on` reports their staleness.
                .filter(|p| !l.is_acceptance(p))
                .map(|p| Finding {
                    file: l.source.clone(),
                    line: p.line,
                    id: p.id.clone(),
                    message: "stale ledger entry: matches no checklist item".to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let all = || groups.iter().flat_map(|g| &g.items);
    let of = |severity: Severity| all().filter(move |i| i.severity == severity);
    let summary = Summary {
        items: all().count(),
        justified: of(Severity::NeedsUserspace).filter(|i| i.justified).count(),
        missing: of(Severity::NeedsUserspace)
            .filter(|i| !i.justified)
            .count(),
        new_uapi: of(Severity::NewUapi).count(),
        stale: stale.len(),
        warnings: warnings.len(),
        breaking: of(Severity::Breaking).count(),
        breaking_missing: of(Severity::Breaking).filter(|i| !i.justified).count(),
        check: of(Severity::Check).count(),
    };
    let attribution = match &inputs.attribution {
        Ok(a) => AttributionStatus {
            commits: Some(a.commits),
            unavailable: None,
        },
        Err(reason) => AttributionStatus {
            commits: None,
            unavailable: Some(reason.clone()),
        },
    };
    Checklist {
        old: inputs.report.old.clone(),
        new: inputs.report.new.clone(),
        arches: inputs.report.arches.clone(),
        ledger: inputs.ledger.map(|l| l.source.clone()),
        attribution,
        summary,
        groups,
        stale,
        warnings: warnings.into_iter().collect(),
        userspace: None,
    }
}

/// What the reviewer asks of an item of this severity (the checklist's text under it, and the
/// mail reply's under its quoted hunk).
pub fn question(severity: Severity) -> &'static str {
    match severity {
        Severity::Breaking => {
            "This breaks the uAPI: why is this safe for existing userspace? Programs built \
against the old headers rely on what changed. Keep the old interface, or record who accepts the \
break and why (an `accepted-break` ledger entry with `reason` and `accepted_by`)."
        }
        Severity::NeedsUserspace => {
            "Where is the open-source userspace that uses this? New uAPI needs reviewed userspace \
in the canonical upstream project (Mesa, libdrm, IGT, Weston...), linked before it is merged."
        }
        Severity::Check => {
            "What the headers cannot show needs checking: does existing userspace depend on it?"
        }
        Severity::NewUapi => {
            "Is this interface final? Userspace may rely on it from its first release on."
        }
        Severity::Info => "",
    }
}

fn item(c: &Change, inputs: &Inputs) -> Item {
    let rule = crate::rules::find(&c.rule);
    // A break is justified by its acceptance; anything else by its userspace evidence.
    let evidence = match c.severity {
        Severity::Breaking => inputs.ledger.and_then(|l| l.acceptance(&c.id)),
        _ => inputs.ledger.and_then(|l| l.lookup(&c.id)),
    }
    .map(|(_, e)| e);
    let missing = match &evidence {
        _ if !matches!(c.severity, Severity::NeedsUserspace | Severity::Breaking) => None,
        None if inputs.ledger.is_none() => Some("no ledger".to_string()),
        None if c.severity == Severity::Breaking => Some("no accepted-break entry".to_string()),
        None => Some("no ledger entry".to_string()),
        Some(e) => e.problem().map(str::to_string),
    };
    Item {
        id: c.id.clone(),
        kind: c.kind,
        change: c.change,
        name: c.name.clone(),
        parent: c.parent.clone(),
        file: c.file.clone(),
        line: c.line,
        rule: c.rule.clone(),
        severity: c.severity,
        reason: rule.map_or_else(|| c.rule.clone(), |r| r.summary.to_string()),
        reference: rule
            .map_or("Documentation/gpu/drm-uapi.rst", |r| r.reference)
            .to_string(),
        question: question(c.severity).to_string(),
        facts: crate::report::facts_transition(c),
        old_decl: c.old_decl.clone(),
        new_decl: c.new_decl.clone(),
        hint: group::hint(c).map(str::to_string),
        hints: c
            .hints
            .iter()
            .map(|id| match crate::rules::find(id) {
                Some(r) => format!("{} ({id})", r.summary),
                None => id.clone(),
            })
            .collect(),
        justified: missing.is_none(),
        evidence,
        missing,
        introduced_by: inputs
            .attribution
            .as_ref()
            .ok()
            .and_then(|a| a.by_id.get(&c.id).cloned()),
        arches: c.arches.clone(),
        uses: None,
    }
}

/// The group's MAINTAINERS entries: the most specific ones for each file, most files first.
fn routing(m: Option<&Maintainers>, changes: &[&Change]) -> Vec<maintainers::Entry> {
    let Some(m) = m else { return Vec::new() };
    let files: BTreeSet<&str> = changes.iter().map(|c| c.file.as_str()).collect();
    let mut count: BTreeMap<&maintainers::Entry, usize> = BTreeMap::new();
    for f in files {
        for e in m.route(f) {
            *count.entry(e).or_default() += 1;
        }
    }
    let mut entries: Vec<(&maintainers::Entry, usize)> = count.into_iter().collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    entries.into_iter().map(|(e, _)| e.clone()).collect()
}

/// How `run` finds its inputs.
pub struct Options {
    pub pipeline: pipeline::Options,
    /// `--all-arches`: these arches diffed and merged (`all_arches`) instead of `pipeline.arch`.
    pub merged_arches: Option<Vec<&'static crate::model::Arch>>,
    /// An explicit ledger file; otherwise `ledger::DEFAULT_PATH` in the new tree, if present.
    pub ledger: Option<PathBuf>,
    pub attribution: bool,
    pub areas: Vec<Area>,
    /// `--userspace`: source trees to find each item's uses in.
    pub userspace: Vec<PathBuf>,
    /// `--config FILE`; otherwise `uapi-diff.toml` beside the ledger, if present (`read_policy`).
    pub config: Option<PathBuf>,
}

/// Diff, attribute, read MAINTAINERS and the ledger, and build the checklist.
/// The checklist of OLD → NEW, revisions or snapshot files (a snapshot has no history to
/// attribute items to, and no MAINTAINERS or ledger to read).
pub fn run(old: &Side, new: &Side, opts: &Options) -> Result<Checklist, Error> {
    let cache = ParseCache::default();
    let trees = old.tree().zip(new.tree());
    let policy = read_policy(new.tree(), opts.config.as_deref(), opts.ledger.as_deref())?;
    let pipeline = crate::pipeline::Options {
        enum_roles: policy.enum_roles(),
        ..opts.pipeline.clone()
    };
    let mut report = crate::all_arches::diff_sides(
        old,
        new,
        &pipeline,
        opts.merged_arches.as_deref(),
        &cache,
        false,
    )?;
    policy.apply_to(&mut report);
    let attribution = match (opts.attribution, trees) {
        (false, _) => Err("not requested (--no-attribution)".to_string()),
        (true, None) => Err("a snapshot file has no history".to_string()),
        (true, Some((o, n))) => {
            let changes = listed(&report, &opts.areas);
            attribution::attribute(o, n, &changes, &cache).map_err(|e| e.to_string())
        }
    };
    let maintainers = match new.tree() {
        Some(tree) => tree.read_path("MAINTAINERS")?,
        None => None,
    }
    .map(|b| Maintainers::parse(&String::from_utf8_lossy(&b)));
    let ledger = read_ledger(new.tree(), opts.ledger.as_deref())?;
    let mut checklist = build(&Inputs {
        report: &report,
        ledger: ledger.as_ref(),
        attribution: attribution.as_ref().map_err(Clone::clone),
        maintainers: maintainers.as_ref(),
        areas: &opts.areas,
    });
    if !opts.userspace.is_empty() {
        annotate(&mut checklist, &opts.userspace)?;
    }
    Ok(checklist)
}

/// The checklist's items to look for in userspace trees, in its order.
pub fn queries(cl: &Checklist) -> Vec<userspace::Query> {
    cl.groups
        .iter()
        .flat_map(|g| &g.items)
        .map(|i| userspace::Query {
            kind: i.kind,
            name: i.name.clone(),
            parent: i.parent.clone(),
            decl: i.new_decl.clone().or_else(|| i.old_decl.clone()),
        })
        .collect()
}

/// `checklist --userspace DIR…`: each item's uses in each tree, and the trees in `userspace`.
fn annotate(cl: &mut Checklist, dirs: &[PathBuf]) -> Result<(), Error> {
    let queries = queries(cl);
    let scans = dirs
        .iter()
        .map(|d| userspace::scan_tree(d, &queries))
        .collect::<Result<Vec<_>, _>>()?;
    let items = cl.groups.iter_mut().flat_map(|g| &mut g.items);
    for (q, item) in items.enumerate() {
        item.uses = Some(scans.iter().map(|s| s.uses_of(q)).collect());
    }
    cl.userspace = Some(scans.into_iter().map(|s| s.info).collect());
    Ok(())
}

/// The policy of `--config FILE`; else `uapi-diff.toml` beside the ledger (`--ledger`'s directory,
/// or beside `ledger::DEFAULT_PATH` in NEW's tree), if there is one; else the default policy.
pub fn read_policy(
    new: Option<&Tree>,
    config: Option<&std::path::Path>,
    ledger: Option<&std::path::Path>,
) -> Result<Policy, Error> {
    let read_file = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| Error::Config(format!("{}: {e}", p.display())))
    };
    let (source, text) = if let Some(p) = config {
        (p.display().to_string(), read_file(p)?)
    } else if let Some(l) = ledger {
        let p = l.with_file_name(policy::FILE_NAME);
        if !p.is_file() {
            return Ok(Policy::default());
        }
        (p.display().to_string(), read_file(&p)?)
    } else {
        let path = std::path::Path::new(ledger::DEFAULT_PATH)
            .with_file_name(policy::FILE_NAME)
            .display()
            .to_string();
        match new.map(|t| t.read_path(&path)).transpose()?.flatten() {
            Some(bytes) => (path, String::from_utf8_lossy(&bytes).into_owned()),
            None => return Ok(Policy::default()),
        }
    };
    Policy::parse(&source, &text).map_err(Error::Config)
}

/// The ledger at `path`, else the one in NEW's tree (`ledger::DEFAULT_PATH`), if any.
pub fn read_ledger(
    new: Option<&Tree>,
    path: Option<&std::path::Path>,
) -> Result<Option<Ledger>, Error> {
    let (source, text) = match path {
        Some(p) => {
            let source = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| Error::Ledger {
                ledger: source.clone(),
                reason: e.to_string(),
            })?;
            (source, text)
        }
        None => match new
            .map(|t| t.read_path(ledger::DEFAULT_PATH))
            .transpose()?
            .flatten()
        {
            Some(bytes) => (
                ledger::DEFAULT_PATH.to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ),
            None => return Ok(None),
        },
    };
    Ledger::parse(&source, &text)
        .map(Some)
        .map_err(|reason| Error::Ledger {
            ledger: source,
            reason,
        })
}

#[cfg(test)]
mod tests;
