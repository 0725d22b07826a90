//! The files one bundle consists of: the theme's and site's static files,
//! a page per article, category, tag and language home, 404, search page,
//! alias redirects, page-bundle assets, the search index and (public only)
//! sitemap, feed and robots.txt. Which *articles* are in the bundle is
//! already decided by [`Bundle`]; this module only lists and renders.

use anyhow::Result;
use rayon::prelude::*;

use crate::bundle::{Bundle, BundleKind};
use crate::config::Settings;
use crate::content::clean_path;
use crate::feeds;
use crate::output::{self, OutputFile};
use crate::render::views::{category_path, tag_path};
use crate::render::{Renderer, Theme};

/// Every file of one bundle: static files, pages, assets, aliases, the
/// search index (when `search_index`; `check` skips it) and (public only)
/// sitemap, feed and robots.txt. Pages and the search index are built in
/// parallel.
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
    let mut files = static_files(settings);
    let (pages, index) = rayon::join(
        || {
            page_jobs(bundle)
                .par_iter()
                .map(|job| job.render(&renderer))
                .collect::<Result<Vec<Option<OutputFile>>>>()
        },
        || {
            if search_index {
                crate::search_docs::index_files(bundle)
            } else {
                Vec::new()
            }
        },
    );
    files.extend(pages?.into_iter().flatten());
    files.extend(asset_files(bundle));
    files.extend(index);
    files.extend(listing_feeds(bundle, settings));
    if bundle.kind == BundleKind::Public {
        files.push(OutputFile::text(
            "robots.txt",
            feeds::robots(&settings.base_url),
        ));
    }
    Ok(files)
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

/// The bundle path an alias is written to (`old/path/` or `old.html`).
pub fn alias_path(alias: &str) -> String {
    let path = clean_path(alias);
    if path.ends_with(".html") || path.is_empty() {
        path
    } else {
        format!("{path}/")
    }
}

/// One page to render.
enum PageJob<'b> {
    Article(usize),
    Category(&'b crate::taxonomy::Category<'b>),
    Tag(&'b str, &'b str, &'b [usize]),
    Home(&'b str),
    NotFound,
    Search,
    Alias(String, usize),
}

fn page_jobs<'b>(bundle: &'b Bundle<'b>) -> Vec<PageJob<'b>> {
    let mut jobs: Vec<PageJob<'b>> = (0..bundle.articles.len()).map(PageJob::Article).collect();
    jobs.extend(bundle.taxonomy.categories.values().map(PageJob::Category));
    jobs.extend(
        bundle
            .taxonomy
            .tags
            .iter()
            .map(|((lang, tag), list)| PageJob::Tag(lang, tag, list)),
    );
    jobs.extend(bundle.languages().into_iter().map(PageJob::Home));
    jobs.push(PageJob::NotFound);
    jobs.push(PageJob::Search);
    for (i, a) in bundle.articles.iter().enumerate() {
        for alias in &a.front.aliases {
            jobs.push(PageJob::Alias(alias_path(alias), i));
        }
    }
    jobs
}

impl PageJob<'_> {
    /// The page's file; `None` for the search page of a theme without
    /// `search.html`.
    fn render(&self, r: &Renderer<'_>) -> Result<Option<OutputFile>> {
        let b = r.bundle;
        let (path, html) = match self {
            PageJob::Article(i) => (b.articles[*i].url.clone(), r.article(*i)?),
            PageJob::Category(c) => (
                category_path(&b.lang_prefix(&c.lang), &c.path),
                r.category(c)?,
            ),
            PageJob::Tag(lang, tag, list) => {
                (tag_path(&b.lang_prefix(lang), tag), r.tag(lang, tag, list)?)
            }
            PageJob::Home(lang) => (b.lang_prefix(lang), r.home(lang)?),
            PageJob::NotFound => return Ok(Some(OutputFile::text("404.html", r.not_found()?))),
            PageJob::Search => match r.search() {
                Some(html) => ("search/".to_owned(), html?),
                None => return Ok(None),
            },
            PageJob::Alias(path, i) => {
                let html = r.alias(b.articles[*i])?;
                if path.ends_with(".html") {
                    return Ok(Some(OutputFile::text(path.clone(), html)));
                }
                (path.clone(), html)
            }
        };
        Ok(Some(OutputFile::text(format!("{path}index.html"), html)))
    }
}

/// Page bundle files, copied beside their article.
fn asset_files(bundle: &Bundle<'_>) -> Vec<OutputFile> {
    bundle
        .articles
        .iter()
        .flat_map(|a| {
            a.assets.iter().map(|asset| OutputFile {
                path: format!("{}{}", a.url, asset.rel),
                body: output::Body::Copy(asset.source.clone()),
            })
        })
        .collect()
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
