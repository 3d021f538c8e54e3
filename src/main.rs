//! The `rb-site` binary: parse arguments, run, and turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

/// jemalloc, not the system allocator: a build makes and drops pages, template contexts and
/// search records on every thread, and glibc's `malloc` and `free` were an eighth of a
/// 10,000-runbook build's CPU samples (README, "Benchmarks"). mimalloc saved as much time but held more memory: `check` went
/// over its 150 MiB.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = rb_site::cli::Cli::parse();
    match rb_site::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            anstream::eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
