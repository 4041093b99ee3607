//! The HTML report in a real browser: Debian's chromium, headless, renders `history --format html`
//! of the four-revision fixture history (tests/fixtures/timeline). The page must run its script
//! without an error or a console message, hold in its DOM the counts the JSON outputs give, open
//! an item's history from a `#item-…` URL, and be drawn (a screenshot is taken: with
//! UAPI_DIFF_SCREENSHOTS=DIR it is kept there to look at).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const REVISIONS: [&str; 4] = ["timeline/r1", "timeline/r2", "timeline/r3", "timeline/r4"];

fn chromium_available() -> bool {
    Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What chromium gave for one page: the DOM after its scripts ran, and its log.
struct Rendered {
    dom: String,
    log: String,
}

/// Renders `url` headless (flags that work as root, in a container, with no network), with a
/// fresh profile; `extra` adds `--dump-dom` or `--screenshot=…`.
fn chromium(url: &str, extra: &[String]) -> Rendered {
    let profile = tempfile::tempdir().expect("a profile dir");
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium failed: {log}");
    Rendered {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        log,
    }
}

fn dom_of(url: &str) -> Rendered {
    chromium(url, &["--dump-dom".to_string()])
}

/// What the page's scripts said: console messages and uncaught errors in chromium's log, and the
/// errors the page's own sink wrote into the DOM.
fn script_problems(page: &Rendered) -> Vec<String> {
    let mut problems: Vec<String> = page
        .log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    if let Some(at) = page.dom.find("data-js-errors=") {
        problems.push(page.dom[at..].chars().take(200).collect());
    }
    problems
}

/// The value of `attr` on the element whose opening tag starts at `tag`.
fn attr<'a>(dom: &'a str, tag: usize, attr: &str) -> Option<&'a str> {
    let end = tag + dom[tag..].find('>')?;
    let open = &dom[tag..end];
    let at = open.find(&format!(" {attr}=\""))? + attr.len() + 3;
    Some(&open[at..at + open[at..].find('"')?])
}

/// The opening tags of the elements with this class (and tag name), in order.
fn elements(dom: &str, start: &str) -> Vec<usize> {
    dom.match_indices(start).map(|(at, _)| at).collect()
}

fn screenshot_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("UAPI_DIFF_SCREENSHOTS") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).expect("the screenshot dir");
            (None, PathBuf::from(dir))
        }
        None => {
            let tmp = tempfile::tempdir().expect("temp dir");
            let path = tmp.path().to_path_buf();
            (Some(tmp), path)
        }
    }
}

