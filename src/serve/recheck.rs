//! What an edit means for the build's checks: which texts must be rendered
//! and link-checked again, and whether the unique-URL rule must run again.

use std::collections::HashSet;
use std::sync::Arc;

use super::checks::Touched;
use super::memo::{Before, Cache};
use crate::build::checks;
use crate::error::ContentError;
use crate::urls;

/// The sources of the articles whose links can name a changed article
/// (before or after the change), and the changed ones themselves.
pub(super) fn linking_to_change(
    cache: &mut Cache,
    before: &[Before],
    sources: &HashSet<String>,
) -> HashSet<String> {
    let mut touched = Touched::default();
    for b in before {
        touched.add(&b.content_path, &b.url);
    }
    for source in sources {
        touched.add(source.strip_prefix("content/").unwrap_or(source), "");
    }
    for a in cache
        .articles
        .iter()
        .filter(|a| sources.contains(&a.source))
    {
        touched.add(&a.content_path, &a.url);
    }
    for source in sources {
        if !cache.articles.iter().any(|a| &a.source == source) {
            cache.inbound.forget(source);
        }
    }
    let mut again = cache.inbound.linking(&touched);
    again.extend(sources.iter().cloned());
    again
}

/// The unique-URL rule again, when it can find something new: a changed
/// article's URL or aliases changed, or it came or went. An alias a later
/// article loses is removed from it, as in the full build.
pub(super) fn recheck_urls(
    cache: &mut Cache,
    before: &[Before],
    sources: &HashSet<String>,
) -> Vec<ContentError> {
    let same_urls = cache.urls_clean
        && before.len() == sources.len()
        && before.iter().all(|b| {
            cache
                .articles
                .iter()
                .find(|a| a.source == b.source)
                .is_some_and(|a| a.url == b.url && a.front.aliases == b.aliases)
        });
    if same_urls {
        return Vec::new();
    }
    let claims = checks::claim_urls(&cache.articles);
    for (i, url) in claims.dropped {
        Arc::make_mut(&mut cache.articles[i])
            .front
            .aliases
            .retain(|alias| urls::alias_path(alias) != url);
    }
    claims.errors
}
