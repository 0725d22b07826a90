//! The command line: [`args`] parses it, and each `*_cmd` module carries out
//! one family of commands on top of the library.

pub mod args;
pub mod build_cmd;
pub mod files_cmd;
pub mod mail_cmd;
pub mod new_cmd;
pub mod report_cmd;
pub mod serve_cmd;
pub mod sidecar_cmd;
pub mod ticket_cmd;

pub use args::*;
