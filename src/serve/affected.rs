//! Which pages of a bundle an edit affects, rendered and written (or held
//! to be served before they are written): the changed articles' pages and
//! their translations', the pages whose related lists name them, the
//! listings they are or were in (with their ancestors and other language
//! versions), the home pages, their aliases and assets, and the sitemap
//! and feed when those can have changed; then the files the edit left
//! behind are removed. The pages are [`PageJob`]s of the build's plan.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use anyhow::Result;
use rayon::prelude::*;

use super::fresh::Fresh;
use super::memo::{list_signature, related_urls, Before, Memo};
use super::outcome::Outcome;
use super::rebuild::lap;
use crate::build::checks::verify_public;
use crate::build::plan::{self, PageJob};
use crate::config::Settings;
use crate::model::bundle::{Bundle, BundleKind};
use crate::model::listing::Listing;
use crate::output::incremental::{prepare, remove, take_changed, write_changed, Prepared};
use crate::output::{Forbidden, OutputFile};
use crate::render::{feeds, Renderer, Theme};
use crate::urls::{self, category_path, page_dir, tag_path};

/// What [`update_bundle`] works from.
pub(super) struct Update<'u, 'b> {
    pub settings: &'u Settings,
    pub theme: &'u Theme,
    pub bundle: &'u Bundle<'b>,
    pub dir: &'u Path,
    /// Sources of the articles whose pages are rendered again.
    pub sources: &'u HashSet<String>,
    pub before: &'u [Before],
    /// Whether the bundle's related lists are the memo's.
    pub related_reused: bool,
    /// Whether the sitemap is the last one.
    pub same_sitemap: bool,
    /// Where changed files are held instead of written, if anywhere.
    pub fresh: Option<&'u Fresh>,
    /// What the public bundle must not mention.
    pub forbidden: &'u Forbidden,
}

/// The bundle's articles an edit changed, by index, and the URLs they have
/// now or had before.
struct Changed<'u> {
    indices: Vec<usize>,
    set: HashSet<usize>,
    urls: HashSet<&'u str>,
}

impl<'u> Changed<'u> {
    fn of(u: &Update<'u, '_>) -> Self {
        let bundle = u.bundle;
        let indices: Vec<usize> = (0..bundle.articles.len())
            .filter(|&i| u.sources.contains(&bundle.articles[i].source))
            .collect();
        let mut urls: HashSet<&str> = u.before.iter().map(|b| b.url.as_str()).collect();
        urls.extend(indices.iter().map(|&i| bundle.articles[i].url.as_str()));
        let set = indices.iter().copied().collect();
        Self { indices, set, urls }
    }
}

/// Renders the part of one bundle that the edit affects and writes it, or
/// holds it in `fresh` and returns it to be written later.
pub(super) fn update_bundle(
    u: &Update<'_, '_>,
    memo: &mut Memo,
    outcome: &mut Outcome,
) -> Result<Vec<Prepared>> {
    let bundle = u.bundle;
    let changed = Changed::of(u);
    let mut jobs: Vec<PageJob<'_>> = affected_articles(u, &changed, memo)
        .into_iter()
        .map(|i| PageJob::article(bundle, i))
        .collect();
    let relisted = affected_listings(u, &changed, memo, &mut jobs);
    let langs = bundle.languages();
    jobs.extend(langs.iter().map(|&lang| PageJob::home(bundle, lang)));
    for &i in &changed.indices {
        jobs.extend(PageJob::aliases(bundle, i));
    }
    let mut files = render(u, &jobs, outcome)?;
    for &i in &changed.indices {
        files.extend(plan::asset_files_of(bundle.articles[i]));
    }
    lap("pages");
    files.extend(feeds_if_changed(u, &changed, memo));
    if bundle.kind == BundleKind::Public {
        verify_public(&files, u.forbidden)?;
    }
    let held = hold_or_write(u, memo, files, outcome)?;
    lap("held");
    // Noted only once the pages are written or held: a rebuild that fails
    // before renders them again.
    memo.lists.extend(relisted.kept);
    remove_left_behind(u, memo, relisted.gone, outcome)?;
    if !u.related_reused {
        memo.related = related_urls(bundle);
        memo.related_lists = bundle.related.clone();
    }
    Ok(held)
}

