//! Loading `content/`: walk the folder, classify each file (article, page
//! bundle, `_index.md`, bundle asset), read and parse every article once,
//! in parallel. Problems are collected, never fatal one by one.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::front_matter::{self, FrontMatter, Split};
use super::{Article, Asset, CategoryIntro};
use crate::config::Settings;
use crate::content::markdown::Rendered;
use crate::error::ContentError;
use crate::urls::{clean_path, url_segment};

mod walk;

use walk::{assets_by_bundle, language_of, parent, split_name, walk, Found, Kind};

/// Everything read from `content/`.
#[derive(Debug, Default)]
pub struct Content {
    /// Every article, drafts included, in path order.
    pub articles: Vec<Article>,
    /// Every `_index.md`.
    pub intros: Vec<CategoryIntro>,
    /// Problems found while loading.
    pub errors: Vec<ContentError>,
}

/// Walks `content/` and reads every Markdown file (in parallel).
pub fn load(settings: &Settings) -> Content {
    let (markdown, others) = walk(&settings.content_dir);
    let bundle_dirs: BTreeSet<String> = markdown
        .iter()
        .filter(|f| split_name(&f.rel).1 == Kind::Bundle)
        .map(|f| parent(&f.rel).to_owned())
        .collect();
    let assets = assets_by_bundle(&others, &bundle_dirs);
    let languages = settings.languages();
    let results: Vec<Loaded> = markdown
        .par_iter()
        .map(|f| read_one(settings, &languages, f, &assets))
        .collect();
    let mut content = Content::default();
    for r in results {
        match r {
            Loaded::Article(a) => content.articles.push(*a),
            Loaded::Intro(i) => content.intros.push(*i),
            Loaded::Error(e) => content.errors.push(e),
        }
    }
    share_translation_keys(&mut content.articles);
    content
}

/// `name.ja.md` without a `translationKey` joins the key `name.md` gives
/// (and the other way round).
fn share_translation_keys(articles: &mut [super::Article]) {
    let explicit: BTreeMap<String, String> = articles
        .iter()
        .filter_map(|a| {
            let key = a.front.translation_key.as_ref()?;
            Some((a.path_key.clone(), key.clone()))
        })
        .collect();
    for a in articles.iter_mut() {
        if a.front.translation_key.is_none() {
            if let Some(key) = explicit.get(&a.path_key) {
                a.translation_key = key.clone();
            }
        }
    }
}

/// One Markdown file, read.
#[derive(Debug)]
pub enum Loaded {
    /// An article (or page bundle).
    Article(Box<Article>),
    /// An `_index.md`.
    Intro(Box<CategoryIntro>),
    /// What is wrong with the file.
    Error(ContentError),
}

/// Reads one Markdown file under `content/` on its own — what an
/// incremental rebuild needs when one file changed. `rel` is the path
/// relative to `content/`, `/`-separated.
pub fn load_one(settings: &Settings, rel: &str) -> Loaded {
    let found = Found {
        path: settings.content_dir.join(rel),
        rel: rel.to_owned(),
    };
    let mut assets = BTreeMap::new();
    if split_name(rel).1 == Kind::Bundle {
        let dir = parent(rel);
        let (_, others) = walk(&settings.content_dir.join(dir));
        let list = others
            .into_iter()
            .map(|f| Asset {
                source: f.path,
                rel: f.rel,
            })
            .collect();
        assets.insert(dir.to_owned(), list);
    }
    read_one(settings, &settings.languages(), &found, &assets)
}

fn read_one(
    settings: &Settings,
    languages: &[&str],
    found: &Found,
    assets: &BTreeMap<String, Vec<Asset>>,
) -> Loaded {
    let source = format!("content/{}", found.rel);
    let err = |line: usize, msg: String| Loaded::Error(ContentError::new(&source, line, msg));
    let raw = match std::fs::read(&found.path) {
        Ok(bytes) => bytes,
        Err(e) => return err(1, format!("cannot read: {e}")),
    };
    let Ok(text) = String::from_utf8(raw) else {
        return err(1, "not valid UTF-8".to_owned());
    };
    let text = front_matter::normalize(&text);
    let (stem, kind) = split_name(&found.rel);
    let default = settings.config.site.default_language.as_str();
    let (name, lang) = match language_of(stem, languages, default) {
        Ok(v) => v,
        Err(msg) => return err(1, msg),
    };
    let Some(split) = front_matter::split(&text) else {
        return err(
            1,
            "missing front matter: start the file with a `---` line, then `title: …`, then `---`"
                .to_owned(),
        );
    };
    let front = match front_matter::parse(&split) {
        Ok(f) => f,
        Err(e) => return err(e.line, e.message),
    };
    let dir = parent(&found.rel);
    match kind {
        Kind::Intro => Loaded::Intro(Box::new(CategoryIntro {
            source,
            content_path: found.rel.clone(),
            path: clean_path(dir),
            lang,
            title: front.title,
            description: front.description,
            body: split.body.to_owned(),
            body_line: split.body_line,
            rendered: Rendered::default(),
        })),
        Kind::Bundle | Kind::Single => {
            let (folder, name) = match kind {
                Kind::Bundle => (parent(dir), dir.rsplit('/').next().unwrap_or(dir)),
                _ => (dir, name),
            };
            let draft = ArticleParts {
                settings,
                source,
                content_path: found.rel.clone(),
                folder,
                name,
                lang,
                split: &split,
                assets: if kind == Kind::Bundle {
                    assets.get(dir).cloned().unwrap_or_default()
                } else {
                    Vec::new()
                },
            };
            match draft.into_article(front) {
                Ok(a) => Loaded::Article(Box::new(a)),
                Err(e) => Loaded::Error(e),
            }
        }
    }
}

