//! Why an expression has no integer value, typed: the evaluator (and the semantics behind it, which
//! knows the types) says what is missing or wrong where it finds it, so that a caller decides on
//! the cause, never on the wording of the message.

use super::CppError;
use std::fmt;

/// A cause and the message shown for it. The message names the offending token, and the places the
/// cause was met in on the way out (`field `x`: array size: unresolved: unknown identifier `N``).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub cause: Cause,
    message: String,
}

/// What the callers distinguish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A name that is neither a macro nor a known constant: alone (`unknown identifier`) or called
    /// (`call of `f`, which is not a macro`).
    MissingMacro(String),
    /// A type name that is not defined where the expression is.
    MissingType(String),
    /// A struct or union tag that is not defined there.
    MissingRecord(Tag, String),
    /// Something that is no integer constant by its nature.
    NotInteger(NotInteger),
    /// Anything else: malformed, overflowing, beyond a limit, not computable here.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Struct,
    Union,
}

/// What an expression is when the evaluator sees it is no integer constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotInteger {
    /// A string literal.
    String,
    /// A floating constant.
    Floating,
    /// `(type){ … }`.
    CompoundLiteral,
    /// A cast to a pointer type.
    Pointer,
    /// A brace initializer, `{ … }`.
    Initializer,
    /// No tokens at all (a body that expands to nothing).
    Empty,
}

impl Reason {
    pub fn new(cause: Cause, message: impl Into<String>) -> Reason {
        Reason {
            cause,
            message: message.into(),
        }
    }

    /// The same cause, met inside `place` (a field, an array size): `place: message`.
    pub fn within(self, place: impl fmt::Display) -> Reason {
        Reason {
            message: format!("{place}: {}", self.message),
            ..self
        }
    }
}

impl Cause {
    /// The macro, type or tag name found missing, if that is the cause.
    pub fn missing_name(&self) -> Option<&str> {
        match self {
            Cause::MissingMacro(name)
            | Cause::MissingType(name)
            | Cause::MissingRecord(_, name) => Some(name),
            Cause::NotInteger(_) | Cause::Other => None,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A message whose cause no caller distinguishes.
impl From<String> for Reason {
    fn from(message: String) -> Reason {
        Reason::new(Cause::Other, message)
    }
}

impl From<&str> for Reason {
    fn from(message: &str) -> Reason {
        Reason::new(Cause::Other, message)
    }
}

/// An evaluation error as the reason of what needed the value: its cause, with its whole message
/// (`unresolved: …`, `syntax error: …`).
impl From<CppError> for Reason {
    fn from(e: CppError) -> Reason {
        Reason::new(e.cause().clone(), e.to_string())
    }
}
