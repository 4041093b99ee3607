use super::graph::word_hash;
use super::*;

fn mentions(text: &str, names: &[&str]) -> bool {
    let mut hashes: Vec<u64> = names.iter().map(|n| word_hash(n.as_bytes())).collect();
    hashes.sort_unstable();
    HeaderText::new(text.as_bytes().to_vec()).has_word(&hashes)
}

/// A name is mentioned where it stands as a whole identifier, not inside a longer one or a
/// number's suffix; whichever of names and words is the shorter list is searched in the other.
#[test]
fn header_text_words_are_whole_identifiers() {
    let text = "#define FOO_BAR 1\nstruct drm_foo { __u32 x; };\n#define N 0x1BAZ\n/* QUX. */";
    assert!(mentions(text, &["FOO_BAR"]));
    assert!(mentions(text, &["drm_foo"]));
    assert!(mentions(text, &["QUX"]));
    assert!(!mentions(text, &["FOO"]));
    assert!(!mentions(text, &["BAR"]));
    assert!(!mentions(text, &["BAZ"]));
    assert!(!mentions(text, &["drm"]));
    let many: Vec<String> = (0..100).map(|i| format!("NAME_{i}")).collect();
    let mut names: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(!mentions(text, &names));
    names.push("__u32");
    assert!(mentions(text, &names));
}

/// The `##` chains of a header's macros: literal operands as written, parameters (and what is no
/// word) as `None`; continued lines joined, comments and strings no chain.
#[test]
fn pasting_chains_are_read_from_macro_bodies() {
    let text = b"#define GET(n) LENT_##n\n#define __AC(X,Y) (X##Y)\n\
#  define  TRI(a, ...) PRE_ ## a \\\n   ## _POST /* ## */ ## __VA_ARGS__\n\
#define OBJ(x) x /* a comment\n spanning lines */ ## MID\n#define STR \"##\"\n";
    let lit = |s: &str| Some(s.as_bytes().to_vec());
    assert_eq!(
        paste::pastes(text),
        vec![
            vec![lit("LENT_"), None],
            vec![None, None],
            vec![lit("PRE_"), None, lit("_POST"), None],
            vec![None, lit("MID")],
        ]
    );
    assert!(paste::pastes(b"#define STR(n) #n\n").is_empty());
}

/// A chain with a literal operand builds what matches it, a parameter standing for any text; a
/// chain of parameters only builds what splits into two or more tokens its users hold.
#[test]
fn pasted_names_match_their_chains() {
    let get = &paste::pastes(b"#define GET(n) LENT_##n\n")[0];
    assert!(paste::literal_chain_builds(get, b"LENT_VALUE"));
    assert!(!paste::literal_chain_builds(get, b"OTHER_VALUE"));
    let ac = &paste::pastes(b"#define __AC(X,Y) (X##Y)\n")[0];
    assert!(!paste::literal_chain_builds(ac, b"ANYTHING"));
    let tokens: Vec<u64> = ["drm_cmd", "2", "UL", "1"]
        .map(|t| word_hash(t.as_bytes()))
        .into();
    let is_token = |h: u64| tokens.contains(&h);
    assert!(!paste::splits(b"drm_cmd2", is_token).is_empty());
    assert!(!paste::splits(b"1UL", is_token).is_empty());
    // One token alone is no paste (the text holding it names it), nor a split with a piece no
    // unit holds.
    assert!(paste::splits(b"drm_cmd", is_token).is_empty());
    assert!(paste::splits(b"drm_cmd3", is_token).is_empty());
    // The pieces on a split: the name's ranges, each a token.
    let pieces = paste::splits(b"drm_cmd2UL", is_token);
    let ranges: Vec<(usize, usize)> = pieces.iter().map(|&(i, j, _)| (i, j)).collect();
    assert_eq!(ranges, [(0, 7), (7, 8), (8, 10)]);
}

/// What `has_word` finds with a leftmost-longest search: a name that is a prefix of another
/// still counts where it stands alone after the longer one did not match as a whole word.
#[test]
fn word_search_finds_a_whole_word_behind_a_longer_match() {
    let names: BTreeSet<String> = ["DRM_A", "DRM_A_B"].map(String::from).into();
    let ac = word_searcher(&names).expect("an automaton");
    assert!(has_word(&ac, b"x DRM_A_B;"));
    assert!(has_word(&ac, b"x DRM_A;"));
    assert!(has_word(&ac, b"DRM_A_BC DRM_A)"));
    assert!(!has_word(&ac, b"DRM_A_BC XDRM_A DRM_AB"));
}
