//! The commits between two revisions of one repository, each with the files it changed; for a
//! patch series, its steps.

use std::collections::{BinaryHeap, HashMap};

use gix::ObjectId;
use rayon::prelude::*;

use super::error::error_chain;
use super::git::{bad_name, find_raw, read_tree, GitEntry, GitKind, GitTree};
use super::select::States;
use super::{join, BlobId, ChangedFile, CommitInfo, Kind, Selection, SourceError, Tree};

/// Commits reachable from `new` but not from `old` (all of `new ^old`, not only first parents), oldest first
/// (parents always before their children, otherwise by committer time), each with the files it changed
/// relative to its first parent restricted to `select`. Merge commits are included; their changes are
/// relative to the first parent, so they repeat what the merged branch brought in. Symlinks and submodules
/// are not reported as changed files.
///
/// Errors if either side is a directory or a tree that is not a commit, if they come from different
/// repositories, or if their histories are unrelated.
pub fn commits_between(
    old: &Tree,
    new: &Tree,
    select: &Selection,
) -> Result<Vec<CommitInfo>, SourceError> {
    let hist_err = |reason: String| SourceError::History {
        old: old.label.clone(),
        new: new.label.clone(),
        reason,
    };
    // A series' steps are its history from its base.
    if let Kind::Patched(p) = &new.kind {
        if old.tree_id() != p.base.tree_id() || old.location() != p.base.location() {
            return Err(hist_err(format!(
                "the series applies to `{}`, not to `{}`",
                p.base.label, old.label
            )));
        }
        return Ok(p.steps(select));
    }
    fn git<'t>(
        t: &'t Tree,
        hist_err: &dyn Fn(String) -> SourceError,
    ) -> Result<(&'t GitTree, ObjectId), SourceError> {
        match &t.kind {
            Kind::Dir(_) => Err(hist_err(format!(
                "`{}` is a directory, not a git revision",
                t.label
            ))),
            Kind::Patched(_) => Err(hist_err(format!(
                "`{}` is a patch series, not a git revision",
                t.label
            ))),
            Kind::Git(g) => match g.commit {
                Some(c) => Ok((g, c)),
                None => Err(hist_err(format!("`{}` is a tree, not a commit", t.label))),
            },
        }
    }
    let (og, oc) = git(old, &hist_err)?;
    let (ng, nc) = git(new, &hist_err)?;
    if og.common_dir != ng.common_dir {
        return Err(hist_err(format!(
            "they come from different repositories ({} and {})",
            og.repo_path.display(),
            ng.repo_path.display()
        )));
    }
    if oc == nc {
        return Ok(Vec::new());
    }
    let repo = ng.pool.lease(true);
    match repo.merge_base(oc, nc) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(hist_err(
                "unrelated histories (no common ancestor)".to_string(),
            ))
        }
        Err(e) => {
            return Err(hist_err(format!(
                "cannot find a common ancestor: {}",
                error_chain(&e)
            )))
        }
    }
    let walk = repo
        .rev_walk([nc])
        .with_hidden([oc])
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
        .map_err(|e| hist_err(error_chain(&e)))?;
    let mut infos: Vec<(ObjectId, Vec<ObjectId>, i64)> = Vec::new();
    for info in walk {
        let info =
            info.map_err(|e| hist_err(format!("walking the history failed: {}", error_chain(&e))))?;
        let parents: Vec<ObjectId> = info.parent_ids.iter().copied().collect();
        infos.push((info.id, parents, info.commit_time.unwrap_or(0)));
    }
    drop(repo);
    let order = topo_oldest_first(&infos);
    let revision = format!("{}..{}", old.label, new.label);
    order
        .par_iter()
        .map_init(
            || ng.pool.lease(true),
            |repo, &i| commit_info(repo, infos[i].0, &revision, select),
        )
        .collect()
}

/// Orders commits (given newest-first, with parents and commit times) so that parents come before
/// children, otherwise oldest first.
fn topo_oldest_first(infos: &[(ObjectId, Vec<ObjectId>, i64)]) -> Vec<usize> {
    let index: HashMap<ObjectId, usize> = infos.iter().enumerate().map(|(i, c)| (c.0, i)).collect();
    let n = infos.len();
    let mut pending_parents = vec![0usize; n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, (_, parents, _)) in infos.iter().enumerate() {
        let mut seen = Vec::new();
        for p in parents {
            if let Some(&pi) = index.get(p) {
                if !seen.contains(&pi) {
                    seen.push(pi);
                    pending_parents[i] += 1;
                    children[pi].push(i);
                }
            }
        }
    }
    // Min-heap on (time, reverse walk position) so ties follow the walk's order, oldest first.
    let key = |i: usize| std::cmp::Reverse((infos[i].2, n - i));
    let mut heap: BinaryHeap<std::cmp::Reverse<(i64, usize)>> = BinaryHeap::new();
    for (i, &pending) in pending_parents.iter().enumerate() {
        if pending == 0 {
            heap.push(key(i));
        }
    }
    let mut out = Vec::with_capacity(n);
    while let Some(std::cmp::Reverse((_, rev))) = heap.pop() {
        let i = n - rev;
        out.push(i);
        for &c in &children[i] {
            pending_parents[c] -= 1;
            if pending_parents[c] == 0 {
                heap.push(key(c));
            }
        }
    }
    out
}

