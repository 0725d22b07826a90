//! Rebuilding for `docket serve`: the same steps as `docket build`, kept in
//! memory between changes, writing only the files whose bytes changed and
//! removing files that are no longer produced. Serving output lives in its
//! own folder (`.docket/serve/` under the site), so `docket build` output is
//! never touched. A failed rebuild writes nothing: the last good output
//! keeps being served. As in `docket build`, every public file is verified
//! against the internal articles' paths ([`output::verify_files`]) before
//! it is written or held: a rebuild whose public bundle would mention one
//! fails with the build's report.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::checks::{Inbound, LinkErrors, Touched};
use super::fresh::Fresh;
use super::search_worker::{SearchWorker, Snapshot};
use super::watch::Changes;
use crate::build::checks;
use crate::build::checks::verify_public;
use crate::build::plan::{self as pages, PageJob};
use crate::config::Settings;
use crate::content::{self, Article, CategoryIntro, Loaded};
use crate::error::{ContentError, ContentErrors};
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::listing::{self, Listing, ListingPage};
use crate::model::site::Site;
use crate::model::taxonomy::Taxonomy;
use crate::output::incremental::{
    prepare, remove, sync_all, take_changed, write_atomically, write_changed, Counts, Prepared,
    Written,
};
use crate::output::{Forbidden, OutputFile};
use crate::render::{Renderer, Theme};
use crate::urls::{self, category_path, page_dir, tag_path};

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

/// What the last build of one bundle produced, so that a change can be
/// traced to the pages it touches and to the files it leaves behind. The
/// search index files are the [`SearchWorker`]'s.
#[derive(Default)]
struct Memo {
    written: Written,
    /// Article source → the files it owns (page, aliases, assets).
    owned: HashMap<String, Vec<String>>,
    /// Article URL → URLs of its related articles.
    related: HashMap<String, Vec<String>>,
    /// Every page of every category and tag listing, with the
    /// [signature](list_signature) of what it showed.
    lists: HashMap<String, u64>,
    /// URLs of the articles in the feed (public bundle).
    feed: Vec<String>,
    /// The related lists, in the bundle's article order.
    related_lists: Vec<Vec<usize>>,
    /// The taxonomy of the last written bundle, kept for the next rebuild
    /// (see [`Before::same_for_taxonomy`]); `None` while a rebuild that
    /// took it is under way, or after one failed.
    taxonomy: Option<Taxonomy<'static>>,
}

/// The content as last loaded, kept between rebuilds.
#[derive(Default)]
struct Cache {
    /// Built articles, shared with the search index thread.
    articles: Vec<Arc<Article>>,
    skipped: Vec<Article>,
    intros: Vec<CategoryIntro>,
    /// Files that do not load, by source.
    broken: BTreeMap<String, ContentError>,
    /// Link errors of the built articles, by source.
    link_errors: LinkErrors,
    /// Which articles link to what.
    inbound: Inbound,
    /// Whether the last check of unique URLs found nothing.
    urls_clean: bool,
    /// Paths of the static files (links to them get the bundle root).
    static_paths: Vec<String>,
    /// Whether the cache holds a complete, once-valid site.
    ready: bool,
}

/// What a changed article was in the last written output (for the
/// listings it leaves, and to tell whether related lists can change).
struct Before {
    source: String,
    content_path: String,
    url: String,
    lang: String,
    category: Option<String>,
    tags: Vec<String>,
    translation_key: String,
    keywords: Vec<String>,
    aliases: Vec<String>,
    when: Option<time::OffsetDateTime>,
    internal: bool,
}

impl Before {
    fn of(a: &Article, internal_tag: &str) -> Self {
        Self {
            source: a.source.clone(),
            content_path: a.content_path.clone(),
            url: a.url.clone(),
            lang: a.lang.clone(),
            category: a.category.clone(),
            tags: a.visible_tags(internal_tag).map(str::to_owned).collect(),
            translation_key: a.translation_key.clone(),
            keywords: a.front.keywords.clone(),
            aliases: a.front.aliases.clone(),
            when: a.date_or_lastmod(),
            internal: a.internal,
        }
    }

