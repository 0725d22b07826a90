//! The files one bundle consists of: the theme's and site's static files,
//! a page per article, category and tag listing page and language home, 404, search page,
//! alias redirects, page-bundle assets, the search index and (public only)
//! sitemap, feed and robots.txt. Which *articles* are in the bundle is
//! already decided by [`Bundle`]; this module only lists and renders.

use std::collections::HashMap;

use anyhow::Result;
use rayon::prelude::*;

use crate::config::Settings;
use crate::content::Article;
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::listing::{self, ListingPage};
use crate::output::{self, OutputFile};
use crate::render::feeds;
use crate::render::{Renderer, Theme};
use crate::urls;

/// Every file of one bundle, in memory: static files, pages, assets,
/// aliases, the search index (when `search_index`; `check` skips it) and
/// (public only) sitemap, feed and robots.txt. When two files have the same
/// path, the later one in that order wins. Pages and the search index are
/// built in parallel. `docket build` uses [`write_bundle`] instead, which
/// never holds the whole bundle.
pub fn bundle_files(
    settings: &Settings,
    theme: &Theme,
    bundle: &Bundle<'_>,
    search_index: bool,
) -> Result<Vec<OutputFile>> {
    let renderer = Renderer {
        theme,
        bundle,
        settings,
    };
    let plan = Plan::new(settings, bundle);
    let (pages, index) = rayon::join(
        || {
            plan.pages
                .par_iter()
                .map(|job| job.render(&renderer))
                .collect::<Result<Vec<Option<OutputFile>>>>()
        },
        || search_index_of(bundle, search_index),
    );
    let mut files = plan.statics;
    files.extend(pages?.into_iter().flatten());
    files.extend(plan.assets);
    files.extend(index);
    files.extend(plan.tail);
    Ok(files)
}

/// Renders one bundle straight into `sink` (its staging folder): every
/// page is checked and written as soon as it is rendered, then dropped, so
/// the build holds a page per thread rather than the whole bundle. The
/// files are those of [`bundle_files`] with the same precedence, without
/// the search index (`docket build` builds both bundles' indexes in one
/// pass, [`crate::search::docs::index_files_of`], and puts them in after).
pub fn write_bundle(
    settings: &Settings,
    theme: &Theme,
    bundle: &Bundle<'_>,
    sink: &output::StageSink<'_>,
) -> Result<()> {
    let renderer = Renderer {
        theme,
        bundle,
        settings,
    };
    let plan = Plan::new(settings, bundle);
    let winners = plan.winners();
    let copies = |group: Group, files: &[OutputFile]| -> Result<()> {
        files
            .par_iter()
            .enumerate()
            .filter(|(i, f)| winners.writes(&f.path, group, *i))
            .try_for_each(|(_, f)| sink.put(f))
    };
    copies(Group::Static, &plan.statics)?;
    copies(Group::Asset, &plan.assets)?;
    plan.pages
        .par_iter()
        .enumerate()
        .filter(|(i, job)| winners.writes(job.path(), Group::Page, *i))
        .try_for_each(|(_, job)| match job.render(&renderer)? {
            Some(file) => sink.put(&file),
            None => Ok(()),
        })?;
    plan.tail.par_iter().try_for_each(|f| sink.put(f))
}

fn search_index_of(bundle: &Bundle<'_>, wanted: bool) -> Vec<OutputFile> {
    if wanted {
        crate::search::docs::index_files(bundle)
    } else {
        Vec::new()
    }
}

/// The files of a bundle before anything is rendered, in precedence
/// order: static files, pages, page-bundle assets, (the search index,)
/// then the public bundle's sitemap, feed and robots.txt.
struct Plan<'b> {
    statics: Vec<OutputFile>,
    pages: Vec<PageJob<'b>>,
    assets: Vec<OutputFile>,
    tail: Vec<OutputFile>,
}

impl<'b> Plan<'b> {
    fn new(settings: &Settings, bundle: &'b Bundle<'b>) -> Self {
        let mut tail = listing_feeds(bundle, settings);
        if bundle.kind == BundleKind::Public {
            tail.push(OutputFile::text(
                "robots.txt",
                feeds::robots(&settings.base_url),
            ));
        }
        Self {
            statics: static_files(settings),
            pages: page_jobs(bundle, settings.config.build.listing_page_size),
            assets: asset_files(bundle),
            tail,
        }
    }

    /// For each path of a static file, page or asset, which one is
    /// written: the last in precedence order. Writers that do not go in
    /// order ask [`Winners::writes`].
    fn winners(&self) -> Winners<'_> {
        let mut last = HashMap::new();
        let statics = self.statics.iter().map(|f| f.path.as_str());
        let pages = self.pages.iter().map(PageJob::path);
        let assets = self.assets.iter().map(|f| f.path.as_str());
        for (group, paths) in [
            (
                Group::Static,
                Box::new(statics) as Box<dyn Iterator<Item = &str>>,
            ),
            (Group::Page, Box::new(pages)),
            (Group::Asset, Box::new(assets)),
        ] {
            for (i, path) in paths.enumerate() {
                last.insert(path, (group, i));
            }
        }
        Winners(last)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Static,
    Page,
    Asset,
}

/// See [`Plan::winners`].
struct Winners<'p>(HashMap<&'p str, (Group, usize)>);

impl Winners<'_> {
    fn writes(&self, path: &str, group: Group, i: usize) -> bool {
        self.0.get(path) == Some(&(group, i))
    }
}

