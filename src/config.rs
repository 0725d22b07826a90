//! `docket.toml`: the raw schema (one struct per table, every key defaulted,
//! unknown keys rejected) and its validation into resolved [`Settings`].
//!
//! The `[sidecar]` table's schema belongs to the sidecar crate and is
//! embedded here, so one parse checks the whole file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

pub use docket_sidecar::config::{MailConfig, SidecarConfig};

/// The name of the configuration file at a site's root.
pub const CONFIG_FILE: &str = "docket.toml";

/// The whole of `docket.toml`, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[site]`.
    pub site: SiteConfig,
    /// `[languages.<code>]`, one table per extra language.
    pub languages: BTreeMap<String, LanguageConfig>,
    /// `[build]`.
    pub build: BuildConfig,
    /// `[sidecar]` (schema owned by the sidecar crate).
    pub sidecar: SidecarConfig,
    /// `[params]`: free values for shortcodes (`site.params`, the `param`
    /// shortcode), as Hugo's site params.
    pub params: toml::Table,
}

/// `[site]`: what the site is called and where it lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's title in the default language.
    pub title: String,
    /// Where the public bundle is hosted, for absolute URLs (sitemap, feed).
    pub base_url: String,
    /// The language of files without a language suffix; it has no URL prefix.
    pub default_language: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            title: "Help Center".to_owned(),
            base_url: "http://localhost:8080".to_owned(),
            default_language: "en".to_owned(),
        }
    }
}

/// `[languages.<code>]`: settings of one extra language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LanguageConfig {
    /// The site's title in this language (defaults to `[site] title`).
    pub title: Option<String>,
}

/// `[build]`: how the generator renders.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BuildConfig {
    /// Theme folder name under `themes/`.
    pub theme: String,
    /// Output folder of the public bundle.
    pub public_dir: PathBuf,
    /// Output folder of the internal bundle.
    pub internal_dir: PathBuf,
    /// The tag that makes an article internal.
    pub internal_tag: String,
    /// Articles per page of a category or tag listing; longer listings go
    /// on to `page/2/`, `page/3/`, … (see [`crate::model::listing`]).
    pub listing_page_size: usize,
}

/// The largest `[build] listing_page_size` accepted: a page of more
/// articles than this is the unpaginated listing pagination exists to
/// avoid, and a larger number is most likely a typo.
pub const MAX_LISTING_PAGE_SIZE: usize = 1000;

impl Default for BuildConfig {
    fn default() -> Self {
        Self {
            theme: "default".to_owned(),
            public_dir: PathBuf::from("public"),
            internal_dir: PathBuf::from("internal"),
            internal_tag: "internal".to_owned(),
            listing_page_size: 30,
        }
    }
}

/// A validated configuration with every path resolved against the site root.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The site's root folder.
    pub root: PathBuf,
    /// The configuration as written.
    pub config: Config,
    /// `content/` under the root.
    pub content_dir: PathBuf,
    /// The theme's folder.
    pub theme_dir: PathBuf,
    /// Resolved public bundle folder.
    pub public_dir: PathBuf,
    /// Resolved internal bundle folder.
    pub internal_dir: PathBuf,
    /// The base URL without a trailing slash.
    pub base_url: String,
}

