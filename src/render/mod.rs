//! Turning a bundle model into HTML: the Tera theme (compiled once) and one
//! function per page kind, each building a typed view from [`views`].
//!
//! Templates come from the built-in default theme, then
//! `themes/<theme>/templates/`, then the site's own `templates/` — a later
//! file with the same name wins.

pub mod feeds;
pub mod text;
pub mod theme;
pub mod views;

use anyhow::Result;

use crate::config::Settings;
use crate::content::Article;
use crate::model::bundle::Bundle;
use crate::model::listing::{Listing, ListingPage};
use crate::model::taxonomy::Category;
use crate::urls::{category_path, page_dir, tag_path};
use views::*;

pub use theme::{Theme, BUILT_IN_STATIC};

/// Renders the pages of one bundle.
pub struct Renderer<'a> {
    /// The compiled theme.
    pub theme: &'a Theme,
    /// The bundle.
    pub bundle: &'a Bundle<'a>,
    /// The site settings.
    pub settings: &'a Settings,
}

impl<'a> Renderer<'a> {
    fn common(&self, kind: &'static str, lang: &'a str, title: String) -> Common<'a> {
        Common {
            kind,
            root: self.bundle.root,
            lang,
            bundle: self.bundle.kind.name(),
            site_title: self.settings.title_in(lang),
            title,
            description: String::new(),
            keywords: String::new(),
            alternates: Vec::new(),
            canonical: None,
            breadcrumbs: Vec::new(),
            home_href: self.href(&self.bundle.lang_prefix(lang)),
        }
    }

    fn href(&self, path: &str) -> String {
        format!("{}{path}", self.bundle.root)
    }

    /// The absolute URL of bundle `path` (hreflang and canonical links
    /// must be absolute).
    fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.settings.base_url, self.href(path))
    }

    /// The `hreflang` links of a page in `own` language at `own_path` whose
    /// other language versions are `others` (`(language, path)`): every
    /// version including the page's own, and `x-default` for the default
    /// language's; none when the page has no other version.
    fn alternates(&self, own: (&str, &str), others: Vec<(String, String)>) -> Vec<Alternate> {
        if others.is_empty() {
            return Vec::new();
        }
        let mut versions = others;
        versions.push((own.0.to_owned(), own.1.to_owned()));
        versions.sort();
        let default = versions
            .iter()
            .find(|(lang, _)| lang == self.bundle.default_language)
            .map(|(_, path)| Alternate {
                lang: "x-default".to_owned(),
                href: self.absolute(path),
            });
        versions
            .iter()
            .map(|(lang, path)| Alternate {
                lang: lang.clone(),
                href: self.absolute(path),
            })
            .chain(default)
            .collect()
    }

    /// Home, then each ancestor category of `path` (and `path` itself).
    fn category_crumbs(&self, lang: &str, path: Option<&str>) -> Vec<Crumb> {
        let prefix = self.bundle.lang_prefix(lang);
        let mut crumbs = vec![Crumb {
            title: self.settings.title_in(lang).to_owned(),
            href: self.href(&prefix),
        }];
        if let Some(path) = path {
            for (sub, title) in self.bundle.taxonomy.trail(lang, path) {
                crumbs.push(Crumb {
                    title,
                    href: self.href(&category_path(&prefix, sub)),
                });
            }
        }
        crumbs
    }

    fn items(&self, indices: &[usize]) -> Vec<ListItem<'a>> {
        indices
            .iter()
            .map(|&i| ListItem::new(self.bundle.articles[i], self.bundle.root))
            .collect()
    }

    /// The page of article `i` of the bundle.
    pub fn article(&self, i: usize) -> Result<String> {
        let a: &'a Article = self.bundle.articles[i];
        let translations = self.bundle.translations_of(i);
        let mut common = self.common("article", &a.lang, a.title.clone());
        common.description = summary_of(a).to_owned();
        common.keywords = a.front.keywords.join(", ");
        common.alternates = self.alternates(
            (&a.lang, &a.url),
            translations
                .iter()
                .map(|t| (t.lang.clone(), t.url.clone()))
                .collect(),
        );
        common.canonical = Some(self.absolute(&a.url));
        common.breadcrumbs = self.category_crumbs(&a.lang, a.category.as_deref());
        common.breadcrumbs.push(Crumb {
            title: a.title.clone(),
            href: self.href(&a.url),
        });
        let prefix = self.bundle.lang_prefix(&a.lang);
        let updated = a
            .lastmod
            .filter(|l| a.date.map(views::day) != Some(views::day(*l)));
        let page = ArticleView {
            title: &a.title,
            html: a.rendered.html_in(self.bundle.root),
            date: a.date.map(day),
            date_iso: a.date.map(iso),
            updated: updated.map(day),
            updated_iso: updated.map(iso),
            internal: a.internal,
            draft: a.draft,
            toc: &a.rendered.toc,
            tags: a
                .visible_tags(self.bundle.internal_tag)
                .map(|t| TagLink {
                    name: t,
                    href: self.href(&tag_path(&prefix, t)),
                })
                .collect(),
            translations: translations
                .iter()
                .map(|t| Translation {
                    lang: &t.lang,
                    lang_name: language_name(&t.lang),
                    title: &t.title,
                    href: self.href(&t.url),
                    source: t.lang == self.bundle.default_language,
                })
                .collect(),
            outdated: self.bundle.is_outdated(i),
            related: self.items(&self.bundle.related[i]),
            extra: &a.front.extra,
        };
        self.theme
            .render("article.html", &ArticlePage { common, page })
    }

    /// One page of a category or tag listing.
    pub fn listing(&self, page: &ListingPage<'a>) -> Result<String> {
        let pager = self.pager(page);
        let articles = self.items(page.articles());
        match page.listing {
            Listing::Category(c) => self.category(c, page.number == 1, articles, pager),
            Listing::Tag { lang, name, .. } => self.tag(lang, name, articles, pager),
        }
    }

    fn pager(&self, page: &ListingPage<'a>) -> Pager {
        let dir = page.listing.dir(self.bundle);
        let link = |n: usize| self.href(&page_dir(&dir, n));
        Pager {
            page: page.number,
            pages: page.count,
            prev: (page.number > 1).then(|| link(page.number - 1)),
            next: (page.number < page.count).then(|| link(page.number + 1)),
        }
    }

    /// A page of a category: `first` is page 1, which also has the
    /// introduction and the sub-categories.
    fn category(
        &self,
        cat: &'a Category,
        first: bool,
        articles: Vec<ListItem<'a>>,
        pager: Pager,
    ) -> Result<String> {
        let prefix = self.bundle.lang_prefix(&cat.lang);
        let mut common = self.common("category", &cat.lang, cat.title.clone());
        common.description = self
            .bundle
            .intro(cat)
            .and_then(|i| i.description.clone())
            .unwrap_or_default();
        common.breadcrumbs = self.category_crumbs(&cat.lang, Some(&cat.path));
        // Other languages' versions of the category start at their page 1.
        let others = self
            .bundle
            .languages()
            .iter()
            .copied()
            .filter(|l| *l != cat.lang)
            .filter_map(|l| self.bundle.taxonomy.category(l, &cat.path))
            .map(|c| {
                let path = category_path(&self.bundle.lang_prefix(&c.lang), &c.path);
                (c.lang.clone(), path)
            })
            .collect();
        common.alternates =
            self.alternates((&cat.lang, &category_path(&prefix, &cat.path)), others);
        let children = if first {
            cat.children
                .iter()
                .filter_map(|p| self.bundle.taxonomy.category(&cat.lang, p))
                .map(|c| CategoryLink {
                    title: &c.title,
                    href: self.href(&category_path(&prefix, &c.path)),
                    total: c.total,
                })
                .collect()
        } else {
            Vec::new()
        };
        let intro_html = match self.bundle.intro(cat) {
            Some(i) if first => i.rendered.html_in(self.bundle.root),
            _ => String::new(),
        };
        let category = CategoryView {
            title: &cat.title,
            intro_html,
            children,
            articles,
        };
        self.theme.render(
            "category.html",
            &CategoryPage {
                common,
                category,
                pager,
            },
        )
    }

    /// A page of a tag.
    fn tag(
        &self,
        lang: &'a str,
        name: &'a str,
        articles: Vec<ListItem<'a>>,
        pager: Pager,
    ) -> Result<String> {
        let mut common = self.common("tag", lang, name.to_owned());
        common.breadcrumbs = self.category_crumbs(lang, None);
        common.breadcrumbs.push(Crumb {
            title: name.to_owned(),
            href: self.href(&tag_path(&self.bundle.lang_prefix(lang), name)),
        });
        let tag = TagView { name, articles };
        self.theme
            .render("tag.html", &TagPage { common, tag, pager })
    }

    /// The home page of `lang`.
    pub fn home(&self, lang: &'a str) -> Result<String> {
        let prefix = self.bundle.lang_prefix(lang);
        let mut common = self.common("home", lang, self.settings.title_in(lang).to_owned());
        let others = self
            .bundle
            .languages()
            .iter()
            .copied()
            .filter(|l| *l != lang)
            .map(|l| (l.to_owned(), self.bundle.lang_prefix(l)))
            .collect();
        common.alternates = self.alternates((lang, &prefix), others);
        let home = HomeView {
            recent: self
                .bundle
                .recent(lang, 10)
                .into_iter()
                .map(|a| ListItem::new(a, self.bundle.root))
                .collect(),
            categories: self
                .bundle
                .taxonomy
                .top_categories(lang)
                .into_iter()
                .map(|c| CategoryLink {
                    title: &c.title,
                    href: self.href(&category_path(&prefix, &c.path)),
                    total: c.total,
                })
                .collect(),
        };
        self.theme.render("home.html", &HomePage { common, home })
    }

    /// `404.html`.
    pub fn not_found(&self) -> Result<String> {
        let lang = self.bundle.default_language;
        let common = self.common("404", lang, "Page not found".to_owned());
        self.theme.render("404.html", &PlainPage { common })
    }

    /// The search page, if the theme has `search.html`.
    pub fn search(&self) -> Option<Result<String>> {
        if !self.theme.has("search.html") {
            return None;
        }
        let lang = self.bundle.default_language;
        let common = self.common("search", lang, "Search".to_owned());
        Some(self.theme.render("search.html", &PlainPage { common }))
    }

    /// A redirect page to `article`.
    pub fn alias(&self, article: &'a Article) -> Result<String> {
        let view = AliasPage {
            lang: &article.lang,
            title: &article.title,
            target: self.href(&article.url),
        };
        self.theme.render("alias.html", &view)
    }
}

#[cfg(test)]
mod tests;