/// The theme's `static/` (the built-in one when the site has no theme
/// folder), then the site's `static/`.
pub fn static_files(settings: &Settings) -> Vec<OutputFile> {
    let theme_static = settings.theme_dir.join("static");
    let mut files = if theme_static.is_dir() {
        output::copy_tree(&theme_static, "")
    } else {
        crate::render::BUILT_IN_STATIC
            .iter()
            .map(|(path, text)| OutputFile::text(*path, (*text).to_owned()))
            .collect()
    };
    files.extend(output::copy_tree(&settings.root.join("static"), ""));
    files
}

/// One page to render, with the bundle path of its file: the unit of
/// work of both the full build (`page_jobs`) and `docket serve`, which
/// asks for the jobs an edit affects.
pub struct PageJob<'b> {
    path: String,
    page: Page<'b>,
}

/// What a page shows.
enum Page<'b> {
    Article(usize),
    Listing(ListingPage<'b>),
    Home(&'b str),
    NotFound,
    Search,
    Alias(usize),
}

impl<'b> PageJob<'b> {
    /// The page of the bundle's article `i`.
    pub fn article(bundle: &Bundle<'b>, i: usize) -> Self {
        Self {
            path: urls::index_file(&bundle.articles[i].url),
            page: Page::Article(i),
        }
    }

    /// One page of a category or tag listing.
    pub fn listing(bundle: &Bundle<'b>, page: ListingPage<'b>) -> Self {
        Self {
            path: page.file(bundle),
            page: Page::Listing(page),
        }
    }

    /// The home page of `lang`.
    pub fn home(bundle: &Bundle<'b>, lang: &'b str) -> Self {
        Self {
            path: urls::index_file(&bundle.lang_prefix(lang)),
            page: Page::Home(lang),
        }
    }

    /// The redirect pages of the bundle's article `i`'s aliases.
    pub fn aliases(bundle: &Bundle<'b>, i: usize) -> impl Iterator<Item = Self> + 'b {
        let aliases = &bundle.articles[i].front.aliases;
        aliases.iter().map(move |alias| Self {
            path: urls::alias_file(alias),
            page: Page::Alias(i),
        })
    }

    /// Whether this is a category or tag listing page.
    pub fn is_listing(&self) -> bool {
        matches!(self.page, Page::Listing(_))
    }
}

/// Every page of a bundle, in precedence order (a later page with the same
/// path wins).
fn page_jobs<'b>(bundle: &'b Bundle<'b>, page_size: usize) -> Vec<PageJob<'b>> {
    let mut jobs: Vec<PageJob<'b>> = (0..bundle.articles.len())
        .map(|i| PageJob::article(bundle, i))
        .collect();
    jobs.extend(
        listing::listings(bundle)
            .into_iter()
            .flat_map(|l| l.pages(page_size))
            .map(|page| PageJob::listing(bundle, page)),
    );
    jobs.extend(
        bundle
            .languages()
            .iter()
            .map(|&lang| PageJob::home(bundle, lang)),
    );
    jobs.push(PageJob {
        path: "404.html".to_owned(),
        page: Page::NotFound,
    });
    jobs.push(PageJob {
        path: "search/index.html".to_owned(),
        page: Page::Search,
    });
    for i in 0..bundle.articles.len() {
        jobs.extend(PageJob::aliases(bundle, i));
    }
    jobs
}

/// The files an article owns in a bundle: its page, its aliases' redirect
/// pages and its page-bundle assets.
pub fn owned_paths(a: &Article) -> Vec<String> {
    let mut files = vec![urls::index_file(&a.url)];
    files.extend(a.front.aliases.iter().map(|x| urls::alias_file(x)));
    files.extend(asset_files_of(a).map(|f| f.path));
    files
}

impl PageJob<'_> {
    /// The bundle path of the page's file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The page's file; `None` for the search page of a theme without
    /// `search.html`.
    pub fn render(&self, r: &Renderer<'_>) -> Result<Option<OutputFile>> {
        let b = r.bundle;
        let html = match &self.page {
            Page::Article(i) => r.article(*i)?,
            Page::Listing(page) => r.listing(page)?,
            Page::Home(lang) => r.home(lang)?,
            Page::NotFound => r.not_found()?,
            Page::Search => match r.search() {
                Some(html) => html?,
                None => return Ok(None),
            },
            Page::Alias(i) => r.alias(b.articles[*i])?,
        };
        Ok(Some(OutputFile::text(self.path.clone(), html)))
    }
}

/// Page bundle files, copied beside their article.
fn asset_files(bundle: &Bundle<'_>) -> Vec<OutputFile> {
    bundle
        .articles
        .iter()
        .flat_map(|a| asset_files_of(a))
        .collect()
}

/// One article's page-bundle files, copied beside its page.
pub fn asset_files_of(a: &Article) -> impl Iterator<Item = OutputFile> + '_ {
    a.assets.iter().map(|asset| OutputFile {
        path: format!("{}{}", a.url, asset.rel),
        body: output::Body::Copy(asset.source.clone()),
    })
}

/// The public bundle's sitemap and Atom feed (none for the internal
/// bundle): the files that change whenever an article is added, removed or
/// retitled.
pub fn listing_feeds(bundle: &Bundle<'_>, settings: &Settings) -> Vec<OutputFile> {
    if bundle.kind != BundleKind::Public {
        return Vec::new();
    }
    let base = &settings.base_url;
    let title = settings.title_in(bundle.default_language);
    vec![
        OutputFile::text("sitemap.xml", feeds::sitemap(bundle, base)),
        OutputFile::text("feed.xml", feeds::atom(bundle, base, title)),
    ]
}
