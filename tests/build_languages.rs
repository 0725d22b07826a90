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
    assert!(
        en.contains("<link rel=\"alternate\" hreflang=\"ja\" href=\"/ja/portal/touroku/\">"),
        "{en}"
    );
    let ja = site.read("public/ja/portal/touroku/index.html");
    assert!(ja.contains("<html lang=\"ja\">"), "{ja}");
    assert!(
        ja.contains("hreflang=\"en\" href=\"/portal/register/\""),
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
        ja.contains("hreflang=\"en\" href=\"/portal/reply/\""),
        "{ja}"
    );
}

#[test]
fn category_pages_name_their_other_languages() {
    let site = Site::fixture("languages");
    site.build();
    let en = site.read("public/categories/portal/index.html");
    assert!(
        en.contains("<link rel=\"alternate\" hreflang=\"ja\" href=\"/ja/categories/portal/\">"),
        "{en}"
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
