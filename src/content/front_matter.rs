//! YAML front matter: splitting it from the body by hand (UTF-8 BOM and CRLF
//! accepted), parsing it with serde, and the three date forms.
//!
//! Line numbers reported here are lines of the whole file: the YAML
//! parser's line is shifted by the front matter's offset.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::{macros::format_description, Date, OffsetDateTime, PrimitiveDateTime};

/// The fields of an article's front matter. Hugo's other fields are
/// accepted; anything unknown lands in [`FrontMatter::extra`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    /// The article's title (required).
    pub title: Option<String>,
    /// Publication date, in one of the three accepted forms.
    pub date: Option<serde_yaml::Value>,
    /// Last modification date.
    pub lastmod: Option<serde_yaml::Value>,
    /// Drafts are rendered only with `--drafts`.
    pub draft: bool,
    /// One-sentence description (meta description, listings).
    pub description: Option<String>,
    /// Keywords for `<meta name="keywords">`, search and related articles.
    pub keywords: Vec<String>,
    /// Category as a slash path, e.g. `ticket-system/customer-portal`.
    pub category: Option<String>,
    /// Hugo's category list; the first is used when `category` is missing.
    pub categories: Vec<String>,
    /// Tags; the configured internal tag makes the article internal.
    pub tags: Vec<String>,
    /// Links versions of one article that live under different names.
    #[serde(rename = "translationKey")]
    pub translation_key: Option<String>,
    /// Replaces the file name in the URL.
    pub slug: Option<String>,
    /// A whole path overriding the computed URL.
    pub url: Option<String>,
    /// Old paths that redirect to this article.
    pub aliases: Vec<String>,
    /// Sort weight in listings (lower first).
    pub weight: i64,
    /// Hugo's short title for navigation.
    #[serde(rename = "linkTitle")]
    pub link_title: Option<String>,
    /// Every other field, available to templates as `page.extra`.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// A file split into its front matter and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML text between the `---` lines.
    pub yaml: &'a str,
    /// The file line of the YAML's first line.
    pub yaml_line: usize,
    /// The Markdown body.
    pub body: &'a str,
    /// The file line of the body's first line.
    pub body_line: usize,
}

/// Removes a UTF-8 BOM and turns CRLF and lone CR line ends into LF. A
/// lone CR ends a line for YAML, for CommonMark and for most editors, so
/// it must for the line numbers in error messages too.
pub fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    }
}

/// Splits normalized text at the `---` lines. `None` when the file has no
/// front matter (its first line is not `---`) or it is never closed.
pub fn split(text: &str) -> Option<Split<'_>> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("--- \n"))?;
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            let body_start = offset + line.len();
            return Some(Split {
                yaml: &rest[..offset],
                yaml_line: 2,
                body: &rest[body_start..],
                body_line: i + 3,
            });
        }
        offset += line.len();
    }
    None
}

