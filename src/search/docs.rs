//! The generator's side of search: what the index needs to know about each
//! article of a bundle ([`search_docs`]), taken from that bundle's model
//! only — so the public index cannot contain an internal article — and the
//! index files as bundle files ([`index_files`], or [`index_files_of`] for
//! several bundles at once). The index itself is the `search` module's
//! business.

use crate::model::bundle::Bundle;
use crate::output::OutputFile;
use crate::render::views::summary_of;
use crate::search::{self, SearchDoc};

/// One [`SearchDoc`] per article of `bundle`, in URL order. URLs start
/// with the bundle root.
pub fn search_docs(bundle: &Bundle<'_>) -> Vec<SearchDoc> {
    bundle
        .articles
        .iter()
        .map(|a| SearchDoc {
            url: format!("{}{}", bundle.root, a.url),
            title: a.title.clone(),
            lang: a.lang.clone(),
            breadcrumb: breadcrumb_text(bundle, &a.lang, a.category.as_deref()),
            description: summary_of(a).to_owned(),
            keywords: a.front.keywords.clone(),
            headings: a.rendered.toc.iter().map(|t| t.title.clone()).collect(),
            body: a.rendered.text.clone(),
        })
        .collect()
}

/// The search index of `bundle` (`search/manifest.json`, shards, chunks).
pub fn index_files(bundle: &Bundle<'_>) -> Vec<OutputFile> {
    index_files_of(&[bundle]).pop().unwrap_or_default()
}

/// The search index of each of `bundles`, in order: the same files as
/// [`index_files`] per bundle, but the articles the bundles share are
/// tokenised once (see [`search::build_indexes`]).
pub fn index_files_of(bundles: &[&Bundle<'_>]) -> Vec<Vec<OutputFile>> {
    files_of(bundles, |docs| {
        search::build_indexes_with(docs, &search::IndexOptions::default())
    })
}

/// [`index_files_of`] for a process that indexes the same site again and
/// again (`docket serve`): only articles whose text changed since the last
/// call with `memory` are tokenised.
pub fn index_files_remembering(
    bundles: &[&Bundle<'_>],
    memory: &mut search::TermMemory,
) -> Vec<Vec<OutputFile>> {
    files_of(bundles, |docs| {
        search::build_indexes_remembering(docs, &search::IndexOptions::default(), memory)
    })
}

/// The index files `build` makes of the search documents of `bundles`, as
/// bundle files.
fn files_of(
    bundles: &[&Bundle<'_>],
    build: impl FnOnce(&[&[SearchDoc]]) -> Vec<Vec<search::IndexFile>>,
) -> Vec<Vec<OutputFile>> {
    let docs: Vec<Vec<SearchDoc>> = bundles.iter().map(|b| search_docs(b)).collect();
    let docs: Vec<&[SearchDoc]> = docs.iter().map(Vec::as_slice).collect();
    build(&docs)
        .into_iter()
        .map(|files| {
            files
                .into_iter()
                .map(|f| OutputFile {
                    path: f.path,
                    body: crate::output::Body::Bytes(f.bytes),
                })
                .collect()
        })
        .collect()
}

/// `Ticket System › Customer Portal`.
fn breadcrumb_text(bundle: &Bundle<'_>, lang: &str, category: Option<&str>) -> String {
    let Some(path) = category else {
        return String::new();
    };
    let parts: Vec<String> = bundle
        .taxonomy
        .trail(lang, path)
        .map(|(_, title)| title)
        .collect();
    parts.join(" › ")
}
