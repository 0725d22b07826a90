//! The orchestrator: load → check → render Markdown → derive the two
//! bundles → render pages → stage, verify and swap in. Each step is a short
//! named method; the work inside each step is per article and parallel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

use crate::build_cache::{BuildCache, Counts};
use crate::bundle::{Bundle, BundleKind};
use crate::config::Settings;
use crate::content::{self, Article, CategoryIntro};
use crate::error::{ContentError, ContentErrors};
use crate::links::LinkIndex;
use crate::markdown::{self, Rendered};
use crate::output::{self, Forbidden, OutputFile};
use crate::pages;
use crate::render::Theme;

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
    let (cache, mut site) = if options.write && options.use_cache {
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
    site.render_markdown();
    site.drop_sources();
    timer.step("markdown");
    site.check_links();
    site.fail_on_errors()?;
    let theme = Theme::load(settings)?;
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
            || crate::search_docs::index_files_of(&[&public, &internal]),
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

    /// Like [`Site::render_markdown`], for the articles whose `source` is
    /// in `sources` only (an incremental rebuild).
    pub fn render_markdown_of(&mut self, sources: &std::collections::HashSet<String>) {
        let index = self.link_index();
        let rendered: Vec<(usize, Rendered)> = self
            .articles
            .par_iter()
            .enumerate()
            .filter(|(_, a)| sources.contains(&a.source))
            .map(|(i, a)| {
                let resolve = |dest: &str| index.resolve(dest, &a.content_path);
                let ctx = markdown::Context {
                    resolve: &resolve,
                    first_line: a.body_line,
                };
                (i, markdown::render(&a.body, &ctx))
            })
            .collect();
        for (i, r) in rendered {
            self.articles[i].rendered = r;
        }
    }

    /// Two articles (or an alias and an article) must not share a URL.
    pub fn check_urls(&mut self) {
        let mut owner: HashMap<String, &str> = HashMap::new();
        let mut claims: Vec<(String, &Article, &str, usize)> = Vec::new();
        for a in &self.articles {
            claims.push((a.url.clone(), a, "URL", a.url_line));
        }
        for a in &self.articles {
            for alias in &a.front.aliases {
                claims.push((pages::alias_path(alias), a, "alias", a.aliases_line));
            }
        }
        for (url, a, what, line) in claims {
            if let Some(first) = owner.get(url.as_str()) {
                if *first != a.source {
                    self.errors.push(ContentError::new(
                        &a.source,
                        line,
                        format!("{what} /{url} is already used by {first}"),
                    ));
                }
            } else {
                owner.insert(url, &a.source);
            }
        }
    }

    /// Renders every article's and category introduction's Markdown once,
    /// in parallel, rewriting links to other articles.
    pub fn render_markdown(&mut self) {
        let index = self.link_index();
        let render = |text: &str, from: &str, first_line: usize| -> Rendered {
            let resolve = |dest: &str| index.resolve(dest, from);
            markdown::render(
                text,
                &markdown::Context {
                    resolve: &resolve,
                    first_line,
                },
            )
        };
        let articles: Vec<Rendered> = self
            .articles
            .par_iter()
            .map(|a| render(&a.body, &a.content_path, a.body_line))
            .collect();
        let intros: Vec<Rendered> = self
            .intros
            .par_iter()
            .map(|i| render(&i.body, &i.content_path, i.body_line))
            .collect();
        for (a, r) in self.articles.iter_mut().zip(articles) {
            a.rendered = r;
        }
        for (i, r) in self.intros.iter_mut().zip(intros) {
            i.rendered = r;
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
            let errors = index.check_text(&crate::links::Linker {
                source: &intro.source,
                content_path: &intro.content_path,
                public,
                links: &intro.rendered.links,
                kind: "category introduction",
            });
            self.errors.extend(errors);
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
        let mut forbidden = Forbidden::default();
        for a in self.articles.iter().filter(|a| a.internal) {
            forbidden.add(&a.url, &a.source);
            for alias in &a.front.aliases {
                forbidden.add(&pages::alias_path(alias), &a.source);
            }
            for asset in &a.assets {
                forbidden.add(&format!("{}{}", a.url, asset.rel), &a.source);
            }
        }
        forbidden
    }
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