/// A front matter problem at a file line.
#[derive(Debug, PartialEq, Eq)]
pub struct FrontMatterError {
    /// The file line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses the YAML of a [`Split`]. Errors carry the line in the file.
pub fn parse(split: &Split<'_>) -> Result<FrontMatter, FrontMatterError> {
    if split.yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    serde_yaml::from_str::<FrontMatter>(split.yaml).map_err(|e| {
        let yaml_line = e.location().map_or(1, |l| l.line());
        let text = e.to_string();
        let message = match text.find(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        FrontMatterError {
            line: split.yaml_line + yaml_line - 1,
            message: format!("invalid front matter: {message}"),
        }
    })
}

/// The file line of a top-level `key:` in the front matter (for errors
/// about a field's value), or the front matter's first line.
pub fn key_line(split: &Split<'_>, key: &str) -> usize {
    split
        .yaml
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(split.yaml_line, |i| split.yaml_line + i)
}

/// Front matter keys of Hugo's that docket accepts without using them
/// (besides the fields of [`FrontMatter`]): they raise no warning.
pub const HUGO_KEYS: &[&str] = &[
    "params",
    "expiryDate",
    "publishDate",
    "layout",
    "type",
    "summary",
    "images",
    "menu",
    "menus",
    "outputs",
    "resources",
    "series",
    "sitemap",
    "build",
    "cascade",
    "headless",
    "isCJKLanguage",
    "markup",
    "toc",
    "author",
    "authors",
    "audio",
    "videos",
    "keywords",
    "expirydate",
    "publishdate",
];

/// What Hugo tolerates but a writer should know, as `(line, message)`:
/// keys docket does not know (a typo such as `tilte` surfaces) and an
/// empty `description`.
pub fn warnings(split: &Split<'_>, front: &FrontMatter) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for key in front.extra.keys() {
        if !HUGO_KEYS.contains(&key.as_str()) {
            out.push((
                key_line(split, key),
                format!(
                    "unknown front matter key \"{key}\" (a typo? its value is only available as page.extra)"
                ),
            ));
        }
    }
    if front
        .description
        .as_deref()
        .is_some_and(|d| d.trim().is_empty())
    {
        out.push((
            key_line(split, "description"),
            "empty description: write one sentence for listings and search results, or remove the key"
                .to_owned(),
        ));
    }
    out
}

/// Reads a date value: `2026-01-30`, `2026-01-30T10:00:00Z` (RFC 3339, any
/// offset) or `2026-01-30 10:00:00` (taken as UTC).
pub fn parse_date(value: &serde_yaml::Value) -> Result<OffsetDateTime, String> {
    let text = match value {
        serde_yaml::Value::String(s) => s.trim().to_owned(),
        other => {
            return Err(format!(
                "invalid date {}: use 2026-01-30, 2026-01-30T10:00:00Z or 2026-01-30 10:00:00",
                serde_yaml::to_string(other).unwrap_or_default().trim_end()
            ))
        }
    };
    parse_date_str(&text).ok_or_else(|| {
        format!(
            "invalid date {text:?}: use 2026-01-30, 2026-01-30T10:00:00Z or 2026-01-30 10:00:00"
        )
    })
}

fn parse_date_str(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(d) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(d);
    }
    let spaced = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(d) = PrimitiveDateTime::parse(text, spaced) {
        return Some(d.assume_utc());
    }
    let day = format_description!("[year]-[month]-[day]");
    Date::parse(text, day)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_from_the_body_with_line_numbers() {
        let text = "---\ntitle: A\n---\nBody\n";
        let s = split(text).unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn a_bom_and_crlf_line_ends_are_accepted() {
        let text = normalize("\u{feff}---\r\ntitle: A\r\n---\r\nBody\r\n");
        let s = split(&text).unwrap();
        assert_eq!(parse(&s).unwrap().title.as_deref(), Some("A"));
        assert_eq!(s.body, "Body\n");
    }

    #[test]
    fn a_file_without_front_matter_does_not_split() {
        assert!(split("# Just markdown\n").is_none());
        assert!(split("---\ntitle: never closed\n").is_none());
    }

    #[test]
    fn yaml_errors_carry_the_line_in_the_file() {
        let text = "---\ntitle: A\ntags: [a\nweight: 1\n---\n";
        let err = parse(&split(text).unwrap()).unwrap_err();
        assert!(err.line >= 3, "{err:?}");
        assert!(err.message.starts_with("invalid front matter"), "{err:?}");
        assert!(!err.message.contains("at line"), "{err:?}");
    }

    #[test]
    fn a_wrong_type_is_reported_on_its_line() {
        let text = "---\ntitle: A\n\nkeywords: 3\n---\n";
        let err = parse(&split(text).unwrap()).unwrap_err();
        assert_eq!(err.line, 4, "{err:?}");
    }

    #[test]
    fn unknown_and_hugo_fields_are_accepted() {
        let text = "---\ntitle: A\nlinkTitle: B\nparams: {x: 1}\nexpiryDate: 2030-01-01\nmood: happy\n---\n";
        let fm = parse(&split(text).unwrap()).unwrap();
        assert_eq!(fm.link_title.as_deref(), Some("B"));
        assert!(fm.extra.contains_key("mood"));
        assert!(fm.extra.contains_key("params"));
    }

    #[test]
    fn unknown_keys_and_an_empty_description_are_warnings_at_their_line() {
        let text = "---\ntitle: A\ntilte: B\nexpiryDate: 2030-01-01\ndescription: \"\"\n---\n";
        let s = split(text).unwrap();
        let w = warnings(&s, &parse(&s).unwrap());
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w[0].0, 3);
        assert!(w[0].1.contains("\"tilte\""), "{w:?}");
        assert_eq!(w[1].0, 5);
    }

    #[test]
    fn the_three_date_forms_parse() {
        let v = |s: &str| serde_yaml::Value::String(s.to_owned());
        let day = parse_date(&v("2026-01-30")).unwrap();
        assert_eq!(day.unix_timestamp(), 1_769_731_200);
        let z = parse_date(&v("2026-01-30T10:00:00Z")).unwrap();
        assert_eq!(z.unix_timestamp() - day.unix_timestamp(), 36_000);
        let spaced = parse_date(&v("2026-01-30 10:00:00")).unwrap();
        assert_eq!(spaced, z);
        assert!(parse_date(&v("2026-01-30T10:00:00+09:00")).is_ok());
    }

    #[test]
    fn a_bad_date_is_an_error_and_its_key_line_is_found() {
        let text = "---\ntitle: A\ndate: 30.01.2026\n---\n";
        let s = split(text).unwrap();
        let fm = parse(&s).unwrap();
        assert!(parse_date(fm.date.as_ref().unwrap()).is_err());
        assert_eq!(key_line(&s, "date"), 3);
        assert_eq!(key_line(&s, "dat"), 2);
    }
}
