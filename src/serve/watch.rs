//! Watching the site with notify (debounced) and rebuilding on a thread of
//! its own, so the async server never waits for a build. Each batch of
//! changes is classified ([`Change`]) and handed to the [`Builder`]; the
//! outcome goes to the terminal and to open pages through [`Live`].

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify_debouncer_full::notify::event::{AccessKind, AccessMode};
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

use super::live::Live;
use super::rebuild::{Builder, Outcome};
use crate::config::{Settings, CONFIG_FILE};
use crate::error::ContentErrors;

/// How long the watcher waits for a burst of writes to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// What a batch of file events means for the build.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// `docket.toml` changed: reload settings, rebuild everything.
    pub config: bool,
    /// A template changed: recompile the theme, re-render pages.
    pub templates: bool,
    /// Something else under the theme or `static/` changed.
    pub statics: bool,
    /// Markdown files under `content/`, relative to it, `/`-separated.
    pub content: Vec<String>,
    /// A non-Markdown file under `content/` (a page bundle's asset).
    pub assets: bool,
}

impl Changes {
    /// Sorts `paths` (absolute, from notify) into kinds; ignores editors'
    /// temporary files and the serving output.
    pub fn classify(settings: &Settings, paths: &[PathBuf]) -> Self {
        let mut changes = Changes::default();
        let root = &settings.root;
        for path in paths {
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
                continue;
            }
            if rel == Path::new(CONFIG_FILE) {
                changes.config = true;
            } else if let Ok(inner) = path.strip_prefix(&settings.theme_dir) {
                if inner.starts_with("templates") {
                    changes.templates = true;
                } else {
                    changes.statics = true;
                }
            } else if rel.starts_with("templates") {
                changes.templates = true;
            } else if rel.starts_with("static") {
                changes.statics = true;
            } else if let Ok(inner) = path.strip_prefix(&settings.content_dir) {
                if name.ends_with(".md") {
                    let rel = inner
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    if !changes.content.contains(&rel) {
                        changes.content.push(rel);
                    }
                } else {
                    changes.assets = true;
                }
            }
        }
        changes
    }

    /// Nothing that matters.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

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
    let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        if let Ok(events) = result {
            // Reads (ours included) are not changes; a write's close is.
            let paths: Vec<PathBuf> = events
                .into_iter()
                .filter(|e| match e.event.kind {
                    EventKind::Access(access) => access == AccessKind::Close(AccessMode::Write),
                    _ => true,
                })
                .flat_map(|e| e.event.paths)
                .collect();
            if !paths.is_empty() {
                let _ = tx.send(paths);
            }
        }
    })
    .context("cannot start the file watcher")?;
    let settings = builder.settings().clone();
    for dir in [
        settings.content_dir.clone(),
        settings.root.join("themes"),
        settings.root.join("static"),
        settings.root.join("templates"),
    ] {
        if dir.is_dir() {
            debouncer
                .watch(&dir, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
    }
    // The root itself only for docket.toml (the output lives below it).
    debouncer
        .watch(&settings.root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", settings.root.display()))?;

    let _ = ready.send(Ok(()));
    while let Ok(mut paths) = rx.recv() {
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        let changes = Changes::classify(builder.settings(), &paths);
        if changes.is_empty() {
            continue;
        }
        rebuild(&mut builder, &live, &changes);
    }
    Ok(())
}

/// One rebuild, reported to the terminal and to open pages.
pub fn rebuild(builder: &mut Builder, live: &Live, changes: &Changes) {
    if changes.config {
        let root = builder.settings().root.clone();
        let out = serve_dir(&root);
        match Settings::load(&root, Some(&out)) {
            Ok(settings) => builder.set_settings(settings),
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
