//! `--arch` and `--all-arches`: read here once for every subcommand, with `--arch`'s help made from
//! the `ARCHES` table, so a new arch needs no edit of the CLI.

use super::{AllArches, Common};
use crate::all_arches;
use crate::error::Error;
use crate::model::{arch::ARCHES, Arch};
use crate::pipeline::Options;

/// `--arch`'s help: every arch of `ARCHES` with the gcc target whose ABI it has, then the other
/// names `Arch::by_name` takes: a bare `arch/` directory (the kernel's default for `ARCH=<dir>`)
/// and gcc's CPU names.
pub(super) fn help() -> String {
    let is_arch = |name: &str| ARCHES.iter().any(|a| a.name == name);
    let mut targets = Vec::new();
    let mut defaults: Vec<String> = Vec::new();
    let mut cpus = Vec::new();
    for a in ARCHES {
        targets.push(match a.big_endian {
            true => format!("{} ({}, big-endian)", a.name, a.triplet),
            false => format!("{} ({})", a.name, a.triplet),
        });
        if let Some(default) = Arch::by_name(a.dir()).filter(|_| !is_arch(a.dir())) {
            let entry = format!("{} = {}", a.dir(), default.name);
            if !defaults.contains(&entry) {
                defaults.push(entry);
            }
        }
        let cpu = a.triplet.split('-').next().unwrap_or_default();
        if !is_arch(cpu) && Arch::by_name(cpu).is_some_and(|t| t.name == a.name) {
            cpus.push(cpu);
        }
    }
    let mut help = format!(
        "Target architecture: its arch/<dir>/include/uapi serves <asm/...> and its ABI (gcc's \
         Linux target) sets layouts: {}",
        targets.join(", ")
    );
    if !defaults.is_empty() {
        help += &format!(
            ". A bare directory name is the kernel's default for ARCH=<dir>: {}",
            defaults.join(", ")
        );
    }
    if !cpus.is_empty() {
        help += &format!(". gcc's CPU names work too: {}", cpus.join(", "));
    }
    help
}

/// The pipeline options of `--arch` and `--no-kms`; the cache of earlier runs installed for the
/// run unless `--no-cache` (every subcommand computing revisions asks for these first).
pub(super) fn options(common: &Common) -> Result<Options, Error> {
    super::cache::install(common);
    let arch = Arch::by_name(&common.arch).ok_or_else(|| {
        Error::UnknownArch(
            common.arch.clone(),
            ARCHES.iter().map(|a| a.name).collect::<Vec<_>>().join(", "),
        )
    })?;
    Ok(Options {
        arch,
        kms: !common.no_kms,
        enum_roles: Default::default(),
    })
}

impl AllArches {
    /// The arches `--all-arches` diffs and merges; None: `--arch`'s alone.
    pub(super) fn merged(&self) -> Option<Vec<&'static Arch>> {
        self.all_arches.then(all_arches::every_arch)
    }
}
