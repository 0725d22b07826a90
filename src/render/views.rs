//! Typed view structs handed to Tera, borrowed from the bundle model. A
//! template can only see what these structs hold — and they are built from
//! one bundle, so a public page cannot reach an internal article.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::content::markdown::TocEntry;
use crate::content::Article;

/// Fields every page has (`base.html` uses them).
#[derive(Debug, Serialize)]
pub struct Common<'a> {
    /// What the page is: `article`, `category`, `tag`, `home`, `404` or
    /// `search`.
    pub kind: &'static str,
    /// The bundle's base path: `/` or `/internal/`.
    pub root: &'a str,
    /// The page's language.
    pub lang: &'a str,
    /// `public` or `internal`.
    pub bundle: &'a str,
    /// The site title in the page's language.
    pub site_title: &'a str,
    /// The page title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Meta keywords, comma-separated.
    pub keywords: String,
    /// `<link rel="alternate" hreflang>` targets: absolute, every language
    /// version including the page's own, then `x-default`; empty when the
    /// page exists in one language only.
    pub alternates: Vec<Alternate>,
    /// The page's absolute URL for `<link rel="canonical">` (articles).
    pub canonical: Option<String>,
    /// Breadcrumbs, home first, the current page last.
    pub breadcrumbs: Vec<Crumb>,
    /// The home page of the page's language.
    pub home_href: String,
}

/// A language version of the current page.
#[derive(Debug, Serialize)]
pub struct Alternate {
    /// Language code, or `x-default`.
    pub lang: String,
    /// Absolute URL of that version.
    pub href: String,
}

/// One breadcrumb.
#[derive(Debug, Serialize)]
pub struct Crumb {
    /// Shown text.
    pub title: String,
    /// Link (the last crumb is the current page).
    pub href: String,
}

/// An article in a list.
#[derive(Debug, Serialize)]
pub struct ListItem<'a> {
    /// Title.
    pub title: &'a str,
    /// Link.
    pub href: String,
    /// Description or first paragraph.
    pub summary: &'a str,
    /// Last update as `2026-01-30`.
    pub date: Option<String>,
    /// Last update in RFC 3339.
    pub date_iso: Option<String>,
    /// Whether to show the internal badge.
    pub internal: bool,
    /// Whether to show the draft badge (`--drafts` builds only).
    pub draft: bool,
}

impl<'a> ListItem<'a> {
    /// The list entry of `article` in a bundle with `root`.
    pub fn new(article: &'a Article, root: &str) -> Self {
        let when = article.date_or_lastmod();
        Self {
            title: &article.title,
            href: format!("{root}{}", article.url),
            summary: summary_of(article),
            date: when.map(day),
            date_iso: when.map(iso),
            internal: article.internal,
            draft: article.draft,
        }
    }
}

/// The description, else the first paragraph.
pub fn summary_of(article: &Article) -> &str {
    article
        .front
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(&article.rendered.summary)
}

/// A link to a category with its article count.
#[derive(Debug, Serialize)]
pub struct CategoryLink<'a> {
    /// Title.
    pub title: &'a str,
    /// Link.
    pub href: String,
    /// Articles here and below.
    pub total: usize,
}

/// A tag on an article.
#[derive(Debug, Serialize)]
pub struct TagLink<'a> {
    /// The tag as written.
    pub name: &'a str,
    /// Its tag page.
    pub href: String,
}

/// Another language version of an article.
#[derive(Debug, Serialize)]
pub struct Translation<'a> {
    /// Language code.
    pub lang: &'a str,
    /// Language name in that language.
    pub lang_name: &'a str,
    /// That version's title.
    pub title: &'a str,
    /// Link.
    pub href: String,
    /// Whether it is the default-language source.
    pub source: bool,
}

