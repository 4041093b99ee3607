//! The incremental diff (src/incremental.rs) against the full computation (`UAPI_DIFF_FULL=1`):
//! byte-identical output on the real pair v6.1 → v6.12, on one-patch and three-patch changes of
//! v6.12 (scripts/gen-patched-repo.sh: as commits and as a series mbox), and on small trees for
//! each way a header's items depend on another header.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Runs `uapi-diff ARGS` incrementally and fully; asserts both print the same bytes and exit with
/// the same status; returns the output.
fn same_both_ways(dir: &Path, args: &[&str]) -> String {
    same_both_ways_on(dir, args, None)
}

/// `same_both_ways` on this many threads (rayon's default when None).
fn same_both_ways_on(dir: &Path, args: &[&str], threads: Option<&str>) -> String {
    let run = |full: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_uapi-diff"));
        cmd.args(args).current_dir(dir).env_remove("UAPI_DIFF_FULL");
        if let Some(threads) = threads {
            cmd.env("RAYON_NUM_THREADS", threads);
        }
        if full {
            cmd.env("UAPI_DIFF_FULL", "1");
        }
        let out = cmd.output().expect("run uapi-diff");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "uapi-diff {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("utf-8"),
        )
    };
    let (incremental, full) = (run(false), run(true));
    assert_eq!(incremental.0, full.0, "exit status of {args:?}");
    if incremental.1 != full.1 {
        let diff = similar::TextDiff::from_lines(&full.1, &incremental.1);
        panic!(
            "{args:?}: incremental output differs from the full one:\n{}",
            diff.unified_diff().header("full", "incremental")
        );
    }
    incremental.1
}

#[test]
fn the_real_pair_and_patches_of_it_are_the_same_incrementally() {
    let Some(kernels) = common::kernel_repo() else {
        return;
    };
    let out = tempfile::tempdir().expect("temp dir");
    let repo = out.path().join("repo");
    common::run_script("gen-patched-repo.sh", &[&kernels, &repo]);
    let repo_arg = repo.to_str().expect("utf-8 path");
    let kernels_arg = kernels.to_str().expect("utf-8 path");
    // With KMS, a pair whose DRM sources differ is computed fully; without, incrementally.
    for kms in [&[][..], &["--no-kms"][..]] {
        let mut args = vec![
            "diff",
            "v6.1",
            "v6.12",
            "-C",
            kernels_arg,
            "--format",
            "json",
        ];
        args.extend(kms);
        same_both_ways(out.path(), &args);
    }
    for patched in ["p1", "p3"] {
        let json = same_both_ways(
            out.path(),
            &["diff", "base", patched, "-C", repo_arg, "--format", "json"],
        );
        assert!(json.contains("AMDGPU_GEM_DOMAIN_EXAMPLE"), "{json}");
        assert_eq!(json.contains("DRM_MODE_FLAG_EXAMPLE"), patched == "p3");
    }
    let mbox = repo.join("series.mbox");
    let series = ["--series", mbox.to_str().expect("utf-8 path")];
    let mut args = vec!["diff", "base", "-C", repo_arg, "--format", "json"];
    args.extend(series);
    let json = same_both_ways(out.path(), &args);
    assert!(json.contains("DRM_MODE_FLAG_EXAMPLE") && json.contains("POLLWRBAND"));
    let mut args = vec!["checklist", "base", "-C", repo_arg, "--format", "json"];
    args.extend(series);
    same_both_ways(out.path(), &args);
}

/// A kernel-like tree with these files (path, text) under `root/side`.
fn tree(root: &Path, side: &str, files: &[(&str, &str)]) -> String {
    let dir = root.join(side);
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    dir.to_str().expect("utf-8 path").to_string()
}

/// Headers every fixture tree has: the ioctl macros and one unrelated header.
const BASE: &[(&str, &str)] = &[
    (
        "include/uapi/asm-generic/ioctl.h",
        "#define _IOC(dir,type,nr,size) (((dir) << 30) | ((type) << 8) | (nr) | ((size) << 16))\n\
         #define _IOW(type,nr,size) _IOC(1U,(type),(nr),sizeof(size))\n",
    ),
    (
        "include/uapi/linux/other.h",
        "#ifndef OTHER_H\n#define OTHER_H\nstruct other { int a; };\n#endif\n",
    ),
];

