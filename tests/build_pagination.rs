//! Paginated category and tag listings (`[build] listing_page_size`): the
//! page files, the links between them, each bundle's own page count, the
//! sitemap, stale pages after a rebuild (also through the build cache) and
//! the setting's validation. Real binary on a site written by the test.

mod support;

use support::{stderr, Site};

const CONFIG: &str = "[site]\ntitle = \"Paging\"\nbase_url = \"https://help.example.com\"\n";

fn config(page_size: &str) -> String {
    format!("{CONFIG}\n[build]\nlisting_page_size = {page_size}\n")
}

fn article(title: &str, category: &str, tags: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2026-01-10\ncategory: {category}\ntags: [{tags}]\n---\nAbout {title}.\n")
}

/// `guides` holds five public articles (`Guide 1` … `Guide 5`) and two
/// internal ones (`Guide 2b`, `Guide 6`), all tagged `billing`, and has a
/// sub-category `guides/deeper` with one public article. Two per page:
/// three public pages, four internal ones.
fn site() -> Site {
    let site = Site::empty();
    site.write("docket.toml", config("2"));
    for n in 1..=5 {
        site.write(
            &format!("content/guides/g{n}.md"),
            article(&format!("Guide {n}"), "guides", "billing"),
        );
    }
    site.write(
        "content/guides/g2b.md",
        article("Guide 2b", "guides", "billing, internal"),
    );
    site.write(
        "content/guides/g6.md",
        article("Guide 6", "guides", "billing, internal"),
    );
    site.write(
        "content/guides/deeper/deep.md",
        article("Deep one", "guides/deeper", "setup"),
    );
    site
}

/// The titles listed in `ul.article-list` of a listing page, in order.
fn listed(html: &str) -> Vec<String> {
    let Some(list) = html.split("<ul class=\"article-list\">").nth(1) else {
        return Vec::new();
    };
    let list = list.split("</ul>").next().unwrap_or_default();
    list.split("<li><a href=\"")
        .skip(1)
        .filter_map(|item| item.split('>').nth(1))
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn listings_are_split_into_pages_linked_to_each_other() {
    let site = site();
    site.build();
    let p1 = site.read("public/categories/guides/index.html");
    let p2 = site.read("public/categories/guides/page/2/index.html");
    let p3 = site.read("public/categories/guides/page/3/index.html");
    assert!(!site.exists("public/categories/guides/page/4"));
    assert!(!site.exists("public/categories/guides/page/1"));
    assert_eq!(listed(&p1), ["Guide 1", "Guide 2"]);
    assert_eq!(listed(&p2), ["Guide 3", "Guide 4"]);
    assert_eq!(listed(&p3), ["Guide 5"]);

    assert!(p1.contains("<a rel=\"next\" href=\"/categories/guides/page/2/\">"));
    assert!(p1.contains("<link rel=\"next\" href=\"/categories/guides/page/2/\">"));
    assert!(!p1.contains("rel=\"prev\""), "{p1}");
    assert!(p1.contains("Page 1 of 3"), "{p1}");
    assert!(p2.contains("<a rel=\"prev\" href=\"/categories/guides/\">"));
    assert!(p2.contains("<link rel=\"prev\" href=\"/categories/guides/\">"));
    assert!(p2.contains("<a rel=\"next\" href=\"/categories/guides/page/3/\">"));
    assert!(p2.contains("Page 2 of 3"), "{p2}");
    assert!(p3.contains("<a rel=\"prev\" href=\"/categories/guides/page/2/\">"));
    assert!(!p3.contains("rel=\"next\""), "{p3}");
    assert!(
        p3.contains("<title>Guides (page 3) | Paging</title>"),
        "{p3}"
    );

    // Sub-categories are on page 1 only.
    assert!(p1.contains("href=\"/categories/guides/deeper/\""), "{p1}");
    assert!(!p2.contains("/categories/guides/deeper/"), "{p2}");
    // A listing that fits on one page has no page links.
    let deeper = site.read("public/categories/guides/deeper/index.html");
    assert!(!deeper.contains("nav class=\"pagination\""), "{deeper}");
    assert!(!deeper.contains("rel=\"next\""), "{deeper}");

    // Tags are paginated the same way.
    let tag2 = site.read("public/tags/billing/page/2/index.html");
    assert_eq!(listed(&tag2), ["Guide 3", "Guide 4"]);
    assert!(tag2.contains("<a rel=\"prev\" href=\"/tags/billing/\">"));
    assert!(site.exists("public/tags/billing/page/3/index.html"));
    assert!(!site.exists("public/tags/billing/page/4"));
}

#[test]
fn each_bundle_counts_its_own_pages_and_public_pages_never_reach_internal_ones() {
    let site = site();
    site.build();
    // Internal: seven articles, four pages, links under /internal/.
    let i2 = site.read("internal/categories/guides/page/2/index.html");
    assert_eq!(listed(&i2), ["Guide 2b", "Guide 3"]);
    assert!(i2.contains("Page 2 of 4"), "{i2}");
    assert!(i2.contains("<a rel=\"next\" href=\"/internal/categories/guides/page/3/\">"));
    let i4 = site.read("internal/categories/guides/page/4/index.html");
    assert_eq!(listed(&i4), ["Guide 6"]);
    assert!(site.exists("internal/tags/billing/page/4/index.html"));

    // Public: no internal article and no link to a page only the internal
    // bundle has, anywhere.
    for (path, bytes) in site.files("public") {
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "Guide 2b",
            "Guide 6",
            "guides/g2b/",
            "guides/g6/",
            "/page/4/",
        ] {
            assert!(!text.contains(secret), "public/{path} names {secret}");
        }
    }
    assert!(site
        .read("public/categories/guides/page/3/index.html")
        .contains("Page 3 of 3"));
}

