//! Two revisions' snapshots made a report: diffed, classified, with both sides' notes. A walk
//! keeps each revision's rules index (`IndexedSnapshot`) for the step after the one that built it.

use super::Snapshot;
use crate::change::{DiffReport, Note, Summary};
use crate::diff::{self, Diff};
use crate::kms;
use crate::rules::{self, EnumRoles, Indexes, ModelIndex};

self_cell::self_cell!(
    /// A revision's snapshot with the rules' index of its model. A walk's revision is the new side
    /// of one step and the old side of the next: its index is built once for both.
    pub struct IndexedSnapshot {
        owner: Snapshot,
        #[covariant]
        dependent: ModelIndex,
    }
);

impl IndexedSnapshot {
    /// `new` indexed, and its report against `old` (the walk's revision before it), if any.
    pub fn with_report(
        new: Snapshot,
        old: Option<&IndexedSnapshot>,
        enum_roles: &EnumRoles,
    ) -> (IndexedSnapshot, Option<DiffReport>) {
        let mut diffed = None;
        // The diff while the new side is indexed.
        let indexed = IndexedSnapshot::new(new, |snap| {
            let (d, index) = rayon::join(
                || old.map(|o| diff::diff(&o.borrow_owner().model, &snap.model)),
                || ModelIndex::new(&snap.model),
            );
            diffed = d;
            index
        });
        let report = old.zip(diffed).map(|(old, d)| {
            let indexes = Indexes::new(old.borrow_dependent(), indexed.borrow_dependent());
            classified(
                old.borrow_owner(),
                indexed.borrow_owner(),
                d,
                &indexes,
                enum_roles,
            )
        });
        (indexed, report)
    }

    pub fn snapshot(&self) -> &Snapshot {
        self.borrow_owner()
    }
}

/// The diff of two revisions' snapshots, classified, with both sides' notes.
pub fn report(old: &Snapshot, new: &Snapshot) -> DiffReport {
    report_with(old, new, &EnumRoles::new())
}

/// `report`, with the enums a policy declares internal or ABI (`Options::enum_roles`).
pub fn report_with(old: &Snapshot, new: &Snapshot, enum_roles: &EnumRoles) -> DiffReport {
    // The diff and both models' indexes at once.
    let (d, (old_index, new_index)) = rayon::join(
        || diff::diff(&old.model, &new.model),
        || {
            rayon::join(
                || ModelIndex::new(&old.model),
                || ModelIndex::new(&new.model),
            )
        },
    );
    let indexes = Indexes::new(&old_index, &new_index);
    classified(old, new, d, &indexes, enum_roles)
}

/// The report of `d`, the diff of `old` and `new`: its changes and both sides' KMS properties'
/// classified, sorted, with the notes of both sides.
fn classified(
    old: &Snapshot,
    new: &Snapshot,
    mut d: Diff,
    indexes: &Indexes,
    enum_roles: &EnumRoles,
) -> DiffReport {
    rules::classify_all_indexed(&mut d.changes, indexes, enum_roles);
    if let (Some(o), Some(n)) = (&old.kms, &new.kms) {
        let mut properties = kms::diff(o, n);
        rules::classify_all_indexed(&mut properties, indexes, enum_roles);
        d.changes.extend(properties);
    }
    diff::sort_changes(&mut d.changes);
    crate::change::fold_removed_headers(&mut d.changes);
    let mut notes: Vec<Note> = old.notes.iter().chain(&new.notes).cloned().collect();
    notes.extend(d.lost.iter().map(|l| Note {
        revision: new.revision.revision.clone(),
        file: l.file.clone(),
        line: l.line,
        message: format!(
            "{}: computed at {}, not any more: {}",
            l.id, old.revision.revision, l.reason
        ),
    }));
    notes.sort();
    DiffReport {
        summary: Summary::of(&d.changes),
        old: old.revision.clone(),
        new: new.revision.clone(),
        arches: None,
        changes: d.changes,
        unparsed: d.unparsed,
        notes,
    }
}
