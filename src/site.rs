//! The orchestrator: load → check → render Markdown → derive the two
//! bundles → render pages → stage, verify and swap in. Each step is a short
//! named method; the work inside each step is per article and parallel.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

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
    let mut site = Site::load(settings, options.drafts);
    timer.step("load");
    site.check_urls();
    site.render_markdown();
    timer.step("markdown");
    site.check_links();
    site.fail_on_errors()?;
    let theme = Theme::load(settings)?;
    let public = site.bundle(BundleKind::Public);
    let internal = site.bundle(BundleKind::Internal);
    timer.step("bundles");
    // The search indexes of both bundles in one call, beside the pages:
    // the articles the bundles share are tokenised once.
    let ((public_files, internal_files), indexes) = rayon::join(
        || {
            rayon::join(
                || site.bundle_files(&theme, &public, false),
                || site.bundle_files(&theme, &internal, false),
            )
        },
        || {
            options
                .write
                .then(|| crate::search_docs::index_files_of(&[&public, &internal]))
        },
    );
    let (mut public_files, mut internal_files) = (public_files?, internal_files?);
    if let Some(indexes) = indexes {
        for (files, index) in [&mut public_files, &mut internal_files]
            .into_iter()
            .zip(indexes)
        {
            files.extend(index);
        }
    }
    timer.step("render");
    if options.write {
        let staged = site.stage(&public_files, &internal_files)?;
        timer.step("write");
        site.verify(&staged)?;
        timer.step("verify");
        staged.commit()?;
        timer.step("swap");
    } else {
        site.verify_unwritten(&public_files)?;
    }
    Ok(Report {
        public: public.articles.len(),
        internal: internal.articles.len(),
        public_files: public_files.len(),
        internal_files: internal_files.len(),
        elapsed: started.elapsed(),
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

    /// Writes both bundles to temporary folders beside their targets.
    pub fn stage(&self, public: &[OutputFile], internal: &[OutputFile]) -> Result<StagedBundles> {
        Ok(StagedBundles {
            public: output::stage(&self.settings.public_dir, public)?,
            internal: output::stage(&self.settings.internal_dir, internal)?,
        })
    }

    /// Scans the staged public bundle for anything of an internal article.
    pub fn verify(&self, staged: &StagedBundles) -> Result<()> {
        let problems = output::verify_public(&staged.public.dir, &self.forbidden())?;
        output::ensure_clean(&problems)
    }

    /// The verification of [`Site::verify`] on files not written (`check`).
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
    /// Swaps both bundles in.
    pub fn commit(self) -> Result<()> {
        self.public.commit()?;
        self.internal.commit()
    }
}
