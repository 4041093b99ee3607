use super::*;
use crate::change::Facts;
use crate::change::{PropertyFacts, PropertyKind};

fn change(kind: ItemKind, name: &str, file: &str, owner: Option<&str>) -> Change {
    Change {
        kind,
        change: ChangeKind::Added,
        name: name.to_string(),
        parent: None,
        file: file.to_string(),
        line: 7,
        breaking: false,
        needs_userspace: true,
        severity: crate::change::Severity::NeedsUserspace,
        rule: "added".to_string(),
        old: None,
        new: None,
        id: match owner {
            Some(o) => format!("{}:{o}:{name}", kind.as_str()),
            None => crate::change::item_id(kind, None, name),
        },
        owner: owner.map(str::to_string),
        old_decl: None,
        new_decl: None,
        arches: None,
        hints: Vec::new(),
        moved_to: None,
        moved_from: None,
        old_kind: None,
        items: Vec::new(),
    }
}

fn report(changes: Vec<Change>) -> DiffReport {
    let rev = |r: &str| Revision {
        revision: r.to_string(),
        commit: None,
        arch: "x86".to_string(),
        layout: None,
    };
    DiffReport {
        old: rev("old"),
        new: rev("new"),
        arches: None,
        summary: crate::change::Summary::of(&changes),
        changes,
        unparsed: Vec::new(),
        notes: Vec::new(),
    }
}

#[test]
fn properties_group_by_owner_and_ledger_finds_stale_entries() {
    let mut prop = change(
        ItemKind::Property,
        "AMD_PLANE_LUT3D",
        "drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm_color.c",
        Some("amd/display"),
    );
    prop.new = Some(Facts::Property(Box::new(PropertyFacts {
        kind: PropertyKind::Blob,
        flags: Vec::new(),
        range: None,
        values: Default::default(),
        attached_to: vec!["plane".to_string()],
        helper: None,
        object_type: None,
        conditions: Vec::new(),
    })));
    let core_prop = change(
        ItemKind::Property,
        "COLOR_PIPELINE",
        "drivers/gpu/drm/drm_colorop.c",
        Some("core"),
    );
    let fourcc = change(
        ItemKind::Define,
        "DRM_FORMAT_TOY",
        "include/uapi/drm/drm_fourcc.h",
        None,
    );
    let mut breaking = change(ItemKind::Define, "GONE", "include/uapi/linux/a.h", None);
    breaking.needs_userspace = false;
    breaking.breaking = true;
    breaking.severity = crate::change::Severity::Breaking;
    let r = report(vec![prop, core_prop, fourcc, breaking]);
    let ledger = Ledger::parse(
        "ledger.toml",
        "[[item]]\nid = \"property:amd/display:AMD_PLANE_LUT3D\"\nstatus = \"proposed\"\n\
links = [\"https://gitlab.freedesktop.org/jdoe/weston/-/commits/lut\"]\n\n\
[[item]]\nid = \"define:DRM_FORMAT_OLD\"\nstatus = \"waived\"\nreason = \"fourcc\"\n",
    )
    .unwrap();
    let cl = build(&Inputs {
        report: &r,
        ledger: Some(&ledger),
        attribution: Err("not requested".to_string()),
        maintainers: None,
        areas: &[],
    });
    let groups: Vec<(String, Vec<&str>)> = cl
        .groups
        .iter()
        .map(|g| {
            (
                g.title.clone(),
                g.items.iter().map(|i| i.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "DRM core".to_string(),
                vec!["property:core:COLOR_PIPELINE", "define:DRM_FORMAT_TOY"]
            ),
            (
                "DRM driver amd/display".to_string(),
                vec!["property:amd/display:AMD_PLANE_LUT3D"]
            ),
            ("other uAPI".to_string(), vec!["define:GONE"]),
        ]
    );
    // The break asks why it is safe, and no `todo` or userspace evidence answers that.
    let gone = &cl.groups[2].items[0];
    assert_eq!(gone.severity, Severity::Breaking);
    assert!(gone
        .question
        .contains("why is this safe for existing userspace?"));
    assert_eq!(gone.missing.as_deref(), Some("no accepted-break entry"));
    let lut = &cl.groups[1].items[0];
    assert!(lut.justified);
    assert_eq!(lut.facts, "blob");
    assert!(cl.groups[0].items[1].hint.is_some());
    assert_eq!(
        cl.groups[0].items[1].missing.as_deref(),
        Some("no ledger entry")
    );
    assert_eq!(cl.stale.len(), 1);
    assert_eq!(
        (cl.stale[0].id.as_str(), cl.stale[0].line),
        ("define:DRM_FORMAT_OLD", 7)
    );
    assert_eq!(cl.warnings.len(), 1, "{:?}", cl.warnings);
    assert_eq!(
        (cl.warnings[0].file.as_str(), cl.warnings[0].line),
        ("ledger.toml", 2)
    );
    assert_eq!(
        cl.summary,
        Summary {
            items: 4,
            justified: 1,
            missing: 2,
            new_uapi: 0,
            stale: 1,
            warnings: 1,
            breaking: 1,
            breaking_missing: 1,
            check: 0,
        }
    );
    // An `accepted-break` entry with its reason and who accepted it justifies the break.
    let accepted = Ledger::parse(
        "ledger.toml",
        "[[item]]\nid = \"define:GONE\"\nstatus = \"accepted-break\"\n\
reason = \"never used: the feature was reverted before any release\"\n\
accepted_by = \"A Maintainer <m@example.com>\"\n",
    )
    .unwrap();
    let cl = build(&Inputs {
        report: &r,
        ledger: Some(&accepted),
        attribution: Err(String::new()),
        maintainers: None,
        areas: &[Area::Other],
    });
    let gone = &cl.groups[0].items[0];
    assert_eq!((gone.justified, gone.missing.as_deref()), (true, None));
    assert_eq!((cl.summary.breaking, cl.summary.breaking_missing), (1, 0));
    assert!(cl.stale.is_empty(), "{:?}", cl.stale);
    // Filtering by area keeps the other groups out.
    let only_driver = build(&Inputs {
        report: &r,
        ledger: None,
        attribution: Err(String::new()),
        maintainers: None,
        areas: &[Area::DrmDriver],
    });
    assert_eq!(only_driver.groups.len(), 1);
    assert_eq!(
        only_driver.groups[0].items[0].missing.as_deref(),
        Some("no ledger")
    );
}
