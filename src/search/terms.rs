//! Counting the terms of articles: text → (term id, partial score) per
//! article, done once per distinct article however many bundles index it.
//!
//! Every score here depends on the article's own text only. What depends
//! on a bundle (which articles it holds, their ids, the breadcrumb built
//! from the bundle's categories) is [`super::index`]'s business, so sharing
//! these counts between the public and the internal bundle cannot carry
//! anything of an internal article into the public index.
//!
//! A term's score is the sum over fields of `weight × min(occurrences,
//! cap)`, clamped to 1..=[`MAX_SCORE`]. Since that sum is monotone and the
//! clamp comes last, the score of the article's own fields can be kept
//! pre-clamped ([`Counted::articles`]) and the breadcrumb's part
//! ([`Counted::breadcrumbs`]) added per bundle: `min(31, min(31, a) + b)`
//! is `min(31, a + b)`.

use std::cmp::Ordering;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::hash::WordMap;
use super::stem;
use super::tokenize::{for_each_word, Word};
use super::words::WordTable;
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

/// A term's number in [`Counted::terms`].
pub type TermId = u32;

/// An article's terms, each once, with its score.
pub type Scores = Arc<[(TermId, u8)]>;

/// The terms of a set of distinct articles and breadcrumbs.
#[derive(Debug, Default)]
pub struct Counted {
    /// Every term seen, by id (with a [`TermMemory`], also terms of
    /// earlier runs that no article uses any more: they get no postings).
    pub terms: Vec<Arc<str>>,
    /// Term ids sorted by [`compare_utf16`] of their text (the order of the
    /// term shards).
    pub order: Vec<TermId>,
    /// Per article (in the order given to [`count`]): each term of the
    /// article's own fields once, with its score over those fields, at
    /// most [`MAX_SCORE`].
    pub articles: Vec<Scores>,
    /// Per breadcrumb (in the order given to [`count`]): each term once,
    /// with what the breadcrumb adds to its score (at least 1).
    pub breadcrumbs: Vec<Vec<(TermId, u8)>>,
}

/// Articles per task of the parallel counting pass: small enough to
/// balance the threads, big enough that each task's word table pays off.
const DOCS_PER_TASK: usize = 64;

/// What earlier counting runs over the same site learned, for a process
/// that indexes again and again (`docket serve` after each edit): every
/// term seen, numbered, and the scores of the last run's articles by a
/// digest of their text. A run with a memory counts only the articles
/// whose text it has not seen in the run before; the index it leads to is
/// byte for byte the one a fresh run makes (files name terms by their
/// text, never by number).
#[derive(Default)]
pub struct TermMemory {
    vocabulary: Vocabulary,
    articles: WordMap<[u8; 32], Scores>,
}

impl std::fmt::Debug for TermMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermMemory")
            .field("articles", &self.articles.len())
            .finish_non_exhaustive()
    }
}

/// Counts the terms of `articles` (title, keywords, headings, description
/// and body; not the breadcrumb) and of `breadcrumbs`, in parallel, with
/// one shared vocabulary.
pub fn count(articles: &[&SearchDoc], breadcrumbs: &[&str]) -> Counted {
    // A one-off count (`docket build`) keeps nothing, so it takes no
    // digests either.
    let vocabulary = Vocabulary::default();
    let all: Vec<usize> = (0..articles.len()).collect();
    let (articles, breadcrumbs) = score_all(articles, &all, breadcrumbs, &vocabulary);
    finish(vocabulary.terms(), articles, breadcrumbs)
}

/// [`count`], reusing the scores `memory` holds for articles of unchanged
/// text and leaving in it those of `articles`.
pub fn count_with(
    articles: &[&SearchDoc],
    breadcrumbs: &[&str],
    memory: &mut TermMemory,
) -> Counted {
    let digests: Vec<[u8; 32]> = articles.par_iter().map(|doc| text_digest(doc)).collect();
    let known = &memory.articles;
    let unknown: Vec<usize> = (0..articles.len())
        .filter(|&n| !known.contains_key(&digests[n]))
        .collect();
    let (counted, breadcrumbs) = score_all(articles, &unknown, breadcrumbs, &memory.vocabulary);
    let mut fresh = unknown.into_iter().zip(counted).peekable();
    let mut remembered = WordMap::default();
    let articles: Vec<Scores> = digests
        .into_iter()
        .enumerate()
        .map(|(n, digest)| {
            let scores = match fresh.next_if(|(at, _)| *at == n) {
                Some((_, scores)) => scores,
                None => known.get(&digest).cloned().unwrap_or_default(),
            };
            remembered.insert(digest, scores.clone());
            scores
        })
        .collect();
    memory.articles = remembered;
    finish(memory.vocabulary.terms(), articles, breadcrumbs)
}