impl Settings {
    /// Reads and validates `docket.toml` in `root`. A missing file means all
    /// defaults. `out` relocates both bundles (`--out`).
    pub fn load(root: &Path, out: Option<&Path>) -> Result<Self> {
        let path = root.join(CONFIG_FILE);
        let config = match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text).with_context(|| format!("{}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        validate(&config).with_context(|| format!("{}", path.display()))?;
        let out_root = out.unwrap_or(root);
        Ok(Self {
            root: root.to_path_buf(),
            content_dir: root.join("content"),
            theme_dir: root.join("themes").join(&config.build.theme),
            public_dir: out_root.join(&config.build.public_dir),
            internal_dir: out_root.join(&config.build.internal_dir),
            base_url: config.site.base_url.trim_end_matches('/').to_owned(),
            config,
        })
    }

    /// Every language code of the site, the default one first.
    pub fn languages(&self) -> Vec<&str> {
        let default = self.config.site.default_language.as_str();
        std::iter::once(default)
            .chain(
                self.config
                    .languages
                    .keys()
                    .map(String::as_str)
                    .filter(|l| *l != default),
            )
            .collect()
    }

    /// The sidecar's options for this site: its `[sidecar]` table with the
    /// paths resolved against the site and the bundles, theme, title and
    /// base URL it serves. `docket sidecar`, `docket ticket` and `docket
    /// serve` all start from these.
    pub fn sidecar_options(&self) -> docket_sidecar::Options {
        let language = &self.config.site.default_language;
        docket_sidecar::Options {
            database: self.root.join(&self.config.sidecar.database),
            config: self.config.sidecar.clone(),
            site_root: self.root.clone(),
            internal_dir: self.internal_dir.clone(),
            public_dir: self.public_dir.clone(),
            templates_dir: self.theme_dir.join("templates"),
            site_title: self.title_in(language).to_owned(),
            default_language: language.clone(),
            languages: self.languages().into_iter().map(str::to_owned).collect(),
            base_url: self.base_url.clone(),
        }
    }

    /// The site title in `lang`.
    pub fn title_in(&self, lang: &str) -> &str {
        self.config
            .languages
            .get(lang)
            .and_then(|l| l.title.as_deref())
            .unwrap_or(&self.config.site.title)
    }
}

/// Parses the text of `docket.toml`; unknown keys are errors naming the key.
pub fn parse(text: &str) -> Result<Config> {
    toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
}

fn validate(config: &Config) -> Result<()> {
    let base = &config.site.base_url;
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        bail!("[site] base_url must start with http:// or https:// (found {base:?})");
    }
    for code in config
        .languages
        .keys()
        .chain([&config.site.default_language])
    {
        if !is_language_code(code) {
            bail!(
                "language code {code:?} must be letters and hyphens, such as \"ja\" or \"pt-br\""
            );
        }
    }
    if config.build.internal_tag.trim().is_empty() {
        bail!("[build] internal_tag must not be empty");
    }
    let size = config.build.listing_page_size;
    if !(1..=MAX_LISTING_PAGE_SIZE).contains(&size) {
        bail!(
            "[build] listing_page_size must be between 1 and {MAX_LISTING_PAGE_SIZE} articles per page (found {size})"
        );
    }
    if config.build.public_dir == config.build.internal_dir {
        bail!("[build] public_dir and internal_dir must differ");
    }
    Ok(())
}

/// Whether `code` looks like a language code (`en`, `ja`, `pt-br`).
pub fn is_language_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 12
        && code
            .split('-')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_only_a_title_gets_every_default() {
        let config = parse("[site]\ntitle = \"X\"\n").unwrap();
        assert_eq!(config.site.title, "X");
        assert_eq!(config.build.internal_tag, "internal");
        assert_eq!(config.sidecar.listen, "127.0.0.1:8080");
        assert!(config.sidecar.allow_new_tickets);
    }

    #[test]
    fn an_unknown_key_is_named_in_the_error() {
        let err = parse("[site]\ntitel = \"X\"\n").unwrap_err().to_string();
        assert!(err.contains("titel"), "{err}");
    }

    #[test]
    fn a_typo_in_the_sidecar_table_is_an_error_too() {
        let err = parse("[sidecar]\nallow_new_ticket = true\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("allow_new_ticket"), "{err}");
        let err = parse("[sidecar.mail]\nfrom_address = \"a@b\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("from_address"), "{err}");
    }

    #[test]
    fn listing_page_size_defaults_to_30_and_is_bounded() {
        assert_eq!(parse("").unwrap().build.listing_page_size, 30);
        for bad in ["0", "1001"] {
            let config = parse(&format!("[build]\nlisting_page_size = {bad}\n")).unwrap();
            let err = validate(&config).unwrap_err().to_string();
            assert!(err.contains("listing_page_size"), "{err}");
            assert!(err.contains(&format!("found {bad}")), "{err}");
        }
        let err = parse("[build]\nlisting_page_size = -5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("listing_page_size"), "{err}");
        let config = parse("[build]\nlisting_page_size = 1\n").unwrap();
        assert!(validate(&config).is_ok());
    }

    #[test]
    fn language_codes_are_checked() {
        assert!(is_language_code("ja"));
        assert!(is_language_code("pt-br"));
        assert!(!is_language_code("j a"));
        assert!(!is_language_code(""));
    }
}