/// Diffs OLD → NEW (each BASE plus its files) both ways; returns the JSON.
fn fixture(old: &[(&str, &str)], new: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = tree(dir.path(), "old", &[BASE, old].concat());
    let n = tree(dir.path(), "new", &[BASE, new].concat());
    same_both_ways(
        dir.path(),
        &["diff", &o, &n, "--format", "json", "--no-kms"],
    )
}

#[test]
fn a_changed_included_header_recomputes_its_includers() {
    let user = (
        "include/uapi/linux/user.h",
        "#include <linux/arg.h>\n#define USER_IOCTL _IOW('u', 1, struct arg)\n",
    );
    let json = fixture(
        &[
            user,
            ("include/uapi/linux/arg.h", "struct arg { int a; };\n"),
        ],
        &[
            user,
            (
                "include/uapi/linux/arg.h",
                "struct arg { int a; long b; };\n",
            ),
        ],
    );
    assert!(json.contains("\"USER_IOCTL\""), "{json}");
}

#[test]
fn an_includer_that_changes_recomputes_what_it_includes() {
    // inner.h's INNER_VALUE is computed where includer.h includes it, after its BASE_VALUE.
    let inner = (
        "include/uapi/linux/inner.h",
        "#define INNER_VALUE (BASE_VALUE + 1)\n",
    );
    let includer = |base: &'static str| {
        (
            "include/uapi/linux/includer.h",
            match base {
                "1" => "#define BASE_VALUE 1\n#include <linux/inner.h>\n",
                _ => "#define BASE_VALUE 2\n#include <linux/inner.h>\n",
            },
        )
    };
    let json = fixture(&[inner, includer("1")], &[inner, includer("2")]);
    assert!(json.contains("\"INNER_VALUE\""), "{json}");
}

#[test]
fn a_new_definer_of_a_borrowed_name_recomputes_the_borrower() {
    // borrower.h uses a struct it never includes: computed with the one header defining it. NEW
    // adds a second definer, so the name has no one definer any more: the ioctl's number is lost.
    let borrower = (
        "include/uapi/linux/borrower.h",
        "#define BORROWER_IOCTL _IOW('b', 1, struct lent)\n",
    );
    let lender = (
        "include/uapi/linux/lender.h",
        "struct lent { long a[3]; };\n",
    );
    let json = fixture(
        &[borrower, lender],
        &[
            borrower,
            lender,
            (
                "include/uapi/linux/zlender.h",
                "struct lent { long a[3]; };\n",
            ),
        ],
    );
    assert!(json.contains("ioctl:BORROWER_IOCTL: computed at"), "{json}");
}

/// Eight headers no change touches: added to a fixture, they keep its affected headers under half
/// of its tree, so the incremental computation runs (no hand-over to the full one).
fn fillers() -> Vec<(String, String)> {
    (0..8)
        .map(|i| {
            (
                format!("include/uapi/linux/filler{i}.h"),
                format!(
                    "#define FILLER_{i} {i}\nstruct filler_{i} {{ int a[{}]; }};\n",
                    i + 1
                ),
            )
        })
        .collect()
}

#[test]
fn a_name_built_by_pasting_tokens_recomputes_its_user() {
    // user.h names LENT_VALUE only through `LENT_##n`: no word of its text. lender.h (which user.h
    // borrows it from) changes its value, so USER_VAL changes too (a break the diff must report).
    // Unrelated headers keep the affected ones under half of the tree (no hand-over to the full
    // computation).
    let user = (
        "include/uapi/linux/user.h",
        "#define GET(n) LENT_##n\n#define USER_VAL (GET(VALUE) + 1)\n",
    );
    let json = lender_changes(&[user]);
    assert!(json.contains("\"id\": \"define:USER_VAL\""), "{json}");
}

