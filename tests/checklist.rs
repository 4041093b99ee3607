//! `uapi-diff checklist` and `uapi-diff ledger init` on a synthetic kernel history built here with
//! git: commits with evidence trailers, a link to a personal fork, the drm_fourcc.h waiver, a stale
//! ledger entry. Every format is pinned as an insta snapshot; exit codes, the ledger round trip and
//! attribution speed on a few hundred commits are checked.

mod common;

use common::git;

use std::path::Path;
use std::process::Command;
use uapi_diff::change::area::Area;
use uapi_diff::change::Severity;
use uapi_diff::checklist::{self, attribution, Checklist, Options};
use uapi_diff::evidence::ledger::Ledger;
use uapi_diff::pipeline::{self, ParseCache};
use uapi_diff::snapshot::Side;
use uapi_diff::source::Tree;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn commit(root: &Path, message: &str, day: u32) -> String {
    let date = format!("2024-03-{day:02}T10:00:00+0000");
    git(root, &["add", "-A", "."], &date);
    git(root, &["commit", "-q", "-m", message], &date);
    git(root, &["rev-parse", "HEAD"], &date)
}

const DRM_H: &str = "#ifndef _DRM_H_\n#define _DRM_H_\n#include <linux/types.h>\n#include <linux/ioctl.h>\n\
#define DRM_IOCTL_BASE\t\t'd'\n#define DRM_IOWR(nr,type)\t_IOWR(DRM_IOCTL_BASE,nr,type)\n\
#define DRM_COMMAND_BASE\t0x40\n\nstruct drm_version {\n\t__u32 version_major;\n\t__u32 pad;\n};\n\n\
#define DRM_IOCTL_VERSION\tDRM_IOWR(0x00, struct drm_version)\n#endif\n";

const FOURCC_H: &str = "#ifndef DRM_FOURCC_H\n#define DRM_FOURCC_H\n#include \"drm.h\"\n\
#define fourcc_code(a, b, c, d) ((__u32)(a) | ((__u32)(b) << 8) | \\\n\t\t\t\t ((__u32)(c) << 16) | ((__u32)(d) << 24))\n\
#define DRM_FORMAT_XRGB8888\tfourcc_code('X', 'R', '2', '4')\n/*NEW*/\n#endif\n";

const TOY_H: &str = "#ifndef _TOY_DRM_H_\n#define _TOY_DRM_H_\n#include \"drm.h\"\n\n\
#define DRM_TOY_GEM_CREATE\t0x00\n/*CMDS*/\n\n\
struct drm_toy_gem_create {\n\t__u64 size;\n\t__u32 flags;\n\t__u32 handle;\n/*CREATE*/};\n\n/*STRUCTS*/\n\
#define DRM_IOCTL_TOY_GEM_CREATE\tDRM_IOWR(DRM_COMMAND_BASE + DRM_TOY_GEM_CREATE, struct drm_toy_gem_create)\n\
/*IOCTLS*/\n#endif\n";

const GADGET_H: &str =
    "#ifndef _GADGET_H\n#define _GADGET_H\n#define GADGET_FLAG_A\t1\n/*NEW*/\n#endif\n";

const MAINTAINERS: &str = "List of maintainers\n===================\n\n\
DRM DRIVERS\nM:\tDrm Maintainer <drm@example.com>\nL:\tdri-devel@lists.freedesktop.org\nS:\tMaintained\n\
F:\tdrivers/gpu/\nF:\tinclude/uapi/drm/\n\n\
TOY DRM DRIVER\nM:\tToy Maintainer <toy-maint@example.com>\nL:\ttoy@lists.example.com\nS:\tSupported\n\
F:\tdrivers/gpu/drm/toy/\nF:\tinclude/uapi/drm/toy_drm.h\n\n\
THE REST\nM:\tLinus Torvalds <torvalds@linux-foundation.org>\nL:\tlinux-kernel@vger.kernel.org\nS:\tBuried alive in reporters\nF:\t*\nF:\t*/\n";

/// The evidence recorded for the history below, committed at the default path.
const LEDGER: &str = r#"version = 1

[[item]]
ids = ["ioctl:DRM_IOCTL_TOY_WAIT", "struct:drm_toy_wait", "define:DRM_TOY_WAIT"]
status = "merged"
links = ["https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/4242"]
reviewer = "Mesa Reviewer <mesa@example.com>"

[[item]]
id = "define:DRM_FORMAT_*"
status = "waived"
reason = "drm_fourcc.h Open Source User Waiver; acked by the Mesa and AMD stacks"

