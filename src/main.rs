//! The `docket` binary: parse the command line, run one command, print the
//! error chain once and set the exit code.

mod sidecar_cmd;

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
        Command::Sidecar(site) => sidecar_cmd::sidecar(&site.site),
        Command::Agent { action } => sidecar_cmd::account(docket_sidecar::Role::Agent, action),
        Command::Customer { action } => {
            sidecar_cmd::account(docket_sidecar::Role::Customer, action)
        }
        other => anyhow::bail!("not implemented yet: {other:?}"),
    }
}