/// What is known about an article file before its front matter is checked.
struct ArticleParts<'a> {
    settings: &'a Settings,
    source: String,
    content_path: String,
    /// The content folder the article's URL is computed under.
    folder: &'a str,
    /// The file (or bundle folder) name.
    name: &'a str,
    lang: String,
    split: &'a Split<'a>,
    assets: Vec<Asset>,
}

impl ArticleParts<'_> {
    fn into_article(self, front: FrontMatter) -> Result<Article, ContentError> {
        let error = |line, msg: &str| ContentError::new(&self.source, line, msg);
        let title = match front.title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t.to_owned(),
            _ => {
                return Err(error(
                    1,
                    "missing title: add `title: …` to the front matter",
                ))
            }
        };
        let date = self.date(&front.date, "date")?;
        let lastmod = self.date(&front.lastmod, "lastmod")?.or(date);
        let internal_tag = &self.settings.config.build.internal_tag;
        let category = front
            .category
            .as_deref()
            .or(front.categories.first().map(String::as_str))
            .map(clean_path)
            .or_else(|| Some(clean_path(self.folder)))
            .filter(|c| !c.is_empty());
        let page_folder = category.as_deref().and_then(|path| {
            let (parent, number) = crate::urls::page_folder_of(path)?;
            Some(format!(
                "category `{path}` would share its folder with page {number} of the `{parent}` listing: rename its `page` part (folder or `category:`)"
            ))
        });
        if let Some(clash) = page_folder {
            let line = if front.category.is_some() {
                front_matter::key_line(self.split, "category")
            } else if !front.categories.is_empty() {
                front_matter::key_line(self.split, "categories")
            } else {
                1
            };
            return Err(error(line, &clash));
        }
        let url = self.url(&front);
        if url.is_empty() {
            return Err(error(
                front_matter::key_line(self.split, "url"),
                "the article's URL would be the home page",
            ));
        }
        let path_key = if self.folder.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}/{}", self.folder, self.name)
        };
        let translation_key = front
            .translation_key
            .clone()
            .unwrap_or_else(|| path_key.clone());
        Ok(Article {
            source: self.source.clone(),
            content_path: self.content_path,
            lang: self.lang,
            title,
            internal: front.tags.iter().any(|t| t == internal_tag),
            draft: front.draft,
            date,
            lastmod,
            category,
            url,
            translation_key,
            path_key,
            body: self.split.body.to_owned(),
            body_line: self.split.body_line,
            url_line: if front.url.is_some() {
                front_matter::key_line(self.split, "url")
            } else if front.slug.is_some() {
                front_matter::key_line(self.split, "slug")
            } else {
                1
            },
            aliases_line: if front.aliases.is_empty() {
                1
            } else {
                front_matter::key_line(self.split, "aliases")
            },
            assets: self.assets,
            warnings: front_matter::warnings(self.split, &front)
                .into_iter()
                .map(|(line, msg)| ContentError::new(&self.source, line, msg))
                .collect(),
            rendered: Rendered::default(),
            front,
        })
    }

    fn date(
        &self,
        value: &Option<serde_yaml::Value>,
        key: &str,
    ) -> Result<Option<time::OffsetDateTime>, ContentError> {
        match value {
            None | Some(serde_yaml::Value::Null) => Ok(None),
            Some(v) => front_matter::parse_date(v).map(Some).map_err(|msg| {
                ContentError::new(&self.source, front_matter::key_line(self.split, key), msg)
            }),
        }
    }

    /// `url:` as written, else `[lang/]folder/(slug|name)/`.
    fn url(&self, front: &FrontMatter) -> String {
        if let Some(url) = &front.url {
            let path = clean_path(url);
            return if path.is_empty() {
                path
            } else {
                format!("{path}/")
            };
        }
        let name = front
            .slug
            .as_deref()
            .map(url_segment)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| url_segment(self.name));
        let mut url = String::new();
        if self.lang != self.settings.config.site.default_language {
            url.push_str(&self.lang);
            url.push('/');
        }
        let folder = clean_path(self.folder);
        if !folder.is_empty() {
            url.push_str(&folder);
            url.push('/');
        }
        url.push_str(&name);
        url.push('/');
        url
    }
}

#[cfg(test)]
mod tests;
