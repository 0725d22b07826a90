//! The files of the output contract: home, nested category pages, tag
//! pages, 404, sitemap (absolute URLs), Atom feed and robots.txt (public
//! only).

mod support;

use support::Site;

fn built() -> Site {
    let site = Site::fixture("outputs");
    site.build();
    site
}

#[test]
fn articles_are_written_under_their_folder_path() {
    let site = built();
    assert!(site.exists("public/ticket-system/customer-portal/my-page/index.html"));
    assert!(site.exists("public/ticket-system/submit/index.html"));
}

#[test]
fn category_pages_list_children_and_articles_in_weight_order() {
    let site = built();
    let top = site.read("public/categories/ticket-system/index.html");
    assert!(top.contains("<h1>Ticket system</h1>"), "{top}");
    assert!(
        top.contains("<a href=\"/categories/ticket-system/customer-portal/\">Customer Portal</a>"),
        "{top}"
    );
    assert!(top.contains("href=\"/ticket-system/submit/\""), "{top}");
    let leaf = site.read("public/categories/ticket-system/customer-portal/index.html");
    let first = leaf.find("Using My Page").unwrap();
    let second = leaf.find("Reopening a resolved ticket").unwrap();
    assert!(first < second, "{leaf}");
    assert!(leaf.contains("<nav class=\"breadcrumbs\""), "{leaf}");
}

#[test]
fn article_pages_have_breadcrumbs_tags_and_escaped_text() {
    let site = built();
    let page = site.read("public/ticket-system/customer-portal/my-page/index.html");
    assert!(
        page.contains("<li><a href=\"/categories/ticket-system/\">Ticket system</a></li>"),
        "{page}"
    );
    assert!(
        page.contains("<li aria-current=\"page\">Using My Page</li>"),
        "{page}"
    );
    assert!(
        page.contains("<a class=\"tag\" href=\"/tags/getting-started/\">"),
        "{page}"
    );
    assert!(page.contains("Text &amp; more."), "{page}");
    assert!(page.contains("datetime=\"2026-02-03T09:30:00Z\""), "{page}");
}

#[test]
fn home_lists_recent_articles_and_categories() {
    let site = built();
    let home = site.read("public/index.html");
    assert!(
        home.contains("href=\"/categories/ticket-system/\""),
        "{home}"
    );
    assert!(home.contains("Using My Page"), "{home}");
    assert!(!home.contains("Portal internals"), "{home}");
    let internal = site.read("internal/index.html");
    assert!(internal.contains("Portal internals"), "{internal}");
}

#[test]
fn tag_pages_list_their_articles() {
    let site = built();
    let tag = site.read("public/tags/portal/index.html");
    assert!(
        tag.contains("Using My Page") && tag.contains("Reopening"),
        "{tag}"
    );
    assert!(!tag.contains("Portal internals"), "{tag}");
}

#[test]
fn sitemap_feed_and_robots_are_public_only_with_absolute_urls() {
    let site = built();
    let sitemap = site.read("public/sitemap.xml");
    assert!(
        sitemap
            .contains("<loc>https://help.example.com/ticket-system/customer-portal/my-page/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("agents-only"), "{sitemap}");
    let feed = site.read("public/feed.xml");
    assert!(
        feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
        "{feed}"
    );
    assert!(feed.contains("<title>Using My Page</title>"), "{feed}");
    assert!(!feed.contains("Portal internals"), "{feed}");
    assert!(site
        .read("public/robots.txt")
        .contains("Sitemap: https://help.example.com/sitemap.xml"));
    for file in ["sitemap.xml", "feed.xml", "robots.txt"] {
        assert!(!site.exists(&format!("internal/{file}")), "internal/{file}");
    }
    assert!(site.exists("public/404.html") && site.exists("internal/404.html"));
}

#[test]
fn pages_follow_the_theme_contract() {
    let site = built();
    let page = site.read("public/ticket-system/customer-portal/my-page/index.html");
    for needle in [
        "<header class=\"site-header\">",
        "<a class=\"brand\" href=\"/\">",
        "<form class=\"search-box\" role=\"search\" action=\"/search/\"",
        "name=\"q\" type=\"search\"",
        // Anonymous readers can reach support, not only the login (defect
        // 10), and the login link carries the page's language.
        "<a class=\"contact-link\" href=\"/contact\">Contact support</a>\n<a href=\"/login?lang=en\">Log in</a></div>",
        "<main id=\"content\" tabindex=\"-1\">",
        "<footer class=\"site-footer\">",
        "<article class=\"article\"",
        "<p class=\"article-meta\">",
        "<div class=\"article-body\">",
        "<ul class=\"tag-list\">",
        "<link rel=\"stylesheet\" href=\"/css/style.css\">",
        "<script defer src=\"/js/session.js\"></script>",
        "<script defer src=\"/js/search.js\"></script>",
    ] {
        assert!(page.contains(needle), "missing {needle}");
    }
    for (path, bytes) in site.files("public") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("style=\""),
            "public/{path} has a style attribute"
        );
        assert!(
            !text.contains("<script>"),
            "public/{path} has an inline script"
        );
    }
}

#[test]
fn a_site_without_a_theme_folder_gets_the_built_in_theme() {
    let site = built();
    for bundle in ["public", "internal"] {
        for file in [
            "css/style.css",
            "js/session.js",
            "js/search.js",
            "search/index.html",
        ] {
            assert!(site.exists(&format!("{bundle}/{file}")), "{bundle}/{file}");
        }
    }
}
