//! One netlink spec turned into items: the family, its definitions (enums, flags, consts, structs
//! and their entries and members), attribute sets and attributes, operations, multicast groups
//! and netlink-raw sub-messages, each with the ids and C names the kernel derives from the spec.
//!
//! The numbering and naming rules are those of Documentation/userspace-api/netlink/specs.rst and
//! c-code-gen.rst, as tools/net/ynl generates the uAPI header from a spec:
//! - attributes are numbered from 1 in each set, an explicit `value` restarting the count; the
//!   set's enum ends with `__<PREFIX>MAX` (the count) and `<PREFIX>MAX` (the last id); the prefix
//!   is the set's `name-prefix`, else `<family>-a-` for the set named like the family, else
//!   `<family>-a-<set>-`;
//! - operations are numbered from 1 (the `unified` model; `directional` counts requests and
//!   replies apart); their names are `<name-prefix or family-cmd-><op>`, notifications and events
//!   under `async-prefix` when the family has one (then in an enum of their own, numbered as C
//!   numbers it: from 0, an explicit `value` restarting the count);
//! - enum entries are numbered from `value-start` (default 0), flags entries likewise but their
//!   value is the mask `1 << n`; names are `<name-prefix or family-enum->`<entry>`;
//! - names are upper-cased with `-` made `_`.

use super::yaml::Document;
use crate::change::{ItemKind, NetlinkFacts};
use crate::surface::{SurfaceItem, SurfaceNote};
use serde_json::Value;
use std::collections::BTreeMap;

/// What one spec yields.
#[derive(Default)]
pub struct SpecItems {
    pub items: Vec<SurfaceItem>,
    pub notes: Vec<SurfaceNote>,
}

fn c_upper(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
}

fn c_lower(name: &str) -> String {
    name.to_lowercase().replace('-', "_")
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn int(v: &Value, key: &str) -> Option<i128> {
    v.get(key)?.as_i64().map(i128::from)
}

fn list(v: &Value, key: &str) -> Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    list(v, key)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// The id of the first attribute of a set, or operation of a family, written without a `value`:
/// Documentation/userspace-api/netlink/specs.rst defines it as 1 (\"``1`` for the first attribute
/// in the attribute set\") since the spec format settled; earlier specs (a revision whose
/// specs.rst does not say so, or has none) were read from 0 by the tools of their time, which
/// the tree does not keep. There the implicit ids before the first explicit `value` are unresolved.
pub type FirstId = Option<i128>;

/// Why an implicit id is unknown.
const FIRST_ID_UNKNOWN: &str = "the first id without a `value` is not defined at this revision \
(its Documentation/userspace-api/netlink/specs.rst does not say it is 1)";

/// The reader of one spec: the family's naming context and what it collected.
struct Reader<'d> {
    doc: &'d Document,
    file: &'d str,
    family: String,
    /// The family's name as a C identifier (`-` made `_`).
    ident: String,
    first_id: FirstId,
    out: SpecItems,
}

impl Reader<'_> {
    fn push(
        &mut self,
        kind: ItemKind,
        parent: Option<String>,
        name: &str,
        pointer: &str,
        facts: NetlinkFacts,
    ) {
        let line = self.doc.line(pointer);
        let decl = yaml_excerpt(self.doc.value.pointer(pointer));
        self.out.items.push(SurfaceItem {
            file: self.file.to_string(),
            kind,
            parent,
            name: name.to_string(),
            line,
            facts: crate::change::Facts::Netlink(Box::new(facts)),
            decl,
        });
    }

    fn note(&mut self, pointer: &str, message: String) {
        self.out.notes.push(SurfaceNote {
            file: self.file.to_string(),
            line: self.doc.line(pointer),
            message,
        });
    }

    fn scoped(&self, name: &str) -> String {
        format!("{}.{name}", self.family)
    }
}

