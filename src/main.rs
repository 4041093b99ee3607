use clap::Parser;

/// mimalloc rather than the system's malloc: the walks allocate and free each revision's model
/// across threads (Cargo.toml says what it gained).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = uapi_diff::cli::Cli::parse();
    std::process::exit(uapi_diff::cli::run(cli));
}
