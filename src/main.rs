//! The `rb-site` binary: parse arguments, run, and turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

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
