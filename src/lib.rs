//! docket's generator: turns a folder of Markdown articles into a public and
//! an internal static bundle. The command line lives in `main.rs`; the
//! sidecar in the `docket-sidecar` crate.
//!
//! The build reads like its modules: [`content`] loads articles,
//! [`markdown`] renders them (expanding [`shortcodes`]), [`links`] checks their links, [`bundle`]
//! derives the public and internal models, [`taxonomy`] lists them,
//! [`pages`] lists a bundle's files, [`render`] turns them into HTML, [`feeds`] writes sitemap and feed,
//! [`output`] writes and verifies, and [`site`] runs the steps in order.

pub mod build_cache;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod content;
pub mod error;
pub mod feeds;
pub mod links;
pub mod listing;
pub mod markdown;
pub mod new_article;
pub mod output;
pub mod pages;
pub mod render;
pub mod search;
pub mod search_docs;
pub mod serve;
pub mod shortcodes;
pub mod site;
pub mod taxonomy;
