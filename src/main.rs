//! The `docket` binary: parse the command line, run one command, print the
//! error chain once and set the exit code.

mod sidecar_cmd;
mod ticket_cmd;

use std::process::ExitCode;

use clap::Parser;
use docket::cli::{AccountAction, Cli, Command};
use docket_sidecar::Role;

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
        Command::Ticket { action } => ticket_cmd::ticket(action),
        Command::Sidecar(args) if args.demo => sidecar_cmd::sidecar_demo(&args.site),
        Command::Sidecar(site) => sidecar_cmd::sidecar(&site.site),
        Command::Agent {
            action:
                AccountAction::Add {
                    email,
                    password_stdin,
                    site,
                },
        } => sidecar_cmd::add_account(&site.site, Role::Agent, &email, password_stdin),
        Command::Customer {
            action:
                AccountAction::Add {
                    email,
                    password_stdin,
                    site,
                },
        } => sidecar_cmd::add_account(&site.site, Role::Customer, &email, password_stdin),
        other => anyhow::bail!("not implemented yet: {other:?}"),
    }
}
