//! Content written for Hugo builds unchanged: Hugo's fields are accepted,
//! `categories` gives the category, shortcodes are left as text.

mod build_support;

use build_support::Site;

#[test]
fn hugo_front_matter_builds_unchanged() {
    let site = Site::fixture("hugo");
    site.build();
    let page = site.read("public/posts/refund-policy/index.html");
    assert!(page.contains("<h1>Refund policy</h1>"), "{page}");
    assert!(
        page.contains("<li><a href=\"/categories/billing/refunds/\">Refunds</a></li>"),
        "{page}"
    );
    assert!(page.contains("{{&lt; notice warning &gt;}}"), "{page}");
    assert!(
        page.contains("datetime=\"2026-01-30T10:00:00+09:00\""),
        "{page}"
    );
    assert!(site.exists("public/categories/billing/refunds/index.html"));
}
