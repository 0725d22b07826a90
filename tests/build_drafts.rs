//! Drafts are never rendered unless `--drafts` is given.

mod support;

use support::Site;

#[test]
fn drafts_are_left_out_by_default() {
    let site = Site::fixture("drafts");
    site.build();
    assert!(site.exists("public/published/index.html"));
    assert!(!site.exists("public/wip"));
    assert!(!site.exists("internal/wip"));
    for (path, bytes) in site.files("public") {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("Work in progress"),
            "public/{path} lists the draft"
        );
    }
}

#[test]
fn drafts_are_built_with_the_flag() {
    let site = Site::fixture("drafts");
    let out = site.docket(&["build", "--drafts"]);
    assert!(out.status.success());
    assert!(site.read("public/wip/index.html").contains("DRAFT-CANARY"));
}

/// Defect 9: a `--drafts` build showed drafts like published articles.
#[test]
fn drafts_built_with_the_flag_are_marked_as_drafts() {
    let site = Site::fixture("drafts");
    let out = site.docket(&["build", "--drafts"]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    let wip = site.read("public/wip/index.html");
    assert!(
        wip.contains("<span class=\"badge badge-draft\">draft</span> This article is a draft"),
        "{wip}"
    );
    let published = site.read("public/published/index.html");
    assert!(!published.contains("badge-draft"), "{published}");
    // Listings mark it too.
    let home = site.read("public/index.html");
    assert!(home.contains("badge badge-draft"), "{home}");
}

#[test]
fn a_link_to_a_draft_names_it() {
    let site = Site::fixture("drafts");
    site.write(
        "content/linker.md",
        "---\ntitle: Linker\n---\nSee [wip](wip.md).\n",
    );
    let out = site.docket(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = support::stderr(&out);
    assert!(
        err.contains("content/linker.md:4: link to draft content/wip.md"),
        "{err}"
    );
}
