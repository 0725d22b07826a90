//! The content model — [`Article`], [`CategoryIntro`], [`Asset`] — and its
//! loading from `content/` (see [`load`](mod@load)). Rendering, bundles and output
//! are other modules' business; this one only knows files and front matter.

pub mod front_matter;
pub mod load;
pub mod markdown;

use std::path::PathBuf;

use time::OffsetDateTime;

pub use front_matter::FrontMatter;
pub use load::{load, load_one, Content, Loaded};

use crate::content::markdown::Rendered;

/// One article: a Markdown file with front matter, in one language.
#[derive(Debug, Clone)]
pub struct Article {
    /// The file relative to the site root, `/`-separated (for errors).
    pub source: String,
    /// The file relative to `content/`, `/`-separated (for `.md` links).
    pub content_path: String,
    /// Language code.
    pub lang: String,
    /// Title from the front matter.
    pub title: String,
    /// The front matter as written.
    pub front: FrontMatter,
    /// Parsed `date`.
    pub date: Option<OffsetDateTime>,
    /// Parsed `lastmod` (falls back to `date`).
    pub lastmod: Option<OffsetDateTime>,
    /// Category slash path, if any.
    pub category: Option<String>,
    /// Whether the article carries the internal tag.
    pub internal: bool,
    /// Whether the article is a draft.
    pub draft: bool,
    /// The article's path inside a bundle, without the bundle root and with
    /// a trailing slash: `a/b/name/`, `ja/a/b/name/`.
    pub url: String,
    /// Links the versions of one article across languages: the
    /// `translationKey`, else (as for every version without one) the
    /// key of a same-named version that has one, else `path_key`.
    pub translation_key: String,
    /// `folder/name` without the language suffix.
    pub path_key: String,
    /// Markdown body.
    pub body: String,
    /// The file line where the body starts.
    pub body_line: usize,
    /// The file line that decides the URL (`url:` or `slug:`, else 1).
    pub url_line: usize,
    /// The file line of `aliases:` (else 1).
    pub aliases_line: usize,
    /// Files of the page bundle (`topic/index.md`), copied beside the page.
    pub assets: Vec<Asset>,
    /// What Hugo tolerates but a writer should know (unknown front matter
    /// keys, an empty description).
    pub warnings: Vec<crate::error::ContentError>,
    /// The rendered body, filled in by the Markdown step.
    pub rendered: Rendered,
}

impl Article {
    /// The date listings sort by: `lastmod`, else `date`.
    pub fn date_or_lastmod(&self) -> Option<OffsetDateTime> {
        self.lastmod.or(self.date)
    }

    /// Tags other than the internal one, as written.
    pub fn visible_tags<'a>(&'a self, internal_tag: &'a str) -> impl Iterator<Item = &'a str> {
        self.front
            .tags
            .iter()
            .map(String::as_str)
            .filter(move |t| *t != internal_tag)
    }
}

/// A file of a page bundle.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Where it is on disk.
    pub source: PathBuf,
    /// Its path relative to the bundle folder, `/`-separated.
    pub rel: String,
}

/// `_index.md` of a content folder: the title and introduction of the
/// category with that folder's path.
#[derive(Debug, Clone)]
pub struct CategoryIntro {
    /// The file relative to the site root.
    pub source: String,
    /// The file relative to `content/`.
    pub content_path: String,
    /// The category path (`a/b`; empty for the content root).
    pub path: String,
    /// Language code.
    pub lang: String,
    /// Title, if given.
    pub title: Option<String>,
    /// Description, if given.
    pub description: Option<String>,
    /// Markdown body.
    pub body: String,
    /// The file line where the body starts.
    pub body_line: usize,
    /// The rendered introduction.
    pub rendered: Rendered,
}