[[item]]
ids = ["ioctl:DRM_IOCTL_TOY_GEM_CREATE", "struct:drm_toy_gem_create", "field:drm_toy_gem_create.offset"]
status = "proposed"
links = ["https://gitlab.freedesktop.org/jdoe/mesa/-/commits/toy-offset"]

[[item]]
id = "ioctl:DRM_IOCTL_TOY_REMOVED_LONG_AGO"
status = "merged"
links = ["https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/1"]
"#;

struct History {
    dir: tempfile::TempDir,
    /// Commit ids by subject.
    commits: Vec<(String, String)>,
}

impl History {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn commit_of(&self, subject: &str) -> &str {
        &self
            .commits
            .iter()
            .find(|(s, _)| s == subject)
            .unwrap_or_else(|| panic!("no commit {subject}"))
            .1
    }
}

fn edit(root: &Path, rel: &str, marker: &str, text: &str) {
    let path = root.join(rel);
    let old = std::fs::read_to_string(&path).expect("read");
    assert!(old.contains(marker), "{rel} has no {marker}");
    std::fs::write(&path, old.replace(marker, &format!("{text}{marker}"))).expect("write");
}

/// `old`: a small DRM tree; then a driver ioctl with trailers, an extended ioctl whose proposed
/// userspace sits in a fork, a fourcc format, a non-DRM flag, commits that change nothing the
/// checklist follows, and the ledger; `new`.
fn history() -> History {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q", "."], "2024-03-01T00:00:00+0000");
    let base_tree = common::fixture_tree("drm-basic", "old");
    for rel in [
        "include/uapi/linux/types.h",
        "include/uapi/linux/ioctl.h",
        "include/uapi/linux/stddef.h",
        "include/uapi/asm-generic/ioctl.h",
        "include/uapi/asm-generic/types.h",
        "include/uapi/asm-generic/int-ll64.h",
        "include/uapi/asm-generic/bitsperlong.h",
        "arch/x86/include/uapi/asm/bitsperlong.h",
    ] {
        let text = std::fs::read_to_string(base_tree.path().join(rel)).expect("base file");
        write(root, rel, &text);
    }
    write(root, "include/uapi/drm/drm.h", DRM_H);
    write(root, "include/uapi/drm/drm_fourcc.h", FOURCC_H);
    write(root, "include/uapi/drm/toy_drm.h", TOY_H);
    write(root, "include/uapi/linux/gadget.h", GADGET_H);
    write(root, "MAINTAINERS", MAINTAINERS);
    write(root, "README", "a kernel\n");
    let mut commits = Vec::new();
    let mut add = |subject: &str, body: &str, day: u32| {
        let id = commit(root, &format!("{subject}\n\n{body}"), day);
        commits.push((subject.to_string(), id));
    };
    add("base", "", 1);
    git(root, &["tag", "old"], "2024-03-01T00:00:00+0000");

    let toy = "include/uapi/drm/toy_drm.h";
    edit(root, toy, "/*CMDS*/", "#define DRM_TOY_WAIT\t\t0x01\n");
    edit(
        root,
        toy,
        "/*STRUCTS*/",
        "struct drm_toy_wait {\n\t__u64 timeout_ns;\n\t__u32 handle;\n\t__u32 pad;\n};\n",
    );
    edit(
        root,
        toy,
        "/*IOCTLS*/",
        "#define DRM_IOCTL_TOY_WAIT\tDRM_IOWR(DRM_COMMAND_BASE + DRM_TOY_WAIT, struct drm_toy_wait)\n",
    );
    add(
        "drm/toy: add the WAIT ioctl",
        "Lets userspace wait for a buffer.\n\n\
Link: https://lore.kernel.org/dri-devel/toy-wait-v3@example.com/\n\
Mesa MR: https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/4242\n\
Acked-by: Mesa Reviewer <mesa@example.com>\n\
Signed-off-by: Toy Dev <toy@example.com>",
        2,
    );
    edit(root, toy, "/*CREATE*/", "\t__u64 offset;\n");
    add(
        "drm/toy: return the mmap offset from GEM_CREATE",
        "Proposed userspace: https://gitlab.freedesktop.org/jdoe/mesa/-/commits/toy-offset\n\
Signed-off-by: Toy Dev <toy@example.com>",
        3,
    );
    edit(
        root,
        "include/uapi/drm/drm_fourcc.h",
        "/*NEW*/",
        "#define DRM_FORMAT_TOY\tfourcc_code('T', 'O', 'Y', '1')\n",
    );
    add(
        "drm/fourcc: add DRM_FORMAT_TOY",
        "Signed-off-by: Toy Dev <toy@example.com>",
        4,
    );
    edit(
        root,
        "include/uapi/linux/gadget.h",
        "/*NEW*/",
        "#define GADGET_FLAG_B\t2\n",
    );
    add(
        "gadget: add flag B",
        "Signed-off-by: Gadget Dev <gadget@example.com>",
        5,
    );
    write(root, "README", "a kernel, documented\n");
    add("docs: README", "", 6);
    edit(root, toy, "/*STRUCTS*/", "/* wait: timeout in ns */\n");
    add("drm/toy: document wait", "", 7);
    write(root, "Documentation/gpu/uapi-ledger.toml", LEDGER);
    add("Documentation: record uAPI evidence", "", 8);
    git(root, &["tag", "new"], "2024-03-09T00:00:00+0000");
    History { dir, commits }
}

