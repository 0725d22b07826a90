//! Rebuilding for `docket serve`: the same steps as `docket build`, kept in
//! memory between changes, writing only the files whose bytes changed and
//! removing files that are no longer produced. Serving output lives in its
//! own folder (`.docket/serve/` under the site), so `docket build` output is
//! never touched. A failed rebuild writes nothing: the last good output
//! keeps being served.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use super::watch::Changes;
use crate::bundle::{Bundle, BundleKind};
use crate::config::Settings;
use crate::content::{self, clean_path, Article, CategoryIntro, Loaded};
use crate::error::ContentError;
use crate::output::{Body, OutputFile};
use crate::pages;
use crate::render::views::{category_path, tag_path};
use crate::render::{Renderer, Theme};
use crate::site::Site;
use crate::taxonomy::Category;

/// What a rebuild did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Files written (new or changed).
    pub written: usize,
    /// Files removed.
    pub removed: usize,
    /// Pages rendered.
    pub rendered: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The files of one bundle as last written: path → hash of the bytes.
type Written = HashMap<String, blake3::Hash>;

/// What the last build of one bundle produced, so that a change can be
/// traced to the pages it touches and to the files it leaves behind.
#[derive(Default)]
struct Memo {
    written: Written,
    /// Article source → the files it owns (page, aliases, assets).
    owned: HashMap<String, Vec<String>>,
    /// Article URL → URLs of its related articles.
    related: HashMap<String, Vec<String>>,
    /// Category and tag pages.
    lists: HashSet<String>,
    /// Search index files.
    search: HashSet<String>,
    /// The related lists, and a hash of everything they depend on.
    related_lists: Vec<Vec<usize>>,
    related_key: Option<blake3::Hash>,
}

/// The content as last loaded, kept between rebuilds.
#[derive(Default)]
struct Cache {
    articles: Vec<Article>,
    skipped: Vec<Article>,
    intros: Vec<CategoryIntro>,
    /// Files that do not load, by source.
    broken: BTreeMap<String, ContentError>,
    /// Whether the cache holds a complete, once-valid site.
    ready: bool,
}

/// What a changed article was before the change (for the listings it
/// leaves).
struct Before {
    url: String,
    lang: String,
    category: Option<String>,
    tags: Vec<String>,
    translation_key: String,
}

