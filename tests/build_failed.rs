//! A failed build leaves the previous bundles exactly as they were.

mod support;

use support::Site;

#[test]
fn a_failed_build_leaves_the_previous_bundles_intact() {
    let site = Site::fixture("previous_build");
    site.build();
    let before_public = site.files("public");
    let before_internal = site.files("internal");
    site.write("content/broken.md", "---\ntitle: [unclosed\n---\n");
    site.write(
        "content/stable.md",
        "---\ntitle: Stable article\n---\nCHANGED-CONTENT\n",
    );
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(site.files("public"), before_public);
    assert_eq!(site.files("internal"), before_internal);
    let stray: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".docket")
        .collect();
    assert!(stray.is_empty(), "temporary folders left: {stray:?}");
}

#[test]
fn a_build_failing_verification_leaves_the_previous_bundles_intact() {
    let site = Site::fixture("previous_build");
    site.write(
        "content/secret.md",
        "---\ntitle: Secret\ntags: [internal]\n---\nAgents only.\n",
    );
    site.build();
    let before_public = site.files("public");
    site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<a href=\"/secret/\">x</a>{% endblock main %}",
    );
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(site.files("public"), before_public);
}

#[test]
fn a_rebuild_drops_files_of_removed_articles() {
    let site = Site::fixture("previous_build");
    site.write("content/old.md", "---\ntitle: Old\n---\nOld.\n");
    site.build();
    site.build();
    assert!(site.exists("public/old/index.html"));
    std::fs::remove_file(site.root().join("content/old.md")).unwrap();
    site.write(
        "content/stable.md",
        "---\ntitle: Stable article\n---\nCHANGED-CONTENT\n",
    );
    site.build();
    assert!(!site.exists("public/old"));
    assert!(site
        .read("public/stable/index.html")
        .contains("CHANGED-CONTENT"));
    let before = site.files("public");
    site.build();
    assert_eq!(site.files("public"), before);
}

#[test]
fn check_writes_nothing() {
    let site = Site::fixture("previous_build");
    let out = site.docket(&["check"]);
    assert!(out.status.success());
    assert!(!site.exists("public"));
    assert!(!site.exists("internal"));
}

#[test]
fn a_folder_without_content_is_an_error() {
    let site = Site::fixture("previous_build");
    std::fs::remove_dir_all(site.root().join("content")).unwrap();
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(support::stderr(&out).contains("no content folder"));
    assert!(!site.exists("public"));
}
