//! `docket-sidecar`: the small HTTP server beside docket's static bundles.
//!
//! It owns everything that cannot be static: accounts and sessions, customer
//! registration, "My Tickets", the agent inbox, the mail outbox and serving
//! the internal bundle to signed-in agents. It does not depend on the
//! generator; the two meet only through files (the bundles, the theme's
//! templates) and `docket.toml`, whose `[sidecar]` table is defined here.
//!
//! Layout: [`server`] accepts connections and shuts down gracefully,
//! [`router`] maps `(method, path)` to [`handlers`], [`auth`] decides who is
//! signed in, [`db`] holds every SQL statement, [`mail`] delivers the queue.

pub mod app;
pub mod auth;
pub mod client_addr;
pub mod config;
pub mod connection;
pub mod db;
pub mod demo;
pub mod file_cache;
pub mod handlers;
pub mod http;
pub mod import;
pub mod mail;
pub mod pages;
pub mod render_body;
pub mod router;
pub mod server;

use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use app::App;
pub use config::{MailConfig, SidecarConfig};
pub use db::accounts::Role;
pub use server::Server;

/// Everything the sidecar needs, with paths resolved.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `[sidecar]` table as written.
    pub config: SidecarConfig,
    /// The site's root folder (relative paths in `config` are under it).
    pub site_root: PathBuf,
    /// The SQLite database file.
    pub database: PathBuf,
    /// The internal bundle, served under `/internal/` to agents.
    pub internal_dir: PathBuf,
    /// The public bundle, served at `/` when `serve_public` is on.
    pub public_dir: PathBuf,
    /// The theme's `templates/` folder (portal pages are in `portal/`).
    pub templates_dir: PathBuf,
    /// The site's title, shown on portal pages.
    pub site_title: String,
    /// The site's public URL without a trailing slash, for links in mail.
    pub base_url: String,
}

impl Options {
    /// A path from the configuration, resolved against the site root.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.site_root.join(path)
    }

    /// The mail outbox folder.
    pub fn outbox_dir(&self) -> PathBuf {
        self.resolve(&self.config.mail.outbox)
    }
}

/// Binds the configured address and serves until `shutdown` completes, then
/// lets in-flight requests finish (bounded by `shutdown_grace_seconds`).
pub async fn serve(options: Options, shutdown: impl Future<Output = ()>) -> Result<()> {
    let server = Server::bind(options).await?;
    tracing::info!("docket sidecar listening on http://{}", server.local_addr());
    server.run(shutdown).await
}

/// Runs the sidecar on its own tokio runtime until SIGTERM or Ctrl-C.
pub fn run(options: Options) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(serve(options, shutdown_signal()))
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// Creates an account from the command line (blocking): the address is
/// normalised, the password checked against the rules and hashed. Agents
/// and CLI-made customers count as verified. Returns the normalised address.
pub fn add_account(options: &Options, role: Role, email: &str, password: &str) -> Result<String> {
    let email = auth::email::normalize_email(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    auth::passwords::check_password_rules(password, &email).map_err(|m| anyhow::anyhow!("{m}"))?;
    let passwords = auth::passwords::Passwords::new_blocking(
        options.config.password_memory_kib,
        options.config.password_iterations,
    )?;
    let hash = passwords.hash_blocking(password)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let db = db::Db::open(&options.database).await?;
        db.create_account(&email, &hash, role, true)
            .await
            .map_err(|e| anyhow::anyhow!("{e}: {email}"))?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(email)
}
