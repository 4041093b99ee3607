use super::super::lex::tokens_to_string;
use super::*;
use std::collections::HashMap;

type Table = HashMap<String, MacroDef>;

/// Builds a table from `#define`-like lines: `NAME body` or `NAME(a,b) body`.
fn table(defs: &[&str]) -> Table {
    let mut t = Table::new();
    for d in defs {
        let d = d.trim();
        let name_end = d
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(d.len());
        let name = &d[..name_end];
        let rest = &d[name_end..];
        let def = if let Some(r) = rest.strip_prefix('(') {
            let close = r.find(')').unwrap();
            let params: Vec<String> = r[..close]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            MacroDef::function(name, &params, false, &r[close + 1..]).unwrap()
        } else {
            MacroDef::object(name, rest).unwrap()
        };
        t.insert(name.to_string(), def);
    }
    t
}

fn exp(t: &Table, src: &str) -> String {
    let e = expand(&tokenize(src).unwrap(), t, &[]).unwrap();
    tokens_to_string(&e.tokens)
}

fn exp_err(t: &Table, src: &str) -> CppError {
    expand(&tokenize(src).unwrap(), t, &[]).unwrap_err()
}

#[test]
fn object_like_and_rescan() {
    let t = table(&["A B + 1", "B 2", "EMPTY"]);
    assert_eq!(exp(&t, "A * A"), "2 + 1 * 2 + 1");
    assert_eq!(exp(&t, "x EMPTY y"), "x y");
    assert_eq!(exp(&t, ""), "");
}

#[test]
fn self_reference_expands_once() {
    let t = table(&["foo foo + 1"]);
    assert_eq!(exp(&t, "foo"), "foo + 1");
    let t = table(&["f(x) x + f(x)"]);
    assert_eq!(exp(&t, "f(1)"), "1 + f(1)");
    // The painted token stays unexpandable after being passed through another macro.
    let t = table(&["foo foo", "ID(x) x"]);
    assert_eq!(exp(&t, "ID(foo)"), "foo");
}

#[test]
fn mutual_recursion_terminates() {
    let t = table(&["a b", "b a"]);
    assert_eq!(exp(&t, "a"), "a");
    assert_eq!(exp(&t, "b"), "b");
    let t = table(&["f(x) g(x)", "g(x) f(x)"]);
    assert_eq!(exp(&t, "f(1)"), "f(1)");
}

#[test]
fn function_like_and_nested_parens() {
    let t = table(&["F(a,b) [a|b]", "G(x) x"]);
    assert_eq!(exp(&t, "F((1,2),(3))"), "[(1,2)|(3)]");
    assert_eq!(exp(&t, "F(G(1), G((2)))"), "[1|(2)]");
    assert_eq!(exp(&t, "F( , )"), "[|]");
    assert_eq!(exp(&t, "G()"), "");
}

#[test]
fn function_like_without_parens_left_alone() {
    let t = table(&["F(x) <x>", "G F", "H(y) y"]);
    assert_eq!(exp(&t, "F + 1"), "F + 1");
    assert_eq!(exp(&t, "F"), "F");
    // The `(` may come after the name is produced by another macro.
    assert_eq!(exp(&t, "G(1)"), "<1>");
    // Argument pre-expansion is isolated; the call happens on rescan.
    assert_eq!(exp(&t, "H(F)(2)"), "<2>");
}

#[test]
fn f_of_1_of_2_like_gcc() {
    let t = table(&["f(x) x f"]);
    assert_eq!(exp(&t, "f(1)(2)"), "1 f(2)");
}

