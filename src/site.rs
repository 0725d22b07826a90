//! The orchestrator: load → check → render Markdown → derive the two
//! bundles → render pages → stage, verify and swap in. Each step is a short
//! named method; the work inside each step is per article and parallel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

use crate::build_cache::{BuildCache, Counts};
use crate::config::Settings;
use crate::content::markdown::{self, Rendered};
use crate::content::{self, Article, CategoryIntro};
use crate::error::{ContentError, ContentErrors};
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::links::LinkIndex;
use crate::output::{self, Forbidden, OutputFile};
use crate::pages;
use crate::render::Theme;

/// First path segments of pages the build generates (listings, search)
/// or the sidecar serves: root-relative links to them are not checked.
pub const GENERATED: &[&str] = &[
    "categories",
    "tags",
    "search",
    "page",
    "portal",
    "agent",
    "login",
    "logout",
    "register",
    "reset",
    "account",
    "api",
    "tickets",
];

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Render drafts too (`--drafts`).
    pub drafts: bool,
    /// Write the bundles (`build`), or only validate (`check`).
    pub write: bool,
    /// Skip the build when nothing changed since the last one (see
    /// [`crate::build_cache`]); `build --no-cache` turns it off.
    pub use_cache: bool,
    /// Fail on warnings too (`--strict`; the cache is not used, so the
    /// warnings are looked for).
    pub strict: bool,
}

/// What a build did.
#[derive(Debug)]
pub struct Report {
    /// Articles in the public bundle.
    pub public: usize,
    /// Articles in the internal bundle.
    pub internal: usize,
    /// Files written to the public bundle.
    pub public_files: usize,
    /// Files written to the internal bundle.
    pub internal_files: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Whether nothing had changed, so nothing was built.
    pub unchanged: bool,
    /// What Hugo tolerates but writers need to know, sorted.
    pub warnings: Vec<ContentError>,
}

/// Builds (or checks) the site. Content problems come back as a
/// [`ContentErrors`] error listing every one of them.
pub fn build(settings: &Settings, options: &BuildOptions) -> Result<Report> {
    let started = Instant::now();
    if !settings.content_dir.is_dir() {
        anyhow::bail!(
            "no content folder: {} does not exist (run docket in the site's folder or pass --site)",
            settings.content_dir.display()
        );
    }
    let mut timer = StepTimer::from_env();
    let (cache, mut site) = if options.write && options.use_cache && !options.strict {
        let cache = BuildCache::scan(settings, options.drafts);
        if let Some(counts) = cache.unchanged() {
            timer.step("cache");
            return Ok(Report {
                public: counts.public_articles,
                internal: counts.internal_articles,
                public_files: counts.public_files,
                internal_files: counts.internal_files,
                elapsed: started.elapsed(),
                unchanged: true,
                warnings: Vec::new(),
            });
        }
        BuildCache::clear(settings);
        timer.step("cache");
        let site = Site::load(settings, options.drafts);
        timer.step("load");
        (Some(cache), site)
    } else if options.write {
        // `--no-cache`: nothing can stop the build early, so the inputs
        // are hashed for the next build's record beside the loading.
        let (cache, site) = rayon::join(
            || BuildCache::scan(settings, options.drafts),
            || Site::load(settings, options.drafts),
        );
        BuildCache::clear(settings);
        timer.step("cache + load");
        (Some(cache), site)
    } else {
        let site = Site::load(settings, options.drafts);
        timer.step("load");
        (None, site)
    };
    site.check_urls();
    let theme = Theme::load(settings)?;
    site.render_markdown(&theme);
    site.drop_sources();
    timer.step("markdown");
    site.check_links();
    site.check_site_paths();
    site.collect_warnings(options.strict);
    site.fail_on_errors()?;
    let warnings = ContentErrors::sorted(std::mem::take(&mut site.warnings)).0;
    let (public, internal) = rayon::join(
        || site.bundle(BundleKind::Public),
        || site.bundle(BundleKind::Internal),
    );
    timer.step("bundles");
    let (public_files, internal_files) = if options.write {
        let forbidden = site.forbidden();
        let public_sink = output::StageSink::open(&settings.public_dir, Some(&forbidden))?;
        let internal_sink = output::StageSink::open(&settings.internal_dir, None)?;
        // Pages are written as they are rendered; beside them, the search
        // indexes of both bundles in one call (the articles the bundles
        // share are tokenised once), written when done.
        let ((public_written, internal_written), indexes) = rayon::join(
            || {
                rayon::join(
                    || pages::write_bundle(settings, &theme, &public, &public_sink),
                    || pages::write_bundle(settings, &theme, &internal, &internal_sink),
                )
            },
            || crate::search::docs::index_files_of(&[&public, &internal]),
        );
        public_written?;
        internal_written?;
        for (sink, index) in [&public_sink, &internal_sink].into_iter().zip(&indexes) {
            index.par_iter().try_for_each(|f| sink.put(f))?;
        }
        drop(indexes);
        let counts = (public_sink.count(), internal_sink.count());
        timer.step("render+write");
        let staged = StagedBundles {
            public: public_sink.finish()?,
            internal: internal_sink.finish()?,
        };
        timer.step("clean");
        let written = staged.commit()?;
        timer.step("swap");
        if let Some(cache) = cache {
            let counts = Counts {
                public_articles: public.articles.len(),
                internal_articles: internal.articles.len(),
                public_files: counts.0,
                internal_files: counts.1,
            };
            cache.save(counts, written)?;
            timer.step("save cache");
        }
        counts
    } else {
        let (public_files, internal_files) = rayon::join(
            || site.bundle_files(&theme, &public, false),
            || site.bundle_files(&theme, &internal, false),
        );
        let public_files = public_files?;
        timer.step("render");
        site.verify_unwritten(&public_files)?;
        (public_files.len(), internal_files?.len())
    };
    Ok(Report {
        public: public.articles.len(),
        internal: internal.articles.len(),
        public_files,
        internal_files,
        elapsed: started.elapsed(),
        unchanged: false,
        warnings,
    })
}

