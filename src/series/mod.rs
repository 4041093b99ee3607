//! Reviewing a patch series before it is applied: `--series PATCHES` makes NEW the base revision
//! with the series applied in memory, in order, to the files uapi-diff reads — no checkout, no
//! `git am`, nothing written. Each applied patch is a step of the new tree's history (`Overlay`),
//! so the checklist attributes items to patches the way it attributes them to commits.
//!
//! [`mail`] reads the mbox, [`patch`] the diffs and applies them; [`b4`] is the b4 check mode;
//! [`reply`] writes the checklist as a reply to the series (`--format mail`).

pub(crate) mod b4;
pub mod mail;
pub mod patch;
pub mod reply;

use crate::error::Error;
use crate::source::{BlobId, ChangedFile, CommitInfo, Overlay, PatchRef, Selection, Tree};
use mail::Mail;
use patch::FileDiff;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

/// The files uapi-diff reads at a revision: every arch's uAPI headers, the DRM sources KMS
/// extraction reads, MAINTAINERS and the default ledger. Hunks to other files are not applied.
pub fn read_selection() -> Selection {
    Selection::new(&[
        "include/uapi/**",
        "arch/*/include/uapi/**",
        "drivers/gpu/drm/**",
        "MAINTAINERS",
        crate::evidence::ledger::DEFAULT_PATH,
    ])
}

/// One patch of a series.
#[derive(Clone, Debug)]
pub struct Patch {
    /// `N/M`, from the subject's prefix, or the patch's place among the series' patches.
    pub number: String,
    pub mail: Mail,
    pub files: Vec<FileDiff>,
}

impl Patch {
    /// `patch 2/3 "drm/toy: add wait"`, how errors name it.
    pub fn name(&self) -> String {
        format!("patch {} \"{}\"", self.number, self.mail.subject)
    }
}

/// A series as read: its patches in order (cover letters and mails without a diff left out).
#[derive(Clone, Debug)]
pub struct Series {
    /// Where it was read from, as given (`-` for standard input).
    pub source: String,
    /// The cover letter (`[PATCH 0/M]`), when the series has one.
    pub cover: Option<Mail>,
    pub patches: Vec<Patch>,
}

/// Reads PATCHES: an mbox or `git format-patch` file, a directory of them (in name order), or
/// `-` for standard input.
pub fn read(source: &str) -> Result<Series, Error> {
    let err = |reason: String| Error::Series(format!("cannot read series {source}: {reason}"));
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| err(e.to_string()))?;
        inputs.push(("standard input".to_string(), bytes));
    } else if Path::new(source).is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(source)
            .map_err(|e| err(e.to_string()))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        names.sort();
        for path in names {
            let bytes =
                std::fs::read(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
            inputs.push((path.display().to_string(), bytes));
        }
    } else {
        let bytes = std::fs::read(source).map_err(|e| err(e.to_string()))?;
        inputs.push((source.to_string(), bytes));
    }
    let series = parse(
        source,
        inputs.iter().map(|(o, b)| (o.as_str(), b.as_slice())),
    )?;
    if series.patches.is_empty() {
        return Err(err("no patches found".to_string()));
    }
    Ok(series)
}

/// Reads the mails of `inputs` (origin, bytes) into a series (which may have no patches).
pub fn parse<'a>(
    source: &str,
    inputs: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Series, Error> {
    let mut mails = Vec::new();
    for (origin, bytes) in inputs {
        for (i, raw) in mail::split_mbox(bytes).into_iter().enumerate() {
            let mail = mail::parse(raw)
                .map_err(|e| Error::Series(format!("{origin}: message {}: {e}", i + 1)))?;
            mails.push(mail);
        }
    }
    // A cover letter (`0/M`) and mails without a diff (replies, notes) are not patches.
    let cover = mails
        .iter()
        .find(|m| m.counter.is_some_and(|(n, _)| n == 0) && m.diff.is_empty())
        .cloned();
    mails.retain(|m| m.counter.is_none_or(|(n, _)| n > 0) && !m.diff.is_empty());
    let total = mails.len();
    let mut patches = Vec::new();
    for (i, mail) in mails.into_iter().enumerate() {
        let number = match mail.counter {
            Some((n, m)) => format!("{n}/{m}"),
            None => format!("{}/{total}", i + 1),
        };
        let files = patch::parse(&mail.diff).map_err(|e| {
            Error::Series(format!(
                "patch {number} \"{}\": {e} (counting from the diff's first line)",
                mail.subject
            ))
        })?;
        patches.push(Patch {
            number,
            mail,
            files,
        });
    }
    Ok(Series {
        source: source.to_string(),
        cover,
        patches,
    })
}

/// A series applied to a base revision.
pub struct Applied {
    /// The base with the series applied (its label: `BASE + PATCHES`).
    pub tree: Tree,
    /// The files uapi-diff reads that the series touches.
    pub touched: BTreeSet<String>,
    /// Patches that touch no file uapi-diff reads, not applied.
    pub skipped: Vec<String>,
}