/// The items of a spec that validated (or whose protocol has no schema at this revision).
pub fn read(doc: &Document, file: &str, first_id: FirstId) -> SpecItems {
    let spec = &doc.value;
    let Some(family) = text(spec, "name") else {
        return SpecItems {
            items: Vec::new(),
            notes: vec![SurfaceNote {
                file: file.to_string(),
                line: 1,
                message: "spec without a family `name`: skipped".to_string(),
            }],
        };
    };
    let mut r = Reader {
        doc,
        file,
        ident: family.replace('-', "_"),
        family,
        first_id,
        out: SpecItems::default(),
    };
    let protocol = text(spec, "protocol").unwrap_or_else(|| "genetlink".to_string());
    let raw = protocol == "netlink-raw";
    let ops = spec.get("operations").cloned().unwrap_or(Value::Null);
    let op_sentinels = operations(&mut r, spec, &ops);

    let mut facts = NetlinkFacts {
        ty: Some(protocol.clone()),
        value: if raw {
            int(spec, "protonum")
        } else {
            Some(int(spec, "version").unwrap_or(1))
        },
        fixed_header: text(&ops, "fixed-header"),
        ..Default::default()
    };
    if !raw {
        let uapi = text(spec, "uapi-header").unwrap_or_else(|| format!("linux/{}.h", r.ident));
        facts.c_name = Some(c_upper(
            &text(spec, "c-family-name").unwrap_or(format!("{}_FAMILY_NAME", r.family)),
        ));
        let version_name = c_upper(
            &text(spec, "c-version-name").unwrap_or(format!("{}_FAMILY_VERSION", r.family)),
        );
        facts
            .sentinels
            .insert(version_name, int(spec, "version").unwrap_or(1));
        facts.sentinels.extend(op_sentinels);
        facts.uapi_header = Some(uapi);
    }
    let name = r.family.clone();
    r.push(ItemKind::NetlinkFamily, None, &name, "", facts);

    for (i, def) in list(spec, "definitions").iter().enumerate() {
        definition(&mut r, def, &format!("/definitions/{i}"));
    }
    let sets = list(spec, "attribute-sets");
    let prefixes: BTreeMap<String, String> = sets
        .iter()
        .filter(|s| s.get("subset-of").is_none())
        .filter_map(|s| Some((text(s, "name")?, set_prefix(&r, s))))
        .collect();
    for (i, set) in sets.iter().enumerate() {
        attribute_set(&mut r, set, &format!("/attribute-sets/{i}"), &prefixes);
    }
    if let Some(groups) = spec.get("mcast-groups") {
        for (i, g) in list(groups, "list").iter().enumerate() {
            let Some(name) = text(g, "name") else {
                continue;
            };
            let facts = NetlinkFacts {
                value: int(g, "value"),
                c_name: (!raw).then(|| {
                    c_upper(
                        &text(g, "c-define-name").unwrap_or(format!("{}-mcgrp-{name}", r.ident)),
                    )
                }),
                flags: strings(g, "flags"),
                ..Default::default()
            };
            let parent = Some(r.family.clone());
            r.push(
                ItemKind::NetlinkMcastGroup,
                parent,
                &name,
                &format!("/mcast-groups/list/{i}"),
                facts,
            );
        }
    }
    for (i, sub) in list(spec, "sub-messages").iter().enumerate() {
        let Some(name) = text(sub, "name") else {
            continue;
        };
        for (j, format) in list(sub, "formats").iter().enumerate() {
            let Some(value) = text(format, "value") else {
                continue;
            };
            let facts = NetlinkFacts {
                attribute_set: text(format, "attribute-set"),
                fixed_header: text(format, "fixed-header"),
                ..Default::default()
            };
            let parent = Some(r.scoped(&name));
            r.push(
                ItemKind::NetlinkSubMessage,
                parent,
                &value,
                &format!("/sub-messages/{i}/formats/{j}"),
                facts,
            );
        }
    }
    r.out
}

