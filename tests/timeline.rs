//! `uapi-diff since` and `history --format html` on a four-revision fixture history
//! (tests/fixtures/timeline/README.md says what each revision does): the since-index follows items
//! through a move, a change and a removal, per arch; its JSON and TSV are pinned as snapshots; the
//! TSV gives a libseccomp-like table with one `cut` (docs/since.md).

mod common;

use std::path::Path;

const REVISIONS: [&str; 4] = ["timeline/r1", "timeline/r2", "timeline/r3", "timeline/r4"];

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn since(repo: &Path, extra: &[&str]) -> String {
    let mut args = vec!["since", "r1", "r2", "r3", "r4"];
    args.extend(extra);
    let (status, out) = common::run_tool(repo, &args);
    assert_eq!(status, 0, "since {extra:?}");
    out
}

use common::since_item as item;

#[test]
fn since_follows_items_through_moves_changes_and_removals() {
    let repo = common::tagged_repo(&REVISIONS);
    let json = since(repo.path(), &[]);
    let index: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        index["revisions"],
        serde_json::json!(["r1", "r2", "r3", "r4"])
    );
    assert_eq!(index["arches"], serde_json::json!(["x86"]));

    // Moved to another header with its value at r3 (one item, not a removal and an addition),
    // changed at r4.
    let version = item(&index, "define:TOY_VERSION");
    assert_eq!(version["first"], "r1");
    assert_eq!(version["changed"], serde_json::json!(["r4"]));
    assert!(version.get("last").is_none(), "TOY_VERSION exists at r4");
    assert_eq!(version["file"], "include/uapi/linux/toy_version.h");
    assert_eq!(version["value"], "2");

    let set = item(&index, "ioctl:TOY_IOCTL_SET");
    assert_eq!(set["first"], "r2");
    assert_eq!(set["last"], "r3");
    assert_eq!(
        set["changed"],
        serde_json::json!(["r3"]),
        "its struct grew at r3"
    );

    // The struct grew at r3, and with it the number of the ioctl that passes it.
    let get = item(&index, "ioctl:TOY_IOCTL_GET");
    assert_eq!(get["changed"], serde_json::json!(["r3"]));
    assert_eq!(get["value"], format!("{}", 0x8010_5401u32));
    assert_eq!(item(&index, "field:toy_args.extra")["first"], "r3");
    assert_eq!(item(&index, "struct:toy_args")["value"], "16");
    assert_eq!(
        item(&index, "ioctl:DRM_IOCTL_TOY_WAIT")["area"],
        "drm-driver"
    );
    // x86's number only (--arch x86).
    assert_eq!(item(&index, "define:__NR_toy_open")["value"], "400");

    settings().bind(|| insta::assert_snapshot!("timeline-since.json", json));
}

#[test]
fn since_all_arches_gives_a_libseccomp_like_table() {
    let repo = common::tagged_repo(&REVISIONS);
    let json = since(repo.path(), &["--all-arches"]);
    let index: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let nr = item(&index, "define:__NR_toy_open");
    // x86 and i386 read arch/x86 from r1 on; arm64 its own header from r2 on.
    assert_eq!(nr["first"], "r1");
    let arches: Vec<(String, String, String)> = nr["arches"]
        .as_array()
        .expect("per-arch entries")
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().expect(k).to_string();
            (s("arch"), s("value"), s("first"))
        })
        .collect();
    let pair = |a: &str, v: &str, f: &str| (a.to_string(), v.to_string(), f.to_string());
    assert_eq!(
        arches,
        [
            pair("x86", "400", "r1"),
            pair("i386", "400", "r1"),
            pair("arm64", "300", "r2")
        ]
    );

    // docs/since.md's recipe: the rows of the items named __NR_*, without the id, kind and the
    // history columns: name, then each arch's number and first revision.
    let tsv = since(repo.path(), &["--all-arches", "--format", "tsv"]);
    let header: Vec<&str> = tsv.lines().next().expect("a header").split('\t').collect();
    assert_eq!(
        &header[..6],
        ["id", "kind", "name", "first", "changed", "last"]
    );
    assert_eq!(&header[6..10], ["x86", "x86_first", "i386", "i386_first"]);
    let table: Vec<Vec<&str>> = tsv
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|cols| cols[2].starts_with("__NR_"))
        .map(|cols| [&cols[2..3], &cols[6..]].concat())
        .collect();
    assert_eq!(table.len(), 1);
    let row = &table[0];
    let column = |name: &str| header.iter().position(|h| *h == name).expect(name) - 5;
    assert_eq!(row[0], "__NR_toy_open");
    assert_eq!(
        (row[column("x86")], row[column("x86_first")]),
        ("400", "r1")
    );
    assert_eq!(
        (row[column("arm64")], row[column("arm64_first")]),
        ("300", "r2")
    );
    assert_eq!((row[column("arm")], row[column("arm_first")]), ("", ""));
    settings().bind(|| insta::assert_snapshot!("timeline-since-all-arches.tsv", tsv));
}

