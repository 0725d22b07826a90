//! The search index of one bundle: what the browser downloads to search the
//! bundle without a server.
//!
//! [`build_index`] is a pure function from the bundle's articles
//! ([`SearchDoc`]) to the index files ([`IndexFile`]); the generator decides
//! which articles go in (public or internal) and writes the files. Query time
//! lives in `themes/default/static/js/` (`search-tokenize.js`,
//! `search-index.js`, and the page in `search.js`). The file formats and the
//! reasoning behind them are in `docs/search.md`.
//!
//! - [`mod@tokenize`]: text → terms; the same rules as the script.
//! - [`stem`]: stop words and the English stemmer used by the tokeniser.
//! - [`terms`]: an article's text → its terms and their scores, counted
//!   once per article even when several bundles index it.
//! - [`index`]: articles → weighted postings per bundle and language.
//! - [`files`]: postings → manifest, term shards and document chunks.
//! - [`words`]: the word → number table of the counting pass.
//! - [`verify`]: whether built index files reveal a word (for the check that
//!   nothing internal reaches the public bundle).

pub mod docs;
pub mod files;
pub mod hash;
pub mod index;
pub mod stem;
pub mod terms;
pub mod tokenize;
pub mod verify;
pub mod words;

use rayon::prelude::*;

pub use terms::TermMemory;
pub use tokenize::tokenize;
pub use verify::files_mentioning;

/// One article as the search index sees it.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    /// The article's URL, relative to the bundle root (`tickets/reply/`) or
    /// absolute (`/tickets/reply/`); the script prefixes relative ones with
    /// the bundle root.
    pub url: String,
    /// The article's title.
    pub title: String,
    /// Language code (`en`, `ja`); each language gets its own index.
    pub lang: String,
    /// The category path as shown to readers: `Tickets › Customer portal`.
    pub breadcrumb: String,
    /// The front matter's description (may be empty).
    pub description: String,
    /// The front matter's keywords.
    pub keywords: Vec<String>,
    /// The text of the article's headings.
    pub headings: Vec<String>,
    /// The article's body as plain text (no markup), shared with the
    /// article (both bundles index the same text).
    pub body: std::sync::Arc<str>,
}

/// A file of the index, to be written into the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// Where the file goes, relative to the bundle root, with `/`
    /// separators: `search/manifest.json`, `search/en/t3.json`.
    pub path: String,
    /// The file's contents (UTF-8 JSON).
    pub bytes: Vec<u8>,
}

/// Builds the index files for `docs`: one manifest, and per language the
/// term shards and document chunks. Deterministic: the same articles in any
/// order give the same bytes.
pub fn build_index(docs: &[SearchDoc]) -> Vec<IndexFile> {
    build_index_with(docs, &IndexOptions::default())
}

/// [`build_index`] with other file sizes (small ones let tests exercise
/// many shards and chunks with a few articles).
pub fn build_index_with(docs: &[SearchDoc], options: &IndexOptions) -> Vec<IndexFile> {
    build_indexes_with(&[docs], options)
        .pop()
        .unwrap_or_default()
}

/// The index files of several bundles of one site at once (one list per
/// bundle, in the order given), each exactly what [`build_index`] makes
/// of that bundle's articles alone. An article that several bundles hold
/// (the same title, keywords, headings, description and body) is
/// tokenised once; every statistic of a bundle's index still comes from
/// its own articles only.
pub fn build_indexes(bundles: &[&[SearchDoc]]) -> Vec<Vec<IndexFile>> {
    build_indexes_with(bundles, &IndexOptions::default())
}

/// [`build_indexes`] with other file sizes.
pub fn build_indexes_with(bundles: &[&[SearchDoc]], options: &IndexOptions) -> Vec<Vec<IndexFile>> {
    build_indexes_in(bundles, options, None)
}

/// [`build_indexes_with`] for a process that indexes the same site again
/// and again: only the articles whose text `memory` has not seen in the
/// last run are tokenised; the files are the same.
pub fn build_indexes_remembering(
    bundles: &[&[SearchDoc]],
    options: &IndexOptions,
    memory: &mut TermMemory,
) -> Vec<Vec<IndexFile>> {
    build_indexes_in(bundles, options, Some(memory))
}

/// [`build_indexes_with`], remembering in `memory` when there is one.
fn build_indexes_in(
    bundles: &[&[SearchDoc]],
    options: &IndexOptions,
    memory: Option<&mut TermMemory>,
) -> Vec<Vec<IndexFile>> {
    let started = std::time::Instant::now();
    let cpu = cpu_time_ms();
    let shared = match memory {
        Some(memory) => index::Shared::count_with(bundles, memory),
        None => index::Shared::count(bundles),
    };
    let counted = started.elapsed();
    let built: Vec<(Vec<IndexFile>, std::time::Duration, std::time::Duration)> = bundles
        .par_iter()
        .enumerate()
        .map(|(n, docs)| {
            let started = std::time::Instant::now();
            let languages = shared.languages(n, docs);
            let indexed = started.elapsed();
            let files = files::write_files(&languages, options);
            (files, indexed, started.elapsed() - indexed)
        })
        .collect();
    // The same switch as the build's step timings. CPU time too: on a busy
    // machine wall time says little.
    if std::env::var_os("DOCKET_TIMINGS").is_some() {
        let cpu = match (cpu, cpu_time_ms()) {
            (Some(before), Some(after)) => format!(", {} ms CPU", after - before),
            _ => String::new(),
        };
        let articles: Vec<String> = bundles.iter().map(|docs| docs.len().to_string()).collect();
        let bundles: Vec<String> = built
            .iter()
            .map(|(_, postings, files)| {
                format!(
                    "postings {} ms, files {} ms",
                    postings.as_millis(),
                    files.as_millis()
                )
            })
            .collect();
        eprintln!(
            "  search index: {} articles, {} ms (terms {} ms; {}){cpu}",
            articles.join(" + "),
            started.elapsed().as_millis(),
            counted.as_millis(),
            bundles.join("; ")
        );
    }
    built.into_iter().map(|(files, _, _)| files).collect()
}

/// User + system CPU time of the whole process so far, from
/// `/proc/self/stat` (Linux, 100 ticks a second); `None` elsewhere.
fn cpu_time_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in brackets.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some((user + system) * 10)
}

/// Sizes of the index files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOptions {
    /// A term shard is closed once it would grow past this many bytes.
    pub shard_target_bytes: usize,
    /// Articles per document chunk.
    pub chunk_docs: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            shard_target_bytes: files::SHARD_TARGET_BYTES,
            chunk_docs: files::CHUNK_DOCS,
        }
    }
}
