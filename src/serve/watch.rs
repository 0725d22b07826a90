//! Watching the site with notify and rebuilding on a thread of its own, so
//! the async server never waits for a build. A burst of events is handed
//! over as soon as every file in it is settled (closed after writing,
//! renamed or removed), so a saved article is rebuilt within
//! milliseconds. Each batch of changes is classified
//! ([`Changes`]) and handed to the [`Builder`]; the
//! outcome goes to the terminal and to open pages through [`Live`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
use notify::{Event, EventKind, RecursiveMode, Watcher};

use super::changes::Changes;
use super::live::Live;
use super::outcome::Outcome;
use super::rebuild::Builder;
use crate::config::Settings;
use crate::error::ContentErrors;

/// How long the watcher waits for more events after a write whose file is
/// not closed yet.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// Starts watching the site on a thread of its own, which rebuilds until
/// the process ends. Returns once the watches are in place, so a change
/// made after it returns is seen.
pub fn start(builder: Builder, live: Arc<Live>) -> Result<()> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
    std::thread::Builder::new()
        .name("docket-watch".into())
        .spawn(move || {
            if let Err(err) = run(builder, live, &ready_tx) {
                if ready_tx.send(Err(err)).is_err() {
                    eprintln!("the file watcher stopped");
                }
            }
        })
        .context("cannot start the watcher thread")?;
    match ready_rx.recv() {
        Ok(result) => result,
        Err(_) => anyhow::bail!("the file watcher did not start"),
    }
}

/// Watches and rebuilds until the process ends. Blocking.
fn run(mut builder: Builder, live: Arc<Live>, ready: &mpsc::Sender<Result<()>>) -> Result<()> {
    let (tx, rx) = mpsc::channel::<Event>();
    let mut watcher = notify::recommended_watcher(move |result: notify::Result<Event>| {
        if let Ok(event) = result {
            let _ = tx.send(event);
        }
    })
    .context("cannot start the file watcher")?;
    let settings = builder.settings().clone();
    for dir in [
        settings.content_dir.clone(),
        settings.root.join("themes"),
        settings.root.join("static"),
        settings.root.join("templates"),
        settings.root.join("i18n"),
    ] {
        if dir.is_dir() {
            watcher
                .watch(&dir, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
    }
    // The root itself only for docket.toml (the output lives below it).
    watcher
        .watch(&settings.root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", settings.root.display()))?;

    let _ = ready.send(Ok(()));
    while let Some(paths) = next_batch(&rx) {
        let changes = Changes::classify(builder.settings(), &paths);
        if changes.is_empty() {
            continue;
        }
        rebuild(&mut builder, &live, &changes);
    }
    Ok(())
}

/// Waits for the next burst of changes and returns its paths once every
/// file in it is settled (see [`Settling`]); `None` when the watcher is
/// gone.
fn next_batch(rx: &mpsc::Receiver<Event>) -> Option<Vec<PathBuf>> {
    let mut settling = Settling::default();
    loop {
        let event = rx.recv().ok()?;
        settling.add(event, Instant::now());
        if !settling.is_empty() {
            break;
        }
    }
    loop {
        let now = Instant::now();
        let Some(wait) = settling.due().checked_duration_since(now) else {
            break;
        };
        match rx.recv_timeout(wait) {
            Ok(event) => settling.add(event, Instant::now()),
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    Some(settling.paths)
}

/// A burst of file events being collected. A write is settled once the
/// writer closes the file; a rename, removal or attribute change is
/// settled at once. The burst is handed over [`QUIET`] after its last
/// event when all of its files are settled, else [`DEBOUNCE`] after its
/// last event (writers that never close, platforms without close events),
/// and in any case [`LONGEST`] after its first.
#[derive(Default)]
struct Settling {
    paths: Vec<PathBuf>,
    open: HashSet<PathBuf>,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// How long a burst of settled changes waits for more.
pub const QUIET: Duration = Duration::from_millis(3);

/// How long a burst waits at most.
pub const LONGEST: Duration = Duration::from_millis(250);

impl Settling {
    fn add(&mut self, event: Event, at: Instant) {
        let settles = match event.kind {
            // Reads (ours included) are not changes; a write's close is.
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => return,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_)) => true,
            EventKind::Modify(ModifyKind::Metadata(_)) | EventKind::Create(CreateKind::Folder) => {
                true
            }
            _ => false,
        };
        for path in event.paths {
            if settles {
                self.open.remove(&path);
            } else {
                self.open.insert(path.clone());
            }
            if !self.paths.contains(&path) {
                self.paths.push(path);
            }
        }
        self.first.get_or_insert(at);
        self.last = Some(at);
    }

    fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// When the burst is handed over, unless more events come.
    fn due(&self) -> Instant {
        let now = Instant::now();
        let last = self.last.unwrap_or(now);
        let first = self.first.unwrap_or(now);
        let wait = if self.open.is_empty() {
            QUIET
        } else {
            DEBOUNCE
        };
        (last + wait).min(first + LONGEST)
    }
}

/// Said on the terminal when an edit of `docket.toml` changes the
/// `[sidecar]` table: the portal, logins and mail run with the settings
/// they started with.
pub const SIDECAR_RESTART: &str = "docket.toml: the [sidecar] settings changed; the portal keeps the old ones until you restart docket serve (Ctrl-C, then start it again)";

/// One rebuild, reported to the terminal and to open pages.
pub fn rebuild(builder: &mut Builder, live: &Live, changes: &Changes) {
    if changes.config {
        let root = builder.settings().root.clone();
        let out = serve_dir(&root);
        match Settings::load(&root, Some(&out)) {
            Ok(settings) => {
                if settings.config.sidecar != builder.settings().config.sidecar {
                    eprintln!("{SIDECAR_RESTART}");
                }
                builder.set_settings(settings);
            }
            Err(err) => {
                report_failure(live, &err);
                return;
            }
        }
    }
    if changes.templates {
        builder.reload_theme();
    }
    let mut announce = |outcome: &Outcome| {
        println!(
            "rebuilt in {} ms: {} pages rendered, {} files written, {} removed",
            outcome.elapsed.as_millis(),
            outcome.rendered,
            outcome.written,
            outcome.removed
        );
        live.succeeded();
    };
    if let Err(err) = builder.apply(changes, &mut announce) {
        report_failure(live, &err);
    }
}

/// Prints the error and shows it in open pages.
pub fn report_failure(live: &Live, err: &anyhow::Error) {
    let text = error_text(err);
    eprintln!("{text}\n(the last good version is still served)");
    live.failed(text);
}

/// The text of a build error: every content error, or the error chain.
pub fn error_text(err: &anyhow::Error) -> String {
    match err.downcast_ref::<ContentErrors>() {
        Some(errors) => errors.to_string(),
        None => format!("error: {err:#}"),
    }
}

/// Where `docket serve` writes its bundles for the site at `root`.
pub fn serve_dir(root: &Path) -> PathBuf {
    root.join(".docket").join("serve")
}
