//! uapi-diff: a semantic diff of the Linux kernel's userspace API between two revisions.
//!
//! The pipeline, one module per stage: [`source`] (files at a revision, from git objects or a
//! directory) → [`parse`] (tree-sitter → declarations and directives) → [`model`] (preprocess,
//! compute layouts, values and ioctl numbers) → [`diff`] (added / removed / changed) → [`rules`]
//! (classification) → [`report`] (text, Markdown, JSON). [`pipeline`] wires them together;
//! [`all_arches`] runs it for every arch and merges the diffs.

pub mod all_arches;
pub mod arch;
pub mod change;
pub mod checklist;
pub mod cli;
pub mod copies;
pub mod cpp;
mod diff;
mod error;
pub mod evidence;
mod gate;
mod history;
mod junit;
pub mod kms;
pub mod model;
pub mod parse;
pub mod pipeline;
mod progress;
pub mod report;
pub mod rules;
pub mod series;
pub mod snapshot;
pub mod source;
pub mod store;
pub mod surface;
pub mod timeline;
pub mod ts;
pub mod userspace;

pub use error::Error;
