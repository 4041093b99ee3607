//! Cross-file resolution: creation sites → properties (names through parameters and macros,
//! values from tables, fills and `drm_property_add_enum`, storage and attachment), core helpers
//! and the drivers that call them.
//!
//! `rounds` decides what is parsed; then, over the parsed files (`index`), `resolve` takes the
//! steps in order: `sites` (each creation call), `instances` (each name a site is given),
//! `properties` (each instance's facts, with `values`, merged per owner and name) and `helpers`
//! (the core helpers and the drivers calling them).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::parse::FileFacts;
use super::{EvalFn, KmsModel, Unresolved};
use index::Index;

mod helpers;
mod index;
mod instances;
mod memo;
mod properties;
mod rounds;
mod sites;
mod values;

pub use memo::{ContentId, ParsedFiles};
pub use rounds::Prepared;
pub(crate) use rounds::{extract, extract_prepared, parsed_whole, prepare};

/// The functions that create a property.
pub(crate) const PRIMITIVES: &[&str] = &[
    "drm_property_create",
    "drm_property_create_enum",
    "drm_property_create_bitmask",
    "drm_property_create_range",
    "drm_property_create_signed_range",
    "drm_property_create_bool",
    "drm_property_create_object",
];
/// Adds a value to an enum or bitmask property.
const ADD_ENUM: &str = "drm_property_add_enum";
/// Attaches a property to a mode object.
const ATTACH: &str = "drm_object_attach_property";
/// Parameter-name chains are followed this many calls up (wrapper of a wrapper of a wrapper).
const MAX_CHAIN: usize = 3;

/// Plain integer literals (`0`, `0xffffff`, `-1`, `100U`, `(0)`), evaluated without the caller.
pub(crate) fn parse_int(text: &str) -> Option<i128> {
    let mut t = text.trim();
    while let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        t = inner.trim();
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.trim()),
        None => (false, t),
    };
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']);
    if t.is_empty() {
        return None;
    }
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Values of expressions: plain integer literals here, the rest by the caller's evaluator.
struct Ev<'e> {
    eval: EvalFn<'e>,
}

impl Ev<'_> {
    fn value(&self, expr: &str, file: &str) -> Option<i128> {
        if expr.is_empty() {
            return None;
        }
        parse_int(expr).or_else(|| (self.eval)(expr, file))
    }
}

/// The parsed files and what the resolution steps share.
struct Resolver<'f, 'e> {
    files: &'f [Arc<FileFacts>],
    index: Index<'f>,
    ev: Ev<'e>,
    /// Tables named at a call but not found in the parsed files: (directory, name).
    missing: std::cell::RefCell<BTreeSet<(String, String)>>,
    /// Call sites the parameter-chain walk may still visit (bounds adversarial fan-out).
    budget: std::cell::Cell<usize>,
}

/// Call sites visited by the parameter-chain walk, at most, per extraction.
const CHAIN_BUDGET: usize = 200_000;

/// Resolves the parsed files (in path order) to the model; also returns the enum tables named at
/// calls but not found, as (directory, name), for a last parse round.
fn resolve(files: &[Arc<FileFacts>], eval: EvalFn) -> (KmsModel, BTreeSet<(String, String)>) {
    let r = Resolver {
        files,
        index: Index::build(files),
        ev: Ev { eval },
        missing: Default::default(),
        budget: CHAIN_BUDGET.into(),
    };
    let mut unresolved = Vec::new();
    let sites = r.sites();
    let instances = r.instances(&sites, &mut unresolved);
    let attach_by_key = properties::attachments_by_key(files);
    let properties = r.properties(&sites, &instances, &attach_by_key, &mut unresolved);
    let exposures = helpers::exposures(files, &r.index, &properties);
    unresolved.sort_by(|a, b| (&a.file, a.line, &a.reason).cmp(&(&b.file, b.line, &b.reason)));
    unresolved.dedup();
    let model = KmsModel {
        properties,
        exposures,
        unresolved,
    };
    (model, r.missing.take())
}

/// What could not be resolved at `line` of `f`, in the function of `scope`.
fn unresolved_at(f: &FileFacts, line: u32, scope: Option<usize>, reason: String) -> Unresolved {
    Unresolved {
        file: f.path.to_string(),
        line,
        function: f.scope_name(scope).to_string(),
        reason,
    }
}
