//! Languages: `name.ja.md` and `translationKey` link versions, the
//! default language has no prefix, `hreflang` alternates and a notice on
//! translations whose source is newer.

mod support;

use support::Site;

#[test]
fn translations_are_linked_both_ways_with_hreflang() {
    let site = Site::fixture("languages");
    site.build();
    let en = site.read("public/portal/register/index.html");
    assert!(en.contains("<html lang=\"en\">"), "{en}");
    // Absolute, every version including the page's own, then x-default
    // (defect 7: they were root-relative and named only the others).
    let links = "<link rel=\"alternate\" hreflang=\"en\" href=\"https://help.example.com/portal/register/\">\n\
                 <link rel=\"alternate\" hreflang=\"ja\" href=\"https://help.example.com/ja/portal/touroku/\">\n\
                 <link rel=\"alternate\" hreflang=\"x-default\" href=\"https://help.example.com/portal/register/\">";
    assert!(en.contains(links), "{en}");
    assert!(
        en.contains("<link rel=\"canonical\" href=\"https://help.example.com/portal/register/\">"),
        "{en}"
    );
    let ja = site.read("public/ja/portal/touroku/index.html");
    assert!(ja.contains("<html lang=\"ja\">"), "{ja}");
    assert!(ja.contains(links), "{ja}");
    assert!(
        ja.contains(
            "<link rel=\"canonical\" href=\"https://help.example.com/ja/portal/touroku/\">"
        ),
        "{ja}"
    );
    assert!(ja.contains("<h2 id=\"概要\">概要</h2>"), "{ja}");
}

#[test]
fn a_translation_older_than_its_source_is_marked_outdated() {
    let site = Site::fixture("languages");
    site.build();
    let ja = site.read("public/ja/portal/touroku/index.html");
    assert!(ja.contains("notice notice-outdated"), "{ja}");
    let fresh = site.read("public/ja/portal/tickets/index.html");
    assert!(!fresh.contains("notice-outdated"), "{fresh}");
    let en = site.read("public/portal/register/index.html");
    assert!(!en.contains("notice-outdated"), "{en}");
}

#[test]
fn each_language_has_its_home_and_related_articles_stay_in_it() {
    let site = Site::fixture("languages");
    site.build();
    assert!(site.read("public/ja/index.html").contains("ヘルプ"));
    let en = site.read("public/portal/register/index.html");
    assert!(en.contains("<section class=\"related\""), "{en}");
    assert!(en.contains("href=\"/portal/tickets/\""), "{en}");
    assert!(!en.contains("href=\"/ja/portal/tickets/\""), "{en}");
}

#[test]
fn keywords_reach_the_meta_tag() {
    let site = Site::fixture("languages");
    site.build();
    let en = site.read("public/portal/register/index.html");
    assert!(
        en.contains("<meta name=\"keywords\" content=\"account, register\">"),
        "{en}"
    );
}

#[test]
fn a_same_named_version_without_a_key_joins_the_key_of_the_other() {
    let site = Site::fixture("languages");
    site.build();
    let ja = site.read("public/ja/portal/reply/index.html");
    assert!(
        ja.contains("hreflang=\"en\" href=\"https://help.example.com/portal/reply/\""),
        "{ja}"
    );
}

#[test]
fn category_pages_name_their_other_languages() {
    let site = Site::fixture("languages");
    site.build();
    let en = site.read("public/categories/portal/index.html");
    assert!(
        en.contains("<link rel=\"alternate\" hreflang=\"ja\" href=\"https://help.example.com/ja/categories/portal/\">"),
        "{en}"
    );
    assert!(
        en.contains("<link rel=\"alternate\" hreflang=\"en\" href=\"https://help.example.com/categories/portal/\">"),
        "{en}"
    );
}

#[test]
fn the_sitemap_lists_every_language_version_of_a_page() {
    let site = Site::fixture("languages");
    site.build();
    let map = site.read("public/sitemap.xml");
    assert!(
        map.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""),
        "{map}"
    );
    let entry = "<url><loc>https://help.example.com/ja/portal/touroku/</loc>";
    let at = map.find(entry).unwrap_or_else(|| panic!("{map}"));
    let end = at + map[at..].find("</url>").unwrap_or(0);
    let url = &map[at..end];
    for (lang, href) in [
        ("en", "https://help.example.com/portal/register/"),
        ("ja", "https://help.example.com/ja/portal/touroku/"),
        ("x-default", "https://help.example.com/portal/register/"),
    ] {
        assert!(
            url.contains(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"{lang}\" href=\"{href}\"/>"
            )),
            "{lang} in {url}"
        );
    }
    // The home pages name each other too.
    assert!(
        map.contains("<url><loc>https://help.example.com/</loc>\n  <xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://help.example.com/\"/>"),
        "{map}"
    );
}

#[test]
fn the_header_search_box_carries_the_page_language() {
    let site = Site::fixture("languages");
    site.build();
    let ja = site.read("public/ja/portal/touroku/index.html");
    assert!(
        ja.contains("<input type=\"hidden\" name=\"lang\" value=\"ja\">"),
        "{ja}"
    );
}
