//! The build cache: a second `docket build` with nothing changed does no
//! work, and every kind of change — an article, a template, a deleted or
//! edited output file, `--drafts`, `--no-cache` — makes it build again.

mod support;

use support::Site;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn skipped(out: &std::process::Output) -> bool {
    stdout(out).starts_with("nothing changed since the last build")
}

#[test]
fn an_unchanged_site_is_not_built_twice() {
    let site = Site::fixture("previous_build");
    assert!(!skipped(&site.build()), "the first build builds");
    let before = site.files("public");
    let again = site.build();
    assert!(skipped(&again), "{}", stdout(&again));
    assert_eq!(site.files("public"), before);
    assert!(site.exists(".docket/cache/build.json"));
}

#[test]
fn an_edited_article_is_rebuilt() {
    let site = Site::fixture("previous_build");
    site.build();
    site.write(
        "content/stable.md",
        "---\ntitle: Stable article\n---\nEDITED-AFTER-FIRST-BUILD\n",
    );
    assert!(!skipped(&site.build()));
    assert!(site
        .read("public/stable/index.html")
        .contains("EDITED-AFTER-FIRST-BUILD"));
    assert!(skipped(&site.build()));
}

#[test]
fn a_changed_template_is_rebuilt() {
    let site = Site::fixture("previous_build");
    site.build();
    let base = include_str!("../themes/default/templates/base.html").replace(
        "<footer class=\"site-footer\">",
        "<footer class=\"site-footer\">TEMPLATE-EDIT",
    );
    site.write("templates/base.html", base);
    assert!(!skipped(&site.build()));
    assert!(site.read("public/index.html").contains("TEMPLATE-EDIT"));
}

#[test]
fn a_damaged_output_is_rebuilt() {
    let site = Site::fixture("previous_build");
    site.build();
    let page = "public/stable/index.html";
    let good = site.read(page);
    site.write(page, "edited by hand");
    assert!(!skipped(&site.build()));
    assert_eq!(site.read(page), good);
    std::fs::remove_file(site.root().join(page)).unwrap();
    assert!(!skipped(&site.build()));
    assert_eq!(site.read(page), good);
}

#[test]
fn drafts_and_no_cache_build_again() {
    let site = Site::fixture("previous_build");
    site.build();
    assert!(!skipped(&site.docket(&["build", "--no-cache"])));
    assert!(!skipped(&site.docket(&["build", "--drafts"])));
    assert!(!skipped(&site.build()), "back without drafts");
}

#[test]
fn a_failed_build_is_not_remembered_as_good() {
    let site = Site::fixture("previous_build");
    site.build();
    site.write("content/broken.md", "---\ntitle: [unclosed\n---\n");
    assert_eq!(site.docket(&["build"]).status.code(), Some(1));
    std::fs::remove_file(site.root().join("content/broken.md")).unwrap();
    // The inputs are those of the first build again, but the failed build
    // dropped the record: this one builds (and would repair anything).
    assert!(!skipped(&site.build()));
    assert!(skipped(&site.build()));
}
