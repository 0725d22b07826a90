//! Articles → weighted postings, one set per language.
//!
//! Each (term, article) pair gets one small integer score, computed here
//! once so the browser only adds numbers: every field contributes its
//! weight for each occurrence of the term, up to a cap per field (a word
//! repeated fifty times in the body is not fifty times as relevant). Title
//! and keywords outweigh everything else, so matches there rank first. The
//! file layout is [`super::files`]' business.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::tokenize::for_each_term;
use super::SearchDoc;

/// How much one field of an article counts.
#[derive(Debug, Clone, Copy)]
pub struct FieldWeight {
    /// Score added per occurrence of a term in the field.
    pub weight: u32,
    /// Occurrences counted at most.
    pub cap: u32,
}

/// The title: a match here beats everything below.
pub const TITLE: FieldWeight = FieldWeight { weight: 10, cap: 1 };
/// The front matter's keywords.
pub const KEYWORDS: FieldWeight = FieldWeight { weight: 8, cap: 1 };
/// Section headings.
pub const HEADINGS: FieldWeight = FieldWeight { weight: 4, cap: 2 };
/// The front matter's description.
pub const DESCRIPTION: FieldWeight = FieldWeight { weight: 3, cap: 2 };
/// The category breadcrumb.
pub const BREADCRUMB: FieldWeight = FieldWeight { weight: 2, cap: 1 };
/// The body text.
pub const BODY: FieldWeight = FieldWeight { weight: 1, cap: 5 };

/// Scores are stored in one base-64 digit of the posting format, so they
/// are clamped to 1..=31.
pub const MAX_SCORE: u8 = 31;

/// One article containing a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// The article's id: its position in [`LanguageIndex::docs`].
    pub doc: u32,
    /// How well the term matches the article (1..=[`MAX_SCORE`]).
    pub score: u8,
}

/// The index of one language.
#[derive(Debug)]
pub struct LanguageIndex<'a> {
    /// The language code, as given in [`SearchDoc::lang`].
    pub lang: String,
    /// The articles, sorted by URL; an article's id is its position here.
    /// Sorting by URL keeps a category's articles together, so the results
    /// of one query tend to share document chunks.
    pub docs: Vec<&'a SearchDoc>,
    /// Every term with its postings (ascending ids), terms sorted by
    /// [`compare_utf16`] so the script can binary-search them with `<`.
    pub terms: Vec<(String, Vec<Posting>)>,
}

/// Groups `docs` by language and indexes each language.
pub fn index_languages(docs: &[SearchDoc]) -> Vec<LanguageIndex<'_>> {
    let mut by_lang: BTreeMap<&str, Vec<&SearchDoc>> = BTreeMap::new();
    for doc in docs {
        by_lang.entry(doc.lang.as_str()).or_default().push(doc);
    }
    let by_lang: Vec<(&str, Vec<&SearchDoc>)> = by_lang.into_iter().collect();
    by_lang
        .into_par_iter()
        .map(|(lang, mut docs)| {
            docs.sort_by(|a, b| (&a.url, &a.title, &a.body).cmp(&(&b.url, &b.title, &b.body)));
            let terms = collect_postings(&docs);
            LanguageIndex {
                lang: lang.to_owned(),
                docs,
                terms,
            }
        })
        .collect()
}

fn collect_postings(docs: &[&SearchDoc]) -> Vec<(String, Vec<Posting>)> {
    let per_doc: Vec<Vec<(String, u8)>> = docs.par_iter().map(|doc| doc_scores(doc)).collect();
    // Merge in parallel, one range of two-byte term prefixes per task: each
    // article's terms are sorted, so a range is one slice of them.
    let ranges = prefix_ranges(&per_doc, rayon::current_num_threads() * 8);
    let mut terms: Vec<(String, Vec<Posting>)> = ranges
        .into_par_iter()
        .flat_map_iter(|range| merge_range(&per_doc, range))
        .collect();
    terms.par_sort_unstable_by(|a, b| compare_utf16(&a.0, &b.0));
    terms
}

/// The first two bytes of a term; byte order of terms is also key order.
fn prefix_key(term: &str) -> usize {
    let bytes = term.as_bytes();
    usize::from(bytes.first().copied().unwrap_or(0)) << 8
        | usize::from(bytes.get(1).copied().unwrap_or(0))
}