    /// Whether `a` has the same entry in the sitemap (URL, date) and
    /// lists the same way (bundle, language, category, tags).
    fn same_for_sitemap(&self, a: &Article, internal_tag: &str) -> bool {
        self.url == a.url
            && self.internal == a.internal
            && self.lang == a.lang
            && self.category == a.category
            && self.when == a.date_or_lastmod()
            && self
                .tags
                .iter()
                .map(String::as_str)
                .eq(a.visible_tags(internal_tag))
    }

    /// Whether `a` has the same place in the bundles' taxonomies and URL
    /// indices: same bundle, URL, language, category, tags and translation
    /// key. Its title, weight, date, summary and body may differ.
    fn same_for_taxonomy(&self, a: &Article, internal_tag: &str) -> bool {
        self.url == a.url
            && self.internal == a.internal
            && self.lang == a.lang
            && self.category == a.category
            && self.translation_key == a.translation_key
            && self
                .tags
                .iter()
                .map(String::as_str)
                .eq(a.visible_tags(internal_tag))
    }

    /// Whether `a` is the same article for related lists: same bundle,
    /// URL, language, category, keywords and date.
    fn same_for_related(&self, a: &Article) -> bool {
        self.url == a.url
            && self.internal == a.internal
            && self.lang == a.lang
            && self.category == a.category
            && self.keywords == a.front.keywords
            && self.when == a.date_or_lastmod()
    }
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

/// `articles` sorted by URL.
fn by_url(mut articles: Vec<Arc<Article>>) -> Vec<Arc<Article>> {
    articles.sort_by(|a, b| a.url.cmp(&b.url));
    articles
}

/// The folder of one serving bundle.
fn bundle_dir(settings: &Settings, kind: BundleKind) -> PathBuf {
    match kind {
        BundleKind::Public => settings.public_dir.clone(),
        BundleKind::Internal => settings.internal_dir.clone(),
    }
}

fn related_urls(bundle: &Bundle<'_>) -> HashMap<String, Vec<String>> {
    bundle
        .articles
        .iter()
        .zip(&bundle.related)
        .map(|(a, rel)| {
            (
                a.url.clone(),
                rel.iter()
                    .map(|&j| bundle.articles[j].url.clone())
                    .collect(),
            )
        })
        .collect()
}

/// Every page of every listing of `bundle`, with its signature.
fn list_signatures(bundle: &Bundle<'_>, page_size: usize) -> HashMap<String, u64> {
    let langs = bundle.languages();
    listing::listings(bundle)
        .into_iter()
        .flat_map(|l| l.pages(page_size))
        .map(|page| (page.file(bundle), list_signature(bundle, &page, langs)))
        .collect()
}

/// A hash of what a listing page shows besides its articles' own list
/// entries: its number and the listing's page count, which
/// articles it lists (by URL) in which order and, for a category, its
/// other language versions and (page 1) its sub-categories with their
/// titles and counts. A page whose signature is unchanged and which lists
/// no changed article is the same page as before. `langs` are the
/// bundle's languages.
fn list_signature(bundle: &Bundle<'_>, page: &ListingPage<'_>, langs: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    (page.number, page.count).hash(&mut h);
    for &i in page.articles() {
        bundle.articles[i].url.hash(&mut h);
    }
    if let Listing::Category(c) = page.listing {
        for lang in langs.iter().filter(|l| **l != c.lang) {
            bundle
                .taxonomy
                .category(lang, &c.path)
                .is_some()
                .hash(&mut h);
        }
        if page.number == 1 {
            for path in &c.children {
                if let Some(child) = bundle.taxonomy.category(&c.lang, path) {
                    (path, &child.title, child.total).hash(&mut h);
                }
            }
        }
    }
    h.finish()
}

/// What [`update_bundle`] works from.
struct Update<'u, 'b> {
    settings: &'u Settings,
    theme: &'u Theme,
    bundle: &'u Bundle<'b>,
    dir: &'u Path,
    /// Sources of the articles whose pages are rendered again.
    sources: &'u HashSet<String>,
    before: &'u [Before],
    /// Whether the bundle's related lists are the memo's.
    related_reused: bool,
    /// Whether the sitemap is the last one.
    same_sitemap: bool,
    /// Where changed files are held instead of written, if anywhere.
    fresh: Option<&'u Fresh>,
    /// What the public bundle must not mention.
    forbidden: &'u Forbidden,
}

/// Renders the part of one bundle that `sources` affect and writes it, or
/// holds it in `fresh` and returns it to be written later.
fn update_bundle(
    u: &Update<'_, '_>,
    memo: &mut Memo,
    outcome: &mut Outcome,
) -> Result<Vec<Prepared>> {
    let Update {
        settings,
        theme,
        bundle,
        dir,
        sources,
        before,
        related_reused,
        same_sitemap,
        fresh,
        forbidden,
    } = *u;
    let r = Renderer {
        theme,
        bundle,
        settings,
    };
    let internal_tag = settings.config.build.internal_tag.as_str();
    let changed: Vec<usize> = (0..bundle.articles.len())
        .filter(|&i| sources.contains(&bundle.articles[i].source))
        .collect();
    let mut changed_urls: HashSet<&str> = before.iter().map(|b| b.url.as_str()).collect();
    changed_urls.extend(changed.iter().map(|&i| bundle.articles[i].url.as_str()));

    // Article pages: the changed ones, their translations, and every page
    // whose related list names one of them now or did before.
    let mut pages: BTreeSet<usize> = changed.iter().copied().collect();
    for &i in &changed {
        for t in bundle.translations_of(i) {
            pages.extend(bundle.index_of(&t.url));
        }
    }
    for b in before {
        if let Some(list) = bundle.taxonomy.translations.get(&b.translation_key) {
            pages.extend(list.iter().copied());
        }
    }
    let changed_set: HashSet<usize> = changed.iter().copied().collect();
    for (i, rel) in bundle.related.iter().enumerate() {
        if rel.iter().any(|j| changed_set.contains(j)) {
            pages.insert(i);
        }
    }
    if !related_reused {
        for (url, rel) in &memo.related {
            if rel.iter().any(|u| changed_urls.contains(u.as_str())) {
                pages.extend(bundle.index_of(url));
            }
        }
    }

    // Listings: categories (with ancestors) and tags, before and after.
    let mut cats: BTreeSet<(String, String)> = BTreeSet::new();
    let mut tags: BTreeSet<(String, String)> = BTreeSet::new();
    for &i in &changed {
        let a = bundle.articles[i];
        if let Some(c) = &a.category {
            cats.extend(urls::ancestors(c).map(|p| (a.lang.clone(), p.to_owned())));
        }
        tags.extend(
            a.visible_tags(internal_tag)
                .map(|t| (a.lang.clone(), t.to_owned())),
        );
    }
    for b in before {
        if let Some(c) = &b.category {
            cats.extend(urls::ancestors(c).map(|p| (b.lang.clone(), p.to_owned())));
        }
        tags.extend(b.tags.iter().map(|t| (b.lang.clone(), t.clone())));
    }

    // A category's pages name its other language versions.
    let langs = bundle.languages();
    let paths: BTreeSet<String> = cats.iter().map(|(_, p)| p.clone()).collect();
    for path in paths {
        cats.extend(langs.iter().map(|l| ((*l).to_owned(), path.clone())));
    }

    let mut jobs: Vec<PageJob<'_>> = pages
        .into_iter()
        .map(|i| PageJob::article(bundle, i))
        .collect();
    // Of the affected listings, the pages that list a changed article or
    // whose signature changed; the pages past a listing's new end are gone.
    let page_size = settings.config.build.listing_page_size;
    let mut affected: Vec<(String, Option<Listing<'_>>)> = Vec::new();
    for (lang, path) in &cats {
        let dir = category_path(&bundle.lang_prefix(lang), path);
        affected.push((
            dir,
            bundle.taxonomy.category(lang, path).map(Listing::Category),
        ));
    }
    for key in &tags {
        let (lang, name) = key;
        let dir = tag_path(&bundle.lang_prefix(lang), name);
        let found = bundle
            .taxonomy
            .tags
            .get_key_value(key)
            .map(|((lang, name), articles)| Listing::Tag {
                lang,
                name,
                articles,
            });
        affected.push((dir, found));
    }
    let mut relisted: Vec<(String, u64)> = Vec::new();
    let mut unlisted: Vec<String> = Vec::new();
    for (dir, found) in affected {
        let mut count = 0;
        for page in found.into_iter().flat_map(|l| l.pages(page_size)) {
            count = page.number;
            let path = page.file(bundle);
            let signature = list_signature(bundle, &page, langs);
            if memo.lists.get(&path) != Some(&signature)
                || page.articles().iter().any(|i| changed_set.contains(i))
            {
                jobs.push(PageJob::listing(bundle, page));
            }
            relisted.push((path, signature));
        }
        for n in count + 1.. {
            let path = format!("{}index.html", page_dir(&dir, n));
            if !memo.lists.contains_key(&path) {
                break;
            }
            unlisted.push(path);
        }
    }
    jobs.extend(langs.iter().map(|&lang| PageJob::home(bundle, lang)));
    for &i in &changed {
        jobs.extend(PageJob::aliases(bundle, i));
    }
    let mut files: Vec<OutputFile> = jobs
        .par_iter()
        .map(|job| job.render(&r))
        .collect::<Result<Vec<Option<OutputFile>>>>()?
        .into_iter()
        .flatten()
        .collect();
    outcome.rendered += files.len();
    outcome.listings += jobs.iter().filter(|j| j.is_listing()).count();
    for &i in &changed {
        files.extend(pages::asset_files_of(bundle.articles[i]));
    }
    lap("pages");
    // Sitemap and feed, unless neither can have changed: the sitemap
    // stays and no changed article is or was in the feed.
    let feed: Vec<String> = if bundle.kind == BundleKind::Public {
        bundle
            .recent(bundle.default_language, crate::render::feeds::FEED_ENTRIES)
            .iter()
            .map(|a| a.url.clone())
            .collect()
    } else {
        Vec::new()
    };
    let in_feed = |url: &str| feed.iter().chain(&memo.feed).any(|f| f == url);
    if !same_sitemap || changed_urls.iter().any(|url| in_feed(url)) {
        files.extend(pages::listing_feeds(bundle, settings));
    }
    if bundle.kind == BundleKind::Public {
        verify_public(&files, forbidden)?;
    }
    memo.feed = feed;
    let held = match fresh {
        Some(fresh) => {
            let changed = take_changed(&mut memo.written, prepare(files)?);
            outcome.written += changed.len();
            for f in &changed {
                fresh.put(bundle.kind, &f.path, f.bytes.clone(), &f.hash);
            }
            changed
        }
        None => {
            *outcome += write_changed(dir, &mut memo.written, prepare(files)?)?;
            Vec::new()
        }
    };
    lap("held");
    // Noted only once the pages are written or held: a rebuild that fails
    // before renders them again.
    memo.lists.extend(relisted);

    // What the change left behind.
    let mut gone: Vec<String> = Vec::new();
    for source in sources {
        let now: Vec<String> = bundle
            .articles
            .iter()
            .find(|a| &a.source == source)
            .map(|a| pages::owned_paths(a))
            .unwrap_or_default();
        if let Some(old) = memo.owned.remove(source) {
            gone.extend(old.into_iter().filter(|p| !now.contains(p)));
        }
        if !now.is_empty() {
            memo.owned.insert(source.clone(), now);
        }
    }
    for path in &unlisted {
        memo.lists.remove(path);
    }
    gone.extend(unlisted);
    if !gone.is_empty() {
        // A path another article now owns (a URL taken over) stays.
        let kept: HashSet<&String> = memo.owned.values().flatten().collect();
        let lists = &memo.lists;
        gone.retain(|p| !kept.contains(p) && !lists.contains_key(p));
        *outcome += remove(dir, &mut memo.written, &gone)?;
        if let Some(fresh) = fresh {
            for path in &gone {
                fresh.forget(bundle.kind, path);
            }
        }
    }
    if !related_reused {
        memo.related = related_urls(bundle);
        memo.related_lists = bundle.related.clone();
    }
    Ok(held)
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
fn lap(step: &str) {
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