#[test]
fn stringify() {
    let t = table(&["A(x) #x", "XS(x) A(x)", "E", "N 42"]);
    assert_eq!(
        exp(&t, r#"A( a  +  "b\n" 'c' '"')"#),
        r#""a + \"b\\n\" 'c' '\"'""#
    );
    assert_eq!(exp(&t, "A(N)"), "\"N\"");
    assert_eq!(exp(&t, "XS(N)"), "\"42\"");
    assert_eq!(exp(&t, "A()"), "\"\"");
    assert_eq!(exp(&t, "XS(E)"), "\"\"");
    let e = expand(&tokenize("A(x)").unwrap(), &t, &[]).unwrap();
    assert_eq!(e.tokens[0].kind, TokenKind::Str);
}

#[test]
fn paste() {
    let t = table(&[
        "CAT(a,b) a##b",
        "FOO_BAR 7",
        "P(a,b) a ## b",
        "OBJ x ## y",
        "ARROW - ## >",
        "XCAT(a,b) CAT(a,b)",
        "N 3",
    ]);
    assert_eq!(exp(&t, "CAT(FOO_,BAR)"), "7");
    assert_eq!(exp(&t, "CAT(,)"), "");
    assert_eq!(exp(&t, "CAT(a,)"), "a");
    assert_eq!(exp(&t, "CAT(,b)"), "b");
    assert_eq!(exp(&t, "P(1,e)"), "1e");
    assert_eq!(exp(&t, "P(x, 1 2)"), "x1 2");
    assert_eq!(exp(&t, "P(1 2, 3)"), "1 23");
    assert_eq!(exp(&t, "OBJ"), "xy");
    assert_eq!(exp(&t, "ARROW"), "->");
    // `##` operands are not pre-expanded; XCAT's are.
    assert_eq!(exp(&t, "CAT(N,N)"), "NN");
    assert_eq!(exp(&t, "XCAT(N,N)"), "33");
    let e = expand(&tokenize("CAT(0x,1f)").unwrap(), &t, &[]).unwrap();
    assert_eq!(e.tokens, vec![Token::new(TokenKind::Number, "0x1f", false)]);
    assert!(matches!(exp_err(&t, "CAT(.,x)"), CppError::Syntax(_)));
    assert!(matches!(exp_err(&t, "CAT(/,/)"), CppError::Syntax(_)));
    assert!(matches!(exp_err(&t, "CAT(+,-)"), CppError::Syntax(_)));
}

#[test]
fn chained_paste() {
    let t = table(&["C3(a,b,c) a ## b ## c", "abc 99"]);
    assert_eq!(exp(&t, "C3(a,b,c)"), "99");
    assert_eq!(exp(&t, "C3(,,)"), "");
    assert_eq!(exp(&t, "C3(a,,c)"), "ac");
}

#[test]
fn variadic() {
    let mut t = table(&["E"]);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    t.insert(
        "V".into(),
        MacroDef::function("V", &s(&["x"]), true, "f(x; __VA_ARGS__)").unwrap(),
    );
    t.insert(
        "G".into(),
        MacroDef::function("G", &s(&["x"]), true, "f(x , ## __VA_ARGS__)").unwrap(),
    );
    t.insert(
        "H".into(),
        MacroDef::function("H", &s(&["x", "args..."]), false, "h(x , ## args)").unwrap(),
    );
    t.insert(
        "K".into(),
        MacroDef::function("K", &[], true, "k(0 , ## __VA_ARGS__)").unwrap(),
    );
    t.insert(
        "S".into(),
        MacroDef::function("S", &[], true, "#__VA_ARGS__").unwrap(),
    );
    t.insert(
        "O".into(),
        MacroDef::function(
            "O",
            &s(&["x"]),
            true,
            "__VA_OPT__(x ## x) [__VA_OPT__()##x]",
        )
        .unwrap(),
    );
    t.insert(
        "Q".into(),
        MacroDef::function("Q", &s(&["a"]), true, "[a##__VA_ARGS__]").unwrap(),
    );
    t.insert(
        "W".into(),
        MacroDef::function("W", &[], true, "[__VA_OPT__(x)]").unwrap(),
    );
    assert_eq!(exp(&t, "V(1, 2, (3, 4))"), "f(1; 2, (3, 4))");
    assert_eq!(exp(&t, "V(1)"), "f(1;)");
    // These match gcc 12 -E output exactly (modulo spacing).
    assert_eq!(
        exp(&t, "G(a) G(a,) G(a,E) G(a,b,c)"),
        "f(a) f(a ,) f(a ,) f(a ,b,c)"
    );
    assert_eq!(exp(&t, "H(a) H(a,) H(a,b)"), "h(a) h(a ,) h(a ,b)");
    assert_eq!(exp(&t, "K() K(1)"), "k(0) k(0 ,1)");
    assert_eq!(exp(&t, "S(a, b,c)"), "\"a, b,c\"");
    assert_eq!(exp(&t, "O(a) O(a,1) O(,1)"), "[a] aa [a] []");
    assert_eq!(exp(&t, "Q(1) Q(1,2) Q(,2)"), "[1] [12] [2]");
    assert_eq!(exp(&t, "W(E) W() W(1)"), "[] [] [x]");
    assert_eq!(exp(&t, "V()"), "f(;)");
    let t2 = table(&["F(a,b) a"]);
    assert!(matches!(exp_err(&t2, "F(1)"), CppError::Syntax(_)));
    assert!(matches!(exp_err(&t2, "F(1,2,3)"), CppError::Syntax(_)));
    let t3 = table(&["Z() z"]);
    assert_eq!(exp(&t3, "Z()"), "z");
    assert!(matches!(exp_err(&t3, "Z(1)"), CppError::Syntax(_)));
}

#[test]
fn unterminated_invocation() {
    let t = table(&["F(x) x", "LP F("]);
    assert!(matches!(exp_err(&t, "F(1"), CppError::Syntax(_)));
    assert!(matches!(exp_err(&t, "LP"), CppError::Syntax(_)));
    assert_eq!(exp(&t, "LP 2)"), "2");
}

#[test]
fn watch_records_invocations() {
    let t = table(&["W(a,b) (a)+(b)", "N 5", "OBJ W(N, 1)", "X(y) y"]);
    let e = expand(
        &tokenize("OBJ + W(X(W(1,2)), N)").unwrap(),
        &t,
        &["W", "OBJ"],
    )
    .unwrap();
    let names: Vec<&str> = e.invocations.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["OBJ", "W", "W", "W"]);
    assert_eq!(e.invocations[0].raw_args.len(), 0);
    let w1 = &e.invocations[1];
    assert_eq!(tokens_to_string(&w1.raw_args[0]), "N");
    assert_eq!(tokens_to_string(&w1.expanded_args[0]), "5");
    let w2 = &e.invocations[2];
    assert_eq!(tokens_to_string(&w2.raw_args[0]), "X(W(1,2))");
    assert_eq!(tokens_to_string(&w2.expanded_args[0]), "(1)+(2)");
    assert_eq!(tokens_to_string(&w2.expanded_args[1]), "5");
    let w3 = &e.invocations[3];
    assert_eq!(tokens_to_string(&w3.raw_args[1]), "2");
    assert_eq!(tokens_to_string(&e.tokens), "(5)+(1) + ((1)+(2))+(5)");
}