/// A definition and its entries or members.
fn definition(r: &mut Reader, def: &Value, pointer: &str) {
    let (Some(name), Some(ty)) = (text(def, "name"), text(def, "type")) else {
        return;
    };
    let mut facts = NetlinkFacts {
        ty: Some(ty.clone()),
        header: text(def, "header"),
        scope: text(def, "scope"),
        ..Default::default()
    };
    let parent = Some(r.scoped(&name));
    match ty.as_str() {
        "const" => {
            facts.c_name = Some(c_upper(&format!("{}-{name}", r.ident)));
            match def.get("value") {
                Some(Value::Number(n)) => facts.value = n.as_i64().map(i128::from),
                Some(other) => {
                    facts.value_text =
                        Some(other.as_str().map_or(other.to_string(), str::to_string))
                }
                None => {}
            }
        }
        "enum" | "flags" => {
            let flags = ty == "flags";
            facts.c_name = match def.get("enum-name") {
                Some(Value::String(s)) if !s.is_empty() => Some(c_lower(s)),
                Some(_) => None,
                None => Some(c_lower(&format!("{}-{name}", r.ident))),
            };
            let prefix = text(def, "name-prefix").unwrap_or(format!("{}-{name}-", r.ident));
            let start = match def.get("value-start") {
                None => Some(0),
                Some(v) => v.as_i64().map(i128::from),
            };
            let mut next = start;
            let mut mask: Option<i128> = Some(0);
            let mut last: Option<i128> = None;
            for (j, entry) in list(def, "entries").iter().enumerate() {
                let (entry_name, explicit) = match entry {
                    Value::String(s) => (s.clone(), None),
                    other => match text(other, "name") {
                        Some(n) => (n, int(other, "value")),
                        None => continue,
                    },
                };
                let raw = explicit.or(next);
                next = raw.map(|v| v + 1);
                let value = raw.and_then(|v| {
                    if flags {
                        1i128.checked_shl(v.try_into().ok()?)
                    } else {
                        Some(v)
                    }
                });
                mask = mask.zip(value).map(|(m, v)| m + v);
                last = value;
                let entry_pointer = format!("{pointer}/entries/{j}");
                if raw.is_none() {
                    r.note(&entry_pointer, format!("{}: the value of `{entry_name}` cannot be computed (`value-start` is not an integer)", r.family));
                }
                let entry_facts = NetlinkFacts {
                    value,
                    c_name: Some(c_upper(&format!("{prefix}{entry_name}"))),
                    ..Default::default()
                };
                r.push(
                    ItemKind::NetlinkEntry,
                    parent.clone(),
                    &entry_name,
                    &entry_pointer,
                    entry_facts,
                );
            }
            if def.get("render-max").and_then(Value::as_bool) == Some(true) {
                if flags {
                    if let Some(mask) = mask {
                        facts
                            .sentinels
                            .insert(c_upper(&format!("{prefix}mask")), mask);
                    }
                } else if let Some(last) = last {
                    let max = c_upper(&format!("{prefix}max"));
                    facts.sentinels.insert(format!("__{max}"), last + 1);
                    facts.sentinels.insert(max, last);
                }
            }
        }
        "struct" => {
            for (j, member) in list(def, "members").iter().enumerate() {
                let Some(member_name) = text(member, "name") else {
                    continue;
                };
                let member_facts = NetlinkFacts {
                    value: Some(j as i128),
                    ty: text(member, "type"),
                    byte_order: text(member, "byte-order"),
                    len: text(member, "len"),
                    enum_name: text(member, "enum"),
                    ..Default::default()
                };
                r.push(
                    ItemKind::NetlinkMember,
                    parent.clone(),
                    &member_name,
                    &format!("{pointer}/members/{j}"),
                    member_facts,
                );
            }
        }
        _ => {}
    }
    let family = Some(r.family.clone());
    r.push(ItemKind::NetlinkDefinition, family, &name, pointer, facts);
}

/// The C prefix of a set's attribute names.
fn set_prefix(r: &Reader, set: &Value) -> String {
    let name = text(set, "name").unwrap_or_default();
    let prefix = match text(set, "name-prefix") {
        Some(p) => p,
        None if name == r.family => format!("{}-a-", r.ident),
        None => format!("{}-a-{name}-", r.ident),
    };
    c_upper(&prefix)
}

