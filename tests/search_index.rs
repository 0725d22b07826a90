//! Building the search index: weights, shards, languages, documents.

use std::collections::BTreeMap;

use docket::search::files::{decode_postings, Manifest};
use docket::search::index::{compare_utf16, Posting};
use docket::search::{build_index, IndexFile, SearchDoc};

fn doc(url: &str, lang: &str, title: &str, body: &str) -> SearchDoc {
    SearchDoc {
        url: url.to_owned(),
        title: title.to_owned(),
        lang: lang.to_owned(),
        breadcrumb: "Tickets › Customer portal".to_owned(),
        body: body.into(),
        ..SearchDoc::default()
    }
}

/// Filler articles sharing a vocabulary, so the index has many shards.
fn filler(count: usize, lang: &str) -> Vec<SearchDoc> {
    (0..count)
        .map(|i| {
            let body: Vec<String> = (0..60)
                .map(|w| format!("word{}", (i * 7 + w * 13) % 997))
                .collect();
            doc(
                &format!("filler/{i}/"),
                lang,
                &format!("Filler {i}"),
                &body.join(" "),
            )
        })
        .collect()
}

fn is_shard(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with('t'))
}

struct Built {
    files: BTreeMap<String, Vec<u8>>,
    manifest: Manifest,
}

fn build(docs: &[SearchDoc]) -> Built {
    let files: BTreeMap<String, Vec<u8>> = build_index(docs)
        .into_iter()
        .map(|IndexFile { path, bytes }| (path, bytes))
        .collect();
    let manifest = serde_json::from_slice(&files["search/manifest.json"]).expect("manifest parses");
    Built { files, manifest }
}

impl Built {
    fn shard(&self, path: &str) -> BTreeMap<String, String> {
        serde_json::from_slice(&self.files[path]).expect("shard parses")
    }

    /// The shard the browser would fetch for `term`, found the way the
    /// script finds it: the last key not after the term.
    fn keys(&self, lang: &str) -> Vec<String> {
        let dir = &self.manifest.languages[lang].dir;
        serde_json::from_slice(&self.files[&format!("search/{dir}/keys.json")]).expect("keys parse")
    }

    fn shard_path_for(&self, lang: &str, term: &str) -> String {
        let language = &self.manifest.languages[lang];
        let n = self
            .keys(lang)
            .iter()
            .rposition(|key| compare_utf16(key, term).is_le())
            .unwrap_or(0);
        format!("search/{}/t{n}.json", language.dir)
    }

    fn postings(&self, lang: &str, term: &str) -> Vec<Posting> {
        let shard = self.shard(&self.shard_path_for(lang, term));
        shard
            .get(term)
            .map(|p| decode_postings(p).expect("postings decode"))
            .unwrap_or_default()
    }

    fn shards_containing(&self, term: &str) -> Vec<String> {
        self.files
            .keys()
            .filter(|path| is_shard(path))
            .filter(|path| self.shard(path).contains_key(term))
            .cloned()
            .collect()
    }

    fn record(&self, lang: &str, id: u32) -> Vec<String> {
        let language = &self.manifest.languages[lang];
        let id = id as usize;
        let path = format!("search/{}/d{}.json", language.dir, id / language.chunk);
        let chunk: Vec<Vec<String>> =
            serde_json::from_slice(&self.files[&path]).expect("chunk parses");
        chunk[id % language.chunk].clone()
    }
}

#[test]
fn a_word_in_one_article_is_in_exactly_one_shard_the_one_its_term_points_to() {
    let mut docs = filler(1500, "en");
    docs.push(doc(
        "billing/refunds/",
        "en",
        "Refunds",
        "Ask for a zygomorphic refund.",
    ));
    let built = build(&docs);
    let shard_count = built.manifest.languages["en"].shards;
    assert_eq!(built.keys("en").len(), shard_count);
    assert!(
        shard_count > 5,
        "the fixture should need several shards, got {shard_count}"
    );

    let expected = built.shard_path_for("en", "zygomorphic");
    assert_eq!(built.shards_containing("zygomorphic"), vec![expected]);
    let postings = built.postings("en", "zygomorphic");
    assert_eq!(postings.len(), 1);
    assert_eq!(built.record("en", postings[0].doc)[0], "billing/refunds/");
}

