//! Which builds compile a property's creation: the `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`
//! branches around its call, read line by line (nesting kept, comments skipped). Code under a
//! condition that no build can meet (`#if 0`, `#ifdef NAME` where nothing in the tree defines
//! NAME: `AMD_PRIVATE_COLOR`) is not uAPI: the property is left out, with a note per condition.
//! Under a `CONFIG_*` condition it is uAPI in the configurations that set it, and the property
//! says which (`Property::conditions`). A condition the tool cannot decide (a comparison, a name
//! defined somewhere) keeps the property, with the condition as written.
//!
//! "Defined anywhere" is the caller's: it knows the tree (the DRM sources, `include/drm`,
//! `include/linux`, the `-D` flags of the drivers' Makefiles); `names` says what it must look up
//! and `defined_names` lists the names one file defines.

use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};

use memchr::memmem;

use super::{KmsModel, SourceFile};

/// A preprocessor condition, as far as deciding it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expr {
    Const(bool),
    /// `defined(NAME)`, `#ifdef NAME`.
    Defined(String),
    /// A bare identifier in `#if`: its value (0 when not defined).
    Value(String),
    /// `IS_ENABLED(NAME)`, `IS_BUILTIN(NAME)`, `IS_MODULE(NAME)`, `IS_REACHABLE(NAME)`.
    Macro {
        function: String,
        name: String,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// Anything else (a comparison, arithmetic), as written.
    Opaque(String),
}

/// Functions of kconfig.h that test a config option.
const CONFIG_TESTS: &[&str] = &["IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE"];

fn is_config(name: &str) -> bool {
    name.starts_with("CONFIG_")
}

impl Expr {
    /// The expression with what `defined` decides folded away: a name that is not a config
    /// option and that nothing defines is 0 / not defined; config options and names defined
    /// somewhere stay as they are (their value depends on the build).
    fn simplify(&self, defined: &dyn Fn(&str) -> bool) -> Expr {
        let undecided = |name: &str| is_config(name) || defined(name);
        match self {
            Expr::Defined(n) | Expr::Value(n) | Expr::Macro { name: n, .. } if !undecided(n) => {
                Expr::Const(false)
            }
            Expr::Not(e) => match e.simplify(defined) {
                Expr::Const(b) => Expr::Const(!b),
                e => Expr::Not(Box::new(e)),
            },
            Expr::And(es) | Expr::Or(es) => {
                let is_and = matches!(self, Expr::And(_));
                let mut kept = Vec::new();
                for e in es {
                    match e.simplify(defined) {
                        // false decides a conjunction, true a disjunction.
                        Expr::Const(b) if b != is_and => return Expr::Const(b),
                        Expr::Const(_) => {}
                        e => kept.push(e),
                    }
                }
                match kept.len() {
                    0 => Expr::Const(is_and),
                    1 => kept.remove(0),
                    _ if is_and => Expr::And(kept),
                    _ => Expr::Or(kept),
                }
            }
            e => e.clone(),
        }
    }