/// Rebuilds a site into its serving folders: the first time and after a
/// change of settings, theme, static files, category introductions or page
/// bundle assets in full; after Markdown edits, additions, renames and
/// deletions only the pages they affect.
pub struct Builder {
    settings: Settings,
    theme: Option<Theme>,
    cache: Cache,
    memos: [Memo; 2],
    /// Changes not yet written (their rebuild failed), with what the
    /// articles were in the last written output.
    pending: HashSet<String>,
    pending_before: Vec<Before>,
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
        }
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

    /// Renders everything, writes what changed and removes what is gone.
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
        site.render_markdown();
        site.check_links();
        site.fail_on_errors()?;
        let mut outcome = Outcome::default();
        for (kind, memo) in KINDS.into_iter().zip(self.memos.iter_mut()) {
            let bundle = site.bundle(kind);
            let files = site.bundle_files(theme, &bundle, true)?;
            outcome.rendered += files.len();
            let dir = bundle_dir(&self.settings, kind);
            let search: HashSet<String> = crate::search_docs::index_files(&bundle)
                .into_iter()
                .map(|f| f.path)
                .collect();
            sync_all(&dir, &mut memo.written, prepare(files)?, &mut outcome)?;
            memo.owned = bundle
                .articles
                .iter()
                .map(|a| (a.source.clone(), owned_files(a)))
                .collect();
            memo.related = related_urls(&bundle);
            memo.lists = list_pages(&bundle);
            memo.search = search;
            memo.related_lists = bundle.related.clone();
            memo.related_key = Some(related_key(&site.articles, kind));
        }
        self.pending.clear();
        self.pending_before.clear();
        self.cache = Cache {
            articles: site.articles,
            skipped: site.skipped,
            intros: site.intros,
            broken: BTreeMap::new(),
            ready: true,
        };
        outcome.elapsed = started.elapsed();
        Ok(outcome)
    }

    /// Reloads the Markdown files `rels` (relative to `content/`), then
    /// renders the pages they affect: their own, their translations', the
    /// related lists that name them, their categories and tags, the home
    /// pages, feed, sitemap and search index.
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
        for rel in rels {
            let source = format!("content/{rel}");
            let internal_tag = self.settings.config.build.internal_tag.clone();
            let seen = sources.contains(&source);
            if let Some(a) = self
                .cache
                .articles
                .iter()
                .find(|a| a.source == source && !seen)
            {
                before.push(Before {
                    url: a.url.clone(),
                    lang: a.lang.clone(),
                    category: a.category.clone(),
                    tags: a.visible_tags(&internal_tag).map(str::to_owned).collect(),
                    translation_key: a.translation_key.clone(),
                });
            }
            self.reload(rel, &source);
            sources.insert(source);
        }
        let Some(theme) = self.theme.as_ref() else {
            bail!("no theme");
        };
        let cache = &mut self.cache;
        let mut site = Site::from_parts(
            &self.settings,
            std::mem::take(&mut cache.articles),
            std::mem::take(&mut cache.skipped),
            std::mem::take(&mut cache.intros),
        );
        let result = (|| -> Result<Outcome> {
            site.errors = cache.broken.values().cloned().collect();
            site.check_urls();
            let names: HashSet<&str> = rels
                .iter()
                .map(|r| r.rsplit('/').next().unwrap_or(r.as_str()))
                .collect();
            let mut again = sources.clone();
            for a in &site.articles {
                if a.rendered.links.iter().any(|l| links_to(&l.dest, &names)) {
                    again.insert(a.source.clone());
                }
            }
            lap("reload");
            site.render_markdown_of(&again);
            lap("markdown");
            site.check_links();
            lap("links");
            site.fail_on_errors()?;
            let mut outcome = Outcome::default();
            let settings = &self.settings;
            let memos = &self.memos;
            let site_ref = &site;
            let make = |kind: BundleKind, memo: &Memo| {
                let key = related_key(&site_ref.articles, kind);
                let bundle = if memo.related_key == Some(key) {
                    Bundle::with_related(
                        kind,
                        &site_ref.articles,
                        &site_ref.intros,
                        &settings.config.site.default_language,
                        &settings.config.build.internal_tag,
                        memo.related_lists.clone(),
                    )
                } else {
                    site_ref.bundle(kind)
                };
                (bundle, key)
            };
            let ((public, public_key), (internal, internal_key)) = rayon::join(
                || make(BundleKind::Public, &memos[0]),
                || make(BundleKind::Internal, &memos[1]),
            );
            lap("bundles");
            let bundles = [public, internal];
            let keys = [public_key, internal_key];
            for ((bundle, memo), key) in bundles.iter().zip(self.memos.iter_mut()).zip(keys) {
                memo.related_key = None;
                let dir = bundle_dir(&self.settings, bundle.kind);
                update_bundle(
                    &self.settings,
                    theme,
                    bundle,
                    &dir,
                    memo,
                    &sources,
                    &before,
                    &mut outcome,
                )?;
                memo.related_key = Some(key);
            }
            outcome.elapsed = started.elapsed();
            pages_ready(&outcome);
            // The search index last: open pages already show the change.
            let (public, internal) = rayon::join(
                || crate::search_docs::index_files(&bundles[0]),
                || crate::search_docs::index_files(&bundles[1]),
            );
            lap("search");
            for ((bundle, memo), files) in bundles
                .iter()
                .zip(self.memos.iter_mut())
                .zip([public, internal])
            {
                let dir = bundle_dir(&self.settings, bundle.kind);
                update_search(&dir, memo, files, &mut outcome)?;
            }
            lap("write search");
            outcome.elapsed = started.elapsed();
            Ok(outcome)
        })();
        cache.articles = site.articles;
        cache.skipped = site.skipped;
        cache.intros = site.intros;
        if result.is_err() {
            self.pending = sources;
            self.pending_before = before;
        }
        result
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
            Loaded::Article(a) => cache.articles.push(*a),
            // `apply` sends category introductions to a full build.
            Loaded::Intro(_) => self.cache.ready = false,
            Loaded::Error(e) => {
                cache.broken.insert(source.to_owned(), e);
            }
        }
    }
}

/// Whether a link destination as written names one of the changed files.
fn links_to(dest: &str, names: &HashSet<&str>) -> bool {
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    let last = path.rsplit('/').next().unwrap_or(path);
    names.contains(last)
}

/// A hash of what related-article lists depend on: the bundle's articles
/// in URL order with their language, category, keywords and dates.
fn related_key(articles: &[Article], kind: BundleKind) -> blake3::Hash {
    let mut list: Vec<&Article> = articles
        .iter()
        .filter(|a| kind == BundleKind::Internal || !a.internal)
        .collect();
    list.sort_by(|a, b| a.url.cmp(&b.url));
    let mut h = blake3::Hasher::new();
    for a in list {
        h.update(a.url.as_bytes());
        h.update(b"\0");
        h.update(a.lang.as_bytes());
        h.update(b"\0");
        h.update(a.category.as_deref().unwrap_or("").as_bytes());
        h.update(b"\0");
        for k in &a.front.keywords {
            h.update(k.as_bytes());
            h.update(b"\x01");
        }
        let when = a
            .date_or_lastmod()
            .map(|d| d.unix_timestamp())
            .unwrap_or(i64::MIN);
        h.update(&when.to_le_bytes());
        h.update(b"\n");
    }
    h.finalize()
}

