//! What a link written in an article points to, and the rules links must
//! follow: a `.md` link must name an existing, built article; a public
//! article must not link to an internal one, neither by `.md` file nor by
//! its URL path. Works on [`crate::content::markdown::Link`] data, never on HTML.

use std::collections::HashMap;

use crate::content::{Article, CategoryIntro};
use crate::error::ContentError;

/// A link destination, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Dest<'a> {
    /// `https://…`, `mailto:…`, `//host/…`: left alone.
    External,
    /// `#anchor` on the same page.
    Anchor,
    /// A relative `.md` file, resolved against the linking file's folder to
    /// a path under `content/`, with the `#fragment` (including `#`) kept.
    Markdown {
        /// Path under `content/`.
        path: String,
        /// `#fragment` or empty.
        fragment: &'a str,
    },
    /// A root-relative path such as `/kb/agents/escalation/` (normalized to
    /// no leading and one trailing slash), fragment kept.
    SitePath {
        /// Path inside the bundle.
        path: String,
        /// `#fragment` or empty.
        fragment: &'a str,
    },
    /// Anything else (relative images, files beside a page bundle).
    Other,
}

/// Classifies `dest`, written in the file at `from` (a path under
/// `content/`). `base_url` makes absolute links to the site itself count as
/// site paths.
pub fn classify<'a>(dest: &'a str, from: &str, base_url: &str) -> Dest<'a> {
    let (target, fragment) = match dest.find(['#', '?']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    if target.is_empty() {
        return if fragment.starts_with('#') {
            Dest::Anchor
        } else {
            Dest::Other
        };
    }
    if let Some(rest) = target.strip_prefix(base_url) {
        if rest.is_empty() || rest.starts_with('/') {
            return site_path(rest, fragment);
        }
    }
    if target.starts_with("//") || has_scheme(target) {
        return Dest::External;
    }
    if target.ends_with(".md") {
        let joined = if let Some(abs) = target.strip_prefix('/') {
            abs.to_owned()
        } else {
            let dir = from.rfind('/').map_or("", |i| &from[..i]);
            format!("{dir}/{target}")
        };
        return Dest::Markdown {
            path: normalize(&joined),
            fragment,
        };
    }
    if target.starts_with('/') {
        return site_path(target, fragment);
    }
    Dest::Other
}

fn site_path<'a>(path: &str, fragment: &'a str) -> Dest<'a> {
    let clean = normalize(path);
    let path = if clean.is_empty() || clean.rsplit('/').next().is_some_and(|l| l.contains('.')) {
        clean
    } else {
        format!("{clean}/")
    };
    Dest::SitePath { path, fragment }
}

