//! The theme, compiled once: templates from the built-in default theme,
//! then `themes/<theme>/templates/`, then the site's own `templates/` (a
//! later file with the same name wins), with docket's HTML escaping.

use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use tera::Tera;

use crate::config::Settings;

/// The built-in templates, used when the theme folder lacks one.
pub(super) const BUILT_IN: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "header.html",
        include_str!("../../themes/default/templates/header.html"),
    ),
    (
        "listing.html",
        include_str!("../../themes/default/templates/listing.html"),
    ),
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "article.html",
        include_str!("../../themes/default/templates/article.html"),
    ),
    (
        "category.html",
        include_str!("../../themes/default/templates/category.html"),
    ),
    (
        "tag.html",
        include_str!("../../themes/default/templates/tag.html"),
    ),
    (
        "pagination.html",
        include_str!("../../themes/default/templates/pagination.html"),
    ),
    (
        "home.html",
        include_str!("../../themes/default/templates/home.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "alias.html",
        include_str!("../../themes/default/templates/alias.html"),
    ),
    (
        "shortcodes/figure.html",
        include_str!("../../themes/default/templates/shortcodes/figure.html"),
    ),
    (
        "shortcodes/youtube.html",
        include_str!("../../themes/default/templates/shortcodes/youtube.html"),
    ),
    (
        "shortcodes/vimeo.html",
        include_str!("../../themes/default/templates/shortcodes/vimeo.html"),
    ),
    (
        "shortcodes/highlight.html",
        include_str!("../../themes/default/templates/shortcodes/highlight.html"),
    ),
    (
        "shortcodes/details.html",
        include_str!("../../themes/default/templates/shortcodes/details.html"),
    ),
];

/// The built-in theme's static files, copied when the site has no
/// `themes/<theme>/static/` folder.
pub const BUILT_IN_STATIC: &[(&str, &str)] = &[
    (
        "css/style.css",
        include_str!("../../themes/default/static/css/style.css"),
    ),
    (
        "js/session.js",
        include_str!("../../themes/default/static/js/session.js"),
    ),
    (
        "js/search-tokenize.js",
        include_str!("../../themes/default/static/js/search-tokenize.js"),
    ),
    (
        "js/search-index.js",
        include_str!("../../themes/default/static/js/search-index.js"),
    ),
    (
        "js/search.js",
        include_str!("../../themes/default/static/js/search.js"),
    ),
    (
        "js/local-time.js",
        include_str!("../../themes/default/static/js/local-time.js"),
    ),
    (
        "js/attach.js",
        include_str!("../../themes/default/static/js/attach.js"),
    ),
    (
        "js/canned.js",
        include_str!("../../themes/default/static/js/canned.js"),
    ),
    (
        "js/video.js",
        include_str!("../../themes/default/static/js/video.js"),
    ),
    (
        "js/feedback.js",
        include_str!("../../themes/default/static/js/feedback.js"),
    ),
    (
        "js/suggest.js",
        include_str!("../../themes/default/static/js/suggest.js"),
    ),
    (
        "css/portal.css",
        include_str!("../../themes/default/static/css/portal.css"),
    ),
];

/// The compiled templates of a site.
pub struct Theme {
    tera: Tera,
}

impl Theme {
    /// Compiles the built-in templates overridden by the theme's and the
    /// site's `templates/` folders; they look their strings up in the
    /// built-in catalogs overridden by the theme's and the site's `i18n/`
    /// folders.
    pub fn load(settings: &Settings) -> Result<Self> {
        let mut sources: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        for dir in [
            settings.theme_dir.join("templates"),
            settings.root.join("templates"),
        ] {
            let shortcodes = read_templates(&dir.join("shortcodes"))?
                .into_iter()
                .map(|(name, text)| (format!("shortcodes/{name}"), text));
            for (name, text) in read_templates(&dir)?.into_iter().chain(shortcodes) {
                sources.retain(|(n, _)| *n != name);
                sources.push((name, text));
            }
        }
        let catalogs = docket_i18n::Catalogs::load(
            &[
                &settings.theme_dir.join("i18n"),
                &settings.root.join("i18n"),
            ],
            &settings.config.site.default_language,
        )
        .context("cannot load the string catalogs")?;
        let mut tera = Tera::default();
        std::sync::Arc::new(catalogs).register(&mut tera);
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_html);
        tera.add_raw_templates(sources)
            .map_err(|e| anyhow::anyhow!("{}", tera_chain(&e)))
            .context("cannot compile the theme's templates")?;
        Ok(Self { tera })
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    /// Renders template `name` with `view`.
    pub fn render(&self, name: &str, view: &impl Serialize) -> Result<String> {
        let ctx = tera::Context::from_serialize(view)
            .map_err(|e| anyhow::anyhow!("{}", tera_chain(&e)))?;
        self.tera
            .render(name, &ctx)
            .map_err(|e| anyhow::anyhow!("template {name}: {}", tera_chain(&e)))
    }
}

/// Shortcodes are the templates `shortcodes/NAME.html` of the theme.
impl crate::content::markdown::shortcodes::expand::Templates for Theme {
    fn has_shortcode(&self, name: &str) -> bool {
        self.has(&format!("shortcodes/{name}.html"))
    }

    fn render_shortcode(&self, name: &str, vars: &serde_json::Value) -> Result<String, String> {
        let ctx = tera::Context::from_value(vars.clone()).map_err(|e| tera_chain(&e))?;
        self.tera
            .render(&format!("shortcodes/{name}.html"), &ctx)
            .map_err(|e| tera_chain(&e))
    }
}

/// Top-level `*.html` files of `dir` (portal templates in sub-folders
/// belong to the sidecar).
fn read_templates(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_file() && name.ends_with(".html") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            out.push((name, text));
        }
    }
    out.sort();
    Ok(out)
}

/// Tera's error with its sources, on one line.
fn tera_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// HTML escaping that leaves `/` alone, so URLs stay readable (and
/// scannable by the public bundle's verification). Runs of bytes that need
/// no escaping are copied whole.
pub(super) fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    let mut start = 0;
    for (i, byte) in input.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&input[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&input[start..]);
    out
}