/// Takes a screenshot of `url` into `png` and checks it is a PNG of the window's size.
fn screenshot(url: &str, png: &Path) {
    let page = chromium(url, &[format!("--screenshot={}", png.display())]);
    assert!(
        script_problems(&page).is_empty(),
        "{:?}",
        script_problems(&page)
    );
    let bytes = std::fs::read(png).expect("a screenshot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be32 = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((be32(16), be32(20)), (1280, 1400), "IHDR width and height");
    // A blank page compresses to a few kilobytes; the chart and tables make it far larger.
    assert!(
        bytes.len() > 40_000,
        "{} bytes: is the page blank?",
        bytes.len()
    );
}

#[test]
fn the_report_renders_in_chromium() {
    if !chromium_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium (scripts/test.sh installs it)"
        );
        eprintln!("skipping: no chromium");
        return;
    }
    let repo = common::tagged_repo(&REVISIONS);
    let out = tempfile::tempdir().expect("temp dir");
    let report = out.path().join("report.html");
    let revs = ["r1", "r2", "r3", "r4"];
    let report_arg = report.to_str().expect("utf-8");
    common::run_tool(
        repo.path(),
        &[
            &["history"],
            &revs[..],
            &["--format", "html", "-o", report_arg],
        ]
        .concat(),
    );
    let json = |args: &[&str]| -> serde_json::Value {
        let (_, out) = common::run_tool(repo.path(), args);
        serde_json::from_str(&out).expect("JSON")
    };
    let history = json(&[&["history"], &revs[..], &["--format", "json"]].concat());
    let index = json(&[&["since"], &revs[..]].concat());
    let url = format!("file://{}", report.display());

    let page = dom_of(&url);
    assert!(
        script_problems(&page).is_empty(),
        "{:?}",
        script_problems(&page)
    );
    assert!(
        page.dom.contains("data-ready=\"1\""),
        "the page's script ran to its end"
    );

    // One row per step, with the counts `history --format json` gives, each opening into as many
    // changes as it counts.
    let dom = &page.dom;
    let steps = elements(dom, "<details class=\"step\"");
    let summaries = history["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), summaries.len());
    for (i, (&at, summary)) in steps.iter().zip(summaries).enumerate() {
        let s = &summary["summary"];
        for key in ["added", "removed", "changed", "breaking"] {
            assert_eq!(
                attr(dom, at, &format!("data-{key}")),
                Some(s[key].to_string().as_str()),
                "step {i}: {key}"
            );
        }
        let end = steps.get(i + 1).copied().unwrap_or(dom.len());
        let rows = dom[at..end].matches("<tr class=\"change ").count() as u64;
        let total = ["added", "removed", "changed"].map(|k| s[k].as_u64().expect(k));
        assert_eq!(rows, total.iter().sum::<u64>(), "step {i}: rows");
    }
    // An item history for each item the since-index shows added, changed or removed after r1.
    let eventful = index["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| {
            i["first"] != "r1" || i["changed"] != serde_json::json!([]) || i.get("last").is_some()
        })
        .count();
    assert_eq!(elements(dom, "<details class=\"item\"").len(), eventful);
    assert!(
        eventful >= 8,
        "the fixture history adds, changes and removes items"
    );

    // The per-item view: a #fragment opens that item's history, and only it.
    let item_url = format!("{url}#item-ioctl:TOY_IOCTL_SET");
    let item_page = dom_of(&item_url);
    assert!(
        script_problems(&item_page).is_empty(),
        "{:?}",
        script_problems(&item_page)
    );
    let dom = &item_page.dom;
    let at = dom
        .find("id=\"item-ioctl:TOY_IOCTL_SET\"")
        .expect("the item's history");
    let tag = dom[..at].rfind('<').expect("its tag");
    let item = &dom[tag..tag + dom[tag..].find("</details>").expect("its end")];
    assert!(
        item.starts_with("<details class=\"item target\"") && item.contains(" open=\"\""),
        "{item}"
    );
    let events: Vec<(&str, &str)> = item
        .split("<tr class=\"event\">")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row
                .split("<td")
                .skip(1)
                .map(|c| &c[c.find('>').expect(">") + 1..c.find("</td>").expect("</td>")])
                .collect();
            (cells[0], cells[1])
        })
        .collect();
    assert_eq!(
        events,
        [("r2", "added"), ("r3", "changed"), ("r4", "removed")]
    );
    assert_eq!(
        dom.matches(" open=\"\"").count(),
        1,
        "only the item asked for is open"
    );
    // Shown at the top, above the chart: in the focus section, which is no longer hidden.
    let focus = dom
        .find("<section id=\"focus\"")
        .expect("the focus section");
    assert!(focus < tag && tag < dom.find("<section id=\"growth\"").expect("the chart"));
    assert_eq!(attr(dom, focus, "hidden"), None);

    let (_keep, shots) = screenshot_dir();
    screenshot(&url, &shots.join("timeline-fixture.png"));
    screenshot(&item_url, &shots.join("timeline-fixture-item.png"));
}

/// The check above would see a script error: a page that throws is caught by it.
#[test]
fn a_script_error_is_seen() {
    if !chromium_available() {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>",
    )
    .expect("write");
    let rendered = dom_of(&format!("file://{}", page.display()));
    let problems = script_problems(&rendered);
    assert!(
        problems.iter().any(|p| p.contains("undefinedFunction")),
        "{problems:?}"
    );
}