/// Prints how long each step took when `DOCKET_TIMINGS` is set.
struct StepTimer {
    last: Option<Instant>,
}

impl StepTimer {
    fn from_env() -> Self {
        Self {
            last: std::env::var_os("DOCKET_TIMINGS").map(|_| Instant::now()),
        }
    }

    fn step(&mut self, name: &str) {
        if let Some(last) = self.last {
            eprintln!("{name:>14}: {} ms", last.elapsed().as_millis());
            self.last = Some(Instant::now());
        }
    }
}

/// The full site model: every built article of every bundle.
pub struct Site<'s> {
    settings: &'s Settings,
    /// Articles that are built (drafts only with `--drafts`).
    pub articles: Vec<Article>,
    /// Drafts left out of this build.
    pub skipped: Vec<Article>,
    /// `_index.md` files.
    pub intros: Vec<CategoryIntro>,
    /// Problems found so far.
    pub errors: Vec<ContentError>,
    /// What Hugo tolerates but writers need to know (errors only with
    /// `--strict`).
    pub warnings: Vec<ContentError>,
}

impl<'s> Site<'s> {
    /// Reads `content/`, setting drafts aside unless `drafts`.
    pub fn load(settings: &'s Settings, drafts: bool) -> Self {
        let content = content::load(settings);
        let (articles, skipped) = content
            .articles
            .into_iter()
            .partition(|a| drafts || !a.draft);
        Self {
            settings,
            articles,
            skipped,
            intros: content.intros,
            errors: content.errors,
            warnings: Vec::new(),
        }
    }

