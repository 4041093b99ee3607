//! A spec's or schema's YAML read into JSON values (what JSON Schema validates and the spec reader
//! walks), with the line of every node by its JSON pointer (`/attribute-sets/0/attributes/3`),
//! so each item and each note names its line.

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// A YAML document as JSON, and the line (1-based) where each node starts.
pub struct Document {
    pub value: Value,
    lines: HashMap<String, u32>,
}

impl Document {
    /// The line of the node at `pointer`, or of its closest ancestor that has one.
    pub fn line(&self, pointer: &str) -> u32 {
        let mut p = pointer;
        loop {
            if let Some(line) = self.lines.get(p) {
                return *line;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return 1,
            }
        }
    }
}

/// Why a text is no YAML document we can read, with the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub message: String,
}

/// Anchors and aliases may expand to at most this many nodes (a "billion laughs" spec is refused).
const ALIAS_LIMIT: usize = 100_000;

/// Reads the first document of `text`. Duplicate keys keep the last value, as the kernel's own
/// tools (PyYAML) read them: the 6.12 netlink-raw schema repeats an `if` key.
pub fn parse(text: &str) -> Result<Document, YamlError> {
    let mut loader: YamlLoader<MarkedYaml> = YamlLoader::default();
    loader.allow_duplicate_keys(true);
    loader.alias_limit(ALIAS_LIMIT);
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let scan_error = |e: &saphyr::ScanError| YamlError {
        line: e.marker().line() as u32,
        message: e.info().to_string(),
    };
    parser
        .load(&mut loader, false)
        .map_err(|e| scan_error(&e))?;
    if let Some(e) = loader.error() {
        return Err(scan_error(e));
    }
    let Some(root) = loader.into_documents().into_iter().next() else {
        return Err(YamlError {
            line: 1,
            message: "no YAML document".to_string(),
        });
    };
    let mut lines = HashMap::new();
    let value = to_json(&root, String::new(), &mut lines, 0)?;
    Ok(Document { value, lines })
}

/// Nesting deeper than this is refused (no spec nests more than a dozen levels).
const MAX_DEPTH: usize = 64;

fn to_json(
    node: &MarkedYaml,
    pointer: String,
    lines: &mut HashMap<String, u32>,
    depth: usize,
) -> Result<Value, YamlError> {
    let line = node.span.start.line() as u32;
    if depth > MAX_DEPTH {
        return Err(YamlError {
            line,
            message: format!("nested deeper than {MAX_DEPTH} levels"),
        });
    }
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_to_json(scalar),
        YamlData::Representation(text, ..) => Value::String(text.to_string()),
        YamlData::Tagged(_, inner) => return to_json(inner, pointer, lines, depth + 1),
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(to_json(item, format!("{pointer}/{i}"), lines, depth + 1)?);
            }
            Value::Array(out)
        }
        YamlData::Mapping(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                let key = match &key.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(scalar) => match scalar_to_json(scalar) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                    _ => {
                        return Err(YamlError {
                            line: key.span.start.line() as u32,
                            message: "a mapping key that is not a scalar".to_string(),
                        })
                    }
                };
                let child = format!("{pointer}/{}", escape(&key));
                let v = to_json(item, child, lines, depth + 1)?;
                out.insert(key, v);
            }
            Value::Object(out)
        }
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(YamlError {
                line,
                message: "a value that cannot be read (an unresolved alias or a bad tag)"
                    .to_string(),
            })
        }
    };
    lines.insert(pointer, line.max(1));
    Ok(value)
}

fn scalar_to_json(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

/// A key as a JSON pointer token (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_lines() {
        let doc = parse("name: x\nlist:\n  -\n    a: 0x10\n  - b\ndup: 1\ndup: 2\n").unwrap();
        assert_eq!(doc.value["list"][0]["a"], 16);
        assert_eq!(doc.value["dup"], 2);
        assert_eq!(doc.line("/list/0/a"), 4);
        assert_eq!(doc.line("/list/1"), 5);
        assert_eq!(doc.line("/list/9/zz"), 3);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").err().unwrap();
        assert!(err.line >= 2, "{err:?}");
        assert!(parse("a: &x [*x]\n").is_err());
    }
}