fn commit_info(
    repo: &gix::Repository,
    id: ObjectId,
    revision: &str,
    select: &Selection,
) -> Result<CommitInfo, SourceError> {
    let hex = id.to_string();
    let (kind, data) = find_raw(repo, id, revision, &format!("commit {hex}"))?;
    let invalid = |reason: String| SourceError::Invalid {
        revision: revision.to_string(),
        path: format!("commit {hex}"),
        reason,
    };
    if kind != gix::objs::Kind::Commit {
        return Err(invalid(format!("object is a {kind}, not a commit")));
    }
    let c = gix::objs::CommitRef::from_bytes(&data, gix::hash::Kind::Sha1)
        .map_err(|e| invalid(e.to_string()))?;
    let (author, date) = match c.author() {
        Ok(sig) => (
            format!(
                "{} <{}>",
                String::from_utf8_lossy(sig.name),
                String::from_utf8_lossy(sig.email)
            ),
            iso8601(sig.time),
        ),
        Err(_) => (
            String::from_utf8_lossy(c.author).into_owned(),
            iso8601("0 +0000"),
        ),
    };
    let message = String::from_utf8_lossy(c.message).into_owned();
    let subject = subject_of(&message);
    let new_tree = c.tree();
    let old_tree = match c.parents().next() {
        None => None,
        Some(p) => {
            let (pk, pdata) =
                find_raw(repo, p, &hex, &format!("the first parent of commit {hex}"))?;
            if pk != gix::objs::Kind::Commit {
                return Err(invalid(format!("parent {p} is a {pk}, not a commit")));
            }
            let pc = gix::objs::CommitRef::from_bytes(&pdata, gix::hash::Kind::Sha1)
                .map_err(|e| invalid(format!("parent {p}: {e}")))?;
            Some(pc.tree())
        }
    };
    let mut changed = Vec::new();
    diff_trees(repo, old_tree, Some(new_tree), select, &hex, &mut changed)?;
    changed.sort_by(|a: &ChangedFile, b| a.path.cmp(&b.path));
    Ok(CommitInfo {
        id: hex,
        author,
        date,
        subject,
        message,
        changed,
        patch: None,
    })
}

/// Files that differ between two trees (either may be absent), restricted to `select`, appended to `out`.
/// Iterative, so arbitrarily deep (crafted) trees cannot exhaust the stack.
fn diff_trees(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    select: &Selection,
    revision: &str,
    out: &mut Vec<ChangedFile>,
) -> Result<(), SourceError> {
    let mut todo: Vec<(Option<ObjectId>, Option<ObjectId>, String, States)> =
        vec![(old, new, String::new(), select.start())];
    while let Some((old, new, prefix, states)) = todo.pop() {
        if old == new {
            continue;
        }
        let read = |id: Option<ObjectId>| -> Result<Vec<GitEntry>, SourceError> {
            match id {
                None => Ok(Vec::new()),
                Some(id) => {
                    let mut v = read_tree(repo, id, revision, &prefix)?.to_vec();
                    v.sort_by(|a, b| a.name.cmp(&b.name));
                    Ok(v)
                }
            }
        };
        let o = read(old)?;
        let n = read(new)?;
        let (mut i, mut j) = (0, 0);
        loop {
            let (oe, ne) = match (o.get(i), n.get(j)) {
                (Some(a), Some(b)) if a.name == b.name => {
                    i += 1;
                    j += 1;
                    (Some(a), Some(b))
                }
                (Some(a), Some(b)) if a.name < b.name => {
                    i += 1;
                    (Some(a), None)
                }
                (Some(_), Some(b)) => {
                    j += 1;
                    (None, Some(b))
                }
                (Some(a), None) => {
                    i += 1;
                    (Some(a), None)
                }
                (None, Some(b)) => {
                    j += 1;
                    (None, Some(b))
                }
                (None, None) => break,
            };
            let Some(name) = oe.or(ne).map(|e| &e.name) else {
                break;
            };
            if bad_name(name).is_some() {
                continue;
            }
            let st = select.step(&states, name);
            if st.is_dead() {
                continue;
            }
            let of = |e: Option<&GitEntry>, k: GitKind| e.filter(|e| e.kind == k).map(|e| e.id);
            let path = join(&prefix, &String::from_utf8_lossy(name));
            let (ob, nb) = (of(oe, GitKind::File), of(ne, GitKind::File));
            if (ob.is_some() || nb.is_some()) && ob != nb && select.accepts(&st) {
                out.push(ChangedFile {
                    path: path.clone(),
                    old: ob.map(|id| BlobId::from_oid(&id)),
                    new: nb.map(|id| BlobId::from_oid(&id)),
                });
            }
            let (ot, nt) = (of(oe, GitKind::Tree), of(ne, GitKind::Tree));
            if (ot.is_some() || nt.is_some()) && ot != nt && select.may_descend(&st) {
                todo.push((ot, nt, path, st));
            }
        }
    }
    Ok(())
}

