//! Which article goes in which bundle, and the rule that nothing internal
//! reaches the public one.
//!
//! The rule is structural: [`Bundle::public`] keeps only public articles
//! *before* listings, taxonomies, translations and related articles are
//! computed, so nothing derived from a public bundle — and no template
//! given one — can name an internal article.

use std::collections::HashMap;

use crate::content::{Article, CategoryIntro};
use crate::model::taxonomy::{self, Category, Taxonomy};

/// The two bundles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    /// For everyone, hosted on a CDN.
    Public,
    /// For support agents, served by the sidecar under `/internal/`.
    Internal,
}

impl BundleKind {
    /// The base path every link of the bundle starts with.
    pub fn root(self) -> &'static str {
        match self {
            BundleKind::Public => "/",
            BundleKind::Internal => "/internal/",
        }
    }

    /// `public` or `internal`.
    pub fn name(self) -> &'static str {
        match self {
            BundleKind::Public => "public",
            BundleKind::Internal => "internal",
        }
    }
}

/// How many related articles an article page lists.
pub const RELATED_LIMIT: usize = 5;

/// One bundle's site model: its articles and everything derived from them.
#[derive(Debug)]
pub struct Bundle<'a> {
    /// Which bundle this is.
    pub kind: BundleKind,
    /// `/` or `/internal/`.
    pub root: &'static str,
    /// The bundle's articles, sorted by URL.
    pub articles: Vec<&'a Article>,
    /// Categories, tags and translations of these articles only.
    pub taxonomy: Taxonomy,
    /// The site's category introductions ([`Category::intro`] indexes them).
    pub intros: &'a [CategoryIntro],
    /// Related articles per article (indices into `articles`).
    pub related: Vec<Vec<usize>>,
    /// The site's default language.
    pub default_language: &'a str,
    /// The internal tag (a badge, never a tag page).
    pub internal_tag: &'a str,
    by_url: HashMap<&'a str, usize>,
    /// See [`Bundle::languages`]; computed once (every listing page asks).
    languages: Vec<&'a str>,
}

/// The articles of a bundle of `kind`, sorted by URL: a public bundle
/// never holds an internal article.
fn members<'a>(
    kind: BundleKind,
    articles: impl IntoIterator<Item = &'a Article>,
) -> Vec<&'a Article> {
    let mut members: Vec<&'a Article> = articles
        .into_iter()
        .filter(|a| kind == BundleKind::Internal || !a.internal)
        .collect();
    members.sort_by(|a, b| a.url.cmp(&b.url));
    members
}

/// The languages of `articles` and the default one, the default first.
fn languages_of<'a>(articles: &[&'a Article], default_language: &'a str) -> Vec<&'a str> {
    let mut langs: Vec<&str> = articles.iter().map(|a| a.lang.as_str()).collect();
    langs.push(default_language);
    langs.sort_unstable();
    langs.dedup();
    langs.sort_by_key(|l| *l != default_language);
    langs
}

impl<'a> Bundle<'a> {
    /// The public bundle: only articles without the internal tag.
    pub fn public(
        articles: &'a [Article],
        intros: &'a [CategoryIntro],
        default_language: &'a str,
        internal_tag: &'a str,
    ) -> Self {
        Self::from_refs(
            BundleKind::Public,
            articles,
            intros,
            default_language,
            internal_tag,
            None,
        )
    }

    /// The internal bundle: every built article.
    pub fn internal(
        articles: &'a [Article],
        intros: &'a [CategoryIntro],
        default_language: &'a str,
        internal_tag: &'a str,
    ) -> Self {
        Self::from_refs(
            BundleKind::Internal,
            articles,
            intros,
            default_language,
            internal_tag,
            None,
        )
    }

    /// A bundle of `kind` over articles given by reference (`docket serve`
    /// keeps its articles behind `Arc`s, shared with a background thread).
    /// A public bundle leaves internal articles out before anything is
    /// derived. `related`, when given, are the related-article lists in the
    /// bundle's article order (sorted by URL), reused when a change cannot
    /// affect them; else they are computed.
    pub fn from_refs(
        kind: BundleKind,
        articles: impl IntoIterator<Item = &'a Article>,
        intros: &'a [CategoryIntro],
        default_language: &'a str,
        internal_tag: &'a str,
        related: Option<Vec<Vec<usize>>>,
    ) -> Self {
        let articles = members(kind, articles);
        let taxonomy = Taxonomy::build(&articles, intros, internal_tag, default_language);
        Self::assemble(
            kind,
            articles,
            (taxonomy, intros),
            default_language,
            internal_tag,
            related,
        )
    }

