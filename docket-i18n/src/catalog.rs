//! Loading and looking up catalogs.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

/// The default theme's catalogs, compiled in, so a site without a theme
/// folder (and the sidecar) speaks every built-in language.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("en", include_str!("../../themes/default/i18n/en.toml")),
    ("ja", include_str!("../../themes/default/i18n/ja.toml")),
];

/// One string, or its plural forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The same text whatever the count.
    Text(String),
    /// Chosen by `count`: `one` for 1 (when the language has it), else
    /// `other`.
    Plural {
        /// The form for exactly one.
        one: Option<String>,
        /// Every other count.
        other: String,
    },
}

impl Entry {
    fn pick(&self, count: Option<i64>) -> &str {
        match self {
            Entry::Text(text) => text,
            Entry::Plural { one, other } => match (count, one) {
                (Some(1), Some(one)) => one,
                _ => other,
            },
        }
    }
}

/// Every language's strings, by dotted key (`portal.login.title`).
#[derive(Debug, Clone, Default)]
pub struct Catalogs {
    default_language: String,
    languages: HashMap<String, HashMap<String, Entry>>,
}

impl Catalogs {
    /// The built-in catalogs, then those of `dirs` in order (a theme's
    /// `i18n/`, then the site's): each `LANG.toml` there adds a language or
    /// overrides single strings of it. `default_language` is the fallback
    /// for missing keys (English after it).
    pub fn load(dirs: &[&Path], default_language: &str) -> Result<Self> {
        let mut catalogs = Self {
            default_language: default_language.to_owned(),
            languages: HashMap::new(),
        };
        for (lang, text) in BUILT_IN {
            catalogs.merge(lang, text, &format!("the built-in {lang}.toml"))?;
        }
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            for path in files {
                let lang = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !is_language_tag(&lang) {
                    bail!(
                        "{}: a catalog's file name is its language code, such as ja.toml or pt-BR.toml",
                        path.display()
                    );
                }
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                catalogs.merge(&lang, &text, &path.display().to_string())?;
            }
        }
        Ok(catalogs)
    }

    /// Only the built-in catalogs, English as the default.
    pub fn built_in() -> Result<Self> {
        Self::load(&[], "en")
    }

    fn merge(&mut self, lang: &str, text: &str, origin: &str) -> Result<()> {
        let table: toml::Table = toml::from_str(text).map_err(|e| anyhow!("{origin}: {e}"))?;
        let strings = self.languages.entry(lang.to_owned()).or_default();
        flatten("", &table, strings, origin)
    }

    /// The language missing strings come from first.
    pub fn default_language(&self) -> &str {
        &self.default_language
    }

    /// The languages that have a catalog.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }

    /// Whether `lang` has a catalog of its own.
    pub fn has_language(&self, lang: &str) -> bool {
        self.languages.contains_key(lang)
    }

    /// The keys of `lang`'s own catalog, sorted.
    pub fn keys(&self, lang: &str) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .languages
            .get(lang)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    /// The entry for `key` in `lang`, else in the default language, else
    /// in English.
    pub fn entry(&self, lang: &str, key: &str) -> Option<&Entry> {
        [lang, self.default_language.as_str(), "en"]
            .iter()
            .find_map(|l| self.languages.get(*l).and_then(|m| m.get(key)))
    }

    /// The text for `key` with `{name}` placeholders filled from `args`
    /// (a `count` argument also picks the plural form). An unknown key
    /// gives the key itself, so a gap shows on the page instead of
    /// failing the build; the catalog test keeps the built-in theme free
    /// of gaps.
    pub fn text(&self, lang: &str, key: &str, args: &BTreeMap<String, String>) -> String {
        let Some(entry) = self.entry(lang, key) else {
            return key.to_owned();
        };
        let count = args.get("count").and_then(|c| c.parse().ok());
        fill(entry.pick(count), args)
    }

    /// [`Catalogs::text`] without placeholders.
    pub fn plain(&self, lang: &str, key: &str) -> String {
        self.text(lang, key, &BTreeMap::new())
    }
}

