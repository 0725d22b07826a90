//! Articles of one or more bundles → weighted postings, per bundle and
//! language.
//!
//! Each (term, article) pair gets one small integer score, computed at
//! build time so the browser only adds numbers: every field contributes its
//! weight for each occurrence of the term, up to a cap per field (a word
//! repeated fifty times in the body is not fifty times as relevant). Title
//! and keywords outweigh everything else, so matches there rank first.
//!
//! The bundles of a site share most articles, so [`Shared`] counts each
//! distinct article's terms once ([`super::terms`]) and then inverts each
//! bundle's own articles into postings: ids, document counts and the
//! breadcrumb's part of the scores are per bundle. The file layout is
//! [`super::files`]' business.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::hash::WordMap;
use super::terms::{self, combine, Counted, TermId, TermMemory};
use super::SearchDoc;

pub use super::terms::{
    compare_utf16, FieldWeight, BODY, BREADCRUMB, DESCRIPTION, HEADINGS, KEYWORDS, MAX_SCORE, TITLE,
};

/// One article containing a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Posting {
    /// The article's id: its position in [`LanguageIndex::docs`].
    pub doc: u32,
    /// How well the term matches the article (1..=[`MAX_SCORE`]).
    pub score: u8,
}

/// The index of one language of one bundle.
#[derive(Debug)]
pub struct LanguageIndex<'a> {
    /// The language code, as given in [`SearchDoc::lang`].
    pub lang: String,
    /// The articles, sorted by URL; an article's id is its position here.
    /// Sorting by URL keeps a category's articles together, so the results
    /// of one query tend to share document chunks.
    pub docs: Vec<&'a SearchDoc>,
    /// Every term of these articles with the range of its postings in
    /// [`Self::postings`], terms sorted by [`compare_utf16`] so the script
    /// can binary-search them with `<`.
    pub terms: Vec<(&'a str, std::ops::Range<usize>)>,
    /// The postings of all terms, each term's in ascending ids.
    pub postings: Vec<Posting>,
}

impl LanguageIndex<'_> {
    /// Every term with its postings, in [`compare_utf16`] order.
    pub fn term_postings(&self) -> impl Iterator<Item = (&str, &[Posting])> + '_ {
        self.terms
            .iter()
            .map(|(term, range)| (*term, &self.postings[range.clone()]))
    }
}

/// The articles of several bundles (subsets of one site, sharing most
/// articles), each distinct article's terms counted once.
#[derive(Debug)]
pub struct Shared {
    counted: Counted,
    /// Per bundle, per article: its number in [`Counted::articles`].
    articles: Vec<Vec<u32>>,
    /// Per bundle, per article: its breadcrumb's number in
    /// [`Counted::breadcrumbs`].
    breadcrumbs: Vec<Vec<u32>>,
}

impl Shared {
    /// Finds the distinct articles of `bundles` (two articles are the same
    /// when title, keywords, headings, description and body are equal; URL
    /// and breadcrumb belong to the bundle) and counts each one's terms.
    pub fn count(bundles: &[&[SearchDoc]]) -> Shared {
        Self::count_in(bundles, None)
    }

    /// [`Self::count`], reusing what `memory` knows of unchanged articles
    /// (see [`TermMemory`]).
    pub fn count_with(bundles: &[&[SearchDoc]], memory: &mut TermMemory) -> Shared {
        Self::count_in(bundles, Some(memory))
    }

    /// [`Self::count`] with a memory of earlier runs, or without one (a
    /// one-off index keeps nothing).
    fn count_in(bundles: &[&[SearchDoc]], memory: Option<&mut TermMemory>) -> Shared {
        let hashes: Vec<Vec<u64>> = bundles
            .iter()
            .map(|docs| docs.par_iter().map(text_hash).collect())
            .collect();
        let mut distinct: Vec<&SearchDoc> = Vec::new();
        let mut by_hash: WordMap<u64, Vec<u32>> = WordMap::default();
        let mut crumbs: Vec<&str> = Vec::new();
        let mut crumb_numbers: WordMap<&str, u32> = WordMap::default();
        let mut articles = Vec::with_capacity(bundles.len());
        let mut breadcrumbs = Vec::with_capacity(bundles.len());
        for (docs, hashes) in bundles.iter().zip(&hashes) {
            let mut numbers = Vec::with_capacity(docs.len());
            let mut crumb_of = Vec::with_capacity(docs.len());
            for (doc, &hash) in docs.iter().zip(hashes) {
                let same = by_hash.entry(hash).or_default();
                let number = match same.iter().find(|&&n| same_text(distinct[n as usize], doc)) {
                    Some(&n) => n,
                    None => {
                        let n = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
                        distinct.push(doc);
                        same.push(n);
                        n
                    }
                };
                numbers.push(number);
                let next = u32::try_from(crumbs.len()).unwrap_or(u32::MAX);
                let crumb = *crumb_numbers.entry(doc.breadcrumb.as_str()).or_insert(next);
                if crumb == next {
                    crumbs.push(&doc.breadcrumb);
                }
                crumb_of.push(crumb);
            }
            articles.push(numbers);
            breadcrumbs.push(crumb_of);
        }
        Shared {
            counted: match memory {
                Some(memory) => terms::count_with(&distinct, &crumbs, memory),
                None => terms::count(&distinct, &crumbs),
            },
            articles,
            breadcrumbs,
        }
    }

