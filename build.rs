//! The build id a persistent cache keys its entries by (`src/store`): a hash of everything the
//! tool's results are made from (its sources, the tree-sitter queries, the locked dependencies),
//! so that a tool built from other sources never reads an entry this one wrote, whatever its
//! version number says.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    for dir in ["src", "grammars"] {
        files(&root.join(dir), &mut inputs);
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
    inputs.sort();
    // SipHash with fixed keys: the same inputs give the same id on every machine.
    let mut hash = DefaultHasher::new();
    for path in &inputs {
        let relative = path.strip_prefix(root).unwrap_or(path);
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&std::fs::read(path).unwrap_or_default());
    }
    println!(
        "cargo:rustc-env=UAPI_DIFF_BUILD_ID={}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        hash.finish()
    );
}
