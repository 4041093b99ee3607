//! Opening the sides a subcommand compares: revisions, directories (with `--layout`), snapshot
//! files, or a base with `--series` applied.

use super::{Common, SeriesArg};
use crate::error::Error;
use crate::snapshot::Side;
use crate::source::Tree;

/// NEW: a revision, directory or snapshot file, or OLD with `--series` applied (its skipped
/// patches noted on standard error), with the files the series touches.
pub(super) fn open_new(
    common: &Common,
    old: &str,
    new: Option<&str>,
    series: &SeriesArg,
) -> Result<(Side, Option<std::collections::BTreeSet<String>>), Error> {
    match (new, series.series.as_deref()) {
        (_, Some(patches)) => {
            let applied =
                crate::series::apply(open(common, old, 0)?, &crate::series::read(patches)?)?;
            for patch in &applied.skipped {
                eprintln!("uapi-diff: note: {patch} touches no file uapi-diff reads: skipped");
            }
            Ok((Side::Tree(applied.tree), Some(applied.touched)))
        }
        (Some(new), None) => Ok((open_side(common, new, 1)?, None)),
        (None, None) => Err(Error::Series(
            "no NEW revision and no --series PATCHES".to_string(),
        )),
    }
}

/// `--layout` applies to directory sides (a snapshot file or a git revision has no layout): given
/// once, some side must be a directory; given twice, OLD and NEW both must be; never more.
pub(super) fn check_layout(common: &Common, specs: &[&str]) -> Result<(), Error> {
    let is_dir = Tree::names_directory;
    let what = |spec: &str| match std::path::Path::new(spec).is_file() {
        true => format!("`{spec}` is a snapshot file"),
        false => format!("`{spec}` is a git revision"),
    };
    match common.layout.as_slice() {
        [] => Ok(()),
        [one] if !specs.iter().any(|s| is_dir(s)) => Err(Error::Usage(format!(
            "--layout {} applies to directory sides, and {}",
            one.name(),
            specs.iter().map(|s| what(s)).collect::<Vec<_>>().join(", ")
        ))),
        [_] => Ok(()),
        [old, new] => {
            for (layout, spec, side) in [(old, specs.first(), "OLD"), (new, specs.get(1), "NEW")] {
                if let Some(spec) = spec.filter(|s| !is_dir(s)) {
                    return Err(Error::Usage(format!(
                        "--layout {} is {side}'s (the first --layout is OLD's, the second NEW's), and {}: \
--layout applies to directory sides",
                        layout.name(),
                        what(spec)
                    )));
                }
            }
            Ok(())
        }
        _ => Err(Error::Usage(
            "--layout is given once (every directory side) or twice (OLD's, then NEW's)"
                .to_string(),
        )),
    }
}

/// Opens side `side` (0 old, 1 new) with the `--layout` it is given: one `--layout` applies to
/// every directory side, two to OLD and NEW.
pub(super) fn open(common: &Common, spec: &str, side: usize) -> Result<Tree, Error> {
    let tree = Tree::open(&common.repo, spec)?;
    let layout = match common.layout.as_slice() {
        [every] => tree.is_directory().then_some(*every),
        per_side => per_side.get(side).copied(),
    };
    Ok(tree.with_layout(layout))
}

/// A revision argument: a snapshot file, else a revision or directory opened as [`open`] does.
pub(super) fn open_side(common: &Common, spec: &str, side: usize) -> Result<Side, Error> {
    Side::open_with(spec, |spec| open(common, spec, side))
}

/// The revision arguments of a walk (`history`, `since`), in order.
pub(super) fn open_sides(common: &Common, specs: &[String]) -> Result<Vec<Side>, Error> {
    specs.iter().map(|s| open_side(common, s, 0)).collect()
}

/// How a side is named in messages: the spec as given, or the series' `BASE + PATCHES`.
pub(super) fn side_label(side: &Side) -> String {
    match side {
        Side::Tree(tree) => tree.label().to_string(),
        Side::Snapshot(path) => path.display().to_string(),
    }
}
