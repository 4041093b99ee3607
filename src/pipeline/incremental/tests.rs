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

/// A header pasting tokens may name what its macros build (`LENT_##n` names `LENT_VALUE`):
/// it counts as naming every name (tests/incremental.rs has the diff this changes).
#[test]
fn a_header_pasting_tokens_names_every_name() {
    let pasting = "#define GET(n) LENT_##n\n#define USE (GET(VALUE) + 1)\n";
    assert!(mentions(pasting, &["LENT_VALUE"]));
    assert!(mentions(pasting, &["ANYTHING"]));
    assert!(!mentions(pasting, &[]));
    assert!(!mentions("#define STR(n) #n\n", &["LENT_VALUE"]));
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
