//! A file's value tables: the entries of an initializer list of names (string arrays and struct
//! tables pairing a value with its name).

use super::*;

/// Table entries of an `initializer_list`: string arrays (`"a"`, `[X] = "a"`) and struct tables
/// (`{ VAL, "name" }`, `{ .type = VAL, .name = "name" }`, or a wider struct whose string member is
/// preceded by the value). Returns None when the list has no string entries.
pub(super) fn table_entries(list: Node, src: &[u8]) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut designator: Option<String> = None;
    let mut offset = 0usize;
    let mut c = list.walk();
    for item in list.named_children(&mut c) {
        match item.kind() {
            "string_literal" | "concatenated_string" => {
                if let Expr::Str(name) = analyze(item, src, None) {
                    entries.push(Entry {
                        value: EntryValue::Index {
                            designator: designator.clone(),
                            offset,
                        },
                        name,
                    });
                }
                offset += 1;
            }
            "initializer_pair" => {
                let d = item
                    .child_by_field_name("designator")
                    .filter(|d| d.kind() == "subscript_designator")
                    .and_then(|d| d.named_child(0))
                    .map(|d| collapse(&text(d, src)));
                if d.is_some() {
                    designator = d;
                    offset = 0;
                }
                let value = item.child_by_field_name("value");
                match value.map(|v| (v.kind(), v)) {
                    Some(("initializer_list", v)) => {
                        if let Some(e) = struct_entry(v, src) {
                            entries.push(e);
                        }
                    }
                    Some((_, v)) => {
                        if let Expr::Str(name) = analyze(v, src, None) {
                            entries.push(Entry {
                                value: EntryValue::Index {
                                    designator: designator.clone(),
                                    offset,
                                },
                                name,
                            });
                        }
                    }
                    None => {}
                }
                offset += 1;
            }
            "initializer_list" => {
                if let Some(e) = struct_entry(item, src) {
                    entries.push(e);
                }
                offset += 1;
            }
            "comment" => {}
            _ => offset += 1,
        }
    }
    if entries.is_empty() {
        None
    } else {
        Some(entries)
    }
}

pub(super) fn struct_entry(list: Node, src: &[u8]) -> Option<Entry> {
    let mut c = list.walk();
    let items: Vec<Node> = list
        .named_children(&mut c)
        .filter(|n| n.kind() != "comment")
        .collect();
    // Designated: .name / .type.
    let mut name = None;
    let mut value = None;
    let mut designated = false;
    for it in &items {
        if it.kind() == "initializer_pair" {
            designated = true;
            let field = it
                .child_by_field_name("designator")
                .filter(|d| d.kind() == "field_designator")
                .and_then(|d| d.named_child(0))
                .map(|d| text(d, src).into_owned());
            let v = it.child_by_field_name("value");
            match (field.as_deref(), v) {
                (Some("name"), Some(v)) => {
                    if let Expr::Str(s) = analyze(v, src, None) {
                        name = Some(s);
                    }
                }
                (Some("type"), Some(v)) => value = Some(collapse(&text(v, src))),
                _ => {}
            }
        }
    }
    if designated {
        return name.map(|name| Entry {
            value: value.map(EntryValue::Expr).unwrap_or(EntryValue::None),
            name,
        });
    }
    let idx = items
        .iter()
        .rposition(|n| matches!(n.kind(), "string_literal" | "concatenated_string"))?;
    let Expr::Str(name) = analyze(items[idx], src, None) else {
        return None;
    };
    let value = idx
        .checked_sub(1)
        .and_then(|i| items.get(i))
        .map(|n| EntryValue::Expr(collapse(&text(*n, src))))
        .unwrap_or(EntryValue::None);
    Some(Entry { value, name })
}
