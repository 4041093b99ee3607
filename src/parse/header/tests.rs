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
