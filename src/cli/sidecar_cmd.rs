//! The sidecar's commands: `docket sidecar [--demo]`, `docket agent add` and
//! `docket customer add`. They turn resolved [`Settings`] into the sidecar
//! crate's [`Options`] and call it; the server itself lives in
//! `docket-sidecar`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::cli::AccountAction;
use crate::config::Settings;
use anyhow::{bail, Context, Result};
use docket_sidecar::{Options, Role};

/// Builds the sidecar's options from `docket.toml` at `site`.
pub fn options(site: &Path) -> Result<Options> {
    Ok(Settings::load(site, None)?.sidecar_options())
}

/// `docket sidecar --demo --site DIR`: a fresh demo database (its logins
/// printed on standard output), then serve as usual.
pub fn sidecar_demo(site: &Path) -> Result<()> {
    init_logging();
    let mut options = options(site)?;
    let logins = docket_sidecar::demo::prepare(&mut options)?;
    print!("{logins}");
    std::io::stdout().flush().ok();
    docket_sidecar::run(options)
}

/// `docket sidecar --site DIR`: serve until SIGTERM or Ctrl-C.
pub fn sidecar(site: &Path) -> Result<()> {
    init_logging();
    docket_sidecar::run(options(site)?)
}

/// `docket agent …` / `docket customer …`.
pub fn account(role: Role, action: AccountAction) -> Result<()> {
    match action {
        AccountAction::Add {
            email,
            password_stdin,
            site,
        } => add_account(&site.site, role, &email, password_stdin),
    }
}

/// `docket agent add` / `docket customer add`.
pub fn add_account(site: &Path, role: Role, email: &str, password_stdin: bool) -> Result<()> {
    let options = options(site)?;
    let password = if password_stdin {
        read_line(&mut std::io::stdin().lock())?
    } else {
        prompt_password()?
    };
    let email = docket_sidecar::add_account(&options, role, email, &password)?;
    println!("created {} {email}", role.as_str());
    Ok(())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// One line without its line ending.
fn read_line(input: &mut impl BufRead) -> Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password")?;
    let line = line.trim_end_matches(['\n', '\r']).to_owned();
    if line.is_empty() {
        bail!("no password given");
    }
    Ok(line)
}

/// Asks twice on the terminal, without echo where `stty` is available.
fn prompt_password() -> Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return read_line(&mut stdin.lock());
    }
    let first = prompt("Password: ")?;
    let second = prompt("Repeat password: ")?;
    if first != second {
        bail!("the passwords differ");
    }
    Ok(first)
}

fn prompt(label: &str) -> Result<String> {
    eprint!("{label}");
    std::io::stderr().flush().ok();
    let echo_off = set_echo(false);
    let line = read_line(&mut std::io::stdin().lock());
    if echo_off {
        set_echo(true);
        eprintln!();
    }
    line
}

/// Switches terminal echo with `stty`; false when that is not possible.
fn set_echo(on: bool) -> bool {
    let Ok(tty) = std::fs::File::open("/dev/tty") else {
        return false;
    };
    std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(tty)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_sidecar_paths_are_resolved_against_the_site_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("docket.toml"),
            "[site]\ntitle = \"Acme Help\"\n[sidecar]\ndatabase = \"data/portal.db\"\n[sidecar.mail]\noutbox = \"mail\"\n",
        )
        .unwrap();
        let options = options(dir.path()).unwrap();
        assert_eq!(options.database, dir.path().join("data/portal.db"));
        assert_eq!(options.outbox_dir(), dir.path().join("mail"));
        assert_eq!(options.internal_dir, dir.path().join("internal"));
        assert_eq!(
            options.templates_dir,
            dir.path().join("themes/default/templates")
        );
        assert_eq!(options.site_title, "Acme Help");
    }

    #[test]
    fn a_password_line_loses_its_line_ending_and_must_not_be_empty() {
        let mut input = std::io::Cursor::new("secret words here\r\n");
        assert_eq!(read_line(&mut input).unwrap(), "secret words here");
        let mut empty = std::io::Cursor::new("\n");
        assert!(read_line(&mut empty).is_err());
    }
}
