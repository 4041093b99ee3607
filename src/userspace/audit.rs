//! `uapi-diff audit REV --userspace DIR…`: the DRM and accel uAPI items at REV (with `--since`,
//! those added since a revision) that no given tree uses, grouped as the checklist groups them.

use super::{scan_tree, Query, TreeInfo};
use crate::change::area::{self as group, Area, GroupKey};
use crate::change::Revision;
use crate::change::{Change, ChangeKind, ItemKind};
use crate::error::Error;
use crate::pipeline::{self, Options, ParseCache, Snapshot};
use crate::source::Tree;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The audit JSON (docs/checklist.md, "audit"): fields are only ever added.
#[derive(Serialize, Debug)]
pub struct Audit {
    pub revision: Revision,
    /// `--since`: only items added after this revision.
    pub since: Option<Revision>,
    pub userspace: Vec<TreeInfo>,
    /// DRM and accel items looked for, and of those the ones no tree uses.
    pub items: usize,
    pub unused: usize,
    pub groups: Vec<AuditGroup>,
}

#[derive(Serialize, Debug)]
pub struct AuditGroup {
    pub area: Area,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    pub title: String,
    /// Items of the group looked for; `unused` lists those without a use.
    pub items: usize,
    pub unused: Vec<Unused>,
}

#[derive(Serialize, Debug)]
pub struct Unused {
    pub id: String,
    pub kind: ItemKind,
    pub name: String,
    pub file: String,
    pub line: u32,
}

/// The areas the DRM userspace rules cover.
const AREAS: &[Area] = &[Area::DrmCore, Area::DrmDriver, Area::Accel];

pub fn run(
    at: &Tree,
    since: Option<&Tree>,
    opts: &Options,
    dirs: &[PathBuf],
) -> Result<Audit, Error> {
    let report = match since {
        Some(old) => pipeline::diff_trees(old, at, opts)?,
        None => {
            // Every item at REV is an item added to an empty uAPI.
            let snap = pipeline::revision_snapshot(at, &ParseCache::default(), opts)?;
            let empty = Snapshot {
                revision: Revision {
                    revision: String::new(),
                    commit: None,
                    arch: opts.arch.name.to_string(),
                    layout: None,
                },
                model: crate::model::build("", opts.arch, &[], None),
                kms: snap
                    .kms
                    .as_ref()
                    .map(|_| crate::kms::extract(&[], &|_: &str, _: &str| None)),
                notes: Vec::new(),
            };
            pipeline::report_with(&empty, &snap, &opts.enum_roles)
        }
    };
    let changes: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.change == ChangeKind::Added && AREAS.contains(&group::group_of(c).area))
        .collect();
    let queries: Vec<Query> = changes.iter().map(|c| Query::of_change(c)).collect();
    let scans = dirs
        .iter()
        .map(|d| scan_tree(d, &queries))
        .collect::<Result<Vec<_>, _>>()?;
    let mut groups: BTreeMap<GroupKey, AuditGroup> = BTreeMap::new();
    for (q, c) in changes.iter().enumerate() {
        let key = group::group_of(c);
        let g = groups.entry(key.clone()).or_insert_with(|| AuditGroup {
            area: key.area,
            driver: key.driver.clone(),
            title: key.title(),
            items: 0,
            unused: Vec::new(),
        });
        g.items += 1;
        if scans.iter().all(|s| s.uses[q].0 == 0) {
            g.unused.push(Unused {
                id: c.id.clone(),
                kind: c.kind,
                name: c.name.clone(),
                file: c.file.clone(),
                line: c.line,
            });
        }
    }
    let groups: Vec<AuditGroup> = groups.into_values().collect();
    Ok(Audit {
        revision: report.new.clone(),
        since: since.map(|_| report.old.clone()),
        userspace: scans.into_iter().map(|s| s.info).collect(),
        items: changes.len(),
        unused: groups.iter().map(|g| g.unused.len()).sum(),
        groups,
    })
}

pub fn json(a: &Audit) -> String {
    let mut s = serde_json::to_string_pretty(a).expect("audit serializes");
    s.push('\n');
    s
}

pub fn text(a: &Audit) -> String {
    let scope = match &a.since {
        Some(s) => format!("added in {} -> {}", s.revision, a.revision.revision),
        None => format!("at {}", a.revision.revision),
    };
    let mut out = format!(
        "uAPI without users: {} of {} DRM and accel items {scope} used by no tree\n",
        a.unused, a.items
    );
    for t in &a.userspace {
        out.push_str(&format!("  {}\n", t.summary()));
    }
    for g in &a.groups {
        if g.unused.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n== {} ({} of {} unused)\n",
            g.title,
            g.unused.len(),
            g.items
        ));
        for u in &g.unused {
            out.push_str(&format!("  {} ({}:{})\n", u.id, u.file, u.line));
        }
    }
    out
}