/// Splits the key space into about `parts` ranges holding similar numbers
/// of (term, article) pairs.
fn prefix_ranges(per_doc: &[Vec<(String, u8)>], parts: usize) -> Vec<std::ops::Range<usize>> {
    let histogram = per_doc
        .par_iter()
        .fold(
            || vec![0usize; 1 << 16],
            |mut counts, scores| {
                for (term, _) in scores {
                    counts[prefix_key(term)] += 1;
                }
                counts
            },
        )
        .reduce(
            || vec![0usize; 1 << 16],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let total: usize = histogram.iter().sum();
    let per_part = total / parts.max(1) + 1;
    let mut ranges = Vec::new();
    let (mut start, mut filled) = (0, 0);
    for (key, count) in histogram.iter().enumerate() {
        filled += count;
        if filled >= per_part {
            ranges.push(start..key + 1);
            (start, filled) = (key + 1, 0);
        }
    }
    ranges.push(start..1 << 16);
    ranges
}

/// The postings of the terms whose keys fall in `range`.
fn merge_range(
    per_doc: &[Vec<(String, u8)>],
    range: std::ops::Range<usize>,
) -> Vec<(String, Vec<Posting>)> {
    let mut postings: HashMap<&str, Vec<Posting>> = HashMap::new();
    for (id, scores) in per_doc.iter().enumerate() {
        let doc = u32::try_from(id).unwrap_or(u32::MAX);
        let from = scores.partition_point(|(term, _)| prefix_key(term) < range.start);
        let to = scores.partition_point(|(term, _)| prefix_key(term) < range.end);
        for (term, score) in &scores[from..to] {
            postings
                .entry(term)
                .or_default()
                .push(Posting { doc, score: *score });
        }
    }
    postings
        .into_iter()
        .map(|(term, list)| (term.to_owned(), list))
        .collect()
}

/// The score of every term of one article, sorted by term.
pub fn doc_scores(doc: &SearchDoc) -> Vec<(String, u8)> {
    let keywords = doc.keywords.join("\n");
    let headings = doc.headings.join("\n");
    let fields: [(&str, FieldWeight); 6] = [
        (&doc.title, TITLE),
        (&keywords, KEYWORDS),
        (&headings, HEADINGS),
        (&doc.description, DESCRIPTION),
        (&doc.breadcrumb, BREADCRUMB),
        (&doc.body, BODY),
    ];
    let mut counts: HashMap<String, [u32; 6]> = HashMap::new();
    for (n, (text, _)) in fields.iter().enumerate() {
        for_each_term(text, |term| match counts.get_mut(term) {
            Some(per_field) => per_field[n] += 1,
            None => {
                let mut per_field = [0; 6];
                per_field[n] = 1;
                counts.insert(term.to_owned(), per_field);
            }
        });
    }
    let mut scores: Vec<(String, u8)> = counts
        .into_iter()
        .map(|(term, per_field)| {
            let total: u32 = fields
                .iter()
                .zip(per_field)
                .map(|((_, field), count)| field.weight * count.min(field.cap))
                .sum();
            let score = u8::try_from(total.min(u32::from(MAX_SCORE))).unwrap_or(MAX_SCORE);
            (term, score.max(1))
        })
        .collect();
    scores.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    scores
}

/// Orders strings by UTF-16 code units, the order of JavaScript's `<`.
/// (Rust's `str` order is by code point; the two differ only for characters
/// above U+FFFF against U+E000..=U+FFFF.)
pub fn compare_utf16(a: &str, b: &str) -> Ordering {
    // The first differing character decides; back up to its start.
    let mut at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(at) {
        at -= 1;
    }
    match (a[at..].chars().next(), b[at..].chars().next()) {
        (Some(x), Some(y)) => {
            let (mut ux, mut uy) = ([0u16; 2], [0u16; 2]);
            x.encode_utf16(&mut ux).cmp(&y.encode_utf16(&mut uy))
        }
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_order_agrees_with_comparing_code_units() {
        let words = [
            "",
            "a",
            "ab",
            "b",
            "é",
            "東",
            "東京",
            "\u{FF41}",
            "\u{20000}",
            "\u{20001}",
            "\u{20000}a",
        ];
        for x in words {
            for y in words {
                assert_eq!(
                    compare_utf16(x, y),
                    x.encode_utf16().cmp(y.encode_utf16()),
                    "{x:?} {y:?}"
                );
            }
        }
    }

    #[test]
    fn utf16_order_puts_astral_han_before_full_width_forms() {
        assert_eq!(compare_utf16("\u{20000}", "\u{FF41}"), Ordering::Less);
        assert_eq!("\u{20000}".cmp("\u{FF41}"), Ordering::Greater);
    }
}