/// Applies `series` to `base` in memory, as `git am` would, to the files uapi-diff reads. A hunk
/// that does not apply, a missing or already existing file, or a binary patch to a file
/// uapi-diff reads is an error naming the patch, the file and the line.
pub fn apply(base: Tree, series: &Series) -> Result<Applied, Error> {
    let select = read_selection();
    let mut files: BTreeMap<String, Option<BlobId>> = BTreeMap::new();
    let mut blobs: HashMap<BlobId, Vec<u8>> = HashMap::new();
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    for p in &series.patches {
        let relevant: Vec<&FileDiff> = p
            .files
            .iter()
            .filter(|f| f.paths().any(|path| select.matches(path)))
            .collect();
        if relevant.is_empty() {
            skipped.push(p.name());
            continue;
        }
        let mut changed = Vec::new();
        for f in relevant {
            apply_file(&base, p, f, &select, &mut files, &mut blobs, &mut changed)?;
        }
        changed.sort_by(|a: &ChangedFile, b| a.path.cmp(&b.path));
        steps.push(CommitInfo {
            id: p.mail.commit.clone().unwrap_or_default(),
            author: p.mail.author.clone(),
            date: p.mail.date.clone(),
            subject: p.mail.subject.clone(),
            message: p.mail.message.clone(),
            changed,
            patch: Some(PatchRef {
                number: p.number.clone(),
                message_id: p.mail.message_id.clone(),
            }),
        });
    }
    let touched = files.keys().cloned().collect();
    let label = format!("{} + {}", base.label(), series.source);
    let tree = Tree::patched(
        base,
        label,
        Overlay {
            files,
            blobs,
            steps,
        },
    );
    Ok(Applied {
        tree,
        touched,
        skipped,
    })
}

/// Applies one file's diff to the current state (`files` over `base`).
fn apply_file(
    base: &Tree,
    p: &Patch,
    f: &FileDiff,
    select: &Selection,
    files: &mut BTreeMap<String, Option<BlobId>>,
    blobs: &mut HashMap<BlobId, Vec<u8>>,
    changed: &mut Vec<ChangedFile>,
) -> Result<(), Error> {
    let fail = |path: &str, what: String| Error::Series(format!("{}: {path}: {what}", p.name()));
    let path = f
        .new_path
        .as_deref()
        .or(f.old_path.as_deref())
        .unwrap_or_default();
    if f.binary {
        return Err(fail(
            path,
            "a binary patch to a file uapi-diff reads: it cannot be applied".to_string(),
        ));
    }
    let current = |path: &str, files: &BTreeMap<String, Option<BlobId>>| match files.get(path) {
        Some(Some(blob)) => Ok(Some(blobs[blob].clone())),
        Some(None) => Ok(None),
        None => base.read_path(path),
    };
    let before = match &f.old_path {
        Some(old) => Some(
            current(old, files)?
                .ok_or_else(|| fail(old, "does not exist at the base of this patch".to_string()))?,
        ),
        None => None,
    };
    if let Some(new) = &f.new_path {
        let is_new_name = f.old_path.as_deref() != Some(new.as_str());
        if is_new_name && current(new, files)?.is_some() {
            return Err(fail(new, "already exists".to_string()));
        }
    }
    let source = before.clone().unwrap_or_default();
    let after = patch::apply(&source, &f.hunks).map_err(|h| {
        fail(
            f.old_path.as_deref().unwrap_or(path),
            format!(
                "patch failed at line {}: the hunk at line {} of the patch's diff does not apply",
                h.old_start, h.line
            ),
        )
    })?;
    if f.new_path.is_none() && !after.is_empty() {
        return Err(fail(
            path,
            "deleted, but the file has more than the patch removes".into(),
        ));
    }
    let before_blob = before.map(|b| {
        let id = BlobId::of_bytes(&b);
        blobs.insert(id, b);
        id
    });
    let after_blob = f.new_path.as_ref().map(|_| {
        let id = BlobId::of_bytes(&after);
        blobs.insert(id, after);
        id
    });
    let mut record = |path: &str, old: Option<BlobId>, new: Option<BlobId>| {
        if select.matches(path) && old != new {
            files.insert(path.to_string(), new);
            changed.push(ChangedFile {
                path: path.to_string(),
                old,
                new,
            });
        }
    };
    match (&f.old_path, &f.new_path) {
        (Some(old), Some(new)) if old != new => {
            if !f.copy {
                record(old, before_blob, None);
            }
            record(new, None, after_blob);
        }
        _ => record(path, before_blob, after_blob),
    }
    Ok(())
}

/// Keeps the notes about files the series touches: the others were there before the series and
/// are not the reviewer's business here.
pub fn retain_touched(notes: &mut Vec<crate::change::Note>, touched: &BTreeSet<String>) {
    notes.retain(|n| touched.contains(&n.file));
}
