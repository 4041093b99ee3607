//! The README cannot go stale: its first code block is the two commands (`.ci/run` runs the test
//! one), its links lead to files, and every example block is run and its output compared.
//!
//! An example block is a ```` ```console ```` block after the line `<!-- readme: run -->`. Each
//! `$ ` line in it is a command, run with `sh -c` in one scratch directory laid out as this
//! repository is after the README's first command (`cache/kernels/repo`, `scripts/`, and
//! `igt-gpu-tools`, IGT's tree), with the built `uapi-diff` first on PATH; the lines after it, up to
//! the next `$ ` line, are its standard output (trailing blanks ignored). Blocks share the scratch
//! directory, in order. A console block without that marker is an error, so no example escapes.
//!
//! `UPDATE_README=1 cargo test --release --test readme` writes the real outputs into the README
//! instead of comparing (as `cargo insta accept` does for snapshots): after a change of output,
//! run it and review `git diff README.md` (CONTRIBUTING.md).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const MARKER: &str = "<!-- readme: run -->";
const PROMPT: &str = "$ ";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// One example block: the README's line index of each command, the command, and the output shown.
struct Example {
    commands: Vec<(usize, String, Vec<String>)>,
    /// The README's line index of the closing fence.
    end: usize,
}

/// The example blocks of `text`; a console block that is not marked as one is an error.
fn examples(text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("```") && line.trim_end() != "```" {
            let marked = i >= 1 && lines[i - 1] == MARKER;
            let console = line.trim_end() == "```console";
            assert_eq!(
                marked,
                console,
                "README.md:{}: a ```console block is an example, and needs `{MARKER}` on the line before it (and only it does)",
                i + 1
            );
            let end = i
                + 1
                + lines[i + 1..]
                    .iter()
                    .position(|l| l.starts_with("```"))
                    .expect("a closed code block");
            if console {
                let mut commands: Vec<(usize, String, Vec<String>)> = Vec::new();
                for (j, l) in lines.iter().enumerate().take(end).skip(i + 1) {
                    if let Some(command) = l.strip_prefix(PROMPT) {
                        commands.push((j, command.to_string(), Vec::new()));
                    } else {
                        let (_, _, output) = commands.last_mut().unwrap_or_else(|| {
                            panic!("README.md:{}: output before any `$ ` command", j + 1)
                        });
                        output.push(l.trim_end().to_string());
                    }
                }
                assert!(
                    !commands.is_empty(),
                    "README.md:{}: an empty example",
                    i + 1
                );
                out.push(Example { commands, end });
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The README's first code block is the two commands, and CI runs the second.
#[test]
fn the_first_block_is_the_two_commands_and_ci_runs_the_test_one() {
    let text = readme();
    let first: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert_eq!(
        first,
        [
            "scripts/fetch-kernels.sh && cargo run --release -- diff v6.1 v6.12 -C cache/kernels/repo",
            "scripts/test.sh"
        ]
    );
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert_eq!(ci.lines().last(), Some("exec scripts/test.sh"));
    assert!(text.starts_with("# uapi-diff\n"), "the title comes first");
    assert!(
        text.lines().count() <= 200,
        "the README is the user's first read: at most 200 lines ({})",
        text.lines().count()
    );
}

/// The facts the README states outside the examples.
#[test]
fn the_prose_states_what_the_repository_says() {
    let text = readme();
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let rust = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("rust-version");
    assert!(text.contains(&format!("Rust toolchain ({rust} or later)")));
    let igt = common::IGT
        .strip_prefix("igt-gpu-tools-")
        .expect("IGT's name");
    assert!(
        text.contains(&format!("IGT\nat commit {igt}"))
            || text.contains(&format!("at commit {igt}"))
    );
    assert!(text.contains("cargo install --path ."));
}

/// Every relative link of the README, and of the docs it links, leads to a file.
#[test]
fn links_lead_to_files() {
    let mut pages = vec![PathBuf::from("README.md")];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(page) = pages.pop() {
        if !seen.insert(page.clone()) {
            continue;
        }
        let text = std::fs::read_to_string(root().join(&page))
            .unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        for target in text.split("](").skip(1).filter_map(|s| s.split(')').next()) {
            if target.contains("://") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap_or_default();
            let path = page.parent().unwrap_or(Path::new("")).join(file);
            assert!(
                root().join(&path).is_file(),
                "{}: link to {target}: no such file",
                page.display()
            );
            if file.ends_with(".md") {
                pages.push(path);
            }
        }
    }
}

/// The scratch directory the examples run in, laid out as the repository after the first command.
fn scratch(kernels: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let link = |target: &Path, at: &str| {
        let at = dir.path().join(at);
        std::fs::create_dir_all(at.parent().expect("a parent")).expect("mkdir");
        std::os::unix::fs::symlink(target, &at).expect("symlink");
    };
    link(kernels, "cache/kernels/repo");
    link(&root().join("scripts"), "scripts");
    if let Some(igt) = common::igt_tree() {
        link(&igt, "igt-gpu-tools");
    }
    dir
}

/// Runs `command` in `dir`; its standard output, lines without trailing blanks.
fn run(dir: &Path, command: &str) -> Vec<String> {
    let bin = Path::new(env!("CARGO_BIN_EXE_uapi-diff"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("UAPI_DIFF_KERNELS")
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// Every example, run: its output is the one shown (or, with `UPDATE_README=1`, becomes it).
#[test]
fn every_example_prints_what_the_readme_shows() {
    let text = readme();
    let examples = examples(&text);
    assert_eq!(examples.len(), 4, "the tour's four examples");
    let Some(kernels) = common::kernel_repo() else {
        return;
    };
    if common::igt_tree().is_none() {
        return;
    }
    let dir = scratch(&kernels);
    let update = std::env::var_os("UPDATE_README").is_some();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut failures = Vec::new();
    // From the last block up, so that rewriting one leaves the indices of those above.
    let mut runs: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for example in &examples {
        for (k, (at, command, shown)) in example.commands.iter().enumerate() {
            let got = run(dir.path(), command);
            if &got != shown {
                failures.push(format!(
                    "README.md:{}: `{command}` printed\n{}\n--- the README shows\n{}",
                    at + 1,
                    got.join("\n"),
                    shown.join("\n")
                ));
            }
            let next = example
                .commands
                .get(k + 1)
                .map_or(example.end, |(next, _, _)| *next);
            runs.push((at + 1, next, got));
        }
    }
    if update {
        for (from, to, got) in runs.into_iter().rev() {
            lines.splice(from..to, got);
        }
        std::fs::write(root().join("README.md"), lines.join("\n") + "\n").expect("write README.md");
        return;
    }
    assert!(
        failures.is_empty(),
        "{}\n\n(after a change of output: UPDATE_README=1 cargo test --release --test readme, then review git diff README.md)",
        failures.join("\n\n")
    );
}
