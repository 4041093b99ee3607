use clap::Parser;

/// mimalloc rather than the system's malloc: the walks allocate and free each revision's model
/// across threads (Cargo.toml says what it gained).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    no_huge_pages();
    let cli = uapi_diff::cli::Cli::parse();
    std::process::exit(uapi_diff::cli::run(cli));
}

/// No transparent huge pages for this process: a walk frees and allocates about a model's worth
/// of memory per revision, and the kernel zeroing 2 MiB pages for it again (or compacting memory
/// to find them) made a run's system time vary from 0.1 to 1.9 s; without them a 21-revision
/// history is faster and smaller, and one pair steadier (docs/performance.md).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integers only and touches no memory of this process; on
    // failure (an old kernel) nothing changes.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
