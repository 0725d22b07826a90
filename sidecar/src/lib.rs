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
//! signed in, [`db`] holds every SQL statement, [`mail`] delivers the queue,
//! [`config`] holds the `[sidecar]` table and the resolved [`Options`].

pub mod admin;
pub mod app;
pub mod attachments;
pub mod auth;
pub mod canned;
pub mod client_addr;
pub mod config;
pub mod connection;
pub mod db;
pub mod demo;
pub mod file_cache;
pub mod handlers;
pub mod http;
pub mod import;
pub mod intake;
pub mod language;
pub mod mail;
pub mod pages;
pub mod pem;
pub mod render_body;
pub mod report;
pub mod router;
pub mod server;
pub mod shutdown;

use std::future::Future;

use anyhow::{Context, Result};

pub use admin::add_account;
pub use app::App;
pub use config::{MailConfig, Options, SidecarConfig};
pub use db::accounts::Role;
pub use server::Server;
pub use shutdown::shutdown_signal;

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