/// The diff of `files` beside lender.h, whose `LENT_VALUE` goes from 3 to 4, and the fillers.
fn lender_changes(files: &[(&str, &str)]) -> String {
    let fillers = fillers();
    let side = |value: &'static str| {
        let mut side = files.to_vec();
        side.push(("include/uapi/linux/lender.h", value));
        side.extend(fillers.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        side
    };
    fixture(
        &side("#define LENT_VALUE 3\n"),
        &side("#define LENT_VALUE 4\n"),
    )
}

#[test]
fn a_name_pasted_from_its_users_tokens_recomputes_its_user() {
    // pasting.h's `__PASTE(X,Y) X##Y` pastes whatever its users pass: user.h builds LENT_VALUE
    // from its words LENT_ and VALUE, and borrows it from lender.h, whose value changes. A header
    // that includes pasting.h without those tokens (other.h) cannot build it.
    let pasting = (
        "include/uapi/linux/pasting.h",
        "#define __PASTE(X,Y) X##Y\n",
    );
    let user = (
        "include/uapi/linux/user.h",
        "#include <linux/pasting.h>\n#define USER_VAL (__PASTE(LENT_, VALUE) + 1)\n",
    );
    let other = (
        "include/uapi/linux/other.h",
        "#include <linux/pasting.h>\n#define OTHER_VAL __PASTE(1, UL)\n",
    );
    let json = lender_changes(&[pasting, user, other]);
    assert!(json.contains("\"id\": \"define:USER_VAL\""), "{json}");
}

#[test]
fn an_unaffected_header_is_evaluated_with_its_includers() {
    // A case of the incremental diff's second assumption (#26 pt 5; a case, not a proof): a
    // header outside the affected set that an affected one includes (record.h) is modelled with
    // the includers the affected set holds, where the full computation has them all. record.h's
    // array is sized by LEN, which only its includers define, each its own: a_len.h (first in
    // path order) 32, ioctl_user.h 24. Only ioctl_user.h changes (its ioctl's number); the
    // ioctl's facts (today: unresolved both ways, as a record's layout is its own header's) and
    // every other output must be the full computation's. Fillers keep the affected headers under
    // half of the tree (no hand-over to the full computation).
    let record = (
        "include/uapi/linux/record.h",
        "#ifndef RECORD_H\n#define RECORD_H\nstruct rec { char b[LEN]; };\n#endif\n",
    );
    let other_includer = (
        "include/uapi/linux/a_len.h",
        "#define LEN 32\n#include <linux/record.h>\n",
    );
    let ioctl = |text: &'static str| ("include/uapi/linux/ioctl_user.h", text);
    let fillers = fillers();
    let side = |text: &'static str| {
        let mut files = vec![record, other_includer, ioctl(text)];
        files.extend(fillers.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        files
    };
    let json = fixture(
        &side("#define LEN 24\n#include <linux/record.h>\n#define REC_IOCTL _IOW('r', 1, struct rec)\n"),
        &side("#define LEN 24\n#include <linux/record.h>\n#define REC_IOCTL _IOW('r', 2, struct rec)\n"),
    );
    assert!(json.contains("\"id\": \"ioctl:REC_IOCTL\""), "{json}");
}

#[test]
fn an_arch_header_taking_over_asm_recomputes_its_users() {
    let user = (
        "include/uapi/linux/user.h",
        "#include <asm/width.h>\n#define USER_WIDTH (WIDTH * 2)\n",
    );
    let generic = ("include/uapi/asm-generic/width.h", "#define WIDTH 4\n");
    let json = fixture(
        &[user, generic],
        &[
            user,
            generic,
            ("arch/x86/include/uapi/asm/width.h", "#define WIDTH 8\n"),
        ],
    );
    assert!(json.contains("\"USER_WIDTH\""), "{json}");
}

