//! The Markdown step: every article's and category introduction's text
//! rendered once, in parallel, with links resolved through the site's
//! [`LinkIndex`] and shortcodes expanded by the theme.

use rayon::prelude::*;

use super::plan;
use crate::content::markdown::Rendered;
use crate::error::ContentError;
use crate::model::links::LinkIndex;
use crate::model::site::Site;
use crate::render::text::TextRenderer;
use crate::render::Theme;

impl Site<'_> {
    /// Where links between articles, introductions and static files lead.
    pub fn link_index(&self) -> LinkIndex<'_> {
        LinkIndex::new(
            &self.articles,
            &self.skipped,
            &self.intros,
            &self.settings.config.site.default_language,
            &self.settings.base_url,
        )
        .with_static(
            plan::static_files(self.settings)
                .into_iter()
                .map(|f| f.path),
        )
    }

    /// Renders every article's and category introduction's Markdown once,
    /// in parallel, rewriting links to other articles and expanding
    /// shortcodes (their errors join the site's errors).
    pub fn render_markdown(&mut self, theme: &Theme) {
        let index = self.link_index();
        let texts = TextRenderer::new(self.settings, &index, theme);
        let articles: Vec<Rendered> = self.articles.par_iter().map(|a| texts.article(a)).collect();
        let intros: Vec<Rendered> = self.intros.par_iter().map(|i| texts.intro(i)).collect();
        for (a, r) in self.articles.iter_mut().zip(articles) {
            a.rendered = r;
        }
        for (i, r) in self.intros.iter_mut().zip(intros) {
            i.rendered = r;
        }
        self.collect_problems();
    }

    /// Moves the rendering problems of articles and introductions into
    /// the site's errors, with their file.
    fn collect_problems(&mut self) {
        let texts = self
            .articles
            .iter_mut()
            .map(|a| (&a.source, &mut a.rendered))
            .chain(self.intros.iter_mut().map(|i| (&i.source, &mut i.rendered)));
        for (source, rendered) in texts {
            for p in rendered.problems.drain(..) {
                self.errors
                    .push(ContentError::new(source, p.line, p.message));
            }
        }
    }
}
