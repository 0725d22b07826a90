//! Articles → weighted postings, one set per language.
//!
//! Each (term, article) pair gets one small integer score, computed here
//! once so the browser only adds numbers: every field contributes its
//! weight for each occurrence of the term, up to a cap per field (a word
//! repeated fifty times in the body is not fifty times as relevant). Title
//! and keywords outweigh everything else, so matches there rank first. The
//! file layout is [`super::files`]' business.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;

use super::hash::WordMap;
use super::stem;
use super::tokenize::{for_each_word, Word};
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

/// Articles per task of the parallel tokenising pass: small enough to
/// balance the threads, big enough that each task's word table pays off.
const DOCS_PER_TASK: usize = 64;

fn collect_postings(docs: &[&SearchDoc]) -> Vec<(String, Vec<Posting>)> {
    let vocabulary = Vocabulary::default();
    // Each task tokenises a run of articles (in id order) into
    // (term id, score) pairs; term ids are shared through `vocabulary`.
    let scored: Vec<Vec<Vec<(u32, u8)>>> = docs
        .par_chunks(DOCS_PER_TASK)
        .map(|chunk| {
            let mut scorer = Scorer::new(&vocabulary);
            chunk.iter().map(|doc| scorer.doc_scores(doc)).collect()
        })
        .collect();
    let terms = vocabulary.into_terms();
    invert(terms, scored.into_iter().flatten())
}

/// Every term of a language, numbered in order of first sight.
#[derive(Default)]
struct Vocabulary {
    table: Mutex<VocabularyTable>,
}

#[derive(Default)]
struct VocabularyTable {
    ids: WordMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
}

impl Vocabulary {
    /// The id of `term`, numbering it if new.
    fn id(&self, term: &str) -> u32 {
        // A poisoned lock only means another task panicked mid-insert; the
        // table itself is still consistent.
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = table.ids.get(term) {
            return id;
        }
        let id = u32::try_from(table.terms.len()).unwrap_or(u32::MAX);
        table.terms.push(term.into());
        table.ids.insert(term.into(), id);
        id
    }

    fn into_terms(self) -> Vec<Box<str>> {
        self.table
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .terms
    }
}

/// Marks a word that is not indexed (a stop word).
const SKIP: u32 = u32::MAX;

/// Scores articles one after another, remembering what each distinct word
/// of the task became (stop word, or which term after stemming), so the
/// tokeniser's step 4 and the shared table are visited once per word per
/// task rather than once per occurrence. Counters are indexed by the
/// task's own word numbers, so they stay as small as the task's vocabulary.
struct Scorer<'v> {
    vocabulary: &'v Vocabulary,
    /// Word → its term's number in this task (words with the same stem
    /// share one).
    words: WordMap<Box<str>, u32>,
    /// Term id in `vocabulary` → its number in this task.
    numbers: WordMap<u32, u32>,
    /// Per term number: the term id in `vocabulary`, or [`SKIP`].
    terms: Vec<u32>,
    /// Per term number: occurrences in each field of the current article.
    counts: Vec<[u8; FIELDS]>,
    /// Per term number: 1 + the number of the last article that used it.
    seen: Vec<u32>,
    /// Term numbers of the current article, in order of first sight.
    touched: Vec<u32>,
    articles: u32,
    stemmed: String,
}

const FIELDS: usize = 6;

impl<'v> Scorer<'v> {
    fn new(vocabulary: &'v Vocabulary) -> Self {
        Scorer {
            vocabulary,
            words: WordMap::default(),
            numbers: WordMap::default(),
            terms: Vec::new(),
            counts: Vec::new(),
            seen: Vec::new(),
            touched: Vec::new(),
            articles: 0,
            stemmed: String::new(),
        }
    }