fn has_scheme(target: &str) -> bool {
    match target.find(':') {
        Some(i) => {
            i > 0
                && target[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Resolves `.`, `..` and empty segments of a `/`-separated path.
pub fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// A text whose links are checked.
pub struct Linker<'a> {
    /// Its file relative to the site root.
    pub source: &'a str,
    /// Its file relative to `content/`.
    pub content_path: &'a str,
    /// Whether it appears in the public bundle (then it must not link to
    /// internal articles).
    pub public: bool,
    /// Its links.
    pub links: &'a [crate::content::markdown::Link],
    /// `article` or `category introduction`, for messages.
    pub kind: &'a str,
}

/// Where links can point: every built article by file and by URL, and the
/// categories that have an `_index.md`.
pub struct LinkIndex<'a> {
    by_file: HashMap<&'a str, &'a Article>,
    by_url: HashMap<&'a str, &'a Article>,
    intros: HashMap<&'a str, String>,
    drafts: HashMap<&'a str, &'a Article>,
    failed: std::collections::HashSet<String>,
    static_paths: std::collections::HashSet<String>,
    base_url: &'a str,
}

impl<'a> LinkIndex<'a> {
    /// Indexes the built `articles`; `skipped` are drafts left out of the
    /// build (linking to one is an error that says so).
    pub fn new(
        articles: &'a [Article],
        skipped: &'a [Article],
        intros: &'a [CategoryIntro],
        default_language: &str,
        base_url: &'a str,
    ) -> Self {
        Self::from_refs(articles, skipped, intros, default_language, base_url)
    }

    /// Like [`LinkIndex::new`], for built articles given by reference
    /// (`docket serve` keeps them behind `Arc`s).
    pub fn from_refs(
        articles: impl IntoIterator<Item = &'a Article> + Clone,
        skipped: &'a [Article],
        intros: &'a [CategoryIntro],
        default_language: &str,
        base_url: &'a str,
    ) -> Self {
        Self {
            by_file: articles
                .clone()
                .into_iter()
                .map(|a| (a.content_path.as_str(), a))
                .collect(),
            by_url: articles.into_iter().map(|a| (a.url.as_str(), a)).collect(),
            intros: intros
                .iter()
                .map(|i| {
                    let prefix = if i.lang == default_language {
                        String::new()
                    } else {
                        format!("{}/", i.lang)
                    };
                    let url = if i.path.is_empty() {
                        prefix
                    } else {
                        format!("{prefix}categories/{}/", i.path)
                    };
                    (i.content_path.as_str(), url)
                })
                .collect(),
            drafts: skipped
                .iter()
                .map(|a| (a.content_path.as_str(), a))
                .collect(),
            failed: std::collections::HashSet::new(),
            static_paths: std::collections::HashSet::new(),
            base_url,
        }
    }

    /// Paths of `static/` files (`images/logo.png`): root-relative links
    /// to them get the bundle root too.
    pub fn with_static(mut self, paths: impl Iterator<Item = String>) -> Self {
        self.static_paths = paths.collect();
        self
    }

    /// Files (relative to the site root) that failed to load: links to
    /// them are not reported again, their own error says what is wrong.
    pub fn with_failed<'e>(mut self, sources: impl Iterator<Item = &'e str>) -> Self {
        self.failed = sources
            .filter_map(|s| s.strip_prefix("content/"))
            .map(str::to_owned)
            .collect();
        self
    }

    /// The bundle path (anchor kept) a destination written in `from` is
    /// rewritten to, if it points at a known article or category.
    pub fn resolve(&self, dest: &str, from: &str) -> Option<String> {
        match classify(dest, from, self.base_url) {
            Dest::Markdown { path, fragment } => {
                let url = match self.by_file.get(path.as_str()) {
                    Some(a) => a.url.clone(),
                    None => self.intros.get(path.as_str())?.clone(),
                };
                Some(format!("{url}{fragment}"))
            }
            Dest::SitePath { path, fragment } => match self.by_url.get(path.as_str()) {
                Some(a) => Some(format!("{}{fragment}", a.url)),
                None => self
                    .static_paths
                    .contains(&path)
                    .then(|| format!("{path}{fragment}")),
            },
            _ => None,
        }
    }

    /// Checks the links of one built article.
    pub fn check(&self, article: &Article) -> Vec<ContentError> {
        self.check_text(&Linker {
            source: &article.source,
            content_path: &article.content_path,
            public: !article.internal,
            links: &article.rendered.links,
            kind: "article",
        })
    }

    /// Checks the links of a text (an article or a category introduction).
    pub fn check_text(&self, text: &Linker<'_>) -> Vec<ContentError> {
        let mut errors = Vec::new();
        for link in text.links.iter().filter(|l| !l.image) {
            let error = |msg: String| ContentError::new(text.source, link.line, msg);
            match classify(&link.dest, text.content_path, self.base_url) {
                Dest::Markdown { path, .. } => {
                    if let Some(target) = self.by_file.get(path.as_str()) {
                        if target.internal && text.public {
                            errors.push(error(format!(
                                "public {} links to internal article {}",
                                text.kind, target.source
                            )));
                        }
                    } else if let Some(draft) = self.drafts.get(path.as_str()) {
                        errors.push(error(format!(
                            "link to draft {} which is not built (use --drafts)",
                            draft.source
                        )));
                    } else if !self.intros.contains_key(path.as_str())
                        && !self.failed.contains(&path)
                    {
                        errors.push(error(format!(
                            "link to missing file content/{path} (written as {:?})",
                            link.dest
                        )));
                    }
                }
                Dest::SitePath { path, .. } => {
                    let in_bundle = path.strip_prefix("internal/").unwrap_or(&path);
                    if let Some(target) = self.by_url.get(in_bundle) {
                        if target.internal && text.public {
                            errors.push(error(format!(
                                "public {} links to internal article {} by its URL /{}",
                                text.kind, target.source, target.url
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://help.example.com";

    #[test]
    fn relative_md_links_resolve_against_the_linking_file() {
        assert_eq!(
            classify("../b/other.md#setup", "a/x/page.md", BASE),
            Dest::Markdown {
                path: "a/b/other.md".to_owned(),
                fragment: "#setup"
            }
        );
        assert_eq!(
            classify("other.md", "page.md", BASE),
            Dest::Markdown {
                path: "other.md".to_owned(),
                fragment: ""
            }
        );
    }

    #[test]
    fn site_paths_get_one_trailing_slash_and_the_base_url_is_stripped() {
        let expected = Dest::SitePath {
            path: "kb/agents/escalation/".to_owned(),
            fragment: "",
        };
        assert_eq!(classify("/kb/agents/escalation", "a.md", BASE), expected);
        assert_eq!(
            classify(
                "https://help.example.com/kb/agents/escalation/",
                "a.md",
                BASE
            ),
            expected
        );
        assert_eq!(
            classify("/images/x.png", "a.md", BASE),
            Dest::SitePath {
                path: "images/x.png".to_owned(),
                fragment: ""
            }
        );
    }

    #[test]
    fn external_links_anchors_and_others_are_left_alone() {
        assert_eq!(classify("https://x.org/a.md", "a.md", BASE), Dest::External);
        assert_eq!(classify("mailto:a@b.c", "a.md", BASE), Dest::External);
        assert_eq!(classify("//cdn.x/y", "a.md", BASE), Dest::External);
        assert_eq!(classify("#top", "a.md", BASE), Dest::Anchor);
        assert_eq!(classify("diagram.png", "a.md", BASE), Dest::Other);
    }

    #[test]
    fn dot_segments_are_normalized() {
        assert_eq!(normalize("a/./b/../c//d"), "a/c/d");
        assert_eq!(normalize("../../x"), "x");
    }
}
