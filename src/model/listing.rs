//! Paginated listings: a category's or a tag's articles split into pages
//! of `[build] listing_page_size`. Page 1 is the listing's folder
//! (`categories/<path>/`, `tags/<tag>/`), page `n` its `page/<n>/`
//! sub-folder. A listing always has at least one page (a category with
//! only sub-categories has an empty page 1). Pure functions of a bundle:
//! `docket build` and `docket serve` list the same pages.

use std::ops::Range;

use crate::model::bundle::Bundle;
use crate::model::taxonomy::Category;
use crate::urls::{category_path, page_dir, tag_path};

/// A category or tag listing of one bundle.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'b> {
    /// A category page (sub-categories on page 1, then its own articles).
    Category(&'b Category),
    /// A tag page.
    Tag {
        /// The tag's language.
        lang: &'b str,
        /// The tag as written.
        name: &'b str,
        /// Its articles (bundle indices), in listing order.
        articles: &'b [usize],
    },
}

impl<'b> Listing<'b> {
    /// The listed articles (bundle indices), in listing order.
    pub fn articles(&self) -> &'b [usize] {
        match self {
            Listing::Category(c) => &c.articles,
            Listing::Tag { articles, .. } => articles,
        }
    }

    /// The bundle folder of page 1 (`categories/a/b/`, `ja/tags/x/`).
    pub fn dir(&self, bundle: &Bundle<'_>) -> String {
        match self {
            Listing::Category(c) => category_path(&bundle.lang_prefix(&c.lang), &c.path),
            Listing::Tag { lang, name, .. } => tag_path(&bundle.lang_prefix(lang), name),
        }
    }

    /// Its pages, page 1 first.
    pub fn pages(self, size: usize) -> impl Iterator<Item = ListingPage<'b>> {
        let count = page_count(self.articles().len(), size);
        (1..=count).map(move |number| ListingPage {
            listing: self,
            number,
            count,
            size,
        })
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Copy)]
pub struct ListingPage<'b> {
    /// The listing.
    pub listing: Listing<'b>,
    /// 1-based page number.
    pub number: usize,
    /// How many pages the listing has.
    pub count: usize,
    /// Articles per page.
    pub size: usize,
}

impl<'b> ListingPage<'b> {
    /// The articles on this page (bundle indices).
    pub fn articles(&self) -> &'b [usize] {
        let all = self.listing.articles();
        let range = page_range(all.len(), self.size, self.number);
        &all[range]
    }

    /// The bundle path of this page's file.
    pub fn file(&self, bundle: &Bundle<'_>) -> String {
        format!(
            "{}index.html",
            page_dir(&self.listing.dir(bundle), self.number)
        )
    }
}

/// Every category and tag listing of a bundle.
pub fn listings<'b>(bundle: &'b Bundle<'b>) -> Vec<Listing<'b>> {
    let cats = bundle.taxonomy.categories.values().map(Listing::Category);
    let tags = bundle
        .taxonomy
        .tags
        .iter()
        .map(|((lang, name), articles)| Listing::Tag {
            lang,
            name,
            articles,
        });
    cats.chain(tags).collect()
}

/// How many pages `len` articles fill at `size` per page (at least one).
pub fn page_count(len: usize, size: usize) -> usize {
    len.div_ceil(size.max(1)).max(1)
}

/// The indices into a listing of `len` articles shown on page `number`
/// (empty past the end).
pub fn page_range(len: usize, size: usize, number: usize) -> Range<usize> {
    let start = number.saturating_sub(1).saturating_mul(size).min(len);
    start..start.saturating_add(size).min(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split_the_articles_and_an_empty_listing_has_one_page() {
        assert_eq!(page_count(0, 30), 1);
        assert_eq!(page_count(30, 30), 1);
        assert_eq!(page_count(31, 30), 2);
        assert_eq!(page_count(61, 30), 3);
        assert_eq!(page_range(61, 30, 1), 0..30);
        assert_eq!(page_range(61, 30, 3), 60..61);
        assert_eq!(page_range(61, 30, 4), 61..61);
        assert_eq!(page_range(0, 30, 1), 0..0);
    }
}