#[test]
fn watch_records_unused_and_pasted_args_without_duplicates() {
    let t = table(&["U(a,b) a", "V(a) #a", "N 1", "M U(N,N)"]);
    let e = expand(&tokenize("U(N, M) V(M)").unwrap(), &t, &["U"]).unwrap();
    // U(N, M) records once; the unused argument M is expanded for the record without recording
    // the U inside it; V(M) stringifies so M is never expanded at all.
    assert_eq!(e.invocations.len(), 1);
    assert_eq!(tokens_to_string(&e.invocations[0].expanded_args[1]), "1");
    assert_eq!(tokens_to_string(&e.tokens), "1 \"M\"");
}

#[test]
fn too_deep_chain_object_like() {
    let mut t = Table::new();
    for i in 0..10_000 {
        t.insert(
            format!("M{i}"),
            MacroDef::object(&format!("M{i}"), &format!("M{}", i + 1)).unwrap(),
        );
    }
    assert_eq!(exp_err(&t, "M0"), CppError::TooDeep);
    // A short chain is fine.
    assert_eq!(exp(&t, "M9990"), "M10000");
}

#[test]
fn too_deep_chain_function_like_and_nested_args() {
    let mut t = Table::new();
    let s = |v: &str| vec![v.to_string()];
    for i in 0..10_000 {
        t.insert(
            format!("L{i}"),
            MacroDef::function(&format!("L{i}"), &s("x"), false, &format!("L{}(x)", i + 1))
                .unwrap(),
        );
    }
    assert_eq!(exp_err(&t, "L0(1)"), CppError::TooDeep);
    let t = table(&["F(x) x"]);
    let src = format!("{}1{}", "F(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(exp_err(&t, &src), CppError::TooDeep);
    let src = format!("{}1{}", "F(".repeat(50), ")".repeat(50));
    assert_eq!(exp(&t, &src), "1");
}

#[test]
fn too_large_blowup() {
    let mut defs = vec!["A0 x x x x x x x x x x".to_string()];
    for i in 1..8 {
        defs.push(format!(
            "A{i} {}",
            vec![format!("A{}", i - 1); 10].join(" ")
        ));
    }
    let refs: Vec<&str> = defs.iter().map(|s| s.as_str()).collect();
    let t = table(&refs);
    assert_eq!(exp_err(&t, "A7"), CppError::TooLarge);
    // 10^4 tokens is fine.
    let e = expand(&tokenize("A3").unwrap(), &t, &[]).unwrap();
    assert_eq!(e.tokens.len(), 10_000);
    // Exponential growth through arguments.
    let t = table(&["D(x) x x"]);
    let src = format!("{}1{}", "D(".repeat(40), ")".repeat(40));
    assert_eq!(exp_err(&t, &src), CppError::TooLarge);
    // Exponential text growth through pasting.
    let t = table(&["P(a,b) a##b", "D(x) P(x,x)"]);
    let src = format!("{}x{}", "D(".repeat(60), ")".repeat(60));
    assert_eq!(exp_err(&t, &src), CppError::TooLarge);
}

#[test]
fn custom_limits() {
    let t = table(&["A B", "B C", "C 1"]);
    let lim = ExpandLimits {
        max_depth: 2,
        ..ExpandLimits::default()
    };
    assert_eq!(
        expand_with_limits(&tokenize("A").unwrap(), &t, &[], lim).unwrap_err(),
        CppError::TooDeep
    );
    let lim = ExpandLimits {
        max_tokens: 2,
        ..ExpandLimits::default()
    };
    assert_eq!(
        expand_with_limits(&tokenize("A A A").unwrap(), &t, &[], lim).unwrap_err(),
        CppError::TooLarge
    );
}

#[test]
fn defined_operator_for_conditions() {
    let t = table(&["FOO 1", "D defined(FOO)", "ID(x) x", "F(x) x"]);
    let run = |s: &str| {
        expand_for_condition(&tokenize(s).unwrap(), &t).map(|e| tokens_to_string(&e.tokens))
    };
    assert_eq!(run("defined FOO && defined(BAR)").unwrap(), "1 && 0");
    assert_eq!(run("defined(F) + defined F").unwrap(), "1 + 1");
    assert_eq!(run("D").unwrap(), "1");
    // Like gcc: the argument is pre-expanded, giving `defined 1`.
    assert!(matches!(run("ID(defined FOO)"), Err(CppError::Syntax(_))));
    assert!(matches!(run("defined"), Err(CppError::Syntax(_))));
    assert!(matches!(run("defined(FOO"), Err(CppError::Syntax(_))));
    assert!(matches!(run("defined 1"), Err(CppError::Syntax(_))));
    // Plain expansion leaves `defined` alone.
    let e = expand(&tokenize("defined FOO").unwrap(), &t, &[]).unwrap();
    assert_eq!(tokens_to_string(&e.tokens), "defined 1");
}

#[test]
fn space_handling() {
    let t = table(&["P +", "F(x) x"]);
    let e = expand(&tokenize("a P+b F(+)+").unwrap(), &t, &[]).unwrap();
    let s = tokens_to_string(&e.tokens);
    assert_eq!(s, "a + +b + +");
    assert_eq!(tokenize(&s).unwrap().len(), e.tokens.len());
}