#[test]
fn history_html_is_one_self_contained_page_and_plot_writes_the_chart() {
    let repo = common::tagged_repo(&REVISIONS);
    let out = tempfile::tempdir().expect("temp dir");
    let html = out.path().join("report.html");
    let svg = out.path().join("growth.svg");
    let (status, _) = common::run_tool(
        repo.path(),
        &[
            "history",
            "r1",
            "r2",
            "r3",
            "r4",
            "--format",
            "html",
            "-o",
            html.to_str().expect("utf-8"),
            "--plot",
            svg.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(status, 1, "the history has changes");
    let page = std::fs::read_to_string(&html).expect("the report");
    // Nothing loaded from elsewhere: no URL but the SVG namespace, no external script or style.
    for forbidden in ["<link", "src=", "@import", "url("] {
        assert!(!page.contains(forbidden), "the page has {forbidden}");
    }
    let urls: Vec<&str> = page
        .match_indices("http")
        .map(|(at, _)| &page[at..at + 26])
        .collect();
    assert!(
        urls.iter()
            .all(|u| u.starts_with("http://www.w3.org/2000/svg")),
        "{urls:?}"
    );
    assert_eq!(page.matches("<details class=\"step\"").count(), 3);
    assert!(page.contains("id=\"item-ioctl:TOY_IOCTL_SET\""));
    let chart = std::fs::read_to_string(&svg).expect("the chart");
    assert!(chart.starts_with("<svg"), "{}", &chart[..40]);
    assert!(
        page.contains(chart.trim()),
        "the page holds the same chart inline"
    );
    for area in ["other uAPI", "DRM core", "DRM drivers", "accel"] {
        assert!(chart.contains(area), "a panel for {area}");
    }
}

#[test]
fn diff_html_is_the_page_of_one_step() {
    let repo = common::tagged_repo(&REVISIONS);
    let (status, page) = common::run_tool(repo.path(), &["diff", "r3", "r4", "--format", "html"]);
    assert_eq!(status, 1, "r3 → r4 has changes");
    assert_eq!(page.matches("<details class=\"step\"").count(), 1);
    // Its two changes (TOY_IOCTL_SET removed, TOY_VERSION changed), each with a history holding
    // its facts on both sides.
    assert_eq!(page.matches("<tr class=\"change ").count(), 2);
    assert_eq!(page.matches("<details class=\"item\"").count(), 2);
    let version = &page[page
        .find("id=\"item-define:TOY_VERSION\"")
        .expect("its history")..];
    let version = &version[..version.find("</details>").expect("its end")];
    assert_eq!(
        version.matches("<tr class=\"event\">").count(),
        2,
        "{version}"
    );
    assert!(
        version.contains(">1</td>") && version.contains(">2</td>"),
        "{version}"
    );

    let (_, all) = common::run_tool(
        repo.path(),
        &["diff", "r3", "r4", "--all-arches", "--format", "html"],
    );
    // With --all-arches an item may have an entry per group of arches with equal facts: each
    // history is anchored by the arches it holds for.
    assert!(
        all.contains("id=\"item-ioctl:TOY_IOCTL_SET@"),
        "anchored by arches"
    );
}
