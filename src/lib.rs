//! docket's generator: turns a folder of Markdown articles into a public and
//! an internal static bundle; the sidecar lives in the `docket-sidecar`
//! crate.
//!
//! The modules read as the pipeline: [`content`] loads articles and turns
//! their bodies into HTML ([`content::markdown`]), [`model`] derives the
//! public and internal site (bundles, taxonomy, listings, links),
//! [`build::plan`] lists a bundle's files, [`render`] turns them into HTML,
//! [`search`] builds the search index, [`output`] writes and verifies, and
//! [`build`] runs the steps in order. [`serve`] rebuilds on edits and
//! serves the result; [`cli`] is the command line.

pub mod build;
pub mod cli;
pub mod config;
pub mod content;
pub mod error;
pub mod model;
pub mod output;
pub mod render;
pub mod search;
pub mod serve;
pub mod urls;