/// Scores the articles numbered `which` (in that order) and every
/// breadcrumb, in parallel, numbering terms in `vocabulary`.
fn score_all(
    articles: &[&SearchDoc],
    which: &[usize],
    breadcrumbs: &[&str],
    vocabulary: &Vocabulary,
) -> (Vec<Scores>, Vec<Vec<(TermId, u8)>>) {
    rayon::join(
        || {
            which
                .par_chunks(DOCS_PER_TASK)
                .flat_map_iter(|chunk| {
                    let mut scorer = Scorer::new(vocabulary);
                    chunk
                        .iter()
                        .map(|&n| Scores::from(scorer.article(articles[n])))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        },
        || {
            let mut scorer = Scorer::new(vocabulary);
            breadcrumbs
                .iter()
                .map(|text| scorer.breadcrumb(text))
                .collect::<Vec<_>>()
        },
    )
}

/// The counted result: `terms` put in [`compare_utf16`] order.
fn finish(
    terms: Vec<Arc<str>>,
    articles: Vec<Scores>,
    breadcrumbs: Vec<Vec<(TermId, u8)>>,
) -> Counted {
    let mut order: Vec<TermId> = (0..terms.len())
        .map(|id| TermId::try_from(id).unwrap_or(TermId::MAX))
        .collect();
    order.par_sort_unstable_by(|&a, &b| compare_utf16(&terms[a as usize], &terms[b as usize]));
    Counted {
        terms,
        order,
        articles,
        breadcrumbs,
    }
}

/// A digest of the fields an article's own terms come from, each with its
/// length so that no two different articles run together the same.
fn text_digest(doc: &SearchDoc) -> [u8; 32] {
    fn put(hasher: &mut blake3::Hasher, bytes: &[u8]) {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let mut hasher = blake3::Hasher::new();
    for text in [doc.title.as_str(), doc.description.as_str(), &doc.body] {
        put(&mut hasher, text.as_bytes());
    }
    for list in [&doc.keywords, &doc.headings] {
        hasher.update(&(list.len() as u64).to_le_bytes());
        for item in list {
            put(&mut hasher, item.as_bytes());
        }
    }
    *hasher.finalize().as_bytes()
}

/// Every term, numbered in order of first sight.
#[derive(Default)]
struct Vocabulary {
    table: Mutex<VocabularyTable>,
}

#[derive(Default)]
struct VocabularyTable {
    ids: WordMap<Arc<str>, TermId>,
    terms: Vec<Arc<str>>,
}

impl Vocabulary {
    /// The id of `term`, numbering it if new.
    fn id(&self, term: &str) -> TermId {
        // A poisoned lock only means another task panicked mid-insert; the
        // table itself is still consistent.
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = table.ids.get(term) {
            return id;
        }
        let id = TermId::try_from(table.terms.len()).unwrap_or(TermId::MAX);
        let term: Arc<str> = term.into();
        table.terms.push(term.clone());
        table.ids.insert(term, id);
        id
    }

    /// Every term so far, by id.
    fn terms(&self) -> Vec<Arc<str>> {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .terms
            .clone()
    }
}

/// Marks a word that is not indexed (a stop word).
const SKIP: TermId = TermId::MAX;

/// Scores articles one after another, remembering what each distinct word
/// of the task became (stop word, or which term after stemming), so the
/// tokeniser's step 4 and the shared table are visited once per word per
/// task rather than once per occurrence. Counters are indexed by the
/// task's own word numbers, so they stay as small as the task's vocabulary.
struct Scorer<'v> {
    vocabulary: &'v Vocabulary,
    /// Word → its term's number in this task (words with the same stem
    /// share one).
    words: WordTable,
    /// Term id in `vocabulary` → its number in this task.
    numbers: WordMap<TermId, u32>,
    /// Per term number: the term id in `vocabulary`, or [`SKIP`].
    terms: Vec<TermId>,
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
/// The fields in the order [`Scorer`] counts them.
const WEIGHTS: [FieldWeight; FIELDS] = [TITLE, KEYWORDS, HEADINGS, DESCRIPTION, BREADCRUMB, BODY];
const FIELD_TITLE: usize = 0;
const FIELD_KEYWORDS: usize = 1;
const FIELD_HEADINGS: usize = 2;
const FIELD_DESCRIPTION: usize = 3;
const FIELD_BREADCRUMB: usize = 4;
const FIELD_BODY: usize = 5;

impl<'v> Scorer<'v> {
    fn new(vocabulary: &'v Vocabulary) -> Self {
        Scorer {
            vocabulary,
            words: WordTable::default(),
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
        if let Some(n) = self.words.get(text) {
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
        self.words.insert(text, n);
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

    /// Starts counting a new article; returns its stamp.
    fn start(&mut self) -> u32 {
        self.articles += 1;
        self.touched.clear();
        self.articles
    }

    /// The scores of the terms counted since [`Self::start`], by term id.
    fn finish(&self) -> Vec<(TermId, u8)> {
        self.touched
            .iter()
            .map(|&n| (self.terms[n as usize], score(&self.counts[n as usize])))
            .collect()
    }

    /// The terms of an article's own fields (all but the breadcrumb).
    fn article(&mut self, doc: &SearchDoc) -> Vec<(TermId, u8)> {
        let stamp = self.start();
        self.count(stamp, FIELD_TITLE, &doc.title);
        for keyword in &doc.keywords {
            self.count(stamp, FIELD_KEYWORDS, keyword);
        }
        for heading in &doc.headings {
            self.count(stamp, FIELD_HEADINGS, heading);
        }
        self.count(stamp, FIELD_DESCRIPTION, &doc.description);
        self.count(stamp, FIELD_BODY, &doc.body);
        self.finish()
    }

    /// The terms of a breadcrumb.
    fn breadcrumb(&mut self, text: &str) -> Vec<(TermId, u8)> {
        let stamp = self.start();
        self.count(stamp, FIELD_BREADCRUMB, text);
        self.finish()
    }
}

/// The score of the fields counted in `counts`, at most [`MAX_SCORE`]
/// (and at least 1 for a term that occurs at all).
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

/// An article's score for a term from its own fields' part and its
/// breadcrumb's part (either may be 0).
pub fn combine(own: u8, breadcrumb: u8) -> u8 {
    own.saturating_add(breadcrumb).clamp(1, MAX_SCORE)
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
