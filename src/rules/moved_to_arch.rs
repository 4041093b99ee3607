use super::{Rule, Severity};
use crate::change::{Change, ChangeKind, ItemKind};
use crate::model::{ItemKey, Model};

pub static RULE: Rule = Rule {
    id: "moved-to-arch",
    severity: Severity::Info,
    summary: "an item left this arch's headers for another arch's asm/ header, or behind a condition this arch does not meet",
    explanation: "The item is gone from the headers this arch reads, and the new revision defines it in \
another arch's `arch/<arch>/include/uapi` header that did not define it before (s390-only KVM constants \
moved to arch/s390/include/uapi/asm/kvm.h when linux/kvm.h was split in 6.9), or in an asm-generic header \
behind a condition this arch does not meet (F_GETLK64 and friends, now only where \
`__BITS_PER_LONG == 32`). It was never meaningful on this arch: not a break here; `moved_to` says where \
it went. Documentation/dev-tools/checkuapi.rst checks each arch's headers on their own.",
    reference: "Documentation/dev-tools/checkuapi.rst",
    matches: Some(|c, ctx| destination(c, ctx.old, ctx.new).is_some()),
};

/// Where a removed item went: the first header (in path order) of another arch that defines its
/// name at the new revision and did not at the old one, or an asm-generic header that defines it
/// in its text while this arch's model has no such item there (a condition it does not meet).
pub fn destination(c: &Change, old: &Model, new: &Model) -> Option<String> {
    if c.change != ChangeKind::Removed || matches!(c.kind, ItemKind::Header | ItemKind::Field) {
        return None;
    }
    let now = new.elsewhere.get(&c.name)?;
    let before = old.elsewhere.get(&c.name);
    now.iter()
        .find(|path| {
            if path.starts_with("include/uapi/asm-generic/") {
                let mut items = items_of(new, path);
                items.next().is_some() && !items.any(|k| k.name == c.name)
            } else {
                !before.is_some_and(|b| b.contains(*path))
            }
        })
        .cloned()
}

/// The items of one header (a range of `items`, which sort by file first).
fn items_of<'m>(model: &'m Model, file: &str) -> impl Iterator<Item = &'m ItemKey> + 'm {
    let first = ItemKey {
        file: file.to_string(),
        kind: ItemKind::Header,
        parent: None,
        name: String::new(),
    };
    let file = first.file.clone();
    model
        .items
        .range_from(first)
        .map(|(k, _)| k)
        .take_while(move |k| k.file == file)
}