#[test]
fn headers_in_an_include_cycle_are_the_same_incrementally() {
    // a.h ↔ b.h: which one the build enters first decides what each sees; c.h changes.
    let a = (
        "include/uapi/linux/a.h",
        "#ifndef A_H\n#define A_H\n#define A_VALUE 1\n#include <linux/b.h>\n#endif\n",
    );
    let b = (
        "include/uapi/linux/b.h",
        "#ifndef B_H\n#define B_H\n#include <linux/a.h>\n#ifdef A_VALUE\n#define B_SEES_A 1\n#endif\n#endif\n",
    );
    let c = |v: &'static str| {
        (
            "include/uapi/linux/c.h",
            match v {
                "1" => "#include <linux/b.h>\n#define C_VALUE 1\n",
                _ => "#include <linux/b.h>\n#define C_VALUE 2\n",
            },
        )
    };
    let json = fixture(&[a, b, c("1")], &[a, b, c("2")]);
    assert!(json.contains("\"C_VALUE\""), "{json}");
}

/// A definition that decides whether a build compiles a KMS property's creation, added outside
/// the DRM sources and the uAPI headers (a kernel-internal header, a driver's Makefile): the
/// property appears, incrementally as fully.
#[test]
fn a_new_definition_of_a_kms_condition_is_seen_incrementally() {
    let source = (
        "drivers/gpu/drm/toy/toy.c",
        "int toy_init(struct drm_device *dev)\n{\n#ifdef TOY_PRIVATE\n\
         \tdrm_property_create(dev, DRM_MODE_PROP_BLOB, \"TOY_PRIVATE_LUT\", 0);\n#endif\n\
         \treturn 0;\n}\n",
    );
    for definition in [
        ("include/linux/toy.h", "#define TOY_PRIVATE\n"),
        (
            "drivers/gpu/drm/toy/Makefile",
            "ccflags-y += -DTOY_PRIVATE\n",
        ),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let o = tree(dir.path(), "old", &[BASE, &[source]].concat());
        let n = tree(dir.path(), "new", &[BASE, &[source, definition]].concat());
        let json = same_both_ways(dir.path(), &["diff", &o, &n, "--format", "json"]);
        assert!(
            json.contains("\"TOY_PRIVATE_LUT\""),
            "{definition:?}: {json}"
        );
    }
}

/// A walk keeps each header's items for the next revision while the header and everything it
/// includes are the same (`model::ListingCache`). Each step here changes what a kept header's
/// items depend on without changing the header: an included header, an arch header taking over
/// `asm/`, the includer whose scope a constant is computed in, the header through which the walk
/// enters an include cycle, the one definer of a name used but not included. The since-index must
/// see each change and print what the walk without kept items (`UAPI_DIFF_FULL`) prints, with one
/// revision per batch (one thread) as with two.
#[test]
fn a_walk_keeps_a_headers_items_only_while_what_it_reads_is_unchanged() {
    let linux = |name: &str| format!("include/uapi/linux/{name}.h");
    let files = [
        (linux("user"), "#include <linux/arg.h>\n#define USER_IOCTL _IOW('u', 1, struct arg)\n"),
        (linux("arg"), "struct arg { int a; };\n"),
        (linux("user_width"), "#include <asm/width.h>\n#define USER_WIDTH (WIDTH * 2)\n"),
        ("include/uapi/asm-generic/width.h".to_string(), "#define WIDTH 4\n"),
        (linux("inner"), "#define INNER_VALUE (BASE_VALUE + 1)\n"),
        (linux("includer"), "#define BASE_VALUE 1\n#include <linux/inner.h>\n"),
        // a.h ↔ b.h: b.h sees A_VALUE only when the walk enters the cycle through b.h, as it
        // does once 0first.h (first in path order) includes it.
        (linux("a"), "#ifndef A_H\n#define A_H\n#define A_VALUE 1\n#include <linux/b.h>\n#endif\n"),
        (
            linux("b"),
            "#ifndef B_H\n#define B_H\n#include <linux/a.h>\n#ifdef A_VALUE\n#define B_SEES_A 1\n#endif\n#endif\n",
        ),
        (linux("borrower"), "#define BORROWER_IOCTL _IOW('b', 1, struct lent)\n"),
        (linux("lender"), "struct lent { long a[3]; };\n"),
    ];
    let revisions = [
        ("r1", None),
        (
            "r2",
            Some((linux("arg"), "struct arg { int a; long b; };\n")),
        ),
        (
            "r3",
            Some((
                "arch/x86/include/uapi/asm/width.h".to_string(),
                "#define WIDTH 8\n",
            )),
        ),
        (
            "r4",
            Some((
                linux("includer"),
                "#define BASE_VALUE 2\n#include <linux/inner.h>\n",
            )),
        ),
        ("r5", Some((linux("0first"), "#include <linux/b.h>\n"))),
        (
            "r6",
            Some((linux("lender"), "struct lent { long a[5]; };\n")),
        ),
    ];
    let index = since_over_a_walk(&files, &revisions);
    let entry = |id: &str| common::since_item(&index, id);
    let changed = |id: &str| entry(id)["changed"].clone();
    assert_eq!(changed("ioctl:USER_IOCTL"), serde_json::json!(["r2"]));
    assert_eq!(changed("define:USER_WIDTH"), serde_json::json!(["r3"]));
    assert_eq!(changed("define:INNER_VALUE"), serde_json::json!(["r4"]));
    assert_eq!(entry("define:B_SEES_A")["first"], "r5");
    assert_eq!(changed("ioctl:BORROWER_IOCTL"), serde_json::json!(["r6"]));
}

