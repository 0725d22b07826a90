//! Page bundles carry their assets, aliases redirect, `static/` of theme
//! and site is copied, and a site's `templates/` overrides the theme.

mod support;

use support::Site;

#[test]
fn page_bundle_assets_are_copied_beside_the_article() {
    let site = Site::fixture("bundles");
    site.build();
    for bundle in ["public", "internal"] {
        assert_eq!(
            site.read(&format!("{bundle}/portal/replying/reply-box.png")),
            "PNG\n"
        );
        assert!(site.exists(&format!("{bundle}/portal/replying/shots/detail.png")));
    }
    let page = site.read("public/portal/replying/index.html");
    assert!(page.contains("src=\"reply-box.png\""), "{page}");
}

#[test]
fn aliases_redirect_to_the_article() {
    let site = Site::fixture("bundles");
    site.build();
    let alias = site.read("public/old/reply/index.html");
    assert!(alias.contains("url=/portal/replying/"), "{alias}");
    let html_alias = site.read("internal/legacy/reply.html");
    assert!(
        html_alias.contains("url=/internal/portal/replying/"),
        "{html_alias}"
    );
}

#[test]
fn static_files_of_theme_and_site_are_copied_into_both_bundles() {
    let site = Site::fixture("bundles");
    site.build();
    for bundle in ["public", "internal"] {
        assert_eq!(site.read(&format!("{bundle}/images/logo.svg")), "LOGO\n");
        assert!(site.exists(&format!("{bundle}/css/style.css")));
    }
}

#[test]
fn a_site_template_overrides_the_theme() {
    let site = Site::fixture("bundles");
    site.build();
    assert!(site.read("public/404.html").contains("SITE-OVERRIDE-404"));
    assert!(!site.read("public/index.html").contains("SITE-OVERRIDE-404"));
}

#[test]
fn out_relocates_both_bundles() {
    let site = Site::fixture("bundles");
    let out_dir = site.root().join("elsewhere");
    let out = site.docket(&["build", "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    assert!(site.exists("elsewhere/public/index.html"));
    assert!(site.exists("elsewhere/internal/index.html"));
    assert!(!site.exists("public"));
}

#[test]
fn root_relative_static_images_get_the_bundle_root() {
    let site = Site::fixture("bundles");
    site.build();
    let public = site.read("public/portal/replying/index.html");
    assert!(public.contains("src=\"/images/logo.svg\""), "{public}");
    let internal = site.read("internal/portal/replying/index.html");
    assert!(
        internal.contains("src=\"/internal/images/logo.svg\""),
        "{internal}"
    );
}

#[test]
fn unknown_front_matter_fields_reach_templates_as_page_extra() {
    let site = Site::fixture("bundles");
    site.write(
        "templates/article.html",
        "{% extends \"base.html\" %}{% block main %}<p>{{ page.extra.custom_field }}</p>{% endblock main %}",
    );
    site.build();
    let page = site.read("public/portal/replying/index.html");
    assert!(page.contains("<p>shown-through-extra</p>"), "{page}");
}
