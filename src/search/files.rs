//! Postings → the files the browser fetches: a manifest, term shards and
//! document chunks (formats in `docs/search.md`).
//!
//! - `search/manifest.json`: the languages, each with its folder, number of
//!   articles, chunk size and number of shards.
//! - `search/<dir>/keys.json`: the first key of every term shard of that
//!   language (a separate file, so a query never loads another language's).
//! - `search/<dir>/t<n>.json`: a range of terms (in UTF-16 order), each with
//!   its postings packed into a string ([`encode_postings`]). A term lives in
//!   exactly one shard, found by binary search over the keys.
//! - `search/<dir>/d<n>.json`: display data of [`CHUNK_DOCS`] articles in id
//!   order: `[url, title, breadcrumb, description, excerpt]`.
//!
//! Sizes come from [`IndexOptions`].

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::index::{compare_utf16, LanguageIndex, Posting};
use super::{IndexFile, IndexOptions};

/// Bumped whenever a file format changes; the script refuses other versions.
pub const FORMAT_VERSION: u32 = 1;
/// The default size at which a term shard is closed (a single term with more
/// postings gets a shard to itself).
pub const SHARD_TARGET_BYTES: usize = 8 * 1024;
/// The default number of articles per document chunk.
pub const CHUNK_DOCS: usize = 4;
/// Bytes (UTF-8) of body text kept for the snippet: about 160 English words
/// or 330 Japanese characters.
pub const EXCERPT_BYTES: usize = 1000;
/// Bytes (UTF-8) of the description kept for the snippet.
pub const DESCRIPTION_BYTES: usize = 360;

