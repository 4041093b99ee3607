use clap::Parser;

fn main() {
    let cli = uapi_diff::cli::Cli::parse();
    std::process::exit(uapi_diff::cli::run(cli));
}