/// Article pages: the changed ones, their translations, and every page
/// whose related list names one of them now or did before.
fn affected_articles(u: &Update<'_, '_>, changed: &Changed<'_>, memo: &Memo) -> BTreeSet<usize> {
    let bundle = u.bundle;
    let mut pages: BTreeSet<usize> = changed.indices.iter().copied().collect();
    for &i in &changed.indices {
        for t in bundle.translations_of(i) {
            pages.extend(bundle.index_of(&t.url));
        }
    }
    for b in u.before {
        if let Some(list) = bundle.taxonomy.translations.get(&b.translation_key) {
            pages.extend(list.iter().copied());
        }
    }
    for (i, rel) in bundle.related.iter().enumerate() {
        if rel.iter().any(|j| changed.set.contains(j)) {
            pages.insert(i);
        }
    }
    if !u.related_reused {
        for (url, rel) in &memo.related {
            if rel.iter().any(|x| changed.urls.contains(x.as_str())) {
                pages.extend(bundle.index_of(url));
            }
        }
    }
    pages
}

/// The listing pages an edit leaves: those it now shows (with their
/// signatures) and those past a listing's new end.
struct Relisted {
    kept: Vec<(String, u64)>,
    gone: Vec<String>,
}

/// (language, category path or tag name) pairs.
type Keys = BTreeSet<(String, String)>;

/// The categories (with ancestors and their other language versions) and
/// tags a changed article is or was in.
fn affected_keys(u: &Update<'_, '_>, changed: &Changed<'_>) -> (Keys, Keys) {
    let bundle = u.bundle;
    let internal_tag = u.settings.config.build.internal_tag.as_str();
    let mut cats = Keys::new();
    let mut tags = Keys::new();
    for &i in &changed.indices {
        let a = bundle.articles[i];
        if let Some(c) = &a.category {
            cats.extend(urls::ancestors(c).map(|p| (a.lang.clone(), p.to_owned())));
        }
        tags.extend(
            a.visible_tags(internal_tag)
                .map(|t| (a.lang.clone(), t.to_owned())),
        );
    }
    for b in u.before {
        if let Some(c) = &b.category {
            cats.extend(urls::ancestors(c).map(|p| (b.lang.clone(), p.to_owned())));
        }
        tags.extend(b.tags.iter().map(|t| (b.lang.clone(), t.clone())));
    }
    // A category's pages name its other language versions.
    let paths: BTreeSet<String> = cats.iter().map(|(_, p)| p.clone()).collect();
    for path in paths {
        cats.extend(
            bundle
                .languages()
                .iter()
                .map(|l| ((*l).to_owned(), path.clone())),
        );
    }
    (cats, tags)
}

