//! `docket-sidecar`: the small HTTP server beside docket's static bundles.
//!
//! It owns everything that cannot be static: accounts and sessions, customer
//! registration, "My Tickets", the agent inbox, the mail outbox and serving
//! the internal bundle to signed-in agents. It does not depend on the
//! generator; the two meet only through files (the bundles, the theme's
//! templates) and `docket.toml`, whose `[sidecar]` table is defined here.

pub mod config;
