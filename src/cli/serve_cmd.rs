//! `docket serve`: the site, the portal and the internal bundle on one
//! loopback port, rebuilt on every edit.

use crate::cli::ServeArgs;
use crate::serve::ServeOptions;

/// `docket serve`: logs warnings to standard error and serves.
pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    crate::serve::run(&ServeOptions {
        site: args.site.site.clone(),
        port: args.port,
        demo: args.demo,
    })
}