/// Replaces each `{name}` that `args` has a value for.
fn fill(text: &str, args: &BTreeMap<String, String>) -> String {
    if args.is_empty() || !text.contains('{') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.contains_key(name) => {
                out.push_str(&args[name]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Nested tables become dotted keys; a table of only `one`/`other` is a
/// plural entry.
fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, Entry>,
    origin: &str,
) -> Result<()> {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(key, Entry::Text(text.clone()));
            }
            toml::Value::Table(inner) if is_plural(inner) => {
                let form = |f: &str| inner.get(f).and_then(|v| v.as_str()).map(str::to_owned);
                let Some(other) = form("other") else {
                    bail!("{origin}: {key} has plural forms but no `other`");
                };
                out.insert(
                    key,
                    Entry::Plural {
                        one: form("one"),
                        other,
                    },
                );
            }
            toml::Value::Table(inner) => flatten(&key, inner, out, origin)?,
            other => bail!(
                "{origin}: {key} is a {}; every string must be text in quotes",
                other.type_str()
            ),
        }
    }
    Ok(())
}

/// `ja`, `en`, `pt-BR`, `zh-Hant`: a primary language of two or three
/// lowercase letters, then subtags of letters and digits.
fn is_language_tag(name: &str) -> bool {
    let mut parts = name.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn is_plural(table: &toml::Table) -> bool {
    !table.is_empty()
        && table.contains_key("other")
        && table
            .iter()
            .all(|(k, v)| matches!(k.as_str(), "one" | "other") && v.is_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        let filled = fill(
            "Page {page} of {pages}, {n} left",
            &args(&[("page", "2"), ("pages", "5")]),
        );
        assert_eq!(filled, "Page 2 of 5, {n} left");
        assert_eq!(fill("{unclosed", &args(&[("unclosed", "x")])), "{unclosed");
    }

    #[test]
    fn site_files_override_single_strings_and_fall_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("ja.toml"), "[site]\nskip = \"スキップ\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("de.toml"),
            "[site]\nskip = \"Zum Inhalt\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = Catalogs::load(&[dir.path()], "en").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.plain("ja", "site.skip"), "スキップ");
        assert_eq!(c.plain("de", "site.skip"), "Zum Inhalt");
        // German has no other strings: English fills in.
        assert_eq!(c.plain("de", "site.search"), c.plain("en", "site.search"));
        assert_eq!(c.plain("ja", "no.such.key"), "no.such.key");
    }

    #[test]
    fn catalog_file_names_are_language_codes() {
        assert!(is_language_tag("ja") && is_language_tag("pt-BR") && is_language_tag("zh-Hant"));
        assert!(!is_language_tag("Cargo") && !is_language_tag("japanese") && !is_language_tag(""));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("Japanese.toml"), "").unwrap_or_else(|e| panic!("{e}"));
        let err = Catalogs::load(&[dir.path()], "en")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("Japanese.toml") && err.contains("language code"),
            "{err}"
        );
    }

    #[test]
    fn plural_forms_follow_the_count() {
        let mut c = Catalogs::default();
        c.merge(
            "en",
            "[x]\nfound = { one = \"1 article\", other = \"{count} articles\" }\n",
            "t",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.text("en", "x.found", &args(&[("count", "1")])),
            "1 article"
        );
        assert_eq!(
            c.text("en", "x.found", &args(&[("count", "3")])),
            "3 articles"
        );
        assert_eq!(
            c.text("en", "x.found", &BTreeMap::new()),
            "{count} articles"
        );
    }

    #[test]
    fn a_bad_catalog_names_its_file_and_key() {
        let mut c = Catalogs::default();
        let err = c
            .merge("en", "[x]\nn = 3\n", "site/i18n/en.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("site/i18n/en.toml") && err.contains("x.n"),
            "{err}"
        );
    }
}
