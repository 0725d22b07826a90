//! Looking for a word in built index files: the check behind "nothing
//! internal reaches the public bundle". A plain text search is not enough,
//! because term shards hold stemmed, lowercased terms (`Canaries` is stored
//! as `canary`) and Japanese as bigrams.

use std::collections::{BTreeMap, BTreeSet};

use super::{tokenize, IndexFile};

/// The paths of the files in `files` (a bundle's index) that would reveal
/// `word`: the term shards of every language whose shards hold all of the
/// word's terms (so a search for it would find something), and the manifest
/// or document chunks containing it as text, ignoring case.
pub fn files_mentioning<'a>(files: &'a [IndexFile], word: &str) -> Vec<&'a str> {
    let terms: BTreeSet<String> = tokenize(word).into_iter().collect();
    let needle = word.to_lowercase();
    let mut found = Vec::new();
    // Language folder → (shards holding one of the terms, terms seen).
    let mut shards: BTreeMap<&str, (Vec<&str>, BTreeSet<&String>)> = BTreeMap::new();
    for file in files {
        let name = file.path.rsplit('/').next().unwrap_or_default();
        if name.starts_with('t') && !terms.is_empty() {
            let keys: BTreeMap<String, String> =
                serde_json::from_slice(&file.bytes).unwrap_or_default();
            let held: Vec<&String> = terms.iter().filter(|t| keys.contains_key(*t)).collect();
            if !held.is_empty() {
                let dir = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
                let entry = shards.entry(dir).or_default();
                entry.0.push(&file.path);
                entry.1.extend(held);
            }
        } else if !needle.is_empty()
            && String::from_utf8_lossy(&file.bytes)
                .to_lowercase()
                .contains(&needle)
        {
            found.push(file.path.as_str());
        }
    }
    for (paths, seen) in shards.into_values() {
        if seen.len() == terms.len() {
            found.extend(paths);
        }
    }
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{build_index, SearchDoc};

    fn doc(title: &str, body: &str, lang: &str) -> SearchDoc {
        SearchDoc {
            url: format!("{title}/"),
            title: title.to_owned(),
            lang: lang.to_owned(),
            body: body.into(),
            ..SearchDoc::default()
        }
    }

    #[test]
    fn a_word_is_found_by_its_stemmed_term_and_in_the_text() {
        let files = build_index(&[doc("Birds", "Several Canaries sing.", "en")]);
        assert_eq!(
            files_mentioning(&files, "canaries"),
            ["search/en/d0.json", "search/en/t0.json"]
        );
        assert!(files_mentioning(&files, "zebrafish").is_empty());
    }

    #[test]
    fn a_japanese_word_needs_all_its_bigrams() {
        let files = build_index(&[doc("東京", "東京都の天気", "ja")]);
        assert_eq!(
            files_mentioning(&files, "東京都"),
            ["search/ja/d0.json", "search/ja/t0.json"]
        );
        // 京 and 都 occur, but not the bigrams of 京大阪.
        assert!(files_mentioning(&files, "京大阪").is_empty());
    }
}
