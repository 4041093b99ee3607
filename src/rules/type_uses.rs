//! The type spellings of one model's items, for the questions about what carries an enum
//! (`Context::enum_carried`).

use rustc_hash::FxHashSet;
use std::sync::OnceLock;

/// The type spellings of a model's items: its typedefs (name, type), its record members' types
/// and its ioctls' argument types, for the questions about what carries an enum.
#[derive(Default)]
pub(super) struct TypeUses<'m> {
    pub(super) typedefs: Vec<(&'m str, &'m str)>,
    pub(super) fields: Vec<&'m str>,
    pub(super) ioctl_args: Vec<&'m str>,
    /// What stands between `[` and the next `]` in any of `fields` (an array's length as
    /// written), made when first asked. Owned: a borrowed set would make the index invariant.
    array_lengths: OnceLock<FxHashSet<String>>,
}

impl TypeUses<'_> {
    /// Whether some member is an array whose length is written as `name` alone (`[name]`).
    pub(super) fn sizes_an_array(&self, name: &str) -> bool {
        let lengths = self.array_lengths.get_or_init(|| {
            let mut lengths = FxHashSet::default();
            for ty in &self.fields {
                let mut rest: &str = ty;
                while let Some(open) = rest.find('[') {
                    rest = &rest[open + 1..];
                    if let Some(close) = rest.find(']') {
                        lengths.insert(rest[..close].to_string());
                    }
                }
            }
            lengths
        });
        lengths.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A length is what stands between `[` and `]` exactly, in any dimension: `ty` spells an
    /// array of length `name` where `ty.contains("[name]")`.
    #[test]
    fn an_array_length_is_the_whole_text_between_its_brackets() {
        let uses = TypeUses {
            fields: vec![
                "__u64 [A][B]",
                "struct x [C[2]]",
                "__u8 [ D ]",
                "__u32 [E + 1]",
            ],
            ..TypeUses::default()
        };
        for name in ["A", "B", "2"] {
            assert!(uses.sizes_an_array(name), "{name}");
        }
        for name in ["C", "D", "E", "x", "__u64"] {
            assert!(!uses.sizes_an_array(name), "{name}");
            let spelled = uses
                .fields
                .iter()
                .any(|ty| ty.contains(&format!("[{name}]")));
            assert!(!spelled, "{name}");
        }
    }
}