#[test]
fn every_term_is_found_through_the_manifest() {
    let built = build(&filler(800, "en"));
    for path in built.files.keys().filter(|p| is_shard(p)) {
        for term in built.shard(path).keys() {
            assert_eq!(&built.shard_path_for("en", term), path, "{term}");
        }
    }
}

#[test]
fn shards_stay_near_the_target_size() {
    let built = build(&filler(3000, "en"));
    for (path, bytes) in built.files.iter().filter(|(p, _)| is_shard(p)) {
        assert!(
            bytes.len() <= docket::search::files::SHARD_TARGET_BYTES,
            "{path}: {}",
            bytes.len()
        );
    }
}

#[test]
fn a_title_match_outranks_a_body_match() {
    let built = build(&[
        doc("a/", "en", "Invoices", "Something else entirely."),
        doc("b/", "en", "Something else", "Your invoice is attached."),
    ]);
    let postings = built.postings("en", "invoic");
    let score = |url: &str| {
        postings
            .iter()
            .find(|p| built.record("en", p.doc)[0] == url)
            .map(|p| p.score)
            .unwrap_or(0)
    };
    assert!(score("a/") > score("b/"), "{postings:?}");
    assert!(score("b/") > 0);
}

#[test]
fn keywords_weigh_more_than_headings_description_and_body() {
    let mut by_keyword = doc("k/", "en", "One", "");
    by_keyword.keywords = vec!["refund".to_owned()];
    let mut by_heading = doc("h/", "en", "Two", "");
    by_heading.headings = vec!["Refund".to_owned()];
    let mut by_description = doc("d/", "en", "Three", "");
    by_description.description = "A refund.".to_owned();
    let by_body = doc("x/", "en", "Four", "refund refund refund");
    let built = build(&[by_keyword, by_heading, by_description, by_body]);
    let postings = built.postings("en", "refund");
    let ranked: Vec<String> = {
        let mut p = postings.clone();
        p.sort_by_key(|p| std::cmp::Reverse(p.score));
        p.iter()
            .map(|p| built.record("en", p.doc)[0].clone())
            .collect()
    };
    assert_eq!(ranked, ["k/", "h/", "d/", "x/"]);
}

#[test]
fn each_language_has_its_own_index() {
    let built = build(&[
        doc("password/", "en", "Reset your password", "Click the link."),
        doc(
            "ja/password/",
            "ja",
            "パスワードの再設定",
            "リンクをクリックします。",
        ),
    ]);
    assert_eq!(built.manifest.languages["en"].dir, "en");
    assert_eq!(built.manifest.languages["ja"].dir, "ja");
    assert_eq!(built.postings("ja", "再設").len(), 1);
    assert!(built.postings("en", "再設").is_empty());
    assert!(built.postings("ja", "password").is_empty());
    for path in built.shards_containing("再設") {
        assert!(path.starts_with("search/ja/"), "{path}");
    }
}

#[test]
fn a_strange_language_code_cannot_escape_the_search_folder() {
    let built = build(&[doc("a/", "../../etc", "Title", "Body")]);
    assert_eq!(built.manifest.languages["../../etc"].dir, "_0");
    assert!(built
        .files
        .keys()
        .all(|p| p.starts_with("search/") && !p.contains("..")));
}

#[test]
fn the_default_language_is_the_one_with_most_articles() {
    let mut docs = filler(3, "ja");
    docs.extend(filler(2, "en"));
    assert_eq!(build(&docs).manifest.default, "ja");
}

#[test]
fn the_index_does_not_depend_on_the_order_of_the_articles() {
    let mut docs = filler(200, "en");
    docs.push(doc("ja/a/", "ja", "東京", "東京都の天気"));
    let forward = build_index(&docs);
    docs.reverse();
    assert_eq!(build_index(&docs), forward);
}

#[test]
fn documents_carry_display_data_with_a_short_excerpt() {
    let long_body = "lorem ipsum ".repeat(500);
    let built = build(&[SearchDoc {
        description: "How refunds work.".to_owned(),
        ..doc("billing/refunds/", "en", "Refunds", &long_body)
    }]);
    let record = built.record("en", 0);
    assert_eq!(
        record[..4],
        [
            "billing/refunds/",
            "Refunds",
            "Tickets › Customer portal",
            "How refunds work."
        ]
    );
    assert!(record[4].len() <= docket::search::files::EXCERPT_BYTES);
    assert!(record[4].ends_with('…'));
}