#[test]
fn the_sitemap_lists_the_first_page_of_each_listing_only() {
    let site = site();
    site.build();
    let sitemap = site.read("public/sitemap.xml");
    assert!(sitemap.contains("<loc>https://help.example.com/categories/guides/</loc>"));
    assert!(sitemap.contains("<loc>https://help.example.com/tags/billing/</loc>"));
    assert!(!sitemap.contains("/page/"), "{sitemap}");
}

#[test]
fn a_rebuild_removes_pages_a_listing_no_longer_fills_and_the_cache_never_skips_it() {
    let site = site();
    site.build();
    assert!(site.exists("public/categories/guides/page/3/index.html"));

    // Two fewer public articles: three left, two pages.
    site.remove("content/guides/g4.md");
    site.remove("content/guides/g5.md");
    let out = site.build();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
    assert!(!site.exists("public/categories/guides/page/3"));
    assert!(!site.exists("public/tags/billing/page/3"));
    assert_eq!(
        listed(&site.read("public/categories/guides/page/2/index.html")),
        ["Guide 3"]
    );
    // Internal: five articles, three pages.
    assert!(site.exists("internal/categories/guides/page/3/index.html"));
    assert!(!site.exists("internal/categories/guides/page/4"));

    // Only the setting changes: one article per page.
    site.write("docket.toml", config("1"));
    let out = site.build();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
    assert_eq!(
        listed(&site.read("public/categories/guides/page/3/index.html")),
        ["Guide 3"]
    );
    assert!(!site.exists("public/categories/guides/page/4"));
    assert!(site.exists("internal/categories/guides/page/5/index.html"));

    // Back to the default (30): every listing fits on its page 1.
    site.write("docket.toml", CONFIG);
    site.build();
    for bundle in ["public", "internal"] {
        let paged: Vec<String> = site
            .files(bundle)
            .into_iter()
            .map(|(path, _)| path)
            .filter(|p| p.contains("/page/"))
            .collect();
        assert!(paged.is_empty(), "{bundle}: {paged:?}");
    }
    let out = site.build();
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
}

#[test]
fn a_page_size_of_zero_or_absurd_size_is_an_error_naming_file_and_key() {
    for bad in ["0", "100000", "-3", "\"thirty\""] {
        let site = site();
        site.write("docket.toml", config(bad));
        let out = site.docket(&["build"]);
        assert!(!out.status.success(), "{bad} accepted");
        let err = stderr(&out);
        assert!(err.contains("docket.toml"), "{bad}: {err}");
        assert!(err.contains("listing_page_size"), "{bad}: {err}");
        assert!(!site.exists("public"), "{bad}: something was written");
    }
}

#[test]
fn a_category_that_would_be_a_listing_page_is_an_error_naming_file_and_line() {
    let site = site();
    site.write(
        "content/guides/clash.md",
        article("Clash", "guides/page/2", "billing"),
    );
    let out = site.docket(&["build"]);
    assert!(
        !out.status.success(),
        "a category `guides/page/2` was accepted"
    );
    let err = stderr(&out);
    assert!(err.contains("clash.md:4"), "{err}");
    assert!(err.contains("guides/page/2"), "{err}");
    assert!(!site.exists("public"), "something was written: {err}");

    // The same path from folders alone, without `category:`.
    let site = Site::empty();
    site.write("docket.toml", config("2"));
    site.write(
        "content/guides/page/3/deep.md",
        "---\ntitle: Deep\ndate: 2026-01-10\n---\nDeep.\n",
    );
    let out = site.docket(&["build"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("deep.md:1"), "{err}");
    assert!(err.contains("guides/page/3"), "{err}");
}
