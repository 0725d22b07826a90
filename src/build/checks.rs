//! The content checks, shared by `docket build` and `docket serve`: unique
//! URLs ([`claim_urls`]), link rules (articles and category introductions,
//! [`intro_errors`]), root-relative paths nothing answers (warnings), and
//! the public bundle's leak check ([`verify_public`]).

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;

use super::{plan, GENERATED};
use crate::content::markdown;
use crate::content::{Article, CategoryIntro};
use crate::error::{ContentError, ContentErrors};
use crate::model::links::{LinkIndex, Linker};
use crate::model::site::Site;
use crate::output::{self, Forbidden, OutputFile};

impl Site<'_> {
    /// Two articles (or an alias and an article) must not share a URL;
    /// the rule is [`claim_urls`]'s. An alias that a later article loses is
    /// removed from it.
    pub fn check_urls(&mut self) {
        let claims = claim_urls(&self.articles);
        self.errors.extend(claims.errors);
        self.warnings.extend(claims.warnings);
        for (i, url) in claims.dropped {
            self.articles[i]
                .front
                .aliases
                .retain(|alias| crate::urls::alias_path(alias) != url);
        }
    }

    /// Root-relative links and images to a path nothing in the bundle
    /// answers are warnings: article URLs, aliases, page-bundle assets,
    /// category introductions and `static/` files are known; listings,
    /// search and the sidecar's pages (see [`GENERATED`]) are not checked.
    pub fn check_site_paths(&mut self) {
        let mut known: std::collections::HashSet<String> = plan::static_files(self.settings)
            .into_iter()
            .map(|f| f.path)
            .collect();
        for a in &self.articles {
            known.insert(a.url.clone());
            known.extend(a.front.aliases.iter().map(|x| crate::urls::alias_path(x)));
            known.extend(a.assets.iter().map(|x| format!("{}{}", a.url, x.rel)));
        }
        let languages = self.settings.languages();
        let base_url = &self.settings.base_url;
        let texts = self
            .articles
            .iter()
            .map(|a| (&a.source, &a.content_path, &a.rendered.links))
            .chain(
                self.intros
                    .iter()
                    .map(|i| (&i.source, &i.content_path, &i.rendered.links)),
            );
        let mut warnings = Vec::new();
        for (source, content_path, links) in texts {
            for link in links {
                let crate::model::links::Dest::SitePath { path, .. } =
                    crate::model::links::classify(&link.dest, content_path, base_url)
                else {
                    continue;
                };
                let path = path.strip_prefix("internal/").unwrap_or(&path);
                let first = path.split('/').next().unwrap_or_default();
                let rest = if languages.contains(&first) {
                    path[first.len()..].trim_start_matches('/')
                } else {
                    path
                };
                let head = rest.split('/').next().unwrap_or_default();
                if known.contains(path)
                    || rest.is_empty()
                    || GENERATED.contains(&head)
                    || rest.ends_with(".xml")
                    || rest.ends_with(".json")
                {
                    continue;
                }
                let what = if link.image { "image" } else { "link" };
                warnings.push(ContentError::new(
                    source,
                    link.line,
                    format!(
                        "{what} to /{path}, which is not in the bundle (no article, alias, asset or static file has that path)"
                    ),
                ));
            }
        }
        self.warnings.extend(warnings);
    }

    /// Broken `.md` links and public-to-internal links are errors.
    pub fn check_links(&mut self) {
        let index = LinkIndex::new(
            &self.articles,
            &self.skipped,
            &self.intros,
            &self.settings.config.site.default_language,
            &self.settings.base_url,
        )
        .with_failed(self.errors.iter().map(|e| e.path.as_str()));
        let errors: Vec<ContentError> = self
            .articles
            .par_iter()
            .flat_map_iter(|a| index.check(a))
            .collect();
        self.errors.extend(errors);
        let errors = intro_errors(&self.articles, &self.intros, &index);
        self.errors.extend(errors);
    }

    /// Adds the front matter warnings of the built articles; with
    /// `strict`, every warning becomes an error.
    pub fn collect_warnings(&mut self, strict: bool) {
        for a in &mut self.articles {
            self.warnings.append(&mut a.warnings);
        }
        if strict {
            self.errors.extend(self.warnings.drain(..).map(|mut w| {
                w.message = format!("{} (--strict)", w.message);
                w
            }));
        }
    }

    /// Stops the build with every problem found, sorted.
    pub fn fail_on_errors(&mut self) -> Result<()> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(ContentErrors::sorted(std::mem::take(&mut self.errors)).into())
    }

    /// The public bundle's verification on files not written (`check`).
    pub fn verify_unwritten(&self, public: &[OutputFile]) -> Result<()> {
        let problems = output::verify_files(public, &self.forbidden())?;
        output::ensure_clean(&problems)
    }
}

/// What the unique-URL rule found: errors, warnings, and the aliases that
/// articles lose (index into the list given, alias path).
#[derive(Debug, Default)]
pub struct UrlClaims {
    /// A URL or alias already taken by another article's URL, or an
    /// article's URL taken by an alias.
    pub errors: Vec<ContentError>,
    /// Two articles claiming the same alias.
    pub warnings: Vec<ContentError>,
    /// Aliases to remove: (article index, alias path).
    pub dropped: Vec<(usize, String)>,
}