fn options(ledger: Option<&Path>) -> Options {
    Options {
        pipeline: pipeline::Options::default(),
        merged_arches: None,
        ledger: ledger.map(Path::to_path_buf),
        attribution: true,
        areas: Vec::new(),
        userspace: Vec::new(),
        config: None,
    }
}

fn checklist_of(h: &History, opts: &Options) -> Checklist {
    let old = Side::Tree(Tree::open(h.path(), "old").expect("old"));
    let new = Side::Tree(Tree::open(h.path(), "new").expect("new"));
    checklist::run(&old, &new, opts).expect("checklist runs")
}

fn bin(h: &History, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .arg("-C")
        .arg(h.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("uapi-diff runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn checklist_groups_evidence_and_attribution() {
    let h = history();
    let cl = checklist_of(&h, &options(None));
    let ids: Vec<(String, Vec<&str>)> = cl
        .groups
        .iter()
        .map(|g| {
            (
                g.title.clone(),
                g.items.iter().map(|i| i.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            // Groups follow the tree's MAINTAINERS sections.
            ("DRM DRIVERS".to_string(), vec!["define:DRM_FORMAT_TOY"]),
            (
                "TOY DRM DRIVER".to_string(),
                vec![
                    "ioctl:DRM_IOCTL_TOY_GEM_CREATE",
                    "ioctl:DRM_IOCTL_TOY_WAIT",
                    "struct:drm_toy_gem_create",
                    "struct:drm_toy_wait",
                    "field:drm_toy_gem_create.offset",
                    "define:DRM_TOY_WAIT",
                ]
            ),
        ]
    );
    // Outside DRM and accel an addition is new uAPI: not in the default checklist, listed under
    // `--area other` for review, with no userspace evidence asked.
    let other = checklist_of(
        &h,
        &Options {
            areas: vec![Area::Other],
            ..options(None)
        },
    );
    assert_eq!(other.groups.len(), 1);
    assert_eq!(other.groups[0].title, "THE REST");
    let gadget = &other.groups[0].items[0];
    assert_eq!(gadget.id, "define:GADGET_FLAG_B");
    assert_eq!(gadget.severity, Severity::NewUapi);
    assert_eq!((gadget.justified, gadget.missing.as_deref()), (true, None));
    assert_eq!(
        gadget.introduced_by.as_ref().map(|i| i.commit.as_str()),
        Some(h.commit_of("gadget: add flag B"))
    );
    assert_eq!(
        (
            other.summary.items,
            other.summary.new_uapi,
            other.summary.missing
        ),
        (1, 1, 0)
    );
    assert_eq!(
        cl.ledger.as_deref(),
        Some("Documentation/gpu/uapi-ledger.toml")
    );
    let item = |id: &str| {
        cl.groups
            .iter()
            .flat_map(|g| &g.items)
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("no item {id}"))
    };
    // Attribution: the commit that introduced each item, never the later comment-only commit.
    let introduced = |id: &str| item(id).introduced_by.as_ref().map(|i| i.commit.as_str());
    let wait = h.commit_of("drm/toy: add the WAIT ioctl");
    let offset = h.commit_of("drm/toy: return the mmap offset from GEM_CREATE");
    assert_eq!(introduced("ioctl:DRM_IOCTL_TOY_WAIT"), Some(wait));
    assert_eq!(introduced("struct:drm_toy_wait"), Some(wait));
    assert_eq!(introduced("ioctl:DRM_IOCTL_TOY_GEM_CREATE"), Some(offset));
    assert_eq!(introduced("field:drm_toy_gem_create.offset"), Some(offset));
    assert_eq!(
        introduced("define:DRM_FORMAT_TOY"),
        Some(h.commit_of("drm/fourcc: add DRM_FORMAT_TOY"))
    );
    let trailers: Vec<String> = item("ioctl:DRM_IOCTL_TOY_WAIT")
        .introduced_by
        .as_ref()
        .expect("attributed")
        .trailers
        .iter()
        .map(|t| t.key.clone())
        .collect();
    assert_eq!(trailers, ["Link", "Mesa MR", "Acked-by"]);
    // The commits touching the listed items' files (not linux/gadget.h's: new uAPI, not listed).
    assert_eq!(cl.attribution.commits, Some(4));
    // Evidence: merged, waived (fourcc, with its hint), proposed in a fork (a warning), missing.
    assert!(item("ioctl:DRM_IOCTL_TOY_WAIT").justified);
    assert!(item("define:DRM_FORMAT_TOY").justified);
    assert!(item("define:DRM_FORMAT_TOY").hint.is_some());
    assert!(item("field:drm_toy_gem_create.offset").justified);
    let stale: Vec<(&str, u32)> = cl.stale.iter().map(|f| (f.id.as_str(), f.line)).collect();
    assert_eq!(stale, [("ioctl:DRM_IOCTL_TOY_REMOVED_LONG_AGO", 20)]);
    let warned: Vec<(&str, u32, &str)> = cl
        .warnings
        .iter()
        .map(|f| (f.file.as_str(), f.line, f.id.as_str()))
        .collect();
    assert_eq!(
        warned,
        [
            (
                "Documentation/gpu/uapi-ledger.toml",
                15,
                "field:drm_toy_gem_create.offset"
            ),
            (
                "Documentation/gpu/uapi-ledger.toml",
                15,
                "ioctl:DRM_IOCTL_TOY_GEM_CREATE"
            ),
            (
                "Documentation/gpu/uapi-ledger.toml",
                15,
                "struct:drm_toy_gem_create"
            ),
            ("include/uapi/drm/toy_drm.h", 9, "struct:drm_toy_gem_create"),
            (
                "include/uapi/drm/toy_drm.h",
                13,
                "field:drm_toy_gem_create.offset"
            ),
            (
                "include/uapi/drm/toy_drm.h",
                23,
                "ioctl:DRM_IOCTL_TOY_GEM_CREATE"
            ),
        ]
    );
    // Routing: the driver's own entry for its header, DRM DRIVERS for core, THE REST otherwise
    // (the new uAPI of `--area other`).
    let routes: Vec<Vec<&str>> = cl
        .groups
        .iter()
        .map(|g| g.maintainers.iter().map(|e| e.subsystem.as_str()).collect())
        .collect();
    assert_eq!(routes, [vec!["DRM DRIVERS"], vec!["TOY DRM DRIVER"]]);
    let other_routes: Vec<&str> = other.groups[0]
        .maintainers
        .iter()
        .map(|e| e.subsystem.as_str())
        .collect();
    assert_eq!(other_routes, ["THE REST"]);
}

#[test]
fn every_format_matches_its_snapshot() {
    let h = history();
    let cl = checklist_of(&h, &options(None));
    settings().bind(|| {
        insta::assert_snapshot!("checklist.md", checklist::markdown(&cl));
        insta::assert_snapshot!("checklist.txt", checklist::text(&cl));
        insta::assert_snapshot!("checklist.json", checklist::json(&cl));
        insta::assert_snapshot!("checklist.sarif", checklist::sarif(&cl));
        insta::assert_snapshot!("checklist.github", checklist::github(&cl));
        insta::assert_snapshot!("ledger-init.toml", checklist::ledger_skeleton(&cl));
    });
    for line in checklist::text(&cl).lines() {
        assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
    }
}

/// The structure GitHub code scanning requires of SARIF 2.1.0.
#[test]
fn sarif_has_the_required_structure() {
    let h = history();
    let cl = checklist_of(&h, &options(None));
    let doc: serde_json::Value = serde_json::from_str(&checklist::sarif(&cl)).expect("json");
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"]
        .as_str()
        .expect("$schema")
        .contains("sarif-2.1.0"));
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "uapi-diff");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let results = run["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        cl.summary.items + cl.summary.stale + cl.summary.warnings
    );
    for r in results {
        let rule = r["ruleId"].as_str().expect("ruleId");
        assert!(rules.contains(&rule), "{rule} not in rules");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().expect("level")));
        assert!(!r["message"]["text"].as_str().expect("message").is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].as_str().expect("uri").len() > 1);
        assert!(loc["region"]["startLine"].as_u64().expect("startLine") >= 1);
    }
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, cl.summary.missing);
}

