//! The whole site as loaded: every built article, the drafts set aside,
//! the category introductions, and the problems found so far. The build's
//! steps (checks, Markdown, bundles) work on it in turn; see
//! [`crate::build`].

use crate::config::Settings;
use crate::content::{self, Article, CategoryIntro};
use crate::error::ContentError;
use crate::model::bundle::{Bundle, BundleKind};
use crate::output::Forbidden;

/// The full site model: every built article of every bundle.
pub struct Site<'s> {
    /// The site's resolved settings.
    pub settings: &'s Settings,
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

    /// The URL paths of internal articles, their aliases and assets.
    pub fn forbidden(&self) -> Forbidden {
        Forbidden::of_internal(&self.articles)
    }
}