/// The alphabet of the posting strings: digit values 0..=31 end a number,
/// 32..=63 carry five bits and say "more follows".
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `search/manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// A hash of every other index file; the script appends it as `?v=` so
    /// caches never mix files of two builds.
    pub build: String,
    /// The language with the most articles, used when the page's language
    /// has no index.
    pub default: String,
    /// Language code → its index.
    pub languages: BTreeMap<String, LanguageManifest>,
}

/// The manifest's entry for one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageManifest {
    /// Folder under `search/` holding the language's files.
    pub dir: String,
    /// Number of articles (ids are `0..docs`).
    pub docs: usize,
    /// Articles per document chunk: article `i` is in `d<i / chunk>.json`.
    pub chunk: usize,
    /// Number of term shards (`t0.json` ..); their keys are in `keys.json`.
    pub shards: usize,
}

/// Lays out every language's files and the manifest.
pub fn write_files(languages: &[LanguageIndex<'_>], options: &IndexOptions) -> Vec<IndexFile> {
    let dirs = language_dirs(languages);
    let per_language: Vec<(Vec<IndexFile>, LanguageManifest)> = languages
        .par_iter()
        .zip(dirs.par_iter())
        .map(|(language, dir)| language_files(language, dir, options))
        .collect();

    let mut hasher = blake3::Hasher::new();
    let mut files = Vec::new();
    let mut manifests = BTreeMap::new();
    for (language, (language_files, manifest)) in languages.iter().zip(per_language) {
        for file in &language_files {
            hasher.update(file.path.as_bytes());
            hasher.update(&file.bytes);
        }
        files.extend(language_files);
        manifests.insert(language.lang.clone(), manifest);
    }
    let default = languages
        .iter()
        .fold(None::<&LanguageIndex<'_>>, |best, l| match best {
            Some(b) if b.docs.len() >= l.docs.len() => Some(b),
            _ => Some(l),
        })
        .map(|l| l.lang.clone())
        .unwrap_or_default();
    let manifest = Manifest {
        version: FORMAT_VERSION,
        build: hasher.finalize().to_hex()[..12].to_owned(),
        default,
        languages: manifests,
    };
    // Serialising strings, numbers and maps with string keys cannot fail.
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    files.insert(
        0,
        IndexFile {
            path: "search/manifest.json".to_owned(),
            bytes,
        },
    );
    files
}

/// A folder name per language: the code itself when it is a plain tag like
/// `en` or `pt-br`, otherwise `_<n>` (language codes come from file names
/// and must not escape `search/`).
fn language_dirs(languages: &[LanguageIndex<'_>]) -> Vec<String> {
    let mut used = HashSet::new();
    languages
        .iter()
        .enumerate()
        .map(|(n, language)| {
            let code = language.lang.to_ascii_lowercase();
            let plain = !code.is_empty()
                && code.len() <= 35
                && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let dir = if plain && !used.contains(&code) {
                code
            } else {
                format!("_{n}")
            };
            used.insert(dir.clone());
            dir
        })
        .collect()
}

fn language_files(
    language: &LanguageIndex<'_>,
    dir: &str,
    options: &IndexOptions,
) -> (Vec<IndexFile>, LanguageManifest) {
    let chunk_docs = options.chunk_docs.max(1);
    let mut files = Vec::new();
    let mut keys = Vec::new();
    for (n, shard) in shard_terms(language.term_postings(), options.shard_target_bytes)
        .into_iter()
        .enumerate()
    {
        keys.push(shard.key);
        files.push(IndexFile {
            path: format!("search/{dir}/t{n}.json"),
            bytes: shard.json.into_bytes(),
        });
    }
    for (n, chunk) in language.docs.chunks(chunk_docs).enumerate() {
        let records: Vec<Value> = chunk
            .iter()
            .map(|doc| {
                Value::from(vec![
                    doc.url.as_str(),
                    doc.title.as_str(),
                    doc.breadcrumb.as_str(),
                    &excerpt(&doc.description, DESCRIPTION_BYTES),
                    &excerpt(&doc.body, EXCERPT_BYTES),
                ])
            })
            .collect();
        files.push(IndexFile {
            path: format!("search/{dir}/d{n}.json"),
            bytes: Value::from(records).to_string().into_bytes(),
        });
    }
    let manifest = LanguageManifest {
        dir: dir.to_owned(),
        docs: language.docs.len(),
        chunk: chunk_docs,
        shards: keys.len(),
    };
    let keys_json = Value::from(keys).to_string();
    files.push(IndexFile {
        path: format!("search/{dir}/keys.json"),
        bytes: keys_json.into_bytes(),
    });
    (files, manifest)
}

/// One term shard: its key in the manifest and its JSON text.
#[derive(Debug)]
pub struct Shard {
    /// The shortest string that sorts after the previous shard's last term
    /// and not after this shard's first term (`""` for the first shard).
    pub key: String,
    /// `{"term":"postings",…}`.
    pub json: String,
}

/// Cuts the sorted `terms` into shards of at most `target` bytes (or one
/// term, if that term alone is bigger).
pub fn shard_terms<'t>(
    terms: impl IntoIterator<Item = (&'t str, &'t [Posting])>,
    target: usize,
) -> Vec<Shard> {
    let mut shards = Vec::new();
    let mut json = String::new();
    let mut key = String::new();
    let mut previous: Option<&str> = None;
    for (term, postings) in terms {
        let entry = format!("{}:\"{}\"", Value::from(term), encode_postings(postings));
        if !json.is_empty() && json.len() + entry.len() + 2 > target {
            json.push('}');
            shards.push(Shard {
                key: std::mem::take(&mut key),
                json: std::mem::take(&mut json),
            });
            key = separator(previous.unwrap_or(""), term);
        }
        json.push(if json.is_empty() { '{' } else { ',' });
        json.push_str(&entry);
        previous = Some(term);
    }
    if !json.is_empty() || shards.is_empty() {
        if json.is_empty() {
            json.push('{');
        }
        json.push('}');
        shards.push(Shard { key, json });
    }
    shards
}

/// The shortest prefix of `first` that sorts after `last` (`last < first`).
fn separator(last: &str, first: &str) -> String {
    let mut prefix = String::new();
    for c in first.chars() {
        prefix.push(c);
        if compare_utf16(&prefix, last).is_gt() {
            break;
        }
    }
    prefix
}

/// Packs postings (ascending ids) into a string: for each, the gap to the
/// previous id minus one (the first counts from -1), then the score; each
/// number in base-32 digits, least significant first, all but the last
/// digit of a number offset by 32.
pub fn encode_postings(postings: &[Posting]) -> String {
    let mut out = String::with_capacity(postings.len() * 2);
    let mut next = 0u32;
    for posting in postings {
        push_number(&mut out, posting.doc.saturating_sub(next));
        push_number(&mut out, u32::from(posting.score));
        next = posting.doc.saturating_add(1);
    }
    out
}

fn push_number(out: &mut String, mut n: u32) {
    loop {
        let digit = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(char::from(DIGITS[digit]));
            return;
        }
        out.push(char::from(DIGITS[digit + 32]));
    }
}

/// The inverse of [`encode_postings`]; `None` on malformed input.
pub fn decode_postings(text: &str) -> Option<Vec<Posting>> {
    let mut numbers = Vec::new();
    let (mut value, mut shift) = (0u32, 0u32);
    for b in text.bytes() {
        let digit = DIGITS.iter().position(|&d| d == b)? as u32;
        value |= (digit & 31).checked_shl(shift)?;
        if digit < 32 {
            numbers.push(value);
            (value, shift) = (0, 0);
        } else {
            shift += 5;
        }
    }
    if shift != 0 || numbers.len() % 2 != 0 {
        return None;
    }
    let mut next = 0u32;
    numbers
        .chunks(2)
        .map(|pair| {
            let doc = next.checked_add(pair[0])?;
            next = doc.checked_add(1)?;
            Some(Posting {
                doc,
                score: u8::try_from(pair[1]).ok()?,
            })
        })
        .collect()
}

/// Whitespace collapsed, cut to at most `max` bytes (at a space when one is
/// near) with an ellipsis.
fn excerpt(text: &str, max: usize) -> String {
    // Collapse only as much as can be kept (and one word more, to know
    // whether anything was cut): bodies are long, excerpts short.
    let mut collapsed = String::with_capacity(max.min(text.len()) + 64);
    for word in text.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
        if collapsed.len() > max {
            break;
        }
    }
    if collapsed.len() <= max {
        return collapsed;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !collapsed.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &collapsed[..end];
    let cut = match cut.rfind(' ') {
        Some(space) if cut.len() - space < 40 => &cut[..space],
        _ => cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_survive_a_round_trip() {
        let postings = vec![
            Posting { doc: 0, score: 31 },
            Posting { doc: 1, score: 1 },
            Posting { doc: 40, score: 10 },
            Posting {
                doc: 100_000,
                score: 3,
            },
        ];
        let encoded = encode_postings(&postings);
        assert_eq!(&encoded[..4], "AfAB");
        assert_eq!(decode_postings(&encoded), Some(postings));
    }

    #[test]
    fn a_separator_is_the_shortest_prefix_after_the_previous_term() {
        assert_eq!(separator("apple", "banana"), "b");
        assert_eq!(separator("passwd", "password"), "passwo");
        assert_eq!(separator("", "a"), "a");
    }

    #[test]
    fn long_text_is_cut_at_a_space() {
        assert_eq!(excerpt("one two  three", 12), "one two…");
        assert_eq!(excerpt("東京都千代田区", 10), "東京…");
        assert_eq!(excerpt("short", 9), "short");
    }
}