    /// The task's number of a word's term, numbering it (and finding the
    /// term) if new.
    fn word_number(&mut self, word: Word<'_>) -> usize {
        let text = match word {
            Word::Cjk(text) | Word::Latin(text) => text,
        };
        if let Some(&n) = self.words.get(text) {
            return n as usize;
        }
        let term = match word {
            Word::Cjk(term) => self.vocabulary.id(term),
            Word::Latin(word) if stem::is_stop_word(word) => SKIP,
            Word::Latin(word) => {
                self.stemmed.clear();
                self.stemmed.push_str(word);
                stem::stem_in_place(&mut self.stemmed);
                self.vocabulary.id(&self.stemmed)
            }
        };
        let next = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        let n = *self.numbers.entry(term).or_insert(next);
        if n == next {
            self.terms.push(term);
            self.counts.push([0; FIELDS]);
            self.seen.push(0);
        }
        self.words.insert(text.into(), n);
        n as usize
    }

    /// Counts the terms of one field of the current article (`stamp`).
    fn count(&mut self, stamp: u32, field: usize, text: &str) {
        for_each_word(text, |word| {
            let n = self.word_number(word);
            if self.terms[n] == SKIP {
                return;
            }
            if self.seen[n] != stamp {
                self.seen[n] = stamp;
                self.counts[n] = [0; FIELDS];
                self.touched.push(u32::try_from(n).unwrap_or(u32::MAX));
            }
            let count = &mut self.counts[n][field];
            *count = count.saturating_add(1);
        });
    }

    /// The score of every term of one article, by term id.
    fn doc_scores(&mut self, doc: &SearchDoc) -> Vec<(u32, u8)> {
        self.articles += 1;
        let stamp = self.articles;
        self.touched.clear();
        self.count(stamp, 0, &doc.title);
        for keyword in &doc.keywords {
            self.count(stamp, 1, keyword);
        }
        for heading in &doc.headings {
            self.count(stamp, 2, heading);
        }
        self.count(stamp, 3, &doc.description);
        self.count(stamp, 4, &doc.breadcrumb);
        self.count(stamp, 5, &doc.body);
        self.touched
            .iter()
            .map(|&n| (self.terms[n as usize], score(&self.counts[n as usize])))
            .collect()
    }
}

/// The fields in the order [`Scorer`] counts them.
const WEIGHTS: [FieldWeight; FIELDS] = [TITLE, KEYWORDS, HEADINGS, DESCRIPTION, BREADCRUMB, BODY];

/// One term's score in one article from its occurrences per field.
fn score(counts: &[u8; FIELDS]) -> u8 {
    let total: u32 = WEIGHTS
        .iter()
        .zip(counts)
        .map(|(field, &count)| field.weight * u32::from(count).min(field.cap))
        .sum();
    u8::try_from(total.min(u32::from(MAX_SCORE)))
        .unwrap_or(MAX_SCORE)
        .max(1)
}

/// Turns per-article scores (articles in id order) into per-term postings,
/// terms sorted by [`compare_utf16`].
fn invert(
    terms: Vec<Box<str>>,
    per_doc: impl Iterator<Item = Vec<(u32, u8)>>,
) -> Vec<(String, Vec<Posting>)> {
    let mut postings: Vec<Vec<Posting>> = vec![Vec::new(); terms.len()];
    for (doc, scores) in per_doc.enumerate() {
        let doc = u32::try_from(doc).unwrap_or(u32::MAX);
        for (id, score) in scores {
            postings[id as usize].push(Posting { doc, score });
        }
    }
    let mut inverted: Vec<(String, Vec<Posting>)> =
        terms.into_iter().map(String::from).zip(postings).collect();
    inverted.par_sort_unstable_by(|a, b| compare_utf16(&a.0, &b.0));
    inverted
}

/// The score of every term of one article, sorted by term (for tests and
/// tools; the index builder scores whole runs of articles at once).
pub fn doc_scores(doc: &SearchDoc) -> Vec<(String, u8)> {
    let vocabulary = Vocabulary::default();
    let scores = Scorer::new(&vocabulary).doc_scores(doc);
    let terms = vocabulary.into_terms();
    let mut scores: Vec<(String, u8)> = scores
        .into_iter()
        .map(|(id, score)| (terms[id as usize].to_string(), score))
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