    /// The names (other than config options) whose definition decides the expression.
    fn names(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Defined(n) | Expr::Value(n) | Expr::Macro { name: n, .. } => {
                if !is_config(n) {
                    out.insert(n.clone());
                }
            }
            Expr::Not(e) => e.names(out),
            Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| e.names(out)),
            Expr::Const(_) | Expr::Opaque(_) => {}
        }
    }

    /// The top-level conjuncts, each rendered: a config option by its name (`CONFIG_X`,
    /// `!CONFIG_X`), anything else as C.
    fn conjuncts(&self) -> Vec<String> {
        match self {
            Expr::And(es) => es.iter().map(Expr::render).collect(),
            Expr::Const(true) => Vec::new(),
            e => vec![e.render()],
        }
    }

    fn render(&self) -> String {
        let nested = |e: &Expr| match e {
            Expr::And(_) | Expr::Or(_) => format!("({})", e.render()),
            Expr::Opaque(t) => format!("({t})"),
            _ => e.render(),
        };
        match self {
            Expr::Const(b) => u8::from(*b).to_string(),
            Expr::Defined(n) | Expr::Value(n) if is_config(n) => n.clone(),
            Expr::Defined(n) => format!("defined({n})"),
            Expr::Value(n) => n.clone(),
            Expr::Macro { function, name } if function == "IS_ENABLED" => name.clone(),
            Expr::Macro { function, name } => format!("{function}({name})"),
            Expr::Not(e) => format!("!{}", nested(e)),
            Expr::And(es) => es.iter().map(nested).collect::<Vec<_>>().join(" && "),
            Expr::Or(es) => es.iter().map(nested).collect::<Vec<_>>().join(" || "),
            Expr::Opaque(t) => t.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Number(String),
    Punct(&'static str),
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' || c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = text[start..i].to_string();
            out.push(if c.is_ascii_digit() {
                Token::Number(word)
            } else {
                Token::Ident(word)
            });
        } else {
            let punct = ["&&", "||", "(", ")"]
                .into_iter()
                .find(|p| b[i..].starts_with(p.as_bytes()));
            let punct = match punct {
                Some(p) => p,
                // `!` but not `!=`.
                None if c == b'!' && b.get(i + 1) != Some(&b'=') => "!",
                None => return None,
            };
            out.push(Token::Punct(punct));
            i += punct.len();
        }
    }
    Some(out)
}

