//! Who is signed in, and the rules that protect it: password hashing
//! ([`passwords`]), random tokens ([`tokens`]), sessions ([`sessions`]),
//! CSRF ([`csrf`]), rate limits ([`rate_limit`]) and e-mail addresses
//! ([`email`]). Storage is the [`crate::db`] module's business.

pub mod csrf;
pub mod email;
pub mod passwords;
pub mod rate_limit;
pub mod sessions;
pub mod tokens;

pub use crate::db::accounts::Role;
pub use sessions::{current_session, CurrentUser, Session};
