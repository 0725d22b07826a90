//! Command-line definitions (clap). Parsing only: `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// docket: a help center you keep in git.
#[derive(Debug, Parser)]
#[command(name = "docket", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `--site` option shared by every command.
#[derive(Debug, Clone, Args)]
pub struct SiteArg {
    /// The site's root folder (where `docket.toml` lives).
    #[arg(long, default_value = ".")]
    pub site: PathBuf,
}

/// One `docket` command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the public and internal bundles.
    Build(BuildArgs),
    /// Validate content and links without writing output.
    Check(CheckArgs),
    /// Write a new article (a draft, dated today, titled from its file name).
    New(NewArgs),
    /// Development server: build, watch, rebuild, live reload, sidecar on the same port.
    Serve(ServeArgs),
    /// Production sidecar: portal, tickets and the internal bundle for agents.
    Sidecar(SidecarArgs),
    /// Manage agent accounts.
    Agent {
        /// What to do with agents.
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Manage customer accounts.
    Customer {
        /// What to do with customers.
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Inbound mail.
    Mail {
        /// What to do with mail.
        #[command(subcommand)]
        action: MailAction,
    },
    /// Attached files.
    Files {
        /// What to do with files.
        #[command(subcommand)]
        action: FilesAction,
    },
    /// Manage tickets.
    Ticket {
        /// What to do with tickets.
        #[command(subcommand)]
        action: TicketAction,
    },
    /// Print the self-service report: article votes, content gaps,
    /// suggestion counts and satisfaction (as `/agent/reports` shows it).
    Report(ReportArgs),
}

/// Options of `docket report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArg,
    /// The period: the last N days.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=3660))]
    pub days: i64,
    /// Print one table as CSV instead: articles, gaps, deflection or csat.
    #[arg(long, value_name = "TABLE")]
    pub csv: Option<String>,
}

/// Options of `docket build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArg,
    /// Render drafts too.
    #[arg(long)]
    pub drafts: bool,
    /// Write `public/` and `internal/` under this folder instead of the site root.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ignore the build cache in `.docket/`.
    #[arg(long)]
    pub no_cache: bool,
    /// Fail on warnings too (and ignore the build cache).
    #[arg(long)]
    pub strict: bool,
}

/// Options of `docket check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArg,
    /// Check drafts too.
    #[arg(long)]
    pub drafts: bool,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
}

/// Options of `docket new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The article's path under `content/` (`billing/refunds.md`).
    pub path: String,
    /// Write the translation in this language (`name.ja.md` beside the
    /// source, sharing its `translationKey`).
    #[arg(long)]
    pub lang: Option<String>,
    /// Tag the article internal.
    #[arg(long)]
    pub internal: bool,
    /// The site.
    #[command(flatten)]
    pub site: SiteArg,
}

/// Options of `docket serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The site.
    #[command(flatten)]
    pub site: SiteArg,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 1313)]
    pub port: u16,
    /// Start with a fresh demo database (one agent, one customer, a few tickets).
    #[arg(long)]
    pub demo: bool,
}

/// Options of `docket sidecar`.
#[derive(Debug, Args)]
pub struct SidecarArgs {
    /// The site's root folder (where `docket.toml` lives).
    #[arg(long, default_value = ".")]
    pub site: PathBuf,
    /// Start with a fresh demo database (one agent, one customer, a few tickets).
    #[arg(long)]
    pub demo: bool,
}

/// `docket agent add` / `docket customer add`.
#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// Create an account.
    Add {
        /// The account's e-mail address.
        email: String,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// The site.
        #[command(flatten)]
        site: SiteArg,
    },
}

/// `docket ticket import`.
#[derive(Debug, Subcommand)]
pub enum TicketAction {
    /// Import tickets from a JSON file (one transaction).
    Import {
        /// The JSON file.
        file: PathBuf,
        /// The site.
        #[command(flatten)]
        site: SiteArg,
    },
}

/// `docket files`.
#[derive(Debug, Subcommand)]
pub enum FilesAction {
    /// Remove stored file contents no message names any more (safe while
    /// the sidecar serves); prints how many and how much.
    Gc {
        /// The site.
        #[command(flatten)]
        site: SiteArg,
    },
}

/// `docket mail`.
#[derive(Debug, Subcommand)]
pub enum MailAction {
    /// Store one message read from standard input (for an MTA's pipe):
    /// prints the ticket reference, its number and `new` or `appended`.
    Receive {
        /// The site.
        #[command(flatten)]
        site: SiteArg,
    },
}
