//! Snapshots of rendered pages of the `outputs` fixture and of a portal
//! page, so that a change to templates, views or the build shows up as a
//! reviewable diff of the HTML (`cargo insta review`). The pages carry no
//! build time, so the snapshots are stable.

mod support;

use support::Site;

fn built() -> Site {
    let site = Site::fixture("outputs");
    site.build();
    site
}

#[test]
fn article_page() {
    let site = built();
    insta::assert_snapshot!(site.read("public/ticket-system/submit/index.html"));
}

#[test]
fn category_page_with_introduction_and_sub_category() {
    let site = built();
    insta::assert_snapshot!(site.read("public/categories/ticket-system/index.html"));
}

#[test]
fn portal_login_page() {
    let templates =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
    let pages = docket_sidecar::pages::Pages::load(&templates, &templates.join("no-overrides"))
        .expect("portal templates load");
    let view = serde_json::json!({
        "site_title": "Outputs",
        "user": null,
        "csrf": "0123456789abcdef",
        "email": "",
        "next": "/my/tickets",
        "error": null,
        "signed_out": false,
    });
    insta::assert_snapshot!(pages.render_html("login.html", &view).expect("renders"));
}
