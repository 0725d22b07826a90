//! Rebuilding for `docket serve`: the same steps as `docket build`, kept in
//! memory between changes, writing only the files whose bytes changed and
//! removing files that are no longer produced. Serving output lives in its
//! own folder (`.docket/serve/` under the site), so `docket build` output is
//! never touched. A failed rebuild writes nothing: the last good output
//! keeps being served. As in `docket build`, every public file is verified
//! against the internal articles' paths ([`crate::output::verify_files`]) before
//! it is written or held: a rebuild whose public bundle would mention one
//! fails with the build's report.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::changes::Changes;
use super::fresh::Fresh;
use super::memo::{Before, Cache, Memo};
pub use super::outcome::Outcome;
use super::search_worker::{SearchWorker, Snapshot};
use crate::build::checks::verify_public;
use crate::build::plan::{self as pages};
use crate::config::Settings;
use crate::content::{self, Loaded};
use crate::model::bundle::BundleKind;
use crate::model::site::Site;
use crate::output::incremental::{prepare, sync_all, write_atomically, Prepared};
use crate::output::Forbidden;
use crate::render::Theme;

/// Rebuilds a site into its serving folders: the first time and after a
/// change of settings, theme, static files, category introductions or page
/// bundle assets in full; after Markdown edits, additions, renames and
/// deletions only the pages they affect. The search index follows on a
/// thread of its own.
pub struct Builder {
    pub(super) settings: Settings,
    pub(super) theme: Option<Theme>,
    pub(super) cache: Cache,
    pub(super) memos: [Memo; 2],
    /// Changes not yet written (their rebuild failed), with what the
    /// articles were in the last written output.
    pub(super) pending: HashSet<String>,
    pub(super) pending_before: Vec<Before>,
    pub(super) search: Option<SearchWorker>,
    /// Where rebuilt files wait until they are written, if anywhere.
    pub(super) fresh: Option<Arc<Fresh>>,
}

const KINDS: [BundleKind; 2] = [BundleKind::Public, BundleKind::Internal];

