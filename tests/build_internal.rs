//! Nothing internal reaches the public bundle: canary strings written only
//! in internal articles (titles, bodies, descriptions, keywords, tags,
//! aliases, category intros, assets, an internal translation) must appear
//! in no file of `public/` and in the internal bundle.

mod support;

use support::Site;

const CANARIES: &[&str] = &[
    "CANARY-TITLE-AGENT-NOTES",
    "CANARY-DESCRIPTION-AGENT-NOTES",
    "CANARY-BODY-AGENT-NOTES",
    "CANARY-KEYWORD",
    "CANARY-TAG-ONLY-INTERNAL",
    "canary-alias",
    "CANARY-CATEGORY-KB",
    "CANARY-CATEGORY-INTRO",
    "CANARY-BODY-ESCALATION",
    "CANARY-ASSET",
    "CANARY-JA-TRANSLATION",
    "CANARY-JA-DESCRIPTION",
    "CANARY-JA-BODY",
    "escalation-playbook",
    "agent-notes",
];

fn built() -> Site {
    let site = Site::fixture("internal_canaries");
    site.build();
    site
}

#[test]
fn no_public_file_contains_an_internal_canary() {
    let site = built();
    let files = site.files("public");
    assert!(files.len() > 5, "public bundle looks empty: {files:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for canary in CANARIES {
            assert!(
                !text.contains(canary),
                "public/{path} contains internal canary {canary}"
            );
        }
    }
}

#[test]
fn every_canary_is_in_the_internal_bundle() {
    let site = built();
    let all: String = site
        .files("internal")
        .iter()
        .map(|(p, b)| format!("{p}\n{}\n", String::from_utf8_lossy(b)))
        .collect();
    for canary in CANARIES {
        assert!(all.contains(canary), "internal bundle lacks {canary}");
    }
}

#[test]
fn internal_articles_are_badged_in_the_internal_bundle() {
    let site = built();
    let page = site.read("internal/portal/agent-notes/index.html");
    assert!(page.contains("badge badge-internal"), "{page}");
    let public = site.read("internal/portal/my-page/index.html");
    assert!(!public.contains(
        "<span class=\"badge badge-internal\">internal</span>\n<p class=\"article-meta\""
    ));
}

#[test]
fn an_internal_translation_of_a_public_article_stays_internal() {
    let site = built();
    assert!(!site.exists("public/ja"));
    let faq = site.read("public/portal/faq/index.html");
    assert!(!faq.contains("hreflang=\"ja\""), "{faq}");
    let internal_faq = site.read("internal/portal/faq/index.html");
    assert!(
        internal_faq.contains("href=\"/internal/ja/portal/faq/\""),
        "{internal_faq}"
    );
}

#[test]
fn internal_only_categories_and_tags_get_no_public_page() {
    let site = built();
    assert!(!site.exists("public/categories/kb"));
    assert!(!site.exists("public/tags/escalations"));
    assert!(!site.exists("public/tags/CANARY-TAG-ONLY-INTERNAL"));
    assert!(site.exists("internal/categories/kb/agents/index.html"));
    assert!(site.exists("internal/tags/escalations/index.html"));
    assert!(site.exists("public/categories/portal/index.html"));
}

#[test]
fn the_internal_tag_has_no_page_in_either_bundle() {
    let site = built();
    assert!(!site.exists("public/tags/internal"));
    assert!(!site.exists("internal/tags/internal"));
}

#[test]
fn internal_aliases_and_assets_exist_only_internally() {
    let site = built();
    assert!(!site.exists("public/old/canary-alias"));
    assert!(site.exists("internal/old/canary-alias/index.html"));
    assert!(!site.exists("public/kb"));
    assert!(site.exists("internal/kb/agents/escalation-playbook/flow-diagram.svg"));
}

#[test]
fn every_internal_link_starts_with_the_internal_root() {
    let site = built();
    let page = site.read("internal/portal/agent-notes/index.html");
    assert!(
        page.contains("href=\"/internal/portal/my-page/\""),
        "{page}"
    );
    assert!(page.contains("href=\"/internal/css/style.css\""), "{page}");
    for (path, bytes) in site.files("internal") {
        let text = String::from_utf8_lossy(&bytes);
        for (i, _) in text.match_indices("href=\"/") {
            let rest = &text[i + 6..];
            assert!(
                // The header's sidecar routes are the only other links.
                rest.starts_with("/internal/")
                    || rest.starts_with("/login")
                    || rest.starts_with("/contact\""),
                "internal/{path} links outside its root: {}",
                &rest[..rest.len().min(60)]
            );
        }
    }
}

#[test]
fn the_public_bundle_is_verified_after_writing() {
    let site = Site::fixture("internal_canaries");
    site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<a href=\"{{ root }}kb/agents/escalation-playbook/\">x</a>{% endblock main %}",
    );
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = support::stderr(&out);
    assert!(
        err.contains("404.html: mentions /kb/agents/escalation-playbook/ of internal content/kb/agents/escalation-playbook/index.md"),
        "{err}"
    );
    assert!(!site.exists("public"));
    assert!(!site.exists("internal"));
}

#[test]
fn the_public_search_index_reveals_no_canary() {
    let site = built();
    let index: Vec<docket::search::IndexFile> = site
        .files("public")
        .into_iter()
        .filter(|(path, _)| path.starts_with("search/") && path.ends_with(".json"))
        .map(|(path, bytes)| docket::search::IndexFile { path, bytes })
        .collect();
    assert!(!index.is_empty(), "no public search index");
    for canary in CANARIES {
        let found = docket::search::files_mentioning(&index, canary);
        assert!(
            found.is_empty(),
            "{canary} is in the public index: {found:?}"
        );
    }
    let internal: Vec<docket::search::IndexFile> = site
        .files("internal")
        .into_iter()
        .filter(|(path, _)| path.starts_with("search/") && path.ends_with(".json"))
        .map(|(path, bytes)| docket::search::IndexFile { path, bytes })
        .collect();
    assert!(!docket::search::files_mentioning(&internal, "CANARY-BODY-AGENT-NOTES").is_empty());
}

#[test]
fn both_bundles_have_a_search_page() {
    let site = built();
    let page = site.read("public/search/index.html");
    assert_eq!(page.matches("js/search.js").count(), 1, "{page}");
    assert!(site
        .read("public/search/index.html")
        .contains("data-root=\"/\""));
    assert!(site
        .read("internal/search/index.html")
        .contains("data-root=\"/internal/\""));
}

#[test]
fn check_runs_the_same_verification_without_writing() {
    let site = Site::fixture("internal_canaries");
    site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<a href=\"/kb/agents/escalation-playbook/\">x</a>{% endblock main %}",
    );
    let out = site.docket(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = support::stderr(&out);
    assert!(
        err.contains("404.html: mentions /kb/agents/escalation-playbook/"),
        "{err}"
    );
    assert!(!site.exists("public"));
}
