//! Types and constants of a revision, computed as the compiler would for the target ABI: sizes,
//! alignments and member offsets of structs and unions (bitfields, `packed`, `aligned`, flexible
//! arrays, anonymous members), enumerator values, and the integer value of any expression written
//! in a header (through `cpp`, with `sizeof` and enumerators resolved here).

use super::arch::{Arch, BitfieldLayout};
use super::scope::{live_members, Decl, FileSet, MacroScope, Preprocessor};
use crate::change::BitField;
use crate::cpp::{self, Cause, CppError, IntKind, Reason, Tag, Token, TokenKind, TypeInfo, Value};
use crate::parse::{BaseType, Derived, EnumDef, Field, Node, Record, RecordKind, TypeRef, Typedef};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

mod constants;
mod index;
mod records;
mod types;

use records::kind_word;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeLayout {
    pub size: u64,
    pub align: u64,
    /// Integer scalars: (bytes, signed).
    pub scalar: Option<(u32, bool)>,
    pub pointer: bool,
}

#[derive(Clone, Debug)]
pub struct FieldLayout {
    /// Dotted for members of in-place anonymous-type members (`u.lo`); anonymous members' fields
    /// are flattened into their parent, as C accesses them.
    pub name: String,
    pub offset: u64,
    pub size: u64,
    pub ty: String,
    pub bits: Option<BitField>,
    pub line: u32,
    /// The member's declaration as written in its record (`parse::Field::declaration`).
    pub decl: String,
}

#[derive(Clone, Debug)]
pub struct RecordLayout {
    pub size: u64,
    pub align: u64,
    pub fields: Vec<FieldLayout>,
}

#[derive(Clone, Debug)]
pub struct EnumeratorValue {
    pub name: String,
    pub value: Result<Value, Reason>,
    pub text: Option<String>,
    /// As `parse::Enumerator::written`.
    pub written: Option<String>,
    pub line: u32,
}

#[derive(Debug)]
pub struct EnumValues {
    pub enumerators: Vec<EnumeratorValue>,
    pub layout: Result<TypeLayout, Reason>,
}

/// A record's layout, or why it has none.
type RecordResult = Result<Rc<RecordLayout>, Reason>;

enum Memo<T> {
    InProgress,
    Done(T),
}

type Candidates<'p, T> = FxHashMap<&'p str, Vec<(usize, &'p T)>>;

/// All type and constant facts of one revision, computed on demand and memoized.
pub struct Types<'p, 'a> {
    pub pp: &'p Preprocessor<'a>,
    pub arch: &'static Arch,
    /// Live declarations per file, with macro-expanded replacements applied.
    pub decls: Vec<Vec<Decl<'p>>>,
    records: FxHashMap<(RecordKind, &'p str), Vec<(usize, &'p Record)>>,
    typedefs: Candidates<'p, Typedef>,
    enum_tags: Candidates<'p, EnumDef>,
    /// Enumerator name → (file, enum).
    enumerators: Candidates<'p, EnumDef>,
    record_memo: RefCell<FxHashMap<usize, Memo<RecordResult>>>,
    /// Records defined under `#pragma pack(N)`: their members' alignment is capped at N.
    packs: FxHashMap<usize, u64>,
    /// The pack in force while indexing a declaration.
    pack: Option<u64>,
    enum_memo: RefCell<FxHashMap<usize, Memo<Rc<EnumValues>>>>,
    /// While a header's items are evaluated again with headers it uses without including them
    /// (`Model::build`'s second pass): that header, and those headers with their includes.
    borrowed: RefCell<Option<(usize, FileSet)>>,
    /// How many typedef names (or macros used as types) are being resolved inside each other: a
    /// cycle of them (headers of other libraries, under conditions the model takes both ways of)
    /// ends as an unresolved fact, not as a stack overflow.
    named_depth: std::cell::Cell<u32>,
}

/// A record kind as a cause names it.
fn tag_of(kind: RecordKind) -> Tag {
    match kind {
        RecordKind::Struct => Tag::Struct,
        RecordKind::Union => Tag::Union,
    }
}

/// `struct x` or `union x` is not defined where it is used.
fn missing_record(kind: RecordKind, name: &str, message: String) -> Reason {
    Reason::new(
        Cause::MissingRecord(tag_of(kind), name.to_string()),
        message,
    )
}

fn addr<T>(r: &T) -> usize {
    r as *const T as usize
}

fn matching(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match &*t.text {
            "(" => depth += 1,
            ")" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}