impl Builder {
    /// A builder for `settings`, whose bundle folders are the serving ones.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            theme: None,
            cache: Cache::default(),
            memos: [Memo::default(), Memo::default()],
            pending: HashSet::new(),
            pending_before: Vec::new(),
            search: None,
            fresh: None,
        }
    }

    /// Has incremental rebuilds put their files in `fresh` (served from
    /// there) before open pages reload, and write them afterwards.
    pub fn serving_from(mut self, fresh: Arc<Fresh>) -> Self {
        self.fresh = Some(fresh);
        self
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Replaces the settings (a changed `docket.toml`); the next build is
    /// a full one.
    pub fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
        self.theme = None;
        self.cache.ready = false;
    }

    /// Forgets the compiled templates (a template changed); the next build
    /// re-renders every page.
    pub fn reload_theme(&mut self) {
        self.theme = None;
        self.cache.ready = false;
    }

    /// Rebuilds after `changes`: incrementally when only Markdown articles
    /// changed and the last build succeeded, else in full.
    /// `pages_ready` is called as soon as the pages are written (before the
    /// search index is), so open pages can reload early.
    pub fn apply(
        &mut self,
        changes: &Changes,
        pages_ready: &mut dyn FnMut(&Outcome),
    ) -> Result<Outcome> {
        let only_articles = !changes.config
            && !changes.templates
            && !changes.statics
            && !changes.assets
            && changes
                .content
                .iter()
                .all(|rel| !rel.rsplit('/').next().unwrap_or("").starts_with("_index."));
        if only_articles && self.cache.ready && self.theme.is_some() {
            self.incremental(&changes.content, pages_ready)
        } else {
            let outcome = self.full()?;
            pages_ready(&outcome);
            Ok(outcome)
        }
    }

    /// Renders every page, writes what changed and removes what is gone;
    /// the search index follows on its own thread.
    pub fn full(&mut self) -> Result<Outcome> {
        let started = Instant::now();
        if self.theme.is_none() {
            self.theme = Some(Theme::load(&self.settings)?);
        }
        let Some(theme) = self.theme.as_ref() else {
            bail!("no theme");
        };
        self.cache.ready = false;
        let mut site = Site::load(&self.settings, false);
        site.check_urls();
        site.render_markdown(theme);
        site.check_links();
        site.fail_on_errors()?;
        let mut outcome = Outcome::default();
        let forbidden = Forbidden::of_internal(&site.articles);
        for (kind, memo) in KINDS.into_iter().zip(self.memos.iter_mut()) {
            memo.taxonomy = None;
            let mut bundle = site.bundle(kind);
            let files = pages::bundle_files(&self.settings, theme, &bundle, false)?;
            if kind == BundleKind::Public {
                verify_public(&files, &forbidden)?;
            }
            outcome.rendered += files.len();
            let dir = bundle_dir(&self.settings, kind);
            outcome += sync_all(&dir, &mut memo.written, prepare(files)?)?;
            memo.record(&mut bundle, self.settings.config.build.listing_page_size);
            outcome.listings += memo.lists.len();
        }
        if let Some(fresh) = &self.fresh {
            fresh.clear();
        }
        self.pending.clear();
        self.pending_before.clear();
        let link_errors = std::mem::take(&mut self.cache.link_errors);
        self.cache = Cache::of_site(site, &self.settings, link_errors);
        self.update_search()?;
        outcome.elapsed = started.elapsed();
        Ok(outcome)
    }

    /// Hands the current articles to the search index thread.
    pub(super) fn update_search(&mut self) -> Result<()> {
        if self.search.is_none() {
            self.search = Some(SearchWorker::start()?);
        }
        if let Some(worker) = &self.search {
            let config = &self.settings.config;
            worker.update(Snapshot {
                articles: self.cache.articles.clone(),
                intros: self.cache.intros.clone(),
                default_language: config.site.default_language.clone(),
                internal_tag: config.build.internal_tag.clone(),
                dirs: KINDS.map(|kind| bundle_dir(&self.settings, kind)),
            });
        }
        Ok(())
    }

    /// Writes the files an incremental rebuild held in memory, and lets
    /// the disk serve each one once it is written. A file that cannot be
    /// written is dropped from memory too (the disk's older file is
    /// served), is reported as this rebuild's error, and is written again
    /// by the next rebuild.
    pub(super) fn write_held(&mut self, held: [Vec<Prepared>; 2]) -> Result<()> {
        let mut first_error = None;
        for ((kind, files), memo) in KINDS.into_iter().zip(held).zip(self.memos.iter_mut()) {
            let dir = bundle_dir(&self.settings, kind);
            let results: Vec<(String, Result<()>)> = files
                .into_par_iter()
                .map(|f| {
                    let result = write_atomically(&dir.join(&f.path), &f.bytes);
                    (f.path, result)
                })
                .collect();
            for (path, result) in results {
                if let Some(fresh) = &self.fresh {
                    fresh.forget(kind, &path);
                }
                if let Err(err) = result {
                    memo.written.remove(&path);
                    first_error.get_or_insert(err);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Replaces the cached version of one file with what is on disk now.
    pub(super) fn reload(&mut self, rel: &str, source: &str) {
        let cache = &mut self.cache;
        cache.articles.retain(|a| a.source != source);
        cache.skipped.retain(|a| a.source != source);
        cache.broken.remove(source);
        if !self.settings.content_dir.join(rel).is_file() {
            return; // deleted (or renamed away)
        }
        match content::load_one(&self.settings, rel) {
            Loaded::Article(a) if a.draft => cache.skipped.push(*a),
            Loaded::Article(a) => {
                // Kept in URL order, so bundles need not sort again.
                let at = cache
                    .articles
                    .partition_point(|x| x.url.as_str() < a.url.as_str());
                cache.articles.insert(at, Arc::new(*a));
            }
            // `apply` sends category introductions to a full build.
            Loaded::Intro(_) => self.cache.ready = false,
            Loaded::Error(e) => {
                cache.broken.insert(source.to_owned(), e);
            }
        }
    }
}

/// The folder of one serving bundle.
pub(super) fn bundle_dir(settings: &Settings, kind: BundleKind) -> PathBuf {
    match kind {
        BundleKind::Public => settings.public_dir.clone(),
        BundleKind::Internal => settings.internal_dir.clone(),
    }
}

/// With `DOCKET_TIMINGS` set, prints the time since the previous lap.
pub(super) fn lap(step: &str) {
    use std::sync::Mutex;
    static LAST: Mutex<Option<Instant>> = Mutex::new(None);
    if std::env::var_os("DOCKET_TIMINGS").is_none() {
        return;
    }
    if let Ok(mut last) = LAST.lock() {
        if let Some(t) = *last {
            eprintln!("{step:>10}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
        }
        *last = Some(Instant::now());
    }
}