    /// A site from parts loaded earlier (`docket serve` keeps them between
    /// rebuilds and reloads only the files that changed).
    pub fn from_parts(
        settings: &'s Settings,
        articles: Vec<Article>,
        skipped: Vec<Article>,
        intros: Vec<CategoryIntro>,
    ) -> Self {
        Self {
            settings,
            articles,
            skipped,
            intros,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Where links between articles, introductions and static files lead.
    fn link_index(&self) -> LinkIndex<'_> {
        LinkIndex::new(
            &self.articles,
            &self.skipped,
            &self.intros,
            &self.settings.config.site.default_language,
            &self.settings.base_url,
        )
        .with_static(
            pages::static_files(self.settings)
                .into_iter()
                .map(|f| f.path),
        )
    }

    /// Two articles (or an alias and an article) must not share a URL;
    /// the rule is [`claim_urls`]'s. An alias that a later article loses is
    /// removed from it.
    pub fn check_urls(&mut self) {
        let claims = claim_urls(&self.articles);
        self.errors.extend(claims.errors);
        self.warnings.extend(claims.warnings);
        for (i, url) in claims.dropped {
            self.articles[i]
                .front
                .aliases
                .retain(|alias| crate::urls::alias_path(alias) != url);
        }
    }

    /// Renders every article's and category introduction's Markdown once,
    /// in parallel, rewriting links to other articles and expanding
    /// shortcodes (their errors join the site's errors).
    pub fn render_markdown(&mut self, theme: &Theme) {
        let index = self.link_index();
        let texts = TextRenderer::new(self.settings, &index, theme);
        let articles: Vec<Rendered> = self.articles.par_iter().map(|a| texts.article(a)).collect();
        let intros: Vec<Rendered> = self.intros.par_iter().map(|i| texts.intro(i)).collect();
        for (a, r) in self.articles.iter_mut().zip(articles) {
            a.rendered = r;
        }
        for (i, r) in self.intros.iter_mut().zip(intros) {
            i.rendered = r;
        }
        self.collect_problems();
    }

    /// Moves the rendering problems of articles and introductions into
    /// the site's errors, with their file.
    fn collect_problems(&mut self) {
        let texts = self
            .articles
            .iter_mut()
            .map(|a| (&a.source, &mut a.rendered))
            .chain(self.intros.iter_mut().map(|i| (&i.source, &mut i.rendered)));
        for (source, rendered) in texts {
            for p in rendered.problems.drain(..) {
                self.errors
                    .push(ContentError::new(source, p.line, p.message));
            }
        }
    }

    /// Frees the Markdown sources once rendered (a build needs only the
    /// HTML from here on; `docket serve` keeps them to re-render).
    pub fn drop_sources(&mut self) {
        for a in &mut self.articles {
            a.body = String::new();
        }
        for i in &mut self.intros {
            i.body = String::new();
        }
    }

    /// Root-relative links and images to a path nothing in the bundle
    /// answers are warnings: article URLs, aliases, page-bundle assets,
    /// category introductions and `static/` files are known; listings,
    /// search and the sidecar's pages (see [`GENERATED`]) are not checked.
    pub fn check_site_paths(&mut self) {
        let mut known: std::collections::HashSet<String> = pages::static_files(self.settings)
            .into_iter()
            .map(|f| f.path)
            .collect();
        for a in &self.articles {
            known.insert(a.url.clone());
            known.extend(a.front.aliases.iter().map(|x| crate::urls::alias_path(x)));
            known.extend(a.assets.iter().map(|x| format!("{}{}", a.url, x.rel)));
        }
        let languages = self.settings.languages();
        let base_url = &self.settings.base_url;
        let texts = self
            .articles
            .iter()
            .map(|a| (&a.source, &a.content_path, &a.rendered.links))
            .chain(
                self.intros
                    .iter()
                    .map(|i| (&i.source, &i.content_path, &i.rendered.links)),
            );
        let mut warnings = Vec::new();
        for (source, content_path, links) in texts {
            for link in links {
                let crate::model::links::Dest::SitePath { path, .. } =
                    crate::model::links::classify(&link.dest, content_path, base_url)
                else {
                    continue;
                };
                let path = path.strip_prefix("internal/").unwrap_or(&path);
                let first = path.split('/').next().unwrap_or_default();
                let rest = if languages.contains(&first) {
                    path[first.len()..].trim_start_matches('/')
                } else {
                    path
                };
                let head = rest.split('/').next().unwrap_or_default();
                if known.contains(path)
                    || rest.is_empty()
                    || GENERATED.contains(&head)
                    || rest.ends_with(".xml")
                    || rest.ends_with(".json")
                {
                    continue;
                }
                let what = if link.image { "image" } else { "link" };
                warnings.push(ContentError::new(
                    source,
                    link.line,
                    format!(
                        "{what} to /{path}, which is not in the bundle (no article, alias, asset or static file has that path)"
                    ),
                ));
            }
        }
        self.warnings.extend(warnings);
    }

    /// Broken `.md` links and public-to-internal links are errors.
    pub fn check_links(&mut self) {
        let index = LinkIndex::new(
            &self.articles,
            &self.skipped,
            &self.intros,
            &self.settings.config.site.default_language,
            &self.settings.base_url,
        )
        .with_failed(self.errors.iter().map(|e| e.path.as_str()));
        let errors: Vec<ContentError> = self
            .articles
            .par_iter()
            .flat_map_iter(|a| index.check(a))
            .collect();
        self.errors.extend(errors);
        for intro in &self.intros {
            let public = self.articles.iter().any(|a| {
                !a.internal
                    && a.lang == intro.lang
                    && a.category.as_deref().is_some_and(|c| {
                        intro.path.is_empty()
                            || c == intro.path
                            || c.starts_with(&format!("{}/", intro.path))
                    })
            });
            let errors = index.check_text(&crate::model::links::Linker {
                source: &intro.source,
                content_path: &intro.content_path,
                public,
                links: &intro.rendered.links,
                kind: "category introduction",
            });
            self.errors.extend(errors);
        }
    }

    /// Adds the front matter warnings of the built articles; with
    /// `strict`, every warning becomes an error.
    pub fn collect_warnings(&mut self, strict: bool) {
        for a in &mut self.articles {
            self.warnings.append(&mut a.warnings);
        }
        if strict {
            self.errors.extend(self.warnings.drain(..).map(|mut w| {
                w.message = format!("{} (--strict)", w.message);
                w
            }));
        }
    }

    /// Stops the build with every problem found, sorted.
    pub fn fail_on_errors(&mut self) -> Result<()> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(ContentErrors::sorted(std::mem::take(&mut self.errors)).into())
    }