/// An attribute set and its attributes. A subset (`subset-of`) lists attributes of another set:
/// its item names them, and the attributes stay the items of the set that defines them.
fn attribute_set(r: &mut Reader, set: &Value, pointer: &str, prefixes: &BTreeMap<String, String>) {
    let Some(name) = text(set, "name") else {
        return;
    };
    let family = Some(r.family.clone());
    if let Some(of) = text(set, "subset-of") {
        let facts = NetlinkFacts {
            subset_of: Some(of),
            attributes: list(set, "attributes")
                .iter()
                .filter_map(|a| text(a, "name"))
                .collect(),
            ..Default::default()
        };
        r.push(ItemKind::NetlinkAttributeSet, family, &name, pointer, facts);
        return;
    }
    let prefix = prefixes.get(&name).cloned().unwrap_or_default();
    let parent = Some(r.scoped(&name));
    let mut next = r.first_id;
    let mut last: Option<Option<i128>> = None;
    for (j, attr) in list(set, "attributes").iter().enumerate() {
        let Some(attr_name) = text(attr, "name") else {
            continue;
        };
        let value = int(attr, "value").or(next);
        next = value.map(|v| v + 1);
        last = Some(value);
        let checks = attr
            .get("checks")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_string)))
                    .collect()
            })
            .unwrap_or_default();
        let attr_prefix = text(attr, "name-prefix").map_or(prefix.clone(), |p| c_upper(&p));
        let facts = NetlinkFacts {
            value,
            unresolved: value.is_none().then(|| FIRST_ID_UNKNOWN.to_string()),
            c_name: Some(format!("{attr_prefix}{}", c_upper(&attr_name))),
            ty: text(attr, "type"),
            byte_order: text(attr, "byte-order"),
            checks,
            nested_attributes: text(attr, "nested-attributes"),
            multi_attr: attr.get("multi-attr").and_then(Value::as_bool) == Some(true),
            enum_name: text(attr, "enum"),
            enum_as_flags: attr.get("enum-as-flags").and_then(Value::as_bool) == Some(true),
            sub_type: text(attr, "sub-type"),
            struct_name: text(attr, "struct"),
            len: text(attr, "len"),
            sub_message: text(attr, "sub-message"),
            selector: text(attr, "selector"),
            ..Default::default()
        };
        r.push(
            ItemKind::NetlinkAttribute,
            parent.clone(),
            &attr_name,
            &format!("{pointer}/attributes/{j}"),
            facts,
        );
    }
    let count = match last {
        None => Some(0),
        Some(last) => last.map(|v| v + 1),
    };
    let cnt_name = c_upper(&text(set, "attr-cnt-name").unwrap_or(format!("__{prefix}max")));
    let max_name = c_upper(&text(set, "attr-max-name").unwrap_or(format!("{prefix}max")));
    let mut facts = NetlinkFacts {
        value: count,
        unresolved: count.is_none().then(|| FIRST_ID_UNKNOWN.to_string()),
        c_name: Some(cnt_name.clone()),
        ..Default::default()
    };
    if let Some(count) = count {
        facts.sentinels.insert(cnt_name, count);
        facts.sentinels.insert(max_name, count - 1);
    }
    r.push(ItemKind::NetlinkAttributeSet, family, &name, pointer, facts);
}

/// The operations, and the sentinels of their enum (`__<PREFIX>MAX`, `<PREFIX>MAX`, named by the
/// family's `cmd-cnt-name` and `cmd-max-name` when it has them) for the family.
fn operations(r: &mut Reader, spec: &Value, ops: &Value) -> BTreeMap<String, i128> {
    let family_name = r.family.clone();
    let prefix = c_upper(&text(ops, "name-prefix").unwrap_or(format!("{family_name}-cmd-")));
    let async_prefix = text(ops, "async-prefix").map(|p| c_upper(&p));
    let directional = text(ops, "enum-model").as_deref() == Some("directional");
    // The unified model's counter, the directional model's two, and the async enum's (C's).
    let mut next = r.first_id;
    let (mut next_request, mut next_reply) = (r.first_id, r.first_id);
    let mut next_async: i128 = 0;
    let mut last_main: Option<Option<i128>> = None;
    let op_list = list(ops, "list");
    // Which operations another one's `notify` shares its attribute set with.
    let sets: BTreeMap<String, String> = op_list
        .iter()
        .filter_map(|o| Some((text(o, "name")?, text(o, "attribute-set")?)))
        .collect();
    for (i, op) in op_list.iter().enumerate() {
        let Some(name) = text(op, "name") else {
            continue;
        };
        let pointer = format!("/operations/list/{i}");
        let is_async = op.get("notify").is_some() || op.get("event").is_some();
        let mut facts = NetlinkFacts {
            attribute_set: text(op, "attribute-set")
                .or_else(|| sets.get(&text(op, "notify")?).cloned()),
            flags: strings(op, "flags"),
            notify: text(op, "notify"),
            mcgrp: text(op, "mcgrp"),
            fixed_header: text(op, "fixed-header"),
            dont_validate: strings(op, "dont-validate"),
            ..Default::default()
        };
        for mode in ["do", "dump", "notify", "event"] {
            if op.get(mode).is_some() {
                facts.modes.push(mode.to_string());
            }
        }
        for mode in ["do", "dump"] {
            for part in ["request", "reply"] {
                if let Some(msg) = op.get(mode).and_then(|m| m.get(part)) {
                    facts
                        .messages
                        .insert(format!("{mode}-{part}"), strings(msg, "attributes"));
                }
            }
        }
        if let Some(event) = op.get("event") {
            facts
                .messages
                .insert("event".to_string(), strings(event, "attributes"));
        }
        if directional {
            directional_ids(op, is_async, &mut next_request, &mut next_reply, &mut facts);
            facts.c_name = Some(format!("{prefix}{}", c_upper(&name)));
        } else if let (true, Some(async_prefix)) = (is_async, &async_prefix) {
            // Its own enum, as C numbers it (the spec's running count does not reach the header).
            let value = int(op, "value").unwrap_or(next_async);
            next_async = value + 1;
            next = int(op, "value").or(next).map(|v| v + 1);
            facts.value = Some(value);
            facts.c_name = Some(format!("{async_prefix}{}", c_upper(&name)));
        } else {
            let value = int(op, "value").or(next);
            next = value.map(|v| v + 1);
            last_main = Some(value);
            facts.value = value;
            facts.c_name = Some(format!("{prefix}{}", c_upper(&name)));
        }
        if facts.value.is_none() && facts.request_value.is_none() && facts.reply_value.is_none() {
            facts.unresolved = Some(FIRST_ID_UNKNOWN.to_string());
        }
        r.push(
            ItemKind::NetlinkOperation,
            Some(family_name.clone()),
            &name,
            &pointer,
            facts,
        );
    }
    let mut sentinels = BTreeMap::new();
    let count = match last_main {
        None => Some(0),
        Some(last) => last.map(|v| v + 1),
    };
    if let (false, Some(count)) = (directional, count) {
        let cnt_name = c_upper(&text(spec, "cmd-cnt-name").unwrap_or(format!("__{prefix}MAX")));
        let max_name = c_upper(&text(spec, "cmd-max-name").unwrap_or(format!("{prefix}MAX")));
        sentinels.insert(cnt_name, count);
        sentinels.insert(max_name, count - 1);
    }
    sentinels
}