/// Of the affected listings, queues the pages that list a changed article
/// or whose signature changed; returns what the listings show now and the
/// pages past their new end.
fn affected_listings<'u>(
    u: &Update<'u, '_>,
    changed: &Changed<'_>,
    memo: &Memo,
    jobs: &mut Vec<PageJob<'u>>,
) -> Relisted {
    let bundle = u.bundle;
    let (cats, tags) = affected_keys(u, changed);
    let mut affected: Vec<(String, Option<Listing<'_>>)> = Vec::new();
    for (lang, path) in &cats {
        let dir = category_path(&bundle.lang_prefix(lang), path);
        let found = bundle.taxonomy.category(lang, path).map(Listing::Category);
        affected.push((dir, found));
    }
    for key in &tags {
        let dir = tag_path(&bundle.lang_prefix(&key.0), &key.1);
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
    let page_size = u.settings.config.build.listing_page_size;
    let langs = bundle.languages();
    let mut relisted = Relisted {
        kept: Vec::new(),
        gone: Vec::new(),
    };
    for (dir, found) in affected {
        let mut count = 0;
        for page in found.into_iter().flat_map(|l| l.pages(page_size)) {
            count = page.number;
            let path = page.file(bundle);
            let signature = list_signature(bundle, &page, langs);
            if memo.lists.get(&path) != Some(&signature)
                || page.articles().iter().any(|i| changed.set.contains(i))
            {
                jobs.push(PageJob::listing(bundle, page));
            }
            relisted.kept.push((path, signature));
        }
        for n in count + 1.. {
            let path = urls::index_file(&page_dir(&dir, n));
            if !memo.lists.contains_key(&path) {
                break;
            }
            relisted.gone.push(path);
        }
    }
    relisted
}

/// Renders the queued pages in parallel.
fn render(
    u: &Update<'_, '_>,
    jobs: &[PageJob<'_>],
    outcome: &mut Outcome,
) -> Result<Vec<OutputFile>> {
    let r = Renderer {
        theme: u.theme,
        bundle: u.bundle,
        settings: u.settings,
    };
    let files: Vec<OutputFile> = jobs
        .par_iter()
        .map(|job| job.render(&r))
        .collect::<Result<Vec<Option<OutputFile>>>>()?
        .into_iter()
        .flatten()
        .collect();
    outcome.rendered += files.len();
    outcome.listings += jobs.iter().filter(|j| j.is_listing()).count();
    Ok(files)
}

/// Sitemap and feed, unless neither can have changed: the sitemap stays
/// and no changed article is or was in the feed.
fn feeds_if_changed(u: &Update<'_, '_>, changed: &Changed<'_>, memo: &mut Memo) -> Vec<OutputFile> {
    let bundle = u.bundle;
    let feed: Vec<String> = if bundle.kind == BundleKind::Public {
        bundle
            .recent(bundle.default_language, feeds::FEED_ENTRIES)
            .iter()
            .map(|a| a.url.clone())
            .collect()
    } else {
        Vec::new()
    };
    let in_feed = |url: &str| feed.iter().chain(&memo.feed).any(|f| f == url);
    let files = if !u.same_sitemap || changed.urls.iter().any(|url| in_feed(url)) {
        plan::listing_feeds(bundle, u.settings)
    } else {
        Vec::new()
    };
    memo.feed = feed;
    files
}

/// Writes the changed files, or (while serving) holds them in `fresh` and
/// returns them to be written once open pages have reloaded.
fn hold_or_write(
    u: &Update<'_, '_>,
    memo: &mut Memo,
    files: Vec<OutputFile>,
    outcome: &mut Outcome,
) -> Result<Vec<Prepared>> {
    match u.fresh {
        Some(fresh) => {
            let changed = take_changed(&mut memo.written, prepare(files)?);
            outcome.written += changed.len();
            for f in &changed {
                fresh.put(u.bundle.kind, &f.path, f.bytes.clone(), &f.hash);
            }
            Ok(changed)
        }
        None => {
            *outcome += write_changed(u.dir, &mut memo.written, prepare(files)?)?;
            Ok(Vec::new())
        }
    }
}

/// Removes what the change left behind: files a changed article no longer
/// owns and listing pages past a listing's new end. A path another
/// article now owns (a URL taken over) stays.
fn remove_left_behind(
    u: &Update<'_, '_>,
    memo: &mut Memo,
    unlisted: Vec<String>,
    outcome: &mut Outcome,
) -> Result<()> {
    let mut gone: Vec<String> = Vec::new();
    for source in u.sources {
        let now: Vec<String> = u
            .bundle
            .articles
            .iter()
            .find(|a| &a.source == source)
            .map(|a| plan::owned_paths(a))
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
    if gone.is_empty() {
        return Ok(());
    }
    let kept: HashSet<&String> = memo.owned.values().flatten().collect();
    let lists = &memo.lists;
    gone.retain(|p| !kept.contains(p) && !lists.contains_key(p));
    *outcome += remove(u.dir, &mut memo.written, &gone)?;
    if let Some(fresh) = u.fresh {
        for path in &gone {
            fresh.forget(u.bundle.kind, path);
        }
    }
    Ok(())
}
