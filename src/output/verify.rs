//! The public bundle's leak check: no file may mention (or lie under) the
//! URL path of an internal article, alias or asset.

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use std::collections::HashSet;

use super::{Body, OutputFile};
use crate::content::Article;

/// What must never appear in the public bundle: URL paths (with leading
/// and trailing slash, as `/kb/agents/escalation/`) of internal articles,
/// their aliases and assets, each with the file it comes from.
#[derive(Debug, Default)]
pub struct Forbidden {
    paths: std::collections::HashMap<Vec<u8>, String>,
    /// The length of the shortest forbidden path (a quick filter).
    shortest: usize,
}

impl Forbidden {
    /// The URL paths of the internal ones among `articles`: their pages,
    /// aliases and assets (what `docket build` and `docket serve` verify
    /// the public bundle against).
    pub fn of_internal<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Self {
        let mut forbidden = Forbidden::default();
        for a in articles.into_iter().filter(|a| a.internal) {
            forbidden.add(&a.url, &a.source);
            for alias in &a.front.aliases {
                forbidden.add(&crate::urls::alias_path(alias), &a.source);
            }
            for asset in &a.assets {
                forbidden.add(&format!("{}{}", a.url, asset.rel), &a.source);
            }
        }
        forbidden
    }

    /// Forbids `path` (a bundle path such as `kb/x/` or `kb/x/img.png`),
    /// naming `source` in reports. The percent-encoded form is forbidden
    /// too.
    pub fn add(&mut self, path: &str, source: &str) {
        let trimmed = path.trim_end_matches('/');
        let slash = format!("/{trimmed}");
        for form in [slash.clone(), format!("{slash}/")] {
            let encoded = percent_encode(&form);
            let shortest = form.len().min(encoded.len());
            if self.paths.is_empty() || shortest < self.shortest {
                self.shortest = shortest;
            }
            self.paths.insert(encoded.into_bytes(), source.to_owned());
            self.paths.insert(form.into_bytes(), source.to_owned());
        }
    }

    /// Whether nothing is forbidden.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The source whose path is a prefix (at a `/`) of `path`, or `path`.
    fn hit<'p>(&self, path: &'p [u8]) -> Option<(&'p [u8], &str)> {
        if path.len() < self.shortest {
            return None;
        }
        memchr::memchr_iter(b'/', path)
            .skip(1)
            .map(|i| &path[..=i])
            .chain(std::iter::once(path))
            .filter(|c| c.len() >= self.shortest)
            .find_map(|c| self.paths.get(c).map(|s| (c, s.as_str())))
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Scans files of the public bundle for forbidden paths — in links,
/// absolute URLs, text — and for files placed under them, before they are
/// written (`docket check`). Returns one line per problem.
pub fn verify_files(files: &[OutputFile], forbidden: &Forbidden) -> Result<Vec<String>> {
    if forbidden.is_empty() {
        return Ok(Vec::new());
    }
    let problems: Vec<Vec<String>> = files
        .par_iter()
        .map(|f| scan_file(f, forbidden))
        .collect::<Result<_>>()?;
    Ok(sorted(problems))
}

/// [`scan`] of one bundle file, reading a copied file's source.
pub(super) fn scan_file(file: &OutputFile, forbidden: &Forbidden) -> Result<Vec<String>> {
    match &file.body {
        Body::Bytes(bytes) => Ok(scan(&file.path, bytes, forbidden)),
        Body::Copy(from) => {
            let bytes =
                std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
            Ok(scan(&file.path, &bytes, forbidden))
        }
    }
}

fn sorted(problems: Vec<Vec<String>>) -> Vec<String> {
    let mut problems: Vec<String> = problems.into_iter().flatten().collect();
    problems.sort();
    problems
}

/// Problems of one file: its own path under an internal article's, or a
/// mention of one in its bytes.
fn scan(rel: &str, bytes: &[u8], forbidden: &Forbidden) -> Vec<String> {
    let mut found = Vec::new();
    if let Some((_, source)) = forbidden.hit(format!("/{rel}").as_bytes()) {
        found.push(format!("{rel}: file belongs to internal {source}"));
    }
    let mut seen = HashSet::new();
    for p in url_paths(bytes) {
        if let Some((hit, source)) = forbidden.hit(p) {
            if seen.insert(hit) {
                found.push(format!(
                    "{rel}: mentions {} of internal {source}",
                    String::from_utf8_lossy(hit)
                ));
            }
        }
    }
    found
}

/// The path parts of every URL-like run of bytes: `/a/b/` from
/// `href="/a/b/#x"`, from `https://host/a/b/` and from `/internal/a/b/`.
fn url_paths(bytes: &[u8]) -> Vec<&[u8]> {
    let is_sep = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\''
                    | b'<'
                    | b'>'
                    | b'('
                    | b')'
                    | b'`'
                    | b','
                    | b'\\'
                    | b'{'
                    | b'}'
                    | b'['
                    | b']'
                    | b'|'
                    | b'^'
                    | b'='
                    | b';'
                    | b'#'
                    | b'?'
                    | b'*'
            )
    };
    let mut out = Vec::new();
    // A run of non-separator bytes is looked at from its first slash; the
    // slashes after that, up to the run's end, belong to the same path.
    let mut done = 0;
    for slash in memchr::memchr_iter(b'/', bytes) {
        if slash < done {
            continue;
        }
        let end = bytes[slash..]
            .iter()
            .position(|b| is_sep(*b))
            .map_or(bytes.len(), |n| slash + n);
        done = end;
        let mut path = &bytes[slash..end];
        if path.starts_with(b"//") {
            // scheme://host/path or //host/path: skip the host.
            match path[2..].iter().position(|b| *b == b'/') {
                Some(i) => path = &path[2 + i..],
                None => continue,
            }
        }
        out.push(path);
        if let Some(rest) = path.strip_prefix(b"/internal") {
            if rest.starts_with(b"/") {
                out.push(rest);
            }
        }
    }
    out
}

/// Fails when `problems` is not empty.
pub fn ensure_clean(problems: &[String]) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "internal content reached the public bundle; nothing was written:\n  {}",
        problems.join("\n  ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden() -> Forbidden {
        let mut f = Forbidden::default();
        f.add("kb/agents/escalation/", "content/kb/agents/escalation.md");
        f
    }

    fn hits(text: &str) -> Vec<String> {
        let f = forbidden();
        url_paths(text.as_bytes())
            .into_iter()
            .filter_map(|p| {
                f.hit(p)
                    .map(|(h, _)| String::from_utf8_lossy(h).into_owned())
            })
            .collect()
    }

    #[test]
    fn internal_paths_are_found_in_links_urls_and_assets() {
        assert_eq!(hits("<a href=\"/kb/agents/escalation/\">x</a>").len(), 1);
        assert_eq!(
            hits("<loc>https://h.example/kb/agents/escalation/</loc>").len(),
            1
        );
        assert_eq!(hits("src=/kb/agents/escalation/chart.png").len(), 1);
        assert_eq!(hits("href=\"/internal/kb/agents/escalation/#a\"").len(), 1);
        assert_eq!(hits("see /kb/agents/escalation for details").len(), 1);
    }

    #[test]
    fn similar_public_paths_are_not_hits() {
        assert!(hits("<a href=\"/kb/agents/escalation-policy/\">").is_empty());
        assert!(hits("<a href=\"/ja/kb/agents/escalation/\">").is_empty());
        assert!(hits("<a href=\"/categories/kb/agents/escalation/\">").is_empty());
    }
}