#[test]
fn an_empty_site_has_a_manifest_and_nothing_else() {
    let built = build(&[]);
    assert_eq!(built.files.len(), 1);
    assert!(built.manifest.languages.is_empty());
}

#[test]
fn bundles_indexed_together_get_the_files_each_gets_alone() {
    // A public bundle and an internal one holding it and more, with a
    // breadcrumb that differs between the bundles for a shared article
    // and an internal article with a word no public one has.
    let mut public = filler(300, "en");
    public.push(doc("ja/a/", "ja", "東京", "東京都の天気"));
    let mut internal: Vec<SearchDoc> = public
        .iter()
        .map(|d| SearchDoc {
            url: format!("/internal/{}", d.url),
            ..d.clone()
        })
        .collect();
    internal[3].breadcrumb = "Staff only › Filler".to_owned();
    internal.push(doc(
        "secret/",
        "en",
        "Escalations",
        "The quetzalcoatl runbook, for staff.",
    ));
    // The same text under two URLs is two articles of one bundle.
    internal.push(SearchDoc {
        url: "/internal/copy/".to_owned(),
        ..public[0].clone()
    });
    let together = docket::search::build_indexes(&[&public, &internal, &[]]);
    assert_eq!(together.len(), 3);
    assert_eq!(together[0], build_index(&public));
    assert_eq!(together[1], build_index(&internal));
    assert_eq!(together[2], build_index(&[]));
    assert!(docket::search::files_mentioning(&together[0], "quetzalcoatl").is_empty());
    assert!(!docket::search::files_mentioning(&together[1], "quetzalcoatl").is_empty());
    assert!(docket::search::files_mentioning(&together[0], "staff").is_empty());
}

/// `docket serve` keeps a [`TermMemory`] between edits and tokenises only
/// the articles whose text changed. Whatever the memory holds (articles
/// since edited, removed, or words no article uses any more), the files
/// must be byte for byte what a fresh build of the same articles makes;
/// otherwise a live preview would search differently from the site.
#[test]
fn an_index_built_with_memory_of_earlier_runs_equals_a_fresh_one() {
    use docket::search::{build_indexes, build_indexes_remembering, IndexOptions, TermMemory};
    let mut memory = TermMemory::default();
    let options = IndexOptions::default();
    let mut public = filler(300, "en");
    public.push(doc("ja/1/", "ja", "ログイン", "パスワードを忘れた場合"));
    let mut internal = public.clone();
    internal.push(doc("secret/", "en", "Escalation", "zebracorn runbook"));
    let runs: Vec<(Vec<SearchDoc>, Vec<SearchDoc>)> = {
        let mut runs = vec![(public.clone(), internal.clone())];
        // An edit: a new word in one article, another removed from the
        // site, an article gone and one added.
        let mut public2 = public.clone();
        public2[3].body = format!("{} quokka", public2[3].body).into();
        public2.remove(10);
        public2.push(doc("new/", "en", "Brand new", "word1 word2 fresh"));
        let mut internal2 = public2.clone();
        internal2.push(doc("secret/", "en", "Escalation", "runbook only"));
        runs.push((public2, internal2));
        // And back to the first state.
        runs.push((public.clone(), internal.clone()));
        runs
    };
    for (n, (public, internal)) in runs.iter().enumerate() {
        let bundles: [&[SearchDoc]; 2] = [public, internal];
        let remembered = build_indexes_remembering(&bundles, &options, &mut memory);
        let fresh = build_indexes(&bundles);
        assert_eq!(remembered.len(), 2);
        for (kept, fresh) in remembered.iter().zip(&fresh) {
            assert_eq!(kept.len(), fresh.len(), "run {n}: file count");
            for (kept, fresh) in kept.iter().zip(fresh) {
                assert_eq!(kept.path, fresh.path, "run {n}");
                assert!(kept.bytes == fresh.bytes, "run {n}: {} differs", kept.path);
            }
        }
        // What the second run removed is not found in its public index.
        let public_files: Vec<u8> = remembered[0].iter().flat_map(|f| f.bytes.clone()).collect();
        let text = String::from_utf8_lossy(&public_files);
        assert!(!text.contains("zebracorn"), "run {n}: internal word public");
        assert_eq!(text.contains("quokka"), n == 1, "run {n}: quokka");
    }
}
