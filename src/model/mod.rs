//! The site model: what the loaded articles become before anything is
//! rendered. [`bundle`] derives the public and internal views of the site,
//! [`taxonomy`] groups articles into categories and tags, [`listing`] pages
//! those groups, and [`links`] resolves and checks the links between
//! articles.

pub mod bundle;
pub mod links;
pub mod listing;
pub mod site;
pub mod taxonomy;