/// Where a header it includes changed, a walk keeps a header's items by the definitions its
/// lookups can find there (`model::projection`): the names in its text, and transitively in the
/// definitions found. Each step here changes `common.h`, or `deep.h` that it includes, and what
/// changes is either nothing the users look up (a new typedef, a renamed include guard), or one
/// definition they read: through a macro of a third header, a typedef's width, an enumerator
/// used as an array size, a `#pragma pack`, which branch defines a macro, a macro that pastes a name
/// (`##`) in `common.h` or in the user itself. The since-index must see each change, and only
/// those, and print what the walk without kept items prints.
#[test]
fn a_walk_keeps_a_headers_items_while_the_definitions_it_can_look_up_are_unchanged() {
    let linux = |name: &str| format!("include/uapi/linux/{name}.h");
    // common.h at a step: its guard, its typedef of common_u32, its enumerator, whether
    // `struct common_pair` is packed, which branch defines COMMON_FLAG, its pasted values,
    // whether it has an extra typedef.
    let common = |guard: &str,
                  u32: &str,
                  slots: u32,
                  packed: bool,
                  flipped: bool,
                  pasted: u32,
                  extra: bool| {
        let (push, pop) = match packed {
            true => ("#pragma pack(push, 1)\n", "#pragma pack(pop)\n"),
            false => ("", ""),
        };
        // The branch that defines COMMON_FLAG as 0 is taken once `flipped`.
        let test = if flipped { "ifndef" } else { "ifdef" };
        let extra = if extra {
            "typedef long common_extra;\n"
        } else {
            ""
        };
        format!(
            "#ifndef {guard}\n#define {guard}\n#include <linux/deep.h>\n{extra}\
             typedef {u32} common_u32;\n#define COMMON_SHIFT DEEP_BITS\n\
             #{test} COMMON_NEVER_DEFINED\n#define COMMON_FLAG 0\n\
             #else\n#define COMMON_FLAG (1 << COMMON_SHIFT)\n#endif\n\
             enum common_sizes {{ COMMON_SLOTS = {slots} }};\n\
             {push}struct common_pair {{ char a; common_u32 b; }};\n{pop}\
             #define COMMON_PASTE(n) COMMON_VALUE_##n\n#define COMMON_VALUE_2 {pasted}\n\
             #define COMMON_OWN_1 {pasted}\n#endif\n"
        )
    };
    let base = common("COMMON_H", "unsigned int", 3, false, false, 20, false);
    let files = [
        (linux("common"), base.as_str()),
        (linux("deep"), "#define DEEP_BITS 8\n"),
        (linux("user_flag"), "#include <linux/common.h>\n#define USER_FLAG COMMON_FLAG\n"),
        (
            linux("user_rec"),
            "#include <linux/common.h>\nstruct user_rec { struct common_pair p; int slots[COMMON_SLOTS]; };\n\
             #define USER_REC_IOCTL _IOW('v', 1, struct user_rec)\n",
        ),
        (linux("user_paste"), "#include <linux/common.h>\n#define USER_PASTED COMMON_PASTE(2)\n"),
        (
            linux("user_own"),
            "#include <linux/common.h>\n#define OWN_PASTE(n) COMMON_OWN_##n\n#define USER_OWN OWN_PASTE(1)\n",
        ),
    ];
    let at = |guard, u32, slots, packed, flipped, pasted, extra| {
        Some((
            linux("common"),
            common(guard, u32, slots, packed, flipped, pasted, extra),
        ))
    };
    let revisions = [
        ("r1", None),
        (
            "r2",
            at("COMMON_UAPI_H", "unsigned int", 3, false, false, 20, true),
        ),
        (
            "r3",
            Some((linux("deep"), "#define DEEP_BITS 9\n".to_string())),
        ),
        (
            "r4",
            at("COMMON_UAPI_H", "unsigned long", 3, false, false, 20, true),
        ),
        (
            "r5",
            at("COMMON_UAPI_H", "unsigned long", 5, false, false, 20, true),
        ),
        (
            "r6",
            at("COMMON_UAPI_H", "unsigned long", 5, true, false, 20, true),
        ),
        (
            "r7",
            at("COMMON_UAPI_H", "unsigned long", 5, true, true, 20, true),
        ),
        (
            "r8",
            at("COMMON_UAPI_H", "unsigned long", 5, true, true, 21, true),
        ),
    ];
    let index = since_over_a_walk(&files, &revisions);
    let changed = |id: &str| common::since_item(&index, id)["changed"].clone();
    assert_eq!(changed("define:USER_FLAG"), serde_json::json!(["r3", "r7"]));
    assert_eq!(
        changed("struct:user_rec"),
        serde_json::json!(["r4", "r5", "r6"])
    );
    assert_eq!(
        changed("ioctl:USER_REC_IOCTL"),
        serde_json::json!(["r4", "r5", "r6"])
    );
    assert_eq!(changed("define:USER_PASTED"), serde_json::json!(["r8"]));
    assert_eq!(changed("define:USER_OWN"), serde_json::json!(["r8"]));
}

