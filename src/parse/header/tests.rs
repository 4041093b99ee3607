use super::*;

fn defines(src: &str) -> Vec<Define> {
    parse_header(src.as_bytes())
        .nodes
        .into_iter()
        .filter_map(|n| match n {
            Node::Define(d) => Some(d),
            _ => None,
        })
        .collect()
}

#[test]
fn gnu_named_variadic_parameters_keep_their_dots() {
    let d = defines("#define M(FN, ctx...) FN(a, ##ctx)\n");
    assert_eq!(
        d[0].params,
        Some(vec!["FN".to_string(), "ctx...".to_string()])
    );
    assert!(d[0].variadic);
}

#[test]
fn attribute_between_record_and_typedef_name() {
    // As macro expansion renders it (atmapi.h's `__ATM_API_ALIGN`).
    let h = parse_header(b"typedef struct { unsigned char _ [ 8 ] ; } __attribute__ ( ( aligned ( 8 ) ) ) atm_kptr_t ;");
    let names: Vec<(String, Option<String>)> = h
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::Typedef(t) => match &t.ty.base {
                BaseType::Record { def: Some(r), .. } => {
                    Some((t.name.clone(), r.attrs.aligned.clone()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        vec![("atm_kptr_t".to_string(), Some("8".to_string()))]
    );
}

/// A member's declaration reads as C writes it, whatever its derivations, where the type's
/// spelling puts them after the base (`void * []`, `int () *`).
#[test]
fn a_members_declaration_is_written_as_c_declares_it() {
    let h = parse_header(
        b"struct s { char a[16]; __u64 m[2][4]; void *p[]; int (*f)(int); int (*q)[4]; \
          struct t *n; __u32 flag : 1; };",
    );
    let Some(Node::Record(r)) = h.nodes.first() else {
        panic!("a record: {:?}", h.nodes.len());
    };
    let written: Vec<(String, String)> = r
        .members
        .iter()
        .filter_map(|m| match m {
            Node::Field(f) => Some((f.ty.display(), f.declaration()?)),
            _ => None,
        })
        .collect();
    let want = [
        ("char [16]", "char a[16]"),
        ("__u64 [2][4]", "__u64 m[2][4]"),
        ("void * []", "void *p[]"),
        ("int () *", "int (*f)()"),
        ("int * [4]", "int (*q)[4]"),
        ("struct t *", "struct t *n"),
        ("__u32", "__u32 flag : 1"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(t, d)| (t.to_string(), d.to_string()))
        .collect();
    assert_eq!(written, want);
}
