//! The `docket` binary: parse the command line, run one command, print the
//! error chain once and set the exit code.

use std::process::ExitCode;

use clap::Parser;
use docket::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        other => anyhow::bail!("not implemented yet: {other:?}"),
    }
}