/// The folder of one serving bundle.
fn bundle_dir(settings: &Settings, kind: BundleKind) -> PathBuf {
    match kind {
        BundleKind::Public => settings.public_dir.clone(),
        BundleKind::Internal => settings.internal_dir.clone(),
    }
}

/// The bundle path an alias is written to (as `docket build` does).
fn alias_file(alias: &str) -> String {
    let path = clean_path(alias);
    if path.ends_with(".html") {
        path
    } else if path.is_empty() {
        "index.html".to_owned()
    } else {
        format!("{path}/index.html")
    }
}

/// The files an article owns in a bundle: its page, aliases and assets.
fn owned_files(a: &Article) -> Vec<String> {
    let mut files = vec![format!("{}index.html", a.url)];
    files.extend(a.front.aliases.iter().map(|x| alias_file(x)));
    files.extend(a.assets.iter().map(|x| format!("{}{}", a.url, x.rel)));
    files
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

fn list_pages(bundle: &Bundle<'_>) -> HashSet<String> {
    let cats = bundle.taxonomy.categories.values().map(|c| {
        format!(
            "{}index.html",
            category_path(&bundle.lang_prefix(&c.lang), &c.path)
        )
    });
    let tags = bundle
        .taxonomy
        .tags
        .keys()
        .map(|(lang, tag)| format!("{}index.html", tag_path(&bundle.lang_prefix(lang), tag)));
    cats.chain(tags).collect()
}

/// `path` and each of its ancestors (`a/b/c` → `a`, `a/b`, `a/b/c`).
fn with_ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut end = 0;
    for seg in path.split('/') {
        end += seg.len();
        out.push(path[..end].to_owned());
        end += 1;
    }
    out
}

/// Renders and writes the part of one bundle that `sources` affect.
#[allow(clippy::too_many_arguments)]
fn update_bundle(
    settings: &Settings,
    theme: &Theme,
    bundle: &Bundle<'_>,
    dir: &Path,
    memo: &mut Memo,
    sources: &HashSet<String>,
    before: &[Before],
    outcome: &mut Outcome,
) -> Result<()> {
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
    for (url, rel) in &memo.related {
        if rel.iter().any(|u| changed_urls.contains(u.as_str())) {
            pages.extend(bundle.index_of(url));
        }
    }

    // Listings: categories (with ancestors) and tags, before and after.
    let mut cats: BTreeSet<(String, String)> = BTreeSet::new();
    let mut tags: BTreeSet<(String, String)> = BTreeSet::new();
    for &i in &changed {
        let a = bundle.articles[i];
        if let Some(c) = &a.category {
            cats.extend(with_ancestors(c).into_iter().map(|p| (a.lang.clone(), p)));
        }
        tags.extend(
            a.visible_tags(internal_tag)
                .map(|t| (a.lang.clone(), t.to_owned())),
        );
    }
    for b in before {
        if let Some(c) = &b.category {
            cats.extend(with_ancestors(c).into_iter().map(|p| (b.lang.clone(), p)));
        }
        tags.extend(b.tags.iter().map(|t| (b.lang.clone(), t.clone())));
    }

    let mut jobs: Vec<Job<'_>> = pages.into_iter().map(Job::Article).collect();
    jobs.extend(
        cats.iter()
            .filter_map(|(lang, path)| bundle.taxonomy.category(lang, path))
            .map(Job::Category),
    );
    jobs.extend(tags.iter().filter_map(|key| {
        bundle
            .taxonomy
            .tags
            .get_key_value(key)
            .map(|((lang, tag), list)| Job::Tag(lang, tag, list))
    }));
    jobs.extend(bundle.languages().into_iter().map(Job::Home));
    for &i in &changed {
        for alias in &bundle.articles[i].front.aliases {
            jobs.push(Job::Alias(alias_file(alias), i));
        }
    }
    let mut files: Vec<OutputFile> = jobs
        .par_iter()
        .map(|job| job.render(&r))
        .collect::<Result<Vec<OutputFile>>>()?;
    outcome.rendered += files.len();
    for &i in &changed {
        let a = bundle.articles[i];
        files.extend(a.assets.iter().map(|asset| OutputFile {
            path: format!("{}{}", a.url, asset.rel),
            body: Body::Copy(asset.source.clone()),
        }));
    }
    lap("pages");
    files.extend(pages::listing_feeds(bundle, settings));
    write_changed(dir, &mut memo.written, prepare(files)?, outcome)?;
    lap("write");

    // What the change left behind.
    let mut gone: Vec<String> = Vec::new();
    for source in sources {
        let now: Vec<String> = bundle
            .articles
            .iter()
            .find(|a| &a.source == source)
            .map(|a| owned_files(a))
            .unwrap_or_default();
        if let Some(old) = memo.owned.remove(source) {
            gone.extend(old.into_iter().filter(|p| !now.contains(p)));
        }
        if !now.is_empty() {
            memo.owned.insert(source.clone(), now);
        }
    }
    let lists = list_pages(bundle);
    gone.extend(memo.lists.difference(&lists).cloned());
    // A path another article now owns (a URL taken over) stays.
    let kept: HashSet<&String> = memo.owned.values().flatten().collect();
    gone.retain(|p| !kept.contains(p) && !lists.contains(p));
    remove(dir, &mut memo.written, &gone, outcome)?;
    memo.lists = lists;
    memo.related = related_urls(bundle);
    memo.related_lists = bundle.related.clone();
    Ok(())
}

