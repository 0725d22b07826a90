//! `docket serve`'s incremental rebuilds of paginated listings, through the
//! library's real [`Builder`] (the same one `docket serve` runs) on a site
//! written by the test: an edit re-renders only the listing pages that
//! list the article, a move re-renders the pages between its old and new
//! place, a new article the pages from its place on, and a listing that
//! shrinks loses its last pages. `serve_live.rs` checks that the output
//! then equals a fresh `docket build`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use docket::config::Settings;
use docket::serve::changes::Changes;
use docket::serve::rebuild::{Builder, Outcome};

struct Fixture {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    out: std::path::PathBuf,
    builder: Builder,
}

fn article(title: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2026-01-10\ncategory: guides\ntags: [billing]\n---\n{body}\n"
    )
}

impl Fixture {
    /// Nine public articles `Guide 1` … `Guide 9` in `guides`, tagged
    /// `billing`, two per page: five pages per listing and bundle.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        let out = dir.path().join("out");
        std::fs::create_dir_all(root.join("content/guides")).unwrap();
        std::fs::write(
            root.join("docket.toml"),
            "[site]\ntitle = \"T\"\n\n[build]\nlisting_page_size = 2\n",
        )
        .unwrap();
        for n in 1..=9 {
            std::fs::write(
                root.join(format!("content/guides/g{n}.md")),
                article(&format!("Guide {n}"), "Body."),
            )
            .unwrap();
        }
        let settings = Settings::load(&root, Some(&out)).unwrap();
        let mut builder = Builder::new(settings);
        builder.full().unwrap();
        Self {
            _dir: dir,
            root,
            out,
            builder,
        }
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.root.join("content").join(rel), text).unwrap();
    }

    /// Rebuilds after `rels` (under `content/`) changed.
    fn apply(&mut self, rels: &[&str]) -> Outcome {
        let changes = Changes {
            content: rels.iter().map(|r| (*r).to_owned()).collect(),
            ..Changes::default()
        };
        self.builder.apply(&changes, &mut |_| {}).unwrap()
    }

    fn page(&self, bundle: &str, rel: &str) -> String {
        std::fs::read_to_string(self.out.join(bundle).join(rel)).unwrap_or_default()
    }

    fn exists(&self, bundle: &str, rel: &str) -> bool {
        Path::new(&self.out.join(bundle).join(rel)).exists()
    }
}

#[test]
fn an_edit_in_place_re_renders_only_the_pages_that_list_the_article() {
    let mut f = Fixture::new();
    assert!(f.exists("public", "categories/guides/page/5/index.html"));
    // Guide 5 is on page 3 of the category and of the tag, in each bundle.
    f.write("guides/g5.md", &article("Guide 5", "New body."));
    let outcome = f.apply(&["guides/g5.md"]);
    assert_eq!(outcome.listings, 4, "{outcome:?}");

    // A new summary shows on its listing page.
    f.write("guides/g5.md", &article("Guide 5", "Changed summary."));
    let outcome = f.apply(&["guides/g5.md"]);
    assert_eq!(outcome.listings, 4, "{outcome:?}");
    let page3 = f.page("public", "categories/guides/page/3/index.html");
    assert!(page3.contains("Changed summary."), "{page3}");
}

#[test]
fn a_move_re_renders_the_pages_between_its_old_and_new_place() {
    let mut f = Fixture::new();
    // Guide 5 (page 3) retitled to sort first: pages 1 to 3 of the
    // category and the tag, in both bundles; pages 4 and 5 stay.
    f.write("guides/g5.md", &article("Guide 0", "Body."));
    let outcome = f.apply(&["guides/g5.md"]);
    assert_eq!(outcome.listings, 12, "{outcome:?}");
    let page1 = f.page("public", "categories/guides/index.html");
    assert!(page1.contains("Guide 0"), "{page1}");
    let page3 = f.page("public", "categories/guides/page/3/index.html");
    assert!(page3.contains("Guide 4") && !page3.contains("Guide 0"));
}

#[test]
fn an_addition_re_renders_from_its_place_on_and_a_removal_drops_the_last_page() {
    let mut f = Fixture::new();
    // "Guide 7b" goes between Guide 7 (page 4) and Guide 8: ten articles
    // still fill five pages, so pages 4 and 5 change, in both listings and
    // both bundles.
    f.write("guides/g7b.md", &article("Guide 7b", "Body."));
    let outcome = f.apply(&["guides/g7b.md"]);
    assert_eq!(outcome.listings, 8, "{outcome:?}");
    let page4 = f.page("internal", "tags/billing/page/4/index.html");
    assert!(page4.contains("Guide 7b"), "{page4}");

    // Three gone: seven left, four pages; page 5 is removed with its
    // folder, and every remaining page says "of 4".
    for n in [1, 2, 3] {
        std::fs::remove_file(f.root.join(format!("content/guides/g{n}.md"))).unwrap();
    }
    let outcome = f.apply(&["guides/g1.md", "guides/g2.md", "guides/g3.md"]);
    assert!(outcome.removed >= 4, "{outcome:?}");
    for bundle in ["public", "internal"] {
        for listing in ["categories/guides", "tags/billing"] {
            assert!(
                !f.exists(bundle, &format!("{listing}/page/5")),
                "{bundle} {listing}"
            );
            let last = f.page(bundle, &format!("{listing}/page/4/index.html"));
            assert!(last.contains("Page 4 of 4"), "{bundle} {listing}: {last}");
            assert!(!last.contains("rel=\"next\""), "{bundle} {listing}: {last}");
        }
    }

    // Grown again past four pages: page 5 comes back.
    for n in [1, 2, 3] {
        f.write(
            &format!("guides/g{n}.md"),
            &article(&format!("Guide {n}"), "Back."),
        );
    }
    f.apply(&["guides/g1.md", "guides/g2.md", "guides/g3.md"]);
    assert!(f.exists("public", "categories/guides/page/5/index.html"));
}