/// First paragraph, lines trimmed and joined by spaces.
fn subject_of(message: &str) -> String {
    let mut parts = Vec::new();
    for line in message.lines() {
        let t = line.trim();
        if t.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        parts.push(t);
    }
    parts.join(" ")
}

/// "1700000000 +0130" -> "2023-11-14T23:43:20+01:30"; unparseable parts count as zero.
fn iso8601(raw: &str) -> String {
    let mut it = raw.split_whitespace();
    let secs: i64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let off = it.next().unwrap_or("+0000");
    let (sign, digits) = match off.as_bytes().first() {
        Some(b'-') => (-1i64, &off[1..]),
        Some(b'+') => (1, &off[1..]),
        _ => (1, off),
    };
    let (oh, om) = if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        (
            digits[..2].parse::<i64>().unwrap_or(0),
            digits[2..].parse::<i64>().unwrap_or(0),
        )
    } else {
        (0, 0)
    };
    let offset = sign * (oh * 3600 + om * 60);
    let local = secs.saturating_add(offset);
    let days = local.div_euclid(86_400);
    let tod = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}{oh:02}:{om:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        if sign < 0 { '-' } else { '+' }
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z.clamp(-1_000_000_000, 1_000_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::test_repo::*;

    #[test]
    fn commits_between_walks_all_commits_with_changes_and_trailers() {
        let td = tempfile::tempdir().unwrap();
        let d = td.path();
        git(d, &["init", "-q", "."]);
        write(d, "include/uapi/a.h", b"a1\n");
        write(d, "kernel/x.c", b"x1\n");
        let base = commit_all(d, "base", "2024-01-01T00:00:00+0000");
        git(d, &["tag", "old"]);
        // A side branch, merged later: its commit must be listed even though it is not a first parent.
        git(d, &["checkout", "-q", "-b", "side"]);
        write(d, "include/uapi/side.h", b"side\n");
        let side = commit_all(
            d,
            "drm: add side header\n\nLonger body.\n\nSigned-off-by: Side Dev <side@example.com>",
            "2024-01-03T00:00:00+0000",
        );
        git(d, &["checkout", "-q", "main"]);
        write(d, "include/uapi/a.h", b"a2\n");
        write(d, "kernel/x.c", b"x2\n");
        let m1 = commit_all(
            d,
            "uapi: change a\nsecond subject line\n\nBody text.\n\nSigned-off-by: Test Author <test@example.com>\nLink: https://example.com/x\n",
            "2024-01-02T10:20:30+0130",
        );
        write(d, "kernel/x.c", b"x3\n");
        let m2 = commit_all(d, "kernel only", "2024-01-04T00:00:00-0700");
        git_env(
            d,
            &["merge", "-q", "--no-ff", "-m", "Merge side", "side"],
            &[
                ("GIT_AUTHOR_DATE", "2024-01-05T00:00:00+0000"),
                ("GIT_COMMITTER_DATE", "2024-01-05T00:00:00+0000"),
            ],
        );
        let merge = git(d, &["rev-parse", "HEAD"]);
        std::fs::remove_file(d.join("include/uapi/a.h")).unwrap();
        let del = commit_all(d, "remove a", "2024-01-06T00:00:00+0000");
        git(d, &["tag", "new"]);

        let old = Tree::open(d, "old").unwrap();
        let new = Tree::open(d, "new").unwrap();
        let sel = Selection::new(&["include/uapi/**"]);
        let commits = commits_between(&old, &new, &sel).unwrap();
        let ids: Vec<&str> = commits.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                m1.as_str(),
                side.as_str(),
                m2.as_str(),
                merge.as_str(),
                del.as_str()
            ]
        );
        assert!(!ids.contains(&base.as_str()));

        let blob = |rev: &str| {
            BlobId({
                let hex = git(d, &["rev-parse", rev]);
                let mut b = [0u8; 20];
                for i in 0..20 {
                    b[i] = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
                }
                b
            })
        };
        let c = &commits[0];
        assert_eq!(c.author, "Test Author <test@example.com>");
        assert_eq!(c.date, "2024-01-02T10:20:30+01:30");
        assert_eq!(c.subject, "uapi: change a second subject line");
        assert!(
            c.message.contains(
                "Signed-off-by: Test Author <test@example.com>\nLink: https://example.com/x"
            ),
            "{:?}",
            c.message
        );
        assert!(c
            .message
            .starts_with("uapi: change a\nsecond subject line\n\nBody text."));
        assert_eq!(
            c.changed,
            [ChangedFile {
                path: "include/uapi/a.h".into(),
                old: Some(blob(&format!("{base}:include/uapi/a.h"))),
                new: Some(blob(&format!("{m1}:include/uapi/a.h")))
            }]
        );
        let s = &commits[1];
        assert_eq!(s.subject, "drm: add side header");
        assert!(s
            .message
            .contains("Signed-off-by: Side Dev <side@example.com>"));
        assert_eq!(
            s.changed,
            [ChangedFile {
                path: "include/uapi/side.h".into(),
                old: None,
                new: Some(blob(&format!("{side}:include/uapi/side.h")))
            }]
        );
        assert!(
            commits[2].changed.is_empty(),
            "kernel/x.c is outside the selection"
        );
        assert_eq!(commits[2].date, "2024-01-04T00:00:00-07:00");
        // The merge, relative to its first parent, brings in side.h.
        assert_eq!(commits[3].changed.len(), 1);
        assert_eq!(commits[3].changed[0].path, "include/uapi/side.h");
        assert_eq!(
            commits[4].changed,
            [ChangedFile {
                path: "include/uapi/a.h".into(),
                old: Some(blob(&format!("{m1}:include/uapi/a.h"))),
                new: None
            }]
        );

        // Nothing between a revision and itself or from new back to old.
        assert!(commits_between(&new, &new, &sel).unwrap().is_empty());
        assert!(commits_between(&new, &old, &sel).unwrap().is_empty());
        // Root commits diff against the empty tree.
        let root = Tree::open(d, &base).unwrap();
        let all = commits_between(&Tree::open(d, &side).unwrap(), &root, &sel);
        assert!(all.unwrap().is_empty());

        // Directories, trees and unrelated histories are errors.
        let dir = Tree::open(d, d.to_str().unwrap()).unwrap();
        let err = commits_between(&dir, &new, &sel).unwrap_err();
        assert!(
            err.to_string()
                .contains("is a directory, not a git revision"),
            "{err}"
        );
        let err = commits_between(&Tree::open(d, "old^{tree}").unwrap(), &new, &sel).unwrap_err();
        assert!(err.to_string().contains("is a tree, not a commit"), "{err}");
        git(d, &["checkout", "-q", "--orphan", "unrelated"]);
        git(d, &["rm", "-q", "-r", "-f", "."]);
        write(d, "include/uapi/u.h", b"u\n");
        commit_all(d, "unrelated root", "2024-02-01T00:00:00+0000");
        let unrelated = Tree::open(d, "unrelated").unwrap();
        let err = commits_between(&old, &unrelated, &sel).unwrap_err();
        assert_eq!(err.to_string(), "cannot list the commits between `old` and `unrelated`: unrelated histories (no common ancestor)");
        // Different repositories.
        let (other, _, _) = small_repo();
        let err =
            commits_between(&Tree::open(other.path(), "v1").unwrap(), &new, &sel).unwrap_err();
        assert!(err.to_string().contains("different repositories"), "{err}");
    }

    #[test]
    fn dates_and_subjects() {
        assert_eq!(iso8601("0 +0000"), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601("1700000000 +0130"), "2023-11-14T23:43:20+01:30");
        assert_eq!(iso8601("1700000000 -0800"), "2023-11-14T14:13:20-08:00");
        assert_eq!(iso8601("951782400 +0000"), "2000-02-29T00:00:00+00:00");
        assert_eq!(iso8601("-86400 +0000"), "1969-12-31T00:00:00+00:00");
        assert_eq!(iso8601("garbage"), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            iso8601("9223372036854775807 +9999"),
            iso8601("9223372036854775807 +9999")
        );
        assert_eq!(subject_of("\n\n a\nb \n\nc"), "a b");
        assert_eq!(subject_of(""), "");
    }
}