/// The `directional` model (Documentation/userspace-api/netlink/specs.rst): requests and replies
/// are numbered apart, each from 1; a notification or event takes a reply id only; a request or
/// reply `value` restarts its count.
fn directional_ids(
    op: &Value,
    is_async: bool,
    next_request: &mut Option<i128>,
    next_reply: &mut Option<i128>,
    facts: &mut NetlinkFacts,
) {
    if is_async {
        let reply = int(op, "value").or(*next_reply);
        facts.reply_value = reply;
        *next_reply = reply.map(|v| v + 1);
        return;
    }
    let Some(mode) = op.get("do").or_else(|| op.get("dump")) else {
        return;
    };
    let request = mode
        .get("request")
        .and_then(|m| int(m, "value"))
        .or(*next_request);
    facts.request_value = request;
    *next_request = request.map(|v| v + 1);
    if mode.get("reply").is_some() {
        let reply = mode
            .get("reply")
            .and_then(|m| int(m, "value"))
            .or(*next_reply);
        facts.reply_value = reply;
        *next_reply = reply.map(|v| v + 1);
    }
}

/// Whether an attribute list is a subset's (names only, no types).
fn value_is_subset(list: &[Value]) -> bool {
    list.iter().all(|a| a.get("type").is_none())
}

/// The item as its spec writes it, for before/after rendering: its YAML re-emitted compactly
/// (one line, JSON syntax, at most a few hundred characters).
fn yaml_excerpt(value: Option<&Value>) -> String {
    const MAX: usize = 300;
    let Some(value) = value else {
        return String::new();
    };
    let mut v = value.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("doc");
        // What is an item of its own (a family's sets and operations, a set's attributes, a
        // definition's entries and members) is left to that item: a subset keeps its names.
        map.retain(|key, value| match (key.as_str(), value) {
            ("attributes", Value::Array(list)) if value_is_subset(list) => true,
            (_, Value::Array(_)) => !matches!(
                key.as_str(),
                "attributes"
                    | "entries"
                    | "members"
                    | "definitions"
                    | "attribute-sets"
                    | "sub-messages"
            ),
            (_, Value::Object(_)) => !matches!(key.as_str(), "operations" | "mcast-groups"),
            _ => true,
        });
    }
    let mut s = v.to_string();
    if s.len() > MAX {
        let mut cut = MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}
