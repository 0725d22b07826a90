//! Relative `.md` links are rewritten to the target's URL with the anchor
//! kept, in both bundles, each with its own root; other links are left
//! alone.

mod support;

use support::Site;

#[test]
fn md_links_become_urls_with_anchors_kept() {
    let site = Site::fixture("links");
    site.build();
    let page = site.read("public/guides/start/index.html");
    assert!(
        page.contains("href=\"/guides/set-up/#before-you-begin\""),
        "{page}"
    );
    assert!(page.contains("href=\"/categories/billing/\""), "{page}");
    assert!(page.contains("href=\"/billing/refunds/\""), "{page}");
    assert!(page.contains("href=\"/billing/refunds/#how\""), "{page}");
}

#[test]
fn external_links_and_anchors_are_left_alone() {
    let site = Site::fixture("links");
    site.build();
    let page = site.read("public/guides/start/index.html");
    assert!(page.contains("href=\"https://example.org/x.md\""), "{page}");
    assert!(page.contains("href=\"mailto:help@example.com\""), "{page}");
    assert!(page.contains("href=\"#top\""), "{page}");
}

#[test]
fn the_internal_bundle_rewrites_links_under_its_root() {
    let site = Site::fixture("links");
    site.build();
    let page = site.read("internal/guides/start/index.html");
    assert!(
        page.contains("href=\"/internal/guides/set-up/#before-you-begin\""),
        "{page}"
    );
    assert!(
        page.contains("href=\"/internal/billing/refunds/#how\""),
        "{page}"
    );
    let agents = site.read("internal/billing/agent-refunds/index.html");
    assert!(
        agents.contains("href=\"/internal/billing/refunds/\""),
        "{agents}"
    );
}

#[test]
fn a_category_intro_titles_its_page() {
    let site = Site::fixture("links");
    site.build();
    let page = site.read("public/categories/billing/index.html");
    assert!(page.contains("<h1>Billing and payments</h1>"), "{page}");
    assert!(page.contains("Everything about invoices."), "{page}");
}