    /// A bundle of `kind` over articles given by reference, with the
    /// taxonomy given instead of derived: `docket serve` reuses the last
    /// one when a change leaves every article's bundle, URL, language,
    /// category, tags and translation key as they were (so the taxonomy's
    /// indices still hold; lists ordered by title must be
    /// [sorted again](Taxonomy::resort)). `related` as in
    /// [`Bundle::from_refs`].
    pub fn from_parts(
        kind: BundleKind,
        articles: impl IntoIterator<Item = &'a Article>,
        (taxonomy, intros): (Taxonomy, &'a [CategoryIntro]),
        default_language: &'a str,
        internal_tag: &'a str,
        related: Option<Vec<Vec<usize>>>,
    ) -> Self {
        Self::assemble(
            kind,
            members(kind, articles),
            (taxonomy, intros),
            default_language,
            internal_tag,
            related,
        )
    }

    /// The bundle over `articles` (its members, sorted by URL) and their
    /// `taxonomy`; related lists computed unless given.
    fn assemble(
        kind: BundleKind,
        articles: Vec<&'a Article>,
        (taxonomy, intros): (Taxonomy, &'a [CategoryIntro]),
        default_language: &'a str,
        internal_tag: &'a str,
        related: Option<Vec<Vec<usize>>>,
    ) -> Self {
        let related = related.unwrap_or_else(|| taxonomy::related(&articles, RELATED_LIMIT));
        let by_url = articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.url.as_str(), i))
            .collect();
        let languages = languages_of(&articles, default_language);
        Self {
            kind,
            root: kind.root(),
            articles,
            taxonomy,
            intros,
            related,
            default_language,
            internal_tag,
            by_url,
            languages,
        }
    }

    /// The index of the article at `url` (bundle path), if it is in this
    /// bundle.
    pub fn index_of(&self, url: &str) -> Option<usize> {
        self.by_url.get(url).copied()
    }

    /// The other language versions of article `i` in this bundle, sorted by
    /// language.
    pub fn translations_of(&self, i: usize) -> Vec<&'a Article> {
        let a = self.articles[i];
        let mut list: Vec<&Article> = self
            .taxonomy
            .translations
            .get(&a.translation_key)
            .map(|v| v.iter().map(|&j| self.articles[j]).collect())
            .unwrap_or_default();
        list.retain(|t| t.lang != a.lang);
        list.sort_by(|x, y| x.lang.cmp(&y.lang));
        list
    }

    /// Whether article `i` is a translation whose default-language source in
    /// this bundle was modified after it.
    pub fn is_outdated(&self, i: usize) -> bool {
        let a = self.articles[i];
        if a.lang == self.default_language {
            return false;
        }
        self.translations_of(i).iter().any(|src| {
            src.lang == self.default_language
                && match (src.date_or_lastmod(), a.date_or_lastmod()) {
                    (Some(s), Some(t)) => s > t,
                    _ => false,
                }
        })
    }

    /// The articles of `lang`, most recently updated first.
    pub fn recent(&self, lang: &str, limit: usize) -> Vec<&'a Article> {
        let mut list: Vec<&Article> = self
            .articles
            .iter()
            .copied()
            .filter(|a| a.lang == lang)
            .collect();
        list.sort_by(|a, b| {
            b.date_or_lastmod()
                .cmp(&a.date_or_lastmod())
                .then_with(|| a.url.cmp(&b.url))
        });
        list.truncate(limit);
        list
    }

    /// The languages that have at least one article in this bundle, the
    /// default one first (always present).
    pub fn languages(&self) -> &[&'a str] {
        &self.languages
    }

    /// A category's introduction (`_index.md`), if it has one.
    pub fn intro(&self, category: &Category) -> Option<&'a CategoryIntro> {
        category.intro.and_then(|at| self.intros.get(at))
    }

    /// The URL prefix of `lang` inside the bundle (`""` or `ja/`).
    pub fn lang_prefix(&self, lang: &str) -> String {
        crate::urls::lang_prefix(lang, self.default_language)
    }
}
