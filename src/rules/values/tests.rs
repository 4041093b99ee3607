use super::*;

#[test]
fn identifiers_skip_numbers_and_literals() {
    assert_eq!(
        identifiers("((__u64)1 << _UFFDIO_WAKE | 0x10U) \"A_B\""),
        ["__u64", "_UFFDIO_WAKE"]
    );
}

#[test]
fn calls_split_their_top_level_arguments() {
    assert_eq!(
        call("SNDRV_PROTOCOL_VERSION(2, 0, (1 + 1))"),
        Some(("SNDRV_PROTOCOL_VERSION", vec!["2", " 0", " (1 + 1)"]))
    );
    assert_eq!(call("(F(a))"), Some(("F", vec!["a"])));
    assert_eq!(call("(A) | (B)"), None);
    assert_eq!(call("17"), None);
}

#[test]
fn families_are_every_prefix_of_a_name() {
    let all = |n| family_prefixes(n).collect::<Vec<_>>();
    assert_eq!(all("__NR_syscalls"), ["__NR_"]);
    assert_eq!(
        all("AUDIT_FILTER_URING_EXIT"),
        ["AUDIT_", "AUDIT_FILTER_", "AUDIT_FILTER_URING_"]
    );
    assert!(all("NSIGSEGV").is_empty());
    assert_eq!(family_stem("SEGV_"), "SEGV");
    assert_eq!(family_stem("AUDIT_FILTER_"), "FILTER");
}

#[test]
fn list_entries_split_at_the_top_level() {
    assert_eq!(
        list_entries("{ [A] = \"a, b\", [B] = \"b\", }"),
        ["[A]=\"a, b\"", "[B]=\"b\""]
    );
    assert_eq!(
        list_entries("{ A, \"a\" }, { B, \"b\" }"),
        ["{A,\"a\"}", "{B,\"b\"}"]
    );
}

#[test]
fn runs_end_at_their_top() {
    assert_eq!(run_top(&[0, 1, 2, 3, 16, 5, 5]), Some(3));
    assert_eq!(run_top(&[1, 2, 10, 11]), Some(11));
    assert_eq!(run_top(&[1, 3]), None);
}

#[test]
fn bound_words_are_whole_words() {
    assert!(bound_word("__ETHTOOL_A_RINGS_CNT"));
    assert!(bound_word("NUM_NL80211_BANDS"));
    assert!(bound_word("V4L2_CID_LASTP1"));
    assert!(!bound_word("IORING_MAXIMUM"));
    assert!(!bound_word("NFT_META_IIFTYPE"));
}