/// Writes a bundle's changed search index files and removes stale ones.
fn update_search(
    dir: &Path,
    memo: &mut Memo,
    files: Vec<OutputFile>,
    outcome: &mut Outcome,
) -> Result<()> {
    let paths: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    write_changed(dir, &mut memo.written, prepare(files)?, outcome)?;
    let gone: Vec<String> = memo.search.difference(&paths).cloned().collect();
    remove(dir, &mut memo.written, &gone, outcome)?;
    memo.search = paths;
    Ok(())
}

/// One page to re-render.
enum Job<'b> {
    Article(usize),
    Category(&'b Category<'b>),
    Tag(&'b str, &'b str, &'b [usize]),
    Home(&'b str),
    Alias(String, usize),
}

impl Job<'_> {
    fn render(&self, r: &Renderer<'_>) -> Result<OutputFile> {
        let b = r.bundle;
        Ok(match self {
            Job::Article(i) => {
                OutputFile::text(format!("{}index.html", b.articles[*i].url), r.article(*i)?)
            }
            Job::Category(c) => OutputFile::text(
                format!(
                    "{}index.html",
                    category_path(&b.lang_prefix(&c.lang), &c.path)
                ),
                r.category(c)?,
            ),
            Job::Tag(lang, tag, list) => OutputFile::text(
                format!("{}index.html", tag_path(&b.lang_prefix(lang), tag)),
                r.tag(lang, tag, list)?,
            ),
            Job::Home(lang) => {
                OutputFile::text(format!("{}index.html", b.lang_prefix(lang)), r.home(lang)?)
            }
            Job::Alias(path, i) => OutputFile::text(path.clone(), r.alias(b.articles[*i])?),
        })
    }
}

/// A file's bytes and their hash.
pub(crate) struct Prepared {
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) hash: blake3::Hash,
}

/// Reads copies and hashes everything, in parallel.
pub(crate) fn prepare(files: Vec<OutputFile>) -> Result<Vec<Prepared>> {
    files
        .into_par_iter()
        .map(|f| {
            let bytes = match f.body {
                Body::Bytes(b) => b,
                Body::Copy(source) => std::fs::read(&source)
                    .with_context(|| format!("cannot read {}", source.display()))?,
            };
            let hash = blake3::hash(&bytes);
            Ok(Prepared {
                path: f.path,
                bytes,
                hash,
            })
        })
        .collect()
}

/// Writes the changed files of a complete bundle and removes the rest.
fn sync_all(
    dir: &Path,
    written: &mut Written,
    files: Vec<Prepared>,
    outcome: &mut Outcome,
) -> Result<()> {
    let keep: std::collections::HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    write_changed(dir, written, files, outcome)?;
    let gone: Vec<String> = written
        .keys()
        .filter(|p| !keep.contains(*p))
        .cloned()
        .collect();
    remove(dir, written, &gone, outcome)
}

/// Writes each file whose bytes differ from what was last written.
pub(crate) fn write_changed(
    dir: &Path,
    written: &mut Written,
    files: Vec<Prepared>,
    outcome: &mut Outcome,
) -> Result<()> {
    let changed: Vec<Prepared> = files
        .into_iter()
        .filter(|f| written.get(&f.path) != Some(&f.hash))
        .collect();
    changed
        .par_iter()
        .map(|f| write_atomically(&dir.join(&f.path), &f.bytes))
        .collect::<Result<Vec<()>>>()?;
    outcome.written += changed.len();
    for f in changed {
        written.insert(f.path, f.hash);
    }
    Ok(())
}

/// Removes files no longer produced.
pub(crate) fn remove(
    dir: &Path,
    written: &mut Written,
    gone: &[String],
    outcome: &mut Outcome,
) -> Result<()> {
    for path in gone {
        let file = dir.join(path);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", file.display())),
        }
        written.remove(path);
        outcome.removed += 1;
    }
    Ok(())
}

/// Writes beside the target, then renames, so a request never reads half
/// a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut tmp = PathBuf::from(path);
    let name = format!(
        ".{}.docket-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    tmp.set_file_name(name);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
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
