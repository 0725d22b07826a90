//! What an edit can affect through links: which articles a change can
//! touch ([`Touched`]), which articles link to them ([`Inbound`]), and the
//! link errors of every other article kept from earlier rebuilds
//! ([`LinkErrors`]). The checks themselves are the build's
//! ([`crate::build::checks`]).

use std::collections::{HashMap, HashSet};

use crate::content::markdown;
use crate::content::Article;
use crate::error::ContentError;

/// What identifies the articles of a change in links written elsewhere:
/// their Markdown file names (`alpha.md`) and the last segments of their
/// URLs (`alpha`), before and after the change.
#[derive(Debug, Default)]
pub struct Touched {
    names: HashSet<String>,
}

impl Touched {
    /// Notes an article's file (relative to `content/`) and URL.
    pub fn add(&mut self, content_path: &str, url: &str) {
        if let Some(name) = content_path.rsplit('/').next() {
            self.names.insert(name.to_owned());
        }
        if let Some(last) = url.trim_end_matches('/').rsplit('/').next() {
            if !last.is_empty() {
                self.names.insert(last.to_owned());
            }
        }
    }

    /// Whether a link destination, as written, may point at a touched
    /// article (by file or by URL). Errs on the side of yes: the caller
    /// only re-renders and re-checks more than needed.
    pub fn named_by(&self, dest: &str) -> bool {
        link_name(dest).is_some_and(|name| self.names.contains(name))
    }
}

/// The last path segment of a link destination as written (`alpha.md`,
/// `alpha` for `/guides/alpha/#x`), if any.
fn link_name(dest: &str) -> Option<&str> {
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    let path = path.trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or(path);
    (!last.is_empty()).then_some(last)
}

/// Which articles have links that name what (`link_name`), kept between
/// rebuilds so that a change finds the articles linking to it without
/// reading every link.
#[derive(Debug, Default)]
pub struct Inbound {
    by_name: HashMap<String, HashSet<String>>,
    names_of: HashMap<String, Vec<String>>,
}

impl Inbound {
    /// The links of `articles`.
    pub fn build<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Self {
        let mut inbound = Self::default();
        for a in articles {
            inbound.set(&a.source, &a.rendered.links);
        }
        inbound
    }

    /// Replaces what is known of the links of the article at `source`.
    pub fn set(&mut self, source: &str, links: &[markdown::Link]) {
        self.forget(source);
        let mut names: Vec<String> = links
            .iter()
            .filter_map(|l| link_name(&l.dest))
            .map(str::to_owned)
            .collect();
        names.sort();
        names.dedup();
        for name in &names {
            self.by_name
                .entry(name.clone())
                .or_default()
                .insert(source.to_owned());
        }
        self.names_of.insert(source.to_owned(), names);
    }

    /// Forgets the links of the article at `source` (gone).
    pub fn forget(&mut self, source: &str) {
        for name in self.names_of.remove(source).unwrap_or_default() {
            if let Some(set) = self.by_name.get_mut(&name) {
                set.remove(source);
                if set.is_empty() {
                    self.by_name.remove(&name);
                }
            }
        }
    }

    /// The sources of the articles with a link that may point at a
    /// touched article.
    pub fn linking(&self, touched: &Touched) -> HashSet<String> {
        touched
            .names
            .iter()
            .filter_map(|name| self.by_name.get(name))
            .flatten()
            .cloned()
            .collect()
    }
}

/// The link errors of every article, by source, kept between rebuilds and
/// updated for the articles a change can affect.
#[derive(Debug, Default)]
pub struct LinkErrors {
    by_source: HashMap<String, Vec<ContentError>>,
}

impl LinkErrors {
    /// Replaces what is known about the articles of `sources` (checked
    /// again, or gone) with `found`.
    pub fn update(
        &mut self,
        sources: &HashSet<String>,
        found: impl IntoIterator<Item = (String, Vec<ContentError>)>,
    ) {
        for source in sources {
            self.by_source.remove(source);
        }
        self.by_source
            .extend(found.into_iter().filter(|(_, errors)| !errors.is_empty()));
    }

    /// Forgets everything (after a full build, whose checks found
    /// nothing).
    pub fn clear(&mut self) {
        self.by_source.clear();
    }

    /// Every known link error.
    pub fn all(&self) -> impl Iterator<Item = &ContentError> {
        self.by_source.values().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_by_file_or_by_url_name_a_touched_article() {
        let mut t = Touched::default();
        t.add("guides/alpha.md", "guides/alpha/");
        assert!(t.named_by("alpha.md#setup"));
        assert!(t.named_by("../guides/alpha.md"));
        assert!(t.named_by("/guides/alpha/"));
        assert!(t.named_by("https://help.example.com/guides/alpha?x=1"));
        assert!(!t.named_by("beta.md"));
        assert!(!t.named_by("/guides/"));
        assert!(!t.named_by("#top"));
    }

    #[test]
    fn inbound_links_follow_their_articles() {
        let link = |dest: &str| markdown::Link {
            dest: dest.to_owned(),
            line: 1,
            image: false,
        };
        let mut inbound = Inbound::default();
        inbound.set("content/a.md", &[link("/guides/alpha/"), link("beta.md#x")]);
        inbound.set("content/b.md", &[link("alpha.md")]);
        let mut t = Touched::default();
        t.add("guides/alpha.md", "guides/alpha/");
        let mut found: Vec<String> = inbound.linking(&t).into_iter().collect();
        found.sort();
        assert_eq!(found, ["content/a.md", "content/b.md"]);
        inbound.set("content/a.md", &[link("https://x.org/")]);
        inbound.forget("content/b.md");
        assert!(inbound.linking(&t).is_empty());
    }
}
