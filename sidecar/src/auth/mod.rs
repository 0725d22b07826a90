//! Who is signed in, and the rules that protect it: password hashing
//! ([`passwords`]), random tokens ([`tokens`]), sessions ([`sessions`]),
//! CSRF ([`csrf`]), rate limits ([`rate_limit`]), e-mail addresses
//! ([`email`]) signed values ([`signing`]) and anonymous
//! visitors ([`visitor`]). Storage is the [`crate::db`] module's business.

pub mod csrf;
pub mod email;
pub mod passwords;
pub mod rate_limit;
pub mod sessions;
pub mod signing;
pub mod tokens;
pub mod visitor;

use crate::config::SidecarConfig;
pub use crate::db::accounts::Role;
use crate::db::Db;
pub use sessions::{current_session, CurrentUser, Session};

/// What the sign-in rules need from the running sidecar: its store and its
/// settings. [`crate::App`] provides them; taking this instead of the
/// whole application keeps `auth` below it (the application is built from
/// `auth`'s parts, never the other way round).
pub trait Context: Sync {
    /// The store.
    fn db(&self) -> &Db;
    /// The `[sidecar]` settings.
    fn config(&self) -> &SidecarConfig;
}