/// Commits BASE and `files`, then each revision's change in turn, to a new repository, tagged,
/// and returns the since-index over them as JSON, after checking that the walk prints the same
/// with and without kept items, at one thread and at two.
fn since_over_a_walk<P: AsRef<str>, T: AsRef<str>, C: AsRef<str>>(
    files: &[(P, T)],
    revisions: &[(&str, Option<(String, C)>)],
) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    let date = "2024-03-01T00:00:00+0000";
    std::fs::create_dir_all(&repo).expect("mkdir");
    common::git(&repo, &["init", "-q", "."], date);
    let mut tree_files: BTreeMap<String, String> = BASE
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let owned = |(p, t): (&str, &str)| (p.to_string(), t.to_string());
    tree_files.extend(files.iter().map(|(p, t)| owned((p.as_ref(), t.as_ref()))));
    for (tag, change) in revisions {
        if let Some((path, text)) = change {
            tree_files.insert(path.clone(), text.as_ref().to_string());
        }
        let listed: Vec<(&str, &str)> = tree_files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        tree(dir.path(), "repo", &listed);
        common::git(&repo, &["add", "-A", "."], date);
        common::git(&repo, &["commit", "-q", "-m", tag], date);
        common::git(&repo, &["tag", tag], date);
    }
    let repo_arg = repo.to_str().expect("utf-8 path");
    let mut args = vec!["since"];
    args.extend(revisions.iter().map(|(tag, _)| *tag));
    args.extend(["-C", repo_arg, "--format", "json", "--no-kms"]);
    let outputs: Vec<String> = ["1", "2"]
        .iter()
        .map(|threads| same_both_ways_on(dir.path(), &args, Some(threads)))
        .collect();
    assert_eq!(outputs[0], outputs[1], "one thread and two");
    serde_json::from_str(&outputs[0]).expect("JSON")
}
