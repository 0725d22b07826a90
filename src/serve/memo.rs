//! What `docket serve` keeps between rebuilds: the content as last loaded
//! ([`Cache`]), and per bundle what its last build produced ([`Memo`]) so
//! that an edit can be traced to the pages it touches; [`Before`] is what
//! a changed article was in the last written output.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::checks::{Inbound, LinkErrors};
use crate::build::plan;
use crate::config::Settings;
use crate::content::{Article, CategoryIntro};
use crate::error::ContentError;
use crate::model::bundle::Bundle;
use crate::model::listing::{self, Listing, ListingPage};
use crate::model::site::Site;
use crate::model::taxonomy::Taxonomy;
use crate::output::incremental::Written;
use crate::render::feeds;

/// What the last build of one bundle produced, so that a change can be
/// traced to the pages it touches and to the files it leaves behind. The
/// search index files are the [`SearchWorker`]'s.
#[derive(Default)]
pub(super) struct Memo {
    pub(super) written: Written,
    /// Article source → the files it owns (page, aliases, assets).
    pub(super) owned: HashMap<String, Vec<String>>,
    /// Article URL → URLs of its related articles.
    pub(super) related: HashMap<String, Vec<String>>,
    /// Every page of every category and tag listing, with the
    /// [signature](list_signature) of what it showed.
    pub(super) lists: HashMap<String, u64>,
    /// URLs of the articles in the feed (public bundle).
    pub(super) feed: Vec<String>,
    /// The related lists, in the bundle's article order.
    pub(super) related_lists: Vec<Vec<usize>>,
    /// The taxonomy of the last written bundle, kept for the next rebuild
    /// (see [`Before::same_for_taxonomy`]); `None` while a rebuild that
    /// took it is under way, or after one failed.
    pub(super) taxonomy: Option<Taxonomy>,
}

impl Memo {
    /// Records what a complete build of `bundle` produced (its taxonomy is
    /// taken, to be reused by the next rebuild).
    pub(super) fn record(&mut self, bundle: &mut Bundle<'_>, page_size: usize) {
        self.owned = bundle
            .articles
            .iter()
            .map(|a| (a.source.clone(), plan::owned_paths(a)))
            .collect();
        self.related = related_urls(bundle);
        self.lists = list_signatures(bundle, page_size);
        self.feed = bundle
            .recent(bundle.default_language, feeds::FEED_ENTRIES)
            .iter()
            .map(|a| a.url.clone())
            .collect();
        self.related_lists = bundle.related.clone();
        self.taxonomy = Some(std::mem::take(&mut bundle.taxonomy));
    }
}

/// The content as last loaded, kept between rebuilds.
#[derive(Default)]
pub(super) struct Cache {
    /// Built articles, shared with the search index thread.
    pub(super) articles: Vec<Arc<Article>>,
    pub(super) skipped: Vec<Article>,
    pub(super) intros: Vec<CategoryIntro>,
    /// Files that do not load, by source.
    pub(super) broken: BTreeMap<String, ContentError>,
    /// Link errors of the built articles, by source.
    pub(super) link_errors: LinkErrors,
    /// Which articles link to what.
    pub(super) inbound: Inbound,
    /// Whether the last check of unique URLs found nothing.
    pub(super) urls_clean: bool,
    /// Paths of the static files (links to them get the bundle root).
    pub(super) static_paths: Vec<String>,
    /// Whether the cache holds a complete, once-valid site.
    pub(super) ready: bool,
}

impl Cache {
    /// The content of a site that built, kept for the next rebuilds
    /// (`link_errors` is the last cache's, emptied and reused).
    pub(super) fn of_site(
        site: Site<'_>,
        settings: &Settings,
        mut link_errors: LinkErrors,
    ) -> Self {
        link_errors.clear();
        Self {
            inbound: Inbound::build(&site.articles),
            urls_clean: true,
            articles: by_url(site.articles.into_iter().map(Arc::new).collect()),
            skipped: site.skipped,
            intros: site.intros,
            broken: BTreeMap::new(),
            link_errors,
            static_paths: plan::static_files(settings)
                .into_iter()
                .map(|f| f.path)
                .collect(),
            ready: true,
        }
    }
}

/// What a changed article was in the last written output (for the
/// listings it leaves, and to tell whether related lists can change).
pub(super) struct Before {
    pub(super) source: String,
    pub(super) content_path: String,
    pub(super) url: String,
    pub(super) lang: String,
    pub(super) category: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) translation_key: String,
    pub(super) keywords: Vec<String>,
    pub(super) aliases: Vec<String>,
    pub(super) when: Option<time::OffsetDateTime>,
    pub(super) internal: bool,
}

impl Before {
    pub(super) fn of(a: &Article, internal_tag: &str) -> Self {
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
    pub(super) fn same_for_sitemap(&self, a: &Article, internal_tag: &str) -> bool {
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
    pub(super) fn same_for_taxonomy(&self, a: &Article, internal_tag: &str) -> bool {
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
    pub(super) fn same_for_related(&self, a: &Article) -> bool {
        self.url == a.url
            && self.internal == a.internal
            && self.lang == a.lang
            && self.category == a.category
            && self.keywords == a.front.keywords
            && self.when == a.date_or_lastmod()
    }
}

pub(super) fn related_urls(bundle: &Bundle<'_>) -> HashMap<String, Vec<String>> {
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
pub(super) fn list_signatures(bundle: &Bundle<'_>, page_size: usize) -> HashMap<String, u64> {
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
pub(super) fn list_signature(bundle: &Bundle<'_>, page: &ListingPage<'_>, langs: &[&str]) -> u64 {
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

/// `articles` sorted by URL.
pub(super) fn by_url(mut articles: Vec<Arc<Article>>) -> Vec<Arc<Article>> {
    articles.sort_by(|a, b| a.url.cmp(&b.url));
    articles
}
