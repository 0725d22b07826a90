//! Finding the files of `content/`: Markdown articles, category
//! introductions (`_index.md`) and page-bundle assets, with the language
//! each file name carries.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::is_language_code;
use crate::content::Asset;

/// What a Markdown file under `content/` is.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// `_index.md`: a category's introduction.
    Intro,
    /// `topic/index.md`: an article whose folder holds its assets.
    Bundle,
    /// Any other `name.md`.
    Single,
}

/// A Markdown file found by the walk, before reading.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) path: PathBuf,
    /// Relative to `content/`, `/`-separated.
    pub(super) rel: String,
}

/// Every Markdown file and every other file under `dir`, sorted.
pub(super) fn walk(dir: &Path) -> (Vec<Found>, Vec<Found>) {
    let mut markdown = Vec::new();
    let mut others = Vec::new();
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker.filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let found = Found {
            path: entry.path().to_path_buf(),
            rel,
        };
        if found.rel.ends_with(".md") {
            markdown.push(found);
        } else {
            others.push(found);
        }
    }
    (markdown, others)
}

/// Assigns non-Markdown files to the nearest enclosing page bundle folder.
pub(super) fn assets_by_bundle(
    others: &[Found],
    bundle_dirs: &BTreeSet<String>,
) -> BTreeMap<String, Vec<Asset>> {
    let mut map: BTreeMap<String, Vec<Asset>> = BTreeMap::new();
    for f in others {
        let mut dir = parent(&f.rel);
        loop {
            if bundle_dirs.contains(dir) {
                let rel = f.rel[dir.len()..].trim_start_matches('/').to_owned();
                map.entry(dir.to_owned()).or_default().push(Asset {
                    source: f.path.clone(),
                    rel,
                });
                break;
            }
            if dir.is_empty() {
                break;
            }
            dir = parent(dir);
        }
    }
    map
}

/// The folder part of a `/`-separated path (`""` at the top).
pub(super) fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// Splits a Markdown file name into its stem (without `.md` and language
/// suffix candidate) and kind.
pub(super) fn split_name(rel: &str) -> (&str, Kind) {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let base = stem.split('.').next().unwrap_or(stem);
    let kind = match base {
        "_index" => Kind::Intro,
        "index" => Kind::Bundle,
        _ => Kind::Single,
    };
    (stem, kind)
}

/// The language suffix of a stem (`name.ja` → `("name", Some("ja"))`).
/// A suffix that looks like a language code but is not configured is an
/// error.
pub(super) fn language_of<'a>(
    stem: &'a str,
    languages: &[&str],
    default: &str,
) -> Result<(&'a str, String), String> {
    if let Some((name, suffix)) = stem.rsplit_once('.') {
        if languages.contains(&suffix) {
            return Ok((name, suffix.to_owned()));
        }
        if looks_like_language(suffix) {
            return Err(format!(
                "unknown language suffix \".{suffix}\": add [languages.{suffix}] to docket.toml or rename the file"
            ));
        }
    }
    Ok((stem, default.to_owned()))
}

pub(super) fn looks_like_language(suffix: &str) -> bool {
    is_language_code(suffix)
        && match suffix.split_once('-') {
            None => (2..=3).contains(&suffix.len()),
            Some((a, b)) => (2..=3).contains(&a.len()) && (2..=4).contains(&b.len()),
        }
}