/// The unique-URL rule, shared by `docket build` and `docket serve`:
/// every article's URL is claimed first, then the aliases, each in the
/// order of the articles' source paths. A URL claimed twice is an error,
/// except an alias claimed by two articles: Hugo tolerates that, so it is
/// a warning naming both files, the first by path keeps it and the other
/// loses it.
pub fn claim_urls<A: std::borrow::Borrow<Article>>(articles: &[A]) -> UrlClaims {
    let at = |i: usize| -> &Article { articles[i].borrow() };
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.sort_by(|&a, &b| at(a).source.cmp(&at(b).source));
    let mut claims: Vec<(String, usize, &str, usize)> = Vec::new();
    for &i in &order {
        let a = at(i);
        claims.push((a.url.clone(), i, "URL", a.url_line));
    }
    for &i in &order {
        let a = at(i);
        for alias in &a.front.aliases {
            claims.push((crate::urls::alias_path(alias), i, "alias", a.aliases_line));
        }
    }
    let mut owner: HashMap<String, (&str, &str)> = HashMap::new();
    let mut found = UrlClaims::default();
    for (url, i, what, line) in claims {
        let a = at(i);
        match owner.get(url.as_str()) {
            Some((first, _)) if *first == a.source => {}
            Some((first, "alias")) if what == "alias" => {
                found.warnings.push(ContentError::new(
                    &a.source,
                    line,
                    format!("alias /{url} is also claimed by {first}, which keeps it"),
                ));
                found.dropped.push((i, url));
            }
            Some((first, _)) => found.errors.push(ContentError::new(
                &a.source,
                line,
                format!("{what} /{url} is already used by {first}"),
            )),
            None => {
                owner.insert(url, (&a.source, what));
            }
        }
    }
    found
}

/// Fails, with the build's report, when a file of the public bundle
/// mentions an internal article's path or lies under one.
pub fn verify_public(files: &[OutputFile], forbidden: &Forbidden) -> Result<()> {
    let problems = output::verify_files(files, forbidden)?;
    output::ensure_clean(&problems)
}

/// A link index over the serving model's articles.
pub fn link_index<'a>(
    articles: &'a [Arc<Article>],
    skipped: &'a [Article],
    intros: &'a [CategoryIntro],
    default_language: &str,
    base_url: &'a str,
) -> LinkIndex<'a> {
    LinkIndex::from_refs(
        articles.iter().map(|a| &**a),
        skipped,
        intros,
        default_language,
        base_url,
    )
}

/// An article rendered and checked again.
pub struct Redone {
    /// Its position in the model.
    pub at: usize,
    /// Its Markdown, rendered again.
    pub rendered: markdown::Rendered,
    /// The errors of its links.
    pub errors: Vec<ContentError>,
}

/// Renders the Markdown of the articles whose source is in `sources`
/// again (with `texts`, as in `docket build`) and checks their links
/// against `index`; shortcode errors join the link errors.
pub fn render_and_check(
    articles: &[Arc<Article>],
    sources: &HashSet<String>,
    texts: &crate::render::text::TextRenderer<'_>,
    index: &LinkIndex<'_>,
) -> Vec<Redone> {
    articles
        .par_iter()
        .enumerate()
        .filter(|(_, a)| sources.contains(&a.source))
        .map(|(at, a)| {
            let mut rendered = texts.article(a);
            let mut errors: Vec<ContentError> = rendered
                .problems
                .drain(..)
                .map(|p| ContentError::new(&a.source, p.line, p.message))
                .collect();
            errors.extend(index.check_text(&Linker {
                source: &a.source,
                content_path: &a.content_path,
                public: !a.internal,
                links: &rendered.links,
                kind: "article",
            }));
            Redone {
                at,
                rendered,
                errors,
            }
        })
        .collect()
}

/// The link errors of the category introductions (as
/// [`Site::check_links`] uses them): an introduction shown in
/// the public bundle must not link to internal articles.
pub fn intro_errors<A: Borrow<Article>>(
    articles: &[A],
    intros: &[CategoryIntro],
    index: &LinkIndex<'_>,
) -> Vec<ContentError> {
    if intros.is_empty() {
        return Vec::new();
    }
    // Every (language, category and its ancestors) with a public article.
    let mut public: HashSet<(&str, &str)> = HashSet::new();
    for a in articles
        .iter()
        .map(Borrow::borrow)
        .filter(|a: &&Article| !a.internal)
    {
        let Some(category) = a.category.as_deref() else {
            continue;
        };
        public.insert((a.lang.as_str(), ""));
        for path in crate::urls::ancestors(category) {
            public.insert((a.lang.as_str(), path));
        }
    }
    intros
        .iter()
        .flat_map(|intro| {
            index.check_text(&Linker {
                source: &intro.source,
                content_path: &intro.content_path,
                public: public.contains(&(intro.lang.as_str(), intro.path.as_str())),
                links: &intro.rendered.links,
                kind: "category introduction",
            })
        })
        .collect()
}
