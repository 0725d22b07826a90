//! A theme written before the default theme gained `header.html`,
//! `listing.html`, `portal/macros.html` and the split search scripts keeps
//! working: the site builds with its templates, and the portal loads its
//! pages (falling back to the default theme's shared files it lacks).

mod support;

use support::Site;

#[test]
fn an_old_style_theme_still_builds_its_pages() {
    let site = Site::fixture("old_theme");
    let out = site.docket(&["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let category = site.read("public/categories/guides/index.html");
    assert!(category.contains("<h1>Guides</h1>"), "{category}");
    assert!(category.contains("First steps") && category.contains("Second steps"));
    // The theme's own base.html (no shared header partial) framed it.
    assert!(category.contains(r#"<header class="site-header">"#));
    assert!(category.contains("css/style.css"));
    let tag = site.read("public/tags/setup/index.html");
    assert!(
        tag.contains("Tag: setup") && tag.contains("First steps"),
        "{tag}"
    );
    let article = site.read("public/guides/first/index.html");
    assert!(article.contains("Where to begin."), "{article}");
    // Its own static folder replaces the default one.
    assert_eq!(site.read("public/css/style.css"), "body { color: #222; }\n");
}

/// The portal pages of the `old_theme` fixture's own theme.
fn old_theme_pages(site: &Site) -> docket_sidecar::pages::Pages {
    let templates = site.root().join("themes/classic/templates");
    docket_sidecar::pages::Pages::load(&templates, &site.root().join("templates"))
        .expect("the old theme's portal templates load")
}

/// What the login handler hands its template: `error` is a catalog key.
fn login_view(error: Option<&str>, lang: &str) -> serde_json::Value {
    serde_json::json!({
        "site_title": "Classic",
        "user": null,
        "csrf": "token",
        "email": "carol@example.com",
        "next": "",
        "error": error,
        "signed_out": false,
        "lang": lang,
    })
}

#[test]
fn an_old_style_theme_still_renders_the_portal() {
    let site = Site::fixture("old_theme");
    let html = old_theme_pages(&site)
        .render_html("login.html", &login_view(None, "en"))
        .expect("login renders");
    assert!(html.contains("<h1>Log in</h1>"), "{html}");
    assert!(
        html.contains(r#"<a class="brand" href="/">Classic</a>"#),
        "{html}"
    );
}

/// A site's portal templates from before the string catalogs print the
/// handler's message fields as text (`{{ error }}`), while handlers now
/// put a catalog key there. Without a translation step such a site, after
/// upgrading, would show `auth.wrong_login` to a customer who mistyped a
/// password instead of telling them what went wrong.
#[test]
fn an_old_style_portal_template_shows_messages_not_catalog_keys() {
    let site = Site::fixture("old_theme");
    let pages = old_theme_pages(&site);
    let html = pages
        .render_html("login.html", &login_view(Some("auth.wrong_login"), "en"))
        .expect("login renders");
    assert!(
        html.contains("<p>Wrong e-mail address or password.</p>"),
        "{html}"
    );
    assert!(!html.contains("auth.wrong_login"), "{html}");
    let html = pages
        .render_html("login.html", &login_view(Some("auth.wrong_login"), "ja"))
        .expect("login renders");
    assert!(
        html.contains("メールアドレスまたはパスワードが正しくありません。"),
        "{html}"
    );
}

/// The default theme's templates look the key up themselves; the key must
/// reach them untouched (translating it twice would print the text as a
/// key that does not exist).
#[test]
fn a_cataloged_portal_template_gets_the_key() {
    let site = Site::fixture("old_theme");
    let none = site.root().join("no-theme");
    let pages = docket_sidecar::pages::Pages::load(&none, &none).expect("built-in templates load");
    let html = pages
        .render_html("login.html", &login_view(Some("auth.wrong_login"), "en"))
        .expect("login renders");
    assert!(html.contains("Wrong e-mail address or password."), "{html}");
}