    /// The model of one bundle. The public one is derived from public
    /// articles only, before anything is listed.
    pub fn bundle(&self, kind: BundleKind) -> Bundle<'_> {
        let config = &self.settings.config;
        let lang = config.site.default_language.as_str();
        let tag = config.build.internal_tag.as_str();
        match kind {
            BundleKind::Public => Bundle::public(&self.articles, &self.intros, lang, tag),
            BundleKind::Internal => Bundle::internal(&self.articles, &self.intros, lang, tag),
        }
    }

    /// Every file of one bundle (see [`pages::bundle_files`]).
    pub fn bundle_files(
        &self,
        theme: &Theme,
        bundle: &Bundle<'_>,
        search_index: bool,
    ) -> Result<Vec<OutputFile>> {
        pages::bundle_files(self.settings, theme, bundle, search_index)
    }

    /// The public bundle's verification on files not written (`check`).
    pub fn verify_unwritten(&self, public: &[OutputFile]) -> Result<()> {
        let problems = output::verify_files(public, &self.forbidden())?;
        output::ensure_clean(&problems)
    }

    /// The URL paths of internal articles, their aliases and assets.
    fn forbidden(&self) -> Forbidden {
        Forbidden::of_internal(&self.articles)
    }
}

/// Renders the Markdown of a site's texts: links resolve through a
/// [`LinkIndex`], shortcodes through the theme's templates, with the
/// page's and the site's data (built only for texts with shortcodes).
pub struct TextRenderer<'a> {
    index: &'a LinkIndex<'a>,
    theme: &'a Theme,
    site: serde_json::Value,
    default_language: &'a str,
}

impl<'a> TextRenderer<'a> {
    /// A renderer for the site of `settings`.
    pub fn new(settings: &'a Settings, index: &'a LinkIndex<'a>, theme: &'a Theme) -> Self {
        let config = &settings.config;
        let site = serde_json::json!({
            "title": config.site.title,
            "base_url": settings.base_url,
            "params": serde_json::to_value(&config.params).unwrap_or_default(),
        });
        Self {
            index,
            theme,
            site,
            default_language: &config.site.default_language,
        }
    }

    /// An article's body.
    pub fn article(&self, a: &Article) -> Rendered {
        let page = || {
            serde_json::json!({
                "title": a.title,
                "description": a.front.description,
                "lang": a.lang,
                "url": a.url,
                "internal": a.internal,
                "file": a.source,
                "params": page_params(&a.front.extra),
            })
        };
        self.text(&a.body, &a.content_path, a.body_line, &a.lang, &page)
    }

