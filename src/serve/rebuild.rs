//! Rebuilding for `docket serve`: the same steps as `docket build`, kept in
//! memory between changes, writing only the files whose bytes changed and
//! removing files that are no longer produced. Serving output lives in its
//! own folder (`.docket/serve/` under the site), so `docket build` output is
//! never touched. A failed rebuild writes nothing: the last good output
//! keeps being served. As in `docket build`, every public file is verified
//! against the internal articles' paths ([`output::verify_files`]) before
//! it is written or held: a rebuild whose public bundle would mention one
//! fails with the build's report.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::affected::{update_bundle, Update};
use super::checks::{Inbound, Touched};
use super::fresh::Fresh;
use super::memo::{by_url, list_signatures, related_urls, Before, Cache, Memo};
use super::search_worker::{SearchWorker, Snapshot};
use super::watch::Changes;
use crate::build::checks::{self, verify_public};
use crate::build::plan::{self as pages};
use crate::config::Settings;
use crate::content::{self, Loaded};
use crate::error::{ContentError, ContentErrors};
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::site::Site;
use crate::model::taxonomy::Taxonomy;
use crate::output::incremental::{prepare, sync_all, write_atomically, Counts, Prepared, Written};
use crate::output::Forbidden;
use crate::render::Theme;
use crate::urls;

impl std::ops::AddAssign<Counts> for Outcome {
    fn add_assign(&mut self, counts: Counts) {
        self.written += counts.written;
        self.removed += counts.removed;
    }
}

/// What a rebuild did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Files written (new or changed).
    pub written: usize,
    /// Files removed.
    pub removed: usize,
    /// Pages rendered.
    pub rendered: usize,
    /// Of those, category and tag listing pages.
    pub listings: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// Rebuilds a site into its serving folders: the first time and after a
