//! The search page template renders inside any base template that offers
//! the contract's blocks, and keeps to the CSP (no inline script or style).

use tera::{Context, Tera};

const BASE: &str = r#"<!doctype html><html lang="{{ lang }}"><head><title>{% block title %}{% endblock %}</title>{% block head %}<link rel="stylesheet" href="{{ root }}css/style.css">{% endblock %}</head><body><main id="content">{% block main %}{% endblock %}</main></body></html>"#;

fn render(root: &str, lang: &str) -> String {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/templates/search.html"
    ))
    .expect("search.html is readable");
    let mut tera = Tera::default();
    std::sync::Arc::new(docket_i18n::Catalogs::built_in().expect("built-in catalogs load"))
        .register(&mut tera);
    tera.add_raw_templates(vec![("base.html", BASE), ("search.html", page.as_str())])
        .expect("templates parse");
    let mut context = Context::new();
    context.insert("root", root);
    context.insert("lang", lang);
    context.insert("site_title", "Example Help Center");
    // Tera escapes "/" as &#x2F; in attributes; browsers decode it.
    tera.render("search.html", &context)
        .expect("search.html renders")
        .replace("&#x2F;", "/")
}

#[test]
fn the_search_page_loads_the_script_from_its_bundle_and_names_its_root() {
    let html = render("/internal/", "en");
    assert!(html.contains(r#"<script src="/internal/js/search.js" defer></script>"#));
    assert!(html.contains(r#"data-root="/internal/""#));
    assert!(html.contains(r#"action="/internal/search/""#));
    assert!(
        html.contains(r#"href="/internal/css/style.css""#),
        "the base head block is kept"
    );
    assert!(html.contains(r#"<div class="search-results""#));
}

#[test]
fn the_search_page_speaks_the_page_language() {
    let html = render("/", "ja");
    assert!(html.contains("<h1>検索</h1>"));
    assert!(html.contains(r#"data-lang="ja""#));
    assert!(render("/", "en").contains("<h1>Search</h1>"));
}

#[test]
fn the_search_page_has_no_inline_script_or_style() {
    for lang in ["en", "ja"] {
        let html = render("/", lang);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("style="), "{html}");
        assert!(!html.contains("onclick"), "{html}");
    }
}