    /// A category introduction's body.
    pub fn intro(&self, i: &CategoryIntro) -> Rendered {
        let page = || {
            serde_json::json!({
                "title": i.title,
                "description": i.description,
                "lang": i.lang,
                "file": i.source,
                "params": {},
            })
        };
        self.text(&i.body, &i.content_path, i.body_line, &i.lang, &page)
    }

    fn text(
        &self,
        text: &str,
        from: &str,
        first_line: usize,
        lang: &str,
        page: &(dyn Fn() -> serde_json::Value + Sync),
    ) -> Rendered {
        let resolve = |dest: &str| self.index.resolve(dest, from);
        let env = crate::content::markdown::shortcodes::expand::Env {
            templates: self.theme,
            page,
            site: &self.site,
        };
        let lang = if lang.is_empty() {
            self.default_language
        } else {
            lang
        };
        markdown::render(
            text,
            &markdown::Context {
                resolve: &resolve,
                first_line,
                lang,
                shortcodes: Some(&env),
            },
        )
    }
}

/// A page's parameters as Hugo's `.Params` sees them: the front matter's
/// other keys, with the entries of a `params:` map among them.
fn page_params(extra: &std::collections::BTreeMap<String, serde_yaml::Value>) -> serde_json::Value {
    let mut params = match serde_json::to_value(extra) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Some(serde_json::Value::Object(nested)) = params.remove("params") {
        for (k, v) in nested {
            params.entry(k).or_insert(v);
        }
    }
    serde_json::Value::Object(params)
}

/// Both bundles, written but not yet swapped in.
pub struct StagedBundles {
    public: output::Staged,
    internal: output::Staged,
}

impl StagedBundles {
    /// Swaps both bundles in; returns where their files are now.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut files = self.public.commit()?;
        files.extend(self.internal.commit()?);
        Ok(files)
    }
}

/// What the unique-URL rule found: errors, warnings, and the aliases that
/// articles lose (index into the list given, alias path).
#[derive(Debug, Default)]
pub struct UrlClaims {
    /// A URL or alias already taken by another article's URL, or an
    /// article's URL taken by an alias.
    pub errors: Vec<ContentError>,
    /// Two articles claiming the same alias.
    pub warnings: Vec<ContentError>,
    /// Aliases to remove: (article index, alias path).
    pub dropped: Vec<(usize, String)>,
}

/// The unique-URL rule, shared by `docket build` and `docket serve`:
/// every article's URL is claimed first, then the aliases, each in the
/// order of the articles' source paths. A URL claimed twice is an error,
/// except an alias claimed by two articles: Hugo tolerates that, so it is
/// a warning naming both files, the first by path keeps it and the other
/// loses it.
pub fn claim_urls<A: std::borrow::Borrow<Article>>(articles: &[A]) -> UrlClaims {
    let at = |i: usize| -> &Article { articles[i].borrow() };
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.sort_by(|&a, &b| at(a).source.cmp(&at(b).source));
    let mut claims: Vec<(String, usize, &str, usize)> = Vec::new();
    for &i in &order {
        let a = at(i);
        claims.push((a.url.clone(), i, "URL", a.url_line));
    }
    for &i in &order {
        let a = at(i);
        for alias in &a.front.aliases {
            claims.push((crate::urls::alias_path(alias), i, "alias", a.aliases_line));
        }
    }
    let mut owner: HashMap<String, (&str, &str)> = HashMap::new();
    let mut found = UrlClaims::default();
    for (url, i, what, line) in claims {
        let a = at(i);
        match owner.get(url.as_str()) {
            Some((first, _)) if *first == a.source => {}
            Some((first, "alias")) if what == "alias" => {
                found.warnings.push(ContentError::new(
                    &a.source,
                    line,
                    format!("alias /{url} is also claimed by {first}, which keeps it"),
                ));
                found.dropped.push((i, url));
            }
            Some((first, _)) => found.errors.push(ContentError::new(
                &a.source,
                line,
                format!("{what} /{url} is already used by {first}"),
            )),
            None => {
                owner.insert(url, (&a.source, what));
            }
        }
    }
    found
}