/// change of settings, theme, static files, category introductions or page
/// bundle assets in full; after Markdown edits, additions, renames and
/// deletions only the pages they affect. The search index follows on a
/// thread of its own.
pub struct Builder {
    settings: Settings,
    theme: Option<Theme>,
    cache: Cache,
    memos: [Memo; 2],
    /// Changes not yet written (their rebuild failed), with what the
    /// articles were in the last written output.
    pending: HashSet<String>,
    pending_before: Vec<Before>,
    search: Option<SearchWorker>,
    /// Where rebuilt files wait until they are written, if anywhere.
    fresh: Option<Arc<Fresh>>,
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
            memo.owned = bundle
                .articles
                .iter()
                .map(|a| (a.source.clone(), pages::owned_paths(a)))
                .collect();
            memo.related = related_urls(&bundle);
            memo.lists = list_signatures(&bundle, self.settings.config.build.listing_page_size);
            outcome.listings += memo.lists.len();
            memo.feed = bundle
                .recent(bundle.default_language, crate::render::feeds::FEED_ENTRIES)
                .iter()
                .map(|a| a.url.clone())
                .collect();
            memo.related_lists = bundle.related.clone();
            memo.taxonomy = Some(std::mem::take(&mut bundle.taxonomy).detach());
        }
        if let Some(fresh) = &self.fresh {
            fresh.clear();
        }
        self.pending.clear();
        self.pending_before.clear();
        let mut link_errors = std::mem::take(&mut self.cache.link_errors);
        link_errors.clear();
        let inbound = Inbound::build(&site.articles);
        self.cache = Cache {
            inbound,
            urls_clean: true,
            articles: by_url(site.articles.into_iter().map(Arc::new).collect()),
            skipped: site.skipped,
            intros: site.intros,
            broken: BTreeMap::new(),
            link_errors,
            static_paths: pages::static_files(&self.settings)
                .into_iter()
                .map(|f| f.path)
                .collect(),
            ready: true,
        };
        self.update_search()?;
        outcome.elapsed = started.elapsed();
        Ok(outcome)
    }

    /// Hands the current articles to the search index thread.
    fn update_search(&mut self) -> Result<()> {
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

    /// Reloads the Markdown files `rels` (relative to `content/`), checks
    /// and renders what they can affect (the articles linking to them),
    /// then renders the pages they affect: their own, their translations',
    /// the related lists that name them, their categories and tags, the
    /// home pages, feed and sitemap. The search index follows on its own
    /// thread.
    fn incremental(
        &mut self,
        rels: &[String],
        pages_ready: &mut dyn FnMut(&Outcome),
    ) -> Result<Outcome> {
        let started = Instant::now();
        lap("start");
        // Changes of failed rebuilds are still to be written.
        let mut before: Vec<Before> = std::mem::take(&mut self.pending_before);
        let mut sources: HashSet<String> = std::mem::take(&mut self.pending);
        let internal_tag = self.settings.config.build.internal_tag.clone();
        for rel in rels {
            let source = format!("content/{rel}");
            if !sources.contains(&source) {
                if let Some(a) = self.cache.articles.iter().find(|a| a.source == source) {
                    before.push(Before::of(a, &internal_tag));
                }
            }
            self.reload(rel, &source);
            sources.insert(source);
        }
        // What a changed article's links and the links to it now say.
        let mut touched = Touched::default();
        for b in &before {
            touched.add(&b.content_path, &b.url);
        }
        for source in &sources {
            touched.add(source.strip_prefix("content/").unwrap_or(source), "");
        }
        let cache = &mut self.cache;
        for a in cache
            .articles
            .iter()
            .filter(|a| sources.contains(&a.source))
        {
            touched.add(&a.content_path, &a.url);
        }
        lap("reload");
        for source in &sources {
            if !cache.articles.iter().any(|a| &a.source == source) {
                cache.inbound.forget(source);
            }
        }
        let mut again = cache.inbound.linking(&touched);
        again.extend(sources.iter().cloned());
        lap("linking");
        let settings = &self.settings;
        let (redone, intro_errors, url_errors) = {
            let index = checks::link_index(
                &cache.articles,
                &cache.skipped,
                &cache.intros,
                &settings.config.site.default_language,
                &settings.base_url,
            )
            .with_static(cache.static_paths.iter().cloned())
            .with_failed(cache.broken.keys().map(String::as_str));
            lap("link index");
            let Some(theme) = self.theme.as_ref() else {
                bail!("no theme");
            };
            let texts = crate::render::text::TextRenderer::new(settings, &index, theme);
            let redone = checks::render_and_check(&cache.articles, &again, &texts, &index);
            lap("markdown");
            let intro_errors = checks::intro_errors(&cache.articles, &cache.intros, &index);
            // URLs can only clash again when a changed article's URL or
            // aliases changed, or it came or went.
            let same_urls = cache.urls_clean
                && before.len() == sources.len()
                && before.iter().all(|b| {
                    cache
                        .articles
                        .iter()
                        .find(|a| a.source == b.source)
                        .is_some_and(|a| a.url == b.url && a.front.aliases == b.aliases)
                });
            let url_errors = if same_urls {
                Vec::new()
            } else {
                let claims = crate::build::checks::claim_urls(&cache.articles);
                for (i, url) in claims.dropped {
                    Arc::make_mut(&mut cache.articles[i])
                        .front
                        .aliases
                        .retain(|alias| urls::alias_path(alias) != url);
                }
                claims.errors
            };
            lap("checks");
            (redone, intro_errors, url_errors)
        };
        cache.urls_clean = url_errors.is_empty();
        let mut found = Vec::with_capacity(redone.len());
        // Articles whose HTML changed need their pages again.
        let mut html_changed = Vec::new();
        for r in redone {
            let article = &mut cache.articles[r.at];
            if article.rendered.html != r.rendered.html && !sources.contains(&article.source) {
                html_changed.push(article.source.clone());
            }
            found.push((article.source.clone(), r.errors));
            cache.inbound.set(&article.source, &r.rendered.links);
            Arc::make_mut(article).rendered = r.rendered;
        }
        cache.link_errors.update(&again, found);
        // Related lists stay when no changed article moved, left, came or
        // changed what they are computed from.
        let reuse_related = before.len() == sources.len()
            && before.iter().all(|b| {
                cache
                    .articles
                    .iter()
                    .find(|a| a.source == b.source)
                    .is_some_and(|a| b.same_for_related(a))
            });
        // The sitemap stays when no changed article moved, left, came or
        // changed its date or listings.
        let same_sitemap = before.len() == sources.len()
            && before.iter().all(|b| {
                cache
                    .articles
                    .iter()
                    .find(|a| a.source == b.source)
                    .is_some_and(|a| b.same_for_sitemap(a, &internal_tag))
            });
        // The taxonomies and URL indices stay when no changed article
        // moved, left, came or changed its bundle, language, category, tags
        // or translation key: the kept ones are reused, with the lists
        // that are ordered by title sorted again.
        let same_taxonomy = before.len() == sources.len()
            && before.iter().all(|b| {
                cache
                    .articles
                    .iter()
                    .find(|a| a.source == b.source)
                    .is_some_and(|a| b.same_for_taxonomy(a, &internal_tag))
            });
        let retitled: HashSet<String> = sources.clone();
        sources.extend(html_changed);

        let errors: Vec<ContentError> = cache
            .broken
            .values()
            .cloned()
            .chain(url_errors)
            .chain(cache.link_errors.all().cloned())
            .chain(intro_errors)
            .collect();
        if !errors.is_empty() {
            self.pending = sources;
            self.pending_before = before;
            return Err(ContentErrors::sorted(errors).into());
        }
        let Some(theme) = self.theme.as_ref() else {
            bail!("no theme");
        };
        let result = (|| -> Result<(Outcome, [Vec<Prepared>; 2])> {
            let config = &settings.config;
            // Taken out for this rebuild, put back once it succeeded.
            let kept = self.memos.each_mut().map(|m| m.taxonomy.take());
            let [kept_public, kept_internal] = match kept {
                [Some(p), Some(i)] if same_taxonomy => [Some(p), Some(i)],
                _ => [None, None],
            };
            let memos = &self.memos;
            let make = |kind: BundleKind, memo: &Memo, kept: Option<Taxonomy<'static>>| {
                let articles = cache.articles.iter().map(|a| &**a);
                let default_language = config.site.default_language.as_str();
                let internal_tag = config.build.internal_tag.as_str();
                let related = reuse_related.then(|| memo.related_lists.clone());
                match kept {
                    Some(taxonomy) => {
                        let taxonomy = taxonomy.attach(&cache.intros, default_language);
                        let mut bundle = Bundle::from_parts(
                            kind,
                            articles,
                            taxonomy,
                            default_language,
                            internal_tag,
                            related,
                        );
                        let changed: Vec<usize> = (0..bundle.articles.len())
                            .filter(|&i| retitled.contains(&bundle.articles[i].source))
                            .collect();
                        bundle
                            .taxonomy
                            .resort(&bundle.articles, &changed, internal_tag);
                        bundle
                    }
                    None => Bundle::from_refs(
                        kind,
                        articles,
                        &cache.intros,
                        default_language,
                        internal_tag,
                        related,
                    ),
                }
            };
            let (public, internal) = rayon::join(
                || make(BundleKind::Public, &memos[0], kept_public),
                || make(BundleKind::Internal, &memos[1], kept_internal),
            );
            lap(if same_taxonomy { "kept tax" } else { "bundles" });
            let fresh = self.fresh.as_deref();
            let forbidden = Forbidden::of_internal(cache.articles.iter().map(|a| &**a));
            let [public_memo, internal_memo] = &mut self.memos;
            let run = |mut bundle: Bundle<'_>, memo: &mut Memo| {
                let mut outcome = Outcome::default();
                let dir = bundle_dir(settings, bundle.kind);
                let held = update_bundle(
                    &Update {
                        settings,
                        theme,
                        bundle: &bundle,
                        dir: &dir,
                        sources: &sources,
                        before: &before,
                        related_reused: reuse_related,
                        same_sitemap,
                        fresh,
                        forbidden: &forbidden,
                    },
                    memo,
                    &mut outcome,
                )?;
                memo.taxonomy = Some(std::mem::take(&mut bundle.taxonomy).detach());
                Ok::<_, anyhow::Error>((outcome, held))
            };
            let (a, b) = rayon::join(|| run(public, public_memo), || run(internal, internal_memo));
            let ((a, held_public), (b, held_internal)) = match (a, b) {
                (Ok(a), Ok(b)) => (a, b),
                (a, b) => {
                    // What the other bundle held is never written: forget it.
                    if let Ok((_, held)) = &a {
                        unhold(fresh, BundleKind::Public, held, &mut public_memo.written);
                    }
                    if let Ok((_, held)) = &b {
                        unhold(
                            fresh,
                            BundleKind::Internal,
                            held,
                            &mut internal_memo.written,
                        );
                    }
                    return Err(first_error(a.err(), b.err()));
                }
            };
            let outcome = Outcome {
                written: a.written + b.written,
                removed: a.removed + b.removed,
                rendered: a.rendered + b.rendered,
                listings: a.listings + b.listings,
                elapsed: started.elapsed(),
            };
            Ok((outcome, [held_public, held_internal]))
        })();
        match result {
            Ok((outcome, held)) => {
                pages_ready(&outcome);
                lap("reload sent");
                self.write_held(held)?;
                lap("written");
                self.update_search()?;
                Ok(outcome)
            }
            Err(err) => {
                self.pending = sources;
                self.pending_before = before;
                Err(err)
            }
        }
    }

    /// Writes the files an incremental rebuild held in memory, and lets
    /// the disk serve each one once it is written. A file that cannot be
    /// written is dropped from memory too (the disk's older file is
    /// served), is reported as this rebuild's error, and is written again
    /// by the next rebuild.
    fn write_held(&mut self, held: [Vec<Prepared>; 2]) -> Result<()> {
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
    fn reload(&mut self, rel: &str, source: &str) {
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
fn bundle_dir(settings: &Settings, kind: BundleKind) -> PathBuf {
    match kind {
        BundleKind::Public => settings.public_dir.clone(),
        BundleKind::Internal => settings.internal_dir.clone(),
    }
}

/// Forgets files held for a rebuild that failed: out of `fresh`, and out of
/// `written` (they were never written, so the next rebuild writes them).
fn unhold(fresh: Option<&Fresh>, kind: BundleKind, held: &[Prepared], written: &mut Written) {
    for f in held {
        if let Some(fresh) = fresh {
            fresh.forget(kind, &f.path);
        }
        written.remove(&f.path);
    }
}

/// The first of two errors, at least one of which is given.
fn first_error(a: Option<anyhow::Error>, b: Option<anyhow::Error>) -> anyhow::Error {
    a.or(b)
        .unwrap_or_else(|| anyhow::anyhow!("a bundle failed to rebuild"))
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
