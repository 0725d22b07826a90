//! `docket serve`: the development server. It builds both bundles into
//! `.docket/serve/` under the site (so `docket build` output is never
//! touched), watches the site ([`watch`]), rebuilds what changed
//! ([`rebuild`], checking only what a change can affect: [`checks`]),
//! indexes for search in the background ([`search_worker`]), and runs the sidecar on the same port ([`http`]), with a
//! live-reload script injected into HTML answers and build errors shown
//! as an overlay ([`live`]); rebuilt pages are served from memory until
//! they are written ([`fresh`]).

mod affected;
pub mod changes;
pub mod checks;
pub mod fresh;
pub mod host;
pub mod http;
mod incremental;
pub mod live;
mod memo;
pub mod outcome;
pub mod paths;
pub mod rebuild;
mod recheck;
pub mod search_worker;
pub mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use docket_sidecar::{App, Options};

use crate::config::Settings;
use live::Live;
use rebuild::Builder;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site's root folder.
    pub site: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Use a fresh demo database instead of `[sidecar] database`.
    pub demo: bool,
}

/// Builds, then serves and rebuilds until Ctrl-C or SIGTERM.
pub fn run(options: &ServeOptions) -> Result<()> {
    // Absolute, so that the watcher's (absolute) paths can be matched.
    let root = options
        .site
        .canonicalize()
        .with_context(|| format!("cannot open the site folder {}", options.site.display()))?;
    let out = watch::serve_dir(&root);
    let settings = Settings::load(&root, Some(&out))?;
    clear(&out)?;

    let live = Arc::new(Live::new());
    let fresh = Arc::new(fresh::Fresh::default());
    let builder = first_build(&settings, &out, &live, &fresh);

    let mut sidecar = sidecar_options(&settings);
    if options.demo {
        let logins = docket_sidecar::demo::prepare(&mut sidecar)?;
        print!("{logins}");
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", options.port))?;
        let addr = listener.local_addr().context("no local address")?;
        // Pages served here post to the portal from this address's origin,
        // and links in mail lead back here, not to the site's `base_url`
        // (nothing serves that during development).
        let own = docket_sidecar::auth::csrf::loopback_origins(addr);
        sidecar.config.allowed_origins.extend(own);
        sidecar.base_url = format!("http://{addr}");
        let app = Arc::new(App::new(sidecar).await?);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mail = tokio::spawn(Arc::clone(&app).run_mail(stop_rx));

        watch::start(builder, Arc::clone(&live))?;

        println!("serving http://{addr}/  (portal: /login, agents: /internal/; Ctrl-C stops)");
        std::io::stdout().flush().ok();
        http::serve(
            listener,
            app,
            live,
            fresh,
            docket_sidecar::shutdown_signal(),
        )
        .await?;
        let _ = stop_tx.send(true);
        let _ = mail.await;
        Ok(())
    })
}

/// The first, full build into the serving folder `out`; a failure is
/// shown in the browser until an edit fixes it.
fn first_build(settings: &Settings, out: &Path, live: &Live, fresh: &Arc<fresh::Fresh>) -> Builder {
    let mut builder = Builder::new(settings.clone()).serving_from(Arc::clone(fresh));
    match builder.full() {
        Ok(outcome) => {
            println!(
                "built {} files in {} ms into {}",
                outcome.written,
                outcome.elapsed.as_millis(),
                out.display()
            );
            live.succeeded();
        }
        Err(err) => watch::report_failure(live, &err),
    }
    builder
}

/// The sidecar's options for the serving bundles: the site's, serving
/// the public bundle too.
fn sidecar_options(settings: &Settings) -> Options {
    let mut options = settings.sidecar_options();
    options.config.serve_public = true;
    options
}

/// Empties the serving folder left by an earlier run.
fn clear(out: &Path) -> Result<()> {
    match std::fs::remove_dir_all(out) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot clear {}", out.display())),
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))
}
