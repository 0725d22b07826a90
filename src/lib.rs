//! docket's generator: turns a folder of Markdown articles into a public and
//! an internal static bundle. The command line lives in `main.rs`; the
//! sidecar in the `docket-sidecar` crate.

pub mod cli;
pub mod config;
pub mod search;