/// An `#if`/`#elif` expression; what this grammar does not cover is `Opaque`.
fn parse_condition(text: &str) -> Expr {
    let opaque = || Expr::Opaque(text.split_whitespace().collect::<Vec<_>>().join(" "));
    let Some(tokens) = tokens(text) else {
        return opaque();
    };
    let mut p = Parser { tokens, at: 0 };
    match p.or(0) {
        Some(e) if p.at == p.tokens.len() => e,
        _ => opaque(),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

/// Nesting deeper than this is `Opaque` (bounded recursion on any input).
const MAX_NESTING: usize = 32;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Punct(p)) if *p == punct);
        self.at += usize::from(found);
        found
    }

    fn ident(&mut self) -> Option<String> {
        match self.tokens.get(self.at)? {
            Token::Ident(n) => {
                self.at += 1;
                Some(n.clone())
            }
            _ => None,
        }
    }

    fn or(&mut self, depth: usize) -> Option<Expr> {
        let mut es = vec![self.and(depth)?];
        while self.eat("||") {
            es.push(self.and(depth)?);
        }
        Some(if es.len() == 1 {
            es.remove(0)
        } else {
            Expr::Or(es)
        })
    }

    fn and(&mut self, depth: usize) -> Option<Expr> {
        let mut es = vec![self.unary(depth)?];
        while self.eat("&&") {
            es.push(self.unary(depth)?);
        }
        Some(if es.len() == 1 {
            es.remove(0)
        } else {
            Expr::And(es)
        })
    }

    fn unary(&mut self, depth: usize) -> Option<Expr> {
        if depth > MAX_NESTING {
            return None;
        }
        if self.eat("!") {
            return Some(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.eat("(") {
            let e = self.or(depth + 1)?;
            return self.eat(")").then_some(e);
        }
        match self.tokens.get(self.at)?.clone() {
            Token::Number(n) => {
                self.at += 1;
                let digits = n.trim_end_matches(['u', 'U', 'l', 'L']);
                let zero = digits
                    .strip_prefix("0x")
                    .or_else(|| digits.strip_prefix("0X"))
                    .unwrap_or(digits)
                    .bytes()
                    .all(|d| d == b'0');
                let valid = digits
                    .bytes()
                    .all(|d| d.is_ascii_hexdigit() || d == b'x' || d == b'X');
                valid.then_some(Expr::Const(!zero))
            }
            Token::Ident(name) if name == "defined" => {
                self.at += 1;
                let paren = self.eat("(");
                let n = self.ident()?;
                (!paren || self.eat(")")).then_some(Expr::Defined(n))
            }
            Token::Ident(function) if CONFIG_TESTS.contains(&function.as_str()) => {
                self.at += 1;
                if !self.eat("(") {
                    return None;
                }
                let name = self.ident()?;
                self.eat(")").then_some(Expr::Macro { function, name })
            }
            Token::Ident(name) => {
                self.at += 1;
                // A function-like macro call is not this grammar's.
                (!matches!(self.peek(), Some(Token::Punct("(")))).then_some(Expr::Value(name))
            }
            Token::Punct(_) => None,
        }
    }
}

/// One branch of a conditional around a line: what must hold to be in it, and how it is written
/// (for the note), with the line of its directive.
#[derive(Clone, Debug)]
struct Branch {
    requires: Expr,
    written: String,
    line: u32,
}

/// A conditional being read: its earlier branches' conditions (each false in the later ones).
struct Frame {
    opening: String,
    earlier: Vec<Expr>,
    current: Branch,
}

impl Frame {
    fn branch(&mut self, condition: Option<Expr>, written: String, line: u32) {
        if let Expr::And(es) = &self.current.requires {
            // The current branch's own condition is the last conjunct.
            if let Some(last) = es.last() {
                self.earlier.push(last.clone());
            }
        }
        let mut requires: Vec<Expr> = self
            .earlier
            .iter()
            .map(|e| Expr::Not(Box::new(e.clone())))
            .collect();
        requires.extend(condition);
        self.current = Branch {
            requires: Expr::And(requires),
            written,
            line,
        };
    }
}

/// The source with comments blanked, so that a directive is a line whose first non-blank byte is
/// `#`: each comment byte a blank and its line breaks kept (lines keep their numbers), or, as the
/// preprocessor reads it, each comment one blank (a directive goes on past a comment spanning
/// lines).
pub fn without_comments(bytes: &[u8], keep_line_breaks: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let end = memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |e| i + 2 + e + 2);
            match keep_line_breaks {
                true => out.extend(
                    bytes[i..end]
                        .iter()
                        .map(|&b| if b == b'\n' { b'\n' } else { b' ' }),
                ),
                false => out.push(b' '),
            }
            i = end;
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |e| i + e);
            out.resize(out.len() + end - i, b' ');
            i = end;
        } else if c == b'"' || c == b'\'' {
            // A literal (on one line) is copied whole: a `/*` inside is not a comment.
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != c && bytes[j] != b'\n' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(bytes.len());
            out.extend_from_slice(&bytes[i..end]);
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The branches around each of `lines` (1-based, any order), outermost first.
fn branches_at(bytes: &[u8], lines: &[u32]) -> BTreeMap<u32, Vec<Branch>> {
    let mut wanted: Vec<u32> = lines.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut wanted = wanted.into_iter().peekable();
    let mut out = BTreeMap::new();
    let clean = without_comments(bytes, true);
    let text = String::from_utf8_lossy(&clean);
    let mut stack: Vec<Frame> = Vec::new();
    let mut physical = text.split('\n').enumerate();
    while let Some((i, first)) = physical.next() {
        let line = i as u32 + 1;
        while wanted.next_if(|&w| w <= line).is_some_and(|w| w == line) {
            out.insert(line, stack.iter().map(|f| f.current.clone()).collect());
        }
        let Some(directive) = first.trim_start().strip_prefix('#') else {
            continue;
        };
        // Continuation lines join the directive.
        let mut directive = directive.to_string();
        while directive.trim_end().ends_with('\\') {
            directive = directive.trim_end().trim_end_matches('\\').to_string();
            match physical.next() {
                Some((_, next)) => directive.push_str(next),
                None => break,
            }
        }
        let directive = directive.trim();
        let (keyword, rest) = directive
            .split_once(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or((directive, ""));
        let rest = rest.trim();
        let written = format!("#{keyword} {rest}")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let name = || Expr::Defined(rest.split_whitespace().next().unwrap_or("").to_string());
        let opened = match keyword {
            "if" => Some(parse_condition(rest)),
            "ifdef" => Some(name()),
            "ifndef" => Some(Expr::Not(Box::new(name()))),
            _ => None,
        };
        if let Some(condition) = opened {
            stack.push(Frame {
                opening: written.clone(),
                earlier: Vec::new(),
                current: Branch {
                    requires: Expr::And(vec![condition]),
                    written,
                    line,
                },
            });
            continue;
        }
        let Some(frame) = stack.last_mut() else {
            continue;
        };
        match keyword {
            "elif" => frame.branch(Some(parse_condition(rest)), written, line),
            "elifdef" => frame.branch(Some(name()), written, line),
            "elifndef" => frame.branch(Some(Expr::Not(Box::new(name()))), written, line),
            "else" => {
                let written = format!("#else of `{}`", frame.opening);
                frame.branch(None, written, line)
            }
            "endif" => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

/// A condition no build meets, and the properties created only under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    pub file: String,
    /// The line of the condition's directive.
    pub line: u32,
    /// The directive as written (`#ifdef AMD_PRIVATE_COLOR`, ``#else of `#if 1` ``).
    pub condition: String,
    pub properties: Vec<String>,
}

/// The branches around every creation site of a model's properties (the first site, then
/// `other_sites`), read from the files once each.
pub struct Guards {
    /// Per property, per site: the branches around it, outermost first.
    sites: Vec<Vec<(String, Vec<Branch>)>>,
}

fn site(s: &str) -> Option<(&str, u32)> {
    let (file, line) = s.rsplit_once(':')?;
    Some((file, line.parse().ok()?))
}

impl Guards {
    pub fn of(model: &KmsModel, files: &[SourceFile]) -> Guards {
        let sites_of = |p: &super::Property| -> Vec<(String, u32)> {
            std::iter::once((p.file.clone(), p.line))
                .chain(
                    p.other_sites
                        .iter()
                        .filter_map(|s| site(s).map(|(f, l)| (f.to_string(), l))),
                )
                .collect()
        };
        let mut lines: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        let all: Vec<Vec<(String, u32)>> = model.properties.iter().map(sites_of).collect();
        for (file, line) in all.iter().flatten() {
            lines.entry(file.as_str()).or_default().push(*line);
        }
        let by_path: FxHashMap<&str, &SourceFile> = files.iter().map(|f| (f.path, f)).collect();
        let branches: BTreeMap<&str, BTreeMap<u32, Vec<Branch>>> = lines
            .iter()
            .filter_map(|(file, lines)| Some((*file, branches_at(by_path.get(file)?.bytes, lines))))
            .collect();
        let sites = all
            .iter()
            .map(|sites| {
                sites
                    .iter()
                    .map(|(file, line)| {
                        let around = branches
                            .get(file.as_str())
                            .and_then(|b| b.get(line))
                            .cloned()
                            .unwrap_or_default();
                        (file.clone(), around)
                    })
                    .collect()
            })
            .collect();
        Guards { sites }
    }

    /// The names (other than config options) whose definition anywhere in the tree decides
    /// whether a site is compiled.
    pub fn names(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (_, branches) in self.sites.iter().flatten() {
            branches.iter().for_each(|b| b.requires.names(&mut out));
        }
        out
    }

    /// Leaves out of `model` the properties no build compiles at any site (returned, one entry per
    /// condition); gives the others the conditions they are compiled under. The model's
    /// properties must be those `Guards::of` read, in the same order.
    pub fn apply(self, model: &mut KmsModel, defined: &dyn Fn(&str) -> bool) -> Vec<LeftOut> {
        let mut left_out: BTreeMap<(String, u32, String), Vec<String>> = BTreeMap::new();
        let mut kept = Vec::new();
        for (mut p, sites) in std::mem::take(&mut model.properties)
            .into_iter()
            .zip(self.sites)
        {
            let mut compiled: Vec<(String, Vec<String>)> = Vec::new();
            let mut first_never = None;
            for (file, branches) in &sites {
                let simplified: Vec<Expr> = branches
                    .iter()
                    .map(|b| b.requires.simplify(defined))
                    .collect();
                match simplified.iter().position(|e| *e == Expr::Const(false)) {
                    Some(i) => {
                        let b = &branches[i];
                        first_never.get_or_insert((file.clone(), b.line, b.written.clone()));
                    }
                    None => {
                        let conditions = simplified.iter().flat_map(Expr::conjuncts).collect();
                        compiled.push((file.clone(), conditions));
                    }
                }
            }
            if compiled.is_empty() {
                if let Some(key) = first_never {
                    left_out.entry(key).or_default().push(p.name.clone());
                }
                continue;
            }
            // Compiled wherever one of its compiled sites is.
            p.conditions = if compiled.iter().any(|(_, c)| c.is_empty()) {
                Vec::new()
            } else if compiled.iter().all(|(_, c)| *c == compiled[0].1) {
                compiled[0].1.clone()
            } else {
                let each: Vec<String> = compiled
                    .iter()
                    .map(|(_, c)| format!("({})", c.join(" && ")))
                    .collect();
                vec![each.join(" || ")]
            };
            kept.push(p);
        }
        model.properties = kept;
        left_out
            .into_iter()
            .map(|((file, line, condition), mut properties)| {
                properties.sort();
                properties.dedup();
                LeftOut {
                    file,
                    line,
                    condition,
                    properties,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simplified(text: &str, defined: &[&str]) -> String {
        parse_condition(text)
            .simplify(&|n| defined.contains(&n))
            .render()
    }

    #[test]
    fn conditions_fold_what_the_tree_decides() {
        assert_eq!(simplified("0", &[]), "0");
        assert_eq!(simplified("defined(PRIVATE)", &[]), "0");
        assert_eq!(
            simplified("defined(PRIVATE)", &["PRIVATE"]),
            "defined(PRIVATE)"
        );
        assert_eq!(
            simplified("IS_ENABLED(CONFIG_X) && !defined(P)", &[]),
            "CONFIG_X"
        );
        assert_eq!(simplified("defined CONFIG_X || PRIVATE", &[]), "CONFIG_X");
        assert_eq!(
            simplified("IS_MODULE(CONFIG_X)", &[]),
            "IS_MODULE(CONFIG_X)"
        );
        // A comparison is not decided: kept as written.
        assert_eq!(
            simplified("LINUX_VERSION_CODE >= 5", &[]),
            "LINUX_VERSION_CODE >= 5"
        );
        assert_eq!(simplified("X != 0", &[]), "X != 0");
        // An expression with a part the grammar does not cover is kept whole (conservative).
        assert_eq!(
            simplified("defined(P) && X > 1", &[]),
            "defined(P) && X > 1"
        );
    }

    #[test]
    fn branches_follow_nesting_else_and_comments() {
        let src = b"#ifdef A\n\
a();\n\
#else /* not A */\n\
b();\n\
# if defined(B) && \\\n  C\n\
c();\n\
# elif 0\n\
d();\n\
# endif\n\
#endif\n\
/*\n#if 0\n*/\n\
e();\n";
        let at = branches_at(src, &[2, 4, 7, 9, 15]);
        let written =
            |l: u32| -> Vec<String> { at[&l].iter().map(|b| b.written.clone()).collect() };
        assert_eq!(written(2), ["#ifdef A"]);
        assert_eq!(written(4), ["#else of `#ifdef A`"]);
        assert_eq!(written(7), ["#else of `#ifdef A`", "#if defined(B) && C"]);
        assert_eq!(written(9), ["#else of `#ifdef A`", "#elif 0"]);
        assert!(at[&15].is_empty(), "a directive in a comment is none");
        let none = |_: &str| false;
        let render = |l: u32| -> Vec<String> {
            at[&l]
                .iter()
                .map(|b| b.requires.simplify(&none).render())
                .collect()
        };
        assert_eq!(render(4), ["1"]);
        assert_eq!(render(9), ["1", "0"]);
    }
}