    /// The language indexes of bundle number `bundle`, whose articles are
    /// `docs` (as given to [`Self::count`]). Only these articles' terms go
    /// in, and ids, document counts and postings are this bundle's own.
    pub fn languages<'a>(&'a self, bundle: usize, docs: &'a [SearchDoc]) -> Vec<LanguageIndex<'a>> {
        let mut by_lang: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (n, doc) in docs.iter().enumerate() {
            by_lang.entry(doc.lang.as_str()).or_default().push(n);
        }
        let by_lang: Vec<(&str, Vec<usize>)> = by_lang.into_iter().collect();
        by_lang
            .into_par_iter()
            .map(|(lang, mut ids)| {
                ids.sort_by(|&a, &b| {
                    let (a, b) = (&docs[a], &docs[b]);
                    (&a.url, &a.title, &a.body).cmp(&(&b.url, &b.title, &b.body))
                });
                let (terms, postings) = self.invert(bundle, &ids);
                LanguageIndex {
                    lang: lang.to_owned(),
                    docs: ids.iter().map(|&n| &docs[n]).collect(),
                    terms,
                    postings,
                }
            })
            .collect()
    }

    /// Calls `emit` with each term of article `n` of `bundle` and its
    /// score: the article's own terms, then those only its breadcrumb has.
    /// `mark` is a zeroed scratch array (one byte per term), left zeroed.
    fn for_each_score(
        &self,
        bundle: usize,
        n: usize,
        mark: &mut [u8],
        mut emit: impl FnMut(TermId, u8),
    ) {
        let own = &self.counted.articles[self.articles[bundle][n] as usize];
        let crumb = &self.counted.breadcrumbs[self.breadcrumbs[bundle][n] as usize];
        for &(term, score) in crumb {
            mark[term as usize] = score;
        }
        for &(term, score) in own.iter() {
            let extra = std::mem::take(&mut mark[term as usize]);
            emit(term, combine(score, extra));
        }
        for &(term, score) in crumb {
            if std::mem::take(&mut mark[term as usize]) != 0 {
                emit(term, combine(0, score));
            }
        }
    }

    /// Postings of the articles `ids` of `bundle` (in id order): the terms
    /// that occur, sorted, each with its range in the postings.
    fn invert(
        &self,
        bundle: usize,
        ids: &[usize],
    ) -> (Vec<(&str, std::ops::Range<usize>)>, Vec<Posting>) {
        let terms = &self.counted.terms;
        let mut mark = vec![0u8; terms.len()];
        // Two passes: count each term's articles, then place the postings.
        let mut start = vec![0usize; terms.len()];
        for &n in ids {
            self.for_each_score(bundle, n, &mut mark, |term, _| start[term as usize] += 1);
        }
        let mut ranges = Vec::new();
        let mut total = 0;
        for &term in &self.counted.order {
            let count = start[term as usize];
            start[term as usize] = total;
            if count > 0 {
                ranges.push((&*terms[term as usize], total..total + count));
                total += count;
            }
        }
        let mut postings = vec![Posting::default(); total];
        for (doc, &n) in ids.iter().enumerate() {
            let doc = u32::try_from(doc).unwrap_or(u32::MAX);
            self.for_each_score(bundle, n, &mut mark, |term, score| {
                let at = &mut start[term as usize];
                postings[*at] = Posting { doc, score };
                *at += 1;
            });
        }
        (ranges, postings)
    }
}

/// A hash of the fields an article's own terms come from.
fn text_hash(doc: &SearchDoc) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = super::hash::WordHasher::default();
    (
        &doc.title,
        &doc.keywords,
        &doc.headings,
        &doc.description,
        &doc.body,
    )
        .hash(&mut hasher);
    hasher.finish()
}

/// Whether two articles have the same own terms (the fields of
/// [`text_hash`] are equal).
fn same_text(a: &SearchDoc, b: &SearchDoc) -> bool {
    a.title == b.title
        && a.keywords == b.keywords
        && a.headings == b.headings
        && a.description == b.description
        && a.body == b.body
}

/// The score of every term of one article, sorted by term (for tests and
/// tools; the index builder scores whole runs of articles at once).
pub fn doc_scores(doc: &SearchDoc) -> Vec<(String, u8)> {
    let docs = std::slice::from_ref(doc);
    let shared = Shared::count(&[docs]);
    let mut mark = vec![0u8; shared.counted.terms.len()];
    let mut scores = Vec::new();
    shared.for_each_score(0, 0, &mut mark, |term, score| {
        scores.push((shared.counted.terms[term as usize].to_string(), score));
    });
    scores.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

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