#[test]
fn exit_codes() {
    let h = history();
    // A report is not a failure; --check fails while an item has no evidence, and names it.
    let (code, out, _) = bin(&h, &["checklist", "old", "new"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# uAPI review checklist"), "{out}");
    // The only item without evidence is linux/gadget.h's new flag: new uAPI, which needs none
    // by default; a config asking userspace evidence in area `other` fails the check on it.
    let (code, _, err) = bin(&h, &["checklist", "old", "new", "--check"]);
    assert_eq!(code, 0, "{err}");
    let config = h.path().join("policy.toml");
    std::fs::write(&config, "[areas.other]\nuserspace = true\n").expect("write");
    let config = config.to_str().expect("utf-8");
    let (code, _, err) = bin(
        &h,
        &[
            "checklist",
            "old",
            "new",
            "--check",
            "--format",
            "github",
            "--config",
            config,
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("1 of 8 items lack their evidence or justification: define:GADGET_FLAG_B"),
        "{err}"
    );
    assert!(err.contains("stale ledger entry"), "{err}");
    // A bad config: one line naming the file, the line and the key.
    let bad_config = h.path().join("bad-policy.toml");
    std::fs::write(&bad_config, "[areas.other]\nuserspace = \"yes\"\n").expect("write");
    let (code, _, err) = bin(
        &h,
        &[
            "checklist",
            "old",
            "new",
            "--config",
            bad_config.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad-policy.toml:2: `userspace`:"), "{err}");
    // Scoped to DRM, every item is justified.
    let (code, _, err) = bin(
        &h,
        &[
            "checklist",
            "old",
            "new",
            "--check",
            "--area",
            "drm-core",
            "--area",
            "drm-driver",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // Errors: a ledger that does not parse, an unknown revision.
    let bad = h.path().join("bad.toml");
    std::fs::write(&bad, "[[item]]\nid = \"x\"\nstatus = \"done\"\n").expect("write");
    let (code, out, err) = bin(
        &h,
        &[
            "checklist",
            "old",
            "new",
            "--check",
            "--ledger",
            bad.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("bad.toml") && err.contains("unknown variant"),
        "{err}"
    );
    let (code, _, err) = bin(&h, &["checklist", "old", "nope", "--check"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn ledger_init_round_trip() {
    let h = history();
    let (code, skeleton, err) = bin(&h, &["ledger", "init", "old", "new"]);
    assert_eq!(code, 0, "{err}");
    // Every item has an entry, none counts as evidence yet (the DRM ones: linux/gadget.h's new
    // flag is new uAPI, which needs none by default).
    let parsed = Ledger::parse("skeleton", &skeleton).expect("skeleton parses");
    assert_eq!(parsed.patterns.len(), 7);
    let path = h.path().join("ledger.toml");
    std::fs::write(&path, &skeleton).expect("write");
    let ledger = path.to_str().expect("utf-8");
    // `checklist --check` against the ledger file: exit status and JSON document.
    let check = || {
        let (code, out, err) = bin(
            &h,
            &[
                "checklist",
                "old",
                "new",
                "--check",
                "--format",
                "json",
                "--ledger",
                ledger,
            ],
        );
        let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
        (code, doc, err)
    };
    let (code, doc, err) = check();
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["summary"]["missing"], 7);
    assert_eq!(doc["summary"]["stale"], 0);
    assert_eq!(
        doc["groups"][0]["items"][0]["missing"],
        "no evidence recorded yet (status = \"todo\")"
    );
    // Filled in, it passes, and nothing is stale.
    let filled = skeleton.replace(
        "status = \"todo\"\nlinks = []",
        "status = \"merged\"\nlinks = [\"https://gitlab.freedesktop.org/mesa/mesa/-/merge_requests/7\"]",
    );
    std::fs::write(&path, filled).expect("write");
    let (code, doc, err) = check();
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["summary"]["justified"], 7);
    assert_eq!(doc["summary"]["stale"], 0);
    // A config beside the ledger is the policy: asking userspace in area `other` too.
    std::fs::write(
        path.with_file_name("uapi-diff.toml"),
        "[areas.other]\nuserspace = true\n",
    )
    .expect("write");
    let (code, doc, err) = check();
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["summary"]["missing"], 1);
    assert_eq!(doc["groups"][2]["items"][0]["id"], "define:GADGET_FLAG_B");
    assert_eq!(doc["groups"][2]["items"][0]["severity"], "needs-userspace");
}

/// Attribution on a few hundred commits: each item is attributed to the commit that added it, and
/// each distinct blob along the path is read and parsed once.
#[test]
fn attribution_on_a_long_history() {
    const COMMITS: usize = 300;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q", "."], "2024-01-01T00:00:00+0000");
    let files = [
        "include/uapi/drm/a_drm.h",
        "include/uapi/drm/b_drm.h",
        "include/uapi/linux/c.h",
    ];
    let base = common::fixture_tree("drm-basic", "old");
    let mut stream = String::new();
    let blob =
        |path: &str, text: &str| format!("M 100644 inline {path}\ndata {}\n{text}\n", text.len());
    let mut contents: Vec<String> = (0..files.len())
        .map(|i| format!("#define BASE_{i} 0\n"))
        .collect();
    stream.push_str("commit refs/heads/main\nmark :1\nauthor A <a@example.com> 1700000000 +0000\n");
    stream.push_str("committer A <a@example.com> 1700000000 +0000\ndata 4\nbase\n");
    for rel in [
        "include/uapi/linux/types.h",
        "include/uapi/asm-generic/types.h",
        "include/uapi/asm-generic/int-ll64.h",
        "include/uapi/asm-generic/bitsperlong.h",
        "arch/x86/include/uapi/asm/bitsperlong.h",
    ] {
        let text = std::fs::read_to_string(base.path().join(rel)).expect("base");
        stream.push_str(&blob(rel, &text));
    }
    for (f, c) in files.iter().zip(&contents) {
        stream.push_str(&blob(f, c));
    }
    for n in 1..=COMMITS {
        let f = n % files.len();
        contents[f].push_str(&format!("#define TOY_{n} {n}\n"));
        let msg = format!("toy: add TOY_{n}\n\nLink: https://lore.kernel.org/{n}\n");
        let time = 1700000000 + n * 60;
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{}\nauthor A <a@example.com> {time} +0000\n\
committer A <a@example.com> {time} +0000\ndata {}\n{msg}\nfrom :{n}\n",
            n + 1,
            msg.len()
        ));
        stream.push_str(&blob(files[f], &contents[f]));
    }
    stream.push_str(&format!(
        "reset refs/tags/old\nfrom :1\n\nreset refs/tags/new\nfrom :{}\n\n",
        COMMITS + 1
    ));
    let mut child = Command::new("git")
        .current_dir(root)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("feed fast-import");
    assert!(child.wait().expect("fast-import ends").success());

    let old = Tree::open(root, "old").expect("old");
    let new = Tree::open(root, "new").expect("new");
    let report = pipeline::diff_trees(&old, &new, &pipeline::Options::default()).expect("diff");
    // Every area named: the new uAPI of linux/c.h too.
    let areas = [Area::DrmCore, Area::DrmDriver, Area::Accel, Area::Other];
    let items = checklist::listed(&report, &areas);
    assert_eq!(items.len(), COMMITS);
    let cache = ParseCache::default();
    let start = std::time::Instant::now();
    let a = attribution::attribute(&old, &new, &items, &cache).expect("attribution");
    let elapsed = start.elapsed();
    eprintln!("attribution of {COMMITS} items over {COMMITS} commits: {elapsed:?}");
    assert_eq!(a.commits, COMMITS);
    // The three files at `old`, and one new blob per commit: each parsed once.
    assert_eq!(cache.len(), COMMITS + files.len());
    assert_eq!(a.blobs, COMMITS + files.len());
    for c in &items {
        let got = a
            .by_id
            .get(&c.id)
            .unwrap_or_else(|| panic!("{} not attributed", c.id));
        assert_eq!(got.subject, format!("toy: add {}", c.name));
        assert_eq!(got.trailers.len(), 1);
    }
    assert!(elapsed.as_secs() < 30, "attribution took {elapsed:?}");
}

/// `git format-patch old..new` of the history into a fresh directory (outside the repository), one
/// file per patch; and the same series as one mbox.
fn format_patch(h: &History) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path().join("patches");
    let date = "2024-03-10T00:00:00+0000";
    git(
        h.path(),
        &[
            "format-patch",
            "-q",
            "-o",
            dir.to_str().expect("utf-8"),
            "old..new",
        ],
        date,
    );
    let mbox = git(h.path(), &["format-patch", "--stdout", "old..new"], date);
    let mbox_path = out.path().join("series.mbox");
    std::fs::write(&mbox_path, format!("{mbox}\n")).expect("write mbox");
    (out, mbox_path)
}

/// The checklist as JSON, without what only a series has (`patch`, which each attributed item of
/// a series must have) or only names the side (`new`).
fn comparable(cl: &Checklist, series: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(cl).expect("json");
    for item in v["groups"]
        .as_array_mut()
        .expect("groups")
        .iter_mut()
        .flat_map(|g| g["items"].as_array_mut().expect("items").iter_mut())
    {
        if let Some(i) = item["introduced_by"].as_object_mut() {
            assert_eq!(i.remove("patch").is_some(), series, "{i:?}");
        }
    }
    v.as_object_mut().expect("object").remove("new");
    v
}

#[test]
fn a_series_from_format_patch_gives_the_checklist_of_its_commits() {
    let h = history();
    let committed = checklist_of(&h, &options(None));
    let (out, mbox) = format_patch(&h);
    for source in [out.path().join("patches"), mbox] {
        let series = uapi_diff::series::read(source.to_str().expect("utf-8")).expect("reads");
        assert_eq!(series.patches.len(), 7, "every commit is a patch");
        let applied = uapi_diff::series::apply(Tree::open(h.path(), "old").expect("old"), &series)
            .expect("applies");
        assert_eq!(
            applied.skipped,
            ["patch 5/7 \"docs: README\""],
            "the README patch touches nothing uapi-diff reads"
        );
        let old = Side::Tree(Tree::open(h.path(), "old").expect("old"));
        let new = Side::Tree(applied.tree);
        let cl = checklist::run(&old, &new, &options(None)).expect("checklist runs");
        assert_eq!(
            comparable(&cl, true),
            comparable(&committed, false),
            "{}",
            source.display()
        );
        let wait = cl
            .groups
            .iter()
            .flat_map(|g| &g.items)
            .find(|i| i.id == "ioctl:DRM_IOCTL_TOY_WAIT")
            .and_then(|i| i.introduced_by.as_ref())
            .expect("attributed");
        let patch = wait.patch.as_ref().expect("a patch");
        assert_eq!(patch.number, "1/7");
        assert_eq!(wait.commit, h.commit_of("drm/toy: add the WAIT ioctl"));
        assert!(wait.trailers.iter().any(|t| t.key == "Mesa MR"));
    }
}

#[test]
fn series_on_the_command_line_and_a_broken_series() {
    let h = history();
    let (out, mbox) = format_patch(&h);
    let mbox = mbox.to_str().expect("utf-8");
    // diff BASE --series: the changes of OLD NEW, and only notes about touched files.
    let (code, committed, _) = bin(&h, &["diff", "old", "new", "--format", "json"]);
    assert_eq!(code, 1);
    let (code, series, err) = bin(&h, &["diff", "old", "--series", mbox, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let changes = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).expect("json")["changes"].clone()
    };
    assert_eq!(changes(&series), changes(&committed));
    assert!(
        err.contains("patch 5/7 \"docs: README\" touches no file uapi-diff reads"),
        "{err}"
    );
    // The checklist from standard input, and ledger init.
    let cl = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args([
            "checklist",
            "old",
            "--series",
            "-",
            "--format",
            "text",
            "-C",
        ])
        .arg(h.path())
        .stdin(std::fs::File::open(mbox).expect("mbox"))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&cl.stdout);
    assert_eq!(
        cl.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&cl.stderr)
    );
    assert!(
        text.contains("[PATCH 1/7] \"drm/toy: add the WAIT ioctl\""),
        "{text}"
    );
    let (code, skeleton, err) = bin(&h, &["ledger", "init", "old", "--series", mbox]);
    assert_eq!(code, 0, "{err}");
    assert!(
        skeleton.contains("# introduced by [PATCH 2/7]"),
        "{skeleton}"
    );
    // A context line the base does not have: exit 2, nothing on stdout, the patch, file and line.
    let second = std::fs::read_dir(out.path().join("patches"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains("0002-"))
        .expect("second patch");
    let text = std::fs::read_to_string(&second).expect("read");
    std::fs::write(
        &second,
        text.replacen("\t__u32 handle;\n", "\t__u32 handle_x;\n", 1),
    )
    .expect("write");
    let (code, stdout, err) = bin(
        &h,
        &[
            "checklist",
            "old",
            "--series",
            out.path().join("patches").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        err.contains("patch 2/7 \"drm/toy: return the mmap offset from GEM_CREATE\": include/uapi/drm/toy_drm.h: patch failed at line"),
        "{err}"
    );
    // NEW and --series together is a usage error.
    let (code, _, _) = bin(&h, &["diff", "old", "new", "--series", mbox]);
    assert_eq!(code, 2);
}

/// Runs `uapi-diff ARGS -C repo` with `input` on standard input.
fn bin_stdin(h: &History, args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .arg("-C")
        .arg(h.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("uapi-diff runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("exits");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// As `b4 am` writes a patch: no commit on the separator line.
const DROP_FLAG_A: &str = concat!(
    "From git@z Thu Jan  1 00:00:00 1970\n",
    "From: Gadget Dev <gadget@example.com>\n",
    "Date: Mon, 11 Mar 2024 10:00:00 +0000\n",
    "Subject: [PATCH] gadget: drop flag A\n",
    "Message-ID: <drop-a@example.com>\n",
    "\n",
    "Nobody uses it.\n",
    "---\n",
    "diff --git a/include/uapi/linux/gadget.h b/include/uapi/linux/gadget.h\n",
    "--- a/include/uapi/linux/gadget.h\n",
    "+++ b/include/uapi/linux/gadget.h\n",
    "@@ -1,5 +1,4 @@\n",
    " #ifndef _GADGET_H\n",
    " #define _GADGET_H\n",
    "-#define GADGET_FLAG_A\t1\n",
    " /*NEW*/\n",
    " #endif\n",
);

#[test]
fn b4_per_patch_check_protocols() {
    let h = history();
    let wait = h.commit_of("drm/toy: add the WAIT ioctl");
    let patch = git(
        h.path(),
        &["format-patch", "--stdout", "-1", wait],
        "2024-03-10T00:00:00+0000",
    );
    // prep/am-perpatch-check-cmd: the patch on stdin, checked against its commit's parent;
    // one checkpatch-style line per new item, with the patch's candidate evidence.
    let (code, out, err) = bin_stdin(&h, &["b4", "check"], &format!("{patch}\n"));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(": WARNING: ")).collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines.iter().all(|l| l.starts_with("include/uapi/drm/toy_drm.h:")
            && l.contains(": WARNING: uapi-diff: ")
            && l.contains("candidate evidence: Link: https://lore.kernel.org/dri-devel/toy-wait-v3@example.com/; Mesa MR: ")),
        "{out}"
    );
    assert!(
        out.contains("ioctl DRM_IOCTL_TOY_WAIT added: needs open-source userspace"),
        "{out}"
    );
    // And a CHECK per hint: the new struct has no flags member.
    let checks: Vec<&str> = out.lines().filter(|l| l.contains(": CHECK: ")).collect();
    assert_eq!(checks.len(), 1, "{out}");
    assert!(
        checks[0].contains("CHECK: uapi-diff: struct drm_toy_wait added: a new ioctl struct has no `flags` or `extensions` member (rule hint-no-flags)"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 4, "{out}");
    // A breaking patch as `b4 am` hands it over (no commit named): checked against --base.
    let (code, out, err) = bin_stdin(&h, &["b4", "check", "--base", "old"], DROP_FLAG_A);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "include/uapi/linux/gadget.h:3: ERROR: uapi-diff: define GADGET_FLAG_A removed: "
        ),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    // review-perpatch-check-cmd: one JSON result in b4's schema.
    let (code, out, err) = bin_stdin(&h, &["b4", "review", "--base", "old"], DROP_FLAG_A);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{out}");
    let r = &v[0];
    assert_eq!(
        (r["tool"].as_str(), r["status"].as_str()),
        (Some("uapi-diff"), Some("fail"))
    );
    assert_eq!(r["summary"], "1 breaking, 0 to review");
    assert_eq!(r["url"], "");
    assert!(
        r["details"]
            .as_str()
            .is_some_and(|d| d.contains("GADGET_FLAG_A")),
        "{out}"
    );
    let (_, out, _) = bin_stdin(
        &h,
        &["b4", "review", "--base", "old"],
        &format!("{patch}\n"),
    );
    assert!(out.contains("\"status\":\"warn\""), "{out}");
    // A cover letter, or a patch to nothing uapi-diff reads: clean.
    let cover = "From git@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH 0/2] toy things\n\nHi.\n";
    assert_eq!(bin_stdin(&h, &["b4", "check"], cover).1, "");
    let readme = git(
        h.path(),
        &[
            "format-patch",
            "--stdout",
            "-1",
            h.commit_of("docs: README"),
        ],
        "2024-03-10T00:00:00+0000",
    );
    assert_eq!(bin_stdin(&h, &["b4", "check"], &readme).1, "");
    let (_, out, _) = bin_stdin(&h, &["b4", "review"], &readme);
    assert!(out.contains("\"status\":\"pass\""), "{out}");
}
