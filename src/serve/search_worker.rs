//! The search index of both serving bundles, rebuilt on a thread of its own
//! after the pages are served: a rebuild hands over a snapshot of the
//! articles (shared, not copied) and goes on; the worker indexes the newest
//! snapshot it has (tokenising only the articles whose text changed since
//! its last run, see [`TermMemory`]), writes the index files whose bytes
//! changed and removes the ones no longer produced. The pages' writer
//! never writes these files. The public index is verified as `docket
//! build` verifies it (no internal article's path in it) before any of it
//! is written.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::outcome::Outcome;
use crate::build::checks::verify_public;
use crate::content::{Article, CategoryIntro};
use crate::model::bundle::{Bundle, BundleKind};
use crate::output::incremental::{prepare, remove, write_changed, Written};
use crate::search::TermMemory;

/// What the index is built from.
pub struct Snapshot {
    /// Every built article.
    pub articles: Vec<Arc<Article>>,
    /// Category introductions (their titles name the breadcrumbs).
    pub intros: Vec<CategoryIntro>,
    /// The site's default language.
    pub default_language: String,
    /// The internal tag.
    pub internal_tag: String,
    /// The public and the internal bundle's folders.
    pub dirs: [PathBuf; 2],
}

/// Threads that index: one, so a rebuild always has a core free.
const SEARCH_THREADS: usize = 1;

/// The handle of the indexing thread.
pub struct SearchWorker {
    tx: mpsc::Sender<Snapshot>,
}

/// The index files of one bundle as last written.
#[derive(Default)]
struct Files {
    written: Written,
}

impl SearchWorker {
    /// Starts the indexing thread.
    pub fn start() -> Result<Self> {
        let (tx, rx) = mpsc::channel::<Snapshot>();
        // A pool of its own, so that indexing never holds up the rebuilds'
        // parallel work (which uses rayon's global pool).
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(SEARCH_THREADS)
            .thread_name(|i| format!("docket-search-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .context("cannot start the search index threads")?;
        std::thread::Builder::new()
            .name("docket-search".into())
            .spawn(move || {
                let mut files = [Files::default(), Files::default()];
                let mut memory = TermMemory::default();
                while let Ok(mut snapshot) = rx.recv() {
                    // Only the newest snapshot matters.
                    while let Ok(newer) = rx.try_recv() {
                        snapshot = newer;
                    }
                    if let Err(err) = pool.install(|| index(&snapshot, &mut files, &mut memory)) {
                        eprintln!("search index not updated: {err:#}");
                    }
                }
            })
            .context("cannot start the search index thread")?;
        Ok(Self { tx })
    }

    /// Asks for the index of `snapshot`; returns at once.
    pub fn update(&self, snapshot: Snapshot) {
        if self.tx.send(snapshot).is_err() {
            eprintln!("the search index thread stopped");
        }
    }
}

/// Lowers the calling thread's scheduling priority (Linux: `renice` on its
/// thread id), so a rebuild that starts while the index is being built
/// gets the cores first. Best effort: elsewhere, without `renice`, or when
/// it fails, nothing changes (every error is ignored; the child reads and
/// prints nothing, and is waited for).
fn lower_priority() {
    let Ok(link) = std::fs::read_link("/proc/thread-self") else {
        return;
    };
    let Some(tid) = link.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
        return;
    };
    let _ = std::process::Command::new("renice")
        .args(["-n", "10", "-p", &tid])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// Builds and writes both bundles' indexes. The articles both bundles
/// hold are tokenised once, as in `docket build`, and only those whose
/// text changed since the last run (`memory`).
fn index(snapshot: &Snapshot, files: &mut [Files; 2], memory: &mut TermMemory) -> Result<()> {
    let started = std::time::Instant::now();
    let kinds = [BundleKind::Public, BundleKind::Internal];
    let forbidden = crate::output::Forbidden::of_internal(snapshot.articles.iter().map(|a| &**a));
    let bundles = kinds.map(|kind| {
        let count = snapshot
            .articles
            .iter()
            .filter(|a| kind == BundleKind::Internal || !a.internal)
            .count();
        // The index needs no related lists.
        Bundle::from_refs(
            kind,
            snapshot.articles.iter().map(|a| &**a),
            &snapshot.intros,
            &snapshot.default_language,
            &snapshot.internal_tag,
            Some(vec![Vec::new(); count]),
        )
    });
    let [public, internal] = &bundles;
    let produced = crate::search::docs::index_files_remembering(&[public, internal], memory);
    for (((kind, dir), memo), produced) in kinds
        .into_iter()
        .zip(&snapshot.dirs)
        .zip(files.iter_mut())
        .zip(produced)
    {
        if kind == BundleKind::Public {
            verify_public(&produced, &forbidden)?;
        }
        let paths: HashSet<String> = produced.iter().map(|f| f.path.clone()).collect();
        let mut outcome = Outcome::default();
        outcome += write_changed(dir, &mut memo.written, prepare(produced)?)?;
        let gone: Vec<String> = memo
            .written
            .keys()
            .filter(|p| !paths.contains(*p))
            .cloned()
            .collect();
        outcome += remove(dir, &mut memo.written, &gone)?;
    }
    if std::env::var_os("DOCKET_TIMINGS").is_some() {
        eprintln!(
            "search index updated in {} ms",
            started.elapsed().as_millis()
        );
    }
    Ok(())
}
