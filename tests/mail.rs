//! The review reply (`checklist BASE --series PATCHES --format mail`) on the mbox of a series as
//! it reaches a list: tests/fixtures/series/v3d-perfmon.mbox (scripts/gen-review-series.sh: a
//! cover letter and three patches to v3d_drm.h on v6.1, two carrying what v6.12 added there, one
//! renaming a member of an ioctl struct). Needs the real kernel repo (skipped without it, as
//! tests/real_kernel.rs).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn mbox() -> PathBuf {
    common::fixtures_dir().join("series/v3d-perfmon.mbox")
}

/// `uapi-diff ARGS -C REPO` with HOME (and so the git config the reviewer is read from) at
/// `home`: exit status, stdout, stderr.
fn run(repo: &Path, home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .args(args)
        .arg("-C")
        .arg(repo)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("GIT_CONFIG_GLOBAL")
        .output()
        .expect("run uapi-diff");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn a_review_reply_to_a_real_series() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        home.path().join(".gitconfig"),
        "[user]\n\tname = Rita Reviewer\n\temail = rita@example.net\n",
    )
    .expect("write .gitconfig");
    let mbox = mbox();
    let mbox = mbox.to_str().expect("utf-8 path");
    let args = ["checklist", "v6.1", "--series", mbox, "--format", "mail"];
    let (code, mail, err) = run(&repo, home.path(), &args);
    assert_eq!(code, 0, "{err}");
    let snapshot = mail.replace(mbox, "tests/fixtures/series/v3d-perfmon.mbox");
    settings().bind(|| insta::assert_snapshot!("series-v3d-perfmon.mail", snapshot));

    // A mail a mail reader reads: the headers that thread it as a reply to the cover letter.
    let parsed = mailparse::parse_mail(mail.as_bytes()).expect("a mail");
    use mailparse::MailHeaderMap;
    let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
    let cover = "<cover.1717401780.git.jane.doe@example.org>";
    assert_eq!(header("From"), "Rita Reviewer <rita@example.net>");
    assert_eq!(header("To"), "Jane Doe <jane.doe@example.org>");
    assert_eq!(
        header("Cc"),
        "dri-devel@lists.freedesktop.org, Maxime Example <maxime@example.org>, Iago Example <iago@example.org>"
    );
    assert_eq!(
        header("Subject"),
        "Re: [PATCH 0/3] drm/v3d: Describe the performance counters to userspace"
    );
    assert_eq!(header("In-Reply-To"), cover);
    assert_eq!(header("References"), cover);
    let body = parsed.get_body().expect("a body");
    // Prose within 72 columns, headers within 78; patch lines are quoted as they are.
    let (head, _) = mail.split_once("\n\n").expect("headers, then the body");
    assert!(head.lines().all(|l| l.len() <= 78), "{head}");
    for line in body.lines().filter(|l| !l.starts_with('>')) {
        assert!(line.chars().count() <= 72, "{line:?}");
    }
    // Every quoted line is a line of the series' patches.
    let series = std::fs::read_to_string(common::fixtures_dir().join("series/v3d-perfmon.mbox"))
        .expect("the mbox");
    for quoted in body.lines().filter_map(|l| l.strip_prefix("> ")) {
        assert!(
            quoted == "[...]" || series.lines().any(|l| l == quoted),
            "{quoted:?} is not a line of the series"
        );
    }
    // The renamed member: its lines quoted, then the break's question beneath them.
    let rename = body
        .find("> -\t__u32 ncounters;\n> +\t__u32 num_counters;\n")
        .expect("the renaming lines quoted");
    let asked = body[rename..]
        .find("removed field drm_v3d_perfmon_create.ncounters")
        .map(|at| &body[rename + at..])
        .expect("the removed member named under its lines");
    assert!(
        asked.contains("why is this safe for existing userspace?"),
        "{asked}"
    );
    // The struct is quoted where it is declared, not where its ioctl names it.
    let declared = body
        .find("> +struct drm_v3d_perfmon_get_counter {")
        .expect("the struct's declaration quoted");
    assert!(
        body[declared..].contains("- added struct drm_v3d_perfmon_get_counter: a new uAPI item")
    );

    // Without a git identity, no From: (git send-email or the mail client supplies it).
    let empty = tempfile::tempdir().expect("temp dir");
    let (code, mail, err) = run(&repo, empty.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        mail.starts_with("To: Jane Doe <jane.doe@example.org>\n"),
        "{mail}"
    );
}

/// The checklist of the same series names the rename first, as a break, attributed to its patch.
#[test]
fn a_renamed_member_is_the_checklist_s_first_item() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    let mbox = mbox();
    let mbox = mbox.to_str().expect("utf-8 path");
    let (code, json, err) = run(
        &repo,
        home.path(),
        &["checklist", "v6.1", "--series", mbox, "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let cl: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(cl["summary"]["breaking"], 1);
    assert_eq!(cl["summary"]["breaking_missing"], 1);
    let group = &cl["groups"][0];
    assert_eq!(group["section"], "DRM DRIVERS FOR V3D");
    let first = &group["items"][0];
    assert_eq!(first["id"], "field:drm_v3d_perfmon_create.ncounters");
    assert_eq!(first["severity"], "breaking");
    assert_eq!(first["introduced_by"]["patch"]["number"], "3/3");
    let (code, text, err) = run(
        &repo,
        home.path(),
        &["checklist", "v6.1", "--series", mbox, "--format", "text"],
    );
    assert_eq!(code, 0, "{err}");
    let text = text.replace(mbox, "tests/fixtures/series/v3d-perfmon.mbox");
    settings().bind(|| insta::assert_snapshot!("series-v3d-perfmon.checklist.txt", text));
    // `--check` fails on the unjustified break too.
    let (code, _, err) = run(
        &repo,
        home.path(),
        &["checklist", "v6.1", "--series", mbox, "--check"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("field:drm_v3d_perfmon_create.ncounters"),
        "{err}"
    );
}

#[test]
fn mail_needs_a_series() {
    let Some(repo) = common::kernel_repo() else {
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    let (code, out, err) = run(
        &repo,
        home.path(),
        &["checklist", "v6.1", "v6.12", "--format", "mail"],
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "uapi-diff: error: --format mail writes a reply to a series' mails: give BASE --series PATCHES\n"
    );
}
