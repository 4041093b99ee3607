//! The macro layer: a macro table built from the first lines of the input (`NAME body` or
//! `NAME(params) body`, one per line), then the last line tokenized, expanded and evaluated
//! (`cpp::tokenize` + `expand` + `eval`, `eval_text`, `eval_condition`). Nothing may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use uapi_diff::cpp::{
    eval, eval_condition, eval_text, expand, tokenize, BasicSemantics, DataModel, MacroDef, Mode,
};

fn definition(line: &str) -> Option<MacroDef> {
    let line = line.trim_start();
    let name_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let (name, rest) = line.split_at(name_len);
    if name.is_empty() {
        return None;
    }
    match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((params, body)) => {
            let variadic = params.contains("...");
            let params: Vec<String> = params
                .split(',')
                .map(|p| p.trim().trim_end_matches("...").to_string())
                .filter(|p| !p.is_empty())
                .collect();
            MacroDef::function(name, &params, variadic, body).ok()
        }
        None => MacroDef::object(name, rest).ok(),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines: Vec<&str> = text.split('\n').collect();
    let expr = lines.pop().unwrap_or_default();
    let mut table = HashMap::new();
    for line in lines {
        if let Some(def) = definition(line) {
            table.insert(def.name.clone(), def);
        }
    }
    let lp64 = BasicSemantics(DataModel::Lp64);
    let ilp32 = BasicSemantics(DataModel::Ilp32);
    if let Ok(tokens) = tokenize(expr) {
        if let Ok(e) = expand(&tokens, &table, &["_IOC", "_IOWR"]) {
            let _ = eval(&e.tokens, Mode::Constant, &lp64);
            let _ = eval(&e.tokens, Mode::Preprocessor, &ilp32);
        }
    }
    let _ = eval_text(expr, &table, &ilp32, &[]);
    let _ = eval_condition(expr, &table, &lp64);
});
