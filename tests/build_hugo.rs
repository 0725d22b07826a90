//! Content written for Hugo builds unchanged: Hugo's fields are accepted,
//! `categories` gives the category, the site's own shortcodes render.

mod support;

use support::Site;

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
    assert!(
        page.contains("<div class=\"notice notice-warning\">Refunds take 5 days.</div>"),
        "{page}"
    );
    assert!(!page.contains("{{"), "{page}");
    assert!(
        page.contains("datetime=\"2026-01-30T10:00:00+09:00\""),
        "{page}"
    );
    assert!(site.exists("public/categories/billing/refunds/index.html"));
}
