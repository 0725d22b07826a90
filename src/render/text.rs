//! The Markdown of a site's texts (articles and category introductions)
//! rendered with everything the site knows: links resolve through a
//! [`LinkIndex`], shortcodes expand through the theme's templates with the
//! page's and the site's data. `docket build` renders every text once;
//! `docket serve` renders the ones an edit can affect.

use crate::config::Settings;
use crate::content::markdown::{self, Rendered};
use crate::content::{Article, CategoryIntro};
use crate::model::links::LinkIndex;
use crate::render::Theme;

/// Renders the Markdown of a site's texts: links resolve through a
/// [`LinkIndex`], shortcodes through the theme's templates, with the
/// page's and the site's data (built only for texts with shortcodes).
pub struct TextRenderer<'a> {
    index: &'a LinkIndex<'a>,
    theme: &'a Theme,
    site: serde_json::Value,
    default_language: &'a str,
}

impl<'a> TextRenderer<'a> {
    /// A renderer for the site of `settings`.
    pub fn new(settings: &'a Settings, index: &'a LinkIndex<'a>, theme: &'a Theme) -> Self {
        let config = &settings.config;
        let site = serde_json::json!({
            "title": config.site.title,
            "base_url": settings.base_url,
            "params": serde_json::to_value(&config.params).unwrap_or_default(),
        });
        Self {
            index,
            theme,
            site,
            default_language: &config.site.default_language,
        }
    }

    /// An article's body.
    pub fn article(&self, a: &Article) -> Rendered {
        let page = || {
            serde_json::json!({
                "title": a.title,
                "description": a.front.description,
                "lang": a.lang,
                "url": a.url,
                "internal": a.internal,
                "file": a.source,
                "params": page_params(&a.front.extra),
            })
        };
        self.text(&a.body, &a.content_path, a.body_line, &a.lang, &page)
    }

    /// A category introduction's body.
    pub fn intro(&self, i: &CategoryIntro) -> Rendered {
        let page = || {
            serde_json::json!({
                "title": i.title,
                "description": i.description,
                "lang": i.lang,
                "file": i.source,
                "params": {},
            })
        };
        self.text(&i.body, &i.content_path, i.body_line, &i.lang, &page)
    }

    fn text(
        &self,
        text: &str,
        from: &str,
        first_line: usize,
        lang: &str,
        page: &(dyn Fn() -> serde_json::Value + Sync),
    ) -> Rendered {
        let resolve = |dest: &str| self.index.resolve(dest, from);
        let env = crate::content::markdown::shortcodes::expand::Env {
            templates: self.theme,
            page,
            site: &self.site,
        };
        let lang = if lang.is_empty() {
            self.default_language
        } else {
            lang
        };
        markdown::render(
            text,
            &markdown::Context {
                resolve: &resolve,
                first_line,
                lang,
                shortcodes: Some(&env),
            },
        )
    }
}

/// A page's parameters as Hugo's `.Params` sees them: the front matter's
/// other keys, with the entries of a `params:` map among them.
fn page_params(extra: &std::collections::BTreeMap<String, serde_yaml::Value>) -> serde_json::Value {
    let mut params = match serde_json::to_value(extra) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Some(serde_json::Value::Object(nested)) = params.remove("params") {
        for (k, v) in nested {
            params.entry(k).or_insert(v);
        }
    }
    serde_json::Value::Object(params)
}
