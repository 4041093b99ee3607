//! When two revisions' facts of one item mean the same thing to userspace: the diff reports a
//! change only then, and rules pair a removal with an addition (a move) by it.

use super::{Facts, NonInteger};

/// A define's text as `make headers_install` leaves it, token by token: `__user`, `__force` and
/// `__iomem` stripped, `inline`, `volatile` and `asm` respelled as gcc's `__inline__`… (a compiler
/// reads both the same), so a tree and its installed headers compare equal.
fn as_installed(text: &str) -> Vec<String> {
    let stripped = strip_install_annotations(text);
    let Ok(tokens) = crate::cpp::tokenize(&stripped) else {
        return stripped.split_whitespace().map(str::to_string).collect();
    };
    tokens
        .into_iter()
        .map(|t| match t.text.as_str() {
            "inline" | "__inline" => "__inline__".to_string(),
            "volatile" | "__volatile" => "__volatile__".to_string(),
            "asm" | "__asm" => "__asm__".to_string(),
            _ => t.text,
        })
        .collect()
}

/// Whether two revisions' facts of one item mean the same thing to userspace.
pub fn same_meaning(a: &Facts, b: &Facts) -> bool {
    match (a, b) {
        (Facts::Value { value: Some(x), .. }, Facts::Value { value: Some(y), .. }) => x == y,
        // Both expand to nothing, however spelled (`#define __bitwise __bitwise__` → `#define
        // __bitwise`, where `__bitwise__` is empty).
        (
            Facts::Value {
                non_integer: Some(NonInteger::Empty),
                ..
            },
            Facts::Value {
                non_integer: Some(NonInteger::Empty),
                ..
            },
        ) => true,
        (Facts::Value { text: x, .. }, Facts::Value { text: y, .. }) => {
            x == y || as_installed(x) == as_installed(y)
        }
        (
            Facts::Ioctl {
                number: Some(x),
                spelled: s1,
                ..
            },
            Facts::Ioctl {
                number: Some(y),
                spelled: s2,
                ..
            },
        ) => x == y && s1 == s2,
        // A number one side cannot compute (its struct's size is unknown there): compare what is known.
        (
            Facts::Ioctl {
                dir: d1,
                ioc_type: t1,
                nr: n1,
                arg_type: a1,
                ..
            },
            Facts::Ioctl {
                dir: d2,
                ioc_type: t2,
                nr: n2,
                arg_type: a2,
                ..
            },
        ) => d1 == d2 && t1 == t2 && n1 == n2 && a1 == a2,
        (
            Facts::Record {
                size: s1,
                align: a1,
                ..
            },
            Facts::Record {
                size: s2,
                align: a2,
                ..
            },
        ) => s1 == s2 && a1 == a2,
        (
            Facts::Field {
                offset: o1,
                size: s1,
                ty: t1,
                bits: b1,
                ..
            },
            Facts::Field {
                offset: o2,
                size: s2,
                ty: t2,
                bits: b2,
                ..
            },
        ) => {
            o1 == o2
                && s1 == s2
                && b1 == b2
                && (t1 == t2 || s1.is_some_and(|size| size > 0) && same_array(t1, t2))
        }
        (Facts::Typedef { ty: t1, size: s1 }, Facts::Typedef { ty: t2, size: s2 }) => {
            t1 == t2 && s1 == s2
        }
        (Facts::Enum { size: s1 }, Facts::Enum { size: s2 }) => s1 == s2,
        (Facts::Header { .. }, Facts::Header { .. }) => true,
        // What userspace sees of a syscall is its number and what the kernel runs for it; the
        // ABI column only selects the rows of an arch (a row going from `64` to `common` gives it
        // to x32, not to this arch), and the arches lacking it are other arches' facts.
        (
            Facts::Syscall {
                number: n1,
                entry: e1,
                compat_entry: c1,
                ..
            },
            Facts::Syscall {
                number: n2,
                entry: e2,
                compat_entry: c2,
                ..
            },
        ) => n1 == n2 && e1 == e2 && c1 == c2,
        (x, y) => x == y,
    }
}

/// Array types of one element type whose bounds are spelled differently (`char [16U]`, `char
/// [BPF_OBJ_NAME_LEN]`): with equal non-zero sizes, the same type. (A flexible array, `x[]` or
/// `x[0]`, has size 0: its respelling is the flex-array-converted rule's.)
fn same_array(a: &str, b: &str) -> bool {
    let element = |t: &str| Some(t.split_once('[')?.0.trim_end().to_string());
    let dims = |t: &str| t.matches('[').count();
    element(a).is_some() && element(a) == element(b) && dims(a) == dims(b)
}

/// What `scripts/headers_install.sh` deletes from every line, macro bodies included.
const INSTALL_STRIPPED: &[&str] = &["__user", "__force", "__iomem"];

/// A macro body as `make headers_install` leaves it: `(__force __poll_t)0x0001` → `( __poll_t)0x0001`.
pub fn strip_install_annotations(body: &str) -> std::borrow::Cow<'_, str> {
    if !INSTALL_STRIPPED.iter().any(|w| body.contains(w)) {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut word = String::new();
    for c in body.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !INSTALL_STRIPPED.contains(&word.as_str()) {
            out.push_str(&word);
        }
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_equal_as_installed() {
        use super::as_installed;
        assert_eq!(
            as_installed("((__force __sighandler_t)0)"),
            as_installed("((__sighandler_t)0)")
        );
        assert_eq!(as_installed("inline"), as_installed("__inline__"));
        assert_ne!(as_installed("(__u32)1"), as_installed("(__u64)1"));
    }

    use super::*;

    fn field(ty: &str, size: u64) -> Facts {
        Facts::Field {
            offset: Some(8),
            size: Some(size),
            ty: ty.to_string(),
            bits: None,
            unresolved: None,
        }
    }

    #[test]
    fn an_array_bound_spelled_otherwise_is_the_same_field() {
        let named = field("char [BPF_OBJ_NAME_LEN]", 16);
        assert!(same_meaning(&field("char [16U]", 16), &named));
        // Another element type, or a flexible array made real, is a change.
        assert!(!same_meaning(&field("__u8 [16U]", 16), &named));
        assert!(!same_meaning(&field("__u8 [0]", 0), &field("__u8 []", 0)));
        assert!(!same_meaning(&field("__u32", 4), &field("__s32", 4)));
    }

    #[test]
    fn strips_what_headers_install_strips_from_macro_bodies() {
        assert_eq!(
            strip_install_annotations("(__force __poll_t)0x0001"),
            "( __poll_t)0x0001"
        );
        assert_eq!(
            strip_install_annotations("(void __user *)__force_x"),
            "(void  *)__force_x"
        );
        assert_eq!(strip_install_annotations("1 << 2"), "1 << 2");
    }
}