/// The article page's `page`.
#[derive(Debug, Serialize)]
pub struct ArticleView<'a> {
    /// Title.
    pub title: &'a str,
    /// Rendered body with the bundle root put in.
    pub html: String,
    /// Publication date, `2026-01-30`.
    pub date: Option<String>,
    /// Publication date, RFC 3339.
    pub date_iso: Option<String>,
    /// Last modification when it differs from the date.
    pub updated: Option<String>,
    /// Last modification, RFC 3339.
    pub updated_iso: Option<String>,
    /// Whether the article is internal (badge).
    pub internal: bool,
    /// Whether the article is a draft (badge and notice; only `--drafts`
    /// builds render drafts).
    pub draft: bool,
    /// Table of contents.
    pub toc: &'a [TocEntry],
    /// Tags with pages (never the internal tag).
    pub tags: Vec<TagLink<'a>>,
    /// Other language versions in this bundle.
    pub translations: Vec<Translation<'a>>,
    /// Whether the default-language source is newer.
    pub outdated: bool,
    /// Related articles in this bundle.
    pub related: Vec<ListItem<'a>>,
    /// Front matter fields docket does not know.
    pub extra: &'a BTreeMap<String, serde_yaml::Value>,
}

/// The article page.
#[derive(Debug, Serialize)]
pub struct ArticlePage<'a> {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common<'a>,
    /// The article.
    pub page: ArticleView<'a>,
}

/// Where a page of a paginated listing is among the listing's pages.
#[derive(Debug, Serialize)]
pub struct Pager {
    /// This page's number, from 1.
    pub page: usize,
    /// How many pages the listing has (at least 1).
    pub pages: usize,
    /// The previous page, if any.
    pub prev: Option<String>,
    /// The next page, if any.
    pub next: Option<String>,
}

/// A category page's `category`.
#[derive(Debug, Serialize)]
pub struct CategoryView<'a> {
    /// Title.
    pub title: &'a str,
    /// The `_index.md` body, rendered.
    pub intro_html: String,
    /// Sub-categories (page 1 only).
    pub children: Vec<CategoryLink<'a>>,
    /// This page's share of the articles directly in this category.
    pub articles: Vec<ListItem<'a>>,
}

/// A category page.
#[derive(Debug, Serialize)]
pub struct CategoryPage<'a> {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common<'a>,
    /// The category.
    pub category: CategoryView<'a>,
    /// Which page of the category's listing this is.
    pub pager: Pager,
}

/// A tag page's `tag`.
#[derive(Debug, Serialize)]
pub struct TagView<'a> {
    /// The tag.
    pub name: &'a str,
    /// This page's share of its articles.
    pub articles: Vec<ListItem<'a>>,
}

/// A tag page.
#[derive(Debug, Serialize)]
pub struct TagPage<'a> {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common<'a>,
    /// The tag.
    pub tag: TagView<'a>,
    /// Which page of the tag's listing this is.
    pub pager: Pager,
}

/// The home page's `home`.
#[derive(Debug, Serialize)]
pub struct HomeView<'a> {
    /// Recently updated articles.
    pub recent: Vec<ListItem<'a>>,
    /// Top-level categories.
    pub categories: Vec<CategoryLink<'a>>,
}

/// The home page.
#[derive(Debug, Serialize)]
pub struct HomePage<'a> {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common<'a>,
    /// Home content.
    pub home: HomeView<'a>,
}

/// Pages with only the common fields (404, search).
#[derive(Debug, Serialize)]
pub struct PlainPage<'a> {
    /// Common fields.
    #[serde(flatten)]
    pub common: Common<'a>,
}

/// An alias redirect page.
#[derive(Debug, Serialize)]
pub struct AliasPage<'a> {
    /// The target's language.
    pub lang: &'a str,
    /// The target's title.
    pub title: &'a str,
    /// Where to go.
    pub target: String,
}

/// `2026-01-30`.
pub fn day(d: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// RFC 3339.
pub fn iso(d: OffsetDateTime) -> String {
    use time::format_description::well_known::Rfc3339;
    d.format(&Rfc3339).unwrap_or_else(|_| day(d))
}

/// The name of a language in that language.
pub fn language_name(code: &str) -> &str {
    match code {
        "en" => "English",
        "ja" => "日本語",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "zh" => "中文",
        "ko" => "한국어",
        "pt" | "pt-br" => "Português",
        _ => code,
    }
}
